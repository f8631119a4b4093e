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
  again raises [`EscapedBVarError`][optic_ad.tape.EscapedBVarError].
"""

from __future__ import annotations

import gc
import math
import os
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, Self

import numpy as np

from optic_ad import structure
from optic_ad.registry import LIFTED, add, zero

ndarray = np.ndarray

__all__ = [
    "BATCH_SAFE_RULES",
    "JVP_RULES",
    "NO_JVP",
    "SPARSE_RULES",
    "EscapedBVarError",
    "NaNError",
    "Node",
    "Sparse",
    "Tape",
    "add_cotangents",
    "backward",
    "current_depth",
]

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

    __slots__ = ("alive", "debug_nans", "depth", "names", "nodes", "special", "where")

    def __init__(self, *, debug_nans: bool = False) -> None:
        self.nodes: list[Node] = []
        self.depth = _depth.depth
        self.alive = True
        self.debug_nans = debug_nans
        # Whether recording must call `on_record` (debugging, forward mode): one flag, so
        # the common case pays for a single test per op.
        self.special = debug_nans
        # Op names and the user's source lines by node index, kept only when debugging
        # (no cost otherwise).
        self.names: dict[int, str] = {}
        self.where: dict[int, str] = {}

    def __enter__(self) -> Self:
        _depth.depth += 1
        self.depth = _depth.depth
        return self

    def __exit__(self, *exc: object) -> None:
        _depth.depth -= 1
        self.alive = False

    def on_record(self, index: int, value: Any) -> None:
        """Called after node ``index`` (holding ``value``) is recorded, when ``special`` is
        set; forward mode (`optic_ad.forward`) computes the node's tangent here."""

    def __repr__(self) -> str:
        state = "live" if self.alive else "dead"
        return f"<Tape depth={self.depth} nodes={len(self.nodes)} {state}>"


def is_bad(x: Any) -> bool:
    t = type(x)
    if t is float:
        return not math.isfinite(x)
    if t is np.ndarray or isinstance(x, np.generic):
        return bool(np.issubdtype(np.asarray(x).dtype, np.inexact)) and not bool(
            np.all(np.isfinite(x))
        )
    return False


def _add_named(tape: Tape, old: Any, new: Any, at: int, source: int) -> Any:
    try:
        return add_cotangents(old, new)
    except ValueError as e:
        # Error path: find the later ops that use node ``at``; they sent the gradient
        # that was already there.
        nodes = tape.nodes
        users = [j for j in range(source + 1, len(nodes)) if at in nodes[j][1]]
        before = " and ".join(_describe_node(tape, j) for j in users[:3]) or "another op"
        msg = (
            f"{e} at the output of {_describe_node(tape, at)}: the gradient coming back "
            f"from {_describe_node(tape, source)} does not match the one already there "
            f"(from {before}); one of these ops has a backward rule returning a cotangent "
            "shaped unlike its input"
            f"{'' if tape.debug_nans else ' (rerun with debug_nans=True for source lines)'}"
        )
        raise ValueError(msg) from None


# The operator rules of optic_ad.bvar, by the name a user wrote (``a / b`` is a divide).
_OPERATOR_NAMES = {
    "add1": "add",
    "sub": "subtract",
    "neg1": "subtract",
    "mul": "multiply",
    "mul1": "multiply",
    "div": "divide",
    "div_num": "divide",
    "div_den": "divide",
    "pow_const": "power",
    "neg": "negative",
    "item": "getitem",
}


def rule_name(rule: Rule | None) -> str:
    if rule is None:
        return "input"
    name = getattr(rule, "__name__", repr(rule))
    name = name.removeprefix("_vjp_").removeprefix("_r_").lstrip("_")
    return _OPERATOR_NAMES.get(name, name)


# Rules whose saved value starts with an object that has the op's ``name`` (Prim, Op):
# their modules add them here.
NAMED_RULES: set[Any] = set()


def _node_name(tape: Tape, i: int) -> str:
    # Error paths only: the name recorded by debug_nans, else one read off the node.
    name = tape.names.get(i)
    if name is not None:
        return name
    rule, _, saved = tape.nodes[i]
    if rule in NAMED_RULES:
        return str(saved[0].name)
    return rule_name(rule)


def _describe_node(tape: Tape, i: int) -> str:
    if tape.nodes[i][0] is None:
        return f"input node {i}"
    where = tape.where.get(i)
    at = f", recorded at {where}" if where else ""
    return f"op '{_node_name(tape, i)}' (node {i}{at})"


PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_line(frame: FrameType | None) -> str | None:
    """``file:line in function`` of the first frame outside optic_ad, walking outwards.

    Used only by ``debug_nans`` (at record time) and on error paths.
    """
    while frame is not None:
        code = frame.f_code
        if not code.co_filename.startswith(PKG_DIR):
            return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"
        frame = frame.f_back
    return None


