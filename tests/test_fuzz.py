"""Fuzzing: random programs of lifted functions, checked against autograd and differences.

Hypothesis builds a small random program over two inputs of random (broadcast-compatible)
shapes: elementwise functions, broadcasting binary operations, reductions with ``axis`` and
``keepdims``, reshapes and transposes, indexing, matmul, concatenation. Each step is written
once against a namespace of numpy-named functions and run twice: with ``optic_ad.numpy``
(differentiated by optic_ad) and with ``autograd.numpy`` (differentiated by autograd). The
gradients must agree with each other and with central finite differences, so a broadcasting
or axis bug in any rule shows up as a counterexample program, printed step by step.

While a program is drawn it is also evaluated, so that steps stay away from kinks and ties
(``abs`` near 0, ``max`` with two equal candidates, ``maximum`` of equal operands) where the
derivative is not defined and finite differences would disagree with any rule.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from functools import partial
from types import SimpleNamespace
from typing import Any, TypeVar

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import extend
from optic_ad import numpy as anp

# ----- the two libraries a program runs against -----

OURS = SimpleNamespace(
    **{n: getattr(anp, n) for n in dir(anp) if not n.startswith("_")},
)
REF = SimpleNamespace(
    **{n: getattr(agnp, n) for n in dir(agnp) if not n.startswith("_")},
)
# functions autograd.numpy lacks, written from ones it has
REF.sigmoid = lambda x: 0.5 * (agnp.tanh(0.5 * x) + 1.0)
REF.logsumexp = lambda x, axis=None, keepdims=False: agnp.log(
    agnp.sum(agnp.exp(x), axis=axis, keepdims=keepdims)
)
REF.softmax = lambda x, axis=-1: agnp.exp(x) / agnp.sum(agnp.exp(x), axis=axis, keepdims=True)
# autograd's broadcast_to cannot add leading dims
REF.broadcast_to = lambda x, shape: x * agnp.ones(shape)
# autograd has no cbrt rule; the fuzzer applies it to positive values only
REF.cbrt = lambda x: x ** (1.0 / 3.0)
REF.log_softmax = lambda x, axis=-1: x - agnp.log(agnp.sum(agnp.exp(x), axis=axis, keepdims=True))

T = TypeVar("T")
Env = list[Any]
StepFn = Callable[[Any, Env], Any]  # (library, values so far) -> new value


class Step:
    """One step of a program: a description (for counterexamples) and how to run it."""

    def __init__(self, text: str, run: StepFn) -> None:
        self.text = text
        self.run = run

    def __repr__(self) -> str:
        return self.text


class Program:
    """Two inputs, a list of steps, and a scalar loss mixing every value computed."""

    def __init__(self, steps: list[Step], weights: list[Any]) -> None:
        self.steps = steps
        self.weights = weights

    def values(self, m: Any, x0: Any, x1: Any) -> Env:
        env: Env = [x0, x1]
        for s in self.steps:
            env.append(s.run(m, env))
        return env

    def loss(self, m: Any, x0: Any, x1: Any) -> Any:
        env = self.values(m, x0, x1)
        # every value reaches the loss (fan-out: gradients meet and are added)
        total = m.sum(env[-1] * self.weights[-1])
        for v, w in zip(env[:-1], self.weights, strict=False):
            total = total + 0.5 * m.sum(v * w)
        return total

    def __repr__(self) -> str:
        return "\n".join(f"v{i + 2} = {s.text}" for i, s in enumerate(self.steps))


# ----- drawing programs -----

FLOATS = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, width=64)


def _gap_ok(a: Any, b: Any) -> bool:
    return bool(np.all(np.abs(np.asarray(a) - np.asarray(b)) > 1e-3))


def _no_ties(x: Any, axis: Any, fn: Callable[..., Any]) -> bool:
    """Whether the max/min of ``x`` along ``axis`` is unique by a margin."""
    x = np.asarray(x)
    axes = tuple(range(x.ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    axes = tuple(a % x.ndim for a in axes)
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    flat = moved.reshape((*moved.shape[: x.ndim - len(axes)], -1))
    s = np.sort(flat, axis=-1)
    if flat.shape[-1] < 2:
        return True
    gap = s[..., -1] - s[..., -2] if fn is np.max else s[..., 1] - s[..., 0]
    return bool(np.all(gap > 1e-3))


UNARY: list[tuple[str, Callable[[Any, Any], Any], Callable[[Any], bool]]] = [
    ("sin", lambda m, a: m.sin(a), lambda a: True),
    ("cos", lambda m, a: m.cos(a), lambda a: True),
    ("tanh", lambda m, a: m.tanh(a), lambda a: True),
    ("sigmoid", lambda m, a: m.sigmoid(a), lambda a: True),
    ("arctan", lambda m, a: m.arctan(a), lambda a: True),
    ("exp", lambda m, a: m.exp(a), lambda a: bool(np.all(np.asarray(a) < 3.0))),
    ("log(a*a + 1)", lambda m, a: m.log(a * a + 1.0), lambda a: True),
    ("log1p(a*a)", lambda m, a: m.log1p(a * a), lambda a: True),
    ("sqrt(a*a + 0.5)", lambda m, a: m.sqrt(a * a + 0.5), lambda a: True),
    ("square", lambda m, a: m.square(a), lambda a: bool(np.all(np.abs(a) < 4.0))),
    ("a ** 3", lambda m, a: a**3, lambda a: bool(np.all(np.abs(a) < 3.0))),
    ("abs", lambda m, a: m.abs(a), lambda a: bool(np.all(np.abs(a) > 1e-3))),
    ("-a", lambda m, a: -a, lambda a: True),
    ("expm1(tanh(a))", lambda m, a: m.expm1(m.tanh(a)), lambda a: True),
    ("2.0 / (a*a + 1)", lambda m, a: 2.0 / (a * a + 1.0), lambda a: True),
    ("1.5 - a", lambda m, a: 1.5 - a, lambda a: True),
    # issue 14's elementwise family
    ("arcsinh", lambda m, a: m.arcsinh(a), lambda a: True),
    ("log2(a*a + 1)", lambda m, a: m.log2(a * a + 1.0), lambda a: True),
    ("exp2", lambda m, a: m.exp2(a), lambda a: bool(np.all(np.asarray(a) < 3.0))),
    ("cbrt(a*a + 0.5)", lambda m, a: m.cbrt(a * a + 0.5), lambda a: True),
    ("reciprocal(a*a + 1)", lambda m, a: m.reciprocal(a * a + 1.0), lambda a: True),
    ("deg2rad", lambda m, a: m.deg2rad(a), lambda a: True),
    # plain numpy on a BVar: numpy's dispatch records the lifted function
    ("np.tanh (dispatched)", lambda m, a: (np if m is OURS else agnp).tanh(a), lambda a: True),
]

BINARY: list[tuple[str, Callable[[Any, Any, Any], Any], Callable[[Any, Any], bool]]] = [
    ("a + b", lambda m, a, b: a + b, lambda a, b: True),
    ("a - b", lambda m, a, b: a - b, lambda a, b: True),
    ("a * b", lambda m, a, b: a * b, lambda a, b: True),
    ("a / (b*b + 1)", lambda m, a, b: a / (b * b + 1.0), lambda a, b: True),
    ("maximum(a, b)", lambda m, a, b: m.maximum(a, b), _gap_ok),
    ("minimum(a, b)", lambda m, a, b: m.minimum(a, b), _gap_ok),
    ("power(a*a + 1, tanh(b))", lambda m, a, b: m.power(a * a + 1.0, m.tanh(b)), lambda a, b: True),
    ("add(a, b)", lambda m, a, b: m.add(a, b), lambda a, b: True),
    ("multiply(a, b)", lambda m, a, b: m.multiply(a, b), lambda a, b: True),
    ("logaddexp(a, b)", lambda m, a, b: m.logaddexp(a, b), lambda a, b: True),
    ("hypot(a, b*b + 0.5)", lambda m, a, b: m.hypot(a, b * b + 0.5), lambda a, b: True),
    ("arctan2(a, b*b + 0.5)", lambda m, a, b: m.arctan2(a, b * b + 0.5), lambda a, b: True),
    ("fmax(a, b)", lambda m, a, b: m.fmax(a, b), _gap_ok),
    (
        "np.multiply (dispatched)",
        lambda m, a, b: (np if m is OURS else agnp).multiply(a, b),
        lambda a, b: True,
    ),
]


class Pick:
    """The choices of one program, from a generator seeded by Hypothesis.

    Drawn choice by choice, Hypothesis' programs lean hard towards 0, False, scalars and the
    first option (in 200 examples: 77 distinct programs, a third on 0-d inputs), so a
    trailing axis was rarely reduced. A seeded generator picks uniformly; Hypothesis still
    picks the seeds (derandomized in CI) and prints the failing program.
    """

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def one(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(len(options)))]

    def integer(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]`` (both included)."""
        return int(self.rng.integers(lo, hi + 1))

    def flag(self) -> bool:
        return bool(self.rng.integers(2))

    def array(self, shape: tuple[int, ...]) -> Any:
        return np.round(self.rng.uniform(-2.0, 2.0, shape), 3)

    def shape(self) -> tuple[int, ...]:
        """0-3 dims (mostly 1-3) of different sizes: a mix-up of two equal-sized axes
        would go unseen."""
        nd = self.one([0, 1, 2, 2, 3, 3])
        return tuple(int(d) for d in self.rng.permutation(4)[:nd] + 1)

    def broadcastable_to(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts with ``shape`` (leading dims dropped, some set to 1)."""
        drop = self.integer(0, len(shape))
        return tuple(d if self.flag() else 1 for d in shape[drop:])


def _ref(i: int) -> Callable[[Env], Any]:
    return lambda env: env[i]


def operand(pick: Pick, env: Env, shape_hint: tuple[int, ...] | None = None) -> Any:
    """An index into ``env`` (as ``int``) or a constant array (as ``ndarray``)."""
    if pick.flag() or shape_hint is None:
        return pick.integer(0, len(env) - 1)
    return pick.array(pick.broadcastable_to(shape_hint))


def _arg(o: Any) -> tuple[str, Callable[[Env], Any]]:
    if isinstance(o, int):
        return f"v{o}", _ref(o)
    return f"const{o.shape}", lambda env: o


def _axis_choice(rng: np.random.Generator, nd: int) -> Any:
    """``None``, an axis (positive or negative) or a tuple of axes, uniformly."""
    if nd == 0:
        return None
    choice = rng.integers(4)
    if choice == 0:
        return None
    if choice == 1:
        return int(rng.integers(nd))
    if choice == 2:
        return int(rng.integers(-nd, 0))
    k = int(rng.integers(1, nd + 1))
    return tuple(int(a) for a in rng.permutation(nd)[:k])


def step(pick: Pick, env: Env) -> Step | None:
    """Draw one step that is valid and smooth at the current values (or ``None``)."""
    kind = pick.one(
        ["unary", "binary", "binary", "reduce", "reduce", "shape", "index", "matmul", "join"]
    )
    i = pick.integer(0, len(env) - 1)
    a = env[i]
    s = np.shape(a)
    nd = len(s)
    max_nd = max(np.ndim(v) for v in env)
    rng = pick.rng
    if kind == "unary":
        name, fn, ok = pick.one(UNARY)
        if not ok(a):
            return None
        return Step(f"{name} with a=v{i}", lambda m, env: fn(m, env[i]))
    if kind == "binary":
        name, fn2, ok2 = pick.one(BINARY)
        o = operand(pick, env, s)
        btext, bget = _arg(o)
        b = bget(env)
        try:
            np.broadcast_shapes(s, np.shape(b))
        except ValueError:
            return None
        if not ok2(*np.broadcast_arrays(a, b)):
            return None
        swap = pick.flag()
        if swap:  # the constant or other value on the left
            return Step(f"{name} with a={btext}, b=v{i}", lambda m, env: fn2(m, bget(env), env[i]))
        return Step(f"{name} with a=v{i}, b={btext}", lambda m, env: fn2(m, env[i], bget(env)))
    if kind == "reduce":
        # reduce a value of the most dimensions, where axis handling matters
        i = pick.one([j for j, v in enumerate(env) if np.ndim(v) == max_nd])
        a = env[i]
        s = np.shape(a)
        nd = len(s)
        red = pick.one(["sum", "mean", "sum", "prod", "max", "min", "logsumexp", "var", "std"])
        axis = _axis_choice(rng, nd)
        keepdims = bool(rng.integers(2))
        if red == "prod" and not bool(np.all(np.abs(a) > 0.1)):
            return None
        if red in ("max", "min") and not _no_ties(a, axis, np.max if red == "max" else np.min):
            return None
        if red == "softmax":
            return None
        if red == "std" and not bool(np.all(np.std(a, axis=axis) > 0.05)):
            return None  # sqrt at a zero variance: no derivative
        return Step(
            f"{red}(v{i}, axis={axis}, keepdims={keepdims})",
            lambda m, env: getattr(m, red)(env[i], axis=axis, keepdims=keepdims),
        )
    if kind == "shape":
        options = ["ravel", "reshape_rev", "transpose", "T", "expand_dims", "broadcast_to"]
        if nd:
            options += ["softmax", "log_softmax", "reshape_col"]
        if 1 in s:
            options.append("squeeze")
        op = pick.one(options)
        if op == "ravel":
            return Step(f"ravel(v{i})", lambda m, env: m.ravel(env[i]))
        if op == "reshape_rev":
            return Step(f"reshape(v{i}, {s[::-1]})", lambda m, env: m.reshape(env[i], s[::-1]))
        if op == "reshape_col":
            return Step(f"reshape(v{i}, (-1, 1))", lambda m, env: m.reshape(env[i], (-1, 1)))
        if op == "transpose":
            perm = tuple(int(k) for k in rng.permutation(nd))
            return Step(f"transpose(v{i}, {perm})", lambda m, env: m.transpose(env[i], perm))
        if op == "T":
            return Step(f"transpose(v{i})", lambda m, env: m.transpose(env[i]))
        if op == "expand_dims":
            ax = int(rng.integers(-nd - 1, nd + 1))
            return Step(f"expand_dims(v{i}, {ax})", lambda m, env: m.expand_dims(env[i], ax))
        if op == "broadcast_to":
            target = (2, *tuple(d if d != 1 else pick.integer(1, 3) for d in s))
            return Step(
                f"broadcast_to(v{i}, {target})", lambda m, env: m.broadcast_to(env[i], target)
            )
        if op == "squeeze":
            sq = pick.one([None, *[k for k, d in enumerate(s) if d == 1]])
            return Step(f"squeeze(v{i}, axis={sq})", lambda m, env: m.squeeze(env[i], axis=sq))
        ax = int(rng.integers(-nd, nd))
        return Step(f"{op}(v{i}, axis={ax})", lambda m, env: getattr(m, op)(env[i], axis=ax))
    if kind == "index":
        if nd == 0:
            return None
        idx = index_for(pick, s)
        return Step(f"v{i}[{idx!r}]", lambda m, env: env[i][idx])
    if kind == "matmul":
        if nd == 0:
            return None
        k = pick.integer(1, 3)
        bshape = (s[-1], k) if pick.flag() else (s[-1],)
        o = operand(pick, env, None)
        btext, bget = _arg(o)
        if np.shape(bget(env)) not in (bshape, (s[-1], np.shape(bget(env))[-1:] or 0)):
            o = pick.array(bshape)
            btext, bget = _arg(o)
        b = bget(env)
        try:
            np.matmul(a, b)
        except ValueError:
            return None
        if pick.flag() and np.ndim(b) == 2 and nd == 1:
            return Step(
                f"{btext}.T @ v{i}", lambda m, env: m.matmul(m.transpose(bget(env)), env[i])
            )
        return Step(f"v{i} @ {btext}", lambda m, env: m.matmul(env[i], bget(env)))
    # join: concatenate or stack two values of the same shape
    same = [j for j, v in enumerate(env) if np.shape(v) == s]
    j = pick.one(same)
    if pick.flag() and nd:
        ax = int(rng.integers(-nd, nd))
        return Step(
            f"concatenate([v{i}, v{j}], axis={ax})",
            lambda m, env: m.concatenate([env[i], env[j]], axis=ax),
        )
    ax = int(rng.integers(-nd - 1, nd + 1))
    return Step(
        f"stack([v{i}, v{j}], axis={ax})", lambda m, env: m.stack([env[i], env[j]], axis=ax)
    )


def index_for(pick: Pick, shape: tuple[int, ...]) -> Any:
    """A basic or advanced index valid for ``shape``."""
    n = shape[0]
    kind = pick.one(["int", "slice", "ellipsis", "fancy", "pair", "newaxis"])
    if kind == "int":
        return pick.integer(-n, n - 1)
    if kind == "slice":
        start = pick.one([None, pick.integer(-n, n - 1)])
        step_ = pick.one([None, 1, 2, -1])
        sl = slice(start, None, step_)
        if len(range(n)[sl]) == 0:
            return slice(None)
        return sl
    if kind == "ellipsis":
        k = shape[-1]
        return (Ellipsis, pick.integer(-k, k - 1))
    if kind == "fancy":
        # repeated indices: their gradients must be added up, not overwritten
        return [pick.integer(-n, n - 1) for _ in range(pick.integer(1, 4))]
    if kind == "pair" and len(shape) >= 2:
        return (pick.integer(0, n - 1), slice(None, None, -1))
    return (None, slice(None))


@st.composite
def programs(draw: st.DrawFn) -> tuple[Program, Any, Any]:
    pick = Pick(draw(st.randoms(use_true_random=True)).getrandbits(64))
    s0 = pick.shape()
    s1 = pick.broadcastable_to(s0)
    x0, x1 = pick.array(s0), pick.array(s1)
    env: Env = [x0, x1]
    steps: list[Step] = []
    for _ in range(pick.integer(1, 8)):
        s = step(pick, env)
        if s is None:
            continue
        try:
            with np.errstate(all="raise"):
                value = s.run(OURS, env)
        except (ValueError, IndexError, FloatingPointError):
            continue
        if np.size(value) == 0 or np.size(value) > 200 or not np.all(np.abs(value) < 100.0):
            continue  # empty, big, or large values (where relative tolerances mean little)
        steps.append(s)
        env.append(value)
    # nonzero weights, so that autograd never sees an output independent of an input
    weights = [pick.rng.uniform(0.25, 1.0, np.shape(v)) * pick.one([-1.0, 1.0]) for v in env]
    return Program(steps, weights), x0, x1


# ----- checks -----


def _plain_loss(p: Program, x0: Any, x1: Any) -> float:
    return float(p.loss(OURS, x0, x1))


def _directional_fd(p: Program, x0: Any, x1: Any, d0: Any, d1: Any, eps: float = 1e-6) -> float:
    return (
        _plain_loss(p, x0 + eps * d0, x1 + eps * d1) - _plain_loss(p, x0 - eps * d0, x1 - eps * d1)
    ) / (2 * eps)


def _close(a: Any, b: Any, what: str, p: Program) -> None:
    np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9, err_msg=f"{what}\nprogram:\n{p}")


@settings(max_examples=400)
@given(prog=programs(), seed=st.integers(0, 2**32 - 1))
def test_random_programs_match_autograd_and_finite_differences(
    prog: tuple[Program, Any, Any], seed: int
) -> None:
    p, x0, x1 = prog
    value, (g0, g1) = ad.backprop2(lambda a, b: p.loss(OURS, a, b), x0, x1)
    assert np.shape(g0) == np.shape(x0), f"gradient shape\nprogram:\n{p}"
    assert np.shape(g1) == np.shape(x1), f"gradient shape\nprogram:\n{p}"
    assert value == pytest.approx(_plain_loss(p, x0, x1), rel=1e-12, abs=1e-12)

    r0 = autograd.grad(lambda a, b: p.loss(REF, a, b), 0)(x0, x1)
    r1 = autograd.grad(lambda a, b: p.loss(REF, a, b), 1)(x0, x1)
    _close(g0, r0, "d/dx0 against autograd", p)
    _close(g1, r1, "d/dx1 against autograd", p)

    rng = np.random.default_rng(seed)
    d0, d1 = rng.standard_normal(np.shape(x0)), rng.standard_normal(np.shape(x1))
    fd = _directional_fd(p, x0, x1, d0, d1)
    ours = float(np.sum(g0 * d0) + np.sum(g1 * d1))
    assert ours == pytest.approx(fd, rel=1e-4, abs=1e-5), f"finite differences\nprogram:\n{p}"


@settings(max_examples=150)
@given(prog=programs(), seed=st.integers(0, 2**32 - 1))
def test_random_programs_vjp_with_a_tuple_input(prog: tuple[Program, Any, Any], seed: int) -> None:
    # the last value as output, a random seed as its cotangent, both inputs in one tuple
    p, x0, x1 = prog
    rng = np.random.default_rng(seed)

    def last(m: Any, a: Any, b: Any) -> Any:
        return p.values(m, a, b)[-1]

    out = last(OURS, x0, x1)
    cot = rng.standard_normal(np.shape(out))
    if np.ndim(out) == 0:
        cot = float(cot)
    _, (g0, g1) = ad.backprop_with(lambda v: last(OURS, v[0], v[1]), (x0, x1), cot)
    for k, g in ((0, g0), (1, g1)):
        with warnings.catch_warnings():
            # the last value need not depend on both inputs: autograd then says so, and
            # returns zeros
            warnings.filterwarnings("ignore", "Output seems independent of input")
            ref = autograd.grad(lambda a, b: agnp.sum(last(REF, a, b) * cot), k)(x0, x1)
        _close(g, ref, f"vjp d/dx{k} against autograd", p)


def _probe_finds_a_bug() -> list[str]:
    """Run the fuzzer's check quietly; return the programs on which optic_ad was wrong."""
    found: list[str] = []

    @settings(max_examples=200, database=None, derandomize=True)
    @given(prog=programs())
    def probe(prog: tuple[Program, Any, Any]) -> None:
        p, x0, x1 = prog
        try:
            g0, g1 = ad.grad_bp2(lambda a, b: p.loss(OURS, a, b), x0, x1)
        except (ValueError, TypeError):
            found.append(repr(p))
            return
        r0 = autograd.grad(lambda a, b: p.loss(REF, a, b), 0)(x0, x1)
        r1 = autograd.grad(lambda a, b: p.loss(REF, a, b), 1)(x0, x1)
        for g, r in ((g0, r0), (g1, r1)):
            if np.shape(g) != np.shape(r) or not np.allclose(g, r):
                found.append(repr(p))
                return

    probe()
    return found


def test_fuzzer_finds_a_planted_broadcasting_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    # the fuzzer must be able to fail: an unbroadcast that forgets size-1 dimensions
    def forgets_size_one_dims(g: Any, shape: tuple[int, ...], out_ndim: int) -> Any:
        lead = np.ndim(g) - len(shape)
        return np.sum(g, axis=tuple(range(lead))) if lead > 0 else g

    monkeypatch.setattr(anp.core, "unbroadcast", forgets_size_one_dims)
    assert _probe_finds_a_bug()


def test_fuzzer_finds_a_planted_axis_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    # a sum rule that ignores ``axis`` and ``keepdims`` (right only for full reductions)
    planted = extend.reduction(
        "sum", np.sum, lambda g, ans, x, *, axis, keepdims: g * np.ones(np.shape(x))
    )
    monkeypatch.setattr(OURS, "sum", planted)
    assert _probe_finds_a_bug()


@pytest.mark.parametrize(
    ("sa", "sb"), [((2, 3, 4), (4,)), ((4,), (2, 4, 3))], ids=["batch@vector", "vector@batch"]
)
def test_matmul_vector_with_batched_matrix(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ga, gb = ad.grad_bp2(lambda x, y: anp.sum(anp.sin(anp.matmul(x, y))), a, b)
    ra = autograd.grad(lambda x, y: agnp.sum(agnp.sin(agnp.matmul(x, y))), 0)(a, b)
    rb = autograd.grad(lambda x, y: agnp.sum(agnp.sin(agnp.matmul(x, y))), 1)(a, b)
    assert np.shape(ga) == sa
    assert np.shape(gb) == sb
    np.testing.assert_allclose(ga, ra, rtol=1e-10)
    np.testing.assert_allclose(gb, rb, rtol=1e-10)


def test_hessian_of_a_scalar_broadcast_against_a_vector() -> None:
    # found by this fuzzer: unbroadcast's own VJP ignored the seed's batch axes when it
    # had summed leading axes away (hessian(lambda a: sum(a * a[0])) was not symmetric)
    x = np.array([0.5, 1.0, -2.0])
    h = ad.hessian(lambda a: anp.sum(a * a[0] * anp.max(a)))(x)
    r = autograd.hessian(lambda a: agnp.sum(a * a[0] * agnp.max(a)))(x)
    np.testing.assert_allclose(h, r, rtol=1e-12)


def _quiet_autograd(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        # a value need not depend on every input: autograd says so and returns zeros
        warnings.filterwarnings("ignore", "Output seems independent of input")
        return fn()


@settings(max_examples=150)
@given(prog=programs())
def test_random_programs_jacobian_with_batched_seeds(prog: tuple[Program, Any, Any]) -> None:
    # jacobian seeds the backward pass with an identity: every rule sees extra leading dims
    p, x0, x1 = prog

    def last(m: Any, a: Any, b: Any) -> Any:
        return p.values(m, a, b)[-1]

    def ref_jacobian(k: int) -> Any:
        return autograd.jacobian(lambda a, b: last(REF, a, b), k)(x0, x1)

    for k in (0, 1):
        ours = ad.jacobian(lambda a, b: last(OURS, a, b), k)(x0, x1)
        ref = _quiet_autograd(partial(ref_jacobian, k))
        assert np.shape(ours) == np.shape(ref), f"jacobian shape\nprogram:\n{p}"
        _close(ours, ref, f"jacobian d/dx{k} against autograd", p)


@settings(max_examples=100)
@given(prog=programs())
def test_random_programs_hessian(prog: tuple[Program, Any, Any]) -> None:
    # gradients of gradients: every backward rule is differentiated again
    p, x0, x1 = prog
    ours = ad.hessian(lambda a: p.loss(OURS, a, x1))(x0)
    ref = _quiet_autograd(lambda: autograd.hessian(lambda a: p.loss(REF, a, x1))(x0))
    assert np.shape(ours) == np.shape(ref), f"hessian shape\nprogram:\n{p}"
    _close(ours, ref, "hessian against autograd", p)
