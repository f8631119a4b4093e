"""Gradients through every optic kind on BVars, checked against central differences and
hand derivations: lenses (view, set, over), prisms (matched and not), traversals, isos,
split/join of records, ``as_op`` of each kind, and second order through optics."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad import structure
from optic_ad.structure import field_names

# ----- a small central-difference checker over structured values -----


Flat = tuple[np.ndarray, Callable[[np.ndarray], Any], Callable[[Any], np.ndarray]]


def _flatten(x: Any) -> Flat:
    """``(vector, build, read)``: the float leaves of ``x`` as one vector, a function
    rebuilding ``x`` from such a vector, and one reading the same leaves out of a value of
    ``x``'s shape (a gradient). Floats and float arrays are leaves; ints, strings and
    ``None`` are constants.
    """
    if isinstance(x, float):
        return np.array([x]), lambda v: float(v[0]), lambda y: np.array([float(y)])
    if isinstance(x, np.ndarray):
        return (
            x.ravel().astype(float),
            lambda v: v.reshape(x.shape).copy(),
            lambda y: np.asarray(y, dtype=float).ravel(),
        )
    if x is None or isinstance(x, int | str):
        return np.zeros(0), lambda v: x, lambda y: np.zeros(0)
    if isinstance(x, dict):
        keys = list(x)
        vec, build, read = _flatten([x[k] for k in keys])
        return (
            vec,
            lambda v: dict(zip(keys, build(v), strict=True)),
            lambda y: read([y[k] for k in keys]),
        )
    names = field_names(type(x))
    if names is not None:
        vec, build, read = _flatten([getattr(x, n) for n in names])
        return (
            vec,
            lambda v: structure.rebuild(x, build(v)),
            lambda y: read([getattr(y, n) for n in names]),
        )
    if isinstance(x, ad.T2 | ad.T3 | ad.HList):
        vec, build, read = _flatten(list(x))
        return vec, lambda v: type(x)._from_items(build(v)), lambda y: read(list(y))
    if isinstance(x, tuple | list):
        parts = [_flatten(p) for p in x]
        sizes = np.cumsum([0] + [len(p[0]) for p in parts])

        def rebuild(v: np.ndarray) -> Any:
            return type(x)(b(v[sizes[i] : sizes[i + 1]]) for i, (_, b, _) in enumerate(parts))

        def read_all(y: Any) -> np.ndarray:
            return np.concatenate(
                [np.zeros(0)] + [p[2](yi) for p, yi in zip(parts, y, strict=True)]
            )

        vec = np.concatenate([np.zeros(0)] + [p[0] for p in parts])
        return vec, rebuild, read_all
    raise AssertionError(f"cannot flatten {type(x)}")


def _value(f: Callable[[Any], Any], x: Any) -> float:
    # f is written for BVars (methods such as v.view); its value is computed by the engine
    return float(ad.backprop(f, x)[0])


def fd_grad(f: Callable[[Any], Any], x: Any, eps: float = 1e-6) -> np.ndarray:
    """The central-difference gradient of scalar ``f`` at ``x``, over ``x``'s float leaves."""
    vec, build, _ = _flatten(x)
    out = np.zeros_like(vec)
    for i in range(len(vec)):
        up, down = vec.copy(), vec.copy()
        up[i] += eps
        down[i] -= eps
        out[i] = (_value(f, build(up)) - _value(f, build(down))) / (2 * eps)
    return out


def check_grad(f: Callable[[Any], Any], x: Any, rtol: float = 1e-5, atol: float = 1e-7) -> Any:
    """``grad_bp(f, x)`` has ``x``'s type and matches central differences; returns it."""
    g = ad.grad_bp(f, x)
    assert type(g) is type(x)
    np.testing.assert_allclose(_flatten(x)[2](g), fd_grad(f, x), rtol=rtol, atol=atol)
    return g


# ----- records -----


@attrs.frozen
class Net:
    w: np.ndarray
    b: float
    extra: float | None
    steps: int


@dataclasses.dataclass(frozen=True)
class Pt:
    x: float
    y: float


class Pair(NamedTuple):
    left: float
    right: np.ndarray


@attrs.frozen
class NumNet(ad.Numeric):
    w: np.ndarray
    b: float
    extra: float | None


@dataclasses.dataclass(frozen=True)
class NumPt(ad.Numeric):
    x: float
    y: float


N = ad.lenses(Net)
NP = ad.lenses(NumPt)
NN = ad.lenses(NumNet)
P = ad.lenses(Pt)
PAIR_ISO: ad.Iso[tuple[Any, Any], ad.T2[Any, Any]] = ad.iso(
    lambda s: ad.T2(s[0], s[1]), lambda t: (t[0], t[1]), name="pair"
)
net0 = Net(np.array([0.5, -1.0, 2.0]), 0.3, 1.5, 7)
small = st.floats(-2.0, 2.0, allow_nan=False)


# ----- lenses -----


def test_view_gradient_is_the_cotangent_set_into_zero() -> None:
    def f(v: ad.BVar[Net]) -> Any:
        return anp.sum(anp.tanh(v.view(N.w)) * v.view(N.b)) + v.view(N.b) ** 2

    g = check_grad(f, net0)
    assert g.extra == 0.0  # untouched fields get zero
    assert g.steps == net0.steps  # ints are static: carried unchanged


