"""Hypothesis strategies for the values optic_ad differentiates.

``arrays`` draws finite floating arrays; ``records`` builds attrs classes and dataclasses
from their field types; ``values_like`` draws values of the same type and shapes as an
example; ``register_strategy`` makes ``st.from_type(MyRecord)`` work.

Shapes of array fields. A field typed ``NDArray[...]`` (or ``np.ndarray``) does not say
its shape, so ``records`` takes it from, in this order: the ``shapes`` argument
(``shapes={"w": (3, 2)}``; nested records by dotted path, ``{"layer1.w": (3, 2)}``),
then the field's attrs metadata (``attrs.field(metadata={"shape": (3, 2)})``) or
dataclass metadata (``dataclasses.field(metadata={"shape": (3, 2)})``). A shape may be a
tuple or a Hypothesis strategy of tuples. Without one, ``records`` raises ``TypeError``
naming the field.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
import types
import typing
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from optic_ad import structure
from optic_ad.structure import field_names
from optic_ad.testing._trees import children, is_float_leaf, rebuild

__all__ = ["arrays", "floats", "records", "register_strategy", "values_like"]

T = TypeVar("T")
Shape = tuple[int, ...]

_BOUND = 10.0


def floats(
    min_value: float = -_BOUND, max_value: float = _BOUND, *, width: int = 64
) -> st.SearchStrategy[float]:
    """Finite floats in ``[min_value, max_value]`` (default ``[-10, 10]``), no NaN or inf."""
    return st.floats(
        min_value, max_value, allow_nan=False, allow_infinity=False, allow_subnormal=False,
        width=width,  # type: ignore[arg-type]
    )  # fmt: skip


def arrays(
    shape: int | Shape | st.SearchStrategy[Shape] | None = None,
    elements: st.SearchStrategy[Any] | None = None,
    dtype: Any = np.float64,
) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    """Finite floating arrays: a thin wrapper over ``hypothesis.extra.numpy.arrays``.

    Args:
        shape: a shape, an int (1-d), or a strategy of shapes; default: up to 2 dimensions
            of up to 4 entries.
        elements: a strategy of entries; default finite floats in ``[-10, 10]``.
        dtype: a floating dtype (default float64).

    Examples:
        >>> from hypothesis import given
        >>> from optic_ad import testing
        >>> @given(testing.arrays((2, 3)))
        ... def test(a):
        ...     assert a.shape == (2, 3) and a.dtype == "float64"
        >>> test()
    """
    dt = np.dtype(dtype)
    if elements is None:
        elements = floats(width=8 * dt.itemsize)
    if shape is None:
        shape = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4)
    return hnp.arrays(dt, shape, elements=elements)


# Names a string annotation may use without its module importing them (a class defined in
# a function or a doctest under ``from __future__ import annotations``).
_NAMES: dict[str, Any] = {"np": np, "numpy": np, "NDArray": npt.NDArray, "npt": npt}


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, localns=_NAMES)
    except (NameError, TypeError):
        pass
    raw = (
        {a.name: a.type for a in attrs.fields(cls)}
        if attrs.has(cls)
        else {f.name: f.type for f in dataclasses.fields(cls)}
    )
    out: dict[str, Any] = {}
    for name, tp in raw.items():
        if isinstance(tp, str):
            # an unresolvable name stays a string: st.from_type reports it
            with contextlib.suppress(Exception):
                tp = eval(tp, dict(vars(sys.modules.get(cls.__module__, typing))), dict(_NAMES))
        out[name] = tp
    return out


def _metadata(cls: type, name: str) -> Mapping[Any, Any]:
    if attrs.has(cls):
        return attrs.fields_dict(cls)[name].metadata
    if dataclasses.is_dataclass(cls):
        return {f.name: f for f in dataclasses.fields(cls)}[name].metadata
    return {}


def _array_dtype(tp: Any) -> Any:
    # NDArray[np.float32] is np.ndarray[Any, np.dtype[np.float32]]
    args = typing.get_args(tp)
    if len(args) == 2:
        dargs = typing.get_args(args[1])
        if dargs and isinstance(dargs[0], type) and issubclass(dargs[0], np.floating):
            return dargs[0]
    return np.float64


def _for_type(
    tp: Any, path: str, shapes: Mapping[str, Any], meta: Mapping[Any, Any]
) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp) or tp
    if tp is float:
        return floats()
    if tp is int:
        return st.integers(-10, 10)
    if tp is bool:
        return st.booleans()
    if origin is np.ndarray:
        shape = shapes.get(path, meta.get("shape"))
        if shape is None:
            msg = (
                f"records: field {path!r} is an array of unknown shape. Give it with "
                f"records(..., shapes={{{path!r}: (3, 2)}}) or in the field's metadata "
                f"(attrs.field(metadata={{'shape': (3, 2)}}))"
            )
            raise TypeError(msg)
        return arrays(shape, dtype=_array_dtype(tp))
    if isinstance(origin, type) and issubclass(origin, np.floating):
        return floats(width=8 * np.dtype(origin).itemsize).map(origin)
    if isinstance(tp, type) and field_names(tp) is not None and not issubclass(tp, tuple):
        return records(tp, shapes=_below(shapes, path))
    if origin is types.UnionType or origin is typing.Union:
        return st.one_of(*[_for_type(a, path, shapes, meta) for a in typing.get_args(tp)])
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_for_type(args[0], f"{path}[]", shapes, {}), max_size=4).map(tuple)
        return st.tuples(*[_for_type(a, f"{path}[{i}]", shapes, {}) for i, a in enumerate(args)])
    if tp is type(None):
        return st.none()
    return st.from_type(tp)


def _below(shapes: Mapping[str, Any], path: str) -> dict[str, Any]:
    prefix = path + "."
    return {k[len(prefix) :]: v for k, v in shapes.items() if k.startswith(prefix)}


def records(
    cls: type[T],
    *,
    shapes: Mapping[str, Shape | st.SearchStrategy[Shape]] | None = None,
    fields: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[T]:
    """Instances of an attrs class or dataclass, each field drawn from its type.

    ``float`` fields get finite floats in ``[-10, 10]``, ``int`` small ints, array fields
    (``NDArray[np.float64]``) finite arrays of the shape given by ``shapes`` or the field's
    metadata (see the module docstring), nested records recursively; other types go to
    ``st.from_type``.

    Args:
        cls: an attrs class or dataclass.
        shapes: shapes of array fields by name (dotted paths for nested records).
        fields: strategies for some fields, overriding their types.

    Raises:
        TypeError: ``cls`` is not a record, or an array field has no shape.

    Examples:
        >>> import attrs, numpy as np
        >>> from numpy.typing import NDArray
        >>> from hypothesis import given
        >>> from optic_ad import testing
        >>> @attrs.frozen
        ... class Layer:
        ...     w: NDArray[np.float64]
        ...     b: float
        >>> @given(testing.records(Layer, shapes={"w": (3, 2)}))
        ... def test(layer):
        ...     assert layer.w.shape == (3, 2) and isinstance(layer.b, float)
        >>> test()
    """
    names = field_names(cls)
    if names is None or not (attrs.has(cls) or dataclasses.is_dataclass(cls)):
        msg = f"records() needs an attrs class or dataclass, got {cls.__qualname__}"
        raise TypeError(msg)
    shapes = dict(shapes or {})
    given = dict(fields or {})
    unknown = [n for n in given if n not in names]
    if unknown:
        msg = f"records: {cls.__qualname__} has no field(s) {', '.join(unknown)}"
        raise TypeError(msg)
    hints = _hints(cls)
    parts: list[st.SearchStrategy[Any]] = []
    for n in names:
        if n in given:
            parts.append(given[n])
        else:
            parts.append(_for_type(hints.get(n, Any), n, shapes, _metadata(cls, n)))
    build = _builder(cls, names)
    return st.tuples(*parts).map(lambda vals: build(list(vals)))


def _builder(cls: type, names: tuple[str, ...]) -> Callable[[list[Any]], Any]:
    # Drawn values are the user's own values: built with the class's __init__ (so its
    # converters and validators apply) unless a field cannot be passed to it.
    if attrs.has(cls):
        init = [(f.alias, f.init) for f in attrs.fields(cls)]
    else:
        init = [(f.name, f.init) for f in dataclasses.fields(cls)]
    if all(ok for _, ok in init):
        return lambda vals: cls(**{a: v for (a, _), v in zip(init, vals, strict=True)})
    nd = structure.kind_of_type(cls)
    assert isinstance(nd, structure.Node)
    return lambda vals: nd.unflatten(None, vals)


def register_strategy(
    cls: type[T],
    *,
    shapes: Mapping[str, Shape | st.SearchStrategy[Shape]] | None = None,
    fields: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> None:
    """Register ``records(cls, shapes=..., fields=...)`` so ``st.from_type(cls)`` works.

    Examples:
        >>> import attrs
        >>> import optic_ad as ad
        >>> from hypothesis import given, strategies as st
        >>> from optic_ad import testing
        >>> @attrs.frozen
        ... class P(ad.Numeric):
        ...     x: float
        ...     y: float
        >>> testing.register_strategy(P)
        >>> @given(st.from_type(P))
        ... def test(p):
        ...     assert isinstance(p, P) and abs(p.x) <= 10.0
        >>> test()
    """
    strategy = records(cls, shapes=shapes, fields=fields)  # fail now on a missing shape
    st.register_type_strategy(cls, strategy)


def _rebuild_from(x: Any, vals: tuple[Any, ...]) -> Any:
    return rebuild(x, list(vals))


def values_like(
    example: T,
    *,
    elements: Callable[[np.dtype[Any]], st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[T]:
    """Values of the same type, structure and shapes as ``example``, with new floats.

    Floating leaves (floats, floating numpy scalars and arrays) are drawn afresh (finite, in
    ``[-10, 10]`` unless ``elements`` says otherwise); ints, strings and other leaves are
    kept as they are (they are usually sizes or flags, and get no gradient).

    Args:
        example: any value of a registered type.
        elements: ``dtype -> `` a strategy of entries for leaves of that dtype.

    Examples:
        >>> import numpy as np
        >>> from hypothesis import given
        >>> from optic_ad import testing
        >>> @given(testing.values_like({"w": np.zeros((2, 2)), "n": 3, "b": 0.0}))
        ... def test(v):
        ...     assert v["w"].shape == (2, 2) and v["n"] == 3 and isinstance(v["b"], float)
        >>> test()
    """

    def entries(dt: np.dtype[Any]) -> st.SearchStrategy[Any]:
        return elements(dt) if elements is not None else floats(width=8 * dt.itemsize)

    def like(x: Any) -> st.SearchStrategy[Any]:
        kids = children(x)
        if kids is not None:
            return st.tuples(*[like(c) for _, c in kids]).map(partial(_rebuild_from, x))
        if not is_float_leaf(x):
            return st.just(x)
        if type(x) is float:
            return entries(np.dtype(np.float64)).map(float)
        if isinstance(x, np.floating):
            return entries(x.dtype).map(x.dtype.type)
        return hnp.arrays(x.dtype, x.shape, elements=entries(x.dtype))

    return like(example)
