"""Reliability: deep graphs, threads, memory and escaped BVars.

Users train models for hours: the engine must not crash on a deep graph, mix up threads,
leak, or hand back a BVar that silently works after its tape is gone.
"""

from __future__ import annotations

import gc
import math
import sys
import threading
import time
import tracemalloc
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.bvar import BVar

Arr = NDArray[np.float64]

# ----- deep graphs -----


def _mul_chain(n: int, a: float) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        for _ in range(n):
            x = x * a
        return x

    return f


@pytest.mark.slow
def test_million_node_chain_has_no_recursion_error() -> None:
    # 500,000 multiplies and 500,000 adds: one million nodes on one tape
    def f(x: BVar[float]) -> BVar[float]:
        for _ in range(500_000):
            x = x * 1.000001 + 1e-6
        return x

    start = time.perf_counter()
    value, g = ad.backprop(f, 1.0)
    elapsed = time.perf_counter() - start
    # d/dx of n steps of x -> a x + b is a**n (rounding: ~1e6 float ops, so rtol 1e-9)
    assert g == pytest.approx(1.000001**500_000, rel=1e-9)
    plain = 1.0
    for _ in range(500_000):
        plain = plain * 1.000001 + 1e-6
    assert value == plain  # the same float operations in the same order
    assert elapsed < 60.0  # a few seconds on one core; generous for shared CI machines


def _peak_bytes(n: int) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        ad.grad_bp(_mul_chain(n, 1.000001), 1.0)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_tape_memory_is_linear_in_the_number_of_nodes() -> None:
    small, large = _peak_bytes(10_000), _peak_bytes(40_000)
    # four times the nodes, four times the memory (a few kB of fixed overhead aside)
    assert 3.6 < large / small < 4.4, (small, large)
    assert large / 40_000 < 400, f"{large / 40_000:.0f} bytes per node"


def test_200k_op_chain_on_floats_finishes_in_seconds() -> None:
    # 66,667 rounds of three ops (sin, multiply, add): 200,001 nodes
    n = 66_667

    def f(x: BVar[float]) -> BVar[float]:
        for _ in range(n):
            x = anp.sin(x) * 0.9 + 0.1
        return x

    start = time.perf_counter()
    value, g = ad.backprop(f, 0.3)
    elapsed = time.perf_counter() - start
    # hand derivation: the product of the local derivatives 0.9 cos(x_k)
    x, d = 0.3, 1.0
    for _ in range(n):
        d *= 0.9 * math.cos(x)
        x = math.sin(x) * 0.9 + 0.1
    assert value == x
    assert g == pytest.approx(d, rel=1e-9)
    assert type(g) is float
    assert elapsed < 30.0  # ~1 s on one free core


def test_deep_chain_of_arrays_and_a_wide_fan_in() -> None:
    x0 = np.linspace(0.1, 1.0, 4)

    def f(x: BVar[Arr]) -> BVar[Any]:
        # 30,000 nodes deep, then 5,000 terms all reading the same node
        for _ in range(10_000):
            x = x + 0.001 * anp.sin(x)
        return anp.sum(sum((x * float(k) for k in range(5_000)), start=x * 0.0))

    plain, d = x0.copy(), np.ones_like(x0)
    for _ in range(10_000):
        d = d * (1.0 + 0.001 * np.cos(plain))
        plain = plain + 0.001 * np.sin(plain)
    expected = d * sum(range(5_000))
    np.testing.assert_allclose(ad.grad_bp(f, x0), expected, rtol=1e-9)


# ----- threads -----


def _thread_functions() -> list[tuple[Callable[[Any], Any], Any]]:
    x = np.linspace(-1.0, 1.0, 5)

    def arrays(k: int) -> Callable[[Any], Any]:
        return lambda v: anp.sum(anp.sin(v * float(k)) * v + anp.exp(v / float(k)))

    def floats(k: int) -> Callable[[Any], Any]:
        def f(v: Any) -> Any:
            for _ in range(200):
                v = anp.tanh(v * (1.0 + 0.1 * k)) + 0.01 * k
            return v

        return f

    def second_derivative(k: int) -> Callable[[Any], Any]:
        # nested runners use the per-thread nesting depth
        return ad.grad(lambda v: anp.sin(v * float(k)) * v * v)

    fns: list[tuple[Callable[[Any], Any], Any]] = []
    for k in range(1, 9):
        kind = (arrays, floats, second_derivative)[k % 3]
        fns.append((kind(k), x if kind is arrays else 0.1 * k))
    return fns


