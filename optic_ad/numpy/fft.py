"""Lifted ``numpy.fft``: the same names and signatures as numpy's, differentiable on BVars.

On plain values each function is numpy's own. On a BVar the 1-d transforms (``fft``,
``ifft``, ``rfft``, ``irfft``) each record one node, and the 2-d and n-d ones are the same
sequence of 1-d transforms numpy itself runs (so the values are numpy's, and repeated axes
work); ``fftshift``/``ifftshift`` are `optic_ad.numpy.roll`. Complex values follow
autograd's convention (see `optic_ad.numpy.core`): the cotangent of ``z = x + iy`` is
``dL/dx - 1j dL/dy``, and a real input gets the real part of its cotangent.

The rules, for a transform along one axis with ``n`` points and ``norm``:

* ``fft``/``ifft``: the same transform of the cotangent (the DFT matrix is symmetric), cut
  or zero-padded back to the input's length (the adjoint of numpy's pad-or-cut to ``n``);
* ``rfft``: ``irfft(conj(g) * w, n, norm=swapped)``, ``w`` 1 at the zero frequency (and at
  the Nyquist frequency for even ``n``) and 1/2 elsewhere, the bins ``irfft`` counts twice;
* ``irfft``: ``conj(rfft(re(g), n, norm=swapped)) / w``, the adjoint of the above.

The rules are written with these same lifted functions (and ``conj``, ``real``), on
negative axes, so they differentiate again and take batched cotangents (``jacobian`` and
``hessian`` pull back in one pass).

Examples:
    >>> import numpy as np, optic_ad as ad
    >>> from optic_ad import numpy as anp
    >>> x = np.array([1.0, 2.0, 0.0, -1.0])
    >>> ad.grad_bp(lambda v: anp.sum(anp.abs(anp.fft.fft(v)) ** 2), x)  # Parseval: 2 n x
    array([ 8., 16.,  0., -8.])
    >>> ad.grad_bp(lambda v: anp.sum(anp.fft.irfft(anp.fft.rfft(v), n=4) * x), x)
    array([ 1.,  2.,  0., -1.])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from optic_ad.bvar import BVar, Prim, lift, plain
from optic_ad.numpy.core import asarray, conj, real, roll, shape

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]

Norm = Literal["backward", "ortho", "forward"] | None
Axes = Sequence[int] | None
Shape = Sequence[int] | None

# numpy untyped: its stubs want literal norms and arrays, not our Any-typed values
_npfft: Any = np.fft

# the norm whose scale factor for a transform the other way round is the same
_SWAP: dict[str | None, str] = {
    None: "forward",
    "backward": "forward",
    "ortho": "ortho",
    "forward": "backward",
}


# ----- helpers: axes, complex parts, cutting and padding -----


def _axis(axis: int, nd: int) -> int:
    """``axis`` as a negative axis (leading batch dims of a cotangent do not shift it)."""
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(axis, nd)
    return axis - nd if axis >= 0 else axis


def _is_complex(x: Any) -> bool:
    return bool(np.iscomplexobj(plain(x)))


def _re(g: Any) -> Any:
    # the cotangent of a real value: only its real part counts
    return real(g) if _is_complex(g) else g


def _match(x: Any, g: Any) -> Any:
    """The cotangent ``g`` of ``x``: its real part when ``x`` is real."""
    return g if _is_complex(x) else _re(g)


def _fit_fwd(x: Any, *, axis: int, size: int) -> Any:
    length = x.shape[axis]
    tail = (slice(None),) * (-axis - 1)
    if size <= length:
        cut: Any = (..., slice(0, size), *tail)
        return x[cut].copy()
    out = np.zeros((*x.shape[:axis], size, *x.shape[x.ndim + axis + 1 :]), dtype=x.dtype)
    into: Any = (..., slice(0, length), *tail)
    out[into] = x
    return out


_FIT: Prim = Prim(
    "fft_fit",
    _fit_fwd,
    # cutting and zero-padding are each other's adjoints
    (lambda g, ans, x, *, axis, size: _fit(g, axis, shape(x)[axis]),),
    batch_safe=True,
    jvp="linear",
)


def _fit(x: Any, axis: int, size: int) -> Any:
    """``x`` cut or zero-padded to ``size`` along (negative) ``axis``, as numpy's ``n``."""
    if shape(x)[axis] == size:
        return x
    return lift(_FIT, (x,), {"axis": axis, "size": size})


