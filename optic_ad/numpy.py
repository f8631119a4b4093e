"""Lifted numpy: numpy-named functions that work on plain values and on BVars.

On plain values each function returns what numpy returns, except that the elementwise
functions keep a Python ``float`` a Python ``float`` (computed with ``math``, which is
much faster on scalars; numpy's inf/nan and warning where ``math`` would raise). On a
BVar each records one node whose backward rule is a line in the table below. Rules are written with these same
lifted functions, so they can be differentiated again (hessians, nested ``grad``), and
they accept extra *leading* dimensions on the cotangent (negative axes, ``...``
indexing, unbroadcasting by trailing dimensions), so a whole Jacobian can be pulled back
in one pass with a batched seed.

Sections: no gradient (constructors), unary elementwise, binary with broadcasting,
reductions, shape, indexing, linear algebra, then the helpers the rules use.

Import as ``from optic_ad import numpy as anp``.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from optic_ad.bvar import BVar, Prim, lift, plain, shape_of

__all__ = [
    "abs",
    "absolute",
    "add",
    "angle",
    "arange",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "array",
    "asarray",
    "bool_",
    "broadcast_to",
    "cbrt",
    "clip",
    "complex64",
    "complex128",
    "concatenate",
    "conj",
    "conjugate",
    "copysign",
    "cos",
    "cosh",
    "deg2rad",
    "degrees",
    "divide",
    "dot",
    "dtype",
    "e",
    "empty",
    "empty_like",
    "euler_gamma",
    "exp",
    "exp2",
    "expand_dims",
    "expm1",
    "eye",
    "fabs",
    "finfo",
    "float16",
    "float32",
    "float64",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "full",
    "full_like",
    "hypot",
    "identity",
    "iinfo",
    "imag",
    "inf",
    "int8",
    "int16",
    "int32",
    "int64",
    "linspace",
    "log",
    "log1p",
    "log2",
    "log10",
    "log_softmax",
    "logaddexp",
    "logaddexp2",
    "logistic",
    "logspace",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mod",
    "multiply",
    "nan",
    "nan_to_num",
    "ndarray",
    "ndim",
    "negative",
    "newaxis",
    "ones",
    "ones_like",
    "outer",
    "pi",
    "power",
    "prod",
    "rad2deg",
    "radians",
    "random",
    "ravel",
    "real",
    "real_if_close",
    "reciprocal",
    "remainder",
    "reshape",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "sinc",
    "sinh",
    "size",
    "softmax",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "subtract",
    "sum",
    "take",
    "take_index",
    "tan",
    "tanh",
    "transpose",
    "true_divide",
    "uint8",
    "unbroadcast",
    "where",
    "zeros",
    "zeros_like",
]

T = TypeVar("T")
Axis = int | tuple[int, ...] | None


class Unary(Protocol):
    """An elementwise function: a BVar in gives a BVar, a plain value gives a plain value."""

    def __call__(self, x: T, /) -> T: ...


class Binary(Protocol):
    """An elementwise binary function with numpy broadcasting."""

    @overload
    def __call__(self, x: BVar[T], y: Any, /) -> BVar[T]: ...
    @overload
    def __call__(self, x: Any, y: BVar[T], /) -> BVar[T]: ...
    @overload
    def __call__(self, x: T, y: Any, /) -> T: ...


class Reduction(Protocol):
    """A reduction over ``axis`` (all axes by default), with ``keepdims``: a BVar reduced
    over every axis is a ``BVar[float]``.

    The overloads do not overlap on purpose: mypy answers ``Any`` when an argument that
    contains ``Any`` (as ``NDArray`` does) matches several overloads."""

    @overload
    def __call__(
        self, x: BVar[Any], /, axis: None = None, keepdims: Literal[False] = False
    ) -> BVar[float]: ...
    @overload
    def __call__(
        self, x: BVar[Any], /, axis: int | tuple[int, ...], keepdims: bool = False
    ) -> BVar[Any]: ...
    @overload
    def __call__(self, x: BVar[Any], /, axis: None, keepdims: Literal[True]) -> BVar[Any]: ...
    @overload
    def __call__(self, x: BVar[Any], /, *, keepdims: Literal[True]) -> BVar[Any]: ...
    @overload
    def __call__(
        self, x: NDArray[Any] | float | Sequence[Any], /, axis: Axis = None, keepdims: bool = False
    ) -> Any: ...


def _prim(name: str, fwd: Callable[..., Any], vjps: Any) -> Prim:
    # every rule in this module accepts batched cotangents (see the module docstring)
    return Prim(name, fwd, vjps, batch_safe=True)


# the keywords of every unary elementwise call: shared, never mutated
_NO_KW: dict[str, Any] = {}


def lift1(
    name: str,
    fwd: Callable[[Any], Any],
    vjp: Callable[..., Any],
    scalar: Callable[[float], float] | None = None,
) -> Unary:
    """Make a lifted elementwise unary function from numpy's ``fwd`` and ``vjp(g, ans, x)``.

    ``scalar`` (a ``math`` function) computes BVars of Python floats without numpy's
    per-call cost, keeping them Python floats.
    """
    prim = _prim(name, fwd if scalar is None else _with_scalar(fwd, scalar), (vjp,))

    def f(x: Any, /) -> Any:
        if type(x) is BVar:
            return lift(prim, (x,), _NO_KW)
        if type(x) is float and scalar is not None:
            # a Python float stays a Python float (numpy's scalars are slow to compute
            # with); math's domain errors fall back to numpy's inf/nan and warning
            try:
                return scalar(x)
            except (ValueError, OverflowError):
                pass
        return fwd(x)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Lifted ``numpy.{name}``: elementwise, differentiable on BVars."
    return f


def _with_scalar(
    fwd: Callable[[Any], Any], scalar: Callable[[float], float]
) -> Callable[[Any], Any]:
    def fwd_(x: Any) -> Any:
        if type(x) is float:
            # as on plain values (see lift1): math's domain errors become numpy's inf/nan
            try:
                return scalar(x)
            except (ValueError, OverflowError):
                pass
        return fwd(x)

    return fwd_


def _fast(lifted: Unary, scalar: Callable[[float], float]) -> Unary:
    # Used inside backward rules: Python floats stay Python floats (no numpy scalar cost).
    def f(x: Any, /) -> Any:
        if type(x) is float:
            try:
                return scalar(x)
            except (ValueError, OverflowError):
                pass  # numpy's inf/nan and warning, through the lifted function
        return lifted(x)

    return f


def lift2(name: str, fwd: Callable[[Any, Any], Any], vjp_x: Any, vjp_y: Any) -> Binary:
    """Make a lifted binary function from ``fwd`` and per-argument ``vjp(g, ans, x, y)``."""
    prim = _prim(name, fwd, (vjp_x, vjp_y))

    def f(x: Any, y: Any, /) -> Any:
        if type(x) is BVar or type(y) is BVar:
            return lift(prim, (x, y), {})
        return fwd(x, y)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Lifted ``numpy.{name}`` with broadcasting, differentiable on BVars."
    return f


def _ndim(x: Any) -> int:
    s = shape_of(x)
    return len(s) if s is not None else np.ndim(x)


def _shape(x: Any) -> tuple[int, ...]:
    s = shape_of(x)
    return s if s is not None else np.shape(x)


# ----- no gradient: constants, dtypes and constructors are numpy's own -----
#
# So ``import optic_ad.numpy as np`` is enough for autograd-style code. Functions that look
# at a value without differentiating it (``ones_like``, ``shape``...) take BVars too and
# return plain values.

pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
newaxis = np.newaxis
euler_gamma = np.euler_gamma
float64 = np.float64
float32 = np.float32
float16 = np.float16
complex128 = np.complex128
complex64 = np.complex64
int64 = np.int64
int32 = np.int32
int16 = np.int16
int8 = np.int8
uint8 = np.uint8
bool_ = np.bool_
dtype = np.dtype
ndarray = np.ndarray
finfo = np.finfo
iinfo = np.iinfo
random = np.random

ones = np.ones
zeros = np.zeros
empty = np.empty
full = np.full
arange = np.arange
eye = np.eye
identity = np.identity
linspace = np.linspace
logspace = np.logspace


def ones_like(a: Any, dtype: Any = None) -> Any:
    """``numpy.ones_like`` (a constant: a BVar gives a plain array)."""
    return np.ones_like(plain(a), dtype=dtype)


def zeros_like(a: Any, dtype: Any = None) -> Any:
    """``numpy.zeros_like`` (a constant: a BVar gives a plain array)."""
    return np.zeros_like(plain(a), dtype=dtype)


def full_like(a: Any, fill_value: Any, dtype: Any = None) -> Any:
    """``numpy.full_like`` (a constant: a BVar gives a plain array)."""
    return np.full_like(plain(a), fill_value, dtype=dtype)


def empty_like(a: Any, dtype: Any = None) -> Any:
    """``numpy.empty_like`` (a BVar gives a plain array)."""
    return np.empty_like(plain(a), dtype=dtype)


def shape(a: Any) -> tuple[int, ...]:
    """``numpy.shape``, of a BVar's value too."""
    return _shape(a)


