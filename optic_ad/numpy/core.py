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

from optic_ad.bvar import NUMPY_HOOKS, BVar, JvpSpec, Prim, plain, shape_of, sum_to_shape
from optic_ad.bvar import lift as _record

__all__ = [
    "abs",
    "absolute",
    "add",
    "all",
    "allclose",
    "amax",
    "amin",
    "angle",
    "any",
    "append",
    "arange",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "argmax",
    "argmin",
    "argsort",
    "argwhere",
    "array",
    "array_equal",
    "array_split",
    "asarray",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "average",
    "bool_",
    "broadcast_to",
    "c_",
    "cbrt",
    "ceil",
    "clip",
    "column_stack",
    "complex64",
    "complex128",
    "concatenate",
    "conj",
    "conjugate",
    "copysign",
    "cos",
    "cosh",
    "count_nonzero",
    "cross",
    "cumprod",
    "cumsum",
    "deg2rad",
    "degrees",
    "diag",
    "diagonal",
    "diff",
    "divide",
    "dot",
    "dsplit",
    "dstack",
    "dtype",
    "e",
    "einsum",
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
    "flip",
    "fliplr",
    "flipud",
    "float16",
    "float32",
    "float64",
    "floor",
    "floor_divide",
    "fmax",
    "fmin",
    "fmod",
    "full",
    "full_like",
    "gradient",
    "hsplit",
    "hstack",
    "hypot",
    "identity",
    "iinfo",
    "imag",
    "inf",
    "inner",
    "int8",
    "int16",
    "int32",
    "int64",
    "isclose",
    "iscomplex",
    "iscomplexobj",
    "isfinite",
    "isinf",
    "isnan",
    "isreal",
    "isrealobj",
    "kron",
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
    "moveaxis",
    "multiply",
    "nan",
    "nan_to_num",
    "nanmean",
    "nansum",
    "ndarray",
    "ndim",
    "negative",
    "newaxis",
    "nonzero",
    "ones",
    "ones_like",
    "outer",
    "pad",
    "partition",
    "pi",
    "power",
    "prod",
    "r_",
    "rad2deg",
    "radians",
    "random",
    "ravel",
    "real",
    "real_if_close",
    "reciprocal",
    "remainder",
    "repeat",
    "reshape",
    "rint",
    "roll",
    "rollaxis",
    "rot90",
    "round",
    "row_stack",
    "searchsorted",
    "select",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "sinc",
    "sinh",
    "size",
    "softmax",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "subtract",
    "sum",
    "swapaxes",
    "take",
    "take_index",
    "tan",
    "tanh",
    "tensordot",
    "tile",
    "trace",
    "transpose",
    "tril",
    "triu",
    "true_divide",
    "trunc",
    "uint8",
    "unbroadcast",
    "var",
    "vsplit",
    "vstack",
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


def _prim(name: str, fwd: Callable[..., Any], vjps: Any, jvp: JvpSpec = None) -> Prim:
    # every rule in this module accepts batched cotangents (see the module docstring)
    return Prim(name, fwd, vjps, batch_safe=True, jvp=jvp)


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
    # one output element per input element: the VJP applied to a tangent is its JVP
    prim = _prim(name, fwd if scalar is None else _with_scalar(fwd, scalar), (vjp,), "elementwise")

    def f(x: Any, /) -> Any:
        if type(x) is BVar:
            tv = type(x.value)
            if tv is np.ndarray or tv is float:  # (what core's lift checks, inline)
                return _record(prim, (x,), _NO_KW)
            return lift(prim, (x,), _NO_KW)
        if type(x) is float and scalar is not None:
            # a Python float stays a Python float (numpy's scalars are slow to compute
            # with); math's domain errors fall back to numpy's inf/nan and warning
            try:
                return scalar(x)
            except (ValueError, OverflowError):
                pass
        if type(x) is not np.ndarray and _is_seq(x):
            return lift(prim, (x,), _NO_KW)
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


def lift2(
    name: str, fwd: Callable[[Any, Any], Any], vjp_x: Any, vjp_y: Any, jvp: JvpSpec = None
) -> Binary:
    """Make a lifted binary function from ``fwd`` and per-argument ``vjp(g, ans, x, y)``
    (``jvp``: see `Prim`)."""
    prim = _prim(name, fwd, (vjp_x, vjp_y), jvp)

    def f(x: Any, y: Any, /) -> Any:
        tx, ty = type(x), type(y)
        if tx is BVar or ty is BVar:
            return lift(prim, (x, y), {})
        if (tx is list or tx is tuple or ty is list or ty is tuple) and (_is_seq(x) or _is_seq(y)):
            return lift(prim, (x, y), {})
        return fwd(x, y)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Lifted ``numpy.{name}`` with broadcasting, differentiable on BVars."
    return f


def _is_seq(a: Any) -> bool:
    """A list or tuple holding BVars, or a BVar of a list or tuple: numpy would read either
    as an array, and so do the lifted functions (stacked with :func:`array`)."""
    t = type(a)
    if t is BVar:
        v = a.value
        tv = type(v)
        if tv is np.ndarray or tv is float:
            return False
        tp = type(plain(v))
        return tp is list or tp is tuple
    return (t is list or t is tuple) and _holds_bvar(a)


def lift(prim: Prim, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    """``bvar.lift`` for numpy's functions: sequences of BVars (and BVars of sequences)
    among the arguments are stacked into arrays first, so their cotangents are arrays and
    the structure's gradient comes back through the stacking as a list or tuple."""
    for a in args:
        t = type(a)
        if t is BVar:
            tv = type(a.value)
            if tv is np.ndarray or tv is float:
                continue  # the common case, checked inline
        elif t is not list and t is not tuple:
            continue
        if _is_seq(a):
            return _record(prim, tuple(array(a) if _is_seq(a) else a for a in args), kw)
    return _record(prim, args, kw)


def _ndim(x: Any) -> int:
    return len(_shape(x))


def _shape(x: Any) -> tuple[int, ...]:
    s = shape_of(x)
    if s is not None:
        return s
    if type(x) is BVar:  # a BVar of a list or tuple (of floats, or of inner BVars)
        return _shape(x.value)
    if (type(x) is list or type(x) is tuple) and _holds_bvar(x):
        # numpy would look inside with __array__, which a BVar refuses
        return (len(x), *(_shape(x[0]) if x else ()))
    return np.shape(x)


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


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """``numpy.linspace``, differentiable in ``start`` and ``stop`` (scalars or arrays).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp2(lambda a, b: anp.sum(anp.linspace(a, b, 5)), 1.0, 2.0)
        (2.5, 2.5)
    """
    if not _any_bvar(start, stop):
        plain_linspace: Any = np.linspace  # (its stubs overload on the retstep literal)
        return plain_linspace(start, stop, num, endpoint, retstep, dtype, axis)
    if dtype is not None and not np.issubdtype(dtype, np.floating):
        msg = "linspace: on BVars dtype must be a float type (or None)"
        raise TypeError(msg)
    div = (num - 1) if endpoint else num
    t = np.arange(num, dtype=np.float64) / div if div > 0 else np.zeros(num)
    nd = builtins.max(_ndim(start), _ndim(stop))
    t = t.reshape((num,) + (1,) * nd)  # the samples along a new leading axis
    out = start + (stop - start) * t
    if endpoint and num > 1:
        out = concatenate([take_index(out, slice(0, num - 1)), expand_dims(stop + 0.0 * start, 0)])
    out = _moveaxis(out, 0, axis) if nd else out
    if retstep:
        return out, (stop - start) / div if div > 0 else np.nan
    return out


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
        pv = plain(obj)
        if type(pv) is list or type(pv) is tuple:  # a BVar of a sequence: its items stacked
            return stack([array(obj[i], dtype) for i in range(len(pv))])
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
abs = lift1("abs", np.abs, lambda g, ans, x: _abs_vjp(g, ans, x))  # complex: see below
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
    # d/dy x**y = x**y log x, taken as 0 where x == 0 (as autograd does); for a real x, also
    # where x < 0 (a complex x has a logarithm there)
    ok = plain(x) != 0 if _is_complex(x) else plain(x) > 0
    safe = where(ok, x, 1.0) if _shape(x) else (x if ok else 1.0)
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
    "linear",
)


# (typing: a BVar on either side gives a BVar; `object`, not Any, in the fallbacks, as mypy
# answers Any when an argument holding Any, as NDArray does, matches several overloads)
@overload
def where(cond: object, x: BVar[T], y: object, /) -> BVar[T]: ...
@overload
def where(cond: object, x: object, y: BVar[T], /) -> BVar[T]: ...
@overload
def where(cond: object, x: object, y: object, /) -> Any: ...
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


def reduction(
    name: str, fwd: Callable[..., Any], vjp: Callable[..., Any], jvp: JvpSpec = None
) -> Reduction:
    """Make a lifted reduction from ``fwd(x, axis=, keepdims=)`` and
    ``vjp(g, ans, x, *, axis, keepdims)`` (``jvp``: see `Prim`)."""
    prim = _prim(name, fwd, (vjp,), jvp)

    def f(x: Any, /, axis: Axis = None, keepdims: bool = False) -> Any:
        if type(x) is BVar or (type(x) is not np.ndarray and _is_seq(x)):
            return lift(prim, (x,), {"axis": axis, "keepdims": keepdims})
        return fwd(x, axis=axis, keepdims=keepdims)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Lifted ``numpy.{name}`` with ``axis`` and ``keepdims``."
    return f


sum = reduction(
    "sum",
    np.sum,
    lambda g, ans, x, *, axis, keepdims: _expand_back(g, x, axis, keepdims),
    "linear",
)
mean = reduction(
    "mean",
    np.mean,
    lambda g, ans, x, *, axis, keepdims: _expand_back(g, x, axis, keepdims) / _count(x, axis),
    "linear",
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
    "linear",
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


_TRANSPOSE = _prim(
    "transpose", lambda x, *, axes: np.transpose(x, axes), (_transpose_vjp,), "linear"
)


def transpose(x: T, /, axes: Sequence[int] | None = None) -> T:
    """``numpy.transpose`` (reverse the axes, or permute them by ``axes``)."""
    return lift(_TRANSPOSE, (x,), {"axes": None if axes is None else tuple(axes)})  # type: ignore[no-any-return]


def _swap_last(x: Any) -> Any:
    nd = _ndim(x)
    return transpose(x, [*list(range(nd - 2)), nd - 1, nd - 2])


_SQUEEZE = _prim(
    "squeeze",
    lambda x, *, axis: np.squeeze(x, axis=axis),
    (lambda g, ans, x, *, axis: reshape(g, _batch(g, ans) + _shape(x)),),
    "linear",
)


def squeeze(x: T, /, axis: Axis = None) -> T:
    """``numpy.squeeze``."""
    return lift(_SQUEEZE, (x,), {"axis": axis})  # type: ignore[no-any-return]


_EXPAND = _prim(
    "expand_dims",
    lambda x, *, axis: np.expand_dims(x, axis),
    (lambda g, ans, x, *, axis: reshape(g, _batch(g, ans) + _shape(x)),),
    "linear",
)


def expand_dims(x: T, axis: int | tuple[int, ...], /) -> T:
    """``numpy.expand_dims``."""
    return lift(_EXPAND, (x,), {"axis": axis})  # type: ignore[no-any-return]


_BROADCAST = _prim(
    "broadcast_to",
    lambda x, *, shape: np.broadcast_to(x, shape),
    (lambda g, ans, x, *, shape: unbroadcast(g, _shape(x), len(shape)),),
    "linear",
)
# the same, but owning its memory: gradients handed to users must be writable
_BROADCAST_COPY = _prim(
    "broadcast_to",
    lambda x, *, shape: np.array(np.broadcast_to(x, shape)),
    (lambda g, ans, x, *, shape: unbroadcast(g, _shape(x), len(shape)),),
    "linear",
)


# (typing: a BVar gives a BVar)
@overload
def broadcast_to(x: BVar[T], shape: tuple[int, ...], /) -> BVar[T]: ...
@overload
def broadcast_to(x: object, shape: tuple[int, ...], /) -> Any: ...
def broadcast_to(x: Any, shape: tuple[int, ...], /) -> Any:
    """``numpy.broadcast_to``; the gradient is summed back to ``x``'s shape."""
    return lift(_BROADCAST, (x,), {"shape": tuple(shape)})


def _broadcast_copy(x: Any, shape: tuple[int, ...]) -> Any:
    return lift(_BROADCAST_COPY, (x,), {"shape": tuple(shape)})


def _unbroadcast_vjp(g: Any, ans: Any, x: Any, *, shape: tuple[int, ...], out_ndim: int) -> Any:
    # g is (seed batch) + ans's shape, and ans is (x's own batch) + shape: put back, as
    # size-1 axes, the leading axes the forward summed away, then broadcast to x's shape.
    # (x keeps leading batch axes of its own when this op was recorded by a batched pass.)
    gs = _shape(g)
    k = out_ndim - len(shape)
    if k:
        g = reshape(g, gs[: len(gs) - len(shape)] + (1,) * k + tuple(shape))
    return _broadcast_copy(g, gs[: len(gs) - _ndim(ans)] + _shape(x))


_UNBROADCAST = _prim("unbroadcast", sum_to_shape, (_unbroadcast_vjp,), "linear")


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


_CONCAT = _prim(
    "concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis), _Each(_concat_vjp), "linear"
)
_STACK = _prim("stack", lambda *xs, axis: np.stack(xs, axis=axis), _Each(_stack_vjp), "linear")


# (typing: a sequence of BVars gives a BVar)
@overload
def concatenate(xs: Sequence[BVar[T]], /, axis: int = 0) -> BVar[T]: ...
@overload
def concatenate(xs: Sequence[object], /, axis: int = 0) -> Any: ...
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
    "linear",
)
_UNTAKE = _prim(
    "untake",
    _untake_fwd,
    (lambda g, ans, x, *, idx, shape, out_nd: lift(_TAKE, (g,), {"idx": idx, "nd": len(shape)}),),
    "linear",
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


matmul = lift2("matmul", np.matmul, _matmul_vjp_a, _matmul_vjp_b, "multilinear")


# (typing: a BVar on either side gives a BVar)
@overload
def dot(x: BVar[Any], y: object, /) -> BVar[Any]: ...
@overload
def dot(x: object, y: BVar[Any], /) -> BVar[Any]: ...
@overload
def dot(x: object, y: object, /) -> Any: ...
def dot(x: Any, y: Any, /) -> Any:
    """``numpy.dot``: a product with a scalar, ``matmul`` for vectors and matrices, and for
    N-d operands the sum over the last axis of ``x`` and the second-to-last of ``y`` (the
    last if ``y`` is 1-D), as numpy (which differs from ``matmul`` there)."""
    nx, ny = _ndim(x), _ndim(y)
    if nx == 0 or ny == 0:
        return x * y
    if type(x) is not BVar and type(y) is not BVar:
        return np.dot(x, y)
    if nx <= 2 and ny <= 2:
        return matmul(x, y)
    return tensordot(x, y, ([nx - 1], [builtins.max(ny - 2, 0)]))


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


# ----- complex numbers: real and imaginary parts, conj, angle, abs -----
#
# Inputs are real (the runners refuse complex ones) but intermediates may be complex
# (``anp.fft.fft(x)``, ``x * 1j``). Their cotangents follow autograd's (and JAX's)
# convention: the cotangent of ``z = x + iy`` for a real final output ``L`` is
# ``dL/dx - 1j dL/dy``. So a holomorphic step ``w = f(z)`` has the rule ``g * f'(z)``, no
# conjugation (``exp``, ``sin``, ``*``, ``/``... need nothing special), and
#
#   abs(z): re(g) conj(z) / |z| (0 at 0)     real(z): re(g) (as a complex number)
#   imag(z): -1j re(g)                        conj(z): conj(g)
#   angle(z): -1j re(g) / z
#
# A real value may be sent a complex cotangent (``x * 1j`` sends ``g * 1j`` to ``x``): only
# its real part counts. It is taken where it matters: ``re(g)`` above, at the functions from
# complex to real (their output is real), and once more at the runners' inputs. Every rule is
# written with lifted functions, so it differentiates again.


def _is_complex(x: Any) -> bool:
    v = plain(x)
    t = type(v)
    if t is float:
        return False
    if t is np.ndarray:
        return v.dtype.kind == "c"  # type: ignore[no-any-return]
    return t is complex or isinstance(v, np.complexfloating)


def _re(g: Any) -> Any:
    """The real part of ``g``, the cotangent of a real value (see above)."""
    if not _is_complex(g):
        return g
    if type(g) is np.ndarray:
        return g.real.copy()
    return real(g)


def _nonzero(ans: Any) -> Any:
    # |z| with its zeros replaced by 1 (there conj(z) is 0, so the gradient is 0)
    zero_at = plain(ans) == 0
    if not np.any(zero_at):
        return ans
    return 1.0 if np.ndim(zero_at) == 0 else where(zero_at, 1.0, ans)


def _abs_vjp(g: Any, ans: Any, x: Any) -> Any:
    if _is_complex(x):
        return _re(g) * conj(x) / _nonzero(ans)
    return g * sign(x)


def _angle_vjp(g: Any, ans: Any, x: Any, *, deg: bool) -> Any:
    # d angle = (x dy - y dx) / |z|^2, so the cotangent is -1j conj(z) / |z|^2 = -1j / z
    out = _re(g) * -1j / x
    return out * (180.0 / math.pi) if deg else out


_REAL = _prim("real", np.real, (lambda g, ans, x: _re(g) + 0j,), "linear")
_IMAG = _prim("imag", np.imag, (lambda g, ans, x: -1j * _re(g),), "linear")
_CONJ = _prim("conj", np.conj, (lambda g, ans, x: conj(g),), "linear")
_ANGLE = _prim("angle", lambda x, *, deg: np.angle(x, deg=deg), (_angle_vjp,))


def real(val: T) -> T:
    """``numpy.real``; a real BVar is returned as it is.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(v * (1.0 + 2.0j)), 3.0)
        1.0
    """
    if type(val) is BVar:
        return lift(_REAL, (val,), _NO_KW) if _is_complex(val) else val
    v: Any = val
    out: T = np.real(v)
    return out


def imag(val: Any) -> Any:
    """``numpy.imag``; of a real BVar, the plain zeros (a constant).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.imag(v * (1.0 + 2.0j)), 3.0)
        2.0
    """
    if type(val) is BVar:
        if _is_complex(val):
            return lift(_IMAG, (val,), _NO_KW)
        return np.imag(plain(val))
    return np.imag(val)


def conj(x: T, /) -> T:
    """``numpy.conj``; a real BVar is returned as it is."""
    if type(x) is BVar:
        return lift(_CONJ, (x,), _NO_KW) if _is_complex(x) else x
    v: Any = x
    out: T = np.conj(v)
    return out


conjugate = conj


def angle(z: Any, deg: bool = False) -> Any:
    """``numpy.angle``; of a real BVar, the plain 0 or pi (a constant).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.angle(1.0 + 1j * v), 1.0)
        0.5
    """
    if type(z) is BVar:
        if _is_complex(z):
            return lift(_ANGLE, (z,), {"deg": deg})
        return np.angle(plain(z), deg=deg)
    return np.angle(z, deg=deg)


def real_if_close(a: T, tol: float = 100) -> T:
    """``numpy.real_if_close``: on a complex BVar whose imaginary parts are all within
    ``tol`` machine epsilons of 0, its real part (`real`); a BVar otherwise is returned
    as it is."""
    fwd: Callable[..., Any] = np.real_if_close  # its stubs type the result as an array
    if type(a) is BVar:
        if _is_complex(a) and not np.iscomplexobj(fwd(plain(a), tol=tol)):
            return real(a)
        return a
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


# ----- shape and indexing functions (issue 14) -----
#
# Most of these are compositions of the primitives above (reshape, transpose,
# concatenate, take_index, _untake, where, _broadcast_copy), so their rules are those
# primitives' rules: batch-safe and differentiable again. flip and roll are primitives
# of their own whose rule is the same function with the inverse argument, on negative
# axes. Plain values go straight to numpy, so they get exactly numpy's results.


# numpy untyped: its stubs do not take T (a BVar or an array) or our Any-typed values
_onp: Any = np


def _has_bvar(xs: Sequence[Any]) -> bool:
    return builtins.any(type(x) is BVar for x in xs)


def _neg_axis(axis: Any, nd: int) -> int:
    """One axis, checked as numpy checks it (TypeError, AxisError), as a negative index, so
    that leading batch dims of a cotangent do not shift it."""
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer):
        msg = f"'{type(axis).__name__}' object cannot be interpreted as an integer"
        raise TypeError(msg)
    a = int(axis)
    if not -nd <= a < nd:
        raise np.exceptions.AxisError(a, nd)
    return a - nd if a >= 0 else a


def _axis_index(axis: Any, nd: int) -> int:
    """``axis`` as a non-negative index into ``nd`` dims (numpy's errors otherwise)."""
    return _neg_axis(axis, nd) % nd


def _axis_tuple(axis: Any, nd: int) -> tuple[int, ...]:
    """``axis`` (an int or a tuple or list of them) as negative axes of an ``nd``-dim
    array, checked as numpy does (no axis twice)."""
    axes = tuple(axis) if isinstance(axis, tuple | list) else (axis,)
    out = tuple(_neg_axis(a, nd) for a in axes)
    if len(set(out)) != len(out):
        msg = "repeated axis"
        raise ValueError(msg)
    return out


def _probe(shape: tuple[int, ...]) -> NDArray[Any]:
    """A read-only array of ``shape`` that takes no memory (all strides zero): numpy's own
    shape functions applied to it check their arguments and give the result's shape."""
    return np.broadcast_to(np.empty(()), shape)


def _perm(fn: Callable[[NDArray[Any]], NDArray[Any]], nd: int) -> list[int]:
    """The axis permutation numpy's ``fn`` (swapaxes, moveaxis, ...) applies to an
    ``nd``-dim array: read off a probe whose axis ``i`` has length ``i + 1``."""
    return [d - 1 for d in fn(_probe(tuple(range(1, nd + 1)))).shape]


# -- flip and roll: primitives whose rule is themselves with the inverse argument --

_FLIP: Prim = _prim(
    "flip",
    lambda x, *, axes: _onp.flip(x, axes),
    (lambda g, ans, x, *, axes: lift(_FLIP, (g,), {"axes": axes}),),
    "linear",
)


def flip(m: T, axis: int | Sequence[int] | None = None) -> T:
    """``numpy.flip``: reverse the order of elements along ``axis`` (all axes by default);
    the gradient is flipped back."""
    if type(m) is not BVar:
        return _onp.flip(m, axis)  # type: ignore[no-any-return]
    nd = _ndim(m)
    axes = tuple(range(-nd, 0)) if axis is None else _axis_tuple(axis, nd)
    if not axes:
        return m
    return lift(_FLIP, (m,), {"axes": axes})  # type: ignore[no-any-return]


def fliplr(m: T) -> T:
    """``numpy.fliplr``: reverse the columns (axis 1) of an array of 2 or more dims."""
    if type(m) is not BVar:
        return _onp.fliplr(m)  # type: ignore[no-any-return]
    if _ndim(m) < 2:
        msg = "Input must be >= 2-d."
        raise ValueError(msg)
    return flip(m, 1)


def flipud(m: T) -> T:
    """``numpy.flipud``: reverse the rows (axis 0) of an array of 1 or more dims."""
    if type(m) is not BVar:
        return _onp.flipud(m)  # type: ignore[no-any-return]
    if _ndim(m) < 1:
        msg = "Input must be >= 1-d."
        raise ValueError(msg)
    return flip(m, 0)


_ROLL: Prim = _prim(
    "roll",
    lambda x, *, shift, axes: _onp.roll(x, shift, axes),
    (
        lambda g, ans, x, *, shift, axes: lift(
            _ROLL, (g,), {"shift": tuple(-s for s in shift), "axes": axes}
        ),
    ),
    "linear",
)


def roll(a: T, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> T:
    """``numpy.roll``: shift elements along ``axis`` (of the flattened array by default),
    wrapping around; the gradient is rolled back."""
    if type(a) is not BVar:
        return _onp.roll(a, shift, axis)  # type: ignore[no-any-return]
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), _shape(a))
    nd = _ndim(a)
    pairs: Any = np.broadcast(np.asarray(shift), np.asarray(axis))
    if pairs.ndim > 1:
        msg = "'shift' and 'axis' should be scalars or 1D sequences"
        raise ValueError(msg)
    total: dict[int, int] = {}
    for s, ax in pairs:
        k = _axis_index(int(ax), nd) - nd
        total[k] = total.get(k, 0) + int(s)
    axes = tuple(k for k in sorted(total) if total[k])
    if not axes:
        return a
    return lift(_ROLL, (a,), {"shift": tuple(total[k] for k in axes), "axes": axes})  # type: ignore[no-any-return]


