"""The multivariate normal distribution, as ``scipy.stats.multivariate_normal``:
``logpdf`` and ``pdf`` differentiable in ``x``, ``mean`` and ``cov``, ``entropy`` in
``cov``, at every order.

As scipy's, ``x``'s last axis holds the ``d`` components, ``mean`` defaults to zeros, and
``cov`` may be a scalar (``cov * I``), a vector (a diagonal) or a ``(d, d)`` matrix. The
gradient in a matrix ``cov`` is the one of the formula with ``cov`` unconstrained
(``-(inv(cov) - inv(cov) r r^T inv(cov)) / 2`` for the log density; symmetric when ``cov``
is), as autograd's; ``allow_singular=True`` is not differentiable (``NotImplementedError``).

On plain values each function is scipy's. On BVars each is written with lifted functions:
``-(d log(2 pi) + log det(cov) + r^T inv(cov) r) / 2`` with ``r = x - mean``, where
``inv`` and ``log det`` are local primitives whose rules are written with themselves.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.stats

from optic_ad import numpy as anp
from optic_ad.bvar import plain
from optic_ad.scipy.stats._common import any_bvar, array

__all__ = ["entropy", "logpdf", "pdf"]

_mvn = scipy.stats.multivariate_normal
_LOG_2PI = math.log(2.0 * math.pi)


def _logdet(c: Any) -> Any:
    # c is positive definite (checked where it is read), so its determinant's sign is 1
    return anp.linalg.slogdet(c)[1]


# ----- the distribution -----


def _dim(mean: Any, cov: Any) -> int:
    # as scipy's: the mean's size, or without a mean the side of a matrix cov, else 1
    if mean is not None:
        return int(np.size(plain(mean)))
    cs = anp.shape(cov)
    return cs[0] if len(cs) == 2 else 1


def _cov_matrix(where: str, cov: Any, d: int, allow_singular: bool) -> Any:
    if allow_singular:
        msg = (
            f"scipy.stats.multivariate_normal.{where}: allow_singular=True is not "
            "differentiable (the pseudo-determinant of a singular covariance)"
        )
        raise NotImplementedError(msg)
    cov = array(cov)
    nd = anp.ndim(cov)
    c = cov * np.eye(d) if nd == 0 else anp.diag(cov) if nd == 1 else cov
    try:  # what scipy checks: positive definite
        np.linalg.cholesky(plain(c))
    except np.linalg.LinAlgError:
        msg = (
            f"scipy.stats.multivariate_normal.{where}: the covariance matrix must be "
            "symmetric positive definite"
        )
        raise ValueError(msg) from None
    return c


def _points(x: Any, d: int) -> Any:
    # as scipy's: a scalar is one point of dimension 1, a vector one point of dimension d
    # (or, when d == 1, that many points of dimension 1)
    x = array(x)
    nd = anp.ndim(x)
    if nd == 0:
        return anp.reshape(x, (1,))
    if nd == 1:
        return anp.expand_dims(x, -1) if d == 1 else anp.expand_dims(x, 0)
    return x


def _squeeze(out: Any) -> Any:
    # as scipy's: size-1 axes dropped
    return anp.squeeze(out) if 1 in anp.shape(out) else out


def logpdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """The log density at the points ``x`` (the last axis holding the components).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> mean, cov = np.zeros(2), np.array([[2.0, 0.0], [0.0, 4.0]])
        >>> ad.grad_bp(lambda x: stats.multivariate_normal.logpdf(x, mean, cov), np.ones(2))
        array([-0.5 , -0.25])
    """
    if not any_bvar(x, mean, cov):
        return _mvn.logpdf(x, mean, cov, allow_singular)
    d = _dim(mean, cov)
    c = _cov_matrix("logpdf", cov, d, allow_singular)
    r = _points(x, d) - (0.0 if mean is None else array(mean))
    maha = anp.sum(anp.matmul(r, anp.linalg.inv(c)) * r, axis=-1)
    return _squeeze(-0.5 * (d * _LOG_2PI + _logdet(c) + maha))


def pdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """The density at the points ``x``: ``exp(logpdf(x, mean, cov))``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> round(float(stats.multivariate_normal.pdf(np.zeros(2), cov=np.eye(2))), 6)
        0.159155
        >>> ad.grad_bp(lambda m: stats.multivariate_normal.pdf(np.zeros(2), m), np.zeros(2))
        array([0., 0.])
    """
    if not any_bvar(x, mean, cov):
        return _mvn.pdf(x, mean, cov, allow_singular)
    return anp.exp(logpdf(x, mean, cov, allow_singular))


def entropy(mean: Any = None, cov: Any = 1) -> Any:
    """The differential entropy ``(d (log(2 pi) + 1) + log det(cov)) / 2``; it does not
    depend on ``mean``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> ad.grad_bp(lambda c: stats.multivariate_normal.entropy(cov=c), np.diag([2.0, 4.0]))
        array([[0.25 , 0.   ],
               [0.   , 0.125]])
    """
    if not any_bvar(mean, cov):
        return _mvn.entropy(mean, cov)
    d = _dim(mean, cov)
    c = _cov_matrix("entropy", cov, d, False)
    return 0.5 * (d * (_LOG_2PI + 1.0) + _logdet(c))
