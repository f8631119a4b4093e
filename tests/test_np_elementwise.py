"""The elementwise family of optic_ad.numpy (issue 14): unary and broadcasting binary
functions, real/imag/conj/angle for real inputs, nan_to_num, and the fixes to ``power`` /
``**`` at a zero exponent and to ``clip`` (broadcasting bounds, numpy's keywords).

Each case is written once as ``f(m, *xs)`` with ``m`` either ``optic_ad.numpy`` or
``autograd.numpy`` (an independent implementation): values and gradients are compared with
autograd and with central finite differences; second derivatives with ``autograd.hessian``
and finite differences of our gradient; Jacobians with ``autograd.jacobian`` through the
batched seed (and the row-by-row fallback). Where autograd lacks a function (cbrt, fmod,
copysign) its oracle is written from functions it has.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
import optic_ad.higher as higher
from optic_ad import numpy as anp
from optic_ad.bvar import BVar
from optic_ad.tape import Tape
from tests.helpers import fd_jacobian, fd_partial

Arr = NDArray[np.float64]
Case = Callable[..., Any]
# a value domain: (lowest, highest, signed) — signed draws a magnitude in [lowest, highest]
# with either sign (to stay away from 0)
Dom = tuple[float, float, bool]

SHAPES: list[tuple[int, ...]] = [(), (3,), (2, 3), (2, 1, 3)]
PAIRS: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
    ((), ()),
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
]


# ----- oracles for the functions autograd.numpy lacks -----


def poly_cbrt(m: Any, x: Any) -> Any:
    return m.cbrt(x) if m is anp else agnp.sign(x) * agnp.abs(x) ** (1.0 / 3.0)


def poly_fmod(m: Any, x: Any, y: Any) -> Any:
    # fix is piecewise constant (a no-gradient function in autograd)
    return m.fmod(x, y) if m is anp else x - y * agnp.fix(x / y)


def poly_copysign(m: Any, x: Any, y: Any) -> Any:
    return m.copysign(x, y) if m is anp else agnp.abs(x) * agnp.sign(y)


# ----- helpers (as in tests/test_numpy.py) -----


def _weights(shape: tuple[int, ...]) -> Arr:
    w: Arr = np.cos(np.arange(int(np.prod(shape))) + 0.3).reshape(shape)
    return w


def _val(out: Any) -> Any:
    return out.value if isinstance(out, BVar) else out


def _loss(m: Any, f: Case) -> Callable[..., Any]:
    def loss(*xs: Any) -> Any:
        out = f(m, *xs)
        return m.sum(out * _weights(np.shape(_val(out))))

    return loss


def _values(shape: tuple[int, ...], dom: Dom) -> st.SearchStrategy[Arr]:
    lo, hi, signed = dom
    n = int(np.prod(shape))
    mags = st.lists(st.floats(lo, hi), min_size=n, max_size=n)
    signs = st.lists(st.sampled_from([-1.0, 1.0] if signed else [1.0]), min_size=n, max_size=n)

    def build(m: list[float], s: list[float]) -> Arr:
        out: Arr = (np.array(m, dtype=np.float64) * np.array(s)).reshape(shape)
        return out

    return st.builds(build, mags, signs)


def _irregular(shape: tuple[int, ...], dom: Dom) -> st.SearchStrategy[Arr]:
    """Like ``_values``, but without Hypothesis' favourite round numbers (0, 1, 0.5, the
    bounds...): an integer k maps to the fractional part of k times the golden ratio (plus
    an offset). Used where round numbers are exactly the bad points (x / y an integer)."""
    lo, hi, signed = dom
    n = int(np.prod(shape))
    ks = st.lists(st.integers(0, 2**20), min_size=n, max_size=n)
    signs = st.lists(st.sampled_from([-1.0, 1.0] if signed else [1.0]), min_size=n, max_size=n)

    def build(k: list[int], s: list[float]) -> Arr:
        u = (np.array(k, dtype=np.float64) * 0.6180339887498949 + 0.2718281828) % 1.0
        out: Arr = ((lo + (hi - lo) * u) * np.array(s)).reshape(shape)
        return out

    return st.builds(build, ks, signs)


def _check(f: Case, xs: list[Arr]) -> None:
    ours = ad.backprop_n(_loss(anp, f), *xs)
    np.testing.assert_allclose(ours[0], _loss(agnp, f)(*xs), rtol=1e-12, atol=1e-12)
    for i, g in enumerate(ours[1]):
        assert np.shape(g) == np.shape(xs[i])
        with warnings.catch_warnings():
            # autograd warns when the loss does not depend on x_i (copysign's sign argument)
            warnings.filterwarnings("ignore", "Output seems independent of input")
            oracle = autograd.grad(_loss(agnp, f), i)(*xs)
        np.testing.assert_allclose(g, oracle, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(g, fd_partial(_loss(agnp, f), xs, i), rtol=1e-5, atol=1e-6)


def _far_from_integers(q: Any, tol: float = 1e-3) -> bool:
    # a quotient away from the jumps of floor/trunc: finite differences are meaningful
    q = np.asarray(q)
    return bool(np.all(np.abs(q - np.round(q)) > tol))


# ----- unary -----

POS: Dom = (0.2, 3.0, False)
ANY: Dom = (-2.0, 2.0, False)
NONZERO: Dom = (0.2, 2.0, True)

# (name, function of (m, x), domain)
UNARY: list[tuple[str, Case, Dom]] = [
    ("log2", lambda m, x: m.log2(x), POS),
    ("log10", lambda m, x: m.log10(x), POS),
    ("exp2", lambda m, x: m.exp2(x), ANY),
    ("arcsinh", lambda m, x: m.arcsinh(x), ANY),
    ("arccosh", lambda m, x: m.arccosh(x), (1.2, 3.0, False)),
    ("arctanh", lambda m, x: m.arctanh(x), (-0.8, 0.8, False)),
    ("fabs", lambda m, x: m.fabs(x), NONZERO),
    ("absolute", lambda m, x: m.absolute(x), NONZERO),
    ("reciprocal", lambda m, x: m.reciprocal(x), (0.3, 2.0, True)),
    ("cbrt", poly_cbrt, NONZERO),
    ("deg2rad", lambda m, x: m.deg2rad(x * 50.0), ANY),
    ("radians", lambda m, x: m.radians(x * 50.0), ANY),
    ("rad2deg", lambda m, x: m.rad2deg(x), ANY),
    ("degrees", lambda m, x: m.degrees(x), ANY),
    # autograd's sinc' is 0/0 at 0: ours there is checked against a series below
    ("sinc", lambda m, x: m.sinc(x), (0.01, 2.5, True)),
    ("nan_to_num", lambda m, x: m.nan_to_num(x) * x, ANY),
    ("real", lambda m, x: m.real(x) * x, ANY),
    ("conj", lambda m, x: m.conj(x) * x, ANY),
    ("conjugate", lambda m, x: m.conjugate(x) * m.sin(x), ANY),
    ("real_if_close", lambda m, x: m.real_if_close(x) * x, ANY),
    ("imag", lambda m, x: x * (m.imag(x) + 1.5), ANY),
    ("angle", lambda m, x: x * (m.angle(x) + 0.5), NONZERO),
    # autograd's angle has no deg keyword: its oracle converts
    (
        "angle-deg",
        lambda m, x: x * (m.angle(x, deg=True) if m is anp else agnp.angle(x) * (180 / np.pi)),
        NONZERO,
    ),
]


@pytest.mark.parametrize(("name", "f", "dom"), UNARY, ids=[c[0] for c in UNARY])
@settings(max_examples=15)
@given(data=st.data())
def test_unary_gradient_matches_autograd_and_fd(
    name: str, f: Case, dom: Dom, data: st.DataObject
) -> None:
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    x = data.draw(_values(shape, dom), label="x")
    _check(f, [x])


# ----- binary, with broadcasting -----

DIVISOR: Dom = (0.5, 2.0, True)

# (name, function of (m, x, y), x domain, y domain)
BINARY: list[tuple[str, Case, Dom, Dom]] = [
    ("logaddexp", lambda m, x, y: m.logaddexp(x, y), ANY, ANY),
    ("logaddexp2", lambda m, x, y: m.logaddexp2(x, y), ANY, ANY),
    ("hypot", lambda m, x, y: m.hypot(x, y), NONZERO, NONZERO),
    # x1 away from 0: arctan2 jumps on the negative x2 axis
    ("arctan2", lambda m, x, y: m.arctan2(x, y), NONZERO, ANY),
    ("remainder", lambda m, x, y: m.remainder(x, y), (-3.0, 3.0, False), DIVISOR),
    ("mod", lambda m, x, y: m.mod(x, y), (-3.0, 3.0, False), DIVISOR),
    ("fmod", poly_fmod, (-3.0, 3.0, False), DIVISOR),
    ("fmax", lambda m, x, y: m.fmax(x, y), ANY, ANY),
    ("fmin", lambda m, x, y: m.fmin(x, y), ANY, ANY),
    ("true_divide", lambda m, x, y: m.true_divide(x, y), ANY, DIVISOR),
    ("copysign", poly_copysign, NONZERO, NONZERO),
    ("copysign-sq", lambda m, x, y: poly_copysign(m, x * x + 0.1, y) * x, ANY, NONZERO),
    # no gradient through floor_divide: only the factor x carries one
    ("floor_divide", lambda m, x, y: x * m.floor_divide(x, y) + y, (-3.0, 3.0, False), DIVISOR),
]


@pytest.mark.parametrize(
    ("name", "f", "dx", "dy", "sx", "sy"),
    [(*c, sx, sy) for c in BINARY for sx, sy in PAIRS],
    ids=[f"{c[0]}-{sx}-{sy}" for c in BINARY for sx, sy in PAIRS],
)
@settings(max_examples=8)
@given(data=st.data())
def test_binary_gradient_matches_autograd_and_fd(
    name: str,
    f: Case,
    dx: Dom,
    dy: Dom,
    sx: tuple[int, ...],
    sy: tuple[int, ...],
    data: st.DataObject,
) -> None:
    if name in {"remainder", "mod", "fmod", "floor_divide"}:
        x = data.draw(_irregular(sx, dx), label="x")
        y = data.draw(_irregular(sy, dy), label="y")
        assume(_far_from_integers(x / y))
    else:
        x = data.draw(_values(sx, dx), label="x")
        y = data.draw(_values(sy, dy), label="y")
    if name in {"fmax", "fmin"}:
        # keep away from ties, where the derivative is not defined
        x = x + 0.05 * np.where(x >= y, 1.0, -1.0)
    _check(f, [x, y])


# ----- second order and Jacobians (batched seed and rows) -----


@contextlib.contextmanager
def _rows() -> Iterator[None]:
    """Force the row-by-row Jacobian (no batched seed)."""
    saved = higher._batch_safe
    higher._batch_safe = lambda tape: False
    try:
        yield
    finally:
        higher._batch_safe = saved


@contextlib.contextmanager
def _batched() -> Iterator[list[bool]]:
    """Record whether each Jacobian took the batched (one-pass) path."""
    saved = higher._batch_safe
    seen: list[bool] = []

    def spy(tape: Tape) -> bool:
        ok = saved(tape)
        seen.append(ok)
        return ok

    higher._batch_safe = spy
    try:
        yield seen
    finally:
        higher._batch_safe = saved


def _second_loss(m: Any, f: Case) -> Callable[[Any], Any]:
    def loss(x: Any) -> Any:
        out = f(m, x)
        w = _weights(np.shape(_val(out)))
        # nonlinear outside, so that f's own rule is differentiated by the hessian
        return m.sum(m.sin(out) * w)

    return loss


def _quot_ok(a: Any, b: Any) -> bool:
    return _far_from_integers(np.asarray(a) / np.asarray(b), 1e-2)


# (names covered, function of (m, x) on a (2, 3) array, domain, predicate on x or None)
SECOND: list[tuple[str, Case, Dom, Callable[[Arr], bool] | None]] = [
    ("log2 log10", lambda m, x: m.log2(x) * m.log10(x * x + 1.0), (0.3, 2.0, False), None),
    ("exp2", lambda m, x: m.exp2(x), (-1.5, 1.5, False), None),
    ("arcsinh", lambda m, x: m.arcsinh(x) * x, (-1.5, 1.5, False), None),
    ("arccosh", lambda m, x: m.arccosh(x), (1.2, 2.5, False), None),
    ("arctanh", lambda m, x: m.arctanh(x), (-0.7, 0.7, False), None),
    ("fabs absolute", lambda m, x: m.fabs(x) * x**2 + m.absolute(x) ** 3, (0.2, 1.5, True), None),
    ("reciprocal", lambda m, x: m.reciprocal(x), (0.3, 1.5, True), None),
    ("cbrt", poly_cbrt, (0.3, 1.5, True), None),
    (
        "deg2rad radians rad2deg degrees",
        lambda m, x: (
            m.deg2rad(x * 50.0) ** 2 + m.radians(x * 40.0) * x + m.rad2deg(x) * m.degrees(x) / 1e3
        ),
        (-1.5, 1.5, False),
        None,
    ),
    ("sinc", lambda m, x: m.sinc(x) * x, (0.05, 2.0, True), None),
    (
        "logaddexp logaddexp2",
        lambda m, x: m.logaddexp(x, x[0] ** 2) + m.logaddexp2(x[:, :1], x * x),
        (-1.5, 1.5, False),
        None,
    ),
    ("hypot", lambda m, x: m.hypot(x, x[0]) + m.hypot(x[:, 2:], x) * x, (0.3, 1.5, True), None),
    (
        "arctan2",
        lambda m, x: m.arctan2(x, x[:, :1] ** 2 + 0.5) + m.arctan2(x[0], x) * x,
        (0.3, 1.5, True),
        None,
    ),
    (
        "remainder mod",
        lambda m, x: m.remainder(x * 2.0, x[0] + 3.0) * x + m.mod(x[:, :1] * 5.3, x),
        (0.3, 1.5, True),
        lambda x: _quot_ok(x * 2.0, x[0] + 3.0) and _quot_ok(x[:, :1] * 5.3, x),
    ),
    (
        "fmod",
        lambda m, x: poly_fmod(m, x * 2.0, x[0] + 3.0) * x + poly_fmod(m, x[:, :1] * 5.3, x),
        (0.3, 1.5, True),
        lambda x: _quot_ok(x * 2.0, x[0] + 3.0) and _quot_ok(x[:, :1] * 5.3, x),
    ),
    (
        "fmax fmin",
        lambda m, x: m.fmax(x, x[0] * 0.5) * x + m.fmin(x**2, x[:, 1:2] * 0.7),
        (0.3, 1.5, True),
        lambda x: bool(
            np.all(np.abs(x - x[0] * 0.5) > 1e-2) and np.all(np.abs(x**2 - x[:, 1:2] * 0.7) > 1e-2)
        ),
    ),
    ("true_divide", lambda m, x: m.true_divide(x, x[0] ** 2 + 1.0) * x, (-1.5, 1.5, False), None),
    (
        "copysign",
        lambda m, x: poly_copysign(m, x**2, x[0]) * x + poly_copysign(m, x, -1.0) * x,
        (0.3, 1.5, True),
        None,
    ),
    (
        "floor_divide",
        lambda m, x: m.floor_divide(x * 3.0, 0.7) * x**2,
        (0.3, 1.5, True),
        lambda x: _quot_ok(x * 3.0, 0.7),
    ),
    ("nan_to_num", lambda m, x: m.nan_to_num(x**3) * x, (-1.5, 1.5, False), None),
    (
        "real conj conjugate real_if_close imag angle",
        lambda m, x: (
            m.real(x**2) * m.conj(x)
            + m.conjugate(x) * m.real_if_close(x**3)
            + x * (m.imag(x) + m.angle(x))
        ),
        (0.3, 1.5, True),
        None,
    ),
]


@pytest.mark.parametrize(("names", "f", "dom", "ok"), SECOND, ids=[c[0] for c in SECOND])
@settings(max_examples=4)
@given(data=st.data())
def test_second_derivative_and_jacobian(
    names: str, f: Case, dom: Dom, ok: Callable[[Arr], bool] | None, data: st.DataObject
) -> None:
    if ok is None:
        x = data.draw(_values((2, 3), dom), label="x")
    else:
        # cases with bad points (jumps, ties) draw no round numbers, and avoid those points
        x = data.draw(_irregular((2, 3), dom), label="x")
        assume(ok(x))
    h = ad.hessian(_second_loss(anp, f))(x)
    assert h.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(h, autograd.hessian(_second_loss(agnp, f))(x), rtol=1e-9, atol=1e-9)
    fd = fd_jacobian(ad.grad(_second_loss(anp, f)), [x], 0, 1e-5)
    np.testing.assert_allclose(h, fd, rtol=1e-4, atol=1e-4)
    oracle = autograd.jacobian(lambda v: f(agnp, v))(x)
    with _batched() as seen:
        j = ad.jacobian(lambda v: f(anp, v))(x)
    assert seen
    assert all(seen), "a rule of this case is not batch-safe: the Jacobian fell back to rows"
    np.testing.assert_allclose(j, oracle, rtol=1e-9, atol=1e-10)
    with _rows():
        np.testing.assert_allclose(
            ad.jacobian(lambda v: f(anp, v))(x), oracle, rtol=1e-9, atol=1e-10
        )


# ----- Python floats (the math path), to third order -----

# (ours, autograd's, a point)
UNARY3: list[tuple[str, Case, Case, float]] = [
    ("log2", anp.log2, agnp.log2, 0.7),
    ("log10", anp.log10, agnp.log10, 1.3),
    ("exp2", anp.exp2, agnp.exp2, 0.4),
    ("arcsinh", anp.arcsinh, agnp.arcsinh, -0.6),
    ("arccosh", anp.arccosh, agnp.arccosh, 1.7),
    ("arctanh", anp.arctanh, agnp.arctanh, 0.3),
    ("reciprocal", anp.reciprocal, agnp.reciprocal, -0.8),
    ("cbrt", anp.cbrt, lambda x: poly_cbrt(agnp, x), -0.9),
    ("deg2rad", lambda x: anp.deg2rad(x) ** 3, lambda x: agnp.deg2rad(x) ** 3, 40.0),
    ("radians", lambda x: anp.radians(x) ** 3, lambda x: agnp.radians(x) ** 3, 40.0),
    ("rad2deg", lambda x: anp.rad2deg(x) ** 3, lambda x: agnp.rad2deg(x) ** 3, 0.4),
    ("degrees", lambda x: anp.degrees(x) ** 3, lambda x: agnp.degrees(x) ** 3, 0.4),
    ("fabs", lambda x: anp.fabs(x) ** 3, lambda x: agnp.fabs(x) ** 3, -0.7),
    ("sinc", anp.sinc, agnp.sinc, 0.35),
]


@pytest.mark.parametrize(("name", "ours", "theirs", "x"), UNARY3, ids=[c[0] for c in UNARY3])
def test_derivatives_on_python_floats_to_third_order(
    name: str, ours: Case, theirs: Case, x: float
) -> None:
    d: Case = ours
    t: Case = theirs
    for _ in range(3):
        d = ad.derivative(d)
        t = autograd.grad(t)
        got = d(x)
        assert isinstance(got, float)
        assert got == pytest.approx(t(x), rel=1e-9, abs=1e-12)


def test_python_float_results_stay_floats_or_match_numpy() -> None:
    for name in ["log2", "log10", "exp2", "arcsinh", "arctanh", "fabs", "cbrt", "degrees"]:
        got = getattr(anp, name)(0.4)
        want = getattr(np, name)(0.4)
        assert type(got) is float
        assert got == pytest.approx(float(want), rel=1e-15)
        assert type(ad.grad(getattr(anp, name))(0.4)) is float
    for name in ["reciprocal", "sinc"]:
        got = getattr(anp, name)(0.4)
        want = getattr(np, name)(0.4)
        assert type(got) is type(want)
        assert got == want
    # numpy's inf and warning where math raises
    with pytest.warns(RuntimeWarning):
        assert anp.log2(0.0) == -np.inf


# ----- sinc at and near 0: every derivative, against its Taylor series -----


def _sinc_series_derivative(x: float, k: int, terms: int = 30) -> float:
    """The k-th derivative of sinc at x from sum (-1)^n (pi x)^(2n) / (2n+1)! (|x| <= 1)."""
    total = 0.0
    for n in range(terms):
        p = 2 * n
        if p < k:
            continue
        coef = (-1) ** n * math.pi**p / math.factorial(p + 1)
        total += coef * math.perm(p, k) * x ** (p - k)
    return total


@given(
    x=st.one_of(
        st.just(0.0),
        st.floats(-2e-3, 2e-3),
        # the switch from the series to the closed form is at |x| = 0.1
        st.sampled_from([0.1, -0.1, 0.0999, 0.1001, -0.1001]),
        st.floats(-0.5, 0.5),
    )
)
def test_sinc_derivatives_at_and_near_zero(x: float) -> None:
    d: Case = anp.sinc
    for k in range(1, 4):
        d = ad.derivative(d)
        assert d(x) == pytest.approx(_sinc_series_derivative(x, k), rel=1e-9, abs=1e-10)


def test_sinc_gradient_and_hessian_on_an_array_mixing_small_and_large_values() -> None:
    x = np.array([0.0, 2e-4, -0.3, 1.7, -5e-2, 0.9])

    def f(v: Any) -> Any:
        return anp.sum(anp.sinc(v) * np.arange(1.0, 7.0))

    g = ad.grad(f)(x)
    want1 = [
        (_sinc_series_derivative(v, 1) if abs(v) <= 1 else _sinc_d1_closed(v)) * w
        for v, w in zip(x, range(1, 7), strict=True)
    ]
    np.testing.assert_allclose(g, want1, rtol=1e-9, atol=1e-12)
    h = ad.hessian(f)(x)
    want = np.diag(
        [
            (_sinc_series_derivative(v, 2) if abs(v) <= 1 else _sinc_d2_closed(v)) * w
            for v, w in zip(x, range(1, 7), strict=True)
        ]
    )
    np.testing.assert_allclose(h, want, rtol=1e-8, atol=1e-10)
    j = ad.jacobian(anp.sinc)(x)
    np.testing.assert_allclose(j, np.diag(g / np.arange(1.0, 7.0)), rtol=1e-12)


def _sinc_d1_closed(x: float) -> float:
    px = math.pi * x
    return (math.cos(px) * px - math.sin(px)) / (math.pi * x * x)


def _sinc_d2_closed(x: float) -> float:
    s = math.sin(math.pi * x) / (math.pi * x)
    return -(math.pi**2) * s - 2.0 * _sinc_d1_closed(x) / x


# ----- nan_to_num with non-finite values, and its keywords -----


def test_nan_to_num_gradient_is_zero_where_x_is_not_finite() -> None:
    x = np.array([0.5, np.nan, np.inf, -np.inf, -1.5])
    kw: dict[str, Any] = {"nan": 2.0, "posinf": 7.0, "neginf": -3.0}
    # small weights: autograd's nan_to_num (no keywords) puts the largest float at inf
    w = np.arange(1.0, 6.0) / 10.0
    ours = ad.grad(lambda v: anp.sum(anp.nan_to_num(v, **kw) * w))(x)
    theirs = autograd.grad(lambda v: agnp.sum(agnp.nan_to_num(v) * w))(x)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [0.1, 0.0, 0.0, 0.0, 0.5])
    # the value, with the keywords, is numpy's
    seen: list[Any] = []

    def f(v: Any) -> Any:
        out = anp.nan_to_num(v, copy=False, **kw)
        seen.append(out.value)
        return anp.sum(out)

    ad.grad(f)(x)
    np.testing.assert_array_equal(seen[0], np.nan_to_num(x, **kw))
    # copy=False never changes a BVar's value in place
    assert np.isnan(x[1])


def test_nan_to_num_on_plain_values_is_numpy_with_keywords() -> None:
    x = np.array([1.0, np.nan, -np.inf])
    np.testing.assert_array_equal(
        anp.nan_to_num(x=x, nan=-1.0, neginf=-9.0), np.nan_to_num(x, nan=-1.0, neginf=-9.0)
    )
    y = x.copy()
    out = anp.nan_to_num(y, copy=False)
    assert out is y  # numpy's in-place behaviour on plain arrays
    assert type(anp.nan_to_num(float("nan"))) is type(np.nan_to_num(float("nan")))


# ----- real, imag, conj, angle, real_if_close -----


def test_real_parts_of_a_real_bvar() -> None:
    seen: dict[str, Any] = {}

    def f(v: Any) -> Any:
        seen["real"] = anp.real(val=v)
        seen["conj"] = anp.conj(v)
        seen["rif"] = anp.real_if_close(a=v, tol=10)
        seen["imag"] = anp.imag(val=v)
        seen["angle"] = anp.angle(z=v, deg=True)
        return anp.sum(seen["real"] * seen["conj"] * seen["rif"])

    x = np.array([0.5, -1.5, 2.0])
    g = ad.grad(f)(x)
    np.testing.assert_allclose(g, 3 * x**2)
    for name in ["real", "conj", "rif"]:
        assert isinstance(seen[name], BVar)
    assert not isinstance(seen["imag"], BVar)
    assert not isinstance(seen["angle"], BVar)
    np.testing.assert_array_equal(seen["imag"], np.zeros(3))
    np.testing.assert_array_equal(seen["angle"], np.angle(x, deg=True))


def test_real_parts_of_a_complex_bvar_are_recorded() -> None:
    # (their gradients are in tests/test_complex.py)
    tape = Tape()
    z = BVar(np.array([1.0 + 2.0j]), tape)
    for fn in [anp.real, anp.imag, anp.conj, anp.conjugate, anp.angle]:
        out = fn(z)
        assert isinstance(out, BVar)
        np.testing.assert_array_equal(out.value, getattr(np, fn.__name__)(z.value))
    assert anp.real_if_close(z) is z


def test_real_parts_on_plain_values_are_numpy() -> None:
    z = np.array([1.0 + 2.0j, -3.0 - 0.5j])
    pairs: list[tuple[Case, Case]] = [
        (anp.real, np.real),
        (anp.imag, np.imag),
        (anp.conj, np.conj),
        (anp.conjugate, np.conjugate),
        (anp.angle, np.angle),
    ]
    for ours, theirs in pairs:
        for v in [z, 2.5, np.array([1.0, -2.0])]:
            got, want = ours(v), theirs(v)
            assert type(got) is type(want)
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(anp.angle(z, deg=True), np.angle(z, deg=True))
    near = np.array([1.0 + 1e-16j])
    assert anp.real_if_close(near).dtype == np.real_if_close(near).dtype
    assert anp.real_if_close(near, tol=0).dtype == np.real_if_close(near, tol=0).dtype


# ----- plain values: numpy's results; keywords; aliases -----

UNARY_NAMES = [
    "log2",
    "log10",
    "exp2",
    "arcsinh",
    "arccosh",
    "arctanh",
    "fabs",
    "absolute",
    "reciprocal",
    "cbrt",
    "deg2rad",
    "radians",
    "rad2deg",
    "degrees",
    "sinc",
]
BINARY_NAMES = [
    "logaddexp",
    "logaddexp2",
    "hypot",
    "arctan2",
    "remainder",
    "mod",
    "fmod",
    "fmax",
    "fmin",
    "true_divide",
    "copysign",
    "floor_divide",
]


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_on_plain_arrays_is_numpy(name: str) -> None:
    x = np.array([[0.1, 0.5, 0.95], [0.2, 0.35, 0.61]])
    if name == "arccosh":
        x = x + 1.0
    for v in [x, x[0, 0:1], np.float64(x[0, 1]), np.array(x[1, 2])]:
        got, want = getattr(anp, name)(v), getattr(np, name)(v)
        assert type(got) is type(want)
        np.testing.assert_array_equal(got, want)
    seen: list[Any] = []

    def f(v: Any) -> Any:
        out = getattr(anp, name)(v)
        seen.append(out.value)
        return anp.sum(out)

    ad.grad(f)(x)
    assert type(seen[0]) is np.ndarray
    np.testing.assert_array_equal(seen[0], getattr(np, name)(x))


@pytest.mark.parametrize("name", BINARY_NAMES)
def test_binary_on_plain_arrays_is_numpy(name: str) -> None:
    x = np.array([[1.1, -1.5, 2.5], [0.2, 3.0, np.nan]])
    y = np.array([0.7, np.nan, -1.3])
    for a, b in [(x, y), (x, 0.9), (2.5, y), (2.5, -0.75), (np.float64(1.25), 0.5)]:
        with np.errstate(invalid="ignore"):
            got, want = getattr(anp, name)(a, b), getattr(np, name)(a, b)
        if name == "true_divide" and type(a) is float and type(b) is float:
            # the existing divide (x / y) keeps Python floats Python floats
            assert type(got) is float
        else:
            assert type(got) is type(want)
        np.testing.assert_array_equal(got, want)


def test_aliases_and_keywords() -> None:
    assert anp.absolute is anp.abs
    assert anp.mod is anp.remainder
    assert anp.conjugate is anp.conj
    assert anp.true_divide is anp.divide
    np.testing.assert_array_equal(anp.sinc(x=np.array([0.0, 0.5])), np.sinc(x=np.array([0.0, 0.5])))
    assert ad.grad(lambda v: anp.sinc(x=v))(0.5) == pytest.approx(_sinc_d1_closed(0.5), rel=1e-12)


def test_non_differentiable_results_are_plain() -> None:
    seen: dict[str, Any] = {}

    def f(v: Any) -> Any:
        seen["fd"] = anp.floor_divide(v, 0.4)
        seen["fd2"] = anp.floor_divide(1.0, v)
        return anp.sum(v)

    ad.grad(f)(np.array([0.5, 1.3]))
    assert type(seen["fd"]) is np.ndarray
    np.testing.assert_array_equal(seen["fd"], np.floor_divide([0.5, 1.3], 0.4))
    np.testing.assert_array_equal(seen["fd2"], np.floor_divide(1.0, [0.5, 1.3]))


def test_fmax_fmin_pass_the_gradient_to_the_number_beside_a_nan() -> None:
    x = np.array([0.5, np.nan, 2.0])
    y = np.array([np.nan, -1.0, 1.0])
    w = np.array([1.0, 2.0, 3.0])
    pairs: list[tuple[Case, Case]] = [(anp.fmax, agnp.fmax), (anp.fmin, agnp.fmin)]
    for ours, theirs in pairs:
        gx, gy = ad.grad(lambda a, b, f=ours: anp.sum(f(a, b) * w), (0, 1))(x, y)
        for i, g in enumerate([gx, gy]):
            ref = autograd.grad(lambda a, b, f=theirs: agnp.sum(f(a, b) * w), i)(x, y)
            np.testing.assert_array_equal(g, ref)
    np.testing.assert_array_equal(ad.grad(lambda a: anp.sum(anp.fmax(a, y)))(x), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(ad.grad(lambda b: anp.sum(anp.fmin(x, b)))(y), [0.0, 1.0, 1.0])


def test_copysign_with_a_negative_zero_sign() -> None:
    # the sign of -0.0 is negative (numpy.sign would say 0): the gradient is -sign(x)
    x = np.array([0.7, -1.2])
    g = ad.grad(lambda v: anp.sum(anp.copysign(v, -0.0) * np.array([1.0, 2.0])))(x)
    np.testing.assert_array_equal(g, [-1.0, 2.0])
    assert ad.grad(lambda v: anp.copysign(v, 3.0))(-2.0) == -1.0


def test_fmod_and_remainder_where_x_over_y_rounds_to_an_integer() -> None:
    # 1 / 0.1 rounds to 10.0, but fmod(1, 0.1) = 1 - 9 * 0.1: d/dy is -9
    for fn in [anp.fmod, anp.remainder]:
        gy = ad.grad(lambda y, f=fn: f(1.0, y))(0.1)
        assert gy == -9.0


# ----- power and ** at a zero exponent (a fix of the existing rules) -----


def test_power_with_zero_exponent_at_zero_has_zero_gradient() -> None:
    # d/dx x**0 = 0 everywhere; y * x**(y - 1) would be 0 * inf = NaN at x = 0 (and a
    # ZeroDivisionError for Python floats)
    x = np.array([0.0, 0.5, -1.2])
    cases: list[tuple[Case, Case]] = [
        (lambda v: anp.sum(anp.power(v, 0.0) * v), lambda v: agnp.sum(agnp.power(v, 0.0) * v)),
        (lambda v: anp.sum(v**0 * anp.sin(v)), lambda v: agnp.sum(v**0 * agnp.sin(v))),
        (lambda v: anp.sum(v**0.0 * v * v), lambda v: agnp.sum(v**0.0 * v * v)),
        (
            lambda v: anp.sum(anp.power(v, np.array([0.0, 2.0, 0.0])) * anp.cos(v)),
            lambda v: agnp.sum(agnp.power(v, np.array([0.0, 2.0, 0.0])) * agnp.cos(v)),
        ),
    ]
    for ours, theirs in cases:
        np.testing.assert_allclose(ad.grad(ours)(x), autograd.grad(theirs)(x), rtol=1e-12)
        np.testing.assert_allclose(ad.hessian(ours)(x), autograd.hessian(theirs)(x), rtol=1e-12)
        np.testing.assert_allclose(ad.jacobian(ad.grad(ours))(x), autograd.hessian(theirs)(x))
    for f in [
        lambda v: v**0,
        lambda v: v**0.0,
        lambda v: anp.power(v, 0.0),
        lambda v: anp.power(v, 0),
    ]:
        assert ad.grad(f)(0.0) == 0.0
        assert ad.derivative(ad.derivative(f))(0.0) == 0.0


def test_power_gradient_wrt_a_zero_exponent() -> None:
    # d/dy x**y = x**y log x, taken as 0 at x = 0 (as autograd)
    gx, gy = ad.grad(lambda x, y: anp.sum(anp.power(x, y)), (0, 1))(
        np.array([0.0, 2.0]), np.array([0.0, 0.0])
    )
    np.testing.assert_array_equal(gx, [0.0, 0.0])
    np.testing.assert_allclose(gy, [0.0, math.log(2.0)])
    # the mixed second derivative at y = 0, x != 0 is x**(y-1) (1 + y log x) = 1/x (autograd
    # says x there: it replaces the exponent wherever y == 0, not only where x == 0 too)
    d2 = ad.grad(lambda y: ad.grad(lambda x: anp.power(x, y))(2.0))(0.0)
    assert d2 == pytest.approx(0.5, rel=1e-12)


# ----- clip: broadcasting bounds and numpy's keywords (a fix of the existing clip) -----


def test_clip_with_broadcasting_bounds_has_the_gradient_shape_of_x() -> None:
    x = np.array([-0.8, 0.3, 1.4])
    lo = np.array([[0.1], [-1.0]])
    w = np.arange(6.0).reshape(2, 3) + 1.0
    ours = ad.grad(lambda v: anp.sum(anp.clip(v, lo, 1.0) * w))(x)
    # autograd's clip does not unbroadcast: its oracle broadcasts x first
    theirs = autograd.grad(lambda v: agnp.sum(agnp.clip(v + np.zeros((2, 3)), lo, 1.0) * w))(x)
    assert ours.shape == x.shape
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [4.0, 2.0 + 5.0, 0.0])


def test_clip_with_numpy_keywords() -> None:
    x = np.array([-0.8, 0.3, 1.4])
    np.testing.assert_array_equal(
        anp.clip(x, a_min=0.0, a_max=1.0), np.clip(x, a_min=0.0, a_max=1.0)
    )
    # numpy wants both a_min and a_max when one is given by name; ours defaults to None
    np.testing.assert_array_equal(anp.clip(a=x, a_max=0.5), np.clip(x, None, 0.5))
    np.testing.assert_array_equal(anp.clip(x, a_min=0.0), np.clip(x, 0.0, None))
    np.testing.assert_array_equal(anp.clip(x, None, 0.5), np.clip(x, None, 0.5))
    g = ad.grad(lambda v: anp.sum(anp.clip(a=v, a_min=-0.5) * np.array([1.0, 2.0, 3.0])))(x)
    np.testing.assert_array_equal(g, [0.0, 2.0, 3.0])
    g = ad.grad(lambda v: anp.sum(anp.clip(v, a_max=0.5)))(x)
    np.testing.assert_array_equal(g, [1.0, 1.0, 0.0])


CLIP_SHAPES: list[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = [
    ((3,), (2, 1), ()),
    ((), (3,), (2, 3)),
    ((2, 3), (3,), (2, 1)),
    ((1, 3), (2, 1), ()),
    ((2, 1, 3), (), (4, 1)),
]


@pytest.mark.parametrize(("sx", "slo", "shi"), CLIP_SHAPES)
@settings(max_examples=10)
@given(data=st.data())
def test_clip_broadcasting_matches_autograd_fd_and_jacobian(
    sx: tuple[int, ...], slo: tuple[int, ...], shi: tuple[int, ...], data: st.DataObject
) -> None:
    x = data.draw(_values(sx, (-2.0, 2.0, False)), label="x")
    lo = data.draw(_values(slo, (-1.0, 0.0, False)), label="lo")
    hi = data.draw(_values(shi, (0.2, 1.0, False)), label="hi")
    out = np.broadcast_shapes(sx, slo, shi)
    # the bounds are kinks: keep x away from them
    xb = np.broadcast_to(x, out)
    assume(np.all(np.abs(xb - lo) > 1e-3) and np.all(np.abs(xb - hi) > 1e-3))
    zeros = np.zeros(out)

    def f(m: Any, v: Any) -> Any:
        if m is anp:
            return anp.clip(v, a_min=lo, a_max=hi)
        return agnp.clip(v + zeros, lo, hi)

    _check(lambda m, v: f(m, v) * v, [x])
    oracle = autograd.jacobian(lambda v: f(agnp, v))(x)
    with _batched() as seen:
        j = ad.jacobian(lambda v: f(anp, v))(x)
    assert seen
    assert all(seen)
    np.testing.assert_array_equal(j, oracle)