def _weights(n: int, axis: int, outer: float, inner: float) -> Any:
    """A constant along an ``rfft`` output axis: ``outer`` at the zero frequency (and the
    Nyquist one for even ``n``), ``inner`` at the frequencies ``irfft`` counts twice."""
    w = np.full(n // 2 + 1, inner)
    w[0] = outer
    if n % 2 == 0:
        w[-1] = outer
    return w.reshape((-1,) + (1,) * (-axis - 1))


# ----- the 1-d primitives: axis negative, n resolved -----


def _c2c_vjp(inverse: bool) -> Any:
    def vjp(g: Any, ans: Any, x: Any, *, n: int, axis: int, norm: Norm) -> Any:
        back = _c2c(g, None, axis, norm, inverse)
        return _match(x, _fit(back, axis, shape(x)[axis]))

    return vjp


def _rfft_vjp(g: Any, ans: Any, x: Any, *, n: int, axis: int, norm: Norm) -> Any:
    h = conj(g) * _weights(n, axis, 1.0, 0.5)
    return _fit(_irfft1(h, n, axis, _SWAP[norm]), axis, shape(x)[axis])


def _irfft_vjp(g: Any, ans: Any, x: Any, *, n: int, axis: int, norm: Norm) -> Any:
    r = conj(_rfft1(_re(g), n, axis, _SWAP[norm])) * _weights(n, axis, 1.0, 2.0)
    return _match(x, _fit(r, axis, shape(x)[axis]))


_FFT = Prim(
    "fft",
    lambda x, *, n, axis, norm: _npfft.fft(x, n, axis, norm),
    (_c2c_vjp(False),),
    batch_safe=True,
    jvp="linear",
)
_IFFT = Prim(
    "ifft",
    lambda x, *, n, axis, norm: _npfft.ifft(x, n, axis, norm),
    (_c2c_vjp(True),),
    batch_safe=True,
    jvp="linear",
)
_RFFT = Prim(
    "rfft",
    lambda x, *, n, axis, norm: _npfft.rfft(x, n, axis, norm),
    (_rfft_vjp,),
    batch_safe=True,
    jvp="linear",
)
_IRFFT = Prim(
    "irfft",
    lambda x, *, n, axis, norm: _npfft.irfft(x, n, axis, norm),
    (_irfft_vjp,),
    batch_safe=True,
    jvp="linear",
)


def _c2c(a: Any, n: int | None, axis: int, norm: Norm, inverse: bool) -> Any:
    ax = _axis(axis, len(shape(a)))
    n = shape(a)[ax] if n is None else n
    return lift(_IFFT if inverse else _FFT, (a,), {"n": n, "axis": ax, "norm": norm})


def _rfft1(a: Any, n: int | None, axis: int, norm: Norm | str) -> Any:
    ax = _axis(axis, len(shape(a)))
    n = shape(a)[ax] if n is None else n
    return lift(_RFFT, (a,), {"n": n, "axis": ax, "norm": norm})


def _irfft1(a: Any, n: int | None, axis: int, norm: Norm | str) -> Any:
    ax = _axis(axis, len(shape(a)))
    n = 2 * (shape(a)[ax] - 1) if n is None else n
    return lift(_IRFFT, (a,), {"n": n, "axis": ax, "norm": norm})


# ----- the public functions -----


def _lifted(a: Any) -> Any:
    """``a`` as a BVar (a list holding BVars is stacked), or ``None`` for a plain value."""
    if type(a) is BVar:
        return a
    v = asarray(a) if isinstance(a, list | tuple) else a
    return v if type(v) is BVar else None


def _out(out: Any) -> dict[str, Any]:
    return {} if out is None else {"out": out}


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        msg = (
            f"optic_ad.numpy.fft.{name}: out= cannot hold a recorded value; use the result "
            "(out= works on plain arrays)"
        )
        raise TypeError(msg)


def _cook(a: Any, s: Shape, axes: Axes, invreal: bool = False) -> tuple[list[Any], list[int]]:
    # numpy's _cook_nd_args: the size and axis of each 1-d transform
    shp = shape(a)
    shapeless = s is None
    if s is None:
        s = list(shp) if axes is None else [shp[ax] for ax in axes]
    ss: list[Any] = list(s)
    if axes is None:
        if not shapeless:
            msg = (
                "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy 2.0). "
                "In a future version of NumPy, this will raise an error and `s[i]` will "
                "correspond to the size along the transformed axis specified by `axes[i]`. "
                "To retain current behaviour, pass a sequence [0, ..., k-1] to `axes` for "
                "an array of dimension k."
            )
            warnings.warn(msg, DeprecationWarning, stacklevel=3)
        axes = list(range(-len(ss), 0))
    ax = list(axes)
    if len(ss) != len(ax):
        msg = "Shape and axes have different lengths."
        raise ValueError(msg)
    if invreal and shapeless:
        ss[-1] = (shp[ax[-1]] - 1) * 2
    if None in ss:
        msg = (
            "Passing an array containing `None` values to `s` is deprecated in NumPy 2.0 and "
            "will raise an error in a future version of NumPy. To use the default behaviour "
            "of the corresponding 1-D transform, pass the value matching the default for "
            "its `n` parameter. To use the default behaviour for every axis, the `s` "
            "argument can be omitted."
        )
        warnings.warn(msg, DeprecationWarning, stacklevel=3)
    return [shp[a] if n == -1 else n for n, a in zip(ss, ax, strict=True)], ax


def fft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.fft``: the discrete Fourier transform along ``axis``, of ``n`` points
    (the input cut or zero-padded to ``n``).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(anp.fft.fft(v, n=3)[1]), np.array([1.0, 2.0]))
        array([ 1. , -0.5])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.fft(a, n, axis, norm, **_out(out))
    _no_out("fft", out)
    return _c2c(v, n, axis, norm, False)


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.ifft``: the inverse discrete Fourier transform along ``axis``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(anp.fft.ifft(v)[0]), np.array([1.0, 2.0]))
        array([0.5, 0.5])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.ifft(a, n, axis, norm, **_out(out))
    _no_out("ifft", out)
    return _c2c(v, n, axis, norm, True)


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.rfft``: the DFT of a real input, the ``n // 2 + 1`` non-negative
    frequencies.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.imag(anp.fft.rfft(v)[1]), np.array([1.0, 2.0, 3.0, 4.0]))
        array([ 0., -1.,  0.,  1.])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.rfft(a, n, axis, norm, **_out(out))
    _no_out("rfft", out)
    return _rfft1(v, n, axis, norm)


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.irfft``: the inverse of `rfft`, ``n`` real points (by default
    ``2 * (m - 1)`` for ``m`` input frequencies).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.fft.irfft(v)[0], np.array([1.0, 2.0, 3.0]))
        array([0.25, 0.5 , 0.25])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.irfft(a, n, axis, norm, **_out(out))
    _no_out("irfft", out)
    return _irfft1(v, n, axis, norm)


