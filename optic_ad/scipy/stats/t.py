"""Student's t distribution, as ``scipy.stats.t``: ``logpdf`` and ``pdf`` differentiable in
``x``, ``df``, ``loc`` and ``scale``; ``cdf``, ``logcdf``, ``sf`` and ``logsf`` in ``x``,
``loc`` and ``scale`` (``df`` is a constant there, as in autograd).

On plain values each function is scipy's. On BVars the standard distribution's functions of
``z = (x - loc) / scale`` are primitives computed by scipy, whose rules are written with
lifted functions (`optic_ad.scipy.special.digamma` for ``df``); ``loc`` and
``scale`` come in through lifted arithmetic.
"""

from __future__ import annotations

from typing import Any

import scipy.stats

from optic_ad import numpy as anp
from optic_ad.extend import Prim, lift
from optic_ad.scipy.special import digamma
from optic_ad.scipy.stats._common import KW, any_bvar, constant, log_scale, standardize, ub

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]

_t = scipy.stats.t


def _dz(z: Any, df: Any) -> Any:
    # d/dz log pdf(z; df)
    return -z * (df + 1.0) / (z * z + df)


def _ddf(z: Any, df: Any) -> Any:
    # d/d(df) log pdf(z; df)
    z2 = z * z
    return 0.5 * (
        z2 * (df + 1.0) / (df * (z2 + df))
        - anp.log1p(z2 / df)
        - 1.0 / df
        - digamma(0.5 * df)
        + digamma(0.5 * (df + 1.0))
    )


_LOGPDF = Prim(
    "t.logpdf",
    _t.logpdf,
    (
        lambda g, ans, z, df: ub(g * _dz(z, df), z, ans),
        lambda g, ans, z, df: ub(g * _ddf(z, df), df, ans),
    ),
    batch_safe=True,
)
_PDF = Prim(
    "t.pdf",
    _t.pdf,
    (
        lambda g, ans, z, df: ub(g * ans * _dz(z, df), z, ans),
        lambda g, ans, z, df: ub(g * ans * _ddf(z, df), df, ans),
    ),
    batch_safe=True,
)
_CDF = Prim(
    "t.cdf",
    _t.cdf,
    (lambda g, ans, z, df: ub(g * lift(_PDF, (z, df), KW), z, ans), None),
    batch_safe=True,
)
# exp(log pdf - log cdf): no underflow far in the left tail
_LOGCDF = Prim(
    "t.logcdf",
    _t.logcdf,
    (lambda g, ans, z, df: ub(g * anp.exp(lift(_LOGPDF, (z, df), KW) - ans), z, ans), None),
    batch_safe=True,
)


def logpdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density of the t distribution with ``df`` degrees of freedom.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> ad.grad_bp(lambda x: stats.t.logpdf(x, 3.0), 1.0)  # -x (df + 1) / (x**2 + df)
        -1.0
    """
    if not any_bvar(x, df, loc, scale):
        return _t.logpdf(x, df, loc, scale)
    return lift(_LOGPDF, (standardize(x, loc, scale), df), KW) - log_scale(scale)


def pdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density of the t distribution with ``df`` degrees of freedom.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda x: stats.t.pdf(x, 1.0), 1.0)), 6)  # -2x / (pi (1 + x**2)**2)
        -0.159155
    """
    if not any_bvar(x, df, loc, scale):
        return _t.pdf(x, df, loc, scale)
    p = lift(_PDF, (standardize(x, loc, scale), df), KW)
    return p / scale


def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function; ``df`` is a constant.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> float(stats.t.cdf(0.0, 2.0)), round(float(ad.grad_bp(lambda x: stats.t.cdf(x, 1.0), 0.0)), 6)
        (0.5, 0.31831)
    """
    if not any_bvar(x, df, loc, scale):
        return _t.cdf(x, df, loc, scale)
    constant("t.cdf", "degrees of freedom df", df)
    return lift(_CDF, (standardize(x, loc, scale), df), KW)


def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the distribution function; ``df`` is a constant.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda x: stats.t.logcdf(x, 1.0), 0.0)), 6)
        0.63662
    """
    if not any_bvar(x, df, loc, scale):
        return _t.logcdf(x, df, loc, scale)
    constant("t.logcdf", "degrees of freedom df", df)
    return lift(_LOGCDF, (standardize(x, loc, scale), df), KW)


def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The survival function ``1 - cdf``, as ``cdf(-z)`` (the distribution is symmetric);
    ``df`` is a constant.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda x: stats.t.sf(x, 1.0), 0.0)), 6)
        -0.31831
    """
    if not any_bvar(x, df, loc, scale):
        return _t.sf(x, df, loc, scale)
    constant("t.sf", "degrees of freedom df", df)
    return lift(_CDF, (-standardize(x, loc, scale), df), KW)


def logsf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log of the survival function, as ``logcdf(-z)``; ``df`` is a constant.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda x: stats.t.logsf(x, 1.0), 0.0)), 6)
        -0.63662
    """
    if not any_bvar(x, df, loc, scale):
        return _t.logsf(x, df, loc, scale)
    constant("t.logsf", "degrees of freedom df", df)
    return lift(_LOGCDF, (-standardize(x, loc, scale), df), KW)
