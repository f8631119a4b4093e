"""optic_ad.scipy.special: values against scipy, gradients against autograd's
``autograd.scipy.special`` (an independent implementation) and central finite differences,
Jacobians through the batched seed, and second derivatives (Hessians) against autograd and
finite differences of our gradient.

Each case is written once as ``f(m, *xs)`` with ``m`` a namespace pair: ``m.sp`` the
special functions and ``m.np`` numpy (ours, autograd's, or plain scipy/numpy). Where
autograd lacks a function its oracle is written from functions it has (``AG`` below); where
it cannot be written, finite differences are the only oracle (``ag=False``).
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
import scipy.special as sc
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.bvar import plain
from optic_ad.scipy import special
from tests.helpers import MustBatch, fd_jacobian, fd_partial

# autograd.scipy ships no stubs (and typings/autograd has none for it): typed as Any
agsp: Any = importlib.import_module("autograd.scipy.special")

Arr = NDArray[np.float64]
Case = Callable[..., Any]


class NS:
    """A namespace pair: ``sp`` (special functions; also named ``stats`` for the
    distributions of test_scipy_stats) and ``np`` (numpy)."""

    def __init__(self, sp: Any, np_: Any) -> None:
        self.sp = self.stats = sp
        self.np = np_


class _AgOracles:
    """autograd.scipy.special, plus oracles for the functions it lacks, written from
    functions it has."""

    def __getattr__(self, name: str) -> Any:
        return getattr(agsp, name)

    @staticmethod
    def ndtr(x: Any) -> Any:
        return 0.5 * agsp.erfc(-x / math.sqrt(2.0))

    @staticmethod
    def log_ndtr(x: Any) -> Any:
        return agnp.log(0.5 * agsp.erfc(-x / math.sqrt(2.0)))

    @staticmethod
    def ndtri(y: Any) -> Any:
        return math.sqrt(2.0) * agsp.erfinv(2.0 * y - 1.0)

    @staticmethod
    def erfcx(x: Any) -> Any:
        return agnp.exp(x * x) * agsp.erfc(x)

    @staticmethod
    def log_expit(x: Any) -> Any:
        return -agnp.log1p(agnp.exp(-x))

    @staticmethod
    def entr(x: Any) -> Any:
        return -x * agnp.log(x)

    @staticmethod
    def xlogy(x: Any, y: Any) -> Any:
        return x * agnp.log(y)

    @staticmethod
    def xlog1py(x: Any, y: Any) -> Any:
        return x * agnp.log1p(y)

    @staticmethod
    def betaincc(a: Any, b: Any, x: Any) -> Any:
        return 1.0 - agsp.betainc(a, b, x)

    @staticmethod
    def jv(v: Any, x: Any) -> Any:
        return agsp.jn(v, x)  # autograd's jn is scipy's jn, an alias of jv

    # autograd's rules for these do not sum x's cotangent back to x's shape when an order
    # array broadcasts x to a larger shape: x is broadcast beforehand (by autograd's add)
    @staticmethod
    def polygamma(n: Any, x: Any) -> Any:
        return agsp.polygamma(n, x + 0.0 * np.asarray(n))

    @staticmethod
    def jn(n: Any, x: Any) -> Any:
        return agsp.jn(n, x + 0.0 * np.asarray(n))

    @staticmethod
    def yn(n: Any, x: Any) -> Any:
        return agsp.yn(n, x + 0.0 * np.asarray(n))

    @staticmethod
    def iv(v: Any, x: Any) -> Any:
        return agsp.iv(v, x + 0.0 * np.asarray(v))

    @staticmethod
    def ive(v: Any, x: Any) -> Any:
        return agsp.ive(v, x + 0.0 * np.asarray(v))

    @staticmethod
    def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False) -> Any:
        if b is None:
            return agsp.logsumexp(a, axis=axis, keepdims=keepdims)
        # autograd's logsumexp does not differentiate a keyword b: written out here
        a, b = a + 0.0 * b, b + 0.0 * a  # broadcast both
        mx = agnp.max(autograd.tracer.getval(a), axis=axis, keepdims=True)  # type: ignore[attr-defined]
        out = agnp.log(agnp.sum(b * agnp.exp(a - mx), axis=axis, keepdims=True)) + mx
        if keepdims:
            return out
        return agnp.squeeze(out, axis=axis) if axis is not None else agnp.reshape(out, ())

    @staticmethod
    def softmax(x: Any, axis: Any = None) -> Any:
        return agnp.exp(x - agsp.logsumexp(x, axis=axis, keepdims=True))

    @staticmethod
    def log_softmax(x: Any, axis: Any = None) -> Any:
        return x - agsp.logsumexp(x, axis=axis, keepdims=True)


OURS = NS(special, anp)
THEIRS = NS(_AgOracles(), agnp)
PLAIN = NS(sc, np)


def _weights(shape: tuple[int, ...]) -> Arr:
    w: Arr = np.cos(np.arange(int(np.prod(shape))) * 1.3 + 0.3).reshape(shape)
    return w


def _loss(m: NS, f: Case) -> Callable[..., Any]:
    # nonlinear in f's output, so that a Hessian differentiates f's backward rule too
    def loss(*xs: Any) -> Any:
        out = f(m, *xs)
        return m.np.sum(m.np.sin(out) * _weights(np.shape(plain(out))))

    return loss


def check(
    f: Case,
    xs: list[Any],
    *,
    ag: bool = True,
    fd: bool = True,
    hessian: bool = True,
    ns: tuple[NS, NS, NS] | None = None,
) -> None:
    """``f(ours, *xs)``: on plain values exactly scipy's result; on BVars its value,
    gradient, Jacobian (batched seed) and Hessian in each argument against finite
    differences (``fd``) and autograd (``ag``). ``ns`` is (ours, autograd's, plain scipy's),
    by default the special functions'."""
    ours, theirs, scipys = ns or (OURS, THEIRS, PLAIN)
    ref = f(scipys, *xs)
    mine = f(ours, *xs)
    assert type(mine) is type(ref)
    np.testing.assert_array_equal(mine, ref)

    value, grads = ad.backprop_n(_loss(ours, f), *xs)
    np.testing.assert_allclose(value, _loss(scipys, f)(*xs), rtol=1e-12, atol=1e-12)
    for i, g in enumerate(grads):
        assert np.shape(g) == np.shape(xs[i])
        if fd:
            fdg = fd_partial(_loss(scipys, f), xs, i)
            np.testing.assert_allclose(g, fdg, rtol=1e-5, atol=1e-6)
        if ag:
            theirs_g = autograd.grad(_loss(theirs, f), i)(*xs)
            np.testing.assert_allclose(g, theirs_g, rtol=1e-9, atol=1e-12)
        batched = np.ndim(xs[i]) > 0
        if batched and np.ndim(ref) > 0:
            with MustBatch():
                jac = ad.jacobian(lambda *v: f(ours, *v), argnums=i, mode="reverse")(*xs)
            if fd:
                fdj = fd_jacobian(lambda *v: f(scipys, *v), xs, i)
                np.testing.assert_allclose(jac, fdj, rtol=1e-5, atol=1e-6)
            if ag:
                agj = autograd.jacobian(lambda *v: f(theirs, *v), i)(*xs)
                np.testing.assert_allclose(jac, agj, rtol=1e-9, atol=1e-12)
        if not hessian:
            continue
        if batched:
            with MustBatch():
                h = ad.hessian(_loss(ours, f), argnums=i)(*xs)
        else:
            h = ad.hessian(_loss(ours, f), argnums=i)(*xs)
        if fd:
            gi = ad.grad(_loss(ours, f), argnums=i)
            np.testing.assert_allclose(h, fd_jacobian(gi, xs, i, eps=1e-5), rtol=1e-4, atol=1e-5)
        if ag:
            hh = autograd.hessian(_loss(theirs, f), i)(*xs)
            np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)
    if hessian:
        _check_mixed(f, xs, ag=ag, fd=fd, ours=ours, theirs=theirs)


