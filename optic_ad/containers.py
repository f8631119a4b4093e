"""Containers of BVars: ``sequence_var`` and ``collect_var``.

``sequence_var(v)`` turns a BVar of a tuple, list, NamedTuple or dict into the same
container holding one BVar per element; ``collect_var`` goes the other way. Together
they let code pattern-match on a BVar of a structure (``a, b = sequence_var(v)``).
"""

from __future__ import annotations

from typing import Any

from optic_ad.bvar import BVar, Prim, lift

__all__ = ["collect_var", "sequence_var"]


def sequence_var(v: BVar[Any]) -> Any:
    """A container of BVars from a BVar of a tuple, list, NamedTuple or dict."""
    value = v.value
    while type(value) is BVar:
        value = value.value
    if isinstance(value, dict):
        return {k: v[k] for k in value}
    if isinstance(value, tuple):
        items = [v[i] for i in range(len(value))]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list):
        return [v[i] for i in range(len(value))]
    msg = f"sequence_var needs a BVar of a tuple, list or dict, got {type(value).__qualname__}"
    raise TypeError(msg)


def _build(*xs: Any, kind: Any) -> Any:
    if isinstance(kind, tuple):  # dict keys
        return dict(zip(kind, xs, strict=True))
    if kind is tuple or kind is list:
        return kind(xs)
    return kind(*xs)  # NamedTuple


class _Pick:
    def __getitem__(self, i: int) -> Any:
        def vjp(g: Any, ans: Any, *xs: Any, kind: Any) -> Any:
            return g[kind[i]] if isinstance(kind, tuple) else g[i]

        return vjp


_COLLECT = Prim("collect", _build, _Pick())  # type: ignore[arg-type]


def collect_var(vs: Any) -> BVar[Any]:
    """A BVar of a container from a tuple, list, NamedTuple or dict of BVars (or values)."""
    if isinstance(vs, dict):
        keys = tuple(vs)
        return lift(_COLLECT, tuple(vs[k] for k in keys), {"kind": keys})  # type: ignore[no-any-return]
    if isinstance(vs, tuple | list):
        return lift(_COLLECT, tuple(vs), {"kind": type(vs)})  # type: ignore[no-any-return]
    msg = f"collect_var needs a tuple, list or dict, got {type(vs).__qualname__}"
    raise TypeError(msg)