def ndim(a: Any) -> int:
    """``numpy.ndim``, of a BVar's value too."""
    return _ndim(a)


def size(a: Any) -> int:
    """``numpy.size``, of a BVar's value too."""
    return int(np.prod(_shape(a)))


def _holds_bvar(obj: Any) -> bool:
    if type(obj) is BVar:
        return True
    return isinstance(obj, list | tuple) and builtins.any(_holds_bvar(o) for o in obj)


def array(obj: Any, dtype: Any = None) -> Any:
    """``numpy.array``; nested lists or tuples holding BVars are stacked differentiably (as
    autograd's ``np.array`` does), never made into an object array of BVars.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp2(lambda a, b: anp.sum(anp.array([[a, 2.0 * b], [b, a]])), 1.0, 1.0)
        (2.0, 3.0)
    """
    if type(obj) is BVar:
        return obj if dtype is None else obj * np.ones((), dtype=dtype)
    if _holds_bvar(obj):
        return stack([array(o, dtype) for o in obj])
    return np.array(obj, dtype=dtype)


def asarray(obj: Any, dtype: Any = None) -> Any:
    """``numpy.asarray``: a BVar is returned as it is, lists holding BVars are stacked."""
    if type(obj) is BVar or _holds_bvar(obj):
        return array(obj, dtype)
    return np.asarray(obj, dtype=dtype)


def sign(x: T, /) -> T:
    """``numpy.sign``: its gradient is zero almost everywhere, so a BVar's sign is a plain
    (constant) value."""
    return np.sign(plain(x))  # type: ignore[no-any-return]


# ----- unary, elementwise -----

