"""Product types with numeric instances: ``T2``, ``T3`` and ``HList``.

``T2[A, B]`` and ``T3[A, B, C]`` are typed pairs and triples; ``HList[*Ts]`` is a typed
tuple of any length (a ``TypeVarTuple``). All three are immutable, indexable (``h[0]``),
iterable, compare by value, and do arithmetic field-wise: ``+ - * /`` with a number or
with a product of the same shape, and unary ``-``, so ``h + h * 2.0 - h / 2.0`` works and
a gradient step reads ``p - 0.1 * g``. They are structure nodes (`optic_ad.structure`: a
gradient of an ``HList`` is an ``HList``), and ``ix(i)`` focuses on element ``i``.

Examples:
    >>> import numpy as np, optic_ad as ad
    >>> from optic_ad import numpy as anp
    >>> h = ad.HList(1.0, np.array([1.0, 2.0]))
    >>> h + h * 2.0 - h / 2.0
    HList(2.5, array([2.5, 5. ]))
    >>> g = ad.grad_bp(lambda v: v.view(ad.ix(0)) * anp.sum(v.view(ad.ix(1))), h)
    >>> type(g).__name__, g[1]
    ('HList', array([1., 1.]))
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, TypeVar, TypeVarTuple, overload

from optic_ad import structure
from optic_ad.structure import map_numeric, rmap_numeric

if TYPE_CHECKING:
    from optic_ad.optics import Lens

__all__ = ["T2", "T3", "HList"]

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
Ts = TypeVarTuple("Ts")


class _Product:
    """Shared behaviour: storage, indexing, iteration, equality and arithmetic."""

    __slots__ = ("_items",)
    _items: tuple[Any, ...]

    @classmethod
    def _from_items(cls, items: Iterable[Any]) -> Self:
        obj = object.__new__(cls)
        object.__setattr__(obj, "_items", tuple(items))
        return obj

    @classmethod
    def _unflatten(cls, aux: Any, items: Iterable[Any]) -> Self:
        return cls._from_items(items)

    def __setattr__(self, name: str, value: Any) -> None:
        msg = f"{type(self).__name__} is immutable; use ix(i).set(p, value)"
        raise AttributeError(msg)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_eq(x, y) for x, y in zip(self._items, other._items, strict=True))

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._items))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self._items))})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self)._from_items, (self._items,))

    # leaf by leaf through nested structures; static items (str, int...) are kept
    def _zip(self, op: Callable[[Any, Any], Any], other: Any) -> Self:
        return map_numeric(op, self, other)  # type: ignore[no-any-return]

    def _rzip(self, op: Callable[[Any, Any], Any], other: Any) -> Self:
        return rmap_numeric(op, self, other)  # type: ignore[no-any-return]

    def __add__(self, other: Self | float) -> Self:
        return self._zip(operator.add, other)

    def __radd__(self, other: float) -> Self:
        return self._rzip(operator.add, other)

    def __sub__(self, other: Self | float) -> Self:
        return self._zip(operator.sub, other)

    def __rsub__(self, other: float) -> Self:
        return self._rzip(operator.sub, other)

    def __mul__(self, other: Self | float) -> Self:
        return self._zip(operator.mul, other)

    def __rmul__(self, other: float) -> Self:
        return self._rzip(operator.mul, other)

    def __truediv__(self, other: Self | float) -> Self:
        return self._zip(operator.truediv, other)

    def __rtruediv__(self, other: float) -> Self:
        return self._rzip(operator.truediv, other)

    def __neg__(self) -> Self:
        return rmap_numeric(lambda _, a: -a, self, None)  # type: ignore[no-any-return]

    # Same spelling as BVar's methods, so code written for BVars runs on plain values.
    def view(self, optic: Lens[Self, A]) -> A:
        """The part at ``optic`` (``optic.view(self)``)."""
        return optic.view(self)

    def set(self, optic: Lens[Self, A], part: A) -> Self:
        """A copy with the part at ``optic`` replaced."""
        return optic.set(self, part)

    def over(self, optic: Lens[Self, A], fn: Callable[[A], A]) -> Self:
        """A copy with ``fn`` applied to the part at ``optic``."""
        return optic.over(self, fn)


def _eq(x: Any, y: Any) -> bool:
    r = x == y
    if isinstance(r, bool):
        return r
    return bool(getattr(r, "all", lambda: r)())


class T2(_Product, Generic[A, B]):
    """A typed pair with field-wise arithmetic (``fst``, ``snd``; ``p[0]``, ``p[1]``).

    Examples:
        >>> import optic_ad as ad
        >>> p = ad.T2(1.0, 2.0)
        >>> p * 3.0, p.snd, p[0]
        (T2(3.0, 6.0), 2.0, 1.0)
    """

    __slots__ = ()

    def __init__(self, a: A, b: B, /) -> None:
        object.__setattr__(self, "_items", (a, b))

    @property
    def fst(self) -> A:
        """The first element."""
        return self._items[0]  # type: ignore[no-any-return]

    @property
    def snd(self) -> B:
        """The second element."""
        return self._items[1]  # type: ignore[no-any-return]

    @overload
    def __getitem__(self, i: Literal[0]) -> A: ...
    @overload
    def __getitem__(self, i: Literal[1]) -> B: ...
    @overload
    def __getitem__(self, i: int) -> A | B: ...
    def __getitem__(self, i: int) -> A | B:
        return self._items[i]  # type: ignore[no-any-return]


class T3(_Product, Generic[A, B, C]):
    """A typed triple with field-wise arithmetic (``p[0]``, ``p[1]``, ``p[2]``).

    Examples:
        >>> import optic_ad as ad
        >>> ad.T3(1.0, 2.0, 3.0) - ad.T3(1.0, 1.0, 1.0)
        T3(0.0, 1.0, 2.0)
    """

    __slots__ = ()

    def __init__(self, a: A, b: B, c: C, /) -> None:
        object.__setattr__(self, "_items", (a, b, c))

    @overload
    def __getitem__(self, i: Literal[0]) -> A: ...
    @overload
    def __getitem__(self, i: Literal[1]) -> B: ...
    @overload
    def __getitem__(self, i: Literal[2]) -> C: ...
    @overload
    def __getitem__(self, i: int) -> A | B | C: ...
    def __getitem__(self, i: int) -> A | B | C:
        return self._items[i]  # type: ignore[no-any-return]


class HList(_Product, Generic[*Ts]):
    """A typed heterogeneous list of any length, with field-wise arithmetic.

    ``HList(1.0, arr)`` is an ``HList[float, NDArray[...]]``; ``h[i]`` is element ``i``
    (typed ``Any``: use ``T2``/``T3`` for per-index types).

    Examples:
        >>> import optic_ad as ad
        >>> h = ad.HList(1.0, 2.0, 3.0)
        >>> list(h), h[2], len(h)
        ([1.0, 2.0, 3.0], 3.0, 3)
    """

    __slots__ = ()

    def __init__(self, *items: *Ts) -> None:
        object.__setattr__(self, "_items", items)

    def __getitem__(self, i: int) -> Any:
        return self._items[i]


def _flatten(p: _Product) -> tuple[tuple[Any, ...], None]:
    return p._items, None


for _cls in (T2, T3, HList):
    # nodes of the structure layer: zero/add/one, runners and optimisers follow from it
    structure.register_node(_cls, _flatten, _cls._unflatten)