def _c2cn(a: Any, s: Shape, axes: Axes, norm: Norm, inverse: bool) -> Any:
    ss, ax = _cook(a, s, axes)
    for ii in range(len(ax) - 1, -1, -1):
        a = _c2c(a, ss[ii], ax[ii], norm, inverse)
    return a


def fftn(a: Any, s: Shape = None, axes: Axes = None, norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.fftn``: the n-dimensional DFT over ``axes`` (all by default), of shape
    ``s``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(anp.fft.fftn(v)[0, 0]), np.ones((2, 2)))
        array([[1., 1.],
               [1., 1.]])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.fftn(a, s, axes, norm, **_out(out))
    _no_out("fftn", out)
    return _c2cn(v, s, axes, norm, False)


def ifftn(a: Any, s: Shape = None, axes: Axes = None, norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.ifftn``: the n-dimensional inverse DFT over ``axes`` (all by default).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(anp.fft.ifftn(v)[0, 0]), np.ones((2, 2)))
        array([[0.25, 0.25],
               [0.25, 0.25]])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.ifftn(a, s, axes, norm, **_out(out))
    _no_out("ifftn", out)
    return _c2cn(v, s, axes, norm, True)


def fft2(a: Any, s: Shape = None, axes: Axes = (-2, -1), norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.fft2``: `fftn` over the last two axes by default.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(anp.fft.fft2(v)[1, 0]), np.ones((2, 2)))
        array([[ 1.,  1.],
               [-1., -1.]])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.fft2(a, s, axes, norm, **_out(out))
    _no_out("fft2", out)
    return _c2cn(v, s, axes, norm, False)


