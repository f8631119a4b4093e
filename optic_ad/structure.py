"""Structure: the one place that knows how a value splits into parts and is rebuilt.

Every value optic_ad meets is exactly one of three things, decided by its exact type
(``type(x)``, not ``isinstance``, as in JAX's ``tree_util``; results are cached per type):

* a **node**: ``tuple``, ``list``, ``dict`` (also ``OrderedDict`` and ``defaultdict``,
  which stay what they are), a ``NamedTuple``, an attrs class, a dataclass (frozen or not,
  slotted, generic, inherited), ``T2``/``T3``/``HList``, or a type registered with
  [`register_node`][optic_ad.structure.register_node]. A node has *children*, each under a *key*: the index for
  sequences, the key for dicts (any hashable, order kept), the field name for records
  (every field, ``init=False`` ones included);
* a **numeric leaf**: ``float``, ``complex``, numpy arrays and scalars of a floating or
  complex dtype, and types registered as leaves (``ad.register``): what gradients flow
  through;
* a **static leaf**: ``str``, ``bytes``, ``bool``, ``int``, ``None``, enum members, numpy
  integer/bool arrays and scalars, functions and classes, and types registered with
  [`register_static`][optic_ad.structure.register_static]. A static leaf is carried through unchanged: into gradients (the
  gradient of a record keeps its ``name`` and ``n_layers``), by ``Numeric`` arithmetic and
  by the optimisers. An ``int`` is static: it cannot move along a gradient.

Anything else is a ``TypeError`` that says how to register the type.

A node is rebuilt from its children **without running user code**: records are made with
``object.__new__`` and their fields set with ``object.__setattr__``, so ``__init__``,
converters, validators and ``__post_init__`` never run on gradients, zeros or optimiser
states (they describe the user's values, not cotangents).

Examples:
    >>> from optic_ad import structure
    >>> structure.children({"w": 1.0, "n": (2, "x")})
    [1.0, (2, 'x')]
    >>> structure.leaves({"w": 1.0, "n": (2, "x")})
    [1.0, 2, 'x']
    >>> structure.tree_map(lambda a: a * 10, {"w": 1.0, "n": (2, "x")})
    {'w': 10.0, 'n': (2, 'x')}
"""

from __future__ import annotations

import dataclasses
import enum
import types
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple

import attrs
import numpy as np

__all__ = [
    "Node",
    "children",
    "field_names",
    "is_node",
    "is_record",
    "is_static",
    "keys",
    "leaves",
    "node",
    "rebuild",
    "register_leaf",
    "register_node",
    "register_static",
    "replace_child",
    "tree_map",
]


class Node(NamedTuple):
    """How one node type splits and is rebuilt.

    ``flatten(x) -> (children, aux)``; ``unflatten(aux, children) -> x``; ``keys(aux, n)``
    the children's keys (``n`` is the number of children); ``get(x, key)`` one child (its
    key must be one of ``keys``: a non-negative index for sequences); ``indexed`` says the
    keys are the positions ``0 .. n-1``.
    """

    flatten: Callable[[Any], tuple[Sequence[Any], Any]]
    unflatten: Callable[[Any, Sequence[Any]], Any]
    keys: Callable[[Any, int], Sequence[Hashable]]
    get: Callable[[Any, Hashable], Any]
    indexed: bool = False


_NUMERIC = "numeric"
_STATIC = "static"

_nodes: dict[type, Node] = {}
_leaf_types: set[type] = set()
_static_types: set[type] = {str, bytes, bool, int, type(None), type, range, slice}
_cache: dict[type, Node | str | None] = {}


def register_node(
    cls: type,
    flatten: Callable[[Any], tuple[Sequence[Any], Any]],
    unflatten: Callable[[Any, Sequence[Any]], Any],
    keys: Callable[[Any, int], Sequence[Hashable]] | None = None,
) -> None:
    """Make ``cls`` a node: ``flatten(x) -> (children, aux)``, ``unflatten(aux, children)``.

    ``keys(aux, n)`` names the children (default: ``0 .. n-1``). Zero, add, one, the
    runners, the optimisers and the testing kit then work on ``cls`` with no more code.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import structure
        >>> class Pair:
        ...     def __init__(self, a: float, b: float) -> None:
        ...         self.a, self.b = a, b
        >>> structure.register_node(Pair, lambda p: ((p.a, p.b), None),
        ...                         lambda aux, kids: Pair(*kids))
        >>> g = ad.grad_bp(lambda p: p[0] * p[1], Pair(2.0, 5.0))
        >>> g.a, g.b
        (5.0, 2.0)
    """
    nd = Node(flatten, unflatten, keys or _index_keys, _get_by_position, keys is None)
    _nodes[cls] = nd
    _cache.clear()


