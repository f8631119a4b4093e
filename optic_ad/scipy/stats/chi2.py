"""The chi-squared distribution, as ``scipy.stats.chi2``: ``logpdf`` and ``pdf``
differentiable in ``x``, ``df`` (any positive real), ``loc`` and ``scale``; ``cdf`` in
``x``, ``loc`` and ``scale`` (``df`` is a constant there, as in autograd).

On plain values each function is scipy's. On BVars the standard distribution's functions of
``z = (x - loc) / scale`` are primitives computed by scipy, with rules written with lifted
functions; ``loc`` and ``scale`` come in through lifted arithmetic.
"""

from __future__ import annotations

import math
from typing import Any

import scipy.stats

from optic_ad import numpy as anp
from optic_ad.extend import Prim, lift
from optic_ad.scipy.special import digamma
from optic_ad.scipy.stats._common import KW, any_bvar, constant, log_scale, standardize, ub

__all__ = ["cdf", "logpdf", "pdf"]

_chi2 = scipy.stats.chi2
_HALF_LOG2 = 0.5 * math.log(2.0)


def _dz(z: Any, df: Any) -> Any:
    return (0.5 * df - 1.0) / z - 0.5


def _ddf(z: Any, df: Any) -> Any:
    return 0.5 * anp.log(z) - _HALF_LOG2 - 0.5 * digamma(0.5 * df)


_LOGPDF = Prim(
    "chi2.logpdf",
    _chi2.logpdf,
    (
        lambda g, ans, z, df: ub(g * _dz(z, df), z, ans),
        lambda g, ans, z, df: ub(g * _ddf(z, df), df, ans),
    ),
    batch_safe=True,
)
_PDF = Prim(
    "chi2.pdf",
    _chi2.pdf,
    (
        lambda g, ans, z, df: ub(g * ans * _dz(z, df), z, ans),
        lambda g, ans, z, df: ub(g * ans * _ddf(z, df), df, ans),
    ),
    batch_safe=True,
)
_CDF = Prim(
    "chi2.cdf",
    _chi2.cdf,
    (lambda g, ans, z, df: ub(g * lift(_PDF, (z, df), KW), z, ans), None),
    batch_safe=True,
)


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density of the chi-squared distribution with ``df`` degrees of freedom.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> ad.grad_bp(lambda x: stats.chi2.logpdf(x, 4.0), 2.0)  # (df/2 - 1) / x - 1/2
        0.0
    """
    if not any_bvar(x, df, loc, scale):
        return _chi2.logpdf(x, df, loc, scale)
    return lift(_LOGPDF, (standardize(x, loc, scale), df), KW) - log_scale(scale)


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density of the chi-squared distribution with ``df`` degrees of freedom.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda x: stats.chi2.pdf(x, 2.0), 2.0)), 6)  # -exp(-x/2) / 4
        -0.09197
    """
    if not any_bvar(x, df, loc, scale):
        return _chi2.pdf(x, df, loc, scale)
    return lift(_PDF, (standardize(x, loc, scale), df), KW) / scale


def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function; ``df`` is a constant.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda x: stats.chi2.cdf(x, 2.0), 0.0)), 6)
        0.5
    """
    if not any_bvar(x, df, loc, scale):
        return _chi2.cdf(x, df, loc, scale)
    constant("chi2.cdf", "degrees of freedom df", df)
    return lift(_CDF, (standardize(x, loc, scale), df), KW)
