"""Lifted ``scipy.special``: the same names and signatures as scipy's, differentiable on BVars.

On plain values each function returns what scipy returns (it *is* scipy's call). On a BVar
it records one node whose backward rule is written with lifted functions (this module's
and `optic_ad.numpy`'s), so the gradient differentiates again: ``digamma``'s rule is
``polygamma(1, x)``, ``polygamma(n, x)``'s is ``polygamma(n + 1, x)``, ``jn``'s uses ``jn``
of the neighbouring orders. Broadcasting functions sum their cotangents back to each
argument's shape, and every rule accepts extra leading dimensions on the cotangent, so
``jacobian`` and ``hessian`` pull a whole Jacobian back in one pass.

Orders (``n``, ``v``, ``d``) and the shape parameters of the incomplete gamma and beta
functions are constants, as in autograd: passing a BVar there raises ``TypeError`` rather
than dropping its gradient silently. ``gammasgn`` is piecewise constant and returns a plain
value.

Examples:
    >>> import optic_ad as ad
    >>> from optic_ad.scipy import special
    >>> round(float(ad.grad_bp(special.gammaln, 3.0)), 6)  # digamma(3)
    0.922784
    >>> round(float(ad.derivative(ad.derivative(special.gammaln))(3.0)), 6)  # trigamma(3)
    0.394934
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

import numpy as np
import scipy.special as sc

from optic_ad import numpy as anp
from optic_ad.bvar import BVar, plain
from optic_ad.extend import Prim, lift, register_ufunc, unbroadcast

__all__ = [
    "beta",
    "betainc",
    "betaincc",
    "betaln",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcinv",
    "erfcx",
    "erfinv",
    "expit",
    "gamma",
    "gammainc",
    "gammaincc",
    "gammaln",
    "gammasgn",
    "i0",
    "i1",
    "iv",
    "ive",
    "j0",
    "j1",
    "jn",
    "jv",
    "k0",
    "k1",
    "kv",
    "log_expit",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "rgamma",
    "softmax",
    "xlog1py",
    "xlogy",
    "y0",
    "y1",
    "yn",
    "yv",
]

T = TypeVar("T")
Axis = int | tuple[int, ...] | None

# the keywords of a call without keywords: shared, never mutated
_KW: dict[str, Any] = {}

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _prim(name: str, fwd: Callable[..., Any], *vjps: Callable[..., Any] | None) -> Prim:
    # every rule below broadcasts g against the arguments with numpy's rules, so extra
    # leading (batch) dims on g are fine; unbroadcast sums them back by trailing dims
    return Prim(name, fwd, vjps, batch_safe=True)


def _ub(g: Any, x: Any, ans: Any) -> Any:
    """Sum ``g`` (the cotangent of the broadcast result ``ans``) back to ``x``'s shape."""
    sx = anp.shape(x)
    so = anp.shape(ans)
    if sx == so:
        return g
    return unbroadcast(g, sx, len(so))


def _constant(fn: str, what: str, v: Any) -> None:
    if type(v) is BVar:
        msg = (
            f"scipy.special.{fn}: the {what} is a constant here (its gradient is not "
            "implemented); pass a plain value"
        )
        raise TypeError(msg)


def _order(n: Any) -> Any:
    # an order used in arithmetic by the rules (n - 1, n + 1): a list becomes an array
    return n if isinstance(n, int | float | np.ndarray | np.generic) else np.asarray(n)


# ----- gamma and related functions -----

_GAMMALN = _prim("gammaln", sc.gammaln, lambda g, ans, x: g * digamma(x))
_DIGAMMA = _prim("digamma", sc.digamma, lambda g, ans, x: g * polygamma(1, x))
_POLYGAMMA = _prim(
    "polygamma", sc.polygamma, None, lambda g, ans, n, x: _ub(g * polygamma(n + 1, x), x, ans)
)
_GAMMA = _prim("gamma", sc.gamma, lambda g, ans, x: g * ans * digamma(x))
_RGAMMA = _prim("rgamma", sc.rgamma, lambda g, ans, x: -g * ans * digamma(x))


def _multigammaln_vjp(g: Any, ans: Any, a: Any, d: int) -> Any:
    # d/da sum_j gammaln(a - j/2) = sum_j digamma(a - j/2), j = 0 .. d-1
    return g * anp.sum(digamma(anp.expand_dims(a, -1) - np.arange(d) / 2.0), axis=-1)


_MULTIGAMMALN = _prim("multigammaln", sc.multigammaln, _multigammaln_vjp, None)