def _check_mixed(f: Case, xs: list[Any], *, ag: bool, fd: bool, ours: NS, theirs: NS) -> None:
    """The mixed second derivatives (the off-diagonal blocks of the Hessian): the
    Jacobian in argument j of the gradient in argument i, both ways round (each block
    comes from a different rule)."""
    for i in range(len(xs)):
        gi = ad.grad(_loss(ours, f), argnums=i)
        for j in range(len(xs)):
            if j == i:
                continue
            hij = ad.jacobian(gi, argnums=j)(*xs)
            if fd:
                fdh = fd_jacobian(gi, xs, j, eps=1e-5)
                np.testing.assert_allclose(hij, fdh, rtol=1e-4, atol=1e-5)
            if ag:
                agh = autograd.jacobian(autograd.grad(_loss(theirs, f), i), j)(*xs)
                np.testing.assert_allclose(hij, agh, rtol=1e-8, atol=1e-10)


def _grid(shape: tuple[int, ...], lo: float, hi: float, phase: float = 0.0) -> Any:
    """Deterministic values spread over ``[lo, hi]``; a Python float for shape ``()``."""
    n = int(np.prod(shape))
    t = 0.5 + 0.5 * np.sin(np.arange(n) * 2.1 + 0.7 + phase)
    v = (lo + (hi - lo) * t).reshape(shape)
    return float(v) if shape == () else v


