"""Optics over plain values: laws (Hypothesis) for every built-in optic and compositions,
kinds and associativity of ``>>``, ready-made optics, errors, and the issue's downstream
example at run time."""

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
from optic_ad.registry import field_names

# ----- records used throughout -----


@attrs.frozen
class PA:
    x: float
    y: float | None


@dataclasses.dataclass(frozen=True)
class DC:
    a: float
    b: tuple[float, float]


class NT(NamedTuple):
    p: float
    q: float | None


@attrs.frozen
class Outer:
    inner: PA
    tag: str


def same(x: Any, y: Any) -> bool:
    """Structural equality that compares arrays by value (and NaN-free floats exactly)."""
    if isinstance(x, float | np.floating) and isinstance(y, float | np.floating):
        return float(x) == float(y)  # an array element is a numpy scalar
    if type(x) is not type(y):
        return False
    if isinstance(x, np.ndarray):
        return x.shape == y.shape and bool(np.array_equal(x, y))
    if isinstance(x, dict):
        return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
    if isinstance(x, tuple | list | ad.T2 | ad.T3 | ad.HList):
        return len(x) == len(y) and all(same(a, b) for a, b in zip(x, y, strict=True))
    names = field_names(type(x))
    if names is not None:
        return all(same(getattr(x, n), getattr(y, n)) for n in names)
    return bool(x == y)


# ----- strategies -----

fl = st.floats(-1e3, 1e3, allow_nan=False)
opt_fl = st.none() | fl
arr4 = st.lists(fl, min_size=4, max_size=4).map(np.array)
pa = st.builds(PA, fl, opt_fl)
dc = st.builds(DC, fl, st.tuples(fl, fl))
nt = st.builds(NT, fl, opt_fl)
outer = st.builds(Outer, pa, st.text(max_size=3))
t3f = st.tuples(fl, fl, fl)
flist = st.lists(fl, max_size=5)
fdict = st.dictionaries(st.sampled_from("abc"), fl)
float_or_str = fl | st.text(max_size=3)

PAIR_ISO: ad.Iso[tuple[Any, Any], ad.T2[Any, Any]] = ad.iso(
    lambda s: ad.T2(s[0], s[1]), lambda t: (t[0], t[1]), name="pair"
)
NT_ISO: ad.Iso[NT, tuple[Any, Any]] = ad.iso(
    lambda n: (n.p, n.q), lambda t: NT(*t), name="nt_tuple"
)

L_PA = ad.lenses(PA)
L_OUT = ad.lenses(Outer)

# (id, optic, strategy of wholes, strategy of parts)
LENS_CASES: list[tuple[str, ad.Lens[Any, Any], st.SearchStrategy[Any], st.SearchStrategy[Any]]] = [
    ("attrs", L_PA.x, pa, fl),
    ("attrs optional", L_PA.y, pa, opt_fl),
    ("dataclass", ad.lenses(DC).b, dc, st.tuples(fl, fl)),
    ("namedtuple", ad.lenses(NT).q, nt, opt_fl),
    ("ix tuple", ad.ix(1), t3f, fl),
    ("ix list", ad.ix(0), st.lists(fl, min_size=1, max_size=4), fl),
    ("ix array", ad.ix(2), arr4, fl),
    ("ix namedtuple", ad.ix(0), nt, fl),
    ("ix T2", ad.ix(1), st.builds(ad.T2, fl, arr4), arr4),
    ("ix T3", ad.ix(2), st.builds(ad.T3, fl, fl, fl), fl),
    ("ix HList", ad.ix(1), st.builds(ad.HList, fl, fl, fl), fl),
    ("key", ad.key("b"), fdict.map(lambda d: {**d, "b": 0.0}), fl),
    ("lens>>lens", L_OUT.inner >> L_PA.x, outer, fl),
    ("ix>>ix", ad.ix(0) >> ad.ix(1), st.tuples(t3f, fl), fl),
    ("dc>>ix", ad.lenses(DC).b >> ad.ix(0), dc, fl),
    ("iso>>lens", PAIR_ISO >> ad.ix(0), st.tuples(fl, fl), fl),
    ("iso", PAIR_ISO, st.tuples(fl, fl), st.builds(ad.T2, fl, fl)),
]