def _gammainc_dx(g: Any, ans: Any, a: Any, x: Any) -> Any:
    # d/dx P(a, x) = x**(a-1) exp(-x) / Gamma(a), in logs (no overflow for large a)
    return _ub(g * anp.exp(xlogy(a - 1.0, x) - x - gammaln(a)), x, ans)


_GAMMAINC = _prim("gammainc", sc.gammainc, None, _gammainc_dx)
_GAMMAINCC = _prim(
    "gammaincc", sc.gammaincc, None, lambda g, ans, a, x: -_gammainc_dx(g, ans, a, x)
)


def gammaln(x: T, /) -> T:
    """``log|Gamma(x)|``; its derivative is ``digamma(x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(special.gammaln(4.0)), 6), round(float(ad.grad_bp(special.gammaln, 1.0)), 6)
        (1.791759, -0.577216)
    """
    return lift(_GAMMALN, (x,), _KW)  # type: ignore[no-any-return]


def digamma(x: T, /) -> T:
    """The digamma function ``psi(x)``, the derivative of ``gammaln``; its derivative is
    ``polygamma(1, x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(special.digamma(1.0)), 6), round(float(ad.grad_bp(special.digamma, 1.0)), 6)
        (-0.577216, 1.644934)
    """
    return lift(_DIGAMMA, (x,), _KW)  # type: ignore[no-any-return]


def psi(x: T, /) -> T:
    """The digamma function, under its other name (as ``scipy.special.psi``).

    Examples:
        >>> from optic_ad.scipy import special
        >>> bool(special.psi(2.5) == special.digamma(2.5))
        True
    """
    return lift(_DIGAMMA, (x,), _KW)  # type: ignore[no-any-return]


def polygamma(n: Any, x: T) -> T:
    """The ``n``-th derivative of ``digamma`` (``n`` an int constant, or an array of them,
    broadcast with ``x``); its derivative in ``x`` is ``polygamma(n + 1, x)``.

    As scipy's, a scalar result is a 0-d array.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda x: special.polygamma(1, x), 1.0)), 6)  # -2 zeta(3)
        -2.404114
    """
    _constant("polygamma", "order n", n)
    return lift(_POLYGAMMA, (_order(n), x), _KW)  # type: ignore[no-any-return]


def gamma(x: T, /) -> T:
    """The gamma function; its derivative is ``gamma(x) * digamma(x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.gamma(5.0)), round(float(ad.grad_bp(special.gamma, 1.0)), 6)
        (24.0, -0.577216)
    """
    return lift(_GAMMA, (x,), _KW)  # type: ignore[no-any-return]


def rgamma(x: T, /) -> T:
    """``1 / gamma(x)``; its derivative is ``-rgamma(x) * digamma(x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.rgamma(3.0)), round(float(ad.grad_bp(special.rgamma, 1.0)), 6)
        (0.5, 0.577216)
    """
    return lift(_RGAMMA, (x,), _KW)  # type: ignore[no-any-return]


def gammasgn(x: Any, /) -> Any:
    """The sign of ``gamma(x)``: piecewise constant, so a plain value even for a BVar.

    Examples:
        >>> from optic_ad.scipy import special
        >>> float(special.gammasgn(-0.5))
        -1.0
    """
    return sc.gammasgn(plain(x))


def multigammaln(a: T, d: int) -> T:
    """The log of the multivariate gamma function of dimension ``d`` (an int constant);
    its derivative in ``a`` is ``sum(digamma(a - j / 2) for j in range(d))``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda a: special.multigammaln(a, 2), 3.0)), 6)
        1.625941
    """
    _constant("multigammaln", "dimension d", d)
    return lift(_MULTIGAMMALN, (a, d), _KW)  # type: ignore[no-any-return]


def gammainc(a: Any, x: T, /) -> T:
    """The regularized lower incomplete gamma function ``P(a, x)``; differentiable in
    ``x`` (``a`` is a constant, as in autograd).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda x: special.gammainc(1.0, x), 0.5)), 6)  # exp(-x)
        0.606531
    """
    _constant("gammainc", "shape parameter a", a)
    return lift(_GAMMAINC, (a, x), _KW)  # type: ignore[no-any-return]