def register_leaf(cls: type) -> None:
    """Make ``cls`` a numeric leaf (``ad.register`` calls this with its instance)."""
    _leaf_types.add(cls)
    _cache.clear()


def register_static(cls: type) -> None:
    """Make ``cls`` a static leaf: carried through gradients, arithmetic and optimisers.

    Examples:
        >>> import dataclasses, optic_ad as ad
        >>> from optic_ad import structure
        >>> class Activation:
        ...     pass
        >>> structure.register_static(Activation)
        >>> @dataclasses.dataclass
        ... class Layer:
        ...     w: float
        ...     act: Activation
        >>> act = Activation()
        >>> ad.grad_bp(lambda v: v.view(ad.lenses(Layer).w) * 2.0, Layer(1.0, act)).act is act
        True
    """
    _static_types.add(cls)
    _cache.clear()


def _index_keys(aux: Any, n: int) -> range:
    return range(n)


def _get_by_position(x: Any, key: Hashable) -> Any:
    return child(x, key)


def _get_item(x: Any, key: Any) -> Any:
    return x[key]


def kind_of_type(cls: type) -> Node | str | None:
    """``kind`` decided from the type alone (``None`` for numpy types: see ``kind``)."""
    try:
        return _cache[cls]
    except KeyError:
        pass
    k = _find(cls)
    _cache[cls] = k
    if _record_hooks and isinstance(k, Node) and field_names(cls) is not None:
        for hook in _record_hooks:
            hook(cls)
    return k


_record_hooks: list[Callable[[type], None]] = []


def on_record_type(hook: Callable[[type], None]) -> None:
    """Call ``hook(cls)`` for every record class (attrs, dataclass, NamedTuple) the structure
    layer meets, once each, and now for those it has met (how BVar learns field names)."""
    _record_hooks.append(hook)
    for cls, k in list(_cache.items()):
        if isinstance(k, Node) and field_names(cls) is not None:
            hook(cls)


_STATIC_BASES: tuple[type, ...] = (
    enum.Enum,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
)


def _find(cls: type) -> Node | str | None:
    if cls in _nodes:
        return _nodes[cls]
    if cls in _leaf_types:
        return _NUMERIC
    if cls is float or cls is complex:
        return _NUMERIC
    if cls in _static_types or issubclass(cls, _STATIC_BASES):
        return _STATIC
    if issubclass(cls, np.ndarray | np.generic):
        # decided per value: the dtype says numeric or static (see kind_of)
        return None
    if issubclass(cls, type):
        return _STATIC
    if attrs.has(cls):
        return _record_node(cls, tuple(a.name for a in attrs.fields(cls)))
    if dataclasses.is_dataclass(cls):
        return _record_node(cls, tuple(f.name for f in dataclasses.fields(cls)))
    if issubclass(cls, tuple):
        if hasattr(cls, "_fields"):
            return _namedtuple_node(cls)
        return _TUPLE if cls is tuple else _seq_node(cls)
    if issubclass(cls, list):
        return _LIST if cls is list else _seq_node(cls)
    if cls is dict:
        return _DICT
    if cls is OrderedDict:
        return _ORDERED
    if cls is defaultdict:
        return _DEFAULT
    if issubclass(cls, dict):
        return _dict_node(cls)
    return None


def _is_numeric_dtype(x: Any) -> bool:
    return x.dtype.kind in "fc"


def kind(x: Any) -> Node | str | None:
    """``Node`` for a node, ``"numeric"`` or ``"static"`` for a leaf, ``None`` when the type
    is unknown (neither registered nor structural)."""
    k = kind_of_type(type(x))
    if k is None and isinstance(x, np.ndarray | np.generic):
        if _is_numeric_dtype(x):
            return _NUMERIC
        return None if x.dtype == object else _STATIC
    return k


def node(x: Any) -> Node | None:
    """The ``Node`` of ``x`` when ``x`` is a node, else ``None`` (a leaf or unknown)."""
    k = kind_of_type(type(x))
    return k if type(k) is Node else None


def is_node(x: Any) -> bool:
    """Whether ``x`` is a node (has children)."""
    return type(kind_of_type(type(x))) is Node


def is_static(x: Any) -> bool:
    """Whether ``x`` is a static leaf (carried through unchanged)."""
    return kind(x) == _STATIC