def is_float_error(e: BaseException) -> bool:
    """Whether ``e`` is how Python floats report a NaN or infinity (error paths only)."""
    if isinstance(e, NaNError):
        return False
    if isinstance(e, ArithmeticError):
        return True
    return type(e) is ValueError and str(e) in ("math domain error", "math range error")


# ----- partial cotangents -----


class Sparse:
    """The cotangent of a structure given at some of its children only; the others are zero.

    Viewing a field, an element or a key sends back ``Sparse(whole, {key: g})``: it costs
    the part, not the whole. Sparse cotangents meeting at a node are merged key by key,
    and a structure's zeros are made only where a rule needs the whole cotangent
    (`dense`), at the latest at the inputs. ``like`` is the plain structure whose
    cotangent this is.
    """

    __slots__ = ("like", "parts")

    def __init__(self, like: Any, parts: dict[Any, Any]) -> None:
        self.like = like
        self.parts = parts

    def __repr__(self) -> str:
        return f"Sparse({type(self.like).__qualname__}, {self.parts!r})"

    def dense(self) -> Any:
        """The whole cotangent: the parts given, zeros elsewhere."""
        like = self.like
        nd = structure.node(like)
        assert nd is not None
        kids, aux = nd.flatten(like)
        parts = self.parts
        ks = nd.keys(aux, len(kids))
        if len(parts) == len(kids):
            out = [parts[k] for k in ks]
        else:
            out = [parts.get(k, _MISSING) for k in ks]
            out = [zero(c) if g is _MISSING else g for g, c in zip(out, kids, strict=True)]
        lifted = None
        for j, g in enumerate(out):
            tg = type(g)
            if tg is Sparse:
                g = out[j] = g.dense()
                tg = type(g)
            if tg in LIFTED:
                lifted = tg
        whole = nd.unflatten(aux, out)
        if lifted is not None:
            # some parts are recorded on an outer tape (higher order): so is the whole
            return LIFTED[lifted](whole)
        return whole


_MISSING: Any = object()


def add_cotangents(x: Any, y: Any) -> Any:
    """``registry.add`` that also merges `Sparse` cotangents (into new objects)."""
    if type(x) is Sparse:
        if type(y) is Sparse and y.like is x.like:
            return _merge(Sparse(x.like, dict(x.parts)), y)
        return add(x.dense(), y.dense() if type(y) is Sparse else y)
    if type(y) is Sparse:
        return add(x, y.dense())
    return add(x, y)


def _merge(into: Sparse, y: Sparse) -> Sparse:
    # ``into`` is owned by the caller: its dict may be changed in place
    parts = into.parts
    for k, v in y.parts.items():
        old = parts.get(k, _MISSING)
        parts[k] = v if old is _MISSING else add_cotangents(old, v)
    return into


def r_item(g: Any, saved: Any) -> tuple[Any, ...]:
    """The rule of a child of a structure (``saved`` is ``(whole, key)``): a sparse
    cotangent for the whole. (The backward loop does the same inline.)"""
    return (Sparse(saved[0], {saved[1]: g}),)


# Rules that take a Sparse cotangent as it is (structural rules: item, assemble...); every
# other rule gets ``g.dense()``. Rules whose cotangents may carry extra leading (batch)
# dimensions are in BATCH_SAFE_RULES (a Prim says so with its own flag). Filled in by the
# modules that define the rules.
SPARSE_RULES: set[Any] = {r_item}
BATCH_SAFE_RULES: set[Any] = {r_item}

# Forward mode: ``JVP_RULES[rule](tangents, saved, value)`` is the tangent of a node from the
# tangents of its parents (one each, in order), written with lifted operations like the
# backward rules. The modules that define a backward rule put its JVP rule here, next to
# it; a rule with none gets its JVP by transposing the backward rule (`optic_ad.forward`).
JvpRule = Callable[[tuple[Any, ...], Any, Any], Any]
JVP_RULES: dict[Any, JvpRule] = {}
# What a JVP rule returns to say "transpose my backward rule instead" (for one call: a
# Prim without a JVP of its own, an elementwise rule given a complex input).
NO_JVP: Any = object()


