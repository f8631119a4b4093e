"""Containers of BVars: ``sequence_var`` and ``collect_var``.

``sequence_var(v)`` turns a BVar of a structure (tuple, list, NamedTuple, dict, record,
``T2``...) into the same structure holding one BVar per child; ``collect_var`` goes the
other way, from a structure holding BVars (at any depth) to one BVar. Together they let
code pattern-match on a BVar of a structure (``a, b = sequence_var(v)``). Both accept
plain values too (``sequence_var`` returns them unchanged, ``collect_var`` as well), so a
function written with them runs under ``eval_bp``.
"""

from __future__ import annotations

from typing import Any, TypeVar, overload

from optic_ad import structure
from optic_ad.bvar import BVar, assemble, item, plain

__all__ = ["collect_var", "sequence_var"]

S = TypeVar("S")


@overload
def sequence_var(v: BVar[Any]) -> Any: ...
@overload
def sequence_var(v: S) -> S: ...
def sequence_var(v: Any) -> Any:
    """The structure of ``v`` holding one BVar per child, from a BVar of a structure.

    Each child's cotangent is sparse: it costs that child, not the whole.

    Examples:
        >>> import optic_ad as ad
        >>> def f(v):
        ...     a, b = ad.sequence_var(v)
        ...     return a * b
        >>> ad.grad_bp(f, (2.0, 5.0)), ad.eval_bp(f, (2.0, 5.0))
        ((5.0, 2.0), 10.0)
    """
    if type(v) is not BVar:
        return v
    pv = plain(v)
    nd = structure.node(pv)
    if nd is None:
        msg = f"sequence_var needs a BVar of a structure, got {type(pv).__qualname__}"
        raise TypeError(msg)
    kids, aux = nd.flatten(pv)
    return nd.unflatten(aux, [item(v, k) for k in nd.keys(aux, len(kids))])


def collect_var(vs: Any) -> Any:
    """A BVar of a structure, from the structure holding BVars (or plain values, which
    are constants). Without BVars in it, ``vs`` itself."""
    if structure.node(vs) is None:
        msg = f"collect_var needs a structure (tuple, list, dict, record...), got {type(vs).__qualname__}"
        raise TypeError(msg)
    return assemble(vs)