def unknown_type_error(cls: type, x: Any = None) -> TypeError:
    """The error for a value of a type that is neither a node nor a leaf."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        msg = (
            "an object array cannot be differentiated: hold numbers in a float array, or "
            "BVars in a list (ad.collect_var) or with anp.stack"
        )
        return TypeError(msg)
    name = cls.__qualname__
    msg = (
        f"no Backprop instance for type {name}. Register one with "
        f"ad.register({name}, zero=..., add=..., one=...), make {name} an attrs class or "
        "dataclass, or declare it static (optic_ad.structure.register_static) if it "
        "carries no gradient."
    )
    return TypeError(msg)


def is_record(x: Any) -> bool:
    """Whether ``x`` is an attrs class or dataclass instance (its children are read by field
    name, not by index or key)."""
    return not isinstance(x, tuple) and field_names(type(x)) is not None


def field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of an attrs class, dataclass or NamedTuple, else ``None``."""
    if attrs.has(cls):
        return tuple(a.name for a in attrs.fields(cls))
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return tuple(cls._fields)
    return None


# ----- the built-in nodes -----


def _seq_flatten(x: Any) -> tuple[Sequence[Any], Any]:
    return x, None


_TUPLE = Node(_seq_flatten, lambda aux, kids: tuple(kids), _index_keys, _get_item, True)
_LIST = Node(_seq_flatten, lambda aux, kids: list(kids), _index_keys, _get_item, True)


def _seq_node(cls: type) -> Node:
    # a subclass of tuple or list: its constructor takes an iterable
    return Node(_seq_flatten, lambda aux, kids: cls(kids), _index_keys, _get_item, True)


def _namedtuple_node(cls: type) -> Node:
    # keyed by index, as the tuple it is (``field_names`` gives the names)
    new = tuple.__new__
    return Node(_seq_flatten, lambda aux, kids: new(cls, kids), _index_keys, _get_item, True)


def _dict_flatten(x: Any) -> tuple[Sequence[Any], Any]:
    ks = tuple(x)
    return [x[k] for k in ks], ks


def _dict_keys(aux: Any, n: int) -> Sequence[Hashable]:
    return aux  # type: ignore[no-any-return]


_DICT = Node(
    _dict_flatten, lambda aux, kids: dict(zip(aux, kids, strict=True)), _dict_keys, _get_item
)
_ORDERED = Node(
    _dict_flatten,
    lambda aux, kids: OrderedDict(zip(aux, kids, strict=True)),
    _dict_keys,
    _get_item,
)


def _dd_flatten(x: Any) -> tuple[Sequence[Any], Any]:
    ks = tuple(x)
    return [x[k] for k in ks], (x.default_factory, ks)


def _dd_unflatten(aux: Any, kids: Sequence[Any]) -> Any:
    out: defaultdict[Any, Any] = defaultdict(aux[0])
    out.update(zip(aux[1], kids, strict=True))
    return out


_DEFAULT = Node(_dd_flatten, _dd_unflatten, lambda aux, n: aux[1], _get_item)


def _dict_node(cls: type) -> Node:
    return Node(
        _dict_flatten, lambda aux, kids: cls(zip(aux, kids, strict=True)), _dict_keys, _get_item
    )


def _record_node(cls: type, names: tuple[str, ...]) -> Node:
    new = object.__new__
    setattr_ = object.__setattr__

    def flatten(x: Any) -> tuple[Sequence[Any], Any]:
        return [getattr(x, n) for n in names], None

    def unflatten(aux: Any, kids: Sequence[Any]) -> Any:
        # no __init__, converters, validators or __post_init__: see the module docstring
        obj: Any = new(cls)
        for n, v in zip(names, kids, strict=True):
            setattr_(obj, n, v)
        return obj

    fields = frozenset(names)

    def get(x: Any, key: Hashable) -> Any:
        if key not in fields:
            msg = f"{cls.__qualname__} has no field {key!r} (fields: {', '.join(names)})"
            raise AttributeError(msg)
        return getattr(x, key)

    return Node(flatten, unflatten, lambda aux, n: names, get)


# ----- walking -----


def children(x: Any) -> list[Any] | None:
    """The children of a node, in order; ``None`` for a leaf."""
    nd = node(x)
    if nd is None:
        return None
    return list(nd.flatten(x)[0])


def keys(x: Any) -> Sequence[Hashable]:
    """The keys of a node's children: indices, dict keys or field names."""
    nd = node(x)
    if nd is None:
        msg = f"{type(x).__qualname__} is not a structure"
        raise TypeError(msg)
    kids, aux = nd.flatten(x)
    return nd.keys(aux, len(kids))


def rebuild(x: Any, kids: Sequence[Any]) -> Any:
    """A node like ``x`` (same type, keys and static metadata) holding ``kids``."""
    nd = node(x)
    if nd is None:
        msg = f"{type(x).__qualname__} is not a structure"
        raise TypeError(msg)
    old, aux = nd.flatten(x)
    if len(old) != len(kids):
        msg = f"{type(x).__qualname__} has {len(old)} parts, got {len(kids)}"
        raise ValueError(msg)
    return nd.unflatten(aux, kids)