# ----- the cases: name -> (f(m, *xs), domains of xs, autograd oracle available) -----

Dom = tuple[float, float]
CASES: dict[str, list[tuple[Case, list[Dom], bool]]] = {
    "gammaln": [(lambda m, x: m.sp.gammaln(x), [(0.3, 5.0)], True)],
    "digamma": [(lambda m, x: m.sp.digamma(x), [(0.3, 5.0)], True)],
    "psi": [(lambda m, x: m.sp.psi(x), [(0.3, 5.0)], True)],
    "polygamma": [
        (lambda m, x: m.sp.polygamma(0, x), [(0.3, 5.0)], True),
        (lambda m, x: m.sp.polygamma(2, x), [(0.5, 5.0)], True),
    ],
    "gamma": [(lambda m, x: m.sp.gamma(x), [(0.3, 4.0)], True)],
    "rgamma": [(lambda m, x: m.sp.rgamma(x), [(0.3, 4.0)], True)],
    "multigammaln": [(lambda m, a: m.sp.multigammaln(a, 3), [(1.2, 5.0)], True)],
    "gammainc": [(lambda m, x: m.sp.gammainc(2.5, x), [(0.2, 5.0)], True)],
    "gammaincc": [(lambda m, x: m.sp.gammaincc(0.7, x), [(0.2, 5.0)], True)],
    "beta": [(lambda m, a, b: m.sp.beta(a, b), [(0.5, 4.0), (0.5, 4.0)], True)],
    "betaln": [(lambda m, a, b: m.sp.betaln(a, b), [(0.5, 4.0), (0.5, 4.0)], True)],
    "betainc": [(lambda m, x: m.sp.betainc(2.5, 0.8, x), [(0.05, 0.95)], True)],
    "betaincc": [(lambda m, x: m.sp.betaincc(1.5, 3.0, x), [(0.05, 0.95)], True)],
    "erf": [(lambda m, x: m.sp.erf(x), [(-2.0, 2.0)], True)],
    "erfc": [(lambda m, x: m.sp.erfc(x), [(-2.0, 2.0)], True)],
    "erfcx": [(lambda m, x: m.sp.erfcx(x), [(-1.0, 3.0)], True)],
    "erfinv": [(lambda m, x: m.sp.erfinv(x), [(-0.9, 0.9)], True)],
    "erfcinv": [(lambda m, x: m.sp.erfcinv(x), [(0.1, 1.9)], True)],
    "ndtr": [(lambda m, x: m.sp.ndtr(x), [(-3.0, 3.0)], True)],
    "log_ndtr": [(lambda m, x: m.sp.log_ndtr(x), [(-8.0, 4.0)], True)],
    "ndtri": [(lambda m, y: m.sp.ndtri(y), [(0.05, 0.95)], True)],
    "logit": [(lambda m, x: m.sp.logit(x), [(0.05, 0.95)], True)],
    "expit": [(lambda m, x: m.sp.expit(x), [(-4.0, 4.0)], True)],
    "log_expit": [(lambda m, x: m.sp.log_expit(x), [(-4.0, 4.0)], True)],
    "entr": [(lambda m, x: m.sp.entr(x), [(0.1, 3.0)], True)],
    "xlogy": [(lambda m, x, y: m.sp.xlogy(x, y), [(-2.0, 2.0), (0.2, 3.0)], True)],
    "xlog1py": [(lambda m, x, y: m.sp.xlog1py(x, y), [(-2.0, 2.0), (-0.8, 3.0)], True)],
    "j0": [(lambda m, x: m.sp.j0(x), [(0.5, 6.0)], True)],
    "j1": [(lambda m, x: m.sp.j1(x), [(-6.0, 6.0)], True)],
    "jn": [(lambda m, x: m.sp.jn(3, x), [(0.5, 6.0)], True)],
    "jv": [(lambda m, x: m.sp.jv(1.5, x), [(0.5, 6.0)], True)],
    "y0": [(lambda m, x: m.sp.y0(x), [(0.5, 6.0)], True)],
    "y1": [(lambda m, x: m.sp.y1(x), [(0.5, 6.0)], True)],
    "yn": [(lambda m, x: m.sp.yn(2, x), [(0.5, 6.0)], True)],
    # autograd has no yv, kv, k0, k1: finite differences only
    "yv": [(lambda m, x: m.sp.yv(0.6, x), [(0.5, 6.0)], False)],
    "i0": [(lambda m, x: m.sp.i0(x), [(-3.0, 3.0)], True)],
    "i1": [(lambda m, x: m.sp.i1(x), [(-3.0, 3.0)], True)],
    "iv": [(lambda m, x: m.sp.iv(2.5, x), [(0.3, 3.0)], True)],
    "ive": [
        (lambda m, x: m.sp.ive(1.5, x), [(0.3, 3.0)], True),
        (lambda m, x: m.sp.ive(2, x), [(-3.0, -0.3)], True),
    ],
    "k0": [(lambda m, x: m.sp.k0(x), [(0.3, 4.0)], False)],
    "k1": [(lambda m, x: m.sp.k1(x), [(0.3, 4.0)], False)],
    "kv": [(lambda m, x: m.sp.kv(1.3, x), [(0.3, 4.0)], False)],
    "logsumexp": [
        (lambda m, a: m.sp.logsumexp(a), [(-3.0, 3.0)], True),
        (lambda m, a, b: m.sp.logsumexp(a, b=b), [(-3.0, 3.0), (0.2, 2.0)], True),
    ],
    "softmax": [(lambda m, x: m.sp.softmax(x), [(-3.0, 3.0)], True)],
    "log_softmax": [(lambda m, x: m.sp.log_softmax(x), [(-3.0, 3.0)], True)],
}