def test_eight_threads_get_exactly_the_answers_they_get_alone() -> None:
    fns = _thread_functions()
    alone = [ad.backprop(f, x) for f, x in fns]
    rounds = 20
    results: list[list[Any]] = [[] for _ in fns]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(fns))

    def work(i: int) -> None:
        f, x = fns[i]
        try:
            barrier.wait()
            for _ in range(rounds):
                results[i].append(ad.backprop(f, x))
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, to interleave recordings
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(fns))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors
    for i, (value, grad) in enumerate(alone):
        assert len(results[i]) == rounds
        for v, g in results[i]:
            np.testing.assert_array_equal(v, value)
            np.testing.assert_array_equal(g, grad)
    assert ad.tape.current_depth() == 0


# ----- memory -----


def test_tape_is_freed_when_the_runner_returns() -> None:
    refs: list[weakref.ref[Any]] = []

    def f(v: BVar[Arr]) -> BVar[Any]:
        h = anp.sin(v) * 2.0
        refs.append(weakref.ref(h.value))
        refs.append(weakref.ref(v.value * 1.0))  # a plain temporary, for contrast
        return anp.sum(h * h)

    ad.grad_bp(f, np.ones(3))
    gc.collect()
    assert [r() for r in refs] == [None, None]


def test_tape_is_freed_even_when_a_bvar_escapes() -> None:
    kept: list[BVar[Any]] = []
    refs: list[weakref.ref[Any]] = []

    def f(v: BVar[Arr]) -> BVar[Any]:
        h = anp.exp(v)
        refs.append(weakref.ref(h.value))
        kept.append(h * 3.0)  # escapes: its own value stays, the tape's nodes go
        return anp.sum(h)

    ad.grad_bp(f, np.ones(3))
    gc.collect()
    assert refs[0]() is None
    assert kept[0]._tape.nodes == []


def test_repeated_calls_do_not_grow_memory() -> None:
    x = np.linspace(0.0, 1.0, 8)

    def f(v: BVar[Arr]) -> BVar[Any]:
        return anp.sum(anp.tanh(v) * v) + anp.mean(v * v)

    def run(n: int) -> None:
        for _ in range(n):
            ad.grad_bp(f, x)

    run(300)  # warm caches (registry lookups, numpy internals)
    gc.collect()
    tracemalloc.start()
    try:
        run(300)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        run(3_000)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # a leak of even one small object per call would be > 100 kB here
    assert after - before < 20_000, f"grew by {after - before} bytes over 3,000 calls"


def test_nested_runners_free_their_tapes() -> None:
    refs: list[weakref.ref[Any]] = []

    def f(v: Any) -> Any:
        h = anp.sin(v)
        refs.append(weakref.ref(h.value))
        return anp.sum(h * v)

    hess_row = ad.grad(lambda w: anp.sum(ad.grad(f)(w) * w))
    hess_row(np.ones(3))
    gc.collect()
    assert refs
    assert all(r() is None for r in refs)


# ----- escaped BVars -----


def _escape() -> BVar[float]:
    kept: list[BVar[float]] = []

    def f(v: BVar[float]) -> BVar[float]:
        kept.append(v * 2.0)
        return v * 3.0

    ad.grad_bp(f, 1.0)
    return kept[0]


@pytest.mark.parametrize(
    "use",
    [
        lambda e: e * 2.0,
        lambda e: 2.0 * e,
        lambda e: e + e,
        lambda e: 1.0 - e,
        lambda e: e / 2.0,
        lambda e: -e,
        lambda e: e**2,
        lambda e: anp.sin(e),
        lambda e: anp.sum(e),
        lambda e: ad.grad_bp(lambda v: v * e, 1.0),
        lambda e: ad.grad_bp(lambda v: e * v, 1.0),
        lambda e: ad.grad_bp(lambda v: anp.power(v, e), 1.0),
    ],
)
def test_escaped_bvar_raises_saying_it_escaped_its_tape(use: Callable[[Any], Any]) -> None:
    e = _escape()
    with pytest.raises(ad.EscapedBVarError) as info:
        use(e)
    msg = str(info.value)
    assert "a BVar escaped its tape" in msg
    assert "runner that has returned" in msg


def test_escaped_bvar_still_shows_its_value() -> None:
    e = _escape()
    assert e.value == 2.0  # reading the plain value is fine
    assert repr(e) == "BVar(2.0)"


def test_bvar_escaping_an_inner_runner_into_an_outer_one() -> None:
    leaked: list[BVar[Any]] = []

    def inner(y: Any) -> Any:
        leaked.append(y * 1.0)
        return y * y

    def outer(x: Any) -> Any:
        ad.grad(inner)(x)
        return x * leaked[0]

    with pytest.raises(ad.EscapedBVarError, match="escaped its tape"):
        ad.grad_bp(outer, 1.0)