def position(x: Any, key: Hashable) -> int:
    """The index among ``x``'s children of the child under ``key``."""
    nd = node(x)
    assert nd is not None
    kids, aux = nd.flatten(x)
    ks = nd.keys(aux, len(kids))
    if type(ks) is range:
        i = key if type(key) is int else -1
        if i < 0:
            i += len(ks)
        if not 0 <= i < len(ks):
            raise IndexError(key)
        return i
    try:
        return list(ks).index(key)
    except ValueError:
        raise KeyError(key) from None


def replace_child(x: Any, key: Hashable, new: Any) -> Any:
    """A copy of node ``x`` with the child under ``key`` replaced by ``new`` (no user code)."""
    nd = node(x)
    assert nd is not None
    kids, aux = nd.flatten(x)
    items = list(kids)
    items[position(x, key)] = new
    return nd.unflatten(aux, items)


def leaves(x: Any) -> list[Any]:
    """Every leaf of ``x`` (numeric and static), depth first, in child order."""
    out: list[Any] = []
    _collect(x, out)
    return out


def _collect(x: Any, out: list[Any]) -> None:
    nd = node(x)
    if nd is None:
        out.append(x)
        return
    for c in nd.flatten(x)[0]:
        _collect(c, out)


def child(x: Any, key: Hashable) -> Any:
    """The child of node ``x`` under ``key``."""
    nd = node(x)
    if nd is None:
        msg = f"{type(x).__qualname__} is not a structure"
        raise TypeError(msg)
    if nd.get is not _get_by_position:
        return nd.get(x, key)
    kids, _ = nd.flatten(x)
    return kids[position(x, key)]


def _check_like(a: Any, b: Any, what: str) -> None:
    if type(a) is not type(b):
        msg = f"{what}: a {type(a).__qualname__} met a {type(b).__qualname__}"
        raise ValueError(msg)


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any, what: str = "tree_map") -> Any:
    """Apply ``fn`` to the numeric leaves of ``tree`` and the matching parts of ``rest``.

    The structure comes from ``tree``: nodes are rebuilt as they were (no user code runs),
    static leaves are kept from ``tree``. A part of ``rest`` at a numeric leaf may be
    anything (a number to broadcast, a BVar); where ``rest`` holds nodes they must have the
    node's type and length (``ValueError`` otherwise).

    Raises:
        TypeError: a leaf of ``tree`` has a type that is neither numeric nor static.

    Examples:
        >>> from optic_ad.structure import tree_map
        >>> tree_map(lambda a, b: a + b, {"x": (1.0, [2.0])}, {"x": (10.0, [20.0])})
        {'x': (11.0, [22.0])}
    """
    k = kind(tree)
    if k == _NUMERIC:
        return fn(tree, *rest)
    if k == _STATIC:
        return tree
    if k is None:
        raise unknown_type_error(type(tree), tree)
    nd: Node = k  # type: ignore[assignment]
    kids, aux = nd.flatten(tree)
    if not rest:
        return nd.unflatten(aux, [tree_map(fn, c, what=what) for c in kids])
    others = []
    for r in rest:
        _check_like(tree, r, what)
        rk, raux = nd.flatten(r)
        if len(rk) != len(kids):
            msg = f"{what}: {type(tree).__qualname__}s of lengths {len(kids)} and {len(rk)} met"
            raise ValueError(msg)
        if raux != aux and isinstance(aux, tuple) and set(raux) == set(aux):
            # dicts with the same keys in another order: match by key
            rk = [r[key] for key in aux]
        elif raux != aux:
            msg = f"{what}: {type(tree).__qualname__}s with different keys met"
            raise ValueError(msg)
        others.append(rk)
    return nd.unflatten(
        aux, [tree_map(fn, c, *parts, what=what) for c, *parts in zip(kids, *others, strict=True)]
    )


def map_numeric(op: Callable[[Any, Any], Any], x: Any, other: Any) -> Any:
    """``op`` leaf by leaf for ``Numeric`` and product arithmetic: with a node of ``x``'s type
    the leaves pair up; anything else (a number, a BVar) meets every numeric leaf. Static
    leaves keep ``x``'s value."""
    if type(other) is type(x):
        return tree_map(op, x, other, what="arithmetic")
    return tree_map(lambda a: op(a, other), x)


def rmap_numeric(op: Callable[[Any, Any], Any], x: Any, other: Any) -> Any:
    """``op(other, leaf)`` for every numeric leaf of ``x`` (reflected arithmetic)."""
    return tree_map(lambda a: op(other, a), x)
