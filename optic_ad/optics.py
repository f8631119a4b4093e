"""Optics over plain values: Lens (this module's core; the full hierarchy builds on it).

A ``Lens[S, A]`` focuses on exactly one ``A`` inside an ``S``: ``view(s)`` reads it and
``set(s, a)`` returns a new ``S`` with it replaced (nothing is mutated). Lens laws:

* view-set: ``lens.set(s, lens.view(s)) == s``;
* set-view: ``lens.view(lens.set(s, a)) == a``;
* set-set: ``lens.set(lens.set(s, a), b) == lens.set(s, b)``.

Lenses compose left to right with ``>>``. Every optic induces an Op (``as_op``), and a
BVar reads through one with ``v.view(lens)`` (see ``optic_ad.bvar``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from optic_ad.registry import field_names, zero

if TYPE_CHECKING:
    from optic_ad.op import Op

__all__ = ["Lens", "Lenses", "field_lens", "lens", "lenses"]

S = TypeVar("S")
A = TypeVar("A")
B = TypeVar("B")


class Lens(Generic[S, A]):
    """Focus on exactly one ``A`` inside an ``S`` (see the module docstring for the laws).

    Args:
        get: ``s -> a``.
        set: ``(s, a) -> s`` returning a new whole.
        name: shown in ``repr`` and error messages.
    """

    __slots__ = ("_get", "_set", "name")

    def __init__(self, get: Callable[[S], A], set: Callable[[S, A], S], name: str = "lens") -> None:
        self._get = get
        self._set = set
        self.name = name

    def view(self, s: S) -> A:
        """The focused part of ``s``."""
        return self._get(s)

    def set(self, s: S, a: A) -> S:
        """A copy of ``s`` with the focused part replaced by ``a``."""
        return self._set(s, a)

    def over(self, s: S, fn: Callable[[A], A]) -> S:
        """A copy of ``s`` with ``fn`` applied to the focused part."""
        return self._set(s, fn(self._get(s)))

    def __rshift__(self, other: Lens[A, B]) -> Lens[S, B]:
        """Compose: ``(outer >> inner).view(s) == inner.view(outer.view(s))``."""
        outer, inner = self, other
        return Lens(
            lambda s: inner.view(outer.view(s)),
            lambda s, b: outer.set(s, inner.set(outer.view(s), b)),
            f"{outer.name} >> {inner.name}",
        )

    def as_op(self) -> Op[S, A]:
        """The Op this lens induces: forward ``view``, backward "set the cotangent into
        the zero of the whole"."""
        from optic_ad.bvar import set_var, view_var
        from optic_ad.op import Op

        return Op(
            lambda s: (view_var(self, s), lambda g: set_var(self, g, zero(s))), name=self.name
        )

    def __repr__(self) -> str:
        return f"Lens({self.name})"


def lens(get: Callable[[S], A], set: Callable[[S, A], S], name: str = "lens") -> Lens[S, A]:
    """A lens from a getter and a setter ``set(s, a) -> new s``."""
    return Lens(get, set, name)


def _replace(cls: type) -> Callable[[Any, str, Any], Any]:
    if attrs.has(cls):
        return lambda s, name, a: attrs.evolve(s, **{_alias(cls, name): a})
    if dataclasses.is_dataclass(cls):
        return lambda s, name, a: dataclasses.replace(s, **{name: a})
    return lambda s, name, a: s._replace(**{name: a})


def _alias(cls: type, name: str) -> str:
    alias: str = next(f.alias for f in attrs.fields(cls) if f.name == name)
    return alias


def field_lens(cls: type[S], name: str) -> Lens[S, Any]:
    """The lens on field ``name`` of an attrs class, dataclass or NamedTuple ``cls``."""
    names = field_names(cls)
    if names is None or name not in names:
        msg = f"{cls.__qualname__} has no field {name!r} (fields: {', '.join(names or ())})"
        raise AttributeError(msg)
    replace = _replace(cls)
    return Lens(
        lambda s: getattr(s, name), lambda s, a: replace(s, name, a), f"{cls.__qualname__}.{name}"
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
