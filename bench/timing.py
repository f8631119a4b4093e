"""Interleaved timing: calibrated inner loops, shuffled order per round, GC off while timed.

Times are CPU time of this process (``time.process_time``): on a shared machine, wall
time also counts the moments other processes hold the core, which adds noise unrelated
to the code being measured. BLAS is single-threaded (see ``bench/__init__.py``), so CPU
time and wall time agree on an idle machine.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Timing:
    """Seconds per call of one implementation over all rounds."""

    per_call: list[float]
    inner: int

    @property
    def median(self) -> float:
        """The median over rounds."""
        return statistics.median(self.per_call)

    @property
    def min(self) -> float:
        """The fastest round."""
        return min(self.per_call)


def _block(fn: Callable[[], Any], n: int) -> float:
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t0 = time.process_time()
        for _ in range(n):
            fn()
        return time.process_time() - t0
    finally:
        if gc_was:
            gc.enable()


def calibrate(fn: Callable[[], Any], block: float) -> int:
    """How many calls of ``fn`` take about ``block`` seconds (at least one)."""
    fn()  # warm up caches and lazy imports
    n = 1
    while True:
        t = _block(fn, n)
        if t >= block / 4 or n >= 1 << 20:
            return max(1, round(n * block / max(t, 1e-9)))
        n *= 4


def interleave(
    fns: Mapping[str, Callable[[], Any]], *, rounds: int, block: float, seed: int = 0
) -> dict[str, Timing]:
    """Time every function in ``fns`` for ``rounds`` rounds, in a new random order each round."""
    rng = random.Random(seed)
    inner = {name: calibrate(fn, block) for name, fn in fns.items()}
    out = {name: Timing([], inner[name]) for name in fns}
    names = list(fns)
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            gc.collect()
            out[name].per_call.append(_block(fns[name], inner[name]) / inner[name])
    return out


def once(fn: Callable[[], Any]) -> float:
    """CPU seconds of one call of ``fn`` (GC off), for calls too long to repeat."""
    return _block(fn, 1)


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated (tracemalloc) while ``fn`` runs, beyond what existed before."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak - base