def test_set_gradient_splits_between_whole_and_part() -> None:
    def f(v: ad.BVar[Pt]) -> Any:
        w = v.set(P.x, v.view(P.y) * 3.0)  # (3y, y)
        return w.view(P.x) * w.view(P.x) + w.view(P.y) * v.view(P.x)

    g = check_grad(f, Pt(0.7, -1.2))
    # f = 9y^2 + x*y: df/dx = y, df/dy = 18y + x (the old x is overwritten, not lost)
    assert (g.x, g.y) == pytest.approx((-1.2, 18 * -1.2 + 0.7))


def test_over_and_composed_lenses() -> None:
    lens = ad.lenses(Pair).right >> ad.ix(1)

    def f(v: ad.BVar[Pair]) -> Any:
        u = v.over(lens, lambda r: anp.exp(r) * 2.0)
        return anp.sum(u.view(ad.lenses(Pair).right) ** 2) * u.view(ad.ix(0))

    check_grad(f, Pair(0.4, np.array([0.1, -0.3, 0.8])))


def test_key_and_ix_on_containers() -> None:
    def f(v: Any) -> Any:
        d = v.view(ad.ix(0))
        return d.view(ad.key("a")) * ad.view_var(ad.ix(1), v) ** 3 + anp.sum(
            ad.view_var(ad.ix(2) >> ad.ix(1), v)
        )

    check_grad(f, ({"a": 1.5, "b": 2.0}, 0.5, [0.1, np.array([1.0, 2.0])]))


@given(small, small)
def test_view_through_iso_and_iso_var(a: float, b: float) -> None:
    def f(v: Any) -> Any:
        t = ad.iso_var(PAIR_ISO, v)
        return t.view(ad.ix(0)) * anp.sin(t.view(ad.ix(1)))

    g = ad.grad_bp(f, (a, b))
    assert g == pytest.approx((np.sin(b), a * np.cos(b)))


# ----- prisms -----


def test_preview_matched_gets_the_gradient() -> None:
    opt = N.extra >> ad.just

    def f(v: ad.BVar[Net]) -> Any:
        e = v.preview(opt)
        assert e is not None
        return e * e * v.view(N.b)

    g = check_grad(f, net0)
    assert g.extra == pytest.approx(2 * 1.5 * 0.3)


def test_preview_not_matched_is_none_and_zero_gradient() -> None:
    net = attrs.evolve(net0, extra=None)

    def f(v: ad.BVar[Net]) -> Any:
        e = v.preview(N.extra >> ad.just)
        assert e is None
        return v.view(N.b) * 2.0

    g = ad.grad_bp(f, net)
    assert g.b == 2.0
    assert g.extra is None
    np.testing.assert_array_equal(g.w, np.zeros(3))


def test_instance_of_prism_on_a_union() -> None:
    pt = ad.instance_of(Pt)

    def f(v: Any) -> Any:
        out = 0.0
        for item in ad.sequence_var(v):
            p = ad.preview_var(pt, item)
            if p is not None:
                out = out + p.view(P.x) * p.view(P.y)
        return out

    g = check_grad(f, [Pt(1.0, 2.0), 3.0, Pt(-0.5, 4.0)])
    assert g[1] == 0.0  # the element the prism did not match gets zero
    assert g[0] == Pt(2.0, 1.0)


def test_lens_needed_where_prism_did_not_match_names_the_optic() -> None:
    net = attrs.evolve(net0, extra=None)
    with pytest.raises(ValueError, match=r"Traversal\(Net.extra >> just\) found no focus"):
        ad.grad_bp(lambda v: ad.view_var(N.extra >> ad.just, v), net)
    with pytest.raises(ValueError, match=r"Prism\(just\) found no focus in a NoneType"):
        ad.grad_bp(lambda v: ad.view_var(ad.just, v.view(N.extra)) + v.view(N.b), net)
    # where it does match, viewing through a prism behaves like a lens
    g = ad.grad_bp(lambda v: ad.view_var(N.extra >> ad.just, v) * 3.0, net0)
    assert g.extra == 3.0


# ----- traversals -----


def test_to_list_of_each_on_lists_dicts_and_arrays() -> None:
    def f(v: Any) -> Any:
        xs = v.to_list_of(ad.each)
        out = xs[0] * 0.0
        for i, x in enumerate(xs):
            out = out + (i + 1.0) * x**2
        return out

    assert check_grad(f, [0.5, -1.0, 2.0]) == [pytest.approx(1.0), -4.0, 12.0]
    check_grad(f, {"a": 0.5, "b": -1.0})
    g = check_grad(f, np.array([0.5, -1.0, 2.0]))
    np.testing.assert_allclose(g, [1.0, -4.0, 12.0])
    check_grad(lambda v: anp.sum(f(v)), np.array([[0.5, 1.0], [-1.0, 2.0]]))