class _GcPause:
    """Pause the cyclic garbage collector while any backward pass runs, in any thread.

    The backward pass allocates many short-lived objects and no cycles (~10% faster on
    scalar code without the collector). A process-wide count under a lock makes the last
    pass to finish restore the collector exactly as the first one found it.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.was_enabled = False

    def __enter__(self) -> None:
        with self.lock:
            if self.active == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.active += 1

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.active -= 1
            if self.active == 0 and self.was_enabled:
                gc.enable()


_gc_pause = _GcPause()


def _numpy_floats(x: Any) -> Any:
    if type(x) is float:
        return np.float64(x)
    if type(x) is tuple or type(x) is list:
        return type(x)(_numpy_floats(a) for a in x)
    if type(x) is dict:
        return {k: _numpy_floats(a) for k, a in x.items()}
    return x


def _with_numpy_floats(rule: Rule, g: Any, saved: Any) -> tuple[Any, ...]:
    """``rule(g, saved)`` again with Python floats as numpy scalars: where a rule's float
    arithmetic raised (``0.5 / 0.0``), it gives inf/nan with numpy's warning, as the same
    rule does on arrays."""
    return rule(_numpy_floats(g), _numpy_floats(saved))


def backward(tape: Tape, out: int, seed: Any, n_inputs: int) -> list[Any]:
    """Propagate ``seed`` from node ``out`` back to the first ``n_inputs`` nodes.

    Returns one cotangent per input node (``None`` where no gradient reached it); a
    `Sparse` one is made whole before it is returned.
    """
    nodes = tape.nodes
    # Pending cotangents by node index: a list is cheaper than a dict on this hot loop.
    grads: list[Any] = [None] * (out + 1 if out >= n_inputs else n_inputs)
    grads[out] = seed
    # indices whose pending gradient was allocated by this loop (a sum, a merge), so it may
    # be accumulated into in place: nothing else holds it until its node is reached
    owned: set[int] = set()
    check = tape.debug_nans
    sparse_ok = SPARSE_RULES
    i = out
    with _gc_pause:
        try:
            for i in range(out, n_inputs - 1, -1):
                g = grads[i]
                if g is None:
                    continue
                rule, parents, saved = nodes[i]
                if rule is None:
                    continue
                grads[i] = None  # free it as soon as it is used
                cts: tuple[Any, ...]
                if rule is r_item:
                    # a child of a structure: straight into the whole's sparse cotangent
                    p = parents[0]
                    like, k = saved
                    old = grads[p]
                    if old is None:
                        grads[p] = Sparse(like, {k: g})
                        owned.add(p)
                        continue
                    if type(old) is Sparse and old.like is like and p in owned:
                        prev = old.parts.get(k, _MISSING)
                        old.parts[k] = g if prev is _MISSING else _add_named(tape, prev, g, p, i)
                        continue
                    cts = (Sparse(like, {k: g}),)
                else:
                    if type(g) is Sparse and rule not in sparse_ok:
                        g = g.dense()
                    try:
                        cts = rule(g, saved)
                    except (ArithmeticError, ValueError) as e:
                        if check or not is_float_error(e):
                            e.add_note(f"in the backward rule of {_describe_node(tape, i)}")
                            raise
                        cts = _with_numpy_floats(rule, g, saved)
                    except Exception as e:
                        # say whose rule failed: a custom op's vjp calling plain numpy on a
                        # BVar cotangent (second order) fails deep inside numpy otherwise
                        e.add_note(f"in the backward rule of {_describe_node(tape, i)}")
                        raise
                if len(cts) != len(parents):
                    # checked here because zip(strict=True) costs a third of this loop
                    msg = (
                        f"the backward rule of {_describe_node(tape, i)} returned {len(cts)} "
                        f"cotangent(s) for {len(parents)} input(s)"
                    )
                    raise ValueError(msg)
                if check:
                    for c in cts:
                        if c is not None and type(c) is not Sparse and is_bad(c):
                            msg = (
                                f"the gradient flowing out of {_describe_node(tape, i)} "
                                "is NaN or inf"
                            )
                            raise NaNError(msg)
                for p, c in zip(parents, cts, strict=False):  # lengths checked above
                    if c is None:
                        continue
                    old = grads[p]
                    if old is None:
                        grads[p] = c
                    elif type(old) is float and type(c) is float:
                        grads[p] = old + c
                    elif (
                        type(old) is ndarray
                        and type(c) is ndarray
                        and old.shape == c.shape
                        and old.dtype == c.dtype
                    ):
                        if p in owned:
                            # a sum this loop made and no rule has seen yet: add in place
                            np.add(old, c, out=old)
                        else:
                            grads[p] = old + c
                            owned.add(p)
                    elif type(old) is Sparse and type(c) is Sparse and old.like is c.like:
                        if p in owned:
                            _merge(old, c)
                        else:
                            grads[p] = _merge(Sparse(old.like, dict(old.parts)), c)
                            owned.add(p)
                    else:
                        grads[p] = _add_named(tape, old, c, p, i)
        except (ArithmeticError, ValueError) as e:
            # Python floats raise where numpy arrays give inf/nan (1.0 / 0.0, math.log(0.0)).
            if check and is_float_error(e):
                msg = f"the gradient of {_describe_node(tape, i)} is NaN or inf ({e})"
                raise NaNError(msg) from e
            raise
        return [g.dense() if type(g) is Sparse else g for g in grads[:n_inputs]]
