"""Optics on BVars beyond lenses: prisms, traversals, isos and records of BVars.

``view_var``/``set_var``/``over_var`` (in ``optic_ad.bvar``) read and write through a
Lens. This module adds the other kinds:

* ``preview_var(prism, v)``: the focus as a BVar, or ``None`` when ``v`` does not match;
* ``to_list_of_var(traversal, v)``: one BVar per focus;
* ``iso_var(iso, v)``: ``v`` seen through an isomorphism;
* ``split_var(v)`` / ``join_var(r)``: a BVar of a record <-> a record holding BVars (the
  "higher-kinded data" interface of Haskell's backprop).

Gradients follow the lens rule: the cotangent of a focus is set into the zero of the whole
(at the same position); where a prism did not match, nothing is recorded and the whole
gets a zero gradient. This assumes *structural* optics, whose match depends on the shape
of a value (its class, ``None`` or not), not on its numbers: a cotangent, or the zero of a
value, matches wherever the value does.

Every function here is built on ``lift``/``Prim``, so it records on the deepest tape and
can be differentiated again (higher order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, overload

from optic_ad.bvar import BVar, Prim, lift, set_var, view_var
from optic_ad.optics import Iso, Lens, Traversal, field_lens
from optic_ad.registry import _record_builder, field_names, zero

if TYPE_CHECKING:
    from optic_ad.op import Op

__all__ = ["iso_var", "join_var", "optic_op", "preview_var", "split_var", "to_list_of_var"]

S = TypeVar("S")
A = TypeVar("A")


def _plain(x: Any) -> Any:
    while type(x) is BVar:
        x = x.value
    return x


def _set_nth(optic: Traversal[Any, Any], whole: Any, i: int, part: Any) -> Any:
    # Relies on the traversal law that `over` visits the foci in `to_list` order.
    seen = -1

    def fn(a: Any) -> Any:
        nonlocal seen
        seen += 1
        return part if seen == i else a

    return optic.over(whole, fn)


def _at_plain(optic: Traversal[Any, Any], s: Any, *, i: int) -> Any:
    return optic.to_list(s)[i]


def _set_at_plain(optic: Traversal[Any, Any], part: Any, whole: Any, *, i: int) -> Any:
    return _set_nth(optic, whole, i, part)


def _at(optic: Traversal[Any, Any], s: Any, i: int) -> Any:
    return lift(_AT, (optic, s), {"i": i})


def _set_at(optic: Traversal[Any, Any], part: Any, whole: Any, i: int) -> Any:
    return lift(_SET_AT, (optic, part, whole), {"i": i})


# Focus i of a traversal: the gradient sets the cotangent into the zero of the whole.
_AT = Prim(
    "to_list_of",
    _at_plain,
    (None, lambda g, ans, optic, s, *, i: _set_at(optic, g, zero(s), i)),
)
# Replace focus i: the cotangent splits into focus i (to the part) and the rest.
_SET_AT = Prim(
    "set_focus",
    _set_at_plain,
    (
        None,
        lambda g, ans, optic, part, whole, *, i: _at(optic, g, i),
        lambda g, ans, optic, part, whole, *, i: _set_at(optic, zero(part), g, i),
    ),
)


def _constant_int(out: Any) -> Any:
    if type(out) is BVar and (type(out.value) is int or type(out.value) is bool):
        return out.value
    return out


@overload
def to_list_of_var(optic: Traversal[S, A], v: BVar[S]) -> list[BVar[A]]: ...
@overload
def to_list_of_var(optic: Traversal[S, A], v: S) -> list[A]: ...
def to_list_of_var(optic: Traversal[Any, Any], v: Any) -> Any:
    """``v.to_list_of(traversal)`` as a function: one BVar per focus, in order.

    Each focus's gradient is set into the zero of the whole at its position. On a plain
    value this is ``optic.to_list(v)``.

    Examples:
        >>> import optic_ad as ad
        >>> ad.grad_bp(lambda v: sum(ad.to_list_of_var(ad.each, v), 0.0) * 2.0, [1.0, 2.0])
        [2.0, 2.0]
    """
    if type(v) is not BVar:
        return optic.to_list(v)
    n = len(optic.to_list(_plain(v)))
    return [_constant_int(_at(optic, v, i)) for i in range(n)]


@overload
def preview_var(optic: Traversal[S, A], v: BVar[S]) -> BVar[A] | None: ...
@overload
def preview_var(optic: Traversal[S, A], v: S) -> A | None: ...
def preview_var(optic: Traversal[Any, Any], v: Any) -> Any:
    """``v.preview(prism)`` as a function: the focus as a BVar, or ``None`` if ``v`` does
    not match (then no gradient flows through this path: the whole gets zero).

    Works with any optic (a Lens always matches; a Traversal gives its first focus).

    Examples:
        >>> import optic_ad as ad
        >>> def f(v):
        ...     x = ad.preview_var(ad.instance_of(float), v)
        ...     return 0.0 if x is None else x * x
        >>> ad.grad_bp(f, 3.0)
        6.0
    """
    if type(v) is not BVar:
        return optic.preview(v)
    if not optic.to_list(_plain(v)):
        return None
    return _constant_int(_at(optic, v, 0))


@overload
def iso_var(optic: Iso[S, A], v: BVar[S]) -> BVar[A]: ...
@overload
def iso_var(optic: Iso[S, A], v: S) -> A: ...
def iso_var(optic: Iso[Any, Any], v: Any) -> Any:
    """``v`` seen through the isomorphism ``optic`` (``optic.to``), differentiably.

    The cotangent goes back through ``optic.from_`` (an Iso is a Lens whose ``set``
    ignores the old whole), so the map is assumed to have derivative 1.

    Examples:
        >>> import optic_ad as ad
        >>> swap = ad.iso(lambda s: (s[1], s[0]), lambda a: (a[1], a[0]))
        >>> ad.grad_bp(lambda v: ad.iso_var(swap, v)[0] * 3.0, (1.0, 2.0))
        (0.0, 3.0)
    """
    return view_var(optic, v)


_field_lenses: dict[type, tuple[tuple[str, ...], tuple[Lens[Any, Any], ...]]] = {}


def _fields(cls: type) -> tuple[tuple[str, ...], tuple[Lens[Any, Any], ...]]:
    try:
        return _field_lenses[cls]
    except KeyError:
        names = field_names(cls)
        if names is None:
            msg = (
                "split_var/join_var need an attrs class, dataclass or NamedTuple, got "
                f"{cls.__qualname__}"
            )
            raise TypeError(msg) from None
        _field_lenses[cls] = (names, tuple(field_lens(cls, n) for n in names))
        return _field_lenses[cls]


def split_var(v: BVar[S]) -> S:
    """A record holding one BVar per field, from a BVar of the record.

    The result has the record's class (its fields are BVars, or plain ints, which are
    constants); use it like the record, and ``join_var`` to get a BVar of it back.

    Examples:
        >>> import attrs, optic_ad as ad
        >>> @attrs.frozen
        ... class P:
        ...     x: float
        ...     y: float
        >>> ad.grad_bp(lambda v: (lambda p: p.x * p.y)(ad.split_var(v)), P(2.0, 5.0))
        P(x=5.0, y=2.0)
    """
    if type(v) is not BVar:
        return v  # type: ignore[return-value]
    cls = type(_plain(v))
    _names, field_lenses = _fields(cls)
    return _record_builder(cls)([view_var(lens, v) for lens in field_lenses])  # type: ignore[no-any-return]


_joins: dict[type, Prim] = {}


def _join_prim(cls: type) -> Prim:
    try:
        return _joins[cls]
    except KeyError:
        pass
    _names, field_lenses = _fields(cls)
    build = _record_builder(cls)

    def vjp(lens: Lens[Any, Any]) -> Any:
        return lambda g, ans, *xs: view_var(lens, g)

    prim = Prim(
        f"join_var({cls.__qualname__})", lambda *xs: build(list(xs)), tuple(map(vjp, field_lenses))
    )
    _joins[cls] = prim
    return prim


def join_var(r: S) -> BVar[S]:
    """A BVar of a record, from a record whose fields hold BVars (or plain values, which
    are constants): the inverse of ``split_var``. Each field gets its part of the
    cotangent.

    Examples:
        >>> import attrs, optic_ad as ad
        >>> @attrs.frozen
        ... class P:
        ...     x: float
        ...     y: float
        >>> def f(v):
        ...     p = ad.split_var(v)
        ...     return ad.join_var(P(p.y, p.x)).view(ad.lenses(P).x) * 3.0
        >>> ad.grad_bp(f, P(2.0, 5.0))
        P(x=0.0, y=3.0)
    """
    cls = type(r)
    names, _ = _fields(cls)
    return lift(_join_prim(cls), tuple(getattr(r, n) for n in names), {})  # type: ignore[no-any-return]


def optic_op(optic: Traversal[S, Any]) -> Op[S, Any]:
    """The Op an optic induces (``optic.as_op()``).

    A Lens or Iso gives ``Op[S, A]``: forward ``view``, backward "set the cotangent into
    the zero of the whole". A Prism or Traversal gives ``Op[S, list[A]]``: forward
    ``to_list``, backward sets each cotangent into the zero of the whole at its focus.
    """
    from optic_ad.op import Op

    if isinstance(optic, Lens):
        lens = optic
        return Op(
            lambda s: (view_var(lens, s), lambda g: set_var(lens, g, zero(s))), name=optic.name
        )

    def run(s: Any) -> Any:
        parts = to_list_of_var(optic, s)

        def back(gs: Any) -> Any:
            whole = zero(s)
            for i, g in enumerate(gs):
                whole = _set_at(optic, g, whole, i)
            return whole

        return parts, back

    return Op(run, name=optic.name)
