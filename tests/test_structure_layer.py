"""Acceptance tests of the "one structure layer" issue (DESIGN.md, "Structure: one layer").

Grouped by the points of the issue:

1. structured outputs (every runner accepts them, never hands back a BVar; the Jacobian
   convention of JAX's ``jacrev``: output structure outside, input structure inside);
2. records are rebuilt without running user code (converters, validators, ``__init__``,
   ``__post_init__``, ``init=False`` fields);
3. static leaves (str, bool, int, enums, None) pass through gradients, ``Numeric``
   arithmetic and optimisers unchanged;
4. containers keep their exact type and key order;
5. BVar semantics (``==``/``!=``, traversals and prisms on BVars, the free functions on
   plain values);
6. runners (argnums, aliasing of gradients and seeds, the garbage collector's state);
7. property tests over values built from every kind of structure.

Every expected number comes from outside optic_ad: a derivation by hand written in the
test, central finite differences computed here (on plain values, rebuilding records
without running their code), or both.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import enum
import gc
import math
import sys
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, NamedTuple, TypeVar

import attrs
import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad import optim, structure, testing

Arr = NDArray[np.float64]
T = TypeVar("T")
Step = tuple[str, Any]  # ("ix", i) | ("key", k) | ("field", name)
Path = tuple[Step, ...]

# ======================================================================================
# Helpers: an independent structure walker, finite differences, tree comparison
# ======================================================================================

_PRODUCTS = (ad.T2, ad.T3, ad.HList)


def _is_product(x: Any) -> bool:
    return isinstance(x, _PRODUCTS)


def _plain(v: Any) -> Any:
    while type(v) is ad.BVar:
        v = v.value
    return v


def _is_record(x: Any) -> bool:
    return attrs.has(type(x)) or (dataclasses.is_dataclass(x) and not isinstance(x, type))


def _record_fields(x: Any) -> list[str]:
    if attrs.has(type(x)):
        return [a.name for a in attrs.fields(type(x))]
    return [f.name for f in dataclasses.fields(x)]


def _children(x: Any) -> list[tuple[Step, Any]] | None:
    """The children of a plain structure, or ``None`` for a leaf."""
    if _is_record(x):
        return [(("field", n), getattr(x, n)) for n in _record_fields(x)]
    if _is_product(x) or isinstance(x, tuple | list):
        return [(("ix", i), p) for i, p in enumerate(x)]
    if isinstance(x, dict):
        return [(("key", k), p) for k, p in x.items()]
    return None


def _rebuild(x: Any, parts: list[Any]) -> Any:
    """``x`` with its children replaced by ``parts``, running no user code for records."""
    if _is_record(x):
        obj = copy.copy(x)
        for n, p in zip(_record_fields(x), parts, strict=True):
            object.__setattr__(obj, n, p)
        return obj
    if _is_product(x):
        return type(x)(*parts)
    if isinstance(x, tuple):
        return type(x)(*parts) if hasattr(x, "_fields") else tuple(parts)
    if isinstance(x, list):
        return list(parts)
    if isinstance(x, dict):
        return type(x)(zip(list(x), parts, strict=True))
    msg = f"not a structure: {type(x).__qualname__}"
    raise TypeError(msg)


def _is_numeric_leaf(x: Any) -> bool:
    if isinstance(x, np.ndarray):
        return bool(np.issubdtype(x.dtype, np.floating))
    return isinstance(x, float | np.floating)


def _is_static(x: Any) -> bool:
    return x is None or type(x) in (str, bool, int) or isinstance(x, enum.Enum)


def _leaves(x: Any, path: Path = ()) -> list[tuple[Path, Any]]:
    """The floating leaves of ``x`` with their paths, in order."""
    kids = _children(x)
    if kids is None:
        return [(path, x)] if _is_numeric_leaf(x) else []
    out: list[tuple[Path, Any]] = []
    for step, child in kids:
        out.extend(_leaves(child, (*path, step)))
    return out


def _map_leaves(x: Any, fn: Callable[[Path, Any], Any], path: Path = ()) -> Any:
    """``x`` with each floating leaf replaced by ``fn(path, leaf)``; other leaves kept."""
    kids = _children(x)
    if kids is None:
        return fn(path, x) if _is_numeric_leaf(x) else x
    return _rebuild(x, [_map_leaves(c, fn, (*path, s)) for s, c in kids])


def _replace_at(x: Any, path: Path, new: Any) -> Any:
    if not path:
        return new
    kids = _children(x)
    assert kids is not None
    parts = [c for _, c in kids]
    i = [s for s, _ in kids].index(path[0])
    parts[i] = _replace_at(parts[i], path[1:], new)
    return _rebuild(x, parts)


def _field(v: Any, name: str) -> Any:
    """Field ``name`` of a record, or of a BVar of a record (through its lens)."""
    if type(v) is ad.BVar:
        return v.view(getattr(ad.lenses(type(_plain(v))), name))
    return getattr(v, name)


def _get(v: Any, path: Path) -> Any:
    """Walk ``path`` on a plain value or a BVar: ``v[i]``, ``v[k]``, or a field lens."""
    for kind, k in path:
        v = _field(v, k) if kind == "field" else v[k]
    return v


def _bumped(leaf: Any, idx: tuple[int, ...], h: float) -> Any:
    if isinstance(leaf, np.ndarray):
        out = leaf.astype(np.float64)
        out[idx] += h
        return out
    return float(leaf) + h


def _scalar(y: Any) -> float:
    assert type(y) is not ad.BVar
    return float(np.asarray(y))


def fd_grad(f: Callable[[Any], Any], x: Any, eps: float = 1e-6) -> Any:
    """Central differences of a scalar ``f`` at ``x``, shaped like ``x`` (static leaves kept)."""

    def at(path: Path, leaf: Any) -> Any:
        def d(idx: tuple[int, ...]) -> float:
            up = f(_replace_at(x, path, _bumped(leaf, idx, eps)))
            dn = f(_replace_at(x, path, _bumped(leaf, idx, -eps)))
            return (_scalar(up) - _scalar(dn)) / (2 * eps)

        if isinstance(leaf, np.ndarray):
            out = np.zeros(leaf.shape)
            for idx in np.ndindex(*leaf.shape):
                out[idx] = d(idx)
            return out
        return d(())

    return _map_leaves(x, at)


def fd_jacobian(f: Callable[[Any], Any], x: Any, eps: float = 1e-6) -> Any:
    """The Jacobian of ``f`` at ``x`` by central differences, in JAX's ``jacrev`` layout:
    the output's structure outside, the input's inside, each leaf of shape
    ``out_leaf.shape + in_leaf.shape`` (a float when both are scalars)."""
    y0 = f(x)
    outs = _leaves(y0)
    ins = _leaves(x)
    blocks = {
        (o, i): np.zeros(np.shape(yo) + np.shape(xi))
        for o, (_, yo) in enumerate(outs)
        for i, (_, xi) in enumerate(ins)
    }
    for i, (pi, xi) in enumerate(ins):
        for idx in np.ndindex(*np.shape(xi)):
            up = _leaves(f(_replace_at(x, pi, _bumped(xi, idx, eps))))
            dn = _leaves(f(_replace_at(x, pi, _bumped(xi, idx, -eps))))
            for o in range(len(outs)):
                diff = (np.asarray(up[o][1]) - np.asarray(dn[o][1])) / (2 * eps)
                blocks[o, i][(Ellipsis, *idx)] = diff

    def block(o: int, i: int) -> Any:
        b = blocks[o, i]
        return float(b) if b.ndim == 0 else b

    def inner(o: int) -> Any:
        out = x
        for i, (pi, _) in enumerate(ins):
            out = _replace_at(out, pi, block(o, i))
        return out

    result = y0
    for o, (po, _) in enumerate(outs):
        result = _replace_at(result, po, inner(o))
    return result


def fd_hessian(f: Callable[[Any], Any], x: Any, h: float = 1e-4) -> Any:
    """The Hessian of a scalar ``f`` of a structure of floats, by second differences:
    ``x``'s structure outside and inside (``H[i][j] = d2f / dx_i dx_j``)."""
    ins = _leaves(x)
    assert all(type(v) is float for _, v in ins)

    def f_at(**moves: float) -> float:
        y = x
        for n, d in moves.items():
            p = ins[int(n[1:])][0]
            y = _replace_at(y, p, _get(y, p) + d)
        return _scalar(f(y))

    def entry(i: int, j: int) -> float:
        if i == j:
            k = f"a{i}"
            two = f_at(**{k: h}) - 2 * f_at() + f_at(**{k: -h})
            return two / (h * h)
        a, b = f"a{i}", f"a{j}"
        pp = f_at(**{a: h, b: h})
        pm = f_at(**{a: h, b: -h})
        mp = f_at(**{a: -h, b: h})
        mm = f_at(**{a: -h, b: -h})
        return (pp - pm - mp + mm) / (4 * h * h)

    out = x
    for i, (pi, _) in enumerate(ins):
        row = x
        for j, (pj, _) in enumerate(ins):
            row = _replace_at(row, pj, entry(i, j))
        out = _replace_at(out, pi, row)
    return out


