"""Runners, BVar behaviour, containers and records, compared with hand derivations."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import attrs
import numpy as np
import pytest

import optic_ad as ad
from optic_ad import numpy as anp


@attrs.frozen
class Rec(ad.Numeric):
    w: np.ndarray[Any, np.dtype[np.float64]]
    b: float


@dataclasses.dataclass(frozen=True)
class DC(ad.Numeric):
    x: float
    y: float


class NT(NamedTuple):
    a: float
    b: float


R = ad.lenses(Rec)


def test_backprop_value_and_gradient() -> None:
    assert ad.backprop(lambda v: v * v * v, 2.0) == (8.0, 12.0)
    assert ad.eval_bp(lambda v: v * v, 3.0) == 9.0
    assert ad.eval_bp2(lambda a, b: a * b, 3.0, 4.0) == 12.0
    assert ad.backprop2(lambda a, b: a * b + b, 3.0, 4.0) == (16.0, (4.0, 4.0))
    assert ad.grad_bp2(lambda a, b: a / b, 3.0, 4.0) == (0.25, -3.0 / 16.0)


def test_gradient_of_a_record_is_a_record() -> None:
    r = Rec(np.array([1.0, 2.0]), 0.5)
    g = ad.grad_bp(lambda v: anp.sum(v.view(R.w) ** 2) * v.view(R.b), r)
    assert isinstance(g, Rec)
    np.testing.assert_allclose(g.w, 2.0 * r.w * r.b)
    assert g.b == pytest.approx(5.0)
    stepped = r - 0.1 * g
    assert isinstance(stepped, Rec)
    np.testing.assert_allclose(stepped.w, r.w - 0.1 * g.w)


def test_dataclass_namedtuple_dict_list() -> None:
    assert ad.grad_bp(
        lambda v: v.view(ad.lenses(DC).x) * v.view(ad.lenses(DC).y), DC(2.0, 3.0)
    ) == DC(3.0, 2.0)
    assert ad.grad_bp(lambda v: v[0] * v[1], NT(2.0, 5.0)) == NT(5.0, 2.0)
    assert ad.grad_bp(lambda v: v["a"] * v["b"], {"a": 2.0, "b": 5.0}) == {"a": 5.0, "b": 2.0}
    assert ad.grad_bp(lambda v: v[0] * 3.0, [2.0, 5.0]) == [3.0, 0.0]
    assert ad.grad_bp(lambda v: v[0] * 3.0, (2.0, 5.0)) == (3.0, 0.0)


def test_set_and_over_split_the_cotangent() -> None:
    r = Rec(np.array([1.0, 2.0]), 0.5)

    def f(v: ad.BVar[Rec]) -> Any:
        replaced = v.set(R.b, v.view(R.b) * 3.0)
        doubled = replaced.over(R.w, lambda w: w * 2.0)
        return anp.sum(doubled.view(R.w)) * doubled.view(R.b)

    g = ad.grad_bp(f, r)
    # f = sum(2 w) * 3 b
    np.testing.assert_allclose(g.w, [2.0 * 3.0 * 0.5] * 2)
    assert g.b == pytest.approx(2.0 * 3.0 * 3.0)


def test_same_code_runs_plainly_and_recorded() -> None:
    def f(v: Any) -> Any:
        return anp.sum(anp.tanh(v.view(R.w)) * v.view(R.b))

    r = Rec(np.array([0.1, -0.4]), 2.0)
    assert ad.eval_bp(f, r) == f(r)
    value, _ = ad.backprop(f, r)
    assert value == pytest.approx(f(r), rel=1e-15)


def test_int_fields_are_static() -> None:
    @attrs.frozen
    class Counted:
        w: float
        n: int

    C = ad.lenses(Counted)
    g = ad.grad_bp(lambda v: v.view(C.w) * v.view(C.n), Counted(2.0, 3))
    assert g == Counted(3.0, 3)  # static: carried into the gradient unchanged


def test_int_input_warns_and_gets_zero() -> None:
    with pytest.warns(UserWarning, match=r"argument 0 is an int \(3\).*Pass a float \(3\.0\)"):
        assert ad.grad_bp(lambda v: v * 2.0, 3) == 0.0


def test_grad_transform_and_argnums() -> None:
    def f(a: Any, b: Any, c: Any) -> Any:
        return a * b * c

    assert ad.grad(f)(2.0, 3.0, 4.0) == 12.0
    assert ad.grad(f, argnums=2)(2.0, 3.0, 4.0) == 6.0
    assert ad.grad(f, argnums=(0, 1))(2.0, 3.0, 4.0) == (12.0, 8.0)
    assert ad.value_and_grad(f, argnums=(0, 2))(2.0, 3.0, 4.0) == (24.0, (12.0, 6.0))
    with pytest.raises(ValueError, match="argnums 5 out of range"):
        ad.grad(f, argnums=5)(1.0, 2.0, 3.0)  # type: ignore[argnums]  # the plugin sees it


def test_nested_grad_and_perturbation_confusion() -> None:
    # Siskind & Pearlmutter: d/dx (x * d/dy (x + y)) at x = 1 is 1, not 2
    assert ad.grad(lambda x: x * ad.grad(lambda y: x + y)(1.0))(1.0) == 1.0
    x = np.array([0.3, -0.7])
    hv = ad.grad(lambda v: anp.sum(ad.grad(lambda u: anp.sum(anp.sin(u) * u))(v) ** 2))(x)
    d1 = np.sin(x) + x * np.cos(x)
    d2 = 2 * np.cos(x) - x * np.sin(x)
    np.testing.assert_allclose(hv, 2 * d1 * d2, rtol=1e-12)


def test_backprop_with_seed() -> None:
    x = np.array([1.0, 2.0, 3.0])
    value, vjp = ad.backprop_with(lambda v: v * v, x, np.array([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(value, x * x)
    np.testing.assert_allclose(vjp, [2.0, 0.0, 12.0])


def test_errors() -> None:
    with pytest.raises(TypeError, match=r"scalar output.*shape \(2,\).*backprop_with.*jacobian"):
        ad.grad_bp(lambda v: v * 2.0, np.ones(2))
    with pytest.raises(TypeError, match=r"seed must be a cotangent of the output"):
        ad.backprop_with(lambda v: v * 2.0, np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="no Backprop instance for type object"):
        ad.grad_bp(lambda v: v, object())
    with pytest.raises(TypeError, match=r"float\(\) of a BVar would drop its gradient"):
        ad.grad_bp(lambda v: float(v) * v, 2.0)


def test_escaped_bvar() -> None:
    kept: list[Any] = []

    def leak(v: ad.BVar[float]) -> ad.BVar[float]:
        kept.append(v)
        return v * 2.0

    ad.grad_bp(leak, 1.0)
    with pytest.raises(ad.EscapedBVarError, match="escaped its tape"):
        kept[0] * 2.0
    with pytest.raises(ad.EscapedBVarError, match="escaped its tape"):
        anp.sin(kept[0])


def test_output_not_depending_on_input() -> None:
    assert ad.backprop(lambda v: 5.0, 1.0) == (5.0, 0.0)
    g = ad.grad_bp(lambda v: 5.0, Rec(np.ones(2), 1.0))
    np.testing.assert_array_equal(g.w, np.zeros(2))


def test_bvar_operators_and_shape() -> None:
    def f(v: ad.BVar[Any]) -> Any:
        assert v.shape == (2, 3)
        assert v.ndim == 2
        assert len(v) == 2
        assert v.size == 6
        assert (v > 0.0).dtype == bool
        rows = list(v)
        w = (-v + 1.0) * 2.0 - 1.0 / (v + 3.0) + abs(v) + 2.0 ** (v / 4.0)
        return (
            anp.sum(w.T @ np.ones(2))
            + anp.sum(rows[0])
            + anp.sum(v.reshape(6)[2:4])
            + v.sum()
            + v.mean()
        )

    x = np.arange(6.0).reshape(2, 3) / 10.0
    g = ad.grad_bp(f, x)
    expected = (
        -2.0
        + 1.0 / (x + 3.0) ** 2
        + np.sign(x)
        + np.log(2.0) / 4.0 * 2.0 ** (x / 4.0)
        + np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
        + np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
        + 1.0
        + 1.0 / 6.0
    )
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_sequence_and_collect() -> None:
    def f(v: ad.BVar[Any]) -> Any:
        a, b = ad.sequence_var(v)
        both = ad.collect_var((b, a * 2.0))
        x, y = ad.sequence_var(both)
        d = ad.sequence_var(ad.collect_var({"p": x, "q": y}))
        return d["p"] * d["q"]

    # f = b * 2a
    assert ad.grad_bp(f, (3.0, 5.0)) == (10.0, 6.0)


def test_runners_are_independent_across_threads() -> None:
    import threading

    results: dict[int, float] = {}

    def work(i: int) -> None:
        results[i] = ad.grad_bp(lambda v: anp.sin(v) * float(i), 0.5)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        assert results[i] == pytest.approx(np.cos(0.5) * i, rel=1e-15)


def test_gradients_of_containers_inside_an_outer_runner() -> None:
    # f(c) = c0 * c1 has gradient (c1, c0); differentiating its first component gives
    # (0, 1), whatever container holds the pair
    def pair_grad_first(c: Any, first: Any) -> Any:
        return ad.grad_bp(lambda v: first(ad.grad_bp(lambda u: first(u) * second(u), v)), c)

    def second(u: Any) -> Any:
        return u["b"] if isinstance(_plain(u), dict) else u[1]

    def first_of(u: Any) -> Any:
        return u["a"] if isinstance(_plain(u), dict) else u[0]

    assert pair_grad_first((2.0, 3.0), first_of) == (0.0, 1.0)
    assert pair_grad_first([2.0, 3.0], first_of) == [0.0, 1.0]
    assert pair_grad_first(NT(2.0, 3.0), first_of) == NT(0.0, 1.0)
    assert pair_grad_first({"a": 2.0, "b": 3.0}, first_of) == {"a": 0.0, "b": 1.0}

    @dataclasses.dataclass(frozen=True)
    class Plain:  # no arithmetic: cotangents must be summed by the registry
        x: float
        y: float

    P = ad.lenses(Plain)

    def inner(v: Any) -> Any:
        return ad.view_var(P.y, ad.grad_bp(lambda u: u.view(P.x) * u.view(P.y) + u.view(P.x), v))

    g = ad.grad_bp(inner, Plain(2.0, 3.0))
    assert g == Plain(1.0, 0.0)


def _plain(x: Any) -> Any:
    while isinstance(x, ad.BVar):
        x = x.value
    return x