def rot90(m: T, k: int = 1, axes: Sequence[int] = (0, 1)) -> T:
    """``numpy.rot90``: rotate by 90 degrees ``k`` times in the plane of ``axes`` (a flip
    and a transpose, as numpy does it)."""
    if type(m) is not BVar:
        return _onp.rot90(m, k, axes)  # type: ignore[no-any-return]
    nd = _ndim(m)
    _onp.rot90(_probe((1,) * nd), k, axes)  # numpy's checks of k and axes
    a0, a1 = (int(a) % nd for a in axes)
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(m, (a0, a1))
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return transpose(flip(m, a1), perm)
    return flip(transpose(m, perm), a1)


# -- axis permutations: a transpose by the permutation numpy would apply --


def swapaxes(a: T, axis1: int, axis2: int) -> T:
    """``numpy.swapaxes``: interchange two axes."""
    if type(a) is not BVar:
        return _onp.swapaxes(a, axis1, axis2)  # type: ignore[no-any-return]
    return transpose(a, _perm(lambda p: _onp.swapaxes(p, axis1, axis2), _ndim(a)))


def moveaxis(a: T, source: int | Sequence[int], destination: int | Sequence[int]) -> T:
    """``numpy.moveaxis``: move axes to new positions, the others keeping their order."""
    if type(a) is not BVar:
        return _onp.moveaxis(a, source, destination)  # type: ignore[no-any-return]
    return transpose(a, _perm(lambda p: _onp.moveaxis(p, source, destination), _ndim(a)))