def _step_text(step: Step) -> str:
    kind, k = step
    return f".{k}" if kind == "field" else f"[{k!r}]"


def contains_bvar(x: Any) -> bool:
    if type(x) is ad.BVar:
        return True
    if isinstance(x, np.ndarray) and x.dtype == object:
        return any(contains_bvar(e) for e in x.ravel())
    kids = _children(x)
    return kids is not None and any(contains_bvar(c) for _, c in kids)


def assert_tree(
    actual: Any,
    expected: Any,
    *,
    strict: bool = True,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    where: str = "x",
) -> None:
    """``actual`` has ``expected``'s exact structure (types, keys in order, fields), equal
    static leaves and close floating leaves (``strict``: a float is a ``float``, an array
    an ``ndarray``; otherwise any floating scalar or array of the right shape)."""
    assert type(actual) is not ad.BVar, f"{where}: a BVar in the result: {actual!r}"
    kids = _children(expected)
    if kids is not None:
        assert type(actual) is type(expected), (
            f"{where}: {type(actual).__qualname__}, expected {type(expected).__qualname__}"
        )
        akids = _children(actual)
        assert akids is not None
        assert [s for s, _ in akids] == [s for s, _ in kids], (
            f"{where}: keys/fields {[s for s, _ in akids]}, expected {[s for s, _ in kids]}"
        )
        for (step, e), (_, a) in zip(kids, akids, strict=True):
            assert_tree(a, e, strict=strict, rtol=rtol, atol=atol, where=where + _step_text(step))
        return
    if _is_static(expected):
        assert type(actual) is type(expected), f"{where}: {actual!r}, expected {expected!r}"
        assert actual == expected, f"{where}: {actual!r}, expected {expected!r}"
        return
    if strict:
        want = float if type(expected) is float else type(expected)
        assert type(actual) is want, f"{where}: {type(actual).__qualname__}, expected {want}"
    else:
        assert isinstance(actual, float | np.floating | np.ndarray), f"{where}: {actual!r}"
    assert np.shape(actual) == np.shape(expected), (
        f"{where}: shape {np.shape(actual)}, expected {np.shape(expected)}"
    )
    assert np.issubdtype(np.asarray(actual).dtype, np.floating), f"{where}: {actual!r}"
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64), expected, rtol=rtol, atol=atol, err_msg=where
    )


def check_against_fd(f: Callable[[Any], Any], x: Any, g: Any, **tol: float) -> None:
    assert_tree(g, fd_grad(f, x), rtol=tol.get("rtol", 1e-5), atol=tol.get("atol", 1e-6))


# ----- the helpers are tested too: they are the oracle -----


def test_helper_fd_grad_and_jacobian_know_a_closed_form() -> None:
    x: dict[str, Any] = {"a": np.array([0.3, -1.2]), "b": ad.T2(0.5, (2.0,))}

    def f(v: Any) -> Any:
        return np.sum(np.sin(v["a"])) * v["b"][0] + v["b"][1][0] ** 2

    g = fd_grad(f, x)
    assert_tree(g["a"], np.cos(x["a"]) * 0.5, rtol=1e-6)
    assert g["b"][0] == pytest.approx(np.sum(np.sin(x["a"])), rel=1e-6)
    assert g["b"][1][0] == pytest.approx(4.0, rel=1e-6)
    j = fd_jacobian(lambda v: (v["a"] * 2.0, v["b"][0]), x)
    assert type(j) is tuple
    assert j[0]["a"].shape == (2, 2)
    np.testing.assert_allclose(j[0]["a"], 2.0 * np.eye(2), atol=1e-6)
    assert j[1]["b"][0] == pytest.approx(1.0)
    h = fd_hessian(lambda v: v[0] ** 2 * v[1], ad.T2(2.0, 3.0))
    assert h[0][0] == pytest.approx(6.0, abs=1e-4)
    assert h[0][1] == pytest.approx(4.0, abs=1e-4)
    assert h[1][1] == pytest.approx(0.0, abs=1e-4)


def test_helper_assert_tree_is_strict() -> None:
    with pytest.raises(AssertionError):
        assert_tree((1.0, 2.0), [1.0, 2.0])
    with pytest.raises(AssertionError):
        assert_tree({"b": 1.0, "a": 2.0}, {"a": 2.0, "b": 1.0})
    with pytest.raises(AssertionError):
        assert_tree(np.float64(1.0), 1.0)
    with pytest.raises(AssertionError):
        assert_tree(ad.T2(1.0, 2.0), (1.0, 2.0))
    assert_tree(np.float64(1.0), 1.0, strict=False)


# ======================================================================================
# 1. Structured outputs
# ======================================================================================


@attrs.frozen
class WB:
    w: Any
    b: Any


def test_backprop_with_tuple_output() -> None:
    value, vjp = ad.backprop_with(lambda v: (v * 2.0, v * 3.0), 1.0, (1.0, 10.0))
    # d/dv (2 v * 1 + 3 v * 10) = 32
    assert value == (2.0, 3.0)
    assert vjp == 32.0
    assert type(value) is tuple
    assert all(type(e) is float for e in value), value
    assert type(vjp) is float


def test_backprop_with_tuple_output_vjp_matches_differences() -> None:
    _, vjp = ad.backprop_with(lambda v: (anp.sin(v), v * v), 0.7, (2.0, -1.0))
    expected = fd_grad(lambda v: np.sin(v) * 2.0 - v * v, 0.7)
    assert vjp == pytest.approx(expected, rel=1e-6)
    assert vjp == pytest.approx(2.0 * math.cos(0.7) - 2 * 0.7, rel=1e-12)


def _dict_out(v: Any) -> Any:
    return {"a": v * 2.0, "b": [v * v, anp.sin(v)]}


def _t2_out(v: Any) -> Any:
    return ad.T2(v * 2.0, ad.T3(v, v * v, 3.0))


def _record_out(v: Any) -> Any:
    return WB(v * 2.0, v * v)


def _const_part_out(v: Any) -> Any:
    return (v * 2.0, 5.0)


def _array_in_tuple_out(v: Any) -> Any:
    return (v * np.array([1.0, 2.0]), ad.HList(v * v))


@pytest.mark.parametrize(
    ("fn", "seed", "vjp_by_hand"),
    [
        # 2*1 + 2v*2 + cos(v)*3
        (_dict_out, {"a": 1.0, "b": [2.0, 3.0]}, lambda v: 2.0 + 4.0 * v + 3.0 * math.cos(v)),
        # 2*1 + 1*1 + 2v*2 + 0
        (_t2_out, ad.T2(1.0, ad.T3(1.0, 2.0, 7.0)), lambda v: 3.0 + 4.0 * v),
        (_record_out, WB(1.0, 1.0), lambda v: 2.0 + 2.0 * v),
        (_const_part_out, (1.0, 1.0), lambda v: 2.0),
        # 1*1 + 2*-1 + 2v*0.5
        (_array_in_tuple_out, (np.array([1.0, -1.0]), ad.HList(0.5)), lambda v: -1.0 + v),
    ],
    ids=["dict", "T2", "record", "constant-part", "array-and-HList"],
)
def test_backprop_with_structured_output(
    fn: Callable[[Any], Any], seed: Any, vjp_by_hand: Callable[[float], float]
) -> None:
    x = 0.6
    value, vjp = ad.backprop_with(fn, x, seed)
    assert not contains_bvar(value), value
    assert not contains_bvar(vjp), vjp
    assert_tree(value, fn(x))  # the same structure and numbers as the plain function
    assert type(vjp) is float
    assert vjp == pytest.approx(vjp_by_hand(x), rel=1e-12)

    def inner(v: float) -> float:
        out_leaves = [leaf for _, leaf in _leaves(fn(v))]
        seed_leaves = [leaf for _, leaf in _leaves(seed)]
        return sum(float(np.sum(a * b)) for a, b in zip(out_leaves, seed_leaves, strict=True))

    assert vjp == pytest.approx(fd_grad(inner, x), rel=1e-6)


