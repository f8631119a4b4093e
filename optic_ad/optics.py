"""Optics over plain values: Traversal, Lens, Prism and Iso, and ready-made ones.

Four kinds of optic, from the most general to the most specific (the lattice of
python-lenses, checked by mypy):

* ``Traversal[S, A]`` focuses on zero or more ``A`` inside an ``S``: ``to_list(s)`` reads
  them (in order) and ``over(s, fn)`` rebuilds ``s`` with ``fn`` applied to each.
* ``Lens[S, A]`` (a Traversal) focuses on exactly one ``A``: ``view(s)`` reads it and
  ``set(s, a)`` returns a new ``S`` with it replaced (nothing is mutated).
* ``Prism[S, A]`` (a Traversal) focuses on one ``A`` that may be absent: ``preview(s)`` is
  the ``A`` or ``None``, ``review(a)`` builds an ``S`` from an ``A``.
* ``Iso[S, A]`` (both a Lens and a Prism) is an invertible map: ``to(s)`` and ``from_(a)``.

Laws (tested for every built-in optic and for compositions):

* Lens: view-set ``l.set(s, l.view(s)) == s``; set-view ``l.view(l.set(s, a)) == a``;
  set-set ``l.set(l.set(s, a), b) == l.set(s, b)``.
* Prism: review-preview ``p.preview(p.review(a)) == a``; preview-review: if
  ``p.preview(s)`` is ``a`` (not ``None``) then ``p.review(a) == s``.
* Traversal: identity ``t.over(s, lambda a: a) == s``; composition
  ``t.over(t.over(s, f), g) == t.over(s, lambda a: g(f(a)))``.
* Iso: ``i.from_(i.to(s)) == s`` and ``i.to(i.from_(a)) == a``.

Optics compose left to right with ``>>`` and the result is the weakest kind of the two
(``Lens >> Lens`` is a Lens, ``Lens >> Prism`` an (affine) Traversal, ``Iso >> X`` an
``X``, ``Prism >> Prism`` a Prism, anything ``>> Traversal`` a Traversal); composition is
associative. Every optic induces an Op (``as_op``), and a BVar reads through one with
``v.view(lens)``, ``v.preview(prism)``, ``v.to_list_of(traversal)`` (see
``optic_ad.bvar`` and ``optic_ad.optic_vars``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, ClassVar, Generic, TypeVar, overload

import numpy as np

from optic_ad import structure
from optic_ad.op import Op
from optic_ad.optic_vars import optic_op
from optic_ad.structure import field_names

__all__ = [
    "Iso",
    "Lens",
    "Lenses",
    "Prism",
    "Traversal",
    "each",
    "field_lens",
    "instance_of",
    "iso",
    "ix",
    "just",
    "key",
    "lens",
    "lenses",
    "prism",
    "traversal",
]

S = TypeVar("S")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


class Traversal(Generic[S, A]):
    """Focus on zero or more ``A`` inside an ``S`` (the most general optic here).

    Args:
        to_list: ``s -> [a, ...]``, the foci in order.
        over: ``(s, fn) -> s`` applying ``fn`` to every focus, in the same order.
        name: shown in ``repr`` and error messages.

    Examples:
        >>> import optic_ad as ad
        >>> ad.each.to_list((1.0, 2.0))
        [1.0, 2.0]
        >>> ad.each.over([1.0, 2.0], lambda a: 10 * a)
        [10.0, 20.0]
    """

    # One slot layout for every kind, so Iso can inherit from both Lens and Prism.
    __slots__ = ("_f", "_g", "name", "path")

    one_focus: ClassVar[bool] = False
    """Whether the optic always has exactly one focus (a Lens or an Iso)."""

    path: tuple[Hashable, ...] | None
    """For a lens made of structure steps (``ix``, ``key``, record fields and their
    compositions): the keys from the whole to the part, which lets a BVar read and write
    through it at the cost of the part. ``None`` for other optics."""

    def __init__(
        self,
        to_list: Callable[[S], list[A]],
        over: Callable[[S, Callable[[A], A]], S],
        name: str = "traversal",
    ) -> None:
        self._f: Any = to_list
        self._g: Any = over
        self.name = name
        self.path = None

    def to_list(self, s: S) -> list[A]:
        """Every focus of ``s``, in order."""
        return self._f(s)  # type: ignore[no-any-return]

    def over(self, s: S, fn: Callable[[A], A]) -> S:
        """A copy of ``s`` with ``fn`` applied to every focus."""
        return self._g(s, fn)  # type: ignore[no-any-return]

    def set(self, s: S, a: A) -> S:
        """A copy of ``s`` with every focus replaced by ``a``."""
        return self.over(s, lambda _: a)

    def preview(self, s: S) -> A | None:
        """The first focus of ``s``, or ``None`` when there is none."""
        foci = self.to_list(s)
        return foci[0] if foci else None

    def view(self, s: S) -> A:
        """The only focus of ``s``.

        Raises:
            ValueError: ``s`` has no focus or several (a Lens always has exactly one);
                use ``preview`` or ``to_list`` instead.
        """
        foci = self.to_list(s)
        if len(foci) != 1:
            raise _not_a_lens(self, s, len(foci))
        return foci[0]

    def __rshift__(self, other: Traversal[A, B]) -> Traversal[S, B]:
        """Compose left to right: the foci of ``other`` inside each focus of ``self``."""
        return _compose(self, other)

    def as_op(self) -> Op[S, Any]:
        """The Op this optic induces: forward ``to_list`` (a list of parts), backward sets
        each part's cotangent into the zero of the whole."""
        return optic_op(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


def _not_a_lens(optic: Traversal[Any, Any], s: Any, n: int) -> ValueError:
    what = "found no focus" if n == 0 else f"found {n} foci"
    msg = (
        f"{optic!r} {what} in a {type(s).__qualname__} where a Lens (exactly one focus) was "
        "needed; use preview/preview_var or to_list/to_list_of_var for a Prism or Traversal"
    )
    return ValueError(msg)


class Lens(Traversal[S, A]):
    """Focus on exactly one ``A`` inside an ``S`` (see the module docstring for the laws).

    Args:
        get: ``s -> a``.
        set: ``(s, a) -> s`` returning a new whole.
        name: shown in ``repr`` and error messages.

    Examples:
        >>> import optic_ad as ad
        >>> first = ad.lens(lambda s: s[0], lambda s, a: (a, s[1]), name="first")
        >>> first.view((1.0, 2.0)), first.set((1.0, 2.0), 5.0)
        (1.0, (5.0, 2.0))
    """

    __slots__ = ()

    one_focus: ClassVar[bool] = True

    def __init__(
        self,
        get: Callable[[S], A],
        set: Callable[[S, A], S],
        name: str = "lens",
        *,
        path: tuple[Hashable, ...] | None = None,
    ) -> None:
        self._f = get
        self._g = set
        self.name = name
        self.path = path

    def view(self, s: S) -> A:
        """The focused part of ``s``."""
        return self._f(s)  # type: ignore[no-any-return]

    def set(self, s: S, a: A) -> S:
        """A copy of ``s`` with the focused part replaced by ``a``."""
        return self._g(s, a)  # type: ignore[no-any-return]

    def over(self, s: S, fn: Callable[[A], A]) -> S:
        """A copy of ``s`` with ``fn`` applied to the focused part."""
        return self._g(s, fn(self._f(s)))  # type: ignore[no-any-return]

    def to_list(self, s: S) -> list[A]:
        """``[view(s)]``."""
        return [self._f(s)]

    def preview(self, s: S) -> A:
        """``view(s)``: a lens always matches."""
        return self._f(s)  # type: ignore[no-any-return]

    @overload
    def __rshift__(self, other: Lens[A, B]) -> Lens[S, B]: ...
    @overload
    def __rshift__(self, other: Traversal[A, B]) -> Traversal[S, B]: ...
    def __rshift__(self, other: Traversal[A, B]) -> Traversal[S, B]:
        """Compose: ``(outer >> inner).view(s) == inner.view(outer.view(s))``; a Lens
        after a Prism or Traversal gives a Traversal."""
        return _compose(self, other)

    def as_op(self) -> Op[S, A]:
        """The Op this lens induces: forward ``view``, backward "set the cotangent into
        the zero of the whole"."""
        return optic_op(self)


class Prism(Traversal[S, A]):
    """Focus on an ``A`` that an ``S`` may or may not hold (one case of a union).

    Args:
        preview: ``s -> a`` or ``None`` when ``s`` does not match.
        review: ``a -> s``, building a whole from the part.
        name: shown in ``repr`` and error messages.

    Examples:
        >>> import optic_ad as ad
        >>> ad.just.preview(3.0), ad.just.preview(None), ad.just.review(3.0)
        (3.0, None, 3.0)
    """

    __slots__ = ()

    def __init__(
        self, preview: Callable[[S], A | None], review: Callable[[A], S], name: str = "prism"
    ) -> None:
        self._f = preview
        self._g = review
        self.name = name
        self.path = None

    def preview(self, s: S) -> A | None:
        """The part if ``s`` matches, else ``None``."""
        return self._f(s)  # type: ignore[no-any-return]

    def review(self, a: A) -> S:
        """The whole built from the part ``a``."""
        return self._g(a)  # type: ignore[no-any-return]

    def to_list(self, s: S) -> list[A]:
        """``[a]`` if ``s`` matches, else ``[]``."""
        a = self._f(s)
        return [] if a is None else [a]

    def over(self, s: S, fn: Callable[[A], A]) -> S:
        """``review(fn(a))`` if ``s`` matches, else ``s`` unchanged."""
        a = self._f(s)
        return s if a is None else self._g(fn(a))

    @overload
    def __rshift__(self, other: Prism[A, B]) -> Prism[S, B]: ...
    @overload
    def __rshift__(self, other: Traversal[A, B]) -> Traversal[S, B]: ...
    def __rshift__(self, other: Traversal[A, B]) -> Traversal[S, B]:
        """Compose: a Prism after a Prism (or Iso) is a Prism, else a Traversal."""
        return _compose(self, other)


class Iso(Lens[S, A], Prism[S, A]):
    """An invertible map between ``S`` and ``A``: a Lens and a Prism at once.

    Round-trip laws: ``from_(to(s)) == s`` and ``to(from_(a)) == a``.

    Warning: the gradient through an Iso sends the cotangent back with ``from_``, which
    assumes the map has derivative 1 (a change of representation, such as tuple <->
    record), as ``op_iso`` does; it is wrong for numeric maps such as ``x -> 2 * x``.

    Args:
        to: ``s -> a``.
        from_: ``a -> s``.
        name: shown in ``repr`` and error messages.

    Examples:
        >>> import optic_ad as ad
        >>> swap = ad.iso(lambda s: (s[1], s[0]), lambda a: (a[1], a[0]), name="swap")
        >>> swap.to((1, 2)), swap.from_((2, 1))
        ((2, 1), (1, 2))
    """

    __slots__ = ()

    one_focus: ClassVar[bool] = True

    def __init__(self, to: Callable[[S], A], from_: Callable[[A], S], name: str = "iso") -> None:
        self._f = to
        self._g = from_
        self.name = name
        self.path = None

    def to(self, s: S) -> A:
        """Forwards: ``s -> a``."""
        return self._f(s)  # type: ignore[no-any-return]

    def from_(self, a: A) -> S:
        """Backwards: ``a -> s``."""
        return self._g(a)  # type: ignore[no-any-return]

    def view(self, s: S) -> A:
        """``to(s)``."""
        return self._f(s)  # type: ignore[no-any-return]

    def set(self, s: S, a: A) -> S:
        """``from_(a)`` (the whole is determined by the part)."""
        return self._g(a)  # type: ignore[no-any-return]

    def over(self, s: S, fn: Callable[[A], A]) -> S:
        """``from_(fn(to(s)))``."""
        return self._g(fn(self._f(s)))  # type: ignore[no-any-return]

    def preview(self, s: S) -> A:
        """``to(s)``: an iso always matches."""
        return self._f(s)  # type: ignore[no-any-return]

    def review(self, a: A) -> S:
        """``from_(a)``."""
        return self._g(a)  # type: ignore[no-any-return]

    def to_list(self, s: S) -> list[A]:
        """``[to(s)]``."""
        return [self._f(s)]

    def reversed(self) -> Iso[A, S]:
        """The same isomorphism the other way round."""
        return Iso(self._g, self._f, f"{self.name}.reversed()")

    # mypy cannot see that these overloads refine both Lens's and Prism's.
    @overload  # type: ignore[override]
    def __rshift__(self, other: Iso[A, B]) -> Iso[S, B]: ...
    @overload
    def __rshift__(self, other: Lens[A, B]) -> Lens[S, B]: ...
    @overload
    def __rshift__(self, other: Prism[A, B]) -> Prism[S, B]: ...
    @overload
    def __rshift__(self, other: Traversal[A, B]) -> Traversal[S, B]: ...
    def __rshift__(self, other: Traversal[A, B]) -> Traversal[S, B]:
        """Compose: an Iso followed by any optic is an optic of the same kind."""
        return _compose(self, other)

    def as_op(self) -> Op[S, A]:
        """The Op this iso induces: forward ``to``, backward ``from_`` of the cotangent."""
        return optic_op(self)


def _compose(outer: Traversal[S, A], inner: Traversal[A, B]) -> Traversal[S, B]:
    # The result is the weakest kind of the two; each kind's formula only uses that
    # kind's operations, so the composite obeys that kind's laws.
    name = f"{outer.name} >> {inner.name}"
    if isinstance(outer, Iso) and isinstance(inner, Iso):
        o_i, i_i = outer, inner
        return Iso(lambda s: i_i.to(o_i.to(s)), lambda b: o_i.from_(i_i.from_(b)), name)
    if isinstance(outer, Lens) and isinstance(inner, Lens):
        o_l, i_l = outer, inner
        path = None if o_l.path is None or i_l.path is None else o_l.path + i_l.path
        return Lens(
            lambda s: i_l.view(o_l.view(s)),
            lambda s, b: o_l.set(s, i_l.set(o_l.view(s), b)),
            name,
            path=path,
        )
    if isinstance(outer, Prism) and isinstance(inner, Prism):
        o_p, i_p = outer, inner

        def preview(s: Any) -> Any:
            a = o_p.preview(s)
            return None if a is None else i_p.preview(a)

        return Prism(preview, lambda b: o_p.review(i_p.review(b)), name)
    return Traversal(
        lambda s: [b for a in outer.to_list(s) for b in inner.to_list(a)],
        lambda s, fn: outer.over(s, lambda a: inner.over(a, fn)),
        name,
    )


# ----- constructors -----


def lens(get: Callable[[S], A], set: Callable[[S, A], S], name: str = "lens") -> Lens[S, A]:
    """A lens from a getter and a setter ``set(s, a) -> new s``.

    Examples:
        >>> import optic_ad as ad
        >>> fst = ad.lens(lambda s: s[0], lambda s, a: (a, *s[1:]), name="fst")
        >>> fst.over((1.0, 2.0), lambda a: a + 1.0)
        (2.0, 2.0)
    """
    return Lens(get, set, name)


def prism(
    preview: Callable[[S], A | None], review: Callable[[A], S], name: str = "prism"
) -> Prism[S, A]:
    """A prism from ``preview(s) -> a or None`` and ``review(a) -> s``.

    Examples:
        >>> import optic_ad as ad
        >>> pos = ad.prism(lambda x: x if x > 0 else None, lambda a: a, name="positive")
        >>> pos.preview(2.0), pos.preview(-1.0)
        (2.0, None)
    """
    return Prism(preview, review, name)


def iso(to: Callable[[S], A], from_: Callable[[A], S], name: str = "iso") -> Iso[S, A]:
    """An isomorphism from ``to(s) -> a`` and its inverse ``from_(a) -> s``.

    Examples:
        >>> import optic_ad as ad
        >>> as_list = ad.iso(list, tuple, name="as_list")
        >>> as_list.to((1, 2)), as_list.from_([1, 2])
        ([1, 2], (1, 2))
    """
    return Iso(to, from_, name)


def traversal(
    to_list: Callable[[S], list[A]],
    over: Callable[[S, Callable[[A], A]], S],
    name: str = "traversal",
) -> Traversal[S, A]:
    """A traversal from ``to_list(s)`` and ``over(s, fn)``; ``over`` must visit the foci in
    the order ``to_list`` lists them.

    Examples:
        >>> import optic_ad as ad
        >>> both = ad.traversal(lambda s: list(s), lambda s, fn: (fn(s[0]), fn(s[1])))
        >>> both.over((1.0, 2.0), lambda a: -a)
        (-1.0, -2.0)
    """
    return Traversal(to_list, over, name)


# ----- ready-made optics -----


def _replace_item(s: Any, i: int, a: Any) -> Any:
    if isinstance(s, np.ndarray):
        out = s.copy()
        out[i] = a
        return out
    if structure.node(s) is not None and not structure.is_record(s):
        return structure.replace_child(s, i, a)
    msg = f"ix({i}) cannot set into a {type(s).__qualname__}"
    raise TypeError(msg)


def ix(i: int) -> Lens[Any, Any]:
    """The lens on index ``i`` of a tuple, list, NamedTuple, T2/T3/HList or array.

    Examples:
        >>> import optic_ad as ad
        >>> ad.ix(1).set((1.0, 2.0, 3.0), 9.0)
        (1.0, 9.0, 3.0)
    """
    return Lens(lambda s: s[i], lambda s, a: _replace_item(s, i, a), f"ix({i})", path=(i,))


def _set_key(s: Any, k: Hashable, a: Any) -> Any:
    if k in s:
        return structure.replace_child(s, k, a)
    out = structure.rebuild(s, structure.children(s) or [])
    out[k] = a
    return out


def key(k: Hashable) -> Lens[dict[Any, Any], Any]:
    """The lens on key ``k`` of a dict (viewing a missing key raises ``KeyError``).

    Examples:
        >>> import optic_ad as ad
        >>> ad.key("b").set({"a": 1.0, "b": 2.0}, 5.0)
        {'a': 1.0, 'b': 5.0}
    """
    return Lens(lambda s: s[k], lambda s, a: _set_key(s, k, a), f"key({k!r})", path=(k,))


def _each_list(s: Any) -> list[Any]:
    if isinstance(s, dict):
        return list(s.values())
    return list(s)


def _each_over(s: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(s, np.ndarray):
        out = s.copy()
        for i in range(len(s)):
            out[i] = fn(s[i])
        return out
    kids = structure.children(s)
    if kids is None or structure.is_record(s):
        msg = f"each cannot traverse a {type(s).__qualname__}"
        raise TypeError(msg)
    return structure.rebuild(s, [fn(v) for v in kids])


each: Traversal[Any, Any] = Traversal(_each_list, _each_over, "each")
"""Every element of a list, tuple, T2/T3/HList or array (along its first axis), or every
value of a dict."""

just: Prism[Any, Any] = Prism(lambda s: s, lambda a: a, "just")
"""The ``Some`` side of an ``Optional``: ``preview(None)`` is ``None``, ``preview(x)`` is
``x``, ``review(a)`` is ``a``."""


def instance_of(cls: type[A]) -> Prism[Any, A]:
    """The prism matching values that are instances of ``cls``.

    Examples:
        >>> import optic_ad as ad
        >>> ad.instance_of(float).preview(2.0), ad.instance_of(float).preview("x")
        (2.0, None)
    """
    return Prism(
        lambda s: s if isinstance(s, cls) else None,
        lambda a: a,
        f"instance_of({cls.__qualname__})",
    )


# ----- record fields -----


def field_lens(cls: type[S], name: str) -> Lens[S, Any]:
    """The lens on field ``name`` of an attrs class, dataclass or NamedTuple ``cls``.

    Setting a field rebuilds the record without running its ``__init__``, converters or
    validators (see `optic_ad.structure`), so the lens laws hold for every record.

    Raises:
        AttributeError: ``cls`` has no field ``name`` (the message lists its fields).
    """
    names = field_names(cls)
    if names is None or name not in names:
        msg = f"{cls.__qualname__} has no field {name!r} (fields: {', '.join(names or ())})"
        raise AttributeError(msg)
    # a NamedTuple is a tuple: its children are keyed by position
    k: Hashable = names.index(name) if issubclass(cls, tuple) else name
    return Lens(
        lambda s: getattr(s, name),
        lambda s, a: structure.replace_child(s, k, a),
        f"{cls.__qualname__}.{name}",
        path=(k,),
    )


class Lenses(Generic[S]):
    """One lens per field of a record class: ``lenses(Net).weight1`` is a ``Lens[Net, ...]``.

    With the mypy plugin (``plugins = optic_ad.mypy``) each attribute is typed
    ``Lens[Net, <field type>]``; without it, ``Lens[Net, Any]``.
    """

    def __init__(self, cls: type[S]) -> None:
        names = field_names(cls)
        if names is None:
            msg = f"lenses() needs an attrs class, dataclass or NamedTuple, got {cls.__qualname__}"
            raise TypeError(msg)
        self._cls = cls
        self._lenses = {n: field_lens(cls, n) for n in names}

    def __getattr__(self, name: str) -> Lens[S, Any]:
        try:
            return self.__dict__["_lenses"][name]  # type: ignore[no-any-return]
        except KeyError:
            cls = self.__dict__.get("_cls")
            msg = f"{getattr(cls, '__qualname__', cls)} has no field {name!r}"
            raise AttributeError(msg) from None

    def __iter__(self) -> Any:
        return iter(self._lenses.values())

    def __repr__(self) -> str:
        return f"lenses({self._cls.__qualname__})"


def lenses(cls: type[S]) -> Lenses[S]:
    """One ``Lens`` per field of an attrs class, dataclass or NamedTuple ``cls``.

    Fields typed ``Optional[X]`` get a ``Lens[Cls, X | None]``; compose with ``just`` to
    reach the ``X`` (``lenses(Cls).f >> just`` is a Traversal).

    Examples:
        >>> import attrs, optic_ad as ad
        >>> @attrs.frozen
        ... class P:
        ...     x: float
        ...     y: float
        >>> L = ad.lenses(P)
        >>> L.y.set(P(1.0, 2.0), 5.0)
        P(x=1.0, y=5.0)
    """
    return Lenses(cls)
