"""Lifted ``scipy.signal``: the same names and signatures as scipy's, differentiable on BVars.

`convolve` is N-dimensional convolution in the modes ``full``, ``same`` and ``valid``.
Its VJPs are convolutions too (the output cotangent, zero-padded to the ``full`` shape,
convolved in ``valid`` mode with the other operand flipped), recorded with this same
function, so they differentiate again; they accept extra leading (batch) dimensions on the
cotangent, so Jacobians and Hessians take the one-pass batched seed.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.signal

from optic_ad import numpy as anp
from optic_ad.bvar import BVar, plain
from optic_ad.extend import Prim, lift

__all__ = ["convolve"]

Mode = Literal["full", "valid", "same"]
Method = Literal["auto", "direct", "fft"]


def _fwd(a: Any, b: Any, *, mode: Mode, method: Method) -> Any:
    return scipy.signal.convolve(a, b, mode=mode, method=method)


def _start(na: int, nb: int, mode: Mode) -> int:
    """Where, along one axis, the ``mode`` output starts inside the ``full`` one (scipy
    centres ``same`` and ``valid`` in it)."""
    if mode == "full":
        return 0
    if mode == "same":
        return (nb - 1) // 2
    return min(na, nb) - 1


def _vjp(other: Any, g: Any, a: Any, b: Any, mode: Mode, method: Method) -> Any:
    # The cotangent of one operand: g (batch dims first) padded into the full output, then
    # correlated with the other operand, i.e. convolved in valid mode with it flipped. The
    # flipped operand gets leading 1s for g's batch dims (a convolution with length 1 there).
    sa, sb = anp.shape(a), anp.shape(b)
    d = len(sa)
    gs = anp.shape(g)
    k = len(gs) - d
    widths = [(0, 0)] * k
    for na, nb, no in zip(sa, sb, gs[k:], strict=True):
        lo = _start(na, nb, mode)
        widths.append((lo, na + nb - 1 - no - lo))
    if any(w != (0, 0) for w in widths):
        g = anp.pad(g, widths)
    flipped = anp.flip(other, axis=tuple(range(d))) if d else other
    kernel = anp.reshape(flipped, (1,) * k + anp.shape(other))
    return convolve(g, kernel, mode="valid", method=method)


_CONVOLVE = Prim(
    "convolve",
    _fwd,
    (
        lambda g, ans, a, b, *, mode, method: _vjp(b, g, a, b, mode, method),
        lambda g, ans, a, b, *, mode, method: _vjp(a, g, a, b, mode, method),
    ),
    batch_safe=True,
)


def convolve(in1: Any, in2: Any, mode: Mode = "full", method: Method = "auto") -> Any:
    """``scipy.signal.convolve``: the N-dimensional convolution of ``in1`` and ``in2``
    (arrays of the same number of dimensions), differentiable in both.

    Args:
        in1: the first input.
        in2: the second input, with as many dimensions as ``in1``.
        mode: ``"full"`` (every overlap), ``"same"`` (the size of ``in1``, centred on the
            full output) or ``"valid"`` (no zero padding: one input must be at least as
            large as the other along every axis).
        method: scipy's ``"auto"``, ``"direct"`` or ``"fft"``, used forward and backward.

    Returns:
        scipy's result: on plain inputs exactly what scipy returns, on BVars a BVar of it.

    Raises:
        NotImplementedError: complex inputs on BVars.
        ValueError: as scipy, for an unknown ``mode`` or ``method``, inputs of different
            dimensions, or ``valid`` mode where neither input is the larger one.

    Examples:
        >>> import numpy as np
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> x, k = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
        >>> convolve(x, k)
        array([0. , 1. , 2.5, 4. , 1.5])
        >>> ad.grad_bp(lambda v: anp.sum(convolve(v, k, mode="same") ** 2), x)
        array([4.5, 9. , 8. ])
    """
    a, b = anp.asarray(in1), anp.asarray(in2)
    if type(a) is not BVar and type(b) is not BVar:
        return scipy.signal.convolve(in1, in2, mode=mode, method=method)
    if mode not in ("full", "valid", "same"):
        msg = "acceptable mode flags are 'valid', 'same', or 'full'"
        raise ValueError(msg)
    if method not in ("auto", "direct", "fft"):
        msg = f"acceptable method flags are 'auto', 'direct', or 'fft'; got {method!r}"
        raise ValueError(msg)
    if any(np.iscomplexobj(plain(x)) for x in (a, b)):
        msg = "convolve: complex inputs are not differentiable here (real arrays only)"
        raise NotImplementedError(msg)
    if anp.ndim(a) != anp.ndim(b):
        msg = "in1 and in2 should have the same dimensionality"
        raise ValueError(msg)
    return lift(_CONVOLVE, (a, b), {"mode": mode, "method": method})
