"""Lifted numpy: numpy-named functions that work on plain values and on BVars.

``import optic_ad.numpy as np`` is a drop-in namespace for autograd-style code: the
differentiable functions, numpy's constants and dtypes, ``newaxis``, ``random``, the
non-differentiable functions (they unwrap BVars and return plain values), and the
submodules `optic_ad.numpy.linalg` and `optic_ad.numpy.fft`.

On plain values each function returns what numpy returns (elementwise functions keep a
Python ``float`` a ``float``). On a BVar each records one node whose backward rule is
written with these same lifted functions, so it can be differentiated again.

    >>> import optic_ad as ad
    >>> from optic_ad import numpy as anp
    >>> ad.grad_bp(lambda v: anp.sum(anp.sin(v)), 0.0)
    1.0
"""

from optic_ad.numpy import core, dispatch, fft, linalg  # noqa: F401  (dispatch: see bvar.NUMPY_HOOKS)
from optic_ad.numpy.core import *  # noqa: F403  (the lifted functions: core.__all__)

__all__ = [*core.__all__, "fft", "linalg"]
