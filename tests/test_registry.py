"""The Backprop registry: laws for every built-in kind, lookup and its errors."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import optic_ad as ad
from optic_ad.registry import instance


@attrs.frozen
class Inner:
    w: Any
    b: float


@dataclasses.dataclass(frozen=True)
class Outer:
    inner: Inner
    items: list[float]


class Pair(NamedTuple):
    left: Any
    right: float


floats = st.floats(-1e3, 1e3, allow_nan=False)


def arrays_like(shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    return hnp.arrays(np.float64, shape, elements=floats)


# each strategy draws two values of the same shape, so add is defined
def same_shape_pairs() -> st.SearchStrategy[tuple[Any, Any, Any]]:
    def triple(s: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, Any, Any]]:
        return st.tuples(s, s, s)

    kinds: list[st.SearchStrategy[Any]] = [
        floats,
        arrays_like((3,)),
        arrays_like((2, 2)),
        st.tuples(floats, arrays_like((2,))),
        st.builds(Pair, arrays_like((2,)), floats),
        st.fixed_dictionaries({"a": floats, "b": st.lists(floats, min_size=2, max_size=2)}),
        st.builds(
            Outer,
            st.builds(Inner, arrays_like((2,)), floats),
            st.lists(floats, min_size=3, max_size=3),
        ),
        st.just(None),
    ]
    return st.one_of([triple(k) for k in kinds])


def equal(x: Any, y: Any) -> bool:
    return bool(
        type(x) is type(y)
        and np.array_equal(
            np.asarray(_leaves(x), dtype=np.float64), np.asarray(_leaves(y), dtype=np.float64)
        )
    )


def _leaves(x: Any) -> list[float]:
    if x is None:
        return []
    if isinstance(x, float | int | np.floating):
        return [float(x)]
    if isinstance(x, np.ndarray):
        return [float(v) for v in x.ravel()]
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in _leaves(x[k])]
    if isinstance(x, tuple | list):
        return [v for item in x for v in _leaves(item)]
    return (
        [v for f in attrs.fields(type(x)) for v in _leaves(getattr(x, f.name))]
        if attrs.has(type(x))
        else [v for f in dataclasses.fields(x) for v in _leaves(getattr(x, f.name))]
    )


@given(same_shape_pairs())
def test_zero_is_identity(xyz: tuple[Any, Any, Any]) -> None:
    x, y, _ = xyz
    assert equal(ad.add(ad.zero(y), x), x)
    assert equal(ad.add(x, ad.zero(y)), x)


@given(same_shape_pairs())
def test_add_commutes(xyz: tuple[Any, Any, Any]) -> None:
    x, y, _ = xyz
    assert equal(ad.add(x, y), ad.add(y, x))


@given(same_shape_pairs())
def test_add_associates(xyz: tuple[Any, Any, Any]) -> None:
    x, y, z = xyz
    left = _leaves(ad.add(ad.add(x, y), z))
    right = _leaves(ad.add(x, ad.add(y, z)))
    np.testing.assert_allclose(left, right, rtol=1e-12, atol=1e-9)


@given(same_shape_pairs())
def test_one_has_the_shape(xyz: tuple[Any, Any, Any]) -> None:
    x, _, _ = xyz
    o = ad.one(x)
    assert type(o) is type(x)
    assert all(v == 1.0 for v in _leaves(o))
    assert len(_leaves(o)) == len(_leaves(x))


def test_int_is_static() -> None:
    # an int cannot move along a gradient: it is carried unchanged (a static leaf)
    assert ad.zero(3) == 3
    assert ad.zero((1.0, 3, "a")) == (0.0, 3, "a")
    assert ad.zero(np.float32(2.0)).dtype == np.float32


def test_unregistered_type_says_how_to_register() -> None:
    class Money:
        pass

    with pytest.raises(TypeError, match=r"no Backprop instance for type .*Money.*ad\.register\("):
        ad.zero(Money())


def test_register_and_cache() -> None:
    class Money:
        def __init__(self, v: float) -> None:
            self.v = v

    ad.register(
        Money,
        zero=lambda m: Money(0.0),
        add=lambda a, b: Money(a.v + b.v),
        one=lambda m: Money(1.0),
    )
    assert ad.add(Money(1.0), Money(2.0)).v == 3.0
    assert instance(Money) is instance(Money)
    g = ad.grad_bp(
        lambda m: m.view(ad.lens(lambda s: s.v, lambda s, a: Money(a))) * 3.0, Money(2.0)
    )
    assert isinstance(g, Money)
    assert g.v == 3.0


def test_add_of_mismatched_arrays_raises() -> None:
    with pytest.raises(ValueError, match=r"shapes \(3,\) and \(3, 1\)"):
        ad.add(np.zeros(3), np.zeros((3, 1)))