PRISM_CASES: list[
    tuple[str, ad.Prism[Any, Any], st.SearchStrategy[Any], st.SearchStrategy[Any]]
] = [
    ("just", ad.just, opt_fl, fl),
    ("instance_of", ad.instance_of(float), float_or_str, fl),
    ("instance_of record", ad.instance_of(PA), pa | fl, pa),
    ("just>>instance_of", ad.just >> ad.instance_of(float), st.none() | float_or_str, fl),
    ("prism>>iso", ad.just >> PAIR_ISO, st.none() | st.tuples(fl, fl), st.builds(ad.T2, fl, fl)),
    ("iso>>prism", PAIR_ISO >> ad.instance_of(ad.T2), st.tuples(fl, fl), st.builds(ad.T2, fl, fl)),
    (
        "user prism",
        ad.prism(lambda s: s[1] if s[0] == "ok" else None, lambda a: ("ok", a), name="ok"),
        st.tuples(st.sampled_from(["ok", "err"]), fl),
        fl,
    ),
]

TRAVERSAL_CASES: list[tuple[str, ad.Traversal[Any, Any], st.SearchStrategy[Any]]] = [
    ("each list", ad.each, flist),
    ("each tuple", ad.each, t3f),
    ("each dict", ad.each, fdict),
    ("each array", ad.each, arr4),
    ("each HList", ad.each, st.builds(ad.HList, fl, fl)),
    ("lens>>prism", L_PA.y >> ad.just, pa),
    ("each>>each", ad.each >> ad.each, st.lists(flist, max_size=3)),
    ("ix>>each", ad.ix(1) >> ad.each, st.tuples(fl, flist)),
    ("each>>lens", ad.each >> L_PA.x, st.lists(pa, max_size=3)),
    ("each>>prism", ad.each >> ad.just, st.lists(opt_fl, max_size=4)),
    ("prism>>lens", ad.instance_of(PA) >> L_PA.x, pa | fl),
    *[(name, o, s) for name, o, s, _ in LENS_CASES + PRISM_CASES],
]


def _ids(cases: list[Any]) -> list[str]:
    return [c[0] for c in cases]


# ----- lens laws -----


@pytest.mark.parametrize(("name", "optic", "wholes", "parts"), LENS_CASES, ids=_ids(LENS_CASES))
def test_lens_law_view_set(name: str, optic: ad.Lens[Any, Any], wholes: Any, parts: Any) -> None:
    @given(wholes)
    def law(s: Any) -> None:
        assert same(optic.set(s, optic.view(s)), s)

    law()


@pytest.mark.parametrize(("name", "optic", "wholes", "parts"), LENS_CASES, ids=_ids(LENS_CASES))
def test_lens_law_set_view(name: str, optic: ad.Lens[Any, Any], wholes: Any, parts: Any) -> None:
    @given(wholes, parts)
    def law(s: Any, a: Any) -> None:
        assert same(optic.view(optic.set(s, a)), a)

    law()


@pytest.mark.parametrize(("name", "optic", "wholes", "parts"), LENS_CASES, ids=_ids(LENS_CASES))
def test_lens_law_set_set(name: str, optic: ad.Lens[Any, Any], wholes: Any, parts: Any) -> None:
    @given(wholes, parts, parts)
    def law(s: Any, a: Any, b: Any) -> None:
        assert same(optic.set(optic.set(s, a), b), optic.set(s, b))

    law()


# ----- prism laws -----


@pytest.mark.parametrize(("name", "optic", "wholes", "parts"), PRISM_CASES, ids=_ids(PRISM_CASES))
def test_prism_law_review_preview(
    name: str, optic: ad.Prism[Any, Any], wholes: Any, parts: Any
) -> None:
    @given(parts)
    def law(a: Any) -> None:
        assert same(optic.preview(optic.review(a)), a)

    law()


@pytest.mark.parametrize(("name", "optic", "wholes", "parts"), PRISM_CASES, ids=_ids(PRISM_CASES))
def test_prism_law_preview_review(
    name: str, optic: ad.Prism[Any, Any], wholes: Any, parts: Any
) -> None:
    @given(wholes)
    def law(s: Any) -> None:
        a = optic.preview(s)
        if a is not None:
            assert same(optic.review(a), s)
        else:
            assert same(optic.over(s, lambda _: 1.0), s)  # no match: over leaves s alone

    law()


