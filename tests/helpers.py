"""Small helpers shared by the test files.

Written independently of ``optic_ad.testing`` on purpose: they are oracles for it too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import autograd.numpy as agnp
import numpy as np

from optic_ad import numpy as anp

T = TypeVar("T")


def _parts(x: Any) -> list[Any] | None:
    """The parts of a structure (tuple, list, NamedTuple, dict, attrs, dataclass), or None."""
    if attrs.has(type(x)):
        return [getattr(x, a.name) for a in attrs.fields(type(x))]
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return [getattr(x, f.name) for f in dataclasses.fields(x)]
    if isinstance(x, tuple | list):
        return list(x)
    if isinstance(x, dict):
        return list(x.values())
    return None


def _rebuilt(x: Any, parts: list[Any]) -> Any:
    if attrs.has(type(x)):
        return attrs.evolve(
            x, **{a.alias: p for a, p in zip(attrs.fields(type(x)), parts, strict=True)}
        )
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(
            x, **{f.name: p for f, p in zip(dataclasses.fields(x), parts, strict=True)}
        )
    if isinstance(x, dict):
        return dict(zip(x.keys(), parts, strict=True))
    if hasattr(x, "_fields"):
        return type(x)(*parts)
    return type(x)(parts)


def numerical_grad(f: Callable[[T], Any], x: T, eps: float = 1e-6) -> T:
    """The central-difference gradient of a scalar-valued ``f`` at ``x``, shaped like ``x``.

    ``x`` may be a float, a float array, or a tuple/list/NamedTuple/dict/attrs class/
    dataclass of those (ints stay as they are, with gradient ``0.0``).
    """

    def grad_at(path: Callable[[Any], T], part: Any) -> Any:
        parts = _parts(part)
        if parts is not None:
            return _rebuilt(
                part,
                [grad_at(_replacing(path, part, i), p) for i, p in enumerate(parts)],
            )
        if isinstance(part, float):
            return (_f(f, path(part + eps)) - _f(f, path(part - eps))) / (2 * eps)
        if isinstance(part, np.ndarray) and np.issubdtype(part.dtype, np.floating):
            out = np.zeros(part.shape)
            for idx in np.ndindex(part.shape):
                up, down = part.astype(np.float64), part.astype(np.float64)
                up[idx] += eps
                down[idx] -= eps
                out[idx] = (_f(f, path(up)) - _f(f, path(down))) / (2 * eps)
            return out
        return 0.0

    return grad_at(lambda v: v, x)  # type: ignore[no-any-return]


def _replacing(path: Callable[[Any], T], part: Any, i: int) -> Callable[[Any], T]:
    def put(v: Any) -> T:
        parts = _parts(part) or []
        parts[i] = v
        return path(_rebuilt(part, parts))

    return put


def _f(f: Callable[[T], Any], x: T) -> float:
    return float(np.asarray(f(x)))


def tree_allclose(a: Any, b: Any, *, rtol: float = 1e-7, atol: float = 1e-9) -> bool:
    """Same structure and types, and float leaves close by ``np.allclose(rtol, atol)``."""
    pa, pb = _parts(a), _parts(b)
    if pa is None or pb is None:
        if pa is not None or pb is not None or np.shape(a) != np.shape(b):
            return False
        return bool(np.allclose(a, b, rtol=rtol, atol=atol))
    if type(a) is not type(b) or len(pa) != len(pb):
        return False
    if isinstance(a, dict) and list(a) != list(b):
        return False
    return all(tree_allclose(x, y, rtol=rtol, atol=atol) for x, y in zip(pa, pb, strict=True))


# ----- polymorphic oracles: ``f(m, x)`` with ``m`` optic_ad.numpy or autograd.numpy, for the
# functions autograd.numpy lacks, written from ones it has -----


def poly_sigmoid(m: Any, x: Any) -> Any:
    return m.sigmoid(x) if m is anp else 0.5 * (agnp.tanh(0.5 * x) + 1.0)


def poly_logsumexp(m: Any, x: Any, **kw: Any) -> Any:
    if m is anp:
        return anp.logsumexp(x, **kw)
    mx = agnp.max(x, axis=kw.get("axis"), keepdims=True)
    out = agnp.log(agnp.sum(agnp.exp(x - mx), axis=kw.get("axis"), keepdims=True)) + mx
    return out if kw.get("keepdims") else agnp.squeeze(out, axis=kw.get("axis"))


def poly_softmax(m: Any, x: Any, axis: int = -1) -> Any:
    if m is anp:
        return anp.softmax(x, axis=axis)
    e = agnp.exp(x - agnp.max(x, axis=axis, keepdims=True))
    return e / agnp.sum(e, axis=axis, keepdims=True)


def poly_log_softmax(m: Any, x: Any, axis: int = -1) -> Any:
    if m is anp:
        return anp.log_softmax(x, axis=axis)
    return x - poly_logsumexp(agnp, x, axis=axis, keepdims=True)


def fd_partial(fn: Callable[..., Any], xs: list[Any], i: int, eps: float = 1e-6) -> Any:
    """Central differences of a scalar ``fn(*xs)`` with respect to argument ``i``,
    coordinate by coordinate (the finite-difference oracle of the numpy tests)."""
    x = np.array(xs[i], dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up = [np.array(v, dtype=np.float64) for v in xs]
        dn = [np.array(v, dtype=np.float64) for v in xs]
        up[i][idx] += eps
        dn[i][idx] -= eps
        g[idx] = (float(fn(*up)) - float(fn(*dn))) / (2 * eps)
    return g


def fd_jacobian(fn: Callable[..., Any], xs: list[Any], i: int, eps: float = 1e-6) -> Any:
    """Central differences of an array-valued ``fn(*xs)`` with respect to argument ``i``:
    an array of shape ``output shape + argument shape``."""
    x = np.array(xs[i], dtype=np.float64)
    cols = []
    for idx in np.ndindex(x.shape):
        up = [np.array(v, dtype=np.float64) for v in xs]
        dn = [np.array(v, dtype=np.float64) for v in xs]
        up[i][idx] += eps
        dn[i][idx] -= eps
        cols.append((np.asarray(fn(*up)) - np.asarray(fn(*dn))) / (2 * eps))
    out_shape = np.shape(fn(*xs))
    stacked = np.stack(cols, axis=-1) if cols else np.zeros((*out_shape, 0))
    return stacked.reshape(out_shape + x.shape)


class MustBatch:
    """Within ``with``: every Jacobian (and so every Hessian) must take the one-pass batched
    seed, i.e. every rule on the tape is batch-safe (spies on ``higher._batch_safe``)."""

    def __enter__(self) -> None:
        from optic_ad import higher

        self.saved = higher._batch_safe
        self.seen: list[bool] = []
        saved = self.saved

        def spy(tape: Any) -> bool:
            self.seen.append(saved(tape))
            return self.seen[-1]

        higher._batch_safe = spy

    def __exit__(self, *exc: object) -> None:
        from optic_ad import higher

        higher._batch_safe = self.saved
        if exc[0] is None:
            assert self.seen, "no batched pull-back happened"
            assert all(self.seen), "a rule on the tape is not batch-safe"