def test_backprop_with_record_output_value_is_plain() -> None:
    value, vjp = ad.backprop_with(lambda v: WB(v * 2.0, v * v), 3.0, WB(1.0, 1.0))
    assert type(value) is WB
    assert type(value.w) is float
    assert type(value.b) is float
    assert (value.w, value.b) == (6.0, 9.0)
    assert vjp == 2.0 + 2.0 * 3.0


def test_backprop_value_is_plain_float() -> None:
    value, g = ad.backprop(lambda v: v * v, 3.0)
    assert type(value) is float
    assert (value, g) == (9.0, 6.0)


def test_derivative_of_t2_output() -> None:
    d = ad.derivative(lambda x: ad.T2(2 * x, 3 * x))(1.0)
    assert type(d) is ad.T2
    assert d == ad.T2(2.0, 3.0)
    assert type(d[0]) is float
    assert type(d[1]) is float


def test_derivative_of_nested_structured_output() -> None:
    def f(x: Any) -> Any:
        return {"a": x * x, "b": (anp.sin(x), ad.T2(x * 3.0, 1.0))}

    d = ad.derivative(f)(0.4)
    assert not contains_bvar(d)
    # by hand: 2x, cos x, 3, 0
    expected = {"a": 0.8, "b": (math.cos(0.4), ad.T2(3.0, 0.0))}
    assert_tree(d, expected, strict=False, rtol=1e-12)
    assert_tree(d, fd_jacobian(f, 0.4), strict=False, rtol=1e-6, atol=1e-8)


def test_hessian_of_t2_input_is_nested_t2() -> None:
    def f(v: Any) -> Any:
        return v[0] ** 2.0 * v[1]

    x = ad.T2(2.0, 3.0)
    h = ad.hessian(f)(x)
    # f = x^2 y: f_xx = 2y = 6, f_xy = 2x = 4, f_yy = 0
    assert type(h) is ad.T2
    assert type(h[0]) is ad.T2
    assert type(h[1]) is ad.T2
    assert_tree(h, ad.T2(ad.T2(6.0, 4.0), ad.T2(4.0, 0.0)), strict=False, rtol=1e-12)
    assert_tree(h, fd_hessian(f, x), strict=False, rtol=1e-5, atol=1e-5)


def test_jacobian_of_t2_output_of_a_float() -> None:
    j = ad.jacobian(lambda v: ad.T2(1.0, 0.0) * v)(3.0)
    assert type(j) is ad.T2
    assert j == ad.T2(1.0, 0.0)
    assert not contains_bvar(j)


def test_jacobian_of_record_output_of_a_float() -> None:
    j = ad.jacobian(lambda v: WB(v * 2.0, v * v))(3.0)
    assert type(j) is WB
    assert (j.w, j.b) == (2.0, 6.0)


def test_jacobian_of_tuple_output_with_a_constant_part() -> None:
    j = ad.jacobian(lambda v: (v * 2.0, 1.0))(3.0)
    assert type(j) is tuple
    assert not contains_bvar(j)
    assert_tree(j, (2.0, 0.0), strict=False)


_M = np.array([[1.0, -2.0, 0.5], [0.3, 0.0, 1.5]])


def _dict_to_tuple(v: Any) -> Any:
    a, b = v["a"], v["b"]
    return (anp.sin(anp.matmul(_M, a)) * b, anp.sum(a * a) * b + b * b)


def test_jacobian_convention_dict_in_tuple_out() -> None:
    x: dict[str, Any] = {"a": np.array([0.2, -0.5, 1.1]), "b": 0.7}
    j = ad.jacobian(_dict_to_tuple)(x)
    assert type(j) is tuple
    assert len(j) == 2
    assert type(j[0]) is dict
    assert type(j[1]) is dict
    assert list(j[0]) == ["a", "b"]
    assert list(j[1]) == ["a", "b"]
    assert np.shape(j[0]["a"]) == (2, 3)
    assert np.shape(j[0]["b"]) == (2,)
    assert np.shape(j[1]["a"]) == (3,)
    assert np.shape(j[1]["b"]) == ()
    # by hand: d sin(M a) b / da = b cos(M a)[:, None] M; / db = sin(M a)
    a, b = x["a"], 0.7
    np.testing.assert_allclose(j[0]["a"], b * np.cos(_M @ a)[:, None] * _M, rtol=1e-12)
    np.testing.assert_allclose(j[0]["b"], np.sin(_M @ a), rtol=1e-12)
    np.testing.assert_allclose(j[1]["a"], 2 * a * b, rtol=1e-12)
    assert float(j[1]["b"]) == pytest.approx(np.sum(a * a) + 2 * b, rel=1e-12)
    assert_tree(j, fd_jacobian(_dict_to_tuple, x), strict=False, rtol=1e-6, atol=1e-8)


def test_jacobian_convention_array_in_t2_out() -> None:
    x = np.array([0.5, -1.0, 2.0])

    def f(v: Any) -> Any:
        return ad.T2(anp.sum(v * v), v * 3.0)

    j = ad.jacobian(f)(x)
    assert type(j) is ad.T2
    np.testing.assert_allclose(j[0], 2 * x)
    np.testing.assert_allclose(j[1], 3.0 * np.eye(3))
    assert_tree(j, fd_jacobian(f, x), strict=False, rtol=1e-6, atol=1e-8)


def test_jacobian_convention_record_in_array_out() -> None:
    # an array output of a structured input: the record outside is the output's array,
    # so each field's Jacobian has shape out.shape + field.shape (not an object array)
    x = WB(np.array([0.3, -0.2]), 1.5)

    def f(v: Any) -> Any:
        return anp.tanh(_field(v, "w")) * _field(v, "b")

    j = ad.jacobian(f)(x)
    assert type(j) is WB
    assert np.shape(j.w) == (2, 2)
    assert np.shape(j.b) == (2,)
    np.testing.assert_allclose(j.w, np.diag((1 - np.tanh(x.w) ** 2) * 1.5), rtol=1e-12)
    np.testing.assert_allclose(j.b, np.tanh(x.w), rtol=1e-12)
    assert_tree(j, fd_jacobian(f, x), strict=False, rtol=1e-6, atol=1e-8)


def test_jacobian_convention_tuple_in_dict_out() -> None:
    x = (0.4, np.array([1.0, 2.0]))

    def f(v: Any) -> Any:
        return {"p": v[0] * v[1], "q": anp.sum(v[1]) * v[0] * v[0]}

    j = ad.jacobian(f)(x)
    assert type(j) is dict
    assert type(j["p"]) is tuple
    assert np.shape(j["p"][0]) == (2,)
    assert np.shape(j["p"][1]) == (2, 2)
    assert np.shape(j["q"][0]) == ()
    assert np.shape(j["q"][1]) == (2,)
    assert_tree(j, fd_jacobian(f, x), strict=False, rtol=1e-6, atol=1e-8)


def _seed_case_tuple(v: Any) -> Any:
    return (v * 2.0, v * 3.0)


def _seed_case_array_tuple(v: Any) -> Any:
    return (v * np.ones(2), v)


def _seed_case_dict(v: Any) -> Any:
    return {"a": v, "b": v * 2.0}


@pytest.mark.parametrize(
    ("fn", "seed"),
    [
        (_seed_case_tuple, (1.0, 2.0, 3.0)),
        (_seed_case_tuple, {"a": 1.0, "b": 2.0}),
        (_seed_case_tuple, [1.0, 2.0]),
        (_seed_case_tuple, 1.0),
        (_seed_case_array_tuple, (np.ones(3), 1.0)),
        (_seed_case_dict, {"a": 1.0, "c": 1.0}),
        (_seed_case_dict, {"a": 1.0}),
    ],
    ids=[
        "tuple-too-long",
        "dict-for-tuple",
        "list-for-tuple",
        "float-for-tuple",
        "wrong-array-shape",
        "wrong-key",
        "missing-key",
    ],
)
def test_backprop_with_rejects_a_seed_of_another_structure(
    fn: Callable[[Any], Any], seed: Any
) -> None:
    with pytest.raises((TypeError, ValueError), match="seed"):
        ad.backprop_with(fn, 1.5, seed)


def _out_none(v: Any) -> Any:
    return None


def _out_str(v: Any) -> Any:
    return "abc"


def _out_generator(v: Any) -> Any:
    return (v * float(i) for i in range(2))


def _out_object_array(v: Any) -> Any:
    out = np.empty(2, dtype=object)
    out[0] = v
    out[1] = v * 2.0
    return out


_RUNNERS: list[Any] = [
    pytest.param(lambda f: ad.grad_bp(f, 1.0), id="grad_bp"),
    pytest.param(lambda f: ad.backprop(f, 1.0), id="backprop"),
    pytest.param(lambda f: ad.grad(f)(1.0), id="grad"),
    pytest.param(lambda f: ad.backprop_with(f, 1.0, 1.0), id="backprop_with"),
    pytest.param(lambda f: ad.jacobian(f)(1.0), id="jacobian"),
]


