"""Product types T2, T3, HList: structure, field-wise arithmetic, the Backprop registry,
optics on them and gradients (checked against hand derivations and central differences)."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import numpy as anp

fl = st.floats(-1e3, 1e3, allow_nan=False)
nonzero = fl.filter(lambda x: abs(x) > 1e-3)


def test_construction_indexing_iteration() -> None:
    p = ad.T2(1.0, "a")
    assert (p[0], p[1], p.fst, p.snd) == (1.0, "a", 1.0, "a")
    assert list(ad.T3(1, 2, 3)) == [1, 2, 3]
    h = ad.HList(1.0, 2.0, np.ones(2))
    assert len(h) == 3
    assert h[-1] is h[2]
    assert repr(ad.HList()) == "HList()"
    assert repr(ad.T2(1.0, 2.0)) == "T2(1.0, 2.0)"
    a, b = ad.T2(1.0, 2.0)
    assert (a, b) == (1.0, 2.0)


def test_immutable_hashable_picklable() -> None:
    p = ad.T2(1.0, 2.0)
    with pytest.raises(AttributeError, match="T2 is immutable"):
        p.x = 3.0
    assert hash(p) == hash(ad.T2(1.0, 2.0))
    assert {p, ad.T2(1.0, 2.0)} == {p}
    h = ad.HList(1.0, np.arange(3.0))
    h2 = pickle.loads(pickle.dumps(h))
    assert type(h2) is ad.HList
    assert h2 == h


def test_equality_is_by_type_and_value() -> None:
    assert ad.T2(1.0, 2.0) == ad.T2(1.0, 2.0)
    assert ad.T2(1.0, 2.0) != ad.T2(1.0, 3.0)
    assert ad.T2(1.0, 2.0) != ad.HList(1.0, 2.0)
    assert ad.T2(1.0, 2.0) != (1.0, 2.0)
    assert ad.HList(np.ones(2)) == ad.HList(np.ones(2))
    assert ad.HList(np.ones(2)) != ad.HList(np.zeros(2))


@given(fl, fl, fl, nonzero)
def test_field_wise_arithmetic(a: float, b: float, c: float, k: float) -> None:
    h = ad.HList(a, np.array([b, c]))
    out = h + h * 2.0 - h / 2.0
    assert out[0] == a + a * 2.0 - a / 2.0
    w = np.array([b, c])
    np.testing.assert_array_equal(out[1], w + w * 2.0 - w / 2.0)
    t = ad.T3(a, b, c)
    assert t + t == ad.T3(a + a, b + b, c + c)
    assert t * t == ad.T3(a * a, b * b, c * c)
    assert t - 1.0 == ad.T3(a - 1.0, b - 1.0, c - 1.0)
    assert 1.0 - t == ad.T3(1.0 - a, 1.0 - b, 1.0 - c)
    assert k * t == ad.T3(k * a, k * b, k * c)
    assert t / k == ad.T3(a / k, b / k, c / k)
    assert k / ad.T2(k, k) == ad.T2(1.0, 1.0)
    assert 2.0 + ad.T2(a, b) == ad.T2(2.0 + a, 2.0 + b)
    assert -t == ad.T3(-a, -b, -c)
    assert ad.T2(a, b) / ad.T2(k, k) == ad.T2(a / k, b / k)


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="HLists of lengths 2 and 3 met"):
        _ = ad.HList(1.0, 2.0) + ad.HList(1.0, 2.0, 3.0)  # type: ignore[call-arg]


def test_registered_in_the_backprop_registry() -> None:
    h = ad.HList(2.0, np.array([1.0, 2.0]), ad.T2(3.0, 4.0))
    z = ad.zero(h)
    assert type(z) is ad.HList
    assert z == ad.HList(0.0, np.zeros(2), ad.T2(0.0, 0.0))
    assert ad.one(h) == ad.HList(1.0, np.ones(2), ad.T2(1.0, 1.0))
    assert ad.add(h, ad.one(h)) == ad.HList(3.0, np.array([2.0, 3.0]), ad.T2(4.0, 5.0))
    assert ad.add(h, z) == h
    one: Any = ad.HList(1.0)
    with pytest.raises(ValueError, match="lengths 1 and 2"):
        ad.add(one, ad.HList(1.0, 2.0))


def test_optics_on_products() -> None:
    t = ad.T3(1.0, 2.0, 3.0)
    assert ad.ix(1).set(t, 9.0) == ad.T3(1.0, 9.0, 3.0)
    assert ad.ix(2).view(t) == 3.0
    assert ad.each.over(t, lambda v: v * 2.0) == ad.T3(2.0, 4.0, 6.0)
    assert ad.each.to_list(ad.HList(1.0, 2.0)) == [1.0, 2.0]
    assert type(ad.ix(0).set(ad.HList(1.0, 2.0), 5.0)) is ad.HList


def test_grad_bp_of_an_hlist_is_an_hlist() -> None:
    h = ad.HList(1.5, np.array([0.5, -1.0]), ad.T2(2.0, 3.0))

    def f(v: ad.BVar[Any]) -> Any:
        a = v.view(ad.ix(0))
        w = v.view(ad.ix(1))
        t = v.view(ad.ix(2))
        return a * anp.sum(w * w) + t.view(ad.ix(0)) * t.view(ad.ix(1)) * a

    g = ad.grad_bp(f, h)
    assert type(g) is ad.HList
    assert type(g[2]) is ad.T2
    # d/da = sum(w^2) + t0 t1; d/dw = 2 a w; d/dt = (t1 a, t0 a)
    assert g[0] == pytest.approx(1.25 + 6.0)
    np.testing.assert_allclose(g[1], [1.5, -3.0])
    assert g[2] == ad.T2(pytest.approx(4.5), pytest.approx(3.0))


def test_gradient_of_product_arithmetic_matches_central_differences() -> None:
    def f(v: Any) -> Any:
        u = v * v * 2.0 - v / 3.0 + 1.0
        return u.view(ad.ix(0)) * u.view(ad.ix(1)) + anp.sum(u.view(ad.ix(2)))

    x = ad.HList(0.7, -1.3, np.array([0.2, 0.9]))
    g = ad.grad_bp(f, x)
    assert type(g) is ad.HList
    eps = 1e-6
    flat = np.array([0.7, -1.3, 0.2, 0.9])

    def at(v: np.ndarray) -> float:
        return float(ad.eval_bp(f, ad.HList(float(v[0]), float(v[1]), v[2:].copy())))

    fd = [
        (at(flat + eps * np.eye(4)[i]) - at(flat - eps * np.eye(4)[i])) / (2 * eps)
        for i in range(4)
    ]
    np.testing.assert_allclose([g[0], g[1], *g[2]], fd, rtol=1e-6)


def test_eval_bp_runs_product_code_on_plain_values() -> None:
    def f(v: Any) -> Any:
        return ad.view_var(ad.ix(0), v * 2.0) + 1.0

    assert ad.eval_bp(f, ad.T2(1.0, 2.0)) == 3.0
    assert ad.grad_bp(f, ad.T2(1.0, 2.0)) == ad.T2(2.0, 0.0)


def test_gradient_step_keeps_the_type() -> None:
    p = ad.T2(1.0, np.array([1.0, 2.0]))
    g = ad.grad_bp(lambda v: v.view(ad.ix(0)) ** 2 + anp.sum(v.view(ad.ix(1)) ** 2), p)
    q = p - 0.25 * g
    assert type(q) is ad.T2
    assert q[0] == pytest.approx(0.5)
    np.testing.assert_allclose(q[1], [0.5, 1.0])


def test_indexing_and_unpacking_a_bvar_of_a_product_keeps_the_gradient_type() -> None:
    def f(v: Any) -> Any:
        a, b, c = v
        return a * c + b * v[-1] * v[1]

    g = ad.grad_bp(f, ad.T3(1.0, 2.0, 3.0))
    # f = a c + b^2 c: (c, 2 b c, a + b^2)
    assert g == ad.T3(3.0, 12.0, 5.0)
    h = ad.grad_bp(lambda v: v[0] * v[1], ad.HList(1.5, 2.0))
    assert type(h) is ad.HList
    assert h == ad.HList(2.0, 1.5)