exp = lift1("exp", np.exp, lambda g, ans, x: g * ans, math.exp)
log = lift1("log", np.log, lambda g, ans, x: g / x, math.log)
log1p = lift1("log1p", np.log1p, lambda g, ans, x: g / (1.0 + x), math.log1p)
expm1 = lift1("expm1", np.expm1, lambda g, ans, x: g * (ans + 1.0), math.expm1)
sqrt = lift1("sqrt", np.sqrt, lambda g, ans, x: g * 0.5 / ans, math.sqrt)
square = lift1("square", np.square, lambda g, ans, x: g * 2.0 * x)
abs = lift1("abs", np.abs, lambda g, ans, x: g * sign(x))
sin = lift1("sin", np.sin, lambda g, ans, x: g * _cos(x), math.sin)
cos = lift1("cos", np.cos, lambda g, ans, x: -g * _sin(x), math.cos)
tan = lift1("tan", np.tan, lambda g, ans, x: g * (1.0 + ans * ans), math.tan)
tanh = lift1("tanh", np.tanh, lambda g, ans, x: g * (1.0 - ans * ans), math.tanh)
arcsin = lift1("arcsin", np.arcsin, lambda g, ans, x: g / _sqrt(1.0 - x * x), math.asin)
arccos = lift1("arccos", np.arccos, lambda g, ans, x: -g / _sqrt(1.0 - x * x), math.acos)
arctan = lift1("arctan", np.arctan, lambda g, ans, x: g / (1.0 + x * x), math.atan)
sinh = lift1("sinh", np.sinh, lambda g, ans, x: g * _cosh(x), math.sinh)
cosh = lift1("cosh", np.cosh, lambda g, ans, x: g * _sinh(x), math.cosh)
negative = lift1("negative", np.negative, lambda g, ans, x: -g)


def _np_sigmoid(x: Any) -> Any:
    # tanh form: no overflow warning for large |x|, unlike 1 / (1 + exp(-x))
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def _math_sigmoid(x: float) -> float:
    return 0.5 * (math.tanh(0.5 * x) + 1.0)


sigmoid = lift1("sigmoid", _np_sigmoid, lambda g, ans, x: g * ans * (1.0 - ans), _math_sigmoid)
logistic = sigmoid

_sin: Unary = _fast(sin, math.sin)
_cos: Unary = _fast(cos, math.cos)
_sinh: Unary = _fast(sinh, math.sinh)
_cosh: Unary = _fast(cosh, math.cosh)
_sqrt: Unary = _fast(sqrt, math.sqrt)
_log: Unary = _fast(log, math.log)

# ----- binary, broadcasting: unbroadcast sums g back to each input's shape -----


def _ub(g: Any, x: Any, ans: Any) -> Any:
    sx = _shape(x)
    so = _shape(ans)
    if sx == so or (type(g) is np.ndarray and g.shape == sx and len(so) == len(sx)):
        # (the second case: a matmul cotangent already shaped like its operand)
        return g
    return unbroadcast(g, sx, len(so))


def add(x: Any, y: Any, /) -> Any:
    """``numpy.add`` (``x + y``), differentiable on BVars."""
    return x + y


def subtract(x: Any, y: Any, /) -> Any:
    """``numpy.subtract`` (``x - y``), differentiable on BVars."""
    return x - y


def multiply(x: Any, y: Any, /) -> Any:
    """``numpy.multiply`` (``x * y``), differentiable on BVars."""
    return x * y


def divide(x: Any, y: Any, /) -> Any:
    """``numpy.divide`` (``x / y``), differentiable on BVars."""
    return x / y


def _pow_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # d/dy x**y = x**y log x, taken as 0 where x == 0 (as autograd does)
    safe = where(plain(x) > 0, x, 1.0) if _shape(x) else (x if plain(x) > 0 else 1.0)
    return _ub(g * ans * _log(safe), y, ans)


def _pow_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # d/dx x**y = y x**(y - 1), which is 0 * inf = NaN where x == y == 0: there the
    # exponent is taken as 1 (the derivative of x**0 is 0); elsewhere it is left alone, so
    # the mixed derivative at y == 0, x != 0 stays 1/x
    at0 = (plain(x) == 0) & (plain(y) == 0)
    e = y - 1
    if np.any(at0):
        e = where(at0, 1.0, e) if np.ndim(at0) else 1.0
    return _ub(g * y * x**e, x, ans)


power = lift2("power", np.power, _pow_dx, _pow_dy)
maximum = lift2(
    "maximum",
    np.maximum,
    lambda g, ans, x, y: _ub(g * (plain(x) >= plain(y)), x, ans),
    lambda g, ans, x, y: _ub(g * (plain(x) < plain(y)), y, ans),
)
minimum = lift2(
    "minimum",
    np.minimum,
    lambda g, ans, x, y: _ub(g * (plain(x) <= plain(y)), x, ans),
    lambda g, ans, x, y: _ub(g * (plain(x) > plain(y)), y, ans),
)


_WHERE = _prim(
    "where",
    np.where,
    (
        None,
        lambda g, ans, c, x, y: _ub(where(c, g, 0.0), x, ans),
        lambda g, ans, c, x, y: _ub(where(c, 0.0, g), y, ans),
    ),
)


def where(cond: Any, x: Any, y: Any, /) -> Any:
    """``numpy.where(cond, x, y)``; the gradient flows to the chosen side only."""
    return lift(_WHERE, (plain(cond), x, y), {})


_CLIP = _prim(
    "clip",
    np.clip,
    (
        lambda g, ans, x, lo, hi: _ub(
            g * ((plain(x) >= _bound(lo, -np.inf)) & (plain(x) <= _bound(hi, np.inf))), x, ans
        ),
        None,
        None,
    ),
)


def _bound(b: Any, default: float) -> Any:
    return default if b is None else plain(b)