NOT_DIFFERENTIABLE = {"gammasgn"}
FLAT = [(name, i, *c) for name, cs in CASES.items() for i, c in enumerate(cs)]
IDS = [f"{name}-{i}" for name, i, *_ in FLAT]
SHAPES: list[tuple[int, ...]] = [(), (3,), (2, 3)]


def test_every_differentiable_name_has_first_and_second_order_cases() -> None:
    # every case of CASES is checked at first and second order (test_case below)
    assert set(special.__all__) - NOT_DIFFERENTIABLE == set(CASES)
    assert all(CASES.values())


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(("name", "i", "f", "doms", "ag"), FLAT, ids=IDS)
def test_case(
    name: str, i: int, f: Case, doms: list[Dom], ag: bool, shape: tuple[int, ...]
) -> None:
    xs = [_grid(shape, lo, hi, phase=k) for k, (lo, hi) in enumerate(doms)]
    check(f, xs, ag=ag)


@pytest.mark.parametrize(("name", "i", "f", "doms", "ag"), FLAT, ids=IDS)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_case_hypothesis(
    name: str, i: int, f: Case, doms: list[Dom], ag: bool, data: st.DataObject
) -> None:
    # scalar points over each function's domain: first and second derivatives (not at
    # subnormal points: there scipy's iv is NaN, and so is autograd's i1 rule, which uses it)
    xs = [data.draw(st.floats(lo, hi, allow_subnormal=False)) for lo, hi in doms]
    for k in range(len(xs)):
        g = ad.grad(_loss(OURS, f), argnums=k)(*xs)
        np.testing.assert_allclose(g, fd_partial(_loss(PLAIN, f), xs, k), rtol=1e-5, atol=1e-6)
        h = ad.derivative(_partial_grad(f, xs, k))(xs[k])
        if ag:
            np.testing.assert_allclose(
                g, autograd.grad(_loss(THEIRS, f), k)(*xs), rtol=1e-9, atol=1e-12
            )
            hh = autograd.hessian(_loss(THEIRS, f), k)(*xs)
            np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)
        else:
            gk = ad.grad(_loss(OURS, f), argnums=k)
            np.testing.assert_allclose(h, fd_partial(gk, xs, k, eps=1e-5), rtol=1e-4, atol=1e-5)