def test_composed_traversal_and_affine_traversal() -> None:
    nested = ad.each >> ad.lenses(Pt).y

    def f(v: Any) -> Any:
        ys = ad.to_list_of_var(nested, v)
        return ys[0] * ys[1] * ys[2]

    g = check_grad(f, [Pt(1.0, 2.0), Pt(3.0, -1.0), Pt(0.0, 0.5)])
    assert [p.x for p in g] == [0.0, 0.0, 0.0]

    affine = ad.lenses(Net).extra >> ad.just
    assert ad.grad_bp(lambda v: sum(v.to_list_of(affine), 0.0) * 1.0, net0).extra == 1.0
    empty = attrs.evolve(net0, extra=None)
    assert ad.grad_bp(lambda v: sum(v.to_list_of(affine), v.view(N.b)), empty).b == 1.0


def test_to_list_of_plain_values_is_to_list() -> None:
    assert ad.to_list_of_var(ad.each, [1.0, 2.0]) == [1.0, 2.0]
    assert ad.preview_var(ad.just, None) is None
    assert ad.preview_var(ad.just, 2.0) == 2.0
    assert ad.iso_var(PAIR_ISO, (1.0, 2.0)) == ad.T2(1.0, 2.0)


# ----- records of BVars -----


def test_split_and_join_var() -> None:
    def f(v: ad.BVar[Net]) -> Any:
        n = ad.split_var(v)
        assert isinstance(n, Net)
        assert n.steps == 7  # ints stay plain constants
        rebuilt = ad.join_var(attrs.evolve(n, b=n.b * anp.sum(n.w)))
        return rebuilt.view(N.b) ** 2 + anp.sum(rebuilt.view(N.w) * 2.0)

    check_grad(f, net0)


def test_split_and_join_dataclass_and_namedtuple() -> None:
    check_grad(lambda v: (lambda p: p.x * anp.exp(p.y))(ad.split_var(v)), Pt(0.3, -0.2))

    def f(v: ad.BVar[Pair]) -> Any:
        p = ad.split_var(v)
        q = ad.join_var(Pair(p.left * 2.0, p.right * p.left))
        return anp.sum(q.view(ad.lenses(Pair).right)) + q.view(ad.ix(0))

    check_grad(f, Pair(0.4, np.array([1.0, -2.0])))
    assert ad.split_var(Pt(1.0, 2.0)) == Pt(1.0, 2.0)


def test_split_var_of_a_non_record_says_so() -> None:
    with pytest.raises(TypeError, match="split_var needs an attrs class"):
        ad.grad_bp(lambda v: ad.split_var(v), [1.0])


# ----- every optic induces an Op -----


def test_as_op_of_every_kind() -> None:
    def lens_f(v: Any) -> Any:
        return N.b.as_op()(v) ** 2

    assert ad.grad_bp(lens_f, net0).b == pytest.approx(0.6)

    def trav_f(v: Any) -> Any:
        return sum(ad.sequence_var(ad.each.as_op()(v)), 0.0) * 2.0

    assert ad.grad_bp(trav_f, [1.0, 2.0]) == [2.0, 2.0]

    def prism_f(v: Any) -> Any:
        parts = ad.sequence_var(ad.just.as_op()(v))
        return parts[0] * 3.0

    assert ad.grad_bp(prism_f, 2.0) == 3.0

    def iso_f(v: Any) -> Any:
        t = PAIR_ISO.as_op()(v)
        return t.view(ad.ix(0)) * t.view(ad.ix(1))

    assert ad.grad_bp(iso_f, (2.0, 5.0)) == (5.0, 2.0)


# ----- second order through optics -----


def test_second_order_through_every_kind() -> None:
    def inner(v: Any) -> Any:
        out = 0.0
        for x in ad.to_list_of_var(ad.each, v):
            out = out + x**3
        return out

    def outer(u: Any) -> Any:
        return sum(ad.grad_bp(inner, u), 0.0)  # sum of 3 x^2

    xs = [0.5, -1.0, 2.0]
    assert ad.grad_bp(outer, xs) == [pytest.approx(6 * x) for x in xs]

    # (a Numeric record: at second order the engine adds record cotangents with `+`)
    def inner_p(v: Any) -> Any:
        e = ad.preview_var(ad.just, v.view(NN.extra))
        assert e is not None
        return e**3 * v.view(NN.b)

    def outer_p(u: Any) -> Any:
        return ad.grad_bp(inner_p, u).view(NN.extra)  # 3 e^2 b

    g = ad.grad_bp(outer_p, NumNet(np.ones(2), 0.3, 1.5))
    assert g.extra == pytest.approx(6 * 1.5 * 0.3)
    assert g.b == pytest.approx(3 * 1.5**2)

    def inner_s(v: Any) -> Any:
        p = ad.split_var(v)
        q = ad.join_var(NumPt(p.x * p.y, p.y))
        return q.view(NP.x) ** 2  # (xy)^2

    def outer_s(u: Any) -> Any:
        return ad.grad_bp(inner_s, u).view(NP.x)  # 2 x y^2

    g2 = ad.grad_bp(outer_s, NumPt(0.5, 3.0))
    assert type(g2) is NumPt
    assert (g2.x, g2.y) == pytest.approx((18.0, 6.0))