@overload
def clip(a: BVar[T], a_min: Any = None, a_max: Any = None) -> BVar[T]: ...
@overload
def clip(a: T, a_min: Any = None, a_max: Any = None) -> T: ...
def clip(a: Any, a_min: Any = None, a_max: Any = None) -> Any:
    """``numpy.clip``; the gradient is passed where ``a_min <= a <= a_max`` (bounds are
    constants; they may broadcast ``a`` to a larger shape)."""
    return lift(_CLIP, (a, a_min, a_max), {})


# ----- reductions -----


def _axes(axis: Axis, nd: int) -> tuple[int, ...]:
    """``axis`` as a tuple of negative axes (negative so leading batch dims do not shift it)."""
    if axis is None:
        return tuple(range(-nd, 0))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a - nd if a >= 0 else a for a in axis)


def _expand_back(g: Any, x: Any, axis: Axis, keepdims: bool) -> Any:
    """Bring a reduction's cotangent back to ``x``'s shape (plus g's leading batch dims)."""
    shp = _shape(x)
    nd = len(shp)
    if type(g) is float or type(g) is np.ndarray:
        # a plain cotangent: the same in plain numpy, without recording machinery
        pg = np.asarray(g)
        axes = () if keepdims else _axes(axis, nd)
        batch = pg.shape[: pg.ndim - (nd - len(axes))]
        if axes:
            pg = pg.reshape(batch + tuple(1 if i - nd in axes else d for i, d in enumerate(shp)))
        return np.broadcast_to(pg, batch + shp).copy()
    if not keepdims:
        axes = _axes(axis, nd)
        if axes:
            g = expand_dims(g, axes)
    gs = _shape(g)
    return _broadcast_copy(g, gs[: len(gs) - nd] + shp)


def _count(x: Any, axis: Axis) -> int:
    shp = _shape(x)
    return int(np.prod([shp[a] for a in _axes(axis, len(shp))]))


def _keep(ans: Any, x: Any, axis: Axis, keepdims: bool) -> Any:
    return (
        ans
        if keepdims
        else expand_dims(ans, _axes(axis, _ndim(x)))
        if _axes(axis, _ndim(x))
        else ans
    )


def _minmax_vjp(g: Any, ans: Any, x: Any, *, axis: Axis = None, keepdims: bool = False) -> Any:
    px = plain(x)
    pa = plain(ans)
    axes = _axes(axis, np.ndim(px))
    pk = pa if keepdims or not axes else np.expand_dims(pa, axes)
    mask = px == pk
    return _expand_back(g, x, axis, keepdims) * (mask / np.sum(mask, axis=axes, keepdims=True))


def reduction(name: str, fwd: Callable[..., Any], vjp: Callable[..., Any]) -> Reduction:
    """Make a lifted reduction from ``fwd(x, axis=, keepdims=)`` and
    ``vjp(g, ans, x, *, axis, keepdims)``."""
    prim = _prim(name, fwd, (vjp,))

    def f(x: Any, /, axis: Axis = None, keepdims: bool = False) -> Any:
        if type(x) is BVar:
            return lift(prim, (x,), {"axis": axis, "keepdims": keepdims})
        return fwd(x, axis=axis, keepdims=keepdims)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Lifted ``numpy.{name}`` with ``axis`` and ``keepdims``."
    return f


sum = reduction(
    "sum", np.sum, lambda g, ans, x, *, axis, keepdims: _expand_back(g, x, axis, keepdims)
)
mean = reduction(
    "mean",
    np.mean,
    lambda g, ans, x, *, axis, keepdims: _expand_back(g, x, axis, keepdims) / _count(x, axis),
)


def _prod_vjp(g: Any, ans: Any, x: Any, *, axis: Axis, keepdims: bool) -> Any:
    if np.all(plain(x) != 0):
        return _expand_back(g * ans, x, axis, keepdims) / x
    # ans / x is 0/0 at a zero: use the product of the other elements instead
    return _expand_back(g, x, axis, keepdims) * _prod_others(x, axis)


def _prod_others(x: Any, axis: Axis) -> Any:
    """For each element of ``x``, the product of the other elements of its reduction group:
    ``prod`` over a copy of the group per element with that element set to 1 (O(n^2), but
    exact at every order and free of division; used only when ``x`` holds a zero)."""
    shp = _shape(x)
    nd = len(shp)
    red = sorted(a % nd for a in _axes(axis, nd)) if nd else []
    if not red:
        return np.ones(shp)
    keep = [a for a in range(nd) if a not in red]
    perm = keep + red
    n = int(np.prod([shp[a] for a in red]))
    flat = reshape(transpose(x, perm), (*[shp[a] for a in keep], n))
    others = prod(where(np.eye(n, dtype=bool), 1.0, expand_dims(flat, -2)), axis=-1)
    back = reshape(others, tuple(shp[a] for a in perm))
    return transpose(back, [int(i) for i in np.argsort(perm)])


prod = reduction("prod", np.prod, _prod_vjp)
max = reduction("max", np.max, _minmax_vjp)
min = reduction("min", np.min, _minmax_vjp)


def _np_logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out


def _logsumexp_vjp(g: Any, ans: Any, x: Any, *, axis: Axis, keepdims: bool) -> Any:
    axes = _axes(axis, _ndim(x))
    a = ans if keepdims or not axes else expand_dims(ans, axes)
    return _expand_back(g, x, axis, keepdims) * exp(x - a)


logsumexp = reduction("logsumexp", _np_logsumexp, _logsumexp_vjp)


def _np_softmax(x: Any, axis: int = -1) -> Any:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_log_softmax(x: Any, axis: int = -1) -> Any:
    return x - _np_logsumexp(x, axis=axis, keepdims=True)


