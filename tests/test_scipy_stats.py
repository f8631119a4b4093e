"""optic_ad.scipy.stats: values against scipy.stats, gradients against autograd's
``autograd.scipy.stats`` (an independent implementation) and central finite differences,
Jacobians through the batched seed, and Hessians against autograd and finite differences of
our gradient.

Each case is written once as ``f(m, *xs)`` with ``m.stats`` the distributions and ``m.np``
numpy (ours, autograd's or plain scipy/numpy). Where autograd's function does not take an
argument (``loc``/``scale`` of gamma, beta, chi2; ``scale`` of t's distribution functions)
its oracle standardizes with autograd's arithmetic and calls autograd's standard function.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
import scipy.stats as sst
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.scipy import stats
from tests.helpers import fd_jacobian, fd_partial
from tests.test_scipy_special import NS, _grid, _loss, check

# autograd.scipy ships no stubs: typed as Any
ags: Any = importlib.import_module("autograd.scipy.stats")
agsp: Any = importlib.import_module("autograd.scipy.special")

Arr = NDArray[np.float64]
Case = Callable[..., Any]
Dom = tuple[float, float]


# ----- autograd's oracles -----


def _z(x: Any, loc: Any, scale: Any) -> Any:
    return (x - loc) / scale


class _AgT:
    logpdf = staticmethod(ags.t.logpdf)
    pdf = staticmethod(ags.t.pdf)

    # autograd's t.cdf and t.logcdf have no rule for scale: standardized here
    @staticmethod
    def cdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return ags.t.cdf(_z(x, loc, scale), df)

    @staticmethod
    def logcdf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return ags.t.logcdf(_z(x, loc, scale), df)

    @staticmethod
    def sf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return ags.t.cdf(-_z(x, loc, scale), df)

    @staticmethod
    def logsf(x: Any, df: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return ags.t.logcdf(-_z(x, loc, scale), df)


class _AgLocScale:
    """autograd's gamma, beta or chi2 (which take no loc or scale), standardized here."""

    def __init__(self, mod: Any) -> None:
        self.mod = mod

    def logpdf(self, x: Any, *p: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return self.mod.logpdf(_z(x, loc, scale), *p) - agnp.log(scale)

    def pdf(self, x: Any, *p: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return self.mod.pdf(_z(x, loc, scale), *p) / scale

    def cdf(self, x: Any, *p: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
        return self.mod.cdf(_z(x, loc, scale), *p)


class _AgDirichlet:
    """autograd's dirichlet takes one full point; others are written out (the log density
    from autograd's gammaln), leaving out the last component as scipy does."""

    @staticmethod
    def logpdf(x: Any, alpha: Any) -> Any:
        k = np.shape(alpha)[0]
        if np.ndim(x) == 1 and np.shape(x)[0] == k:
            return ags.dirichlet.logpdf(x, alpha)
        if np.shape(x)[0] == k - 1:
            x = agnp.concatenate([x, 1.0 - agnp.sum(x, axis=0, keepdims=True)], axis=0)
        nd = agnp.ndim(x)
        a = agnp.reshape(alpha, (k,) + (1,) * (nd - 1))
        lnb = agnp.sum(agsp.gammaln(alpha)) - agsp.gammaln(agnp.sum(alpha))
        return agnp.sum((a - 1.0) * agnp.log(x), axis=0) - lnb

    @staticmethod
    def pdf(x: Any, alpha: Any) -> Any:
        k = np.shape(alpha)[0]
        if np.ndim(x) == 1 and np.shape(x)[0] == k:
            return ags.dirichlet.pdf(x, alpha)
        return agnp.exp(_AgDirichlet.logpdf(x, alpha))


class _AgStats:
    norm = ags.norm
    t = _AgT()
    gamma = _AgLocScale(ags.gamma)
    beta = _AgLocScale(ags.beta)
    chi2 = _AgLocScale(ags.chi2)
    poisson = ags.poisson
    dirichlet = _AgDirichlet()
    multivariate_normal = ags.multivariate_normal


OURS = NS(stats, anp)
THEIRS = NS(_AgStats(), agnp)
PLAIN = NS(sst, np)
NSS = (OURS, THEIRS, PLAIN)


# ----- the elementwise distributions: name -> (f(m, *xs), domains, autograd oracle) -----

XLS: list[Dom] = [(-3.0, 3.0), (-1.0, 1.0), (0.5, 2.0)]  # x, loc, scale of norm / t
K = np.array([0.0, 1.0, 2.0, 3.0, 5.0, 2.5])  # counts (2.5: off the support)
K_INT = K[:-1]  # (a log pmf of -inf would make the test's loss NaN)

CASES: dict[str, list[tuple[Case, list[Dom], bool]]] = {
    **{
        f"norm.{fn}": [
            (lambda m, x, loc, s, fn=fn: getattr(m.stats.norm, fn)(x, loc, s), XLS, True),
            (lambda m, x, fn=fn: getattr(m.stats.norm, fn)(x), [(-3.0, 3.0)], True),
        ]
        for fn in ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"]
    },
    **{
        f"t.{fn}": [
            (
                lambda m, x, df, loc, s, fn=fn: getattr(m.stats.t, fn)(x, df, loc, s),
                [XLS[0], (1.5, 8.0), XLS[1], XLS[2]],
                True,
            ),
        ]
        for fn in ["pdf", "logpdf"]
    },
    **{
        f"t.{fn}": [
            (
                lambda m, x, loc, s, fn=fn: getattr(m.stats.t, fn)(x, 3.5, loc, s),
                XLS,
                True,
            ),
        ]
        for fn in ["cdf", "logcdf", "sf", "logsf"]
    },
    **{
        f"gamma.{fn}": [
            (
                lambda m, x, a, loc, s, fn=fn: getattr(m.stats.gamma, fn)(x, a, loc=loc, scale=s),
                [(1.0, 5.0), (0.8, 4.0), (-0.3, 0.3), (0.5, 2.0)],
                True,
            ),
        ]
        for fn in ["pdf", "logpdf"]
    },
    "gamma.cdf": [
        (
            lambda m, x, loc, s: m.stats.gamma.cdf(x, 2.5, loc=loc, scale=s),
            [(1.0, 5.0), (-0.3, 0.3), (0.5, 2.0)],
            True,
        ),
    ],
    **{
        f"beta.{fn}": [
            (
                lambda m, x, a, b, loc, s, fn=fn: getattr(m.stats.beta, fn)(
                    x, a, b, loc=loc, scale=s
                ),
                [(0.3, 0.6), (0.8, 4.0), (0.8, 4.0), (-0.1, 0.1), (0.9, 1.3)],
                True,
            ),
        ]
        for fn in ["pdf", "logpdf"]
    },
    "beta.cdf": [
        (
            lambda m, x, loc, s: m.stats.beta.cdf(x, 2.5, 0.7, loc=loc, scale=s),
            [(0.3, 0.6), (-0.1, 0.1), (0.9, 1.3)],
            True,
        ),
    ],
    **{
        f"chi2.{fn}": [
            # autograd's chi2.logpdf rule is 0 for a non-integer df (and it has none in df):
            # against autograd with an integer df, against finite differences in df
            (
                lambda m, x, loc, s, fn=fn: getattr(m.stats.chi2, fn)(x, 3, loc=loc, scale=s),
                [(1.0, 5.0), (-0.3, 0.3), (0.5, 2.0)],
                True,
            ),
            (
                lambda m, x, df, fn=fn: getattr(m.stats.chi2, fn)(x, df),
                [(0.5, 5.0), (1.5, 6.0)],
                False,
            ),
        ]
        for fn in ["pdf", "logpdf"]
    },
    "chi2.cdf": [
        (
            lambda m, x, loc, s: m.stats.chi2.cdf(x, 3, loc=loc, scale=s),
            [(1.0, 5.0), (-0.3, 0.3), (0.5, 2.0)],
            True,
        ),
        (lambda m, x: m.stats.chi2.cdf(x, 2.7), [(0.5, 5.0)], True),
    ],
    **{
        f"poisson.{fn}": [
            (lambda m, mu, fn=fn: getattr(m.stats.poisson, fn)(3, mu), [(0.5, 5.0)], True),
            (
                lambda m, mu, fn=fn: getattr(m.stats.poisson, fn)(
                    K_INT if fn == "logpmf" else K, mu
                ),
                [(0.5, 5.0)],
                True,
            ),
        ]
        for fn in ["pmf", "logpmf", "cdf"]
    },
}

FLAT = [(name, i, *c) for name, cs in CASES.items() for i, c in enumerate(cs)]
IDS = [f"{name}-{i}" for name, i, *_ in FLAT]
SHAPES: list[tuple[int, ...]] = [(), (3,), (2, 3)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(("name", "i", "f", "doms", "ag"), FLAT, ids=IDS)
def test_case(
    name: str, i: int, f: Case, doms: list[Dom], ag: bool, shape: tuple[int, ...]
) -> None:
    if np.ndim(f(PLAIN, *[lo for lo, _ in doms])):
        # a constant array of counts sets the output's shape: the parameter broadcasts
        shape = {(): (), (3,): (1,), (2, 3): (2, 1)}[shape]
    xs = [_grid(shape, lo, hi, phase=k) for k, (lo, hi) in enumerate(doms)]
    check(f, xs, ag=ag, ns=NSS)


@pytest.mark.parametrize(("name", "i", "f", "doms", "ag"), FLAT, ids=IDS)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_case_hypothesis(
    name: str, i: int, f: Case, doms: list[Dom], ag: bool, data: st.DataObject
) -> None:
    # scalar points over each function's domain: first and second derivatives
    xs = [data.draw(st.floats(lo, hi, allow_subnormal=False)) for lo, hi in doms]
    for k in range(len(xs)):
        g = ad.grad(_loss(OURS, f), argnums=k)(*xs)
        np.testing.assert_allclose(g, fd_partial(_loss(PLAIN, f), xs, k), rtol=1e-5, atol=1e-6)
        h = ad.derivative(_partial_grad_stats(f, xs, k))(xs[k])
        if ag:
            np.testing.assert_allclose(
                g, autograd.grad(_loss(THEIRS, f), k)(*xs), rtol=1e-9, atol=1e-12
            )
            hh = autograd.hessian(_loss(THEIRS, f), k)(*xs)
            np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)
        else:
            gk = ad.grad(_loss(OURS, f), argnums=k)
            np.testing.assert_allclose(h, fd_partial(gk, xs, k, eps=1e-5), rtol=1e-4, atol=1e-5)


def _partial_grad_stats(f: Case, xs: list[Any], k: int) -> Callable[[Any], Any]:
    def gk(t: Any) -> Any:
        return ad.grad(_loss(OURS, f), argnums=k)(*[t if j == k else x for j, x in enumerate(xs)])

    return gk


# ----- broadcasting of parameters -----

BROADCAST = [
    (
        "norm.logpdf",
        lambda m, x, loc, s: m.stats.norm.logpdf(x, loc, s),
        [(2, 3), (3,), (2, 1)],
        XLS,
    ),
    ("norm.cdf", lambda m, x, loc, s: m.stats.norm.cdf(x, loc, s), [(), (3,), (2, 1)], XLS),
    (
        "t.logpdf",
        lambda m, x, df, loc, s: m.stats.t.logpdf(x, df, loc, s),
        [(2, 1), (3,), (), (2, 3)],
        [XLS[0], (1.5, 8.0), XLS[1], XLS[2]],
    ),
    (
        "t.pdf",
        lambda m, x, df: m.stats.t.pdf(x, df),
        [(), (2, 3)],
        [XLS[0], (1.5, 8.0)],
    ),
    (
        "gamma.logpdf",
        lambda m, x, a, s: m.stats.gamma.logpdf(x, a, scale=s),
        [(2, 3), (3,), ()],
        [(1.0, 5.0), (0.8, 4.0), (0.5, 2.0)],
    ),
    (
        "gamma.pdf",
        lambda m, x, a: m.stats.gamma.pdf(x, a),
        [(), (2, 3)],
        [(1.0, 5.0), (0.8, 4.0)],
    ),
    (
        "beta.logpdf",
        lambda m, x, a, b: m.stats.beta.logpdf(x, a, b),
        [(2, 1), (3,), ()],
        [(0.2, 0.8), (0.8, 4.0), (0.8, 4.0)],
    ),
    (
        "beta.pdf",
        lambda m, x, a, b: m.stats.beta.pdf(x, a, b),
        [(), (3,), (2, 1)],
        [(0.2, 0.8), (0.8, 4.0), (0.8, 4.0)],
    ),
    (
        "beta.cdf",
        lambda m, x: m.stats.beta.cdf(x, np.array([0.7, 2.0, 3.0]), 2.0),
        [(2, 1)],
        [(0.2, 0.8)],
    ),
    (
        "gamma.cdf",
        lambda m, x: m.stats.gamma.cdf(x, np.array([0.7, 2.0, 3.0])),
        [()],
        [(0.5, 4.0)],
    ),
    (
        "chi2.logpdf",
        lambda m, x, s: m.stats.chi2.logpdf(x, np.array([1.0, 2.0, 5.0]), scale=s),
        [(2, 1), ()],
        [(0.5, 4.0), (0.5, 2.0)],
    ),
    (
        "poisson.logpmf",
        lambda m, mu: m.stats.poisson.logpmf(np.array([[0, 1, 4], [2, 3, 7]]), mu),
        [(3,)],
        [(0.5, 5.0)],
    ),
    (
        "poisson.cdf",
        lambda m, mu: m.stats.poisson.cdf(np.array([0.0, 1.5, 4.0]), mu),
        [(2, 1)],
        [(0.5, 5.0)],
    ),
]


@pytest.mark.parametrize(
    ("name", "f", "shapes", "doms"), BROADCAST, ids=[f"{b[0]}-{i}" for i, b in enumerate(BROADCAST)]
)
def test_broadcasting(name: str, f: Case, shapes: list[tuple[int, ...]], doms: list[Dom]) -> None:
    xs = [
        _grid(s, lo, hi, phase=k) for k, (s, (lo, hi)) in enumerate(zip(shapes, doms, strict=True))
    ]
    check(f, xs, ns=NSS)


def test_poisson_loc_shifts_the_counts() -> None:
    k = np.array([2.0, 3.0, 5.0])
    check(
        lambda m, mu: m.stats.poisson.logpmf(k, mu, 1),
        [np.array([1.5, 2.0, 3.5])],
        ns=NSS,
        ag=False,
    )
    g = ad.grad_bp(lambda mu: anp.sum(stats.poisson.logpmf(k, mu, 1)), np.array([1.5, 2.0, 3.5]))
    np.testing.assert_allclose(g, (k - 1) / np.array([1.5, 2.0, 3.5]) - 1, rtol=1e-14)


def test_poisson_off_the_support_has_zero_gradient() -> None:
    # scipy: log pmf -inf at a non-integer or negative count; its gradient is 0 there
    mu = np.array([1.5, 2.0, 2.5])
    g = ad.grad_bp(lambda m: anp.sum(stats.poisson.pmf(np.array([2.5, -1.0, 2.0]), m)), mu)
    np.testing.assert_array_equal(g[:2], [0.0, 0.0])
    assert g[2] != 0.0
    g = ad.grad_bp(lambda m: stats.poisson.logpmf(np.array([2.5, -1.0, 2.0]), m)[0], mu)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


# ----- dirichlet -----

ALPHA = np.array([1.5, 2.0, 3.5, 0.8])
X1 = np.array([0.1, 0.2, 0.3, 0.4])
XN = np.array([[0.1, 0.25, 0.05], [0.2, 0.25, 0.5], [0.3, 0.25, 0.15], [0.4, 0.25, 0.3]])


@pytest.mark.parametrize("fn", ["logpdf", "pdf"])
@pytest.mark.parametrize("x", [X1, XN], ids=["one", "three"])
def test_dirichlet(fn: str, x: Arr) -> None:
    # a full point cannot be perturbed off the simplex (scipy refuses): x against autograd
    # only; with the last component left out it can, and against finite differences too
    check(lambda m, x: getattr(m.stats.dirichlet, fn)(x, ALPHA), [x], fd=False, ns=NSS)
    check(lambda m, x: getattr(m.stats.dirichlet, fn)(x, ALPHA), [x[:-1]], ns=NSS)
    check(lambda m, a: getattr(m.stats.dirichlet, fn)(x, a), [ALPHA], ns=NSS)
    check(lambda m, x, a: getattr(m.stats.dirichlet, fn)(x, a), [x[:-1], ALPHA], ns=NSS)


def test_dirichlet_takes_lists() -> None:
    out = ad.eval_bp(lambda a: stats.dirichlet.logpdf([0.2, 0.8], a), np.array([2.0, 3.0]))
    np.testing.assert_allclose(out, sst.dirichlet.logpdf([0.2, 0.8], [2.0, 3.0]), rtol=1e-14)
    g = ad.grad_bp(lambda x: stats.dirichlet.logpdf(x, [2.0, 3.0]), np.array([0.2, 0.8]))
    np.testing.assert_allclose(g, [1.0 / 0.2, 2.0 / 0.8], rtol=1e-14)


# ----- multivariate normal -----

COV = np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 1.2]])
MEAN = np.array([0.1, -0.4, 0.3])
XS = [np.array([0.5, 0.2, -0.7]), np.array([[0.5, 0.2, -0.7], [1.0, -1.0, 0.1]])]


