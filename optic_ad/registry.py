"""The Backprop registry: how the engine makes ``zero``, ``add`` and ``one`` for a value.

A *Backprop instance* for a type ``T`` is three functions:

* ``zero(x)`` -- the additive identity with the shape of ``x``;
* ``add(x, y)`` -- the sum of two cotangents of the same shape;
* ``one(x)`` -- the cotangent that seeds the backward pass for an output ``x``.

Laws (checked by [`optic_ad.testing.check_backprop_laws`][optic_ad.testing._laws.check_backprop_laws]): ``add(x, zero(y)) == x``,
``add`` is associative and commutative, and ``one(x)`` has the shape of ``x``.

What a value is comes from `optic_ad.structure`: a numeric leaf (floats, floating
arrays and scalars) has the arithmetic instance; a type registered with [`register`][optic_ad.registry.register]
has its own; a node (tuple, list, dict, record, ``T2``...) is zero, added and seeded child
by child and rebuilt without running user code; a static leaf (``str``, ``int``, ``None``,
enums, integer arrays...) is carried unchanged: ``zero(3) == 3``. Class hierarchy is
ignored for registered types, as in JAX's pytree registry: a subclass of a registered class
must be registered itself. Results are cached per type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import numpy as np

from optic_ad import structure
from optic_ad.structure import field_names

__all__ = [
    "LIFTED",
    "Instance",
    "add",
    "field_names",
    "instance",
    "lifted_type",
    "one",
    "register",
    "zero",
]

T = TypeVar("T")


class Instance(NamedTuple):
    """The Backprop instance of one type: its ``zero``, ``add`` and ``one``."""

    zero: Callable[[Any], Any]
    add: Callable[[Any, Any], Any]
    one: Callable[[Any], Any]


_registered: dict[type, Instance] = {}
_cache: dict[type, Instance] = {}


def register(
    cls: type[T],
    *,
    zero: Callable[[T], T],
    add: Callable[[T, T], T],
    one: Callable[[T], T],
) -> None:
    """Make ``cls`` differentiable by giving its ``zero``, ``add`` and ``one``.

    ``cls`` becomes a numeric leaf: the engine never looks inside it. (To have a type
    taken apart into children instead, see [`optic_ad.structure.register_node`][optic_ad.structure.register_node].)

    Args:
        cls: the type to register (exactly this type; subclasses are not covered).
        zero: ``x -> `` the zero cotangent shaped like ``x``.
        add: ``(x, y) -> `` the sum of two cotangents.
        one: ``x -> `` the seed cotangent for an output ``x``.

    Examples:
        >>> import optic_ad as ad
        >>> class Money:
        ...     def __init__(self, v: float) -> None:
        ...         self.v = v
        >>> ad.zero(Money(1.0))
        Traceback (most recent call last):
        ...
        TypeError: no Backprop instance for type Money. ...
        >>> ad.register(Money, zero=lambda m: Money(0.0),
        ...             add=lambda a, b: Money(a.v + b.v), one=lambda m: Money(1.0))
        >>> ad.add(Money(1.0), Money(2.5)).v
        3.5
    """
    _registered[cls] = Instance(zero, add, one)
    structure.register_leaf(cls)
    _cache.clear()


# ----- leaves -----


def _float_zero(x: Any) -> Any:
    return 0.0


def _float_one(x: Any) -> Any:
    return 1.0


def _plain_add(x: Any, y: Any) -> Any:
    return x + y


def _array_zero(x: Any) -> Any:
    return np.zeros_like(x) if structure.kind(x) == "numeric" else x


def _array_one(x: Any) -> Any:
    return np.ones_like(x) if structure.kind(x) == "numeric" else x


def _array_add(x: Any, y: Any) -> Any:
    if structure.kind(x) != "numeric":
        return x  # an integer array is static
    if np.shape(x) != np.shape(y):
        msg = f"add: gradients of shapes {np.shape(x)} and {np.shape(y)} met"
        raise ValueError(msg)
    return x + y


def _static_add(x: Any, y: Any) -> Any:
    return x


def _same(x: Any) -> Any:
    return x


_FLOAT = Instance(_float_zero, _plain_add, _float_one)
_COMPLEX = Instance(lambda x: 0j, _plain_add, lambda x: 1.0 + 0j)
_ARRAY = Instance(_array_zero, _array_add, _array_one)
_STATIC = Instance(_same, _static_add, _same)


# ----- nodes: child by child -----


def _node_instance(nd: structure.Node) -> Instance:
    flatten, unflatten = nd.flatten, nd.unflatten

    def nzero(x: Any) -> Any:
        kids, aux = flatten(x)
        return unflatten(aux, [zero(c) for c in kids])

    def none(x: Any) -> Any:
        kids, aux = flatten(x)
        return unflatten(aux, [one(c) for c in kids])

    def nadd(x: Any, y: Any) -> Any:
        kx, ax = flatten(x)
        ky, ay = flatten(y)
        if type(y) is not type(x):
            msg = f"add: a {type(x).__qualname__} met a {type(y).__qualname__}"
            raise ValueError(msg)
        if ax != ay and isinstance(ax, tuple) and isinstance(x, dict):
            return _dict_add(x, y)
        if len(kx) != len(ky):
            msg = f"add: {type(x).__qualname__}s of lengths {len(kx)} and {len(ky)} met"
            raise ValueError(msg)
        return unflatten(ax, [add(a, b) for a, b in zip(kx, ky, strict=True)])

    return Instance(nzero, nadd, none)


def _dict_add(x: Any, y: Any) -> Any:
    # dicts with different keys: a missing key is a zero (order: x's keys, then y's new ones)
    out = type(x)(x) if type(x) is not dict else dict(x)
    for k, v in y.items():
        out[k] = add(out[k], v) if k in out else v
    return out


def instance(cls: type) -> Instance:
    """The Backprop instance for ``cls``; raises ``TypeError`` when there is none."""
    try:
        return _cache[cls]
    except KeyError:
        pass
    inst = _find(cls)
    _cache[cls] = inst
    return inst


def _find(cls: type) -> Instance:
    if cls in _registered:
        return _registered[cls]
    if cls is float:
        return _FLOAT
    if cls is complex:
        return _COMPLEX
    if issubclass(cls, np.ndarray):
        return _ARRAY
    if issubclass(cls, np.generic):
        if issubclass(cls, np.inexact):
            return Instance(lambda x: type(x)(0), _plain_add, lambda x: type(x)(1))
        return _STATIC
    k = structure.kind_of_type(cls)
    if k == "static":
        return _STATIC
    if type(k) is structure.Node:
        return _node_instance(k)
    raise structure.unknown_type_error(cls)


def zero(x: T) -> T:
    """The zero cotangent shaped like ``x`` (``0.0``, zeros, or part by part; static
    leaves such as ``int`` and ``str`` are kept)."""
    return instance(type(x)).zero(x)  # type: ignore[no-any-return]


LIFTED: dict[type, Callable[[Any], Any]] = {}
"""The lifted types (see `lifted_type`) and their ``assemble``."""


def lifted_type(cls: type, assemble: Callable[[Any], Any]) -> None:
    """Mark ``cls`` (``BVar``) as wrapping values: ``add`` with one on either side uses
    ``cls``'s instance, so a plain cotangent plus a recorded one is recorded; and a
    structure holding some ``cls`` values among plain ones is made one ``cls`` value by
    ``assemble``."""
    LIFTED[cls] = assemble


def add(x: T, y: T) -> T:
    """Sum two cotangents of the same shape; ``ValueError`` if shapes differ."""
    ty = type(y)
    return instance(ty if ty in LIFTED else type(x)).add(x, y)  # type: ignore[no-any-return]


def one(x: T) -> T:
    """The seed cotangent for an output ``x`` (``1.0``, ones, or part by part)."""
    return instance(type(x)).one(x)  # type: ignore[no-any-return]