def _partial_grad(f: Case, xs: list[Any], k: int) -> Callable[[Any], Any]:
    # t -> the gradient in argument k at xs with xs[k] replaced by t
    def gk(t: Any) -> Any:
        return ad.grad(_loss(OURS, f), argnums=k)(*[t if j == k else x for j, x in enumerate(xs)])

    return gk


# ----- broadcasting of parameters -----

BROADCAST = [
    ("beta", lambda m, a, b: m.sp.beta(a, b), [(2, 3), (3,)], [(0.5, 3.0), (0.5, 3.0)]),
    ("betaln", lambda m, a, b: m.sp.betaln(a, b), [(2, 1), (1, 3)], [(0.5, 3.0), (0.5, 3.0)]),
    ("xlogy", lambda m, x, y: m.sp.xlogy(x, y), [(), (2, 3)], [(-2.0, 2.0), (0.2, 3.0)]),
    ("xlog1py", lambda m, x, y: m.sp.xlog1py(x, y), [(2, 3), ()], [(-2.0, 2.0), (-0.5, 3.0)]),
    ("polygamma", lambda m, x: m.sp.polygamma(np.array([0, 1, 2]), x), [(2, 1)], [(0.5, 4.0)]),
    ("gammainc", lambda m, x: m.sp.gammainc(np.array([0.5, 1.0, 3.0]), x), [(2, 1)], [(0.2, 4)]),
    ("gammaincc", lambda m, x: m.sp.gammaincc(np.array([0.5, 3.0]), x), [()], [(0.2, 4.0)]),
    (
        "betainc",
        lambda m, x: m.sp.betainc(np.array([0.8, 2.0, 3.0]), 2.0, x),
        [(2, 1)],
        [(0.1, 0.9)],
    ),
    ("betaincc", lambda m, x: m.sp.betaincc(2.0, np.array([0.8, 3.0]), x), [()], [(0.1, 0.9)]),
    ("jn", lambda m, x: m.sp.jn(np.array([0, 1, 4]), x), [(2, 1)], [(0.5, 5.0)]),
    ("yn", lambda m, x: m.sp.yn(np.array([0, 1, 4]), x), [(2, 1)], [(0.5, 5.0)]),
    ("iv", lambda m, x: m.sp.iv(np.array([0.0, 1.5]), x), [()], [(0.5, 3.0)]),
    ("ive", lambda m, x: m.sp.ive(np.array([0.0, 1.5, 3.0]), x), [(2, 1)], [(0.5, 3.0)]),
]


@pytest.mark.parametrize(("name", "f", "shapes", "doms"), BROADCAST, ids=[b[0] for b in BROADCAST])
def test_broadcasting(name: str, f: Case, shapes: list[tuple[int, ...]], doms: list[Dom]) -> None:
    xs = [
        _grid(s, lo, hi, phase=k) for k, (s, (lo, hi)) in enumerate(zip(shapes, doms, strict=True))
    ]
    check(f, xs)


BROADCAST_NO_AG = [
    ("kv", lambda m, x: m.sp.kv(np.array([0.0, 1.5, 2.0]), x), [(2, 1)], [(0.5, 3.0)]),
    ("yv", lambda m, x: m.sp.yv(np.array([0.5, 1.5]), x), [()], [(0.5, 3.0)]),
]


@pytest.mark.parametrize(
    ("name", "f", "shapes", "doms"), BROADCAST_NO_AG, ids=[b[0] for b in BROADCAST_NO_AG]
)
def test_broadcasting_without_autograd(
    name: str, f: Case, shapes: list[tuple[int, ...]], doms: list[Dom]
) -> None:
    xs = [
        _grid(s, lo, hi, phase=k) for k, (s, (lo, hi)) in enumerate(zip(shapes, doms, strict=True))
    ]
    check(f, xs, ag=False)


# ----- logsumexp: axis, keepdims, b, return_sign; softmax and log_softmax axes -----