def rollaxis(a: T, axis: int, start: int = 0) -> T:
    """``numpy.rollaxis``: roll ``axis`` backwards until it lies before ``start``."""
    if type(a) is not BVar:
        return _onp.rollaxis(a, axis, start)  # type: ignore[no-any-return]
    return transpose(a, _perm(lambda p: _onp.rollaxis(p, axis, start), _ndim(a)))


# -- at least n dims: reshapes --

# numpy 2 returns a tuple for several arguments, numpy 1.x a list
_ATLEAST_SEQ: Any = type(_onp.atleast_1d(0.0, 0.0))


def _atleast(x: Any, n: int) -> Any:
    if type(x) is not BVar:
        return (np.atleast_1d, np.atleast_2d, np.atleast_3d)[n - 1](x)
    s = _shape(x)
    if len(s) >= n:
        return x
    if n == 3 and len(s) == 1:
        return reshape(x, (1, s[0], 1))
    if n == 3 and len(s) == 2:
        return reshape(x, (*s, 1))
    return reshape(x, (1,) * (n - len(s)) + s)


def _atleast_all(arys: tuple[Any, ...], n: int) -> Any:
    res = [_atleast(x, n) for x in arys]
    return res[0] if len(res) == 1 else _ATLEAST_SEQ(res)


def atleast_1d(*arys: Any) -> Any:
    """``numpy.atleast_1d``: scalars become arrays of shape ``(1,)``."""
    if not _has_bvar(arys):
        return _onp.atleast_1d(*arys)
    return _atleast_all(arys, 1)


def atleast_2d(*arys: Any) -> Any:
    """``numpy.atleast_2d``: ``(n,)`` becomes ``(1, n)``, scalars ``(1, 1)``."""
    if not _has_bvar(arys):
        return _onp.atleast_2d(*arys)
    return _atleast_all(arys, 2)


def atleast_3d(*arys: Any) -> Any:
    """``numpy.atleast_3d``: ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` ``(m, n, 1)``."""
    if not _has_bvar(arys):
        return _onp.atleast_3d(*arys)
    return _atleast_all(arys, 3)


# -- stacking: at least n dims, then concatenate --


def _stack_items(tup: Any) -> list[Any] | None:
    """The items of ``tup`` when a BVar is among them (or ``tup`` is one); else None."""
    if type(tup) is BVar:
        return list(tup)
    if isinstance(tup, list | tuple) and _has_bvar(tup):
        return list(tup)
    return None


def _no_dtype(dtype: Any) -> None:
    if dtype is not None:
        msg = "dtype= is not supported when stacking BVars (a cast has no gradient rule)"
        raise TypeError(msg)


def hstack(tup: Any, *, dtype: Any = None, casting: Any = "same_kind") -> Any:
    """``numpy.hstack``: concatenate along axis 1 (axis 0 for 1-d inputs)."""
    xs = _stack_items(tup)
    if xs is None:
        return _onp.hstack(tup, dtype=dtype, casting=casting)
    _no_dtype(dtype)
    arrs = [_atleast(x, 1) for x in xs]
    return concatenate(arrs, axis=0 if _ndim(arrs[0]) == 1 else 1)


def vstack(tup: Any, *, dtype: Any = None, casting: Any = "same_kind") -> Any:
    """``numpy.vstack``: concatenate along axis 0, 1-d inputs becoming rows."""
    xs = _stack_items(tup)
    if xs is None:
        return _onp.vstack(tup, dtype=dtype, casting=casting)
    _no_dtype(dtype)
    return concatenate([_atleast(x, 2) for x in xs], axis=0)


