"""The normal distribution, as ``scipy.stats.norm``: differentiable in ``x``, ``loc`` and
``scale`` (any mix of them BVars, broadcasting), at every order.

On plain values each function is scipy's. On BVars it is written with lifted functions of
``z = (x - loc) / scale``: the densities with ``exp`` and ``log``, the distribution
functions with `optic_ad.scipy.special.ndtr` and
`log_ndtr` (``sf(x) = ndtr(-z)``, accurate in the tails).
"""

from __future__ import annotations

import math
from typing import Any

import scipy.stats

from optic_ad import numpy as anp
from optic_ad.scipy.special import log_ndtr, ndtr
from optic_ad.scipy.stats._common import any_bvar, log_scale, standardize

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density ``-z**2 / 2 - log(sqrt(2 pi) scale)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> ad.grad_bp(lambda x: stats.norm.logpdf(x, 1.0, 2.0), 3.0)  # -(x - loc) / scale**2
        -0.5
    """
    if not any_bvar(x, loc, scale):
        return scipy.stats.norm.logpdf(x, loc, scale)
    z = standardize(x, loc, scale)
    return -0.5 * z * z - _LOG_SQRT_2PI - log_scale(scale)


def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density ``exp(-z**2 / 2) / (sqrt(2 pi) scale)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(stats.norm.pdf(0.0)), 6), round(float(ad.grad_bp(stats.norm.pdf, 1.0)), 6)
        (0.398942, -0.241971)
    """
    if not any_bvar(x, loc, scale):
        return scipy.stats.norm.pdf(x, loc, scale)
    z = standardize(x, loc, scale)
    return anp.exp(-0.5 * z * z) / _SQRT_2PI / scale


def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function ``ndtr(z)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> float(stats.norm.cdf(1.0, 1.0)), round(float(ad.grad_bp(stats.norm.cdf, 0.0)), 6)
        (0.5, 0.398942)
    """
    if not any_bvar(x, loc, scale):
        return scipy.stats.norm.cdf(x, loc, scale)
    return ndtr(standardize(x, loc, scale))


def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the distribution function, ``log_ndtr(z)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(stats.norm.logcdf, 0.0)), 6)  # pdf(0) / cdf(0)
        0.797885
    """
    if not any_bvar(x, loc, scale):
        return scipy.stats.norm.logcdf(x, loc, scale)
    return log_ndtr(standardize(x, loc, scale))


def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The survival function ``1 - cdf``, as ``ndtr(-z)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(stats.norm.sf, 0.0)), 6)
        -0.398942
    """
    if not any_bvar(x, loc, scale):
        return scipy.stats.norm.sf(x, loc, scale)
    return ndtr(-standardize(x, loc, scale))


def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the survival function, ``log_ndtr(-z)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(stats.norm.logsf, 0.0)), 6)
        -0.797885
    """
    if not any_bvar(x, loc, scale):
        return scipy.stats.norm.logsf(x, loc, scale)
    return log_ndtr(-standardize(x, loc, scale))
