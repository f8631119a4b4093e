"""Reductions, scans and products of optic_ad.numpy (issue 14): values against numpy,
gradients against autograd (an independent implementation) and central finite
differences, Jacobians (the batched seed) against autograd.jacobian, and Hessians.

Each case is written once as ``f(m, *xs)``, ``m`` being ``optic_ad.numpy`` or
``autograd.numpy``; where autograd lacks a function its oracle is written from ones it has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
import optic_ad.higher as higher
from optic_ad import numpy as anp
from optic_ad.bvar import plain

Arr = NDArray[np.float64]
Case = Callable[..., Any]


def _weights(shape: tuple[int, ...]) -> Arr:
    w: Arr = np.cos(np.arange(int(np.prod(shape))) * 1.3 + 0.3).reshape(shape)
    return w


def _loss(m: Any, f: Case) -> Callable[..., Any]:
    # nonlinear in f's output, so that a Hessian differentiates f's backward rule too
    def loss(*xs: Any) -> Any:
        out = f(m, *xs)
        return m.sum(m.sin(out) * _weights(np.shape(plain(out))))

    return loss


def _fd(fn: Callable[..., Any], xs: list[Arr], i: int, eps: float = 1e-6) -> Arr:
    x = np.array(xs[i], dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up = [np.array(v, dtype=np.float64) for v in xs]
        dn = [np.array(v, dtype=np.float64) for v in xs]
        up[i][idx] += eps
        dn[i][idx] -= eps
        g[idx] = (float(fn(*up)) - float(fn(*dn))) / (2 * eps)
    return g


def _batched_jacobian(f: Case, xs: list[Arr], i: int) -> Any:
    """``ad.jacobian`` of ``f(anp, ...)`` in argument ``i``, asserting that it took the
    one-pass batched seed (every rule on the tape batch-safe)."""
    seen: list[bool] = []
    saved = higher._batch_safe

    def spy(tape: Any) -> bool:
        seen.append(saved(tape))
        return seen[-1]

    higher._batch_safe = spy
    try:
        j = ad.jacobian(lambda *v: f(anp, *v), argnums=i)(*xs)
    finally:
        higher._batch_safe = saved
    assert all(seen), "a rule on the tape is not batch-safe"
    return j


def check(
    f: Case,
    xs: list[Arr],
    *,
    oracle: Case | None = None,
    autograd_ok: bool = True,
    hessian: bool = True,
) -> None:
    """``f(anp, *xs)`` on BVars against ``oracle(agnp, *xs)`` (default ``f``): output
    values, gradients (and finite differences), Jacobians and Hessians in each argument."""
    ref = f if oracle is None else oracle
    outs: list[Any] = []

    def ours(*v: Any) -> Any:
        out = f(anp, *v)
        outs.append(plain(out))
        return anp.sum(anp.sin(out) * _weights(np.shape(plain(out))))

    value, grads = ad.backprop_n(ours, *xs)
    expected = ref(np, *xs)
    np.testing.assert_allclose(outs[0], expected, rtol=1e-12, atol=1e-12)
    assert np.shape(outs[0]) == np.shape(expected)
    np.testing.assert_allclose(value, _loss(np, ref)(*xs), rtol=1e-12, atol=1e-12)
    for i, g in enumerate(grads):
        assert np.shape(g) == np.shape(xs[i])
        np.testing.assert_allclose(g, _fd(_loss(np, ref), xs, i), rtol=1e-5, atol=1e-6)
        if autograd_ok:
            theirs = autograd.grad(_loss(agnp, ref), i)(*xs)
            np.testing.assert_allclose(g, theirs, rtol=1e-9, atol=1e-12)
            jac = _batched_jacobian(f, xs, i)
            np.testing.assert_allclose(
                jac, autograd.jacobian(lambda *v: ref(agnp, *v), i)(*xs), rtol=1e-9, atol=1e-12
            )
            if hessian:
                h = ad.hessian(_loss(anp, f), argnums=i)(*xs)
                hh = autograd.hessian(_loss(agnp, ref), i)(*xs)
                np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)


def _array(shape: tuple[int, ...], lo: float = -2.0, hi: float = 2.0) -> st.SearchStrategy[Arr]:
    n = int(np.prod(shape))
    return st.lists(st.floats(lo, hi), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=np.float64).reshape(shape)
    )


def _distinct(shape: tuple[int, ...]) -> st.SearchStrategy[Arr]:
    """Values at least 0.1 apart (sorting, max, min and partition are smooth there)."""
    n = int(np.prod(shape))
    return st.permutations(list(range(n))).map(
        lambda p: (np.array(p, dtype=np.float64) * 0.37 - 0.2 * n).reshape(shape)
    )


small_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


# ----- dot: every N-d case numpy supports -----

DOT_SHAPES = [
    ((2, 3), (3, 4)),
    ((3,), (3,)),
    ((2, 2, 3), (3,)),
    ((3,), (2, 3, 2)),
    ((2, 3), (4, 3, 2)),
    ((2, 2, 3), (2, 3, 2)),
    ((2, 1, 3), (3, 1)),
    ((), (2, 3)),
    ((2, 3, 2), ()),
]


@pytest.mark.parametrize(("sa", "sb"), DOT_SHAPES, ids=[f"{a}-{b}" for a, b in DOT_SHAPES])
@settings(max_examples=3)
@given(data=st.data())
def test_dot_nd(sa: tuple[int, ...], sb: tuple[int, ...], data: st.DataObject) -> None:
    a = data.draw(_array(sa), label="a")
    b = data.draw(_array(sb), label="b")
    check(lambda m, x, y: m.dot(x, y), [a, b])
    np.testing.assert_array_equal(anp.dot(a, b), np.dot(a, b))