@pytest.mark.parametrize("run", _RUNNERS)
def test_none_output_is_a_type_error(run: Callable[[Callable[[Any], Any]], Any]) -> None:
    with pytest.raises(TypeError, match="None"):
        run(_out_none)


@pytest.mark.parametrize("run", _RUNNERS)
@pytest.mark.parametrize(
    "fn", [_out_str, _out_generator, _out_object_array], ids=["str", "generator", "object-array"]
)
def test_non_numeric_output_is_a_type_error(
    run: Callable[[Callable[[Any], Any]], Any], fn: Callable[[Any], Any]
) -> None:
    with pytest.raises(TypeError):
        run(fn)


def _out_tuple(v: Any) -> Any:
    return (v * 2.0, v)


def _out_list(v: Any) -> Any:
    return [v * 2.0, v]


def _out_dict(v: Any) -> Any:
    return {"a": v * 2.0}


def _out_t2(v: Any) -> Any:
    return ad.T2(v * 2.0, v)


def _out_hlist(v: Any) -> Any:
    return ad.HList(v * 2.0)


def _out_record(v: Any) -> Any:
    return WB(v * 2.0, v)


@pytest.mark.parametrize(
    "run",
    [
        pytest.param(lambda f: ad.grad_bp(f, 1.0), id="grad_bp"),
        pytest.param(lambda f: ad.backprop(f, 1.0), id="backprop"),
        pytest.param(lambda f: ad.grad(f)(1.0), id="grad"),
    ],
)
@pytest.mark.parametrize(
    "fn",
    [_out_tuple, _out_list, _out_dict, _out_t2, _out_hlist, _out_record],
    ids=["tuple", "list", "dict", "T2", "HList", "record"],
)
def test_structured_output_to_a_scalar_runner_names_the_alternatives(
    run: Callable[[Callable[[Any], Any]], Any], fn: Callable[[Any], Any]
) -> None:
    with pytest.raises(TypeError, match=r"backprop_with|jacobian"):
        run(fn)


# ======================================================================================
# 2. Records are rebuilt without running user code
# ======================================================================================


def _clamp01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


@attrs.frozen
class Clamped:
    p: float = attrs.field(converter=_clamp01)


@attrs.define
class WithCache:
    w: float
    cache: float = attrs.field(init=False, default=7.0)


@attrs.frozen
class NonNegative:
    w: float = attrs.field(validator=attrs.validators.ge(0.0))


@dataclasses.dataclass(frozen=True)
class PositiveDC:
    w: float

    def __post_init__(self) -> None:
        if self.w < 0.0:
            msg = "w must be non-negative"
            raise ValueError(msg)


@dataclasses.dataclass
class UnitVector:
    u: Arr

    def __post_init__(self) -> None:
        self.u = self.u / np.linalg.norm(self.u)


def test_converter_does_not_touch_the_gradient() -> None:
    g = ad.grad_bp(lambda v: v.view(ad.lenses(Clamped).p) * 5.0, Clamped(0.5))
    # d/dp (5 p) = 5; the converter would clamp it to 1
    assert type(g) is Clamped
    assert g.p == 5.0
    assert g.p == pytest.approx(fd_grad(lambda c: c.p * 5.0, Clamped(0.5)).p)


def test_init_false_field_gets_a_zero_gradient() -> None:
    g = ad.grad_bp(lambda v: v.view(ad.lenses(WithCache).w) * 3.0, WithCache(2.0))
    assert type(g) is WithCache
    assert g.w == 3.0
    assert g.cache == 0.0


def test_validator_does_not_reject_a_gradient() -> None:
    g = ad.grad_bp(lambda v: v.view(ad.lenses(NonNegative).w) * -2.0, NonNegative(1.0))
    assert type(g) is NonNegative
    assert g.w == -2.0


def test_post_init_check_does_not_reject_a_gradient() -> None:
    g = ad.grad_bp(lambda v: v.view(ad.lenses(PositiveDC).w) * -2.0, PositiveDC(1.0))
    assert type(g) is PositiveDC
    assert g.w == -2.0


def test_post_init_normalisation_does_not_touch_the_gradient() -> None:
    c = np.array([3.0, 4.0])
    x = UnitVector(np.array([0.6, 0.8]))
    g = ad.grad_bp(lambda v: anp.sum(v.view(ad.lenses(UnitVector).u) * c), x)
    # d/du sum(u * c) = c (normalised it would be [0.6, 0.8])
    assert type(g) is UnitVector
    np.testing.assert_array_equal(g.u, c)
    check_against_fd(lambda r: np.sum(r.u * c), x, g)


_CALLS = {"attrs": 0, "dataclass": 0}


@attrs.frozen
class CountedA(ad.Numeric):
    w: float
    b: Arr

    def __attrs_post_init__(self) -> None:
        _CALLS["attrs"] += 1


@dataclasses.dataclass(frozen=True)
class CountedD(ad.Numeric):
    w: float
    b: Arr

    def __post_init__(self) -> None:
        _CALLS["dataclass"] += 1


def _counted_loss(v: Any) -> Any:
    return _field(v, "w") * anp.sum(_field(v, "b"))


def _op_grad_bp(x: Any) -> tuple[Any, Any]:
    # d/dw (w sum b) = sum b; d/db = w
    return ad.grad_bp(_counted_loss, x), (float(np.sum(x.b)), np.full(2, x.w))


def _op_zero(x: Any) -> tuple[Any, Any]:
    return ad.zero(x), (0.0, np.zeros(2))


def _op_add(x: Any) -> tuple[Any, Any]:
    return ad.add(x, x), (2 * x.w, 2 * x.b)


def _op_sgd(x: Any) -> tuple[Any, Any]:
    opt = optim.sgd(0.1)
    new, _ = opt.update(x, None, x)
    return new, (x.w - 0.1 * x.w, x.b - 0.1 * x.b)


def _op_momentum(x: Any) -> tuple[Any, Any]:
    opt = optim.momentum(0.1, mass=0.9)
    new, _ = opt.update(x, opt.init(x), x)
    # v = 0.9 * 0 - 0.1 g; p + v
    return new, (x.w - 0.1 * x.w, x.b - 0.1 * x.b)


def _op_adam(x: Any) -> tuple[Any, Any]:
    opt = optim.adam(0.1)
    new, _ = opt.update(x, opt.init(x), x)
    # first step: m_hat = g, v_hat = g^2: p - lr g / (|g| + eps)
    return new, (
        x.w - 0.1 * x.w / (abs(x.w) + 1e-8),
        x.b - 0.1 * x.b / (np.abs(x.b) + 1e-8),
    )


@pytest.mark.parametrize(
    "op",
    [_op_grad_bp, _op_zero, _op_add, _op_sgd, _op_momentum, _op_adam],
    ids=["grad_bp", "zero", "add", "sgd", "momentum", "adam"],
)
@pytest.mark.parametrize("cls", [CountedA, CountedD], ids=["attrs", "dataclass"])
def test_no_init_or_post_init_runs(
    cls: type[Any], op: Callable[[Any], tuple[Any, tuple[float, Arr]]]
) -> None:
    x = cls(2.0, np.array([1.0, -3.0]))
    before = dict(_CALLS)
    out, (w, b) = op(x)
    assert before == _CALLS, "user code ran while rebuilding a record"
    assert type(out) is cls
    assert out.w == pytest.approx(w, rel=1e-12)
    np.testing.assert_allclose(out.b, b, rtol=1e-12)


# ======================================================================================
# 3. Static leaves
# ======================================================================================


class Mode(enum.Enum):
    FAST = "fast"
    SLOW = "slow"


@attrs.frozen
class StaticA(ad.Numeric):
    name: str
    flag: bool
    n: int
    mode: Mode
    nothing: None
    w: Arr


@dataclasses.dataclass(frozen=True)
class StaticD(ad.Numeric):
    name: str
    flag: bool
    n: int
    mode: Mode
    nothing: None
    w: Arr


STATIC_CLASSES = pytest.mark.parametrize("cls", [StaticA, StaticD], ids=["attrs", "dataclass"])


def _static_rec(cls: type[Any], w: Arr) -> Any:
    return cls(name="layer", flag=True, n=3, mode=Mode.SLOW, nothing=None, w=w)


def _assert_statics_kept(out: Any, cls: type[Any]) -> None:
    assert type(out) is cls
    assert type(out.name) is str
    assert out.name == "layer"
    assert out.flag is True
    assert type(out.n) is int
    assert out.n == 3
    assert out.mode is Mode.SLOW
    assert out.nothing is None


