"""The Poisson distribution, as ``scipy.stats.poisson``: ``logpmf``, ``pmf`` and ``cdf``
differentiable in the mean ``mu``; the count ``k`` and the shift ``loc`` are constants.

On plain values each function is scipy's. On BVars the functions are primitives computed by
scipy, with rules written with lifted functions (``cdf``'s is ``-pmf(floor(k), mu)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.stats

from optic_ad.extend import Prim, lift
from optic_ad.scipy.stats._common import KW, any_bvar, constant, ub

__all__ = ["cdf", "logpmf", "pmf"]

_poisson = scipy.stats.poisson


def _support(k: Any) -> Any:
    # 1.0 where k is a count (the log pmf is finite there), else 0.0: a plain constant
    kk = np.asarray(k)
    m = ((kk % 1 == 0) & (kk >= 0)).astype(np.float64)
    return float(m) if m.ndim == 0 else m


def _dmu(k: Any, mu: Any) -> Any:
    # d/dmu (k log mu - mu - gammaln(k + 1)) on the support, 0 off it
    s = _support(k)
    return (k * s) / mu - s


_LOGPMF = Prim(
    "poisson.logpmf",
    _poisson.logpmf,
    (None, lambda g, ans, k, mu: ub(g * _dmu(k, mu), mu, ans)),
    batch_safe=True,
)
_PMF = Prim(
    "poisson.pmf",
    _poisson.pmf,
    (None, lambda g, ans, k, mu: ub(g * ans * _dmu(k, mu), mu, ans)),
    batch_safe=True,
)
_CDF = Prim(
    "poisson.cdf",
    _poisson.cdf,
    (None, lambda g, ans, k, mu: ub(-g * lift(_PMF, (np.floor(k), mu), KW), mu, ans)),
    batch_safe=True,
)


def _count(where: str, k: Any, loc: Any) -> Any:
    constant(where, "count k", k)
    constant(where, "shift loc", loc)
    if not (type(loc) is int and loc == 0):
        return np.subtract(k, loc)
    return k if isinstance(k, int | float | np.ndarray | np.generic) else np.asarray(k)


def logpmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The log probability of ``k`` events, ``k log mu - mu - gammaln(k + 1)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> ad.grad_bp(lambda mu: stats.poisson.logpmf(3, mu), 2.0)  # k / mu - 1
        0.5
    """
    if not any_bvar(k, mu, loc):
        return _poisson.logpmf(k, mu, loc)
    return lift(_LOGPMF, (_count("poisson.logpmf", k, loc), mu), KW)


def pmf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The probability of ``k`` events.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> ad.grad_bp(lambda mu: stats.poisson.pmf(1, mu), 1.0)  # (1 - mu) exp(-mu)
        0.0
    """
    if not any_bvar(k, mu, loc):
        return _poisson.pmf(k, mu, loc)
    return lift(_PMF, (_count("poisson.pmf", k, loc), mu), KW)


def cdf(k: Any, mu: Any, loc: Any = 0) -> Any:
    """The probability of at most ``k`` events; its derivative in ``mu`` is
    ``-pmf(floor(k), mu)``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda mu: stats.poisson.cdf(0, mu), 1.0)), 6)  # -exp(-mu)
        -0.367879
    """
    if not any_bvar(k, mu, loc):
        return _poisson.cdf(k, mu, loc)
    return lift(_CDF, (_count("poisson.cdf", k, loc), mu), KW)
