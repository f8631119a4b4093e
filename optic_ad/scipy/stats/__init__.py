"""Lifted ``scipy.stats``: distributions' densities and their logs, differentiable on BVars.

Each distribution is a module with scipy's function names and signatures, as
``autograd.scipy.stats``: ``stats.norm.logpdf(x, loc, scale)``. On plain values each
function is scipy's; on BVars it records nodes whose rules are written with lifted
functions, so it differentiates again.

* `norm`: ``pdf``, ``logpdf``, ``cdf``, ``logcdf``, ``sf``,
  ``logsf`` in ``x``, ``loc``, ``scale``;
* `t`: ``pdf``, ``logpdf`` (also in ``df``), ``cdf``, ``logcdf``,
  ``sf``, ``logsf``;
* `gamma`, `beta`,
  `chi2`: ``pdf``, ``logpdf`` (also in the shapes), ``cdf``;
* `poisson`: ``pmf``, ``logpmf``, ``cdf`` in ``mu``;
* `dirichlet`: ``pdf``, ``logpdf`` in ``x`` and ``alpha``;
* `multivariate_normal`: ``pdf``, ``logpdf`` in ``x``,
  ``mean``, ``cov``; ``entropy`` in ``cov``.

Examples:
    >>> import optic_ad as ad
    >>> from optic_ad.scipy import stats
    >>> ad.grad_bp(lambda s: stats.norm.logpdf(2.0, 0.0, s), 2.0)  # (z**2 - 1) / scale
    0.0
"""

from __future__ import annotations

from optic_ad.scipy.stats import beta, chi2, dirichlet, gamma, multivariate_normal, norm, poisson, t

__all__ = ["beta", "chi2", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t"]