# ----- traversal laws (every optic is a traversal) -----


def _f(a: Any) -> Any:
    return _num_map(a, lambda x: 2.0 * x + 1.0)


def _g(a: Any) -> Any:
    return _num_map(a, lambda x: x - 3.0)


def _num_map(a: Any, fn: Callable[[float], float]) -> Any:
    # the foci above are floats, arrays, tuples/T2 of floats or records: map every float
    if isinstance(a, float | np.ndarray):
        return fn(a)  # type: ignore[arg-type]
    if a is None or isinstance(a, str):
        return a
    if isinstance(a, tuple | list):
        return type(a)(_num_map(x, fn) for x in a)
    if isinstance(a, ad.T2):
        return ad.T2(_num_map(a[0], fn), _num_map(a[1], fn))
    if isinstance(a, PA):
        return PA(fn(a.x), None if a.y is None else fn(a.y))
    raise AssertionError(type(a))


@pytest.mark.parametrize(("name", "optic", "wholes"), TRAVERSAL_CASES, ids=_ids(TRAVERSAL_CASES))
def test_traversal_law_identity(name: str, optic: ad.Traversal[Any, Any], wholes: Any) -> None:
    @given(wholes)
    def law(s: Any) -> None:
        assert same(optic.over(s, lambda a: a), s)

    law()


@pytest.mark.parametrize(("name", "optic", "wholes"), TRAVERSAL_CASES, ids=_ids(TRAVERSAL_CASES))
def test_traversal_law_composition(name: str, optic: ad.Traversal[Any, Any], wholes: Any) -> None:
    @given(wholes)
    def law(s: Any) -> None:
        assert same(optic.over(optic.over(s, _f), _g), optic.over(s, lambda a: _g(_f(a))))
        # over visits the foci in to_list order
        assert same(optic.to_list(optic.over(s, _f)), [_f(a) for a in optic.to_list(s)])

    law()


# ----- iso laws -----

ISO_CASES: list[tuple[str, ad.Iso[Any, Any], st.SearchStrategy[Any], st.SearchStrategy[Any]]] = [
    ("pair", PAIR_ISO, st.tuples(fl, fl), st.builds(ad.T2, fl, fl)),
    ("pair.reversed", PAIR_ISO.reversed(), st.builds(ad.T2, fl, fl), st.tuples(fl, fl)),
    ("iso>>iso", NT_ISO >> PAIR_ISO, nt, st.builds(ad.T2, fl, opt_fl)),
    ("iso>>iso.reversed", PAIR_ISO >> PAIR_ISO.reversed(), st.tuples(fl, fl), st.tuples(fl, fl)),
]


@pytest.mark.parametrize(("name", "optic", "wholes", "parts"), ISO_CASES, ids=_ids(ISO_CASES))
def test_iso_law_round_trips(name: str, optic: ad.Iso[Any, Any], wholes: Any, parts: Any) -> None:
    @given(wholes, parts)
    def law(s: Any, a: Any) -> None:
        assert same(optic.from_(optic.to(s)), s)
        assert same(optic.to(optic.from_(a)), a)
        # an iso is a lens and a prism too
        assert same(optic.view(s), optic.to(s))
        assert same(optic.preview(s), optic.to(s))
        assert same(optic.review(a), optic.from_(a))
        assert same(optic.set(s, a), optic.from_(a))

    law()


# ----- composition: kinds and associativity -----

LENS = L_PA.x
PRISM = ad.just
ISO = PAIR_ISO
TRAV = ad.each


@pytest.mark.parametrize(
    ("outer", "inner", "kind"),
    [
        (ad.ix(0), LENS, ad.Lens),
        (LENS, PRISM, ad.Traversal),
        (ISO, ad.ix(0), ad.Lens),
        (ISO, PRISM, ad.Prism),
        (ISO, ISO.reversed(), ad.Iso),
        (ISO, TRAV, ad.Traversal),
        (PRISM, PRISM, ad.Prism),
        (PRISM, ISO, ad.Prism),
        (PRISM, LENS, ad.Traversal),
        (LENS, ISO, ad.Lens),
        (LENS, TRAV, ad.Traversal),
        (TRAV, LENS, ad.Traversal),
        (TRAV, TRAV, ad.Traversal),
    ],
)
def test_composition_kind(outer: Any, inner: Any, kind: type) -> None:
    c = outer >> inner
    assert type(c) is kind
    assert repr(c) == f"{kind.__name__}({outer.name} >> {inner.name})"


