"""Plain numpy on a BVar: numpy's dispatch protocols route to the lifted functions.

``BVar.__array_ufunc__`` and ``BVar.__array_function__`` look the numpy function up in
the tables below (keyed by the numpy object itself, never by name) and call the lifted
function, so ``np.sin(v)``, ``np.sum(v)``, ``np.hstack([v, w])`` or ``array * v`` record
one node, exactly as ``anp.sin(v)`` does. A numpy function with no lifted version raises a
``TypeError`` naming it, never an object array of BVars.

    >>> import numpy as np, optic_ad as ad
    >>> ad.grad_bp(lambda v: np.sum(np.sin(v)), np.zeros(2))
    array([1., 1.])

Add an entry for a function of your own with [`register_function`][optic_ad.numpy.dispatch.register_function] (numpy functions)
or [`register_ufunc`][optic_ad.numpy.dispatch.register_ufunc] (ufuncs, e.g. ``scipy.special``'s).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import optic_ad.numpy.core as core
import optic_ad.numpy.fft as fft
import optic_ad.numpy.linalg as linalg
from optic_ad.bvar import NUMPY_HOOKS, BVar, plain

__all__ = ["array_function", "array_ufunc", "register_function", "register_ufunc"]


# numpy's arithmetic ufuncs go to BVar's operator methods: the lifted ``add`` is ``x + y``,
# which for ``ndarray + BVar`` would come back here through ndarray.__add__.
def _add(a: Any, b: Any) -> Any:
    return a.__add__(b) if type(a) is BVar else b.__radd__(a)


def _subtract(a: Any, b: Any) -> Any:
    return a.__sub__(b) if type(a) is BVar else b.__rsub__(a)


def _multiply(a: Any, b: Any) -> Any:
    return a.__mul__(b) if type(a) is BVar else b.__rmul__(a)


def _divide(a: Any, b: Any) -> Any:
    return a.__truediv__(b) if type(a) is BVar else b.__rtruediv__(a)


def _power(a: Any, b: Any) -> Any:
    return a.__pow__(b) if type(a) is BVar else b.__rpow__(a)


def _positive(a: Any) -> Any:
    return a


def _plain_ufunc(ufunc: np.ufunc) -> Callable[..., Any]:
    # comparisons, logical and bitwise ufuncs: plain results, no gradient (as BVar's ``<``)
    def call(*args: Any) -> Any:
        return ufunc(*[plain(a) for a in args])

    return call


# (tables built in functions: mypy defers function bodies across the bvar <-> numpy cycle)
def _ufuncs() -> dict[np.ufunc, Callable[..., Any]]:
    table: dict[np.ufunc, Callable[..., Any]] = {
        np.add: _add,
        np.subtract: _subtract,
        np.multiply: _multiply,
        np.true_divide: _divide,
        np.power: _power,
        np.negative: core.negative,
        np.positive: _positive,
        np.absolute: core.absolute,
        np.arccos: core.arccos,
        np.arccosh: core.arccosh,
        np.arcsin: core.arcsin,
        np.arcsinh: core.arcsinh,
        np.arctan: core.arctan,
        np.arctan2: core.arctan2,
        np.arctanh: core.arctanh,
        np.cbrt: core.cbrt,
        np.ceil: core.ceil,
        np.conjugate: core.conjugate,
        np.copysign: core.copysign,
        np.cos: core.cos,
        np.cosh: core.cosh,
        np.deg2rad: core.deg2rad,
        np.degrees: core.degrees,
        np.exp: core.exp,
        np.exp2: core.exp2,
        np.expm1: core.expm1,
        np.fabs: core.fabs,
        np.floor: core.floor,
        np.floor_divide: core.floor_divide,
        np.fmax: core.fmax,
        np.fmin: core.fmin,
        np.fmod: core.fmod,
        np.hypot: core.hypot,
        np.isfinite: core.isfinite,
        np.isinf: core.isinf,
        np.isnan: core.isnan,
        np.log: core.log,
        np.log1p: core.log1p,
        np.log2: core.log2,
        np.log10: core.log10,
        np.logaddexp: core.logaddexp,
        np.logaddexp2: core.logaddexp2,
        np.matmul: core.matmul,
        np.maximum: core.maximum,
        np.minimum: core.minimum,
        np.remainder: core.remainder,
        np.rad2deg: core.rad2deg,
        np.radians: core.radians,
        np.reciprocal: core.reciprocal,
        np.rint: core.rint,
        np.sign: core.sign,
        np.sin: core.sin,
        np.sinh: core.sinh,
        np.sqrt: core.sqrt,
        np.square: core.square,
        np.tan: core.tan,
        np.tanh: core.tanh,
        np.trunc: core.trunc,
    }
    table.update(
        (u, _plain_ufunc(u))
        for u in (
            np.equal,
            np.not_equal,
            np.less,
            np.less_equal,
            np.greater,
            np.greater_equal,
            np.logical_and,
            np.logical_or,
            np.logical_xor,
            np.logical_not,
            np.signbit,
            np.bitwise_and,
            np.bitwise_or,
            np.bitwise_xor,
            np.invert,
        )
    )
    return table


UFUNCS = _ufuncs()


# ``ufunc.reduce`` and ``ufunc.accumulate``: the lifted reduction (numpy's default axis 0)
def _reduce() -> dict[np.ufunc, Callable[..., Any]]:
    return {np.add: core.sum, np.multiply: core.prod, np.maximum: core.max, np.minimum: core.min}


def _accumulate() -> dict[np.ufunc, Callable[..., Any]]:
    return {np.add: core.cumsum, np.multiply: core.cumprod}


_REDUCE = _reduce()
_ACCUMULATE = _accumulate()


def _functions() -> dict[Callable[..., Any], Callable[..., Any]]:
    table: dict[Callable[..., Any], Callable[..., Any]] = {
        np.all: core.all,
        np.amax: core.amax,
        np.amin: core.amin,
        np.angle: core.angle,
        np.any: core.any,
        np.append: core.append,
        np.argmax: core.argmax,
        np.argmin: core.argmin,
        np.argsort: core.argsort,
        np.argwhere: core.argwhere,
        np.array_split: core.array_split,
        np.atleast_1d: core.atleast_1d,
        np.atleast_2d: core.atleast_2d,
        np.atleast_3d: core.atleast_3d,
        np.average: core.average,
        np.broadcast_to: core.broadcast_to,
        np.clip: core.clip,
        np.column_stack: core.column_stack,
        np.concatenate: core.concatenate,
        np.count_nonzero: core.count_nonzero,
        np.cross: core.cross,
        np.cumprod: core.cumprod,
        np.cumsum: core.cumsum,
        np.diag: core.diag,
        np.diagonal: core.diagonal,
        np.diff: core.diff,
        np.dot: core.dot,
        np.dsplit: core.dsplit,
        np.dstack: core.dstack,
        np.einsum: core.einsum,
        np.empty_like: core.empty_like,
        np.expand_dims: core.expand_dims,
        np.flip: core.flip,
        np.fliplr: core.fliplr,
        np.flipud: core.flipud,
        np.full_like: core.full_like,
        np.gradient: core.gradient,
        np.hsplit: core.hsplit,
        np.hstack: core.hstack,
        np.imag: core.imag,
        np.inner: core.inner,
        np.kron: core.kron,
        np.max: core.max,
        np.mean: core.mean,
        np.min: core.min,
        np.moveaxis: core.moveaxis,
        np.nan_to_num: core.nan_to_num,
        np.nanmean: core.nanmean,
        np.nansum: core.nansum,
        np.ndim: core.ndim,
        np.nonzero: core.nonzero,
        np.ones_like: core.ones_like,
        np.outer: core.outer,
        np.pad: core.pad,
        np.partition: core.partition,
        np.prod: core.prod,
        np.ravel: core.ravel,
        np.real: core.real,
        np.real_if_close: core.real_if_close,
        np.repeat: core.repeat,
        np.reshape: core.reshape,
        np.roll: core.roll,
        np.rollaxis: core.rollaxis,
        np.rot90: core.rot90,
        np.round: core.round,
        np.around: core.round,
        np.searchsorted: core.searchsorted,
        np.select: core.select,
        np.shape: core.shape,
        np.sinc: core.sinc,
        np.size: core.size,
        np.sort: core.sort,
        np.split: core.split,
        np.squeeze: core.squeeze,
        np.stack: core.stack,
        np.std: core.std,
        np.sum: core.sum,
        np.swapaxes: core.swapaxes,
        np.take: core.take,
        np.tensordot: core.tensordot,
        np.tile: core.tile,
        np.trace: core.trace,
        np.transpose: core.transpose,
        np.tril: core.tril,
        np.triu: core.triu,
        np.var: core.var,
        np.vsplit: core.vsplit,
        np.vstack: core.vstack,
        np.where: core.where,
        np.zeros_like: core.zeros_like,
    }
    table.update(
        {
            np.linalg.cholesky: linalg.cholesky,
            np.linalg.cond: linalg.cond,
            np.linalg.cross: linalg.cross,
            np.linalg.det: linalg.det,
            np.linalg.diagonal: linalg.diagonal,
            np.linalg.eig: linalg.eig,
            np.linalg.eigh: linalg.eigh,
            np.linalg.eigvals: linalg.eigvals,
            np.linalg.eigvalsh: linalg.eigvalsh,
            np.linalg.inv: linalg.inv,
            np.linalg.lstsq: linalg.lstsq,
            np.linalg.matmul: linalg.matmul,
            np.linalg.matrix_norm: linalg.matrix_norm,
            np.linalg.matrix_power: linalg.matrix_power,
            np.linalg.matrix_rank: linalg.matrix_rank,
            np.linalg.matrix_transpose: linalg.matrix_transpose,
            np.linalg.multi_dot: linalg.multi_dot,
            np.linalg.norm: linalg.norm,
            np.linalg.outer: linalg.outer,
            np.linalg.pinv: linalg.pinv,
            np.linalg.qr: linalg.qr,
            np.linalg.slogdet: linalg.slogdet,
            np.linalg.solve: linalg.solve,
            np.linalg.svd: linalg.svd,
            np.linalg.svdvals: linalg.svdvals,
            np.linalg.tensordot: linalg.tensordot,
            np.linalg.tensorinv: linalg.tensorinv,
            np.linalg.tensorsolve: linalg.tensorsolve,
            np.linalg.trace: linalg.trace,
            np.linalg.vecdot: linalg.vecdot,
            np.linalg.vector_norm: linalg.vector_norm,
            np.fft.fft: fft.fft,
            np.fft.fft2: fft.fft2,
            np.fft.fftn: fft.fftn,
            np.fft.fftshift: fft.fftshift,
            np.fft.ifft: fft.ifft,
            np.fft.ifft2: fft.ifft2,
            np.fft.ifftn: fft.ifftn,
            np.fft.ifftshift: fft.ifftshift,
            np.fft.irfft: fft.irfft,
            np.fft.irfft2: fft.irfft2,
            np.fft.irfftn: fft.irfftn,
            np.fft.rfft: fft.rfft,
            np.fft.rfft2: fft.rfft2,
            np.fft.rfftn: fft.rfftn,
        }
    )
    table.update(
        {
            np.allclose: core.allclose,
            np.isclose: core.isclose,
            np.array_equal: core.array_equal,
            np.iscomplexobj: core.iscomplexobj,
            np.isrealobj: core.isrealobj,
            np.iscomplex: core.iscomplex,
            np.isreal: core.isreal,
        }
    )
    return table


FUNCTIONS = _functions()


def register_ufunc(ufunc: Any, lifted: Callable[..., Any]) -> None:
    """Make ``ufunc(v)`` on a BVar call ``lifted`` (e.g. a ``scipy.special`` ufunc)."""
    UFUNCS[ufunc] = lifted


def register_function(fn: Callable[..., Any], lifted: Callable[..., Any]) -> None:
    """Make the numpy function ``fn(v, ...)`` on a BVar call ``lifted``."""
    FUNCTIONS[fn] = lifted


def _qualname(obj: Any) -> str:
    mod = getattr(obj, "__module__", None) or "numpy"
    return f"{mod}.{obj.__name__}"


def _unlifted(what: str) -> TypeError:
    return TypeError(
        f"{what} has no differentiable version in optic_ad, so it cannot take a BVar. "
        "Write it with optic_ad.numpy functions (import optic_ad.numpy as anp), or as a "
        "custom op (optic_ad.extend; docs: Custom types and ops); for a constant, pass "
        "v.value."
    )


def array_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``BVar.__array_ufunc__``: ``ufunc(*inputs)`` recorded with the lifted function."""
    name = _qualname(ufunc) if isinstance(ufunc, np.ufunc) else repr(ufunc)
    out = kwargs.pop("out", None)
    if out is not None and not (len(out) == 1 and out[0] is inputs[0]):
        msg = f"{name}(..., out=...) on a BVar: a BVar cannot be written into; drop out="
        raise TypeError(msg)
    # ``out`` is the first input: ``array += v``, whose result Python binds to the name
    if method == "__call__":
        fn = UFUNCS.get(ufunc)
        if fn is None:
            raise _unlifted(name)
        if kwargs:
            msg = f"{name} on a BVar takes no keyword arguments (got {sorted(kwargs)})"
            raise TypeError(msg)
        return fn(*inputs)
    if method == "reduce" and ufunc in _REDUCE:
        kw = {"axis": kwargs.pop("axis", 0), "keepdims": kwargs.pop("keepdims", False)}
        if kwargs:
            msg = f"{name}.reduce on a BVar takes only axis and keepdims (got {sorted(kwargs)})"
            raise TypeError(msg)
        return _REDUCE[ufunc](*inputs, **kw)
    if method == "accumulate" and ufunc in _ACCUMULATE and set(kwargs) <= {"axis"}:
        return _ACCUMULATE[ufunc](*inputs, axis=kwargs.get("axis", 0))
    if method == "outer" and ufunc in UFUNCS and not kwargs and len(inputs) == 2:
        a, b = inputs
        nb = np.ndim(plain(b))
        return UFUNCS[ufunc](core.reshape(a, np.shape(plain(a)) + (1,) * nb), b)
    raise _unlifted(f"{name}.{method}")


def array_function(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``BVar.__array_function__``: ``fn(*args, **kwargs)`` recorded with the lifted one."""
    lifted = FUNCTIONS.get(fn)
    if lifted is None:
        raise _unlifted(_qualname(fn))
    return lifted(*args, **kwargs)


# numpy's protocols on a BVar (np.sin(v), np.sum(v)) land here (see optic_ad.bvar.NUMPY_HOOKS)
NUMPY_HOOKS.array_ufunc = array_ufunc
NUMPY_HOOKS.array_function = array_function