def _sym(m: NS, c: Any) -> Any:
    # scipy reads one triangle of cov: finite differences see the symmetrized function
    return 0.5 * (c + m.np.swapaxes(c, -1, -2))


@pytest.mark.parametrize("fn", ["logpdf", "pdf"])
@pytest.mark.parametrize("x", XS, ids=["one", "two"])
def test_multivariate_normal(fn: str, x: Arr) -> None:
    def f(m: NS, x: Any, mean: Any, cov: Any) -> Any:
        return getattr(m.stats.multivariate_normal, fn)(x, mean, _sym(m, cov))

    check(f, [x, MEAN, COV], ns=NSS)


@pytest.mark.parametrize("fn", ["logpdf", "pdf"])
def test_multivariate_normal_cov_gradient_is_autograds_unsymmetrized(fn: str) -> None:
    x = XS[1]

    def loss(m: NS) -> Callable[[Any], Any]:
        return lambda c: m.np.sum(m.np.sin(getattr(m.stats.multivariate_normal, fn)(x, MEAN, c)))

    g = ad.grad(loss(OURS))(COV)
    np.testing.assert_allclose(g, autograd.grad(loss(THEIRS))(COV), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g, g.T, rtol=1e-12)
    # the Hessian of the formula over unconstrained matrices: symmetric as a Hessian is, and
    # the finite differences of our gradient (autograd's differs off the symmetric
    # directions: its rule is the gradient only where cov is symmetric, so its derivative
    # is not a Hessian; along symmetric directions the two agree, test_multivariate_normal)
    h = ad.hessian(loss(OURS))(COV)
    np.testing.assert_allclose(h, np.transpose(h, (2, 3, 0, 1)), rtol=1e-10, atol=1e-14)
    fd = fd_jacobian(ad.grad(loss(OURS)), [COV], 0, eps=1e-5)
    np.testing.assert_allclose(h, fd, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("mean", "cov"),
    [(None, 1.7), (MEAN, np.array([1.5, 0.7, 2.0])), (None, COV), (0.4, 1.7)],
    ids=["scalar-cov", "diag-cov", "no-mean", "scalar-mean"],
)
def test_multivariate_normal_scalar_and_diagonal_cov(mean: Any, cov: Any) -> None:
    x = XS[1] if np.ndim(cov) else np.array([0.3, -1.2, 0.5])  # scalar cov: d == 1 points
    if np.ndim(cov) == 2:
        check(
            lambda m, x, c: m.stats.multivariate_normal.logpdf(x, cov=_sym(m, c)),
            [x, cov],
            ag=False,  # autograd's rules need the mean given
            ns=NSS,
        )
        return
    check(
        lambda m, x, c: m.stats.multivariate_normal.logpdf(x, mean, c), [x, cov], ag=False, ns=NSS
    )