def _softmax_vjp(g: Any, ans: Any, x: Any, *, axis: int) -> Any:
    (a,) = _axes(axis, _ndim(x))
    return ans * (g - sum(g * ans, axis=a, keepdims=True))


def _log_softmax_vjp(g: Any, ans: Any, x: Any, *, axis: int) -> Any:
    (a,) = _axes(axis, _ndim(x))
    return g - exp(ans) * sum(g, axis=a, keepdims=True)


_SOFTMAX = _prim("softmax", _np_softmax, (_softmax_vjp,))
_LOG_SOFTMAX = _prim("log_softmax", _np_log_softmax, (_log_softmax_vjp,))


@overload
def softmax(x: BVar[T], /, axis: int = -1) -> BVar[T]: ...
@overload
def softmax(x: T, /, axis: int = -1) -> T: ...
def softmax(x: Any, /, axis: int = -1) -> Any:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed stably."""
    return lift(_SOFTMAX, (x,), {"axis": axis})


@overload
def log_softmax(x: BVar[T], /, axis: int = -1) -> BVar[T]: ...
@overload
def log_softmax(x: T, /, axis: int = -1) -> T: ...
def log_softmax(x: Any, /, axis: int = -1) -> Any:
    """``x - logsumexp(x)`` along ``axis``, computed stably."""
    return lift(_LOG_SOFTMAX, (x,), {"axis": axis})


# ----- shape -----


def _batch(g: Any, ans: Any) -> tuple[int, ...]:
    gs = _shape(g)
    return gs[: len(gs) - _ndim(ans)]


_RESHAPE = _prim(
    "reshape",
    lambda x, *, shape: np.reshape(x, shape),
    (lambda g, ans, x, *, shape: reshape(g, _batch(g, ans) + _shape(x)),),
)


def reshape(x: T, shape: int | Sequence[int], /) -> T:
    """``numpy.reshape``."""
    return lift(_RESHAPE, (x,), {"shape": shape})  # type: ignore[no-any-return]


def ravel(x: T, /) -> T:
    """``numpy.ravel`` (a reshape to one dimension)."""
    return reshape(x, (-1,))


def _transpose_vjp(g: Any, ans: Any, x: Any, *, axes: Sequence[int] | None) -> Any:
    nd = _ndim(x)
    b = len(_batch(g, ans))
    perm = list(range(nd))[::-1] if axes is None else [a % nd for a in axes]
    inv = [0] * nd
    for i, p in enumerate(perm):
        inv[p] = i
    return transpose(g, list(range(b)) + [b + i for i in inv])


_TRANSPOSE = _prim("transpose", lambda x, *, axes: np.transpose(x, axes), (_transpose_vjp,))


def transpose(x: T, axes: Sequence[int] | None = None, /) -> T:
    """``numpy.transpose`` (reverse the axes, or permute them by ``axes``)."""
    return lift(_TRANSPOSE, (x,), {"axes": None if axes is None else tuple(axes)})  # type: ignore[no-any-return]


def _swap_last(x: Any) -> Any:
    nd = _ndim(x)
    return transpose(x, [*list(range(nd - 2)), nd - 1, nd - 2])


_SQUEEZE = _prim(
    "squeeze",
    lambda x, *, axis: np.squeeze(x, axis=axis),
    (lambda g, ans, x, *, axis: reshape(g, _batch(g, ans) + _shape(x)),),
)


def squeeze(x: T, /, axis: Axis = None) -> T:
    """``numpy.squeeze``."""
    return lift(_SQUEEZE, (x,), {"axis": axis})  # type: ignore[no-any-return]


_EXPAND = _prim(
    "expand_dims",
    lambda x, *, axis: np.expand_dims(x, axis),
    (lambda g, ans, x, *, axis: reshape(g, _batch(g, ans) + _shape(x)),),
)


def expand_dims(x: T, axis: int | tuple[int, ...], /) -> T:
    """``numpy.expand_dims``."""
    return lift(_EXPAND, (x,), {"axis": axis})  # type: ignore[no-any-return]


_BROADCAST = _prim(
    "broadcast_to",
    lambda x, *, shape: np.broadcast_to(x, shape),
    (lambda g, ans, x, *, shape: unbroadcast(g, _shape(x), len(shape)),),
)
# the same, but owning its memory: gradients handed to users must be writable
_BROADCAST_COPY = _prim(
    "broadcast_to",
    lambda x, *, shape: np.array(np.broadcast_to(x, shape)),
    (lambda g, ans, x, *, shape: unbroadcast(g, _shape(x), len(shape)),),
)


def broadcast_to(x: Any, shape: tuple[int, ...], /) -> Any:
    """``numpy.broadcast_to``; the gradient is summed back to ``x``'s shape."""
    return lift(_BROADCAST, (x,), {"shape": tuple(shape)})


def _broadcast_copy(x: Any, shape: tuple[int, ...]) -> Any:
    return lift(_BROADCAST_COPY, (x,), {"shape": tuple(shape)})


def _unbroadcast_fwd(g: Any, *, shape: tuple[int, ...], out_ndim: int) -> Any:
    nd = np.ndim(g)
    batch = nd - out_ndim
    lead = tuple(range(batch, nd - len(shape)))
    if lead:
        g = np.sum(g, axis=lead)
    gs = np.shape(g)
    keep = tuple(
        i - len(shape) for i, d in enumerate(shape) if d == 1 and gs[len(gs) - len(shape) + i] != 1
    )
    if keep:
        g = np.sum(g, axis=keep, keepdims=True)
    return g