def _static_loss(v: Any) -> Any:
    w = _field(v, "w")
    return anp.sum(anp.sin(w) * w)


@STATIC_CLASSES
def test_gradient_keeps_static_leaves(cls: type[Any]) -> None:
    x = _static_rec(cls, np.array([0.3, -1.1, 2.0]))
    g = ad.grad_bp(_static_loss, x)
    _assert_statics_kept(g, cls)
    # d/dw sum(sin(w) w) = cos(w) w + sin(w)
    np.testing.assert_allclose(g.w, np.cos(x.w) * x.w + np.sin(x.w), rtol=1e-12)
    check_against_fd(_static_loss, x, g)


@STATIC_CLASSES
def test_numeric_arithmetic_keeps_static_leaves(cls: type[Any]) -> None:
    x = _static_rec(cls, np.array([1.0, 2.0]))
    g = _static_rec(cls, np.array([10.0, -20.0]))
    for out, w in [
        (x - 0.1 * g, [0.0, 4.0]),
        (0.1 * g, [1.0, -2.0]),
        (x + g, [11.0, -18.0]),
        (g / 2.0, [5.0, -10.0]),
        (-g, [-10.0, 20.0]),
        (x * g, [10.0, -40.0]),
    ]:
        _assert_statics_kept(out, cls)
        np.testing.assert_allclose(out.w, w, rtol=1e-12)


@STATIC_CLASSES
@pytest.mark.parametrize(
    ("opt", "step_by_hand"),
    [
        (optim.sgd(0.1), lambda p, g: p - 0.1 * g),
        (optim.momentum(0.1, mass=0.9), lambda p, g: p - 0.1 * g),
        (optim.adam(0.1), lambda p, g: p - 0.1 * g / (np.abs(g) + 1e-8)),
    ],
    ids=["sgd", "momentum", "adam"],
)
def test_optimisers_keep_static_leaves(
    cls: type[Any], opt: optim.Optimizer[Any], step_by_hand: Callable[[Arr, Arr], Arr]
) -> None:
    x = _static_rec(cls, np.array([1.0, 2.0]))
    g = _static_rec(cls, np.array([0.5, -4.0]))
    state = opt.init(x)
    new, state = opt.update(g, state, x)
    _assert_statics_kept(new, cls)
    np.testing.assert_allclose(new.w, step_by_hand(x.w, g.w), rtol=1e-12)
    # a second step runs on the new state without touching the static leaves either
    new2, _ = opt.update(g, state, new)
    _assert_statics_kept(new2, cls)


def test_integer_array_input_never_gets_an_integer_gradient() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            g = ad.grad_bp(lambda v: v.view(ad.ix(0)) * 0.5, np.array([1, 2, 3]))
        except TypeError:
            return
    assert isinstance(g, np.ndarray)
    assert np.issubdtype(g.dtype, np.floating), g.dtype
    # d/dv0 (0.5 v0) = 0.5
    np.testing.assert_array_equal(g, [0.5, 0.0, 0.0])


# ======================================================================================
# 4. Containers
# ======================================================================================


def test_dict_with_tuple_keys_keeps_key_order() -> None:
    x = {(1, "b"): 2.0, (0, "a"): 3.0}
    g = ad.grad_bp(lambda v: v[(1, "b")] * v[(0, "a")] * 2.0, x)
    # d/dx (2 x y) = 2 y, d/dy = 2 x
    assert_tree(g, {(1, "b"): 6.0, (0, "a"): 4.0})


def test_dict_with_int_keys_keeps_key_order() -> None:
    x = {3: 1.0, 1: 2.0, 2: 3.0}
    g = ad.grad_bp(lambda v: v[3] * v[3] + v[2] * 5.0, x)
    assert_tree(g, {3: 2.0, 1: 0.0, 2: 5.0})


def test_dict_with_frozenset_keys_keeps_key_order() -> None:
    k1, k2 = frozenset({1, 2}), frozenset[int]()
    x = {k1: 1.5, k2: 2.0}
    g = ad.grad_bp(lambda v: v[k2] * v[k2] * v[k1], x)
    # f = b^2 a: df/da = b^2 = 4, df/db = 2ab = 6
    assert_tree(g, {k1: 4.0, k2: 6.0})


def test_dict_touched_at_one_key_keeps_all_keys_in_order() -> None:
    x = {"z": 1.0, "a": np.array([1.0, 2.0]), "m": 3.0}
    g = ad.grad_bp(lambda v: v["m"] * 4.0, x)
    assert_tree(g, {"z": 0.0, "a": np.zeros(2), "m": 4.0})


def test_ordered_dict_stays_ordered_dict() -> None:
    x = collections.OrderedDict([("b", 2.0), ("a", 3.0)])
    g = ad.grad_bp(lambda v: v["a"] * v["b"], x)
    assert_tree(g, collections.OrderedDict([("b", 3.0), ("a", 2.0)]))


def test_ordered_dict_inside_a_tuple_stays_ordered_dict() -> None:
    x = (collections.OrderedDict([("b", 2.0), ("a", 3.0)]), 1.0)
    g = ad.grad_bp(lambda v: v[0]["a"] * v[1], x)
    assert_tree(g, (collections.OrderedDict([("b", 0.0), ("a", 1.0)]), 3.0))


class Pair(NamedTuple):
    first: Any
    second: Any


def test_namedtuple_stays_namedtuple() -> None:
    x = Pair(2.0, np.array([1.0, -1.0]))
    g = ad.grad_bp(lambda v: anp.sum(v[1] * v[1]) * v[0], x)
    assert_tree(g, Pair(2.0, 2.0 * x.second * 2.0))


@attrs.frozen
class FrozenA:
    a: float
    b: float


@attrs.define
class SlottedA:
    a: float
    b: float


@attrs.define(slots=False)
class DictA:
    a: float
    b: float


@dataclasses.dataclass(frozen=True)
class FrozenD:
    a: float
    b: float


@dataclasses.dataclass(slots=True)
class SlottedD:
    a: float
    b: float


@dataclasses.dataclass(frozen=True, slots=True)
class FrozenSlottedD:
    a: float
    b: float


@attrs.frozen
class GenericA(Generic[T]):
    a: T
    b: float


@dataclasses.dataclass(frozen=True)
class GenericD(Generic[T]):
    a: T
    b: float


@attrs.frozen
class BaseA:
    a: float


@attrs.frozen
class ChildA(BaseA):
    b: float


@dataclasses.dataclass(frozen=True)
class BaseD:
    a: float


@dataclasses.dataclass(frozen=True)
class ChildD(BaseD):
    b: float


def _ab_loss(v: Any) -> Any:
    a, b = _field(v, "a"), _field(v, "b")
    return a * b * 2.0 + a


@pytest.mark.parametrize(
    "cls",
    [
        FrozenA,
        SlottedA,
        DictA,
        FrozenD,
        SlottedD,
        FrozenSlottedD,
        GenericA,
        GenericD,
        ChildA,
        ChildD,
    ],
)
def test_record_gradient_keeps_exact_type(cls: type[Any]) -> None:
    x = cls(a=1.5, b=-2.0)
    g = ad.grad_bp(_ab_loss, x)
    assert type(g) is cls
    # d/da (2ab + a) = 2b + 1; d/db = 2a
    assert type(g.a) is float
    assert type(g.b) is float
    assert g.a == 2 * -2.0 + 1.0
    assert g.b == 2 * 1.5
    check_against_fd(_ab_loss, x, g)


def test_iterating_a_bvar_of_a_dict_gives_its_keys() -> None:
    x = {"a": 1.0, "b": -2.0, "c": 0.5}
    seen: list[Any] = []

    def f(v: Any) -> Any:
        seen.extend(list(v))
        return sum(v[k] * v[k] for k in v)

    g = ad.grad_bp(f, x)
    assert seen == ["a", "b", "c"]
    assert_tree(g, {"a": 2.0, "b": -4.0, "c": 1.0})
    check_against_fd(f, x, g)


def test_iterating_a_bvar_of_a_dict_of_arrays() -> None:
    x: dict[Any, Any] = {2: np.array([1.0, 2.0]), 0: np.array([-1.0]), "k": 3.0}

    def f(v: Any) -> Any:
        total: Any = 0.0
        for k in v:
            total = total + anp.sum(anp.sin(v[k]))
        return total

    g = ad.grad_bp(f, x)
    assert_tree(g, {2: np.cos(x[2]), 0: np.cos(x[0]), "k": math.cos(3.0)}, rtol=1e-12)
    check_against_fd(f, x, g)