def _bracketings(optics: list[Any]) -> list[Any]:
    """Every way to compose ``optics`` in order with ``>>`` (all parenthesisations)."""
    if len(optics) == 1:
        return [optics[0]]
    return [
        left >> right
        for k in range(1, len(optics))
        for left in _bracketings(optics[:k])
        for right in _bracketings(optics[k:])
    ]


CHAIN: list[ad.Traversal[Any, Any]] = [ad.each, ad.ix(0), ad.just, L_PA.y, ad.just]


@given(st.lists(st.tuples(st.none() | pa, fl), max_size=3))
def test_composition_is_associative(s: list[tuple[PA | None, float]]) -> None:
    composites = _bracketings(CHAIN)
    assert len(composites) == 14
    first = composites[0]
    expected = [p.y for p, _ in s if p is not None and p.y is not None]
    for c in composites:
        assert type(c) is ad.Traversal
        assert same(c.to_list(s), expected)
        assert same(c.over(s, _f), first.over(s, _f))


@given(st.builds(Outer, pa, st.just("t")))
def test_lens_and_prism_chains_are_associative(s: Outer) -> None:
    pa_iso: ad.Iso[PA, tuple[float, float | None]] = ad.iso(
        lambda p: (p.x, p.y), lambda t: PA(*t), name="pa_tuple"
    )
    lens_chain = [L_OUT.inner, pa_iso, PAIR_ISO, ad.ix(0)]
    for c in _bracketings(lens_chain):
        assert type(c) is ad.Lens
        assert c.view(s) == s.inner.x
        assert c.set(s, 5.0) == Outer(PA(5.0, s.inner.y), "t")
    prism_chain = [ad.instance_of(tuple), ad.just, PAIR_ISO, ad.instance_of(ad.T2)]
    for c in _bracketings(prism_chain):
        assert type(c) is ad.Prism
        assert c.preview(s) is None
        assert c.preview((s.inner.x, 2.0)) == ad.T2(s.inner.x, 2.0)
        assert c.review(ad.T2(1.0, s.inner.x)) == (1.0, s.inner.x)


def test_lens_chain_is_associative_and_stays_a_lens() -> None:
    s = Outer(PA(1.0, 2.0), "t")
    iso_pa: ad.Iso[PA, tuple[float, float | None]] = ad.iso(
        lambda p: (p.x, p.y), lambda t: PA(*t), name="pa_tuple"
    )
    left = (L_OUT.inner >> iso_pa) >> ad.ix(1)
    right = L_OUT.inner >> (iso_pa >> ad.ix(1))
    assert type(left) is type(right) is ad.Lens
    assert left.view(s) == right.view(s) == 2.0
    assert left.set(s, 5.0) == right.set(s, 5.0) == Outer(PA(1.0, 5.0), "t")


# ----- ready-made optics -----


def test_lenses_on_every_record_kind() -> None:
    assert ad.lenses(PA).y.set(PA(1.0, None), 2.0) == PA(1.0, 2.0)
    assert ad.lenses(PA).y.set(PA(1.0, 2.0), None) == PA(1.0, None)
    assert ad.lenses(DC).a.over(DC(1.0, (2.0, 3.0)), lambda a: a + 1.0) == DC(2.0, (2.0, 3.0))
    assert ad.lenses(NT).q.set(NT(1.0, None), 4.0) == NT(1.0, 4.0)
    assert [lens.name for lens in ad.lenses(NT)] == ["NT.p", "NT.q"]
    assert repr(ad.lenses(PA)) == "lenses(PA)"
    assert repr(ad.lenses(PA).x) == "Lens(PA.x)"


def test_lenses_errors_name_the_class_and_field() -> None:
    with pytest.raises(AttributeError, match="PA has no field 'z'"):
        _ = ad.lenses(PA).z  # type: ignore[attr-defined]  # the mypy plugin sees it too
    with pytest.raises(TypeError, match="lenses\\(\\) needs an attrs class"):
        ad.lenses(int)


