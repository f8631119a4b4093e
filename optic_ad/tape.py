"""The tape: a per-call Wengert list and the iterative backward pass.

Engine sketch (the shape every other module relies on)
------------------------------------------------------

* A **tape** is made by each runner call (``grad_bp``, ``backprop``, ...) and dropped when
  it returns. There is no global tape: runners are re-entrant and thread-safe.
* A **node** is a plain tuple ``(rule, parents, saved)``: ``parents`` are indices of earlier
  nodes, ``saved`` is whatever the rule needs (input values, the answer, shapes). Input
  nodes have ``rule is None``. No closure is made per recorded op: rules are module-level
  functions found in a table (``optic_ad.numpy``) or the BVar operator methods.
* A **BVar** (``optic_ad.bvar``) is ``(value, tape, index)``. Recording an op appends one
  node and returns a new BVar.
* A **backward rule** reads ``rule(g, saved) -> tuple of cotangents`` (one per parent,
  ``None`` for "no gradient"). Rules are written with Python operators and the lifted
  functions of ``optic_ad.numpy``: on floats and arrays they compute numbers; when the
  values are themselves BVars of an *outer* tape they record there, which is how
  gradients of gradients (hessians, ``derivative(derivative(f))``) work with no extra code.
* **Nesting**: each tape carries its nesting ``depth`` (a per-thread counter the runners
  set). When two BVars of different tapes meet, the deeper tape records the op and the
  other operand is a constant to it -- so no perturbation confusion.
* The **backward pass** walks node indices downwards (the list is already topologically
  ordered), pops each pending cotangent (freeing it as soon as it is used), calls the
  rule and accumulates into the parents. It is a loop, never recursion, so a million-node
  chain needs no stack; nodes nobody used never get a cotangent and ``zero`` is never
  called for them.
* When a runner returns, its tape is marked dead; a BVar of a dead tape that is used
  again raises :class:`EscapedBVarError`.
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from optic_ad.registry import add

__all__ = ["EscapedBVarError", "NaNError", "Node", "Tape", "backward", "current_depth"]

Rule = Callable[[Any, Any], tuple[Any, ...]]
Node = tuple[Rule | None, tuple[int, ...], Any]


class EscapedBVarError(RuntimeError):
    """A BVar was used after the runner that made it had returned."""


class NaNError(FloatingPointError):
    """``debug_nans=True`` found a NaN or infinity in a value or gradient."""


class _Depth(threading.local):
    depth = 0


_depth = _Depth()


def current_depth() -> int:
    """How many runners are active in this thread (0 outside any runner)."""
    return _depth.depth


class Tape:
    """A Wengert list of nodes for one runner call (see the module docstring)."""

    __slots__ = ("alive", "debug_nans", "depth", "names", "nodes")

    def __init__(self, *, debug_nans: bool = False) -> None:
        self.nodes: list[Node] = []
        self.depth = _depth.depth
        self.alive = True
        self.debug_nans = debug_nans
        # Op names by node index, kept only when debugging (no cost otherwise).
        self.names: dict[int, str] = {}

    def __enter__(self) -> Tape:
        _depth.depth += 1
        self.depth = _depth.depth
        return self

    def __exit__(self, *exc: object) -> None:
        _depth.depth -= 1
        self.alive = False

    def __repr__(self) -> str:
        state = "live" if self.alive else "dead"
        return f"<Tape depth={self.depth} nodes={len(self.nodes)} {state}>"


def _is_bad(x: Any) -> bool:
    t = type(x)
    if t is float:
        return not math.isfinite(x)
    if t is np.ndarray or isinstance(x, np.generic):
        return bool(np.issubdtype(np.asarray(x).dtype, np.inexact)) and not bool(
            np.all(np.isfinite(x))
        )
    return False


def _add_named(tape: Tape, old: Any, new: Any, at: int) -> Any:
    try:
        return add(old, new)
    except ValueError as e:
        name = tape.names.get(at) or _rule_name(tape.nodes[at][0])
        msg = f"{e} at the output of op '{name}' (node {at})"
        raise ValueError(msg) from None


def _rule_name(rule: Rule | None) -> str:
    if rule is None:
        return "input"
    name = getattr(rule, "__name__", repr(rule))
    return name.removeprefix("_vjp_").removeprefix("_r_").lstrip("_")


def backward(tape: Tape, out: int, seed: Any, n_inputs: int) -> list[Any]:
    """Propagate ``seed`` from node ``out`` back to the first ``n_inputs`` nodes.

    Returns one cotangent per input node (``None`` where no gradient reached it).
    """
    nodes = tape.nodes
    grads: dict[int, Any] = {out: seed}
    check = tape.debug_nans
    gc_was = gc.isenabled()
    # The backward pass allocates many short-lived objects and no cycles; pausing the
    # cyclic collector saves ~10% on scalar code.
    gc.disable()
    try:
        for i in range(out, n_inputs - 1, -1):
            g = grads.pop(i, None)
            if g is None:
                continue
            rule, parents, saved = nodes[i]
            if rule is None:
                grads[i] = g
                continue
            cts = rule(g, saved)
            for p, c in zip(parents, cts, strict=True):
                if c is None:
                    continue
                if check and _is_bad(c):
                    name = tape.names.get(i) or _rule_name(rule)
                    msg = f"gradient flowing out of op '{name}' (node {i}) is NaN or inf"
                    raise NaNError(msg)
                old = grads.get(p)
                grads[p] = c if old is None else _add_named(tape, old, c, p)
    finally:
        if gc_was:
            gc.enable()
    return [grads.get(i) for i in range(n_inputs)]
