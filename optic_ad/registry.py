"""The Backprop registry: how the engine makes ``zero``, ``add`` and ``one`` for a type.

A *Backprop instance* for a type ``T`` is three functions:

* ``zero(x)`` -- the additive identity with the shape of ``x``;
* ``add(x, y)`` -- the sum of two cotangents of the same shape;
* ``one(x)`` -- the cotangent that seeds the backward pass for an output ``x``.

Laws (checked by :func:`optic_ad.testing.check_backprop_laws`): ``add(x, zero(y)) == x``,
``add`` is associative and commutative, and ``one(x)`` has the shape of ``x``.

Lookup order for ``type(x)``: an exactly registered type (``register``), then structure
(attrs class, dataclass, NamedTuple, tuple, list, dict), then ``TypeError``. Class
hierarchy is ignored for registered types, as in JAX's pytree registry: a subclass of a
registered class must be registered itself (structure still applies to it). Results are
cached per type, so the engine pays one dictionary lookup per call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import attrs
import numpy as np

__all__ = ["Instance", "add", "field_names", "instance", "lifted_type", "one", "register", "zero"]

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
    _cache.clear()


def field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of an attrs class, dataclass or NamedTuple, else ``None``."""
    if attrs.has(cls):
        return tuple(a.name for a in attrs.fields(cls))
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    if issubclass(cls, tuple) and hasattr(cls, "_fields"):
        return tuple(cls._fields)
    return None


def _record_builder(cls: type) -> Callable[[list[Any]], Any]:
    # attrs strips leading underscores in __init__ (its "alias"); dataclasses and
    # NamedTuples take field names as they are. Fields with init=False cannot be
    # passed, so they are set afterwards (frozen classes allow object.__setattr__).
    if attrs.has(cls):
        fields = attrs.fields(cls)
        init = [(f.alias, f.init) for f in fields]
    elif dataclasses.is_dataclass(cls):
        init = [(f.name, f.init) for f in dataclasses.fields(cls)]
    else:
        return lambda vals: cls(*vals)
    if all(ok for _, ok in init):
        names = [n for n, _ in init]
        return lambda vals: cls(**dict(zip(names, vals, strict=True)))
    all_names = field_names(cls) or ()

    def build(vals: list[Any]) -> Any:
        obj = object.__new__(cls)
        for name, val in zip(all_names, vals, strict=True):
            object.__setattr__(obj, name, val)
        return obj

    return build


def _record_instance(cls: type, names: tuple[str, ...]) -> Instance:
    build = _record_builder(cls)

    def rzero(x: Any) -> Any:
        return build([zero(getattr(x, n)) for n in names])

    def radd(x: Any, y: Any) -> Any:
        return build([add(getattr(x, n), getattr(y, n)) for n in names])

    def rone(x: Any) -> Any:
        return build([one(getattr(x, n)) for n in names])

    return Instance(rzero, radd, rone)


def _seq_instance(cls: type) -> Instance:
    return Instance(
        lambda x: cls(zero(v) for v in x),
        lambda x, y: _zip_add(cls, x, y),
        lambda x: cls(one(v) for v in x),
    )


def _zip_add(cls: type, x: Any, y: Any) -> Any:
    if len(x) != len(y):
        msg = f"add: {cls.__name__}s of lengths {len(x)} and {len(y)} met"
        raise ValueError(msg)
    return cls(add(a, b) for a, b in zip(x, y, strict=True))


def _dict_add(x: dict[Any, Any], y: dict[Any, Any]) -> dict[Any, Any]:
    # A dict cotangent may leave out keys whose gradient is zero (a view through
    # `key(k)` builds only that key), so missing keys are taken as zero.
    out = dict(x)
    for k, v in y.items():
        out[k] = add(out[k], v) if k in out else v
    return out


def _array_add(x: Any, y: Any) -> Any:
    if np.shape(x) != np.shape(y):
        msg = f"add: gradients of shapes {np.shape(x)} and {np.shape(y)} met"
        raise ValueError(msg)
    return x + y


def _float_zero(x: Any) -> Any:
    return 0.0


def _float_one(x: Any) -> Any:
    return 1.0


def _plain_add(x: Any, y: Any) -> Any:
    return x + y


_FLOAT = Instance(_float_zero, _plain_add, _float_one)
_ARRAY = Instance(np.zeros_like, _array_add, np.ones_like)
_NUMPY_SCALAR = Instance(lambda x: type(x)(0), _plain_add, lambda x: type(x)(1))


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
    if cls is float or cls is int or cls is bool or cls is complex:
        return _FLOAT
    if issubclass(cls, np.ndarray):
        return _ARRAY
    if issubclass(cls, np.generic):
        return _NUMPY_SCALAR
    if cls is type(None):
        return Instance(lambda x: None, lambda x, y: None, lambda x: None)
    names = field_names(cls)
    if names is not None:
        return _record_instance(cls, names)
    if issubclass(cls, tuple | list):
        return _seq_instance(cls)
    if issubclass(cls, dict):
        return Instance(
            lambda x: {k: zero(v) for k, v in x.items()},
            _dict_add,
            lambda x: {k: one(v) for k, v in x.items()},
        )
    msg = (
        f"no Backprop instance for type {cls.__qualname__}. Register one with "
        f"ad.register({cls.__qualname__}, zero=..., add=..., one=...), "
        f"or make {cls.__qualname__} an attrs class or dataclass."
    )
    raise TypeError(msg)


def zero(x: T) -> T:
    """The zero cotangent shaped like ``x`` (``0.0``, zeros, or field-wise zeros)."""
    return instance(type(x)).zero(x)  # type: ignore[no-any-return]


_lifted: set[type] = set()


def lifted_type(cls: type) -> None:
    """Mark ``cls`` (``BVar``) as wrapping values: ``add`` with one on either side uses
    ``cls``'s instance, so a plain cotangent plus a recorded one is recorded."""
    _lifted.add(cls)


def add(x: T, y: T) -> T:
    """Sum two cotangents of the same shape; ``ValueError`` if shapes differ."""
    ty = type(y)
    return instance(ty if ty in _lifted else type(x)).add(x, y)  # type: ignore[no-any-return]


def one(x: T) -> T:
    """The seed cotangent for an output ``x`` (``1.0``, ones, or field-wise ones)."""
    return instance(type(x)).one(x)  # type: ignore[no-any-return]