def test_multivariate_normal_entropy() -> None:
    def f(m: NS, cov: Any) -> Any:
        return m.stats.multivariate_normal.entropy(MEAN, _sym(m, cov))

    check(f, [COV], ns=NSS)
    # the mean does not enter: its gradient is zero
    gm = ad.grad_bp(lambda mu: stats.multivariate_normal.entropy(mu, COV), MEAN)
    np.testing.assert_array_equal(gm, np.zeros(3))


def test_multivariate_normal_errors() -> None:
    with pytest.raises(NotImplementedError, match="allow_singular"):
        ad.grad_bp(lambda c: stats.multivariate_normal.logpdf(XS[0], MEAN, c, True), COV)
    with pytest.raises(ValueError, match="positive definite"):
        ad.grad_bp(lambda c: stats.multivariate_normal.logpdf(XS[0], MEAN, c), -COV)


# ----- constants -----


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("t.cdf", lambda v: stats.t.cdf(0.5, v)),
        ("t.logcdf", lambda v: stats.t.logcdf(0.5, v)),
        ("t.sf", lambda v: stats.t.sf(0.5, v)),
        ("t.logsf", lambda v: stats.t.logsf(0.5, v)),
        ("gamma.cdf", lambda v: stats.gamma.cdf(0.5, v)),
        ("chi2.cdf", lambda v: stats.chi2.cdf(0.5, v)),
        ("beta.cdf", lambda v: stats.beta.cdf(0.5, v, 2.0)),
        ("beta.cdf", lambda v: stats.beta.cdf(0.5, 2.0, v)),
        ("poisson.pmf", lambda v: stats.poisson.pmf(v, 2.0)),
        ("poisson.logpmf", lambda v: stats.poisson.logpmf(3, 2.0, v)),
        ("poisson.cdf", lambda v: stats.poisson.cdf(v, 2.0)),
    ],
)
def test_a_bvar_where_a_constant_belongs_raises(name: str, f: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match=f"{name}: the .* is a constant"):
        ad.grad_bp(f, 2.0)


