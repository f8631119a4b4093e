"""Optics on BVars beyond lenses: prisms, traversals, isos and records of BVars.

``view_var``/``set_var``/``over_var`` (in ``optic_ad.bvar``) read and write through a
Lens. This module adds the other kinds:

* ``preview_var(prism, v)``: the focus as a BVar, or ``None`` when ``v`` does not match;
* ``to_list_of_var(traversal, v)``: one BVar per focus;
* ``iso_var(iso, v)``: ``v`` seen through an isomorphism;
* ``split_var(v)`` / ``join_var(r)``: a BVar of a record <-> a record holding BVars (the
  "higher-kinded data" interface of Haskell's backprop).

Gradients follow the lens rule: the cotangent of a focus is set into the zero of the whole
(at the same position, sparsely: only the focus is paid for); where a prism did not match,
nothing is recorded and the whole gets a zero gradient. This assumes *structural* optics, whose match depends on the shape
of a value (its class, ``None`` or not), not on its numbers: a cotangent, or the zero of a
value, matches wherever the value does.

Every function here records on the deepest tape and can be differentiated again (higher
order), and accepts plain values too, so code written with them runs under ``eval_bp``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, overload

from optic_ad.bvar import (
    BVar,
    assemble,
    foci_into_zero,
    plain,
    preview_var,
    set_var,
    to_list_of_var,
    view_var,
)
from optic_ad.containers import sequence_var
from optic_ad.op import Op
from optic_ad.registry import zero
from optic_ad.structure import field_names

if TYPE_CHECKING:
    from optic_ad.optics import Iso, Traversal

__all__ = ["iso_var", "join_var", "optic_op", "preview_var", "split_var", "to_list_of_var"]

S = TypeVar("S")
A = TypeVar("A")


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


def _check_record(v: Any, what: str) -> None:
    cls = type(plain(v))
    if field_names(cls) is None:
        msg = f"{what} needs an attrs class, dataclass or NamedTuple, got {cls.__qualname__}"
        raise TypeError(msg)


@overload
def split_var(v: BVar[S]) -> S: ...
@overload
def split_var(v: S) -> S: ...
def split_var(v: Any) -> Any:
    """A record holding one BVar per field, from a BVar of the record.

    The result has the record's class (its fields are BVars, or plain values for static
    fields such as ints and strings, which are constants); use it like the record, and
    ``join_var`` to get a BVar of it back. It is built without running the record's
    ``__init__``. On a plain record, the record itself.

    Examples:
        >>> import attrs, optic_ad as ad
        >>> @attrs.frozen
        ... class P:
        ...     x: float
        ...     y: float
        >>> ad.grad_bp(lambda v: (lambda p: p.x * p.y)(ad.split_var(v)), P(2.0, 5.0))
        P(x=5.0, y=2.0)
    """
    _check_record(v, "split_var")
    return sequence_var(v)


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
    _check_record(r, "join_var")
    return assemble(r)  # type: ignore[no-any-return]


def optic_op(optic: Traversal[S, Any]) -> Op[S, Any]:
    """The Op an optic induces (``optic.as_op()``).

    A Lens or Iso gives ``Op[S, A]``: forward ``view``, backward "set the cotangent into
    the zero of the whole". A Prism or Traversal gives ``Op[S, list[A]]``: forward
    ``to_list``, backward sets each cotangent into the zero of the whole at its focus.
    """
    # s may hold BVars of an outer tape (higher order): the *_var forms record there
    if optic.one_focus:
        return Op(
            lambda s: (view_var(optic, s), lambda g: set_var(optic, g, zero(s))),
            name=optic.name,
        )

    def run(s: Any) -> Any:
        return to_list_of_var(optic, s), lambda gs: foci_into_zero(optic, s, gs)

    return Op(run, name=optic.name)