# ======================================================================================
# 5. BVar semantics
# ======================================================================================


def _branch_eq(v: Any) -> Any:
    return v * 3.0 if v == 2.0 else v * v


def _branch_ne(v: Any) -> Any:
    return v * v if v != 2.0 else v * 3.0


@pytest.mark.parametrize("f", [_branch_eq, _branch_ne], ids=["==", "!="])
def test_equality_on_a_bvar_compares_values(f: Callable[[Any], Any]) -> None:
    # at 2.0 the branch is 3 v: value 6, derivative 3; elsewhere v^2: 2 v
    assert ad.backprop(f, 2.0) == (6.0, 3.0)
    assert ad.backprop(f, 5.0) == (25.0, 10.0)


def test_equality_of_two_bvars_of_one_tape() -> None:
    seen: list[Any] = []

    def f(v: Any) -> Any:
        seen.append(v[0] == v[1])
        seen.append(v[0] != v[1])
        return v[0] * v[1]

    assert ad.grad_bp(f, (2.0, 2.0)) == (2.0, 2.0)
    assert seen == [True, False]
    assert all(type(s) is bool for s in seen), seen


def test_equality_on_a_bvar_of_an_array_is_a_plain_bool_array() -> None:
    seen: list[Any] = []

    def f(v: Any) -> Any:
        seen.append(v == np.array([1.0, 5.0]))
        seen.append(v != np.array([1.0, 5.0]))
        return anp.sum(v * v)

    g = ad.grad_bp(f, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [2.0, 4.0])
    eq, ne = seen
    assert type(eq) is np.ndarray
    assert eq.dtype == np.bool_
    np.testing.assert_array_equal(eq, [True, False])
    assert type(ne) is np.ndarray
    np.testing.assert_array_equal(ne, [False, True])


@attrs.frozen
class L:
    a: float
    b: float


LL = ad.lenses(L)


def _sum_a_times_b(w: Any) -> Any:
    total: Any = 0.0
    for i in range(len(w)):
        total = total + _field(w[i], "a") * _field(w[i], "b")
    return total


def test_over_a_traversal_on_a_bvar() -> None:
    x = [L(1.0, 2.0), L(3.0, -1.0)]

    def f(v: Any) -> Any:
        return _sum_a_times_b(v.over(ad.each >> LL.b, lambda b: b * b))

    def plain(v: Any) -> Any:
        return sum(r.a * r.b * r.b for r in v)

    value, g = ad.backprop(f, x)
    assert value == plain(x)
    # f = sum a_i b_i^2: df/da_i = b_i^2, df/db_i = 2 a_i b_i
    assert_tree(g, [L(4.0, 4.0), L(1.0, -6.0)])
    check_against_fd(plain, x, g)


def test_set_through_a_traversal_on_a_bvar() -> None:
    x = [L(1.0, 2.0), L(3.0, -1.0)]

    def f(v: Any) -> Any:
        w = v.set(ad.each >> LL.b, 0.0)
        total: Any = 0.0
        for i in range(len(w)):
            total = total + _field(w[i], "a") * (_field(w[i], "b") + 1.0)
        return total

    g = ad.grad_bp(f, x)
    # after the set, f = sum a_i (0 + 1): df/da_i = 1, df/db_i = 0
    assert_tree(g, [L(1.0, 0.0), L(1.0, 0.0)])
    check_against_fd(lambda v: sum(r.a for r in v), x, g)


def test_over_a_prism_on_a_bvar() -> None:
    def f(v: Any) -> Any:
        return v.over(ad.just, lambda a: a * a) * 3.0

    # 3 x^2: 6 x
    assert ad.backprop(f, 1.5) == (6.75, 9.0)
    assert ad.grad_bp(f, 1.5) == pytest.approx(fd_grad(lambda v: 3.0 * v * v, 1.5))


def test_set_through_a_prism_on_a_bvar() -> None:
    def f(v: Any) -> Any:
        w = v.set(ad.ix(0) >> ad.just, v[1] * v[1])
        return w[0] * w[1]

    # (a, b) -> (b^2, b) -> b^3: (0, 3 b^2)
    x = (2.0, 3.0)
    value, g = ad.backprop(f, x)
    assert value == 27.0
    assert g == (0.0, 27.0)
    check_against_fd(lambda v: v[1] ** 3, x, g)


def test_over_a_composed_prism_on_a_bvar() -> None:
    def f(v: Any) -> Any:
        w = v.over(ad.ix(0) >> ad.just, lambda a: a * 3.0)
        return w[0] * w[1]

    # (a, b) -> (3a, b) -> 3ab: (3b, 3a)
    g = ad.grad_bp(f, (2.0, 5.0))
    assert g == (15.0, 6.0)


@attrs.frozen
class XY:
    x: float
    y: float


XYL = ad.lenses(XY)
SWAP: ad.Iso[Any, Any] = ad.iso(lambda s: (s[1], s[0]), lambda a: (a[1], a[0]))


def _all_free_functions(v: Any) -> Any:
    rec, xs = ad.sequence_var(v)
    p = ad.split_var(rec)
    rec2 = ad.join_var(XY(p.y, p.x))  # XY(y, x)
    a = ad.view_var(XYL.x, rec2)  # y
    rec3 = ad.set_var(XYL.y, a * 2.0, rec2)  # XY(y, 2y)
    rec4 = ad.over_var(XYL.x, lambda t: t * t, rec3)  # XY(y^2, 2y)
    ys = ad.to_list_of_var(ad.each, xs)  # [s, t]
    head = ad.preview_var(ad.each, xs)  # s
    pair = ad.collect_var((ys[1], head))  # (t, s)
    swapped = ad.iso_var(SWAP, pair)  # (s, t)
    r = ad.view_var(ad.ix(0), swapped)
    return ad.view_var(XYL.x, rec4) * ad.view_var(XYL.y, rec4) + r * ad.view_var(ad.ix(1), swapped)


def test_free_functions_run_plainly_and_differentiate() -> None:
    x = (XY(1.0, 2.0), [3.0, 4.0])
    # by hand: 2 y^3 + s t
    assert _all_free_functions(x) == 2 * 2.0**3 + 3.0 * 4.0
    assert ad.eval_bp(_all_free_functions, x) == 28.0
    g = ad.grad_bp(_all_free_functions, x)
    # d/dy 2y^3 = 6 y^2 = 24; d/ds = t, d/dt = s
    assert_tree(g, (XY(0.0, 24.0), [4.0, 3.0]))
    check_against_fd(lambda v: 2 * v[0].y ** 3 + v[1][0] * v[1][1], x, g)


def _any(x: Any) -> Any:
    """``x`` typed ``Any``: the free functions are typed for BVars, the test passes plain values."""
    return x


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: ad.sequence_var(_any((1.0, 2.0))), (1.0, 2.0)),
        (lambda: ad.sequence_var(_any({"a": 1.0})), {"a": 1.0}),
        (lambda: ad.sequence_var(_any(Pair(1.0, 2.0))), Pair(1.0, 2.0)),
        (lambda: ad.collect_var(_any([1.0, 2.0])), [1.0, 2.0]),
        (lambda: ad.collect_var(_any({"a": 1.0})), {"a": 1.0}),
        (lambda: ad.split_var(_any(XY(1.0, 2.0))), XY(1.0, 2.0)),
        (lambda: ad.join_var(_any(XY(1.0, 2.0))), XY(1.0, 2.0)),
        (lambda: ad.view_var(ad.ix(1), (1.0, 2.0)), 2.0),
        (lambda: ad.set_var(ad.ix(1), 5.0, (1.0, 2.0)), (1.0, 5.0)),
        (lambda: ad.over_var(ad.ix(0), lambda a: a * 10.0, (1.0, 2.0)), (10.0, 2.0)),
        (lambda: ad.preview_var(ad.just, 3.0), 3.0),
        (lambda: ad.preview_var(ad.instance_of(float), "no"), None),
        (lambda: ad.to_list_of_var(ad.each, [1.0, 2.0]), [1.0, 2.0]),
        (lambda: ad.iso_var(SWAP, (1.0, 2.0)), (2.0, 1.0)),
    ],
    ids=[
        "sequence_var-tuple",
        "sequence_var-dict",
        "sequence_var-namedtuple",
        "collect_var-list",
        "collect_var-dict",
        "split_var",
        "join_var",
        "view_var",
        "set_var",
        "over_var",
        "preview_var",
        "preview_var-no-match",
        "to_list_of_var",
        "iso_var",
    ],
)
def test_free_function_accepts_a_plain_value(call: Callable[[], Any], expected: Any) -> None:
    out = call()
    assert not contains_bvar(out)
    if expected is None:
        assert out is None
    else:
        assert_tree(out, expected)