def gammaincc(a: Any, x: T, /) -> T:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``;
    differentiable in ``x`` (``a`` is a constant).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda x: special.gammaincc(1.0, x), 0.5)), 6)
        -0.606531
    """
    _constant("gammaincc", "shape parameter a", a)
    return lift(_GAMMAINCC, (a, x), _KW)  # type: ignore[no-any-return]


# ----- beta functions -----


def _beta_da(g: Any, ans: Any, a: Any, b: Any) -> Any:
    return _ub(g * ans * (digamma(a) - digamma(a + b)), a, ans)


def _beta_db(g: Any, ans: Any, a: Any, b: Any) -> Any:
    return _ub(g * ans * (digamma(b) - digamma(a + b)), b, ans)


_BETA = _prim("beta", sc.beta, _beta_da, _beta_db)
_BETALN = _prim(
    "betaln",
    sc.betaln,
    lambda g, ans, a, b: _ub(g * (digamma(a) - digamma(a + b)), a, ans),
    lambda g, ans, a, b: _ub(g * (digamma(b) - digamma(a + b)), b, ans),
)


def _betainc_density(a: Any, b: Any, x: Any) -> Any:
    # d/dx I_x(a, b) = x**(a-1) (1-x)**(b-1) / B(a, b), in logs
    return anp.exp(xlogy(a - 1.0, x) + xlog1py(b - 1.0, -x) - betaln(a, b))


_BETAINC = _prim(
    "betainc",
    sc.betainc,
    None,
    None,
    lambda g, ans, a, b, x: _ub(g * _betainc_density(a, b, x), x, ans),
)
_BETAINCC = _prim(
    "betaincc",
    sc.betaincc,
    None,
    None,
    lambda g, ans, a, b, x: _ub(-g * _betainc_density(a, b, x), x, ans),
)


@overload
def beta(a: BVar[T], b: Any, /) -> BVar[T]: ...
@overload
def beta(a: Any, b: BVar[T], /) -> BVar[T]: ...
@overload
def beta(a: T, b: Any, /) -> T: ...
def beta(a: Any, b: Any, /) -> Any:
    """The beta function ``B(a, b)``, broadcasting; differentiable in both arguments.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.beta(2.0, 3.0))
        0.08333333333333333
        >>> [round(float(d), 6) for d in ad.grad_bp2(special.beta, 2.0, 3.0)]
        [-0.090278, -0.048611]
    """
    return lift(_BETA, (a, b), _KW)


@overload
def betaln(a: BVar[T], b: Any, /) -> BVar[T]: ...
@overload
def betaln(a: Any, b: BVar[T], /) -> BVar[T]: ...
@overload
def betaln(a: T, b: Any, /) -> T: ...
def betaln(a: Any, b: Any, /) -> Any:
    """``log|B(a, b)|``, broadcasting; differentiable in both arguments.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> [round(float(d), 6) for d in ad.grad_bp2(special.betaln, 2.0, 3.0)]
        [-1.083333, -0.583333]
    """
    return lift(_BETALN, (a, b), _KW)


def betainc(a: Any, b: Any, x: T, /) -> T:
    """The regularized incomplete beta function ``I_x(a, b)``; differentiable in ``x``
    (``a`` and ``b`` are constants, as in autograd).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda x: special.betainc(2.0, 3.0, x), 0.5)), 6)
        1.5
    """
    _constant("betainc", "parameter a", a)
    _constant("betainc", "parameter b", b)
    return lift(_BETAINC, (a, b, x), _KW)  # type: ignore[no-any-return]


def betaincc(a: Any, b: Any, x: T, /) -> T:
    """The complement ``1 - I_x(a, b)``; differentiable in ``x`` (``a``, ``b`` constants).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda x: special.betaincc(2.0, 3.0, x), 0.5)), 6)
        -1.5
    """
    _constant("betaincc", "parameter a", a)
    _constant("betaincc", "parameter b", b)
    return lift(_BETAINCC, (a, b, x), _KW)  # type: ignore[no-any-return]


# ----- error function and the normal distribution -----

_ERF = _prim("erf", sc.erf, lambda g, ans, x: g * (2.0 / _SQRT_PI) * anp.exp(-x * x))
_ERFC = _prim("erfc", sc.erfc, lambda g, ans, x: g * (-2.0 / _SQRT_PI) * anp.exp(-x * x))
_ERFCX = _prim("erfcx", sc.erfcx, lambda g, ans, x: g * (2.0 * x * ans - 2.0 / _SQRT_PI))
_ERFINV = _prim("erfinv", sc.erfinv, lambda g, ans, x: g * (_SQRT_PI / 2.0) * anp.exp(ans * ans))
_ERFCINV = _prim(
    "erfcinv", sc.erfcinv, lambda g, ans, x: g * (-_SQRT_PI / 2.0) * anp.exp(ans * ans)
)
_NDTR = _prim("ndtr", sc.ndtr, lambda g, ans, x: g * anp.exp(-0.5 * x * x - _LOG_SQRT_2PI))
# exp(log pdf - log cdf): no underflow far in the left tail, where both are tiny
_LOG_NDTR = _prim(
    "log_ndtr", sc.log_ndtr, lambda g, ans, x: g * anp.exp(-0.5 * x * x - _LOG_SQRT_2PI - ans)
)
_NDTRI = _prim("ndtri", sc.ndtri, lambda g, ans, x: g * _SQRT_2PI * anp.exp(0.5 * ans * ans))


def erf(x: T, /) -> T:
    """The error function; its derivative is ``2 / sqrt(pi) * exp(-x**2)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.erf(0.0)), round(float(ad.grad_bp(special.erf, 0.0)), 6)
        (0.0, 1.128379)
    """
    return lift(_ERF, (x,), _KW)  # type: ignore[no-any-return]


def erfc(x: T, /) -> T:
    """The complementary error function ``1 - erf(x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.erfc(0.0)), round(float(ad.grad_bp(special.erfc, 0.0)), 6)
        (1.0, -1.128379)
    """
    return lift(_ERFC, (x,), _KW)  # type: ignore[no-any-return]


def erfcx(x: T, /) -> T:
    """The scaled complementary error function ``exp(x**2) * erfc(x)``; its derivative is
    ``2 x erfcx(x) - 2 / sqrt(pi)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.erfcx, 0.0)), 6)
        -1.128379
    """
    return lift(_ERFCX, (x,), _KW)  # type: ignore[no-any-return]


def erfinv(x: T, /) -> T:
    """The inverse of ``erf``; its derivative is ``sqrt(pi) / 2 * exp(erfinv(x)**2)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.erfinv, 0.0)), 6)
        0.886227
    """
    return lift(_ERFINV, (x,), _KW)  # type: ignore[no-any-return]


def erfcinv(x: T, /) -> T:
    """The inverse of ``erfc``; its derivative is ``-sqrt(pi) / 2 * exp(erfcinv(x)**2)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.erfcinv, 1.0)), 6)
        -0.886227
    """
    return lift(_ERFCINV, (x,), _KW)  # type: ignore[no-any-return]


def ndtr(x: T, /) -> T:
    """The standard normal cumulative distribution function; its derivative is the
    standard normal density.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.ndtr(0.0)), round(float(ad.grad_bp(special.ndtr, 0.0)), 6)
        (0.5, 0.398942)
    """
    return lift(_NDTR, (x,), _KW)  # type: ignore[no-any-return]


def log_ndtr(x: T, /) -> T:
    """The log of ``ndtr``, accurate far in both tails; its derivative is
    ``exp(log_pdf(x) - log_ndtr(x))``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.log_ndtr, -30.0)), 4)  # about -x
        30.0333
    """
    return lift(_LOG_NDTR, (x,), _KW)  # type: ignore[no-any-return]


def ndtri(y: T, /) -> T:
    """The inverse of ``ndtr``; its derivative is ``sqrt(2 pi) * exp(ndtri(y)**2 / 2)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.ndtri(0.5)), round(float(ad.grad_bp(special.ndtri, 0.5)), 6)
        (0.0, 2.506628)
    """
    return lift(_NDTRI, (y,), _KW)  # type: ignore[no-any-return]


# ----- logistic, logs and entropy -----

_LOGIT = _prim("logit", sc.logit, lambda g, ans, x: g / (x * (1.0 - x)))
_EXPIT = _prim("expit", sc.expit, lambda g, ans, x: g * ans * (1.0 - ans))
_LOG_EXPIT = _prim("log_expit", sc.log_expit, lambda g, ans, x: g * expit(-x))
_ENTR = _prim("entr", sc.entr, lambda g, ans, x: -g * (anp.log(x) + 1.0))
_XLOGY = _prim(
    "xlogy",
    sc.xlogy,
    lambda g, ans, x, y: _ub(g * anp.log(y), x, ans),
    lambda g, ans, x, y: _ub(g * x / y, y, ans),
)
_XLOG1PY = _prim(
    "xlog1py",
    sc.xlog1py,
    lambda g, ans, x, y: _ub(g * anp.log1p(y), x, ans),
    lambda g, ans, x, y: _ub(g * x / (1.0 + y), y, ans),
)


def logit(x: T, /) -> T:
    """``log(x / (1 - x))``; its derivative is ``1 / (x (1 - x))``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.logit(0.5)), float(ad.grad_bp(special.logit, 0.5))
        (0.0, 4.0)
    """
    return lift(_LOGIT, (x,), _KW)  # type: ignore[no-any-return]


def expit(x: T, /) -> T:
    """The logistic sigmoid ``1 / (1 + exp(-x))``; its derivative is ``expit(x) (1 - expit(x))``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.expit(0.0)), float(ad.grad_bp(special.expit, 0.0))
        (0.5, 0.25)
    """
    return lift(_EXPIT, (x,), _KW)  # type: ignore[no-any-return]


def log_expit(x: T, /) -> T:
    """``log(expit(x))``, computed stably; its derivative is ``expit(-x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(ad.grad_bp(special.log_expit, 0.0))
        0.5
    """
    return lift(_LOG_EXPIT, (x,), _KW)  # type: ignore[no-any-return]


def entr(x: T, /) -> T:
    """The elementwise entropy ``-x log x`` (0 at 0, ``-inf`` below); its derivative is
    ``-(log x + 1)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(ad.grad_bp(special.entr, 1.0))
        -1.0
    """
    return lift(_ENTR, (x,), _KW)  # type: ignore[no-any-return]


@overload
def xlogy(x: BVar[T], y: Any, /) -> BVar[T]: ...
@overload
def xlogy(x: Any, y: BVar[T], /) -> BVar[T]: ...
@overload
def xlogy(x: T, y: Any, /) -> T: ...
def xlogy(x: Any, y: Any, /) -> Any:
    """``x * log(y)``, 0 where ``x == 0``, broadcasting; differentiable in both arguments.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.xlogy(0.0, 0.0)), ad.grad_bp2(special.xlogy, 2.0, 1.0)
        (0.0, (0.0, 2.0))
    """
    return lift(_XLOGY, (x, y), _KW)


@overload
def xlog1py(x: BVar[T], y: Any, /) -> BVar[T]: ...
@overload
def xlog1py(x: Any, y: BVar[T], /) -> BVar[T]: ...
@overload
def xlog1py(x: T, y: Any, /) -> T: ...
def xlog1py(x: Any, y: Any, /) -> Any:
    """``x * log1p(y)``, 0 where ``x == 0``, broadcasting; differentiable in both arguments.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> ad.grad_bp2(special.xlog1py, 2.0, 0.0)
        (0.0, 2.0)
    """
    return lift(_XLOG1PY, (x, y), _KW)


# ----- Bessel functions: differentiable in x, the order is a constant -----

_J0 = _prim("j0", sc.j0, lambda g, ans, x: -g * j1(x))
_J1 = _prim("j1", sc.j1, lambda g, ans, x: g * (j0(x) - jv(2.0, x)) * 0.5)
_Y0 = _prim("y0", sc.y0, lambda g, ans, x: -g * y1(x))
_Y1 = _prim("y1", sc.y1, lambda g, ans, x: g * (y0(x) - yn(2, x)) * 0.5)
_JV = _prim(
    "jv", sc.jv, None, lambda g, ans, v, x: _ub(g * (jv(v - 1, x) - jv(v + 1, x)) * 0.5, x, ans)
)
_YN = _prim(
    "yn", sc.yn, None, lambda g, ans, n, x: _ub(g * (yn(n - 1, x) - yn(n + 1, x)) * 0.5, x, ans)
)
_YV = _prim(
    "yv", sc.yv, None, lambda g, ans, v, x: _ub(g * (yv(v - 1, x) - yv(v + 1, x)) * 0.5, x, ans)
)
_I0 = _prim("i0", sc.i0, lambda g, ans, x: g * i1(x))
# (iv(2, x) as ive(2, x) exp|x|: scipy's iv is NaN at subnormal x, where i1 is not)
_I1 = _prim("i1", sc.i1, lambda g, ans, x: g * (i0(x) + ive(2.0, x) * anp.exp(anp.abs(x))) * 0.5)
_IV = _prim(
    "iv", sc.iv, None, lambda g, ans, v, x: _ub(g * (iv(v - 1, x) + iv(v + 1, x)) * 0.5, x, ans)
)
# ive(v, x) = iv(v, x) exp(-|x|): the same recurrence, scaled, minus sign(x) ive(v, x)
_IVE = _prim(
    "ive",
    sc.ive,
    None,
    lambda g, ans, v, x: _ub(
        g * ((ive(v - 1, x) + ive(v + 1, x)) * 0.5 - anp.sign(x) * ans), x, ans
    ),
)
_K0 = _prim("k0", sc.k0, lambda g, ans, x: -g * k1(x))
_K1 = _prim("k1", sc.k1, lambda g, ans, x: -g * (k0(x) + kv(2.0, x)) * 0.5)
_KV = _prim(
    "kv", sc.kv, None, lambda g, ans, v, x: _ub(-g * (kv(v - 1, x) + kv(v + 1, x)) * 0.5, x, ans)
)


def j0(x: T, /) -> T:
    """The Bessel function of the first kind of order 0; its derivative is ``-j1(x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.j0(0.0)), round(float(ad.grad_bp(special.j0, 1.0)), 6)
        (1.0, -0.440051)
    """
    return lift(_J0, (x,), _KW)  # type: ignore[no-any-return]


def j1(x: T, /) -> T:
    """The Bessel function of the first kind of order 1; its derivative is
    ``(j0(x) - jv(2, x)) / 2``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.j1, 0.0)), 6)
        0.5
    """
    return lift(_J1, (x,), _KW)  # type: ignore[no-any-return]


def jv(v: Any, z: T, /) -> T:
    """The Bessel function of the first kind of real order ``v`` (a constant); its
    derivative in ``z`` is ``(jv(v - 1, z) - jv(v + 1, z)) / 2``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda z: special.jv(0.0, z), 1.0)), 6)  # -j1(1)
        -0.440051
    """
    _constant("jv", "order v", v)
    return lift(_JV, (_order(v), z), _KW)  # type: ignore[no-any-return]


def jn(n: Any, x: T, /) -> T:
    """The Bessel function of the first kind of order ``n`` (a constant); scipy's alias of
    ``jv``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda x: special.jn(1, x), 0.0)), 6)
        0.5
    """
    _constant("jn", "order n", n)
    return lift(_JV, (_order(n), x), _KW)  # type: ignore[no-any-return]


def y0(x: T, /) -> T:
    """The Bessel function of the second kind of order 0; its derivative is ``-y1(x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.y0, 1.0)), 6)
        0.781213
    """
    return lift(_Y0, (x,), _KW)  # type: ignore[no-any-return]


def y1(x: T, /) -> T:
    """The Bessel function of the second kind of order 1; its derivative is
    ``(y0(x) - yn(2, x)) / 2``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.y1, 1.0)), 6)
        0.86947
    """
    return lift(_Y1, (x,), _KW)  # type: ignore[no-any-return]


def yn(n: Any, x: T, /) -> T:
    """The Bessel function of the second kind of integer order ``n`` (a constant); its
    derivative in ``x`` is ``(yn(n - 1, x) - yn(n + 1, x)) / 2``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda x: special.yn(0, x), 1.0)), 6)  # -y1(1)
        0.781213
    """
    _constant("yn", "order n", n)
    return lift(_YN, (_order(n), x), _KW)  # type: ignore[no-any-return]


def yv(v: Any, z: T, /) -> T:
    """The Bessel function of the second kind of real order ``v`` (a constant).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda z: special.yv(0.0, z), 1.0)), 6)
        0.781213
    """
    _constant("yv", "order v", v)
    return lift(_YV, (_order(v), z), _KW)  # type: ignore[no-any-return]


def i0(x: T, /) -> T:
    """The modified Bessel function of the first kind of order 0; its derivative is ``i1(x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> float(special.i0(0.0)), round(float(ad.grad_bp(special.i0, 1.0)), 6)
        (1.0, 0.565159)
    """
    return lift(_I0, (x,), _KW)  # type: ignore[no-any-return]


def i1(x: T, /) -> T:
    """The modified Bessel function of the first kind of order 1; its derivative is
    ``(i0(x) + iv(2, x)) / 2``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.i1, 0.0)), 6)
        0.5
    """
    return lift(_I1, (x,), _KW)  # type: ignore[no-any-return]


def iv(v: Any, z: T, /) -> T:
    """The modified Bessel function of the first kind of real order ``v`` (a constant);
    its derivative in ``z`` is ``(iv(v - 1, z) + iv(v + 1, z)) / 2``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda z: special.iv(0.0, z), 1.0)), 6)  # i1(1)
        0.565159
    """
    _constant("iv", "order v", v)
    return lift(_IV, (_order(v), z), _KW)  # type: ignore[no-any-return]


def ive(v: Any, z: T, /) -> T:
    """The exponentially scaled ``iv(v, z) * exp(-|z|)`` (``v`` a constant).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda z: special.ive(0.0, z), 1.0)), 6)
        -0.257849
    """
    _constant("ive", "order v", v)
    return lift(_IVE, (_order(v), z), _KW)  # type: ignore[no-any-return]


def k0(x: T, /) -> T:
    """The modified Bessel function of the second kind of order 0; its derivative is
    ``-k1(x)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.k0, 1.0)), 6)
        -0.601907
    """
    return lift(_K0, (x,), _KW)  # type: ignore[no-any-return]


def k1(x: T, /) -> T:
    """The modified Bessel function of the second kind of order 1; its derivative is
    ``-(k0(x) + kv(2, x)) / 2``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(special.k1, 1.0)), 6)
        -1.022932
    """
    return lift(_K1, (x,), _KW)  # type: ignore[no-any-return]


def kv(v: Any, z: T, /) -> T:
    """The modified Bessel function of the second kind of real order ``v`` (a constant);
    its derivative in ``z`` is ``-(kv(v - 1, z) + kv(v + 1, z)) / 2``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> round(float(ad.grad_bp(lambda z: special.kv(0.0, z), 1.0)), 6)  # -k1(1)
        -0.601907
    """
    _constant("kv", "order v", v)
    return lift(_KV, (_order(v), z), _KW)  # type: ignore[no-any-return]


# ----- logsumexp, softmax, log_softmax -----


def _neg_axes(axis: Axis, nd: int) -> tuple[int, ...]:
    """``axis`` as a tuple of negative axes (so leading batch dims of a cotangent do not
    shift them); all axes for ``None``."""
    if axis is None:
        return tuple(range(-nd, 0))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(int(a) % nd - nd for a in axis)


def _lse_fwd(a: Any, b: Any, *, axis: Axis, keepdims: bool, return_sign: bool) -> Any:
    if return_sign:
        return sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)[0]
    return sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims)


def _lse_parts(
    g: Any, ans: Any, a: Any, b: Any, axis: Axis, keepdims: bool, return_sign: bool
) -> tuple[Any, Any, tuple[int, ...]]:
    """``g`` brought back to the reduced axes (as size-1 axes) times the sign of the sum,
    ``exp(a - ans)``, and the shape reduced (``a`` and ``b`` broadcast, at least 1-d as
    scipy makes them)."""
    full = np.broadcast_shapes(anp.shape(a), anp.shape(b)) or (1,)
    axes = _neg_axes(axis, len(full))
    if not keepdims and axes:
        g = anp.expand_dims(g, axes)
        ans = anp.expand_dims(ans, axes)
    w = anp.exp(a - ans)
    if return_sign and b is not None:
        # d log|S| = dS / S with S = sign * exp(ans): the sign is piecewise constant, read
        # from the plain values (as a mask would be)
        sign = sc.logsumexp(plain(a), axis=axis, b=plain(b), keepdims=True, return_sign=True)[1]
        g = g * sign
    return g, w, full


def _to_shape(g: Any, x: Any, full: tuple[int, ...]) -> Any:
    """A cotangent over (batch dims +) ``full``, some of whose trailing axes may still be
    size 1, summed back to ``x``'s shape."""
    gs = anp.shape(g)
    nb = len(gs) - len(full)
    if gs[nb:] != full:
        g = g * np.ones(full)  # the side that did not broadcast: spread it over full
    sx = anp.shape(x)
    return g if sx == full else unbroadcast(g, sx, len(full))


