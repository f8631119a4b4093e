"""The Dirichlet distribution, as ``scipy.stats.dirichlet``: ``logpdf`` and ``pdf``
differentiable in the point ``x`` and the concentrations ``alpha``.

As scipy's, ``x``'s *first* axis holds the ``k`` components (``x`` of shape ``(k,)`` is one
point, ``(k, n)`` is ``n`` points), and ``x`` may leave out the last component
(``k - 1`` rows), which is then ``1 - sum(x)``: its gradient flows back through that sum.

On plain values each function is scipy's (which checks its arguments). On BVars each is a
primitive computed by scipy whose rules are written with lifted functions: ``x`` gets
``(alpha - 1) / x``, ``alpha`` gets ``digamma(sum(alpha)) - digamma(alpha) + log(x)``,
summed over the points.
"""

from __future__ import annotations

from typing import Any

import scipy.stats

from optic_ad import numpy as anp
from optic_ad.extend import Prim, lift
from optic_ad.scipy.special import digamma
from optic_ad.scipy.stats._common import KW, any_bvar, array

__all__ = ["logpdf", "pdf"]

_dirichlet = scipy.stats.dirichlet


def _full(x: Any, alpha: Any) -> Any:
    """``x`` with its last component, ``1 - sum(x)``, appended if it was left out."""
    k = anp.shape(alpha)[0]
    if anp.shape(x)[0] == k:
        return x
    return anp.concatenate([x, 1.0 - anp.sum(x, axis=0, keepdims=True)], axis=0)


def _column(v: Any, nd: int) -> Any:
    # a (k,) vector shaped (k, 1, ..., 1), to broadcast against points of nd dims
    return anp.reshape(v, (anp.shape(v)[0],) + (1,) * (nd - 1))


def _dx(g: Any, x: Any, alpha: Any) -> Any:
    xf = _full(x, alpha)
    nd = anp.ndim(xf)
    gx = anp.expand_dims(g, -nd) * (_column(alpha - 1.0, nd) / xf)
    k = anp.shape(alpha)[0]
    if anp.shape(x)[0] == k:
        return gx
    rest = (slice(None),) * (nd - 1)
    # x_k = 1 - sum(x): each given component also moves the last one, the other way
    return gx[(Ellipsis, slice(0, k - 1), *rest)] - gx[(Ellipsis, slice(k - 1, k), *rest)]


def _dalpha(g: Any, x: Any, alpha: Any) -> Any:
    xf = _full(x, alpha)
    nd = anp.ndim(xf)
    c = digamma(anp.sum(alpha)) - digamma(alpha)
    ga = anp.expand_dims(g, -nd) * (_column(c, nd) + anp.log(xf))
    return anp.sum(ga, axis=tuple(range(-nd + 1, 0))) if nd > 1 else ga


_LOGPDF = Prim(
    "dirichlet.logpdf",
    _dirichlet.logpdf,
    (lambda g, ans, x, alpha: _dx(g, x, alpha), lambda g, ans, x, alpha: _dalpha(g, x, alpha)),
    batch_safe=True,
)
_PDF = Prim(
    "dirichlet.pdf",
    _dirichlet.pdf,
    (
        lambda g, ans, x, alpha: _dx(g * ans, x, alpha),
        lambda g, ans, x, alpha: _dalpha(g * ans, x, alpha),
    ),
    batch_safe=True,
)


def logpdf(x: Any, alpha: Any) -> Any:
    """The log density of the Dirichlet distribution at ``x`` (components on the first
    axis).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> x, alpha = np.array([0.2, 0.3, 0.5]), np.array([2.0, 3.0, 4.0])
        >>> ad.grad_bp(lambda x: stats.dirichlet.logpdf(x, alpha), x)  # (alpha - 1) / x
        array([5.        , 6.66666667, 6.        ])
    """
    if not any_bvar(x, alpha):
        return _dirichlet.logpdf(x, alpha)
    return lift(_LOGPDF, (array(x), array(alpha)), KW)


def pdf(x: Any, alpha: Any) -> Any:
    """The density of the Dirichlet distribution at ``x`` (components on the first axis).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad.scipy import stats
        >>> x, alpha = np.array([0.5, 0.5]), np.array([1.0, 1.0])
        >>> ad.grad_bp(lambda a: stats.dirichlet.pdf(x, a), alpha)  # 1 + log(1/2)
        array([0.30685282, 0.30685282])
    """
    if not any_bvar(x, alpha):
        return _dirichlet.pdf(x, alpha)
    return lift(_PDF, (array(x), array(alpha)), KW)