def ifft2(
    a: Any, s: Shape = None, axes: Axes = (-2, -1), norm: Norm = None, out: Any = None
) -> Any:
    """``numpy.fft.ifft2``: `ifftn` over the last two axes by default.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(anp.fft.ifft2(v)[0, 1]), np.ones((2, 2)))
        array([[ 0.25, -0.25],
               [ 0.25, -0.25]])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.ifft2(a, s, axes, norm, **_out(out))
    _no_out("ifft2", out)
    return _c2cn(v, s, axes, norm, True)


def _rfftn(a: Any, s: Shape, axes: Axes, norm: Norm) -> Any:
    ss, ax = _cook(a, s, axes)
    a = _rfft1(a, ss[-1], ax[-1], norm)
    for ii in range(len(ax) - 2, -1, -1):
        a = _c2c(a, ss[ii], ax[ii], norm, False)
    return a


def _irfftn(a: Any, s: Shape, axes: Axes, norm: Norm) -> Any:
    ss, ax = _cook(a, s, axes, invreal=True)
    for ii in range(len(ax) - 1):
        a = _c2c(a, ss[ii], ax[ii], norm, True)
    return _irfft1(a, ss[-1], ax[-1], norm)


def rfftn(a: Any, s: Shape = None, axes: Axes = None, norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.rfftn``: `rfft` over the last of ``axes``, then `fft` over
    the others.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(anp.fft.rfftn(v)[0, 0]), np.ones((2, 3)))
        array([[1., 1., 1.],
               [1., 1., 1.]])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.rfftn(a, s, axes, norm, **_out(out))
    _no_out("rfftn", out)
    return _rfftn(v, s, axes, norm)


def irfftn(a: Any, s: Shape = None, axes: Axes = None, norm: Norm = None, out: Any = None) -> Any:
    """``numpy.fft.irfftn``: the inverse of `rfftn`.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.fft.irfftn(v)[0, 0], np.ones((2, 2)))
        array([[0.25, 0.25],
               [0.25, 0.25]])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.irfftn(a, s, axes, norm, **_out(out))
    _no_out("irfftn", out)
    return _irfftn(v, s, axes, norm)


def rfft2(
    a: Any, s: Shape = None, axes: Axes = (-2, -1), norm: Norm = None, out: Any = None
) -> Any:
    """``numpy.fft.rfft2``: `rfftn` over the last two axes by default.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.real(anp.fft.rfft2(v)[1, 1]), np.ones((2, 2)))
        array([[ 1., -1.],
               [-1.,  1.]])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.rfft2(a, s, axes, norm, **_out(out))
    _no_out("rfft2", out)
    return _rfftn(v, s, axes, norm)


def irfft2(
    a: Any, s: Shape = None, axes: Axes = (-2, -1), norm: Norm = None, out: Any = None
) -> Any:
    """``numpy.fft.irfft2``: `irfftn` over the last two axes by default.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.fft.irfft2(v)[0, 0], np.ones((2, 2)))
        array([[0.25, 0.25],
               [0.25, 0.25]])
    """
    v = _lifted(a)
    if v is None:
        return _npfft.irfft2(a, s, axes, norm, **_out(out))
    _no_out("irfft2", out)
    return _irfftn(v, s, axes, norm)


def _shifts(a: Any, axes: int | Sequence[int] | None, sign: int) -> Any:
    shp = shape(a)
    if axes is None:
        axes = tuple(range(len(shp)))
    if isinstance(axes, int):
        return roll(a, sign * (shp[axes] // 2), axes)
    return roll(a, [sign * (shp[ax] // 2) for ax in axes], axes)


def fftshift(x: Any, axes: int | Sequence[int] | None = None) -> Any:
    """``numpy.fft.fftshift``: the zero frequency moved to the centre (a roll).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.fft.fftshift(v)[0], np.array([1.0, 2.0, 3.0]))
        array([0., 0., 1.])
    """
    v = _lifted(x)
    if v is None:
        return _npfft.fftshift(x, axes)
    return _shifts(v, axes, 1)


def ifftshift(x: Any, axes: int | Sequence[int] | None = None) -> Any:
    """``numpy.fft.ifftshift``: the inverse of `fftshift`.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.fft.ifftshift(v)[0], np.array([1.0, 2.0, 3.0]))
        array([0., 1., 0.])
    """
    v = _lifted(x)
    if v is None:
        return _npfft.ifftshift(x, axes)
    return _shifts(v, axes, -1)


def fftfreq(n: int, d: float = 1.0, device: Any = None) -> Any:
    """``numpy.fft.fftfreq`` (no gradient: a BVar ``d`` is taken as its value)."""
    return _npfft.fftfreq(n, plain(d), **({} if device is None else {"device": device}))


def rfftfreq(n: int, d: float = 1.0, device: Any = None) -> Any:
    """``numpy.fft.rfftfreq`` (no gradient: a BVar ``d`` is taken as its value)."""
    return _npfft.rfftfreq(n, plain(d), **({} if device is None else {"device": device}))