# ======================================================================================
# 6. Runners
# ======================================================================================


def test_repeated_argnums_count_each_position() -> None:
    try:
        g = ad.grad(lambda a, b: a * b, argnums=(0, 0))(2.0, 3.0)
    except ValueError:
        return
    # d/da (a b) = b = 3, twice (never 0.0 for the repeat)
    assert g == (3.0, 3.0)


def test_negative_argnums() -> None:
    def f(a: Any, b: Any, c: Any) -> Any:
        return a * b * c * c

    # d/dc (a b c^2) = 2 a b c; d/db = a c^2
    assert ad.grad(f, argnums=-1)(2.0, 3.0, 4.0) == 2 * 2.0 * 3.0 * 4.0
    assert ad.grad(f, argnums=-2)(2.0, 3.0, 4.0) == 2.0 * 16.0
    assert ad.grad(f, argnums=(-1, 0))(2.0, 3.0, 4.0) == (48.0, 48.0)
    assert ad.value_and_grad(f, argnums=-1)(2.0, 3.0, 4.0) == (96.0, 48.0)


def test_negative_argnums_for_jacobian_and_hessian() -> None:
    # d/db (a b^2) = 2 a b; d2/db2 = 2 a
    assert ad.jacobian(lambda a, b: a * b * b, argnums=-1)(2.0, 3.0) == pytest.approx(12.0)
    assert ad.hessian(lambda a, b: a * b * b, argnums=-1)(2.0, 3.0) == pytest.approx(4.0)


def test_gradients_of_two_arguments_do_not_alias() -> None:
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ga, gb = ad.grad_bp2(lambda a, b: anp.sum(a + b), x, y)
    # d/da sum(a + b) = 1, d/db = 1
    np.testing.assert_array_equal(ga, [1.0, 1.0])
    np.testing.assert_array_equal(gb, [1.0, 1.0])
    assert ga is not gb
    ga[0] = 100.0
    np.testing.assert_array_equal(gb, [1.0, 1.0])


def test_gradients_in_a_structure_do_not_alias() -> None:
    x = (np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    g = ad.grad_bp(lambda v: anp.sum(v[0] + v[1]), x)
    assert g[0] is not g[1]
    g[0][0] = 100.0
    np.testing.assert_array_equal(g[1], [1.0, 1.0])


def test_backprop_with_does_not_hand_back_the_seed() -> None:
    x = np.array([1.0, 2.0])
    seed = np.array([5.0, 6.0])
    value, vjp = ad.backprop_with(lambda v: v, x, seed)
    assert vjp is not seed
    np.testing.assert_array_equal(vjp, [5.0, 6.0])
    vjp[0] = -1.0
    np.testing.assert_array_equal(seed, [5.0, 6.0])
    np.testing.assert_array_equal(value, x)


def _hammer_from_threads(expect_enabled: bool, trials: int = 16) -> None:
    """Differentiate from 8 threads at once, ``trials`` times; after each round the
    collector must be in the state it was in before (``expect_enabled``).

    Threads switch every microsecond meanwhile, so that a read-modify-write race on the
    collector's state (one runner saving "disabled" because another one disabled it)
    shows up within a few rounds."""
    x = np.array([0.3, -0.8, 1.4])
    expected = np.cos(x) * x + np.sin(x)

    def work(_: int) -> None:
        for _ in range(150):
            g = ad.grad_bp(lambda v: anp.sum(anp.sin(v) * v), x)
            np.testing.assert_allclose(g, expected, rtol=1e-12)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for trial in range(trials):
            with ThreadPoolExecutor(max_workers=8) as pool:
                for r in pool.map(work, range(8)):
                    assert r is None
            assert gc.isenabled() is expect_enabled, f"round {trial}"
    finally:
        sys.setswitchinterval(old)


def test_gc_stays_enabled_after_concurrent_runs() -> None:
    was = gc.isenabled()
    gc.enable()
    try:
        _hammer_from_threads(expect_enabled=True)
    finally:
        if not was:
            gc.disable()


def test_gc_stays_disabled_after_concurrent_runs() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        _hammer_from_threads(expect_enabled=False, trials=2)
    finally:
        if was:
            gc.enable()


def test_gc_state_kept_by_a_single_run() -> None:
    was = gc.isenabled()
    try:
        for state in (True, False):
            if state:
                gc.enable()
            else:
                gc.disable()
            assert ad.grad_bp(lambda v: v * v, 3.0) == 6.0
            assert gc.isenabled() is state
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def test_threads_get_their_own_tapes() -> None:
    errors: list[BaseException] = []

    def work(k: float) -> None:
        try:
            for _ in range(100):
                # d/dv (k v^2) = 2 k v
                assert ad.grad_bp(lambda v: v * v * k, 3.0) == 6.0 * k
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(float(k),)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


# ======================================================================================
# 7. Property tests: every kind of structure
# ======================================================================================


@attrs.frozen
class ARec:
    w: Arr
    b: float


@dataclasses.dataclass(frozen=True)
class DRec:
    m: Arr
    s: float


@attrs.frozen
class Box:
    items: Any
    scale: float


@dataclasses.dataclass(frozen=True)
class DBox:
    items: Any
    s: float


# no "explain" phase: it varies every draw of a failing example and takes minutes
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)

_SHAPES: dict[str, tuple[int, ...]] = {"f": (), "v": (3,), "m": (2, 2)}

Build = Callable[[list[Any]], Any]

STRUCTURE_CASES: list[tuple[str, str, Build]] = [
    ("float", "f", lambda l: l[0]),
    ("vector", "v", lambda l: l[0]),
    ("matrix", "m", lambda l: l[0]),
    ("tuple", "fv", lambda l: (l[0], l[1])),
    ("namedtuple", "fm", lambda l: Pair(l[0], l[1])),
    ("list", "ffv", lambda l: [l[0], l[1], l[2]]),
    ("dict", "vf", lambda l: {"w": l[0], "b": l[1]}),
    ("attrs", "vf", lambda l: ARec(l[0], l[1])),
    ("dataclass", "mf", lambda l: DRec(l[0], l[1])),
    ("T2", "fv", lambda l: ad.T2(l[0], l[1])),
    ("T3", "fvm", lambda l: ad.T3(l[0], l[1], l[2])),
    ("HList", "vffm", lambda l: ad.HList(l[0], l[1], l[2], l[3])),
    ("dict-of-T2-of-array-and-record", "vvf", lambda l: {"k": ad.T2(l[0], ARec(l[1], l[2]))}),
    ("list-of-records", "vfvf", lambda l: [ARec(l[0], l[1]), ARec(l[2], l[3])]),
    (
        "record-of-dict-of-containers",
        "fvfff",
        lambda l: Box({"a": (l[0], [l[1]]), "b": Pair(l[2], ad.HList(l[3]))}, l[4]),
    ),
    (
        "namedtuple-of-T3-and-list",
        "fvmff",
        lambda l: Pair(ad.T3(l[0], l[1], DRec(l[2], l[3])), [l[4]]),
    ),
    (
        "tuple-of-int-key-dict-and-T2",
        "fvf",
        lambda l: ({2: l[0], 1: l[1]}, ad.T2(l[2], (l[0] * 0.5,))),
    ),
    ("dataclass-of-HList", "vmf", lambda l: DBox(ad.HList(l[0], {"x": l[1]}), l[2])),
    (
        "ordered-dict-of-records",
        "vff",
        lambda l: collections.OrderedDict(z=ARec(l[0], l[1]), a=l[2]),
    ),
]

_finite = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)


def _draw_leaves(data: st.DataObject, kinds: str) -> list[Any]:
    out: list[Any] = []
    for k in kinds:
        if k == "f":
            out.append(data.draw(_finite))
        else:
            out.append(data.draw(hnp.arrays(np.float64, _SHAPES[k], elements=_finite)))
    return out


def _sin_sum(paths: list[Path], cs: list[Any]) -> Callable[[Any], Any]:
    """f(x) = sum over leaves of sum(sin(leaf) * c_leaf), written with a walker that works
    on plain values and on BVars."""

    def f(v: Any) -> Any:
        total: Any = 0.0
        for path, c in zip(paths, cs, strict=True):
            term = anp.sin(_get(v, path)) * c
            total = total + (term if np.ndim(c) == 0 else anp.sum(term))
        return total

    return f


def _case_ids(cases: list[tuple[str, str, Build]]) -> list[str]:
    return [name for name, _, _ in cases]


