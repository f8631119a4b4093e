"""The beta distribution, as ``scipy.stats.beta``: ``logpdf`` and ``pdf`` differentiable in
``x``, ``a``, ``b``, ``loc`` and ``scale``; ``cdf`` in ``x``, ``loc`` and ``scale`` (``a``
and ``b`` are constants there, as in autograd).

On plain values each function is scipy's. On BVars the standard distribution's functions of
``z = (x - loc) / scale`` are primitives computed by scipy, with rules written with lifted
functions; ``loc`` and ``scale`` come in through lifted arithmetic.
"""

from __future__ import annotations

from typing import Any

import scipy.stats

from optic_ad import numpy as anp
from optic_ad.extend import Prim, lift
from optic_ad.scipy.special import digamma
from optic_ad.scipy.stats._common import KW, any_bvar, constant, log_scale, standardize, ub

__all__ = ["cdf", "logpdf", "pdf"]

_beta = scipy.stats.beta


def _dz(z: Any, a: Any, b: Any) -> Any:
    return (a - 1.0) / z - (b - 1.0) / (1.0 - z)


def _da(z: Any, a: Any, b: Any) -> Any:
    return anp.log(z) - digamma(a) + digamma(a + b)


def _db(z: Any, a: Any, b: Any) -> Any:
    return anp.log1p(-z) - digamma(b) + digamma(a + b)


_LOGPDF = Prim(
    "beta.logpdf",
    _beta.logpdf,
    (
        lambda g, ans, z, a, b: ub(g * _dz(z, a, b), z, ans),
        lambda g, ans, z, a, b: ub(g * _da(z, a, b), a, ans),
        lambda g, ans, z, a, b: ub(g * _db(z, a, b), b, ans),
    ),
    batch_safe=True,
)
_PDF = Prim(
    "beta.pdf",
    _beta.pdf,
    (
        lambda g, ans, z, a, b: ub(g * ans * _dz(z, a, b), z, ans),
        lambda g, ans, z, a, b: ub(g * ans * _da(z, a, b), a, ans),
        lambda g, ans, z, a, b: ub(g * ans * _db(z, a, b), b, ans),
    ),
    batch_safe=True,
)
_CDF = Prim(
    "beta.cdf",
    _beta.cdf,
    (lambda g, ans, z, a, b: ub(g * lift(_PDF, (z, a, b), KW), z, ans), None, None),
    batch_safe=True,
)


def logpdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The log density of the beta distribution with shapes ``a`` and ``b``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> ad.grad_bp(lambda x: stats.beta.logpdf(x, 2.0, 2.0), 0.5)  # symmetric: 0 at 1/2
        0.0
    """
    if not any_bvar(x, a, b, loc, scale):
        return _beta.logpdf(x, a, b, loc, scale)
    return lift(_LOGPDF, (standardize(x, loc, scale), a, b), KW) - log_scale(scale)


def pdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The density of the beta distribution with shapes ``a`` and ``b``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(stats.beta.pdf(0.5, 2.0, 2.0)), 12)
        1.5
        >>> round(float(ad.grad_bp(lambda x: stats.beta.pdf(x, 2.0, 1.0), 0.3)), 6)  # pdf = 2x
        2.0
    """
    if not any_bvar(x, a, b, loc, scale):
        return _beta.pdf(x, a, b, loc, scale)
    return lift(_PDF, (standardize(x, loc, scale), a, b), KW) / scale


def cdf(x: Any, a: Any, b: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The distribution function ``betainc(a, b, z)``; ``a`` and ``b`` are constants.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(ad.grad_bp(lambda x: stats.beta.cdf(x, 2.0, 3.0), 0.5)), 6)
        1.5
    """
    if not any_bvar(x, a, b, loc, scale):
        return _beta.cdf(x, a, b, loc, scale)
    constant("beta.cdf", "shape parameter a", a)
    constant("beta.cdf", "shape parameter b", b)
    return lift(_CDF, (standardize(x, loc, scale), a, b), KW)