LSE_AXES: list[Any] = [None, 0, 1, -1, (0, 1), (0, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", LSE_AXES, ids=str)
def test_logsumexp_axis_keepdims(axis: Any, keepdims: bool) -> None:
    a = _grid((2, 3, 2), -3.0, 3.0)
    check(lambda m, a: m.sp.logsumexp(a, axis=axis, keepdims=keepdims), [a])


@pytest.mark.parametrize(
    ("sa", "sb"), [((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((2, 3), ())]
)
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_logsumexp_weights_broadcast(sa: tuple[int, ...], sb: tuple[int, ...], axis: Any) -> None:
    a = _grid(sa, -2.0, 2.0)
    b = _grid(sb, 0.2, 2.0, phase=1.0)
    check(lambda m, a, b: m.sp.logsumexp(a, axis=axis, b=b), [a, b])
    check(lambda m, a, b: m.sp.logsumexp(a, axis=axis, b=b, keepdims=True), [a, b])


def test_logsumexp_return_sign_with_negative_weights() -> None:
    a = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, -0.2]])
    b = np.array([[1.0, 2.0, -1.5], [3.0, 0.5, 0.5]])  # row sums: one negative, one positive
    val, sign = sc.logsumexp(a, axis=1, b=b, return_sign=True)
    assert list(sign) == [-1.0, 1.0]
    seen: list[Any] = []

    def f(m: NS, a: Any, b: Any) -> Any:
        out = m.sp.logsumexp(a, axis=1, b=b, return_sign=True)
        seen.append(out[1])
        return out[0]

    # autograd's logsumexp has no rule for return_sign: compare with log|sum b exp(a)|
    def oracle(a: Any, b: Any) -> Any:
        return agnp.log(agnp.abs(agnp.sum(b * agnp.exp(a), axis=1)))

    plain_out = special.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_array_equal(plain_out[0], val)
    np.testing.assert_array_equal(plain_out[1], sign)
    for i in range(2):
        jac = ad.jacobian(lambda *v: f(OURS, *v), argnums=i)(a, b)
        np.testing.assert_allclose(jac, autograd.jacobian(oracle, i)(a, b), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(
            jac, fd_jacobian(lambda *v: f(PLAIN, *v), [a, b], i), rtol=1e-5, atol=1e-6
        )
        h = ad.hessian(lambda *v: anp.sum(anp.sin(f(OURS, *v))), argnums=i)(a, b)
        hh = autograd.hessian(lambda *v: agnp.sum(agnp.sin(oracle(*v))), i)(a, b)
        np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)
    # on BVars the sign is plain, the same as scipy's
    assert all(type(s) is np.ndarray for s in seen)
    np.testing.assert_array_equal(seen[0], sign)


def test_logsumexp_return_sign_scalar_and_positional() -> None:
    a = np.array([0.5, 1.0])
    b = np.array([-1.0, 0.25])
    out, sign = ad.eval_bp(lambda v: special.logsumexp(v, None, b, False, True), a)
    assert sign == -1.0
    np.testing.assert_allclose(out, math.log(abs(-math.exp(0.5) + 0.25 * math.e)), rtol=1e-14)
    g = ad.grad_bp(lambda v: special.logsumexp(v, b=b, return_sign=True)[0], a)
    s = -math.exp(0.5) + 0.25 * math.e
    np.testing.assert_allclose(g, b * np.exp(a) / s, rtol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)], ids=str)
def test_softmax_log_softmax_axes(axis: Any) -> None:
    x = _grid((2, 3), -2.0, 2.0)
    check(lambda m, x: m.sp.softmax(x, axis=axis), [x])
    check(lambda m, x: m.sp.log_softmax(x, axis=axis), [x])


def test_logsumexp_values_on_bvars_are_scipys() -> None:
    a = _grid((3, 4), -5.0, 5.0)
    out = ad.eval_bp(lambda v: special.logsumexp(v, axis=0), a)
    np.testing.assert_array_equal(out, sc.logsumexp(a, axis=0))


# ----- constants: orders and shape parameters -----


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("polygamma", lambda t: special.polygamma(t, 2.0)),
        ("jn", lambda t: special.jn(t, 2.0)),
        ("jv", lambda t: special.jv(t, 2.0)),
        ("yn", lambda t: special.yn(t, 2.0)),
        ("yv", lambda t: special.yv(t, 2.0)),
        ("iv", lambda t: special.iv(t, 2.0)),
        ("ive", lambda t: special.ive(t, 2.0)),
        ("kv", lambda t: special.kv(t, 2.0)),
        ("multigammaln", lambda t: special.multigammaln(3.0, t)),
        ("gammainc", lambda t: special.gammainc(t, 2.0)),
        ("gammaincc", lambda t: special.gammaincc(t, 2.0)),
        ("betainc", lambda t: special.betainc(t, 2.0, 0.5)),
        ("betainc", lambda t: special.betainc(2.0, t, 0.5)),
        ("betaincc", lambda t: special.betaincc(t, 2.0, 0.5)),
    ],
)
def test_a_bvar_where_a_constant_belongs_raises(name: str, f: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match=f"{name}: the .* is a constant"):
        ad.grad_bp(f, 1.0)