def row_stack(tup: Any, *, dtype: Any = None, casting: Any = "same_kind") -> Any:
    """``numpy.row_stack``, the same as `vstack` (numpy 2 deprecates the name; this
    alias does not warn)."""
    return vstack(tup, dtype=dtype, casting=casting)


def dstack(tup: Any) -> Any:
    """``numpy.dstack``: concatenate along axis 2, after making every input 3-d."""
    xs = _stack_items(tup)
    if xs is None:
        return _onp.dstack(tup)
    return concatenate([_atleast(x, 3) for x in xs], axis=2)


def column_stack(tup: Any) -> Any:
    """``numpy.column_stack``: 1-d inputs become columns, then concatenate along axis 1."""
    xs = _stack_items(tup)
    if xs is None:
        return _onp.column_stack(tup)
    cols = [x if _ndim(x) >= 2 else reshape(x, (-1, 1)) for x in xs]
    return concatenate(cols, axis=1)


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``numpy.append``: ``values`` concatenated after ``arr`` (both flattened when
    ``axis`` is None)."""
    if type(arr) is not BVar and type(values) is not BVar:
        return _onp.append(arr, values, axis)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([arr, values], axis=axis)


# -- splitting: one slice (take_index) per piece --


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """``numpy.array_split``: a list of sub-arrays; ``indices_or_sections`` is a number of
    (nearly) equal pieces or a sequence of split points along ``axis``."""
    if type(ary) is not BVar:
        return list(_onp.array_split(ary, indices_or_sections, axis))
    shp = _shape(ary)
    n = shp[axis]  # numpy's IndexError for an axis out of range
    a = axis % len(shp)
    try:
        pieces = len(indices_or_sections) + 1
        div = [0, *(int(i) for i in indices_or_sections), n]
    except TypeError:
        pieces = int(indices_or_sections)
        if pieces <= 0:
            msg = "number sections must be larger than 0."
            raise ValueError(msg) from None
        each, extras = divmod(n, pieces)
        div = np.cumsum([0] + extras * [each + 1] + (pieces - extras) * [each]).tolist()
    lead = (slice(None),) * a
    return [take_index(ary, (*lead, slice(div[i], div[i + 1]))) for i in range(pieces)]


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """``numpy.split``: as `array_split`, but a number of pieces must divide the
    axis exactly."""
    if type(ary) is not BVar:
        return list(_onp.split(ary, indices_or_sections, axis))
    try:
        len(indices_or_sections)
    except TypeError:
        if _shape(ary)[axis] % indices_or_sections:
            msg = "array split does not result in an equal division"
            raise ValueError(msg) from None
    return array_split(ary, indices_or_sections, axis)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``numpy.hsplit``: split along axis 1 (axis 0 for 1-d arrays)."""
    if type(ary) is not BVar:
        return list(_onp.hsplit(ary, indices_or_sections))
    nd = _ndim(ary)
    if nd == 0:
        msg = "hsplit only works on arrays of 1 or more dimensions"
        raise ValueError(msg)
    return split(ary, indices_or_sections, 1 if nd > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``numpy.vsplit``: split along axis 0 an array of 2 or more dims."""
    if type(ary) is not BVar:
        return list(_onp.vsplit(ary, indices_or_sections))
    if _ndim(ary) < 2:
        msg = "vsplit only works on arrays of 2 or more dimensions"
        raise ValueError(msg)
    return split(ary, indices_or_sections, 0)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """``numpy.dsplit``: split along axis 2 an array of 3 or more dims."""
    if type(ary) is not BVar:
        return list(_onp.dsplit(ary, indices_or_sections))
    if _ndim(ary) < 3:
        msg = "dsplit only works on arrays of 3 or more dimensions"
        raise ValueError(msg)
    return split(ary, indices_or_sections, 2)


# -- repetition: a broadcast between reshapes (its rule sums), or a gather --


def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """``numpy.repeat``: repeat each element ``repeats`` times (a number, or one count per
    element) along ``axis`` (of the flattened array by default)."""
    if type(a) is not BVar:
        return _onp.repeat(a, repeats, axis)
    x = ravel(a) if axis is None else a
    shp = _shape(x)
    ax = 0 if axis is None else _axis_index(axis, len(shp))
    n = shp[ax]
    reps = np.asarray(plain(repeats))
    idx = _onp.repeat(np.arange(n), reps)  # numpy's checks of repeats
    if reps.size == 1:
        r = int(reps.reshape(()))
        up = reshape(x, (*shp[: ax + 1], 1, *shp[ax + 1 :]))
        up = _broadcast_copy(up, (*shp[: ax + 1], r, *shp[ax + 1 :]))
        return reshape(up, (*shp[:ax], n * r, *shp[ax + 1 :]))
    return take_index(x, (*(slice(None),) * ax, idx))


def tile(A: Any, reps: int | Sequence[int]) -> Any:
    """``numpy.tile``: ``A`` repeated ``reps`` times along each axis."""
    if type(A) is not BVar:
        return _onp.tile(A, reps)
    try:
        tup = tuple(int(r) for r in reps)  # type: ignore[union-attr]
    except TypeError:
        tup = (int(reps),)  # type: ignore[arg-type]
    if builtins.any(r < 0 for r in tup):
        msg = "negative dimensions are not allowed"
        raise ValueError(msg)
    s = _shape(A)
    nd = builtins.max(len(s), len(tup))
    s = (1,) * (nd - len(s)) + s
    tup = (1,) * (nd - len(tup)) + tup
    # (1, s0, 1, s1, ...) broadcast to (r0, s0, r1, s1, ...): rows of copies, then merged
    inter = reshape(A, tuple(d for n in s for d in (1, n)))
    inter = _broadcast_copy(inter, tuple(d for r, n in zip(tup, s, strict=True) for d in (r, n)))
    return reshape(inter, tuple(r * n for r, n in zip(tup, s, strict=True)))


# -- padding: constant blocks concatenated, or a gather of numpy's own padded indices --


def _as_pairs(x: Any, nd: int, as_index: bool) -> list[tuple[Any, Any]]:
    """``pad_width`` or ``constant_values`` as one ``(before, after)`` pair per axis, as
    numpy's ``pad`` reads them."""
    if as_index and isinstance(x, dict):
        # numpy >= 2.3: {axis: width or (before, after)}, other axes unpadded
        seq = [(0, 0)] * nd
        for axis, width in x.items():
            seq[axis] = (width, width) if isinstance(width, int) else tuple(width)
        x = seq
    arr = np.array(x)
    if as_index:
        if arr.dtype.kind != "i":
            msg = "`pad_width` must be of integral type."
            raise TypeError(msg)
        arr = arr.astype(np.intp)
    if arr.ndim < 3 and arr.size == 1:
        arr = np.array([arr.ravel()[0]] * 2)
    elif arr.ndim < 3 and arr.size == 2 and arr.shape != (2, 1):
        arr = arr.ravel()
    if as_index and arr.size and arr.min() < 0:
        msg = "index can't contain negative values"
        raise ValueError(msg)
    return [(p[0], p[1]) for p in np.broadcast_to(arr, (nd, 2)).tolist()]


_PAD_GATHER = {"edge": (), "wrap": (), "reflect": ("reflect_type",), "symmetric": ("reflect_type",)}


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """``numpy.pad`` in the modes ``constant`` (``constant_values`` are constants), ``edge``,
    ``wrap``, ``reflect`` and ``symmetric`` (``reflect_type="even"``, the default); the
    gradient of the padded array is the padded region summed back where it came from.

    Raises:
        NotImplementedError: another mode, or ``reflect_type="odd"``, on a BVar.
    """
    if type(array) is not BVar:
        return _onp.pad(array, pad_width, mode, **kwargs)
    shp = _shape(array)
    widths = _as_pairs(pad_width, len(shp), as_index=True)
    if mode == "constant":
        _pad_kwargs(mode, kwargs, ("constant_values",))
        cv = kwargs.get("constant_values", 0)
        if type(cv) is BVar:
            msg = "constant_values must be a constant, not a BVar"
            raise TypeError(msg)
        values = _as_pairs(cv, len(shp), as_index=False)
        dtype = np.asarray(plain(array)).dtype
        x = array
        for ax, ((lo, hi), (vlo, vhi)) in enumerate(zip(widths, values, strict=True)):
            if lo == hi == 0:
                continue
            s = list(_shape(x))
            parts: list[Any] = []
            if lo:
                parts.append(np.full((*s[:ax], lo, *s[ax + 1 :]), vlo, dtype=dtype))
            parts.append(x)
            if hi:
                parts.append(np.full((*s[:ax], hi, *s[ax + 1 :]), vhi, dtype=dtype))
            x = concatenate(parts, axis=ax)
        return x
    if mode in _PAD_GATHER:
        _pad_kwargs(mode, kwargs, _PAD_GATHER[mode])
        if kwargs.get("reflect_type", "even") != "even":
            msg = "pad with reflect_type='odd' is not supported on BVars"
            raise NotImplementedError(msg)
        # each of these modes reads, along each axis, elements of the array itself: the
        # padded array is a gather, by numpy's padding of the indices 0..n-1
        if not shp:
            return array  # nothing to pad
        idx = [_onp.pad(np.arange(n), w, mode) for n, w in zip(shp, widths, strict=True)]
        return take_index(array, np.ix_(*idx))
    msg = f"pad mode {mode!r} is not supported on BVars (use constant, edge, wrap, reflect, symmetric)"
    raise NotImplementedError(msg)


def _pad_kwargs(mode: str, kwargs: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unsupported = set(kwargs) - set(allowed)
    if unsupported:
        msg = f"unsupported keyword arguments for mode '{mode}': {unsupported}"
        raise ValueError(msg)


# -- triangles and diagonals: masks (where) and gathers (take_index) --


def tril(m: T, k: int = 0) -> T:
    """``numpy.tril``: zero above the ``k``-th diagonal of the last two axes (a 1-d input
    is repeated as rows, as numpy does)."""
    if type(m) is not BVar:
        return _onp.tril(m, k)  # type: ignore[no-any-return]
    mask = _onp.tri(*_shape(m)[-2:], k=k, dtype=bool)
    return where(mask, m, 0.0)  # type: ignore[no-any-return]


def triu(m: T, k: int = 0) -> T:
    """``numpy.triu``: zero below the ``k``-th diagonal of the last two axes."""
    if type(m) is not BVar:
        return _onp.triu(m, k)  # type: ignore[no-any-return]
    mask = _onp.tri(*_shape(m)[-2:], k=k - 1, dtype=bool)
    return where(mask, 0.0, m)  # type: ignore[no-any-return]


def _diag_index(n1: int, n2: int, offset: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Row and column indices of the ``offset`` diagonal of an ``n1 x n2`` matrix."""
    if offset >= 0:
        i = np.arange(builtins.max(0, builtins.min(n1, n2 - offset)))
        return i, i + offset
    i = np.arange(builtins.max(0, builtins.min(n1 + offset, n2)))
    return i - offset, i


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """``numpy.diagonal``: the ``offset`` diagonal of the ``axis1``, ``axis2`` planes, as the
    last axis (a copy, not numpy's read-only view); the gradient is put back on it."""
    if type(a) is not BVar:
        return _onp.diagonal(a, offset, axis1, axis2)
    shp = _shape(a)
    _onp.diagonal(_probe(shp), offset, axis1, axis2)  # numpy's checks of the axes
    a1, a2 = axis1 % len(shp), axis2 % len(shp)
    perm = [i for i in range(len(shp)) if i not in (a1, a2)] + [a1, a2]
    x = a if perm == list(range(len(shp))) else transpose(a, perm)
    return take_index(x, (Ellipsis, *_diag_index(shp[a1], shp[a2], offset)))


def diag(v: Any, k: int = 0) -> Any:
    """``numpy.diag``: the ``k``-th diagonal of a matrix, or a square matrix with the vector
    ``v`` on its ``k``-th diagonal."""
    if type(v) is not BVar:
        return _onp.diag(v, k)
    s = _shape(v)
    if len(s) == 1:
        n = s[0] + builtins.abs(k)
        return _untake(v, _diag_index(n, n, k), (n, n), 1)
    if len(s) == 2:
        return diagonal(v, k)
    msg = "Input must be 1- or 2-d."
    raise ValueError(msg)


def trace(
    a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None, out: Any = None
) -> Any:
    """``numpy.trace``: the sum of the ``offset`` diagonal (of each ``axis1``, ``axis2``
    plane)."""
    if type(a) is not BVar:
        return _onp.trace(a, offset, axis1, axis2, dtype, out)
    if dtype is not None or out is not None:
        msg = "dtype= and out= are not supported on BVars"
        raise TypeError(msg)
    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


# -- r_ and c_: numpy's index-expression concatenators --


class _Concatenator:
    """``numpy.r_`` / ``numpy.c_``: keys without a BVar go to numpy; with a BVar, numpy's
    rules (slices as ``arange``/``linspace``, scalars, ``ndmin`` and ``trans1d``, the
    ``"axis"`` and ``"axis,ndmin,trans1d"`` directives) build a `concatenate`. The
    matrix directives ``"r"`` and ``"c"`` are not supported with BVars."""

    def __init__(self, np_obj: Any, axis: int, ndmin: int, trans1d: int) -> None:
        self._np = np_obj
        self._axis = axis
        self._ndmin = ndmin
        self._trans1d = trans1d

    def __getitem__(self, key: Any) -> Any:
        items = key if isinstance(key, tuple) else (key,)
        if not _has_bvar(items):
            return self._np[key]
        axis, ndmin, trans1d = self._axis, self._ndmin, self._trans1d
        objs: list[Any] = []
        kinds: list[Any] = []  # dtypes, and scalars (weakly typed), for result_type
        for k, item in enumerate(items):
            if isinstance(item, str):
                if k != 0:
                    msg = "special directives must be the first entry."
                    raise ValueError(msg)
                axis, ndmin, trans1d = _directive(item, axis, ndmin, trans1d)
                continue
            if isinstance(item, slice):
                new: Any = _slice_range(item)
                if ndmin > 1:
                    new = np.array(new, ndmin=ndmin)
                    if trans1d != -1:
                        new = new.swapaxes(-1, trans1d)
                kinds.append(new.dtype)
            elif type(item) in np.ScalarType:
                new = item
                kinds.append(item)
            else:
                pv = plain(item)
                kinds.append(pv if type(pv) in np.ScalarType else np.asarray(pv).dtype)
                new = item if type(item) is BVar else np.asarray(item)
                new = _ndmin(new, ndmin, trans1d)
            objs.append(new)
        final = np.result_type(*kinds)
        objs = [o if type(o) is BVar else np.array(o, ndmin=ndmin, dtype=final) for o in objs]
        return concatenate(objs, axis=axis)

    def __len__(self) -> int:
        return 0


def _directive(item: str, axis: int, ndmin: int, trans1d: int) -> tuple[int, int, int]:
    if item in ("r", "c"):
        msg = "the matrix directives 'r' and 'c' are not supported with BVars"
        raise TypeError(msg)
    try:
        if "," in item:
            vec = [int(v) for v in item.split(",")]
            return vec[0], vec[1], vec[2] if len(vec) == 3 else trans1d
        return int(item), ndmin, trans1d
    except (ValueError, IndexError) as e:
        msg = f"unknown special directive {item!r}"
        raise ValueError(msg) from e


def _slice_range(item: slice) -> NDArray[Any]:
    start = 0 if item.start is None else item.start
    step = 1 if item.step is None else item.step
    if isinstance(step, complex | np.complexfloating):
        return np.linspace(start, item.stop, num=int(np.abs(step)))
    return np.arange(start, item.stop, step)


def _ndmin(x: Any, ndmin: int, trans1d: int) -> Any:
    """numpy's ``array(x, ndmin=ndmin)`` then its ``trans1d`` transpose, on a BVar too."""
    nd = _ndim(x)
    if nd >= ndmin:
        return x
    x = reshape(x, (1,) * (ndmin - nd) + _shape(x))
    if trans1d != -1:
        k2 = ndmin - nd
        k1 = trans1d + k2 + 1 if trans1d < 0 else trans1d
        d = list(range(ndmin))
        x = transpose(x, d[:k1] + d[k2:] + d[k1:k2])
    return x


r_ = _Concatenator(np.r_, 0, 1, -1)
c_ = _Concatenator(np.c_, -1, 2, 0)


# ----- reductions, scans and products (issue 14) -----
#
# Conventions of this section. Axes stored in a primitive's keywords are negative, so that
# leading batch dimensions on a cotangent do not shift them. numpy keywords that mean
# nothing on a BVar (``out``, ``dtype``) are accepted, passed to numpy on plain values, and
# must be left unset on BVars. Functions whose derivative is zero almost everywhere or
# whose result is an integer or a boolean (argmax, floor, isnan, ...) unwrap their BVar
# arguments and return numpy's plain result: a constant, invisible to the tape, exactly
# as ``sign`` above.

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _Unset:
    """The default of a keyword numpy distinguishes from every value (``diff``'s
    ``prepend``/``append``)."""

    def __repr__(self) -> str:
        return "<not given>"


_UNSET: Any = _Unset()


def _unsupported(name: str, **kw: Any) -> None:
    for k, v in kw.items():
        if v is not None:
            msg = f"{name}: {k}= is not supported on BVars (leave it None)"
            raise TypeError(msg)


def _any_bvar(*xs: Any) -> bool:
    for x in xs:
        t = type(x)
        if t is BVar or ((t is list or t is tuple) and _holds_bvar(x)):
            return True
    return False


def _arr(x: Any) -> Any:
    """A BVar as it is (stacked if it holds a sequence), a sequence holding BVars stacked,
    anything else (a list, a float) as a numpy array."""
    if _is_seq(x):
        return array(x)
    return x if type(x) is BVar else np.asarray(x)


def _red_axes(axis: Any, nd: int) -> tuple[int, ...] | None:
    """``axis`` (None, an int or a sequence) checked as numpy does, as negative indices."""
    return None if axis is None else _axis_tuple(axis, nd)


def _moveaxis(x: Any, src: int, dst: int) -> Any:
    """``numpy.moveaxis`` for one axis, as a transpose (``src``/``dst`` may be negative, and
    are then counted from the end: batch-safe)."""
    nd = _ndim(x)
    s, d = src % nd, dst % nd
    if s == d:
        return x
    perm = [i for i in range(nd) if i != s]
    perm.insert(d, s)
    return transpose(x, perm)


def _along(perm: NDArray[np.intp], axis: int) -> tuple[NDArray[np.intp], ...]:
    """The index that ``take_along_axis(x, perm, axis)`` is: ``x[_along(perm, axis)]``."""
    nd = perm.ndim
    a = axis % nd
    return tuple(
        perm
        if k == a
        else np.arange(s, dtype=np.intp).reshape((1,) * k + (s,) + (1,) * (nd - k - 1))
        for k, s in enumerate(perm.shape)
    )


def _flip_fwd(x: Any, *, axis: int) -> Any:
    # a copy, not numpy's view: cotangents may be handed to users, who may write to them
    return np.flip(x, axis).copy()


_FLIP_AXES = _prim("flip", _flip_fwd, (lambda g, ans, x, *, axis: _flip(g, axis),), "linear")


def _flip(x: Any, axis: int) -> Any:
    return lift(_FLIP_AXES, (x,), {"axis": axis})


# -- variance and standard deviation --


def _var_vjp(g: Any, ans: Any, x: Any, *, axis: Axis, ddof: float, keepdims: bool) -> Any:
    d = x - mean(x, axis=_axes(axis, _ndim(x)), keepdims=True)
    if _is_complex(x):  # var is mean |d|^2: its cotangent is 2 conj(d) (see conj)
        d, g = conj(d), _re(g)
    with np.errstate(divide="ignore"):
        # ddof == n: numpy's forward already warned and gave inf/nan
        scale = np.float64(2.0) / (_count(x, axis) - ddof)
    return _expand_back(g, x, axis, keepdims) * (d * scale)


def _std_vjp(g: Any, ans: Any, x: Any, *, axis: Axis, ddof: float, keepdims: bool) -> Any:
    n = _count(x, axis)
    ge = _expand_back(g, x, axis, keepdims)
    if n <= 1:
        # one element per group: the deviation, hence std, is 0 for every x
        return ge * 0.0
    d = x - mean(x, axis=_axes(axis, _ndim(x)), keepdims=True)
    if _is_complex(x):  # as in var
        d, ge = conj(d), _re(ge)
    return ge * d / (_keep(ans, x, axis, keepdims) * (n - ddof))


_VAR = _prim(
    "var",
    lambda x, *, axis, ddof, keepdims: np.var(x, axis=axis, ddof=ddof, keepdims=keepdims),
    (_var_vjp,),
)
_STD = _prim(
    "std",
    lambda x, *, axis, ddof, keepdims: np.std(x, axis=axis, ddof=ddof, keepdims=keepdims),
    (_std_vjp,),
)


def _moment(
    prim: Prim,
    fwd: Callable[..., Any],
    a: Any,
    axis: Axis,
    dtype: Any,
    out: Any,
    ddof: float,
    keepdims: bool,
    correction: float | None,
) -> Any:
    if _is_seq(a):
        a = array(a)
    if type(a) is not BVar:
        kw: dict[str, Any] = {} if correction is None else {"correction": correction}
        return fwd(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, **kw)
    _unsupported(prim.name, dtype=dtype, out=out)
    if correction is not None:
        if ddof != 0:
            msg = "ddof and correction can't be provided simultaneously."
            raise ValueError(msg)
        ddof = correction
    kw = {"axis": _red_axes(axis, _ndim(a)), "ddof": ddof, "keepdims": keepdims}
    return lift(prim, (a,), kw)


def var(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    correction: float | None = None,
) -> Any:
    """``numpy.var``: the variance over ``axis`` with ``ddof`` (or ``correction``) degrees
    of freedom removed, differentiable on BVars.

    Examples:
        >>> import optic_ad as ad
        >>> import numpy as np
        >>> ad.grad(lambda x: var(x, ddof=1))(np.array([1.0, 2.0, 3.0]))
        array([-1.,  0.,  1.])
    """
    return _moment(_VAR, np.var, a, axis, dtype, out, ddof, keepdims, correction)


def std(
    a: Any,
    axis: Axis = None,
    dtype: Any = None,
    out: Any = None,
    ddof: float = 0,
    keepdims: bool = False,
    *,
    correction: float | None = None,
) -> Any:
    """``numpy.std``: the square root of `var` (same keywords), differentiable on
    BVars. Where every element of a group is equal the derivative is undefined (nan), as
    for ``sqrt`` at 0; a group of one element has derivative 0."""
    return _moment(_STD, np.std, a, axis, dtype, out, ddof, keepdims, correction)


# -- cumulative sum and product --


def _rev_cumsum(g: Any, axis: int) -> Any:
    """``out[i] = sum(g[j] for j >= i)`` along ``axis`` (negative): the adjoint of cumsum."""
    return _flip(cumsum(_flip(g, axis), axis=axis), axis)


_CUMSUM = _prim(
    "cumsum",
    lambda x, *, axis: np.cumsum(x, axis=axis),
    (lambda g, ans, x, *, axis: _rev_cumsum(g, axis),),
    "linear",
)


def _cumprod_vjp(g: Any, ans: Any, x: Any, *, axis: int) -> Any:
    if np.all(plain(x) != 0):
        # d ans[i] / d x[k] = ans[i] / x[k] for i >= k
        return _rev_cumsum(g * ans, axis) / x
    # ans / x is 0/0 at a zero: for each k, the cumulative product of x with x[k] set to
    # 1 (O(n^2), exact at every order, no division; only when x holds a zero)
    n = _shape(x)[axis]
    xm = _moveaxis(x, axis, -1)
    others = cumprod(where(np.eye(n, dtype=bool), 1.0, expand_dims(xm, -2)), axis=-1)
    upper = np.triu(np.ones((n, n)))  # [k, i]: i >= k
    gm = expand_dims(_moveaxis(g, axis, -1), -2)
    return _moveaxis(sum(others * upper * gm, axis=-1), -1, axis)


_CUMPROD = _prim("cumprod", lambda x, *, axis: np.cumprod(x, axis=axis), (_cumprod_vjp,))


def _scan(prim: Prim, fwd: Callable[..., Any], a: Any, axis: Any, dtype: Any, out: Any) -> Any:
    if type(a) is not BVar:
        return fwd(a, axis=axis, dtype=dtype, out=out)
    _unsupported(prim.name, dtype=dtype, out=out)
    if axis is None:
        # numpy flattens
        return lift(prim, (ravel(a),), {"axis": -1})
    return lift(prim, (a,), {"axis": _neg_axis(axis, _ndim(a))})


def cumsum(a: Any, axis: int | None = None, dtype: Any = None, out: Any = None) -> Any:
    """``numpy.cumsum`` along ``axis`` (of the flattened array when ``axis`` is None),
    differentiable on BVars."""
    return _scan(_CUMSUM, np.cumsum, a, axis, dtype, out)


def cumprod(a: Any, axis: int | None = None, dtype: Any = None, out: Any = None) -> Any:
    """``numpy.cumprod`` along ``axis`` (of the flattened array when ``axis`` is None),
    differentiable on BVars, zeros included."""
    return _scan(_CUMPROD, np.cumprod, a, axis, dtype, out)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = _UNSET, append: Any = _UNSET) -> Any:
    """``numpy.diff``: the ``n``-th forward difference along ``axis``, with optional values
    to ``prepend``/``append`` first (all differentiable on BVars)."""
    if not _any_bvar(a, prepend, append):
        kw = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not _UNSET}
        return np.diff(a, n=n, axis=axis, **kw)
    if n == 0:
        return a
    if n < 0:
        msg = f"order must be non-negative but got {n!r}"
        raise ValueError(msg)
    nd = _ndim(a)
    if nd == 0:
        msg = "diff requires input that is at least one dimensional"
        raise ValueError(msg)
    ax = _neg_axis(axis, nd)
    parts = []
    for v in (prepend, a, append):
        if v is _UNSET:
            continue
        if v is not a and _ndim(v) == 0:
            shp = list(_shape(a))
            shp[ax] = 1
            v = broadcast_to(v, tuple(shp))
        parts.append(v)
    if len(parts) > 1:
        a = concatenate(parts, axis=ax)
    rest = (slice(None),) * (-ax - 1)
    for _ in range(n):
        a = take_index(a, (Ellipsis, slice(1, None), *rest)) - take_index(
            a, (Ellipsis, slice(None, -1), *rest)
        )
    return a


# -- sorting: the gradient goes back through the permutation --


def sort(
    a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *, stable: Any = None
) -> Any:
    """``numpy.sort`` (of the flattened array when ``axis`` is None). On a BVar it is
    ``a`` indexed by ``argsort``, so the gradient is scattered back through the
    permutation (ties, where sorting is not differentiable, get one of the one-sided
    derivatives)."""
    if type(a) is not BVar:
        return np.sort(a, axis=axis, kind=kind, order=order, stable=stable)
    if axis is None:
        a, axis = ravel(a), -1
    ax = _neg_axis(axis, _ndim(a))
    perm = np.argsort(plain(a), axis=ax, kind=kind, order=order, stable=stable)
    return take_index(a, _along(perm, ax))


# numpy's stubs only know literal keywords; these take them from a variable
_np_partition: Callable[..., Any] = np.partition
_np_argpartition: Callable[..., Any] = np.argpartition
_np_average: Callable[..., Any] = np.average


def partition(
    a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: Any = None
) -> Any:
    """``numpy.partition`` (of the flattened array when ``axis`` is None). On a BVar it is
    ``a`` indexed by ``argpartition``: the gradient goes back through that permutation."""
    if type(a) is not BVar:
        return _np_partition(a, kth, axis=axis, kind=kind, order=order)
    if axis is None:
        a, axis = ravel(a), -1
    ax = _neg_axis(axis, _ndim(a))
    perm = _np_argpartition(plain(a), kth, axis=ax, kind=kind, order=order)
    return take_index(a, _along(perm, ax))


# -- aliases and nan-aware reductions --

amax = max
amin = min


def nansum(
    a: Any, axis: Axis = None, dtype: Any = None, out: Any = None, keepdims: bool = False
) -> Any:
    """``numpy.nansum``: the sum treating NaNs as zero; NaN entries get gradient 0."""
    if type(a) is not BVar:
        return np.nansum(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
    _unsupported("nansum", dtype=dtype, out=out)
    axes = _red_axes(axis, _ndim(a))
    masked: Any = where(np.isnan(plain(a)), 0.0, a)
    return sum(masked, axis=axes, keepdims=keepdims)


def nanmean(
    a: Any, axis: Axis = None, dtype: Any = None, out: Any = None, keepdims: bool = False
) -> Any:
    """``numpy.nanmean``: the mean of the non-NaN entries; NaN entries get gradient 0. (A
    slice of NaNs only gives NaN, with numpy's division warning rather than its "Mean of
    empty slice" one.)"""
    if type(a) is not BVar:
        return np.nanmean(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims)
    _unsupported("nanmean", dtype=dtype, out=out)
    axes = _red_axes(axis, _ndim(a))
    count = np.sum(~np.isnan(plain(a)), axis=axes, keepdims=keepdims).astype(np.float64)
    return nansum(a, axis=axes, keepdims=keepdims) / count


def average(
    a: Any,
    axis: Axis = None,
    weights: Any = None,
    returned: bool = False,
    *,
    keepdims: bool = False,
) -> Any:
    """``numpy.average``: the mean over ``axis`` weighted by ``weights`` (the shape of ``a``,
    or the shape of ``a`` along ``axis``); both ``a`` and ``weights`` are differentiable.
    With ``returned=True``, ``(average, sum of weights)``."""
    if not _any_bvar(a, weights):
        return _np_average(a, axis=axis, weights=weights, returned=returned, keepdims=keepdims)
    a = _arr(a)
    nd = _ndim(a)
    neg = _red_axes(axis, nd)
    axes: Any = None if neg is None else tuple(k + nd for k in neg)
    if weights is None:
        avg = mean(a, axis=axes, keepdims=keepdims)
        scl: Any = np.float64(int(np.prod(_shape(a))) / int(np.prod(_shape(avg))))
    else:
        w: Any = _arr(weights)
        sa, sw = _shape(a), _shape(w)
        if sa != sw:
            if axes is None:
                msg = "Axis must be specified when shapes of a and weights differ."
                raise TypeError(msg)
            if sw != tuple(sa[k] for k in axes):
                msg = "Shape of weights must be consistent with shape of a along specified axis."
                raise ValueError(msg)
            w = transpose(w, [int(i) for i in np.argsort(axes)])
            w = reshape(w, tuple(s if k in axes else 1 for k, s in enumerate(sa)))
        scl = sum(w, axis=axes, keepdims=keepdims)
        if np.any(plain(scl) == 0.0):
            msg = "Weights sum to zero, can't be normalized"
            raise ZeroDivisionError(msg)
        avg = sum(a * w, axis=axes, keepdims=keepdims) / scl
    if not returned:
        return avg
    if _shape(scl) != _shape(avg):
        scl = _broadcast_copy(scl, _shape(avg))
    return avg, scl


# -- no gradient: integer or boolean results, or a derivative that is zero almost
#    everywhere. BVars are unwrapped and numpy's plain result returned, so the result is a
#    constant to every tape (a zero cotangent would only cost work downstream). --


def _no_grad(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def f(*args: Any, **kwargs: Any) -> Any:
        return fn(*[plain(v) for v in args], **{k: plain(v) for k, v in kwargs.items()})

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (
        f"``numpy.{name}`` (same arguments) on the plain values of BVar arguments: it has "
        "no gradient, so the result is a plain value."
    )
    f.__wrapped__ = fn  # type: ignore[attr-defined]  # inspect.signature shows numpy's
    return f


argmax = _no_grad(np.argmax, "argmax")
argmin = _no_grad(np.argmin, "argmin")
argsort = _no_grad(np.argsort, "argsort")
argwhere = _no_grad(np.argwhere, "argwhere")
nonzero = _no_grad(np.nonzero, "nonzero")
searchsorted = _no_grad(np.searchsorted, "searchsorted")
count_nonzero = _no_grad(np.count_nonzero, "count_nonzero")
isnan = _no_grad(np.isnan, "isnan")
isinf = _no_grad(np.isinf, "isinf")
isfinite = _no_grad(np.isfinite, "isfinite")
all = _no_grad(np.all, "all")
any = _no_grad(np.any, "any")
# Piecewise constant: the derivative is 0 wherever it exists, so, as for sign, the rounded
# value of a BVar is a plain array. (A BVar with a zero gradient would be as correct and
# only cost recording; a plain value also says plainly that nothing flows through it.)
floor = _no_grad(np.floor, "floor")
ceil = _no_grad(np.ceil, "ceil")
round = _no_grad(np.round, "round")
rint = _no_grad(np.rint, "rint")
trunc = _no_grad(np.trunc, "trunc")


# -- einsum and the products built on it --


def _einsum_args(operands: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """The subscripts string and the arrays, from either of numpy's calling conventions
    (``einsum("ij,jk", a, b)`` or ``einsum(a, [0, 1], b, [1, 2], [0, 2])``)."""
    if not operands:
        msg = "No input operands"
        raise ValueError(msg)
    if isinstance(operands[0], str):
        return operands[0].replace(" ", ""), operands[1:]
    args = list(operands)
    out = args.pop() if len(args) % 2 else None

    def letter(s: Any) -> str:
        if s is Ellipsis:
            return "..."
        if not 0 <= int(s) < len(_LETTERS):
            msg = f"subscript is not within the valid range [0, {len(_LETTERS)})"
            raise ValueError(msg)
        return _LETTERS[int(s)]

    def letters(sub: Any) -> str:
        return "".join(letter(s) for s in sub)

    spec = ",".join(letters(s) for s in args[1::2])
    return (spec if out is None else f"{spec}->{letters(out)}"), tuple(args[0::2])


def _einsum_explicit(spec: str, shapes: Sequence[tuple[int, ...]]) -> str:
    """``spec`` with an explicit output and no ellipsis, every label naming one size.

    Ellipses become fresh labels (aligned to the right, as numpy broadcasts them), the
    implicit output is numpy's (ellipsis dims, then the labels used once, sorted), and an
    axis of size 1 broadcast against a larger one gets a label of its own (summed away,
    which for size 1 changes nothing): then each operand's VJP is one einsum without
    broadcasting."""
    ins, arrow, out = spec.partition("->")
    terms = ins.split(",")
    if len(terms) != len(shapes):
        # (numpy's messages, which say "more" for too few operands and "fewer" for too many)
        which = "more" if len(terms) > len(shapes) else "fewer"
        msg = f"{which} operands provided to einstein sum function than specified in the subscripts string"
        raise ValueError(msg)
    free = iter([c for c in _LETTERS if c not in spec])

    def fresh() -> str:
        c = next(free, None)
        if c is None:
            msg = "too many subscripts in einsum"
            raise ValueError(msg)
        return c

    n_ell = builtins.max(
        [len(s) - len(t) + 3 for t, s in zip(terms, shapes, strict=True) if "..." in t] or [0]
    )
    ell = "".join(fresh() for _ in range(n_ell))
    labels: list[list[str]] = []
    for i, (t, s) in enumerate(zip(terms, shapes, strict=True)):
        if "..." in t:
            pre, _, post = t.partition("...")
            k = len(s) - len(pre) - len(post)
            t = pre + (ell[n_ell - k :] if k > 0 else "") + post
        if len(t) > len(s):
            msg = f"einstein sum subscripts string contains too many subscripts for operand {i}"
            raise ValueError(msg)
        if len(t) < len(s):
            msg = (
                "operand has more dimensions than subscripts given in einstein sum, but no "
                "'...' ellipsis provided to broadcast the extra dimensions."
            )
            raise ValueError(msg)
        labels.append(list(t))
    if arrow:
        if "..." not in out and n_ell and builtins.any("..." in t for t in terms):
            msg = (
                "output has more dimensions than subscripts given in einstein sum, but no "
                "'...' ellipsis provided to broadcast the extra dimensions."
            )
            raise ValueError(msg)
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                msg = (
                    f"einstein sum subscripts string includes output subscript {c!r} multiple times"
                )
                raise ValueError(msg)
            if not builtins.any(c in t for t in labels):
                msg = f"einstein sum subscripts string included output subscript {c!r} which never appeared in an input"
                raise ValueError(msg)
    else:
        flat = [c for t in labels for c in t]
        out = ell + "".join(sorted(c for c in set(flat) if flat.count(c) == 1 and c not in ell))
    size: dict[str, int] = {}
    for lab, s in zip(labels, shapes, strict=True):
        for c, d in zip(lab, s, strict=True):
            size[c] = builtins.max(size.get(c, 1), d)
    for lab, s in zip(labels, shapes, strict=True):
        for j, (c, d) in enumerate(zip(lab, s, strict=True)):
            if d == 1 and size[c] != 1:
                lab[j] = fresh()
    return ",".join("".join(lab) for lab in labels) + "->" + out


def _einsum_vjp(i: int, g: Any, ans: Any, *ops: Any, spec: str, optimize: Any) -> Any:
    # The cotangent of operand i is the einsum of g with the other operands, onto operand
    # i's labels; "..." carries g's batch dims. A label repeated in operand i (a diagonal)
    # is renamed and tied to its first occurrence by an identity; a label found nowhere
    # else (summed in operand i alone) is broadcast back by a vector of ones.
    ins, _, out = spec.partition("->")
    terms = ins.split(",")
    free = iter([c for c in _LETTERS if c not in spec])
    shp = _shape(ops[i])
    target: list[str] = []
    extra_terms: list[str] = []
    extra_ops: list[Any] = []
    for c, d in zip(terms[i], shp, strict=True):
        if c in target:
            r = next(free)
            extra_terms.append(c + r)
            extra_ops.append(np.eye(d))
            target.append(r)
        else:
            target.append(c)
    rest = [t for j, t in enumerate(terms) if j != i]
    seen = set(out).union(*rest, *extra_terms)
    for c, d in zip(terms[i], shp, strict=True):
        if c not in seen:
            seen.add(c)
            extra_terms.append(c)
            extra_ops.append(np.ones(d))
    sub = ",".join(["..." + out, *rest, *extra_terms]) + "->..." + "".join(target)
    others = [x for j, x in enumerate(ops) if j != i]
    return einsum(sub, g, *others, *extra_ops, optimize=optimize)


_EINSUM = _prim(
    "einsum",
    lambda *ops, spec, optimize: np.einsum(spec, *ops, optimize=optimize),
    _Each(_einsum_vjp),
    "multilinear",
)


def einsum(*operands: Any, out: Any = None, optimize: Any = False, **kwargs: Any) -> Any:
    """``numpy.einsum`` (subscripts string or interleaved sublists, implicit or explicit
    output, ellipses, repeated labels), differentiable in every operand: each operand's
    VJP is another einsum.

    Examples:
        >>> import numpy as np
        >>> import optic_ad as ad
        >>> a, b = np.arange(6.0).reshape(2, 3), np.ones((3, 2))
        >>> ad.grad(lambda a: sum(einsum("ij,jk->ik", a, b)))(a)
        array([[2., 2., 2.],
               [2., 2., 2.]])
    """
    if not _any_bvar(*operands):
        return np.einsum(*operands, out=out, optimize=optimize, **kwargs)
    _unsupported("einsum", out=out, **kwargs)
    spec, arrays = _einsum_args(operands)
    norm = _einsum_explicit(spec, [_shape(x) for x in arrays])
    return lift(_EINSUM, arrays, {"spec": norm, "optimize": optimize})


def _contract(a: Any, b: Any, ax_a: Sequence[int], ax_b: Sequence[int]) -> Any:
    """``tensordot(a, b, (ax_a, ax_b))`` as an einsum (the axes already non-negative)."""
    sa, sb = _shape(a), _shape(b)
    if len(ax_a) != len(ax_b) or builtins.any(
        sa[i] != sb[j] for i, j in zip(ax_a, ax_b, strict=True)
    ):
        msg = "shape-mismatch for sum"
        raise ValueError(msg)
    la = _LETTERS[: len(sa)]
    extra = iter(_LETTERS[len(sa) :])
    lb = "".join(la[ax_a[ax_b.index(j)]] if j in ax_b else next(extra) for j in range(len(sb)))
    o = "".join(c for k, c in enumerate(la) if k not in ax_a)
    o += "".join(c for k, c in enumerate(lb) if k not in ax_b)
    return einsum(f"{la},{lb}->{o}", a, b)


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """``numpy.tensordot``: sum the products over the last ``axes`` axes of ``a`` and the
    first of ``b`` (an int), or over the axes ``axes[0]`` of ``a`` and ``axes[1]`` of ``b``
    (a pair); differentiable through `einsum`."""
    if not _any_bvar(a, b):
        return np.tensordot(a, b, axes)
    na, nb = _ndim(a), _ndim(b)
    if isinstance(axes, int | np.integer):
        n = int(axes)
        if not 0 <= n <= builtins.min(na, nb):
            msg = "shape-mismatch for sum"
            raise ValueError(msg)
        return _contract(a, b, list(range(na - n, na)), list(range(n)))
    xa, xb = axes
    xa = list(xa) if isinstance(xa, tuple | list) else [xa]
    xb = list(xb) if isinstance(xb, tuple | list) else [xb]
    return _contract(a, b, [_neg_axis(k, na) % na for k in xa], [_neg_axis(k, nb) % nb for k in xb])


def inner(a: Any, b: Any, /) -> Any:
    """``numpy.inner``: the sum of products over the last axes (a scalar operand
    multiplies), differentiable through `einsum`."""
    if not _any_bvar(a, b):
        return np.inner(a, b)
    na, nb = _ndim(a), _ndim(b)
    if na == 0 or nb == 0:
        return a * b
    sa, sb = _shape(a), _shape(b)
    if sa[-1] != sb[-1]:
        msg = (
            f"shapes {sa} and {sb} not aligned: {sa[-1]} (dim {na - 1}) != {sb[-1]} (dim {nb - 1})"
        )
        raise ValueError(msg)
    return _contract(a, b, [na - 1], [nb - 1])


def kron(a: Any, b: Any) -> Any:
    """``numpy.kron``, the Kronecker product (the operand with fewer dims is padded with
    leading 1s), differentiable through `einsum`."""
    if not _any_bvar(a, b):
        return np.kron(a, b)
    a, b = _arr(a), _arr(b)
    sa, sb = _shape(a), _shape(b)
    nd = builtins.max(len(sa), len(sb))
    pa = (1,) * (nd - len(sa)) + sa
    pb = (1,) * (nd - len(sb)) + sb
    la, lb = _LETTERS[:nd], _LETTERS[nd : 2 * nd]
    prod_ = einsum(
        f"{la},{lb}->{''.join(x + y for x, y in zip(la, lb, strict=True))}",
        reshape(a, pa),
        reshape(b, pb),
    )
    return reshape(prod_, tuple(x * y for x, y in zip(pa, pb, strict=True)))


def cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None
) -> Any:
    """``numpy.cross`` of 3-vectors along ``axisa``/``axisb`` (broadcast over the other
    axes), the result's vectors along ``axisc`` (``axis`` sets all three). On BVars only
    3-vectors (numpy deprecates 2-vectors)."""
    if not _any_bvar(a, b):
        return np.cross(a, b, axisa, axisb, axisc, axis)
    a, b = _arr(a), _arr(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    am = _moveaxis(a, _neg_axis(axisa, _ndim(a)), -1)
    bm = _moveaxis(b, _neg_axis(axisb, _ndim(b)), -1)
    if _shape(am)[-1] != 3 or _shape(bm)[-1] != 3:
        msg = "cross: on BVars both vectors must have 3 components"
        raise ValueError(msg)
    a0, a1, a2 = (take_index(am, (Ellipsis, k)) for k in range(3))
    b0, b1, b2 = (take_index(bm, (Ellipsis, k)) for k in range(3))
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return _moveaxis(c, -1, _neg_axis(axisc, _ndim(c)))


def gradient(
    f: Any, *varargs: Any, axis: int | Sequence[int] | None = None, edge_order: Literal[1, 2] = 1
) -> Any:
    """``numpy.gradient`` with uniform spacings: central differences inside, one-sided ones
    (first or second order, ``edge_order``) at the edges; a list of arrays for several
    axes, as numpy. On BVars the spacings are numbers (numpy's coordinate arrays are refused).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.sum(anp.gradient(v) * np.arange(4.0)), np.zeros(4))
        array([-0.5, -1. , -2.5,  4. ])
    """
    if not _any_bvar(f, *varargs):
        return np.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    nd = _ndim(f)
    axes = list(range(nd)) if axis is None else [axis] if isinstance(axis, int) else list(axis)
    axes = [_neg_axis(a, nd) for a in axes]
    if len(varargs) == 0:
        steps: list[Any] = [1.0] * len(axes)
    elif len(varargs) == 1 and _ndim(varargs[0]) == 0:
        steps = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes) and builtins.all(_ndim(h) == 0 for h in varargs):
        steps = list(varargs)
    else:
        msg = "gradient: on BVars give the spacing as numbers (one, or one per axis)"
        raise NotImplementedError(msg)
    if edge_order not in (1, 2):
        msg = "gradient: edge_order must be 1 or 2"
        raise ValueError(msg)
    outs = [_gradient_along(f, a, h, edge_order) for a, h in zip(axes, steps, strict=True)]
    return outs[0] if len(outs) == 1 else tuple(outs)


def _gradient_along(f: Any, axis: int, h: Any, edge_order: int) -> Any:
    g = _moveaxis(f, axis, 0)
    n = _shape(g)[0]
    if n < edge_order + 1:
        msg = (
            "Shape of array too small to calculate a numerical gradient, at least "
            "(edge_order + 1) elements are required."
        )
        raise ValueError(msg)

    def at(i: Any) -> Any:
        return take_index(g, i)

    inner = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * h)
    if edge_order == 1:
        first = (at(1) - at(0)) / h
        last = (at(n - 1) - at(n - 2)) / h
    else:
        first = (-1.5 * at(0) + 2.0 * at(1) - 0.5 * at(2)) / h
        last = (0.5 * at(n - 3) - 2.0 * at(n - 2) + 1.5 * at(n - 1)) / h
    out = concatenate([expand_dims(first, 0), inner, expand_dims(last, 0)], axis=0)
    return _moveaxis(out, 0, axis)


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """``numpy.select``: where the first true condition picks its choice, else ``default``;
    differentiable in the choices and ``default`` (conditions are plain).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> x = np.array([-1.0, 0.5, 2.0])
        >>> ad.grad_bp(lambda v: anp.sum(anp.select([x < 0, x < 1], [v, 3 * v], v * v)), x)
        array([1., 3., 4.])
    """
    if not _any_bvar(*condlist, *choicelist, default):
        return np.select([plain(c) for c in condlist], list(choicelist), default)
    if len(condlist) != len(choicelist):
        msg = "list of cases must be same length as list of conditions"
        raise ValueError(msg)
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist), strict=True):
        out = where(plain(cond), choice, out)
    return out


# ----- tests of values: plain results, BVar arguments read as their values -----


def allclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """``numpy.allclose`` of plain values or BVars' values (no gradient)."""
    return bool(np.allclose(_plain_arr(a), _plain_arr(b), rtol, atol, equal_nan))


def isclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    """``numpy.isclose`` of plain values or BVars' values (no gradient)."""
    return np.isclose(_plain_arr(a), _plain_arr(b), rtol, atol, equal_nan)


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> bool:
    """``numpy.array_equal`` of plain values or BVars' values (no gradient)."""
    return bool(np.array_equal(_plain_arr(a1), _plain_arr(a2), equal_nan=equal_nan))


def iscomplex(x: Any) -> Any:
    """``numpy.iscomplex`` of a plain value or a BVar's value."""
    return np.iscomplex(_plain_arr(x))


def isreal(x: Any) -> Any:
    """``numpy.isreal`` of a plain value or a BVar's value."""
    return np.isreal(_plain_arr(x))


def iscomplexobj(x: Any) -> bool:
    """``numpy.iscomplexobj`` of a plain value or a BVar's value."""
    return bool(np.iscomplexobj(_plain_arr(x)))


def isrealobj(x: Any) -> bool:
    """``numpy.isrealobj`` of a plain value or a BVar's value."""
    return bool(np.isrealobj(_plain_arr(x)))


def _plain_arr(x: Any) -> Any:
    # a BVar's value, or a sequence holding BVars as the array of their values
    if type(x) is list or type(x) is tuple:
        return np.array([_plain_arr(e) for e in x])
    return plain(x)


# BVar's methods (v.sum(), v.T, v @ w, v ** w...) call these: optic_ad.bvar sits below
# this module, so it is told of them here rather than importing them.
_hooks = NUMPY_HOOKS
_hooks.abs = abs
_hooks.array = array
_hooks.matmul = matmul
_hooks.mean = mean
_hooks.power = power
_hooks.ravel = ravel
_hooks.remainder = remainder
_hooks.reshape = reshape
_hooks.squeeze = squeeze
_hooks.sum = sum
_hooks.take_index = take_index
_hooks.transpose = transpose
_hooks.unbroadcast = unbroadcast