@pytest.mark.parametrize(
    ("name", "kinds", "build"), STRUCTURE_CASES, ids=_case_ids(STRUCTURE_CASES)
)
@settings(max_examples=25, deadline=None, phases=_PHASES)
@given(data=st.data())
def test_property_gradient_of_a_structure(
    name: str, kinds: str, build: Build, data: st.DataObject
) -> None:
    x = build(_draw_leaves(data, kinds))
    c = build(_draw_leaves(data, kinds))
    leaves = _leaves(x)
    paths = [p for p, _ in leaves]
    cs = [leaf for _, leaf in _leaves(c)]
    f = _sin_sum(paths, cs)

    value, g = ad.backprop(f, x)
    assert type(value) is float or isinstance(value, np.floating)
    assert value == pytest.approx(_scalar(f(x)), rel=1e-12, abs=1e-12)
    assert _scalar(ad.eval_bp(f, x)) == pytest.approx(_scalar(f(x)), rel=1e-12, abs=1e-12)

    # by hand: d/dleaf sum(sin(leaf) c) = cos(leaf) c, on every leaf, in x's structure
    by_path = {p: ci for p, ci in zip(paths, cs, strict=True)}

    def expected_leaf(path: Path, leaf: Any) -> Any:
        if isinstance(leaf, np.ndarray):
            return np.cos(leaf) * by_path[path]
        return math.cos(leaf) * by_path[path]

    expected = _map_leaves(x, expected_leaf)
    assert_tree(g, expected, rtol=1e-12, atol=1e-12)

    # the same computation over the flat list of leaves, one argument each
    flat_values = [leaf for _, leaf in leaves]

    def flat_f(*ls: Any) -> Any:
        total: Any = 0.0
        for leaf, ci in zip(ls, cs, strict=True):
            term = anp.sin(leaf) * ci
            total = total + (term if np.ndim(ci) == 0 else anp.sum(term))
        return total

    flat_value, flat_grads = ad.backprop_n(flat_f, *flat_values)
    assert _scalar(flat_value) == pytest.approx(_scalar(value), rel=1e-12, abs=1e-12)
    for (path, _), fg in zip(leaves, flat_grads, strict=True):
        np.testing.assert_allclose(_get(g, path), fg, rtol=1e-12, atol=1e-12)


JACOBIAN_CASES: list[tuple[str, str, Build]] = [
    ("T2", "fv", lambda l: ad.T2(l[0], l[1])),
    ("dict", "vf", lambda l: {"a": l[0], "b": l[1]}),
    ("attrs", "vf", lambda l: ARec(l[0], l[1])),
    ("list", "fm", lambda l: [l[0], l[1]]),
    ("namedtuple-of-HList", "fvf", lambda l: Pair(l[0], ad.HList(l[1], l[2]))),
    ("dict-of-T2-of-record", "vf", lambda l: {"k": ad.T2(ARec(l[0], l[1]), l[1] * 2.0)}),
]


def _structured_map(paths: list[Path]) -> Callable[[Any], Any]:
    """A structured -> structured function of the leaves at ``paths``."""

    def f(v: Any) -> Any:
        ls = [_get(v, p) for p in paths]
        s: Any = 0.0
        for leaf in ls:
            s = s + anp.sum(anp.sin(leaf))
        return (
            ad.T2(s, [anp.tanh(leaf) * leaf for leaf in ls]),
            {"first": ls[0] * s, "last": WB(ls[-1] * ls[-1], 2.0)},
        )

    return f


@pytest.mark.parametrize(("name", "kinds", "build"), JACOBIAN_CASES, ids=_case_ids(JACOBIAN_CASES))
@settings(max_examples=15, deadline=None, phases=_PHASES)
@given(data=st.data())
def test_property_jacobian_of_a_structured_map(
    name: str, kinds: str, build: Build, data: st.DataObject
) -> None:
    x = build(_draw_leaves(data, kinds))
    f = _structured_map([p for p, _ in _leaves(x)])
    j = ad.jacobian(f)(x)
    assert not contains_bvar(j)
    assert_tree(j, fd_jacobian(f, x), strict=False, rtol=1e-5, atol=1e-6)


HESSIAN_CASES: list[tuple[str, int, Build]] = [
    ("T2", 2, lambda l: ad.T2(l[0], l[1])),
    ("tuple", 3, lambda l: (l[0], l[1], l[2])),
    ("dict", 2, lambda l: {"x": l[0], "y": l[1]}),
    ("T3", 3, lambda l: ad.T3(l[0], l[1], l[2])),
    ("dict-of-tuple", 3, lambda l: {"p": (l[0], l[1]), "q": l[2]}),
]


def _poly_of_leaves(paths: list[Path]) -> Callable[[Any], Any]:
    def f(v: Any) -> Any:
        ls = [_get(v, p) for p in paths]
        out = anp.sin(ls[0]) * ls[1] * ls[1] + ls[0] * ls[0] * ls[1]
        if len(ls) > 2:
            out = out + anp.cos(ls[2]) * ls[0] + ls[2] * ls[2] * ls[1]
        return out

    return f


@pytest.mark.parametrize(("name", "n", "build"), HESSIAN_CASES, ids=[c[0] for c in HESSIAN_CASES])
@settings(max_examples=15, deadline=None, phases=_PHASES)
@given(data=st.data())
def test_property_hessian_of_a_structure_of_floats(
    name: str, n: int, build: Build, data: st.DataObject
) -> None:
    x = build([data.draw(st.floats(-2.0, 2.0, allow_nan=False)) for _ in range(n)])
    f = _poly_of_leaves([p for p, _ in _leaves(x)])
    h = ad.hessian(f)(x)
    assert not contains_bvar(h)
    assert_tree(h, fd_hessian(f, x), strict=False, rtol=1e-4, atol=1e-4)


def test_hessian_of_a_dict_by_hand() -> None:
    def f(v: Any) -> Any:
        return v["x"] * v["x"] * v["y"] + anp.sin(v["y"])

    x = {"x": 1.5, "y": 0.5}
    h = ad.hessian(f)(x)
    # f_xx = 2y, f_xy = 2x, f_yy = -sin y
    expected = {"x": {"x": 1.0, "y": 3.0}, "y": {"x": 3.0, "y": -math.sin(0.5)}}
    assert_tree(h, expected, strict=False, rtol=1e-12, atol=1e-12)
    assert_tree(h, fd_hessian(f, x), strict=False, rtol=1e-5, atol=1e-5)


# ----- found while documenting -----


def test_repeated_argnums_in_jacobian_and_hessian_are_refused() -> None:
    # a repeated position cannot be the argument of one function of a tuple: refuse it
    # rather than give zeros to all copies but one
    with pytest.raises(ValueError, match="twice"):
        ad.jacobian(lambda a, b: a * b, argnums=(1, -1))(2.0, 3.0)
    with pytest.raises(ValueError, match="twice"):
        ad.hessian(lambda a, b: a * b * b, argnums=(1, 1))(2.0, 3.0)


class _Node2:
    """A class taken apart by ``register_node`` (no attrs, no dataclass)."""

    def __init__(self, a: float, b: float) -> None:
        self.a, self.b = a, b


structure.register_node(
    _Node2, lambda p: ((p.a, p.b), None), lambda aux, kids: _Node2(kids[0], kids[1])
)


def test_testing_kit_reads_register_node_types() -> None:
    def f(p: Any) -> Any:
        q = ad.sequence_var(p)  # a _Node2 holding BVars (or p itself, when plain)
        return q.a * q.a * q.b

    testing.check_grad(f, _Node2(2.0, 3.0))
    g = ad.grad_bp(f, _Node2(2.0, 3.0))
    assert type(g) is _Node2
    assert (g.a, g.b) == (2 * 2.0 * 3.0, 2.0 * 2.0)  # d/da a^2 b = 2ab, d/db = a^2


def test_grad_bp2_warning_names_grad_bp2() -> None:
    with pytest.warns(UserWarning, match="grad_bp2: argument 1 is an int"):
        ad.grad_bp2(lambda a, b: a * b, 2.0, 3)


def test_jacobian_of_an_empty_output_row_by_row() -> None:
    # an Op is not batch-safe, so the Jacobian is pulled back row by row: with no rows
    cube = ad.op1(lambda x: (x**3, lambda g: g * 3.0 * x**2))
    x = np.array([0.5, -1.0, 2.0])
    j = ad.jacobian(lambda v: cube(v)[:0])(x)
    assert j.shape == (0, 3)
    j2 = ad.jacobian(lambda v: cube(anp.stack([v[0], v[1]]))[:0])((1.0, 2.0))
    assert j2[0].shape == (0,)
    assert j2[1].shape == (0,)
