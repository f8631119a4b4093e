"""Lifted ``numpy.fft``: the same names and signatures as numpy's, differentiable on BVars.

Rules are written with the lifted functions of :mod:`optic_ad.numpy.core`, so they
differentiate again.
"""

from __future__ import annotations

__all__: list[str] = []