def test_gammasgn_is_plain() -> None:
    seen: list[Any] = []

    def f(x: Any) -> Any:
        seen.append(special.gammasgn(x))
        return x * special.gammasgn(x)

    assert ad.grad_bp(f, -0.5) == -1.0
    assert type(seen[0]) is np.float64
    np.testing.assert_array_equal(special.gammasgn(np.array([-1.5, -0.5, 2.0])), [1.0, -1.0, 1.0])


# ----- behaviour at a few special points -----


def test_log_ndtr_gradient_far_in_the_left_tail() -> None:
    # ndtr underflows to 0 below about -38, log_ndtr's gradient stays about -x
    for x in [-30.0, -50.0, -200.0]:
        g = ad.grad_bp(special.log_ndtr, x)
        assert abs(g / -x - 1.0) < 1.0 / x**2 + 1e-12
        h = ad.derivative(ad.derivative(special.log_ndtr))(x)
        assert abs(h + 1.0) < 3.0 / x**2


def test_i1_derivatives_at_subnormal_x() -> None:
    # scipy's iv(2, x) is NaN for subnormal x: i1's rule must not depend on it
    x = 1.1125369292536007e-308
    assert math.isnan(sc.iv(2.0, x))
    assert ad.grad_bp(special.i1, x) == 0.5
    assert abs(ad.derivative(ad.derivative(special.i1))(x)) < 1e-300  # 3x/8
    np.testing.assert_allclose(ad.derivative(ad.derivative(special.i1))(1.0), 0.429411, atol=1e-5)


def test_third_derivative_of_gammaln_is_tetragamma() -> None:
    d3 = ad.derivative(ad.derivative(ad.derivative(special.gammaln)))(2.0)
    np.testing.assert_allclose(d3, sc.polygamma(2, 2.0), rtol=1e-14)


def test_betainc_gradient_in_logs_survives_large_parameters() -> None:
    # beta(a, b) underflows for a = b = 600, the log form of the density does not
    g = ad.grad_bp(lambda x: special.betainc(600.0, 600.0, x), 0.5)
    fd = (sc.betainc(600.0, 600.0, 0.5 + 1e-7) - sc.betainc(600.0, 600.0, 0.5 - 1e-7)) / 2e-7
    assert math.isfinite(g)
    np.testing.assert_allclose(g, fd, rtol=1e-5)


@st.composite
def _lse_args(draw: st.DrawFn) -> tuple[Arr, Arr | None, Any, bool]:
    """An array, weights (None, or positive and broadcasting with it), an axis (None, an
    int or a tuple, maybe negative) and keepdims."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    n = int(np.prod(shape))
    a = np.array(draw(st.lists(st.floats(-4.0, 4.0), min_size=n, max_size=n))).reshape(shape)
    b = None
    if draw(st.booleans()):
        bshape = shape[draw(st.integers(0, len(shape))) :]
        bshape = tuple(1 if draw(st.booleans()) else d for d in bshape)
        m = int(np.prod(bshape))
        vals = draw(st.lists(st.floats(0.1, 3.0), min_size=m, max_size=m))
        b = np.array(vals).reshape(bshape)
    nd = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    axis: Any = None
    if kind == "int":
        axis = draw(st.integers(-nd, nd - 1))
    elif kind == "tuple":
        picked = draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True))
        axis = tuple(p - nd if draw(st.booleans()) else p for p in picked)
    return a, b, axis, draw(st.booleans())


@settings(max_examples=15, deadline=None)
@given(args=_lse_args())
def test_logsumexp_hypothesis(args: tuple[Arr, Arr | None, Any, bool]) -> None:
    a, b, axis, keepdims = args
    if b is None:
        check(lambda m, a: m.sp.logsumexp(a, axis=axis, keepdims=keepdims), [a])
    else:
        check(lambda m, a, b: m.sp.logsumexp(a, axis=axis, b=b, keepdims=keepdims), [a, b])
