"""The gamma distribution, as ``scipy.stats.gamma``: ``logpdf`` and ``pdf`` differentiable
in ``x``, the shape ``a``, ``loc`` and ``scale``; ``cdf`` in ``x``, ``loc`` and ``scale``
(``a`` is a constant there, as in autograd).

On plain values each function is scipy's. On BVars the standard distribution's functions of
``z = (x - loc) / scale`` are primitives computed by scipy, with rules written with lifted
functions; ``loc`` and ``scale`` come in through lifted arithmetic.
"""

from __future__ import annotations

from typing import Any

import scipy.stats

from optic_ad import numpy as anp
from optic_ad.extend import Prim, lift
from optic_ad.scipy.special import digamma
from optic_ad.scipy.stats._common import KW, any_bvar, constant, log_scale, standardize, ub

__all__ = ["cdf", "logpdf", "pdf"]

_gamma = scipy.stats.gamma


def _dz(z: Any, a: Any) -> Any:
    return (a - 1.0) / z - 1.0


def _da(z: Any, a: Any) -> Any:
    return anp.log(z) - digamma(a)


_LOGPDF = Prim(
    "gamma.logpdf",
    _gamma.logpdf,
    (
        lambda g, ans, z, a: ub(g * _dz(z, a), z, ans),
        lambda g, ans, z, a: ub(g * _da(z, a), a, ans),
    ),
    batch_safe=True,
)
_PDF = Prim(
    "gamma.pdf",
    _gamma.pdf,
    (
        lambda g, ans, z, a: ub(g * ans * _dz(z, a), z, ans),
        lambda g, ans, z, a: ub(g * ans * _da(z, a), a, ans),
    ),
    batch_safe=True,
)
_CDF = Prim(
    "gamma.cdf",
    _gamma.cdf,
    (lambda g, ans, z, a: ub(g * lift(_PDF, (z, a), KW), z, ans), None),
    batch_safe=True,
)


def logpdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density ``(a - 1) log z - z - gammaln(a) - log(scale)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> ad.grad_bp(lambda x: stats.gamma.logpdf(x, 3.0), 2.0)  # (a - 1) / x - 1
        0.0
    """
    if not any_bvar(x, a, loc, scale):
        return _gamma.logpdf(x, a, loc, scale)
    return lift(_LOGPDF, (standardize(x, loc, scale), a), KW) - log_scale(scale)


def pdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density of the gamma distribution of shape ``a``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda a: stats.gamma.pdf(1.0, a), 1.0)), 6)  # euler_gamma / e
        0.212346
    """
    if not any_bvar(x, a, loc, scale):
        return _gamma.pdf(x, a, loc, scale)
    return lift(_PDF, (standardize(x, loc, scale), a), KW) / scale


def cdf(x: Any, a: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function ``gammainc(a, z)``; ``a`` is a constant.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda x: stats.gamma.cdf(x, 1.0), 0.5)), 6)  # exp(-x)
        0.606531
    """
    if not any_bvar(x, a, loc, scale):
        return _gamma.cdf(x, a, loc, scale)
    constant("gamma.cdf", "shape parameter a", a)
    return lift(_CDF, (standardize(x, loc, scale), a), KW)