def test_optional_field_through_just() -> None:
    t = ad.lenses(PA).y >> ad.just
    assert t.to_list(PA(1.0, None)) == []
    assert t.to_list(PA(1.0, 3.0)) == [3.0]
    assert t.over(PA(1.0, None), lambda a: a * 2.0) == PA(1.0, None)
    assert t.over(PA(1.0, 3.0), lambda a: a * 2.0) == PA(1.0, 6.0)
    assert t.preview(PA(1.0, 3.0)) == 3.0
    assert t.preview(PA(1.0, None)) is None


def test_ix_key_each_on_containers() -> None:
    a = np.arange(3.0)
    b = ad.ix(1).set(a, 7.0)
    assert b.tolist() == [0.0, 7.0, 2.0]
    assert a.tolist() == [0.0, 1.0, 2.0]  # nothing is mutated
    assert ad.ix(-1).view([1.0, 2.0]) == 2.0
    assert ad.key("k").set({}, 1.0) == {"k": 1.0}
    assert ad.each.over({"a": 1.0, "b": 2.0}, lambda v: -v) == {"a": -1.0, "b": -2.0}
    m = np.arange(4.0).reshape(2, 2)
    assert ad.each.over(m, lambda row: row * 2.0).tolist() == [[0.0, 2.0], [4.0, 6.0]]
    assert ad.each.over(ad.T2(1.0, 2.0), lambda v: v + 1.0) == ad.T2(2.0, 3.0)
    assert ad.each.over(NT(1.0, 2.0), lambda v: v * 3.0) == NT(3.0, 6.0)
    with pytest.raises(TypeError, match="each cannot traverse a float"):
        ad.each.over(1.0, lambda v: v)
    with pytest.raises(TypeError, match=r"ix\(0\) cannot set into a str"):
        ad.ix(0).set("ab", "c")


def test_view_through_a_non_lens_names_the_optic() -> None:
    with pytest.raises(ValueError, match=r"Prism\(just\) found no focus in a NoneType"):
        ad.just.view(None)
    with pytest.raises(ValueError, match=r"Traversal\(each\) found 2 foci in a list"):
        ad.each.view([1.0, 2.0])
    assert ad.just.view(3.0) == 3.0


def test_instance_of_and_user_made_optics() -> None:
    p = ad.instance_of(PA)
    assert p.preview(1.0) is None
    assert p.preview(PA(1.0, None)) == PA(1.0, None)
    assert repr(p) == "Prism(instance_of(PA))"
    t = ad.traversal(lambda s: [s[0], s[2]], lambda s, fn: (fn(s[0]), s[1], fn(s[2])))
    assert t.set((1.0, 2.0, 3.0), 0.0) == (0.0, 2.0, 0.0)
    assert repr(t) == "Traversal(traversal)"


def test_as_op_of_every_kind_runs_forward_on_plain_values() -> None:
    s = PA(1.0, 2.0)
    assert L_PA.x.as_op()(s) == 1.0
    assert ad.just.as_op()(None) == []
    assert ad.just.as_op()(3.0) == [3.0]
    assert ad.each.as_op()([1.0, 2.0]) == [1.0, 2.0]
    assert PAIR_ISO.as_op()((1.0, 2.0)) == ad.T2(1.0, 2.0)


# ----- the downstream example of the issue (also type-checked in tests/typing) -----


def test_downstream_example_runs() -> None:
    @attrs.frozen
    class Affine(ad.Numeric):
        scale: np.ndarray
        shift: np.ndarray

    A = ad.lenses(Affine)

    def err(p: ad.BVar[Affine]) -> ad.BVar[float]:
        s = p.view(A.scale)
        return anp.sum(anp.square(s * 3.0 - p.view(A.shift)))

    g = ad.grad_bp(err, Affine(np.ones(2), np.zeros(2)))
    assert isinstance(g, Affine)
    # d/dscale sum((3 scale - shift)^2) = 6 (3 scale - shift); d/dshift = -2 (3 scale - shift)
    np.testing.assert_allclose(g.scale, [18.0, 18.0])
    np.testing.assert_allclose(g.shift, [-6.0, -6.0])
    t = ad.T2(2.0, np.ones(2))
    assert t[0] == 2.0
    np.testing.assert_array_equal(t[1], np.ones(2))