def _unbroadcast_vjp(g: Any, ans: Any, x: Any, *, shape: tuple[int, ...], out_ndim: int) -> Any:
    # g is (seed batch) + ans's shape, and ans is (x's own batch) + shape: put back, as
    # size-1 axes, the leading axes the forward summed away, then broadcast to x's shape.
    # (x keeps leading batch axes of its own when this op was recorded by a batched pass.)
    gs = _shape(g)
    k = out_ndim - len(shape)
    if k:
        g = reshape(g, gs[: len(gs) - len(shape)] + (1,) * k + tuple(shape))
    return _broadcast_copy(g, gs[: len(gs) - _ndim(ans)] + _shape(x))


_UNBROADCAST = _prim("unbroadcast", _unbroadcast_fwd, (_unbroadcast_vjp,))


def unbroadcast(g: Any, shape: tuple[int, ...], out_ndim: int) -> Any:
    """Sum a cotangent ``g`` of a broadcast result (``out_ndim`` dims, plus any leading batch
    dims of ``g``) back to an operand of ``shape``."""
    return lift(_UNBROADCAST, (g,), {"shape": tuple(shape), "out_ndim": out_ndim})


class _Each:
    """``vjps`` for a variadic primitive: position ``i`` gets ``fn(i, ...)``."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __getitem__(self, i: int) -> Callable[..., Any]:
        fn = self.fn
        return lambda g, ans, *xs, **kw: fn(i, g, ans, *xs, **kw)


def _concat_vjp(i: int, g: Any, ans: Any, *xs: Any, axis: int) -> Any:
    nd = _ndim(xs[0])
    a = axis - nd if axis >= 0 else axis
    start = int(builtins.sum(_shape(x)[a] for x in xs[:i]))
    idx = (Ellipsis, slice(start, start + _shape(xs[i])[a])) + (slice(None),) * (-a - 1)
    return take_index(g, idx)


def _stack_vjp(i: int, g: Any, ans: Any, *xs: Any, axis: int) -> Any:
    nd = _ndim(xs[0]) + 1
    a = axis - nd if axis >= 0 else axis
    idx = (Ellipsis, i) + (slice(None),) * (-a - 1)
    return take_index(g, idx)


_CONCAT = _prim("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis), _Each(_concat_vjp))
_STACK = _prim("stack", lambda *xs, axis: np.stack(xs, axis=axis), _Each(_stack_vjp))


def concatenate(xs: Sequence[Any], /, axis: int = 0) -> Any:
    """``numpy.concatenate``; each input gets its slice of the gradient."""
    return lift(_CONCAT, tuple(xs), {"axis": axis})


def stack(xs: Sequence[Any], /, axis: int = 0) -> Any:
    """``numpy.stack``; each input gets its slice of the gradient."""
    return lift(_STACK, tuple(xs), {"axis": axis})


# ----- indexing -----


def _index_tuple(idx: Any) -> tuple[Any, ...]:
    return idx if isinstance(idx, tuple) else (idx,)


def _take_fwd(x: Any, *, idx: Any, nd: int) -> Any:
    b = np.ndim(x) - nd
    return x[(slice(None),) * b + _index_tuple(idx)] if b else x[idx]


def _untake_fwd(g: Any, *, idx: Any, shape: tuple[int, ...], out_nd: int) -> Any:
    b = np.ndim(g) - out_nd
    gs = np.shape(g)[:b]
    out = np.zeros(gs + shape, dtype=np.result_type(g, np.float64))
    np.add.at(out, (slice(None),) * b + _index_tuple(idx) if b else idx, g)
    return out


_TAKE = _prim(
    "getitem",
    _take_fwd,
    (
        lambda g, ans, x, *, idx, nd: _untake(
            g, idx, _shape(x)[len(_shape(x)) - nd :], _ndim(ans) - (_ndim(x) - nd)
        ),
    ),
)
_UNTAKE = _prim(
    "untake",
    _untake_fwd,
    (lambda g, ans, x, *, idx, shape, out_nd: lift(_TAKE, (g,), {"idx": idx, "nd": len(shape)}),),
)


def _untake(g: Any, idx: Any, shape: tuple[int, ...], out_nd: int) -> Any:
    return lift(_UNTAKE, (g,), {"idx": idx, "shape": shape, "out_nd": out_nd})


def take_index(x: Any, idx: Any, /) -> Any:
    """``x[idx]`` for arrays (basic and advanced indexing); the gradient is scattered
    back into zeros, adding where an index repeats."""
    return lift(_TAKE, (x,), {"idx": idx, "nd": _ndim(x)})


def take(x: Any, indices: Any, /, axis: int | None = None) -> Any:
    """``numpy.take``."""
    if axis is None:
        return take_index(ravel(x), np.asarray(indices))
    a = axis % _ndim(x)
    return take_index(x, (slice(None),) * a + (np.asarray(indices),))


# ----- linear algebra -----


def _matmul_vjp_a(g: Any, ans: Any, a: Any, b: Any) -> Any:
    na, nb = _ndim(a), _ndim(b)
    if nb == 1:
        # (.., m) cotangent of a (m, k) @ b (k,), or a (k,) @ b (k,) -> scalar
        return expand_dims(g, -1) * b
    if na == 1:
        if nb > 2:
            # a (k,) @ b (B.., k, n): the row times each matrix, then summed over B
            return _ub(sum(expand_dims(g, -2) * b, axis=-1), a, ans)
        # a (k,) @ b (k, n): g (.., n) @ b.T (n, k)
        return matmul(g, _swap_last(b))
    return _ub(matmul(g, _swap_last(b)), a, ans)


def _matmul_vjp_b(g: Any, ans: Any, a: Any, b: Any) -> Any:
    na, nb = _ndim(a), _ndim(b)
    if na == 1 and nb == 1:
        return expand_dims(g, -1) * a
    if na == 1:
        # a (k,) @ b (k, n): cotangent of b is outer(a, g)
        return expand_dims(a, -1) * expand_dims(g, -2)
    if nb == 1:
        if na > 2:
            # a (B.., m, k) @ b (k,): each matrix's cotangent, summed over B
            return _ub(sum(expand_dims(g, -1) * a, axis=-2), b, ans)
        # a (m, k) @ b (k,): g (.., m) @ a (m, k)
        return matmul(g, a)
    return _ub(matmul(_swap_last(a), g), b, ans)


matmul = lift2("matmul", np.matmul, _matmul_vjp_a, _matmul_vjp_b)


def dot(x: Any, y: Any, /) -> Any:
    """``numpy.dot`` for scalars, vectors and matrices (``matmul`` for 1-D and 2-D)."""
    if _ndim(x) == 0 or _ndim(y) == 0:
        return x * y
    return matmul(x, y)


def outer(x: Any, y: Any, /) -> Any:
    """``numpy.outer`` of two vectors."""
    return expand_dims(ravel(x), -1) * ravel(y)


# ----- elementwise family (issue 14) -----

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _as_const(mask: Any) -> Any:
    """A plain mask or sign (from ``np`` on plain values) as float64: a Python float for a
    scalar, so that the gradient of a Python float stays a Python float."""
    m = np.asarray(mask, dtype=np.float64)
    return float(m) if m.ndim == 0 else m


log2 = lift1("log2", np.log2, lambda g, ans, x: g / (x * _LN2), math.log2)
log10 = lift1("log10", np.log10, lambda g, ans, x: g / (x * _LN10), math.log10)
exp2 = lift1("exp2", np.exp2, lambda g, ans, x: g * ans * _LN2, math.exp2)
arcsinh = lift1("arcsinh", np.arcsinh, lambda g, ans, x: g / _sqrt(x * x + 1.0), math.asinh)
arccosh = lift1("arccosh", np.arccosh, lambda g, ans, x: g / _sqrt(x * x - 1.0), math.acosh)
arctanh = lift1("arctanh", np.arctanh, lambda g, ans, x: g / (1.0 - x * x), math.atanh)
fabs = lift1("fabs", np.fabs, lambda g, ans, x: g * sign(x), math.fabs)
absolute = abs
# no math form: 1.0 / 0.0 raises where numpy gives inf
reciprocal = lift1("reciprocal", np.reciprocal, lambda g, ans, x: -g * ans * ans)
cbrt = lift1("cbrt", np.cbrt, lambda g, ans, x: g / (3.0 * ans * ans), math.cbrt)
deg2rad = lift1("deg2rad", np.deg2rad, lambda g, ans, x: g * (math.pi / 180.0), math.radians)
radians = lift1("radians", np.radians, lambda g, ans, x: g * (math.pi / 180.0), math.radians)
rad2deg = lift1("rad2deg", np.rad2deg, lambda g, ans, x: g * (180.0 / math.pi), math.degrees)
degrees = lift1("degrees", np.degrees, lambda g, ans, x: g * (180.0 / math.pi), math.degrees)

# |x| below which sinc' is its Taylor series: (cos(pi x) - sinc x) / x loses digits to
# cancellation near 0 (and is 0/0 at 0), more with every derivative taken of it (the k-th
# is off by about 1e-16 k! / |x|^(k+1)). Below 0.1 the series, to (pi x)^16, is exact to
# double precision.
_SINC_SMALL = 0.1
# sinc(x) = sum_n (-1)^n (pi x)^(2n) / (2n+1)!, so sinc'(x) = x sum_(n>=1) a_n x^(2(n-1))
_SINC_D = [(-1) ** n * 2 * n * math.pi ** (2 * n) / math.factorial(2 * n + 1) for n in range(1, 9)]


def _sinc_series_d(x: Any) -> Any:
    u = x * x
    acc: Any = _SINC_D[-1]
    for a in reversed(_SINC_D[:-1]):
        acc = acc * u + a
    return x * acc


def _sinc_vjp(g: Any, ans: Any, x: Any) -> Any:
    # sinc'(x) = (cos(pi x) - sinc x) / x, written with lifted operations so that sinc has
    # every derivative, at 0 too (where the series is used)
    small = np.abs(plain(x)) < _SINC_SMALL
    if not np.any(small):
        return g * ((_cos(math.pi * x) - ans) / x)
    if np.all(small):
        return g * _sinc_series_d(x)
    # mixed: the main formula at a safe point (1.0) where the series is used
    safe = where(small, 1.0, x)
    main = (_cos(math.pi * safe) - ans) / safe
    return g * where(small, _sinc_series_d(x), main)


_sinc = lift1("sinc", np.sinc, _sinc_vjp)


def sinc(x: T) -> T:
    """``numpy.sinc``: ``sin(pi x) / (pi x)``, 1 at 0; differentiable at 0 to every order."""
    return _sinc(x)


# ----- binary, broadcasting (issue 14) -----


def _arctan2_dx1(g: Any, ans: Any, x1: Any, x2: Any) -> Any:
    return _ub(g * x2 / (x1 * x1 + x2 * x2), x1, ans)


def _arctan2_dx2(g: Any, ans: Any, x1: Any, x2: Any) -> Any:
    return _ub(-g * x1 / (x1 * x1 + x2 * x2), x2, ans)


def _quotient(ans: Any, x: Any, y: Any) -> Any:
    """The integer ``n`` with ``ans == x - n * y`` (remainder and fmod), as a plain constant:
    rounding ``(x - ans) / y`` agrees with numpy's own quotient where ``x / y`` alone would
    round across an integer (``fmod(1, 0.1)`` is ``1 - 9 * 0.1``, but ``1 / 0.1 == 10``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _as_const(np.round((plain(x) - plain(ans)) / plain(y)))


def _fmax_pick_x(x: Any, y: Any, ge: bool) -> Any:
    # x gets the gradient where it is chosen: the larger (smaller), or y is NaN; on a tie x
    px, py = plain(x), plain(y)
    better = np.greater_equal(px, py) if ge else np.less_equal(px, py)
    return _as_const(better | np.isnan(py))


def _copysign_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # d/dx copysign(x, y) = +1 where the sign of x is kept, -1 where it is flipped
    flip = np.signbit(plain(x)) != np.signbit(plain(ans))
    return _ub(g * _as_const(1.0 - 2.0 * flip), x, ans)


logaddexp = lift2(
    "logaddexp",
    np.logaddexp,
    lambda g, ans, x, y: _ub(g * exp(x - ans), x, ans),
    lambda g, ans, x, y: _ub(g * exp(y - ans), y, ans),
)
logaddexp2 = lift2(
    "logaddexp2",
    np.logaddexp2,
    lambda g, ans, x, y: _ub(g * exp2(x - ans), x, ans),
    lambda g, ans, x, y: _ub(g * exp2(y - ans), y, ans),
)
hypot = lift2(
    "hypot",
    np.hypot,
    lambda g, ans, x, y: _ub(g * x / ans, x, ans),
    lambda g, ans, x, y: _ub(g * y / ans, y, ans),
)
arctan2 = lift2("arctan2", np.arctan2, _arctan2_dx1, _arctan2_dx2)
remainder = lift2(
    "remainder",
    np.remainder,
    lambda g, ans, x, y: _ub(g, x, ans),
    lambda g, ans, x, y: _ub(-g * _quotient(ans, x, y), y, ans),
)
mod = remainder
fmod = lift2(
    "fmod",
    np.fmod,
    lambda g, ans, x, y: _ub(g, x, ans),
    lambda g, ans, x, y: _ub(-g * _quotient(ans, x, y), y, ans),
)
fmax = lift2(
    "fmax",
    np.fmax,
    lambda g, ans, x, y: _ub(g * _fmax_pick_x(x, y, True), x, ans),
    lambda g, ans, x, y: _ub(g * (1.0 - _fmax_pick_x(x, y, True)), y, ans),
)
fmin = lift2(
    "fmin",
    np.fmin,
    lambda g, ans, x, y: _ub(g * _fmax_pick_x(x, y, False), x, ans),
    lambda g, ans, x, y: _ub(g * (1.0 - _fmax_pick_x(x, y, False)), y, ans),
)
# the sign taken from y is piecewise constant: no gradient to y
copysign = lift2("copysign", np.copysign, _copysign_dx, None)
true_divide = divide


def floor_divide(x1: Any, x2: Any, /) -> Any:
    """``numpy.floor_divide`` (``x1 // x2``): piecewise constant, so a plain value."""
    return np.floor_divide(plain(x1), plain(x2))


# ----- real and complex parts, for real inputs (issue 14) -----


def _real_only(name: str, x: Any) -> None:
    if type(x) is BVar and np.iscomplexobj(plain(x)):
        msg = f"optic_ad.numpy.{name} differentiates real inputs only, not {plain(x).dtype}"
        raise TypeError(msg)


def real(val: T) -> T:
    """``numpy.real``: a real BVar is returned as it is (its gradient passes unchanged)."""
    _real_only("real", val)
    if type(val) is BVar:
        return val
    v: Any = val
    out: T = np.real(v)
    return out


def imag(val: Any) -> Any:
    """``numpy.imag``: of a real BVar, the plain zeros (a constant)."""
    _real_only("imag", val)
    return np.imag(plain(val))


def conj(x: T, /) -> T:
    """``numpy.conj``: a real BVar is returned as it is."""
    _real_only("conj", x)
    if type(x) is BVar:
        return x
    v: Any = x
    out: T = np.conj(v)
    return out


conjugate = conj


def angle(z: Any, deg: bool = False) -> Any:
    """``numpy.angle``: of a real BVar, the plain 0 or pi (a constant)."""
    _real_only("angle", z)
    return np.angle(plain(z), deg=deg)


def real_if_close(a: T, tol: float = 100) -> T:
    """``numpy.real_if_close``: a real BVar is returned as it is."""
    _real_only("real_if_close", a)
    if type(a) is BVar:
        return a
    fwd: Callable[..., Any] = np.real_if_close  # its stubs type the result as an array
    out: T = fwd(a, tol=tol)
    return out


_NAN_TO_NUM = _prim(
    "nan_to_num",
    lambda x, *, nan, posinf, neginf: np.nan_to_num(
        x, copy=True, nan=nan, posinf=posinf, neginf=neginf
    ),
    (lambda g, ans, x, **kw: g * _as_const(np.isfinite(plain(x))),),
)


def nan_to_num(
    x: T,
    copy: bool = True,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> T:
    """``numpy.nan_to_num``: the gradient passes where ``x`` is finite, 0 elsewhere (the
    replacements are constants). A BVar's value is never changed in place (``copy`` applies
    to plain arrays only)."""
    v: Any = x
    if type(v) is not BVar:
        out: T = np.nan_to_num(v, copy=copy, nan=nan, posinf=posinf, neginf=neginf)
        return out
    rec: T = lift(_NAN_TO_NUM, (v,), {"nan": nan, "posinf": posinf, "neginf": neginf})
    return rec