def _lse_da(
    g: Any, ans: Any, a: Any, b: Any, *, axis: Axis, keepdims: bool, return_sign: bool
) -> Any:
    gg, w, full = _lse_parts(g, ans, a, b, axis, keepdims, return_sign)
    return _to_shape(gg * w if b is None else gg * b * w, a, full)


def _lse_db(
    g: Any, ans: Any, a: Any, b: Any, *, axis: Axis, keepdims: bool, return_sign: bool
) -> Any:
    gg, w, full = _lse_parts(g, ans, a, b, axis, keepdims, return_sign)
    return _to_shape(gg * w, b, full)


_LOGSUMEXP = _prim("logsumexp", _lse_fwd, _lse_da, _lse_db)


@overload
def logsumexp(
    a: Any,
    axis: Axis = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: Literal[False] = False,
) -> Any: ...
@overload
def logsumexp(
    a: Any, axis: Axis, b: Any, keepdims: bool, return_sign: Literal[True]
) -> tuple[Any, Any]: ...
@overload
def logsumexp(
    a: Any,
    axis: Axis = None,
    b: Any = None,
    keepdims: bool = False,
    *,
    return_sign: Literal[True],
) -> tuple[Any, Any]: ...
def logsumexp(
    a: Any, axis: Axis = None, b: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably, as scipy's.

    ``b`` (weights, broadcast with ``a``) may be a BVar too. With ``return_sign=True`` the
    result is ``(log|sum|, sign)``, the sign a plain value (its gradient is zero). The
    gradient in ``a`` is ``b * exp(a - result)`` times the sign, in ``b`` ``exp(a - result)``
    times the sign.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> a = np.log(np.array([1.0, 3.0]))
        >>> ad.grad_bp(special.logsumexp, a)
        array([0.25, 0.75])
        >>> ad.grad_bp(lambda b: special.logsumexp(a, b=b), np.array([1.0, 1.0]))
        array([0.25, 0.75])
    """
    if type(a) is not BVar and type(b) is not BVar:
        return sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)
    if isinstance(axis, list):
        axis = tuple(axis)
    kw = {"axis": axis, "keepdims": keepdims, "return_sign": return_sign}
    out = lift(_LOGSUMEXP, (a, b), kw)
    if return_sign:
        sign = sc.logsumexp(plain(a), axis=axis, b=plain(b), keepdims=keepdims, return_sign=True)
        return out, sign[1]
    return out


def softmax(x: T, axis: Axis = None) -> T:
    """``exp(x) / sum(exp(x))`` over ``axis`` (all of ``x`` by default, as scipy's).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> special.softmax(np.log(np.array([1.0, 3.0])))
        array([0.25, 0.75])
        >>> ad.jacobian(special.softmax)(np.zeros(2))
        array([[ 0.25, -0.25],
               [-0.25,  0.25]])
    """
    if type(x) is not BVar:
        return sc.softmax(x, axis=axis)  # type: ignore[no-any-return]
    # (scipy keeps dims of a 0-d x as a 1-d array: a 0-d x keeps none)
    return anp.exp(x - logsumexp(x, axis=axis, keepdims=anp.ndim(x) > 0))  # type: ignore[no-any-return]


def log_softmax(x: T, axis: Axis = None) -> T:
    """``x - logsumexp(x)`` over ``axis`` (all of ``x`` by default, as scipy's).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad.scipy import special
        >>> ad.grad_bp(lambda x: special.log_softmax(x)[0], np.zeros(2))
        array([ 0.5, -0.5])
    """
    if type(x) is not BVar:
        return sc.log_softmax(x, axis=axis)  # type: ignore[no-any-return]
    return x - logsumexp(x, axis=axis, keepdims=anp.ndim(x) > 0)  # type: ignore[no-any-return]


# scipy's own ufuncs on a BVar (``scipy.special.gammaln(v)``) record these functions too
for _theirs, _ours in (
    (sc.beta, beta),
    (sc.betainc, betainc),
    (sc.betaincc, betaincc),
    (sc.betaln, betaln),
    (sc.digamma, digamma),
    (sc.entr, entr),
    (sc.erf, erf),
    (sc.erfc, erfc),
    (sc.erfcinv, erfcinv),
    (sc.erfcx, erfcx),
    (sc.erfinv, erfinv),
    (sc.expit, expit),
    (sc.gamma, gamma),
    (sc.gammainc, gammainc),
    (sc.gammaincc, gammaincc),
    (sc.gammaln, gammaln),
    (sc.gammasgn, gammasgn),
    (sc.i0, i0),
    (sc.i1, i1),
    (sc.iv, iv),
    (sc.ive, ive),
    (sc.j0, j0),
    (sc.j1, j1),
    (sc.jn, jn),
    (sc.jv, jv),
    (sc.k0, k0),
    (sc.k1, k1),
    (sc.kv, kv),
    (sc.log_expit, log_expit),
    (sc.log_ndtr, log_ndtr),
    (sc.logit, logit),
    (sc.ndtr, ndtr),
    (sc.ndtri, ndtri),
    (sc.psi, psi),
    (sc.rgamma, rgamma),
    (sc.xlog1py, xlog1py),
    (sc.xlogy, xlogy),
    (sc.y0, y0),
    (sc.y1, y1),
    (sc.yn, yn),
    (sc.yv, yv),
):
    register_ufunc(_theirs, _ours)