# ----- coverage, tails, usage -----


def test_every_differentiable_name_has_first_and_second_order_cases() -> None:
    # CASES are checked at first and second order by test_case; dirichlet and
    # multivariate_normal by their own tests above
    own = {
        "dirichlet.logpdf",
        "dirichlet.pdf",
        "multivariate_normal.logpdf",
        "multivariate_normal.pdf",
        "multivariate_normal.entropy",
    }
    names = {f"{d}.{fn}" for d in stats.__all__ for fn in getattr(stats, d).__all__}
    assert names == set(CASES) | own
    assert all(CASES.values())


def test_norm_logcdf_gradient_far_in_the_tail() -> None:
    # cdf underflows below about -38; the gradient of logcdf stays about -z / scale
    g = ad.grad_bp(lambda x: stats.norm.logcdf(x, 1.0, 2.0), -99.0)  # z = -50
    assert abs(g - 25.0) < 0.02
    g = ad.grad_bp(lambda x: stats.norm.logsf(x, 1.0, 2.0), 101.0)
    assert abs(g + 25.0) < 0.02


def test_usage_like_scipy() -> None:
    # a maximum-likelihood fit of loc and scale: the gradient vanishes at the sample moments
    data = np.array([0.3, -1.2, 2.2, 0.8, 1.1])

    def nll(p: Any) -> Any:
        return -anp.sum(stats.norm.logpdf(data, p[0], p[1]))

    g = ad.grad_bp(nll, np.array([data.mean(), data.std()]))
    np.testing.assert_allclose(g, [0.0, 0.0], atol=1e-12)
    assert math.isclose(float(stats.norm.logpdf(0.0)), -0.5 * math.log(2 * math.pi))


@settings(max_examples=15, deadline=None)
@given(
    data=st.data(),
    k=st.integers(2, 4),
)
def test_dirichlet_hypothesis(data: st.DataObject, k: int) -> None:
    alpha = np.array(data.draw(st.lists(st.floats(0.8, 4.0), min_size=k, max_size=k)))
    w = np.array(data.draw(st.lists(st.floats(0.2, 1.0), min_size=k, max_size=k)))
    x = w / np.sum(w)
    check(lambda m, x, a: m.stats.dirichlet.logpdf(x, a), [x, alpha], fd=False, ns=NSS)
    check(lambda m, x, a: m.stats.dirichlet.logpdf(x, a), [x[:-1], alpha], ns=NSS)
