"""Type expectations for optics, product types and the mypy plugin (``optic_ad.mypy``).

Checked by ``mypy --strict`` with the plugin enabled (pyproject.toml); never collected by
pytest (``--ignore=tests/typing``). ``tests/test_optics.py`` runs the downstream example
below at run time too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar, assert_type

import attrs
import numpy as np

import optic_ad as ad
from optic_ad import numpy as anp

# np.ones(2) is typed with its shape in numpy >= 2.2; the example's Vec follows it.
Vec = np.ndarray[tuple[int], np.dtype[np.float64]]


# ----- the downstream example of the issue -----


@attrs.frozen
class Affine(ad.Numeric):
    scale: Vec
    shift: Vec


A = ad.lenses(Affine)
assert_type(A.scale, ad.Lens[Affine, Vec])


def err(p: ad.BVar[Affine]) -> ad.BVar[float]:
    s = p.view(A.scale)
    assert_type(s, ad.BVar[Vec])
    return anp.sum(anp.square(s * 3.0 - p.view(A.shift)))


g = ad.grad_bp(err, Affine(np.ones(2), np.zeros(2)))
assert_type(g, Affine)
assert_type(ad.T2(2.0, np.ones(2)), ad.T2[float, Vec])

T = TypeVar("T")

# ----- lenses(Cls) on every kind of record, Optional fields included -----


@dataclass(frozen=True)
class Point:
    x: float
    label: str | None = None


class Pair(NamedTuple):
    left: float
    right: list[float]


@attrs.frozen
class Box(Generic[T]):
    item: T
    count: int


assert_type(ad.lenses(Point).x, ad.Lens[Point, float])
assert_type(ad.lenses(Point).label, ad.Lens[Point, str | None])
assert_type(ad.lenses(Pair).right, ad.Lens[Pair, list[float]])
assert_type(ad.lenses(Box[float]).item, ad.Lens[Box[float], float])
assert_type(ad.lenses(Box[float]).count, ad.Lens[Box[float], int])

# ----- composition returns the right kind -----

lens_ab: ad.Lens[Point, str | None] = ad.lenses(Point).label
just_str: ad.Prism[str | None, str] = ad.just
upper: ad.Iso[str, str] = ad.iso(str.upper, str.lower)
chars: ad.Traversal[str, str] = ad.traversal(list, lambda s, fn: "".join(map(fn, s)))
assert_type(lens_ab >> just_str, ad.Traversal[Point, str])
assert_type(just_str >> upper, ad.Prism[str | None, str])
nonempty: ad.Prism[str, str] = ad.prism(lambda s: s or None, lambda a: a)
assert_type(just_str >> nonempty, ad.Prism[str | None, str])
assert_type(upper >> upper, ad.Iso[str, str])
assert_type(upper >> chars, ad.Traversal[str, str])
assert_type(ad.lenses(Point).x >> ad.lens(lambda x: x, lambda s, a: a), ad.Lens[Point, float])
assert_type(ad.lenses(Affine).scale.view(Affine(np.ones(2), np.ones(2))), Vec)
assert_type(just_str.preview("a"), str | None)
assert_type(just_str.review("a"), str | None)
assert_type(chars.to_list("ab"), list[str])
assert_type(ad.ix(0), ad.Lens[Any, Any])
assert_type(ad.key("a"), ad.Lens[dict[Any, Any], Any])
assert_type(ad.instance_of(float), ad.Prism[Any, float])
assert_type(ad.lenses(Affine).scale.as_op(), ad.Op[Affine, Vec])

# ----- BVars through optics -----


def through(p: ad.BVar[Affine], o: ad.BVar[Point]) -> ad.BVar[float]:
    assert_type(p.to_list_of(A.scale), list[ad.BVar[Vec]])
    assert_type(p.preview(A.shift), ad.BVar[Vec] | None)
    assert_type(ad.preview_var(A.shift, p), ad.BVar[Vec] | None)
    assert_type(ad.to_list_of_var(ad.instance_of(float), 1.0), list[float])
    assert_type(p.set(A.scale, p.view(A.shift)), ad.BVar[Affine])
    assert_type(ad.join_var(ad.split_var(p)), ad.BVar[Affine])
    assert_type(o.view(ad.lenses(Point).x), ad.BVar[float])
    return anp.sum(p.view(A.scale))


# ----- product types -----

t2 = ad.T2(1.0, "a")
assert_type(t2, ad.T2[float, str])
assert_type(t2[0], float)
assert_type(t2[1], str)
assert_type(t2.fst, float)
t3 = ad.T3(1.0, 2, "c")
assert_type(t3[2], str)
h = ad.HList(1.0, np.ones(2))
assert_type(h, ad.HList[float, Vec])
assert_type(h + h * 2.0 - h / 2.0, ad.HList[float, Vec])
assert_type(ad.grad_bp(lambda v: v.view(ad.ix(0)), h), ad.HList[float, Vec])

# ----- runners follow the function's types -----

assert_type(ad.backprop(err, Affine(np.ones(2), np.zeros(2))), tuple[float, Affine])
assert_type(ad.grad_bp(lambda p: anp.sum(p.view(A.scale)), g), Affine)
assert_type(g - 0.1 * g, Affine)


def lifted(v: ad.BVar[Vec]) -> ad.BVar[float]:
    assert_type(anp.tanh(v), ad.BVar[Vec])
    return anp.sum(anp.tanh(v))


def free_forms(p: ad.BVar[Affine]) -> ad.BVar[Vec]:
    assert_type(ad.view_var(A.scale, p), ad.BVar[Vec])
    return ad.view_var(A.shift, p)
