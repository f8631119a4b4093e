"""Leaves of registered structures: paths, flattening, rebuilding, tree equality.

The testing kit sees a value as `optic_ad.structure` does: its nodes (tuples, lists,
NamedTuples, dicts, attrs classes, dataclasses, ``T2``/``T3``/``HList``, registered nodes)
are inner nodes; floats, numpy floating scalars and floating arrays are the
differentiable leaves; everything else (ints, bools, strings, ``None``, integer arrays)
is a constant leaf that is left alone. Types registered with ``ad.register`` (opaque to
the engine) can be opened for the kit with [`register_leaves`][optic_ad.testing._trees.register_leaves].
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from optic_ad import structure
from optic_ad.structure import field_names

__all__ = [
    "Leaf",
    "children",
    "format_path",
    "get_at",
    "is_float_leaf",
    "leaves",
    "rebuild",
    "register_leaves",
    "tree_allclose",
    "tree_equal",
]

# A step into a node: ("attr", name), ("item", index) or ("key", key).
Step = tuple[str, Any]

_custom: dict[type, tuple[Callable[[Any], Sequence[Any]], Callable[[Any, list[Any]], Any]]] = {}


def register_leaves(
    cls: type,
    children: Callable[[Any], Sequence[Any]],
    rebuild: Callable[[Any, list[Any]], Any],
) -> None:
    """Let the testing kit look inside ``cls``, a type it cannot open on its own.

    Records (attrs, dataclasses, NamedTuples), tuples, lists and dicts need nothing. A type
    registered with ``ad.register`` whose parts are hidden does: give its parts in order and
    a way to rebuild it from ``(example, new parts)``.

    Args:
        cls: the type (exactly this type).
        children: ``x -> `` the parts of ``x``, in a fixed order.
        rebuild: ``(x, parts) -> `` a new value like ``x`` holding ``parts``.

    Examples:
        >>> from optic_ad import testing
        >>> class Pair:
        ...     def __init__(self, a: float, b: float) -> None:
        ...         self.ab = (a, b)
        >>> testing.register_leaves(Pair, lambda p: p.ab, lambda p, parts: Pair(*parts))
        >>> [leaf.path for leaf in testing.leaves(Pair(1.0, 2.0), "p")]
        ['p[0]', 'p[1]']
    """
    _custom[cls] = (children, rebuild)


def is_float_leaf(x: Any) -> bool:
    """Whether ``x`` is a differentiable leaf: a float, numpy floating scalar or array."""
    if type(x) is float:
        return True
    if isinstance(x, np.ndarray | np.floating):
        return bool(np.issubdtype(x.dtype, np.floating))
    return False


def children(x: Any) -> list[tuple[Step, Any]] | None:
    """The steps and parts of an inner node, or ``None`` for a leaf."""
    cls = type(x)
    if cls in _custom:
        return [(("item", i), c) for i, c in enumerate(_custom[cls][0](x))]
    nd = structure.node(x)
    if nd is None:
        return None
    kids, aux = nd.flatten(x)
    names = field_names(cls)
    if names is not None:
        return [(("attr", n), c) for n, c in zip(names, kids, strict=True)]
    if isinstance(x, dict):
        return [(("key", k), c) for k, c in zip(nd.keys(aux, len(kids)), kids, strict=True)]
    return [(("item", i), c) for i, c in enumerate(kids)]


def rebuild(x: Any, parts: list[Any]) -> Any:
    """A value shaped like the inner node ``x`` with ``parts`` in place of its own."""
    cls = type(x)
    if cls in _custom:
        return _custom[cls][1](x, parts)
    return structure.rebuild(x, parts)


def format_path(root: str, steps: Sequence[Step], index: tuple[int, ...] | None = None) -> str:
    """``net.weight1[3, 4]``: a readable path from a root name, steps and an array index."""
    out = root
    for kind, s in steps:
        out += f".{s}" if kind == "attr" else f"[{s!r}]"
    if index:
        out += "[" + ", ".join(str(i) for i in index) + "]"
    return out


class Leaf(NamedTuple):
    """A leaf of a tree: where it is (``steps``, and ``path`` for messages) and its value."""

    steps: tuple[Step, ...]
    path: str
    value: Any


def leaves(x: Any, root: str = "x", *, only_float: bool = True) -> list[Leaf]:
    """The leaves of ``x`` in a fixed order (depth first), by default only the floating ones.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import testing
        >>> [leaf.path for leaf in testing.leaves({"w": np.zeros(2), "n": 3, "b": (1.0,)}, "p")]
        ["p['w']", "p['b'][0]"]
    """
    out: list[Leaf] = []
    for steps, v in _walk(x, ()):
        if not only_float or is_float_leaf(v):
            out.append(Leaf(steps, format_path(root, steps), v))
    return out


def _walk(x: Any, steps: tuple[Step, ...]) -> Iterator[tuple[tuple[Step, ...], Any]]:
    kids = children(x)
    if kids is None:
        yield steps, x
        return
    for step, c in kids:
        yield from _walk(c, (*steps, step))


def get_at(x: Any, steps: Sequence[Step]) -> Any:
    """The part of ``x`` at ``steps``; ``None`` if a dict along the way lacks the key."""
    for kind, s in steps:
        if kind == "attr":
            x = getattr(x, s)
        elif type(x) in _custom:
            x = _custom[type(x)][0](x)[s]
        elif kind == "key" and s not in x:
            return None
        elif structure.node(x) is not None:
            x = structure.child(x, s)
        else:
            x = x[s]
    return x


def map_float_leaves(x: Any, fn: Callable[[Leaf], Any], root: str = "x") -> Any:
    """``x`` with each floating leaf replaced by ``fn(leaf)`` (other leaves kept)."""
    return _map(x, (), root, fn)


def _map(x: Any, steps: tuple[Step, ...], root: str, fn: Callable[[Leaf], Any]) -> Any:
    kids = children(x)
    if kids is None:
        return fn(Leaf(steps, format_path(root, steps), x)) if is_float_leaf(x) else x
    return rebuild(x, [_map(c, (*steps, s), root, fn) for s, c in kids])


def tree_equal(a: Any, b: Any) -> bool:
    """Exact structural equality: same types, same structure, equal leaves (arrays by value)."""
    return _tree_cmp(a, b, lambda x, y: bool(np.array_equal(x, y)))


def tree_allclose(a: Any, b: Any, *, rtol: float = 1e-7, atol: float = 1e-12) -> bool:
    """Structural equality with floating leaves compared by ``np.allclose(rtol, atol)``.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import testing
        >>> testing.tree_allclose((1.0, np.ones(2)), (1.0 + 1e-12, np.ones(2)))
        True
        >>> testing.tree_allclose((1.0, np.ones(2)), (1.0, np.ones(3)))
        False
    """

    def close(x: Any, y: Any) -> bool:
        if np.shape(x) != np.shape(y):
            return False
        if is_float_leaf(x) or is_float_leaf(y):
            return bool(np.allclose(x, y, rtol=rtol, atol=atol))
        return bool(np.array_equal(x, y))

    return _tree_cmp(a, b, close)


def _tree_cmp(a: Any, b: Any, leaf_eq: Callable[[Any, Any], bool]) -> bool:
    ka, kb = children(a), children(b)
    if ka is None or kb is None:
        if ka is not None or kb is not None:
            return False
        if isinstance(a, np.ndarray | np.generic | float | int) and isinstance(
            b, np.ndarray | np.generic | float | int
        ):
            return leaf_eq(a, b)
        return bool(a == b)
    if type(a) is not type(b) or len(ka) != len(kb):
        return False
    return all(
        sa == sb and _tree_cmp(ca, cb, leaf_eq) for (sa, ca), (sb, cb) in zip(ka, kb, strict=True)
    )
