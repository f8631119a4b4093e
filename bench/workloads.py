"""The benchmark workloads: each one is written once per implementation.

Every workload gives zero-argument callables to time (``timed``), the gradient-producing
ones among them (``grads``, checked against each other to 1e-8 before timing), a
finite-difference check of the hand-written gradient, and how a figure is computed from
the median times (a ratio to a baseline, or an overhead per op in microseconds).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import attrs
import autograd
import autograd.numpy as agnp
import numpy as np

import optic_ad as ad
from optic_ad import numpy as anp

Thunk = Callable[[], Any]
Array = np.ndarray[Any, np.dtype[np.float64]]

IMPLS = ("hand", "autograd", "optic_ad")
TIMES = "\u00d7"  # the multiplication sign of ratios


@dataclass
class Workload:
    """One row of the table.

    ``figure(t, base)`` turns an implementation's median time and the baseline's median
    time into the printed figure (``unit`` says what it is); ``timed`` maps implementation
    names (``hand``, ``autograd``, ``optic_ad``, and the baseline ``base``) to callables.
    """

    key: str
    title: str
    unit: str
    target: float
    timed: dict[str, Thunk]
    grads: dict[str, Thunk]
    fd_check: Callable[[], float]
    figure: Callable[[float, float], float]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    side_ratios: dict[str, tuple[str, str, float]] = field(default_factory=dict)
    """Secondary figures: ``name -> (numerator, denominator, target)``, two keys of
    ``timed`` whose median times are divided after the interleaved run (reported in the
    JSON and in a note, not in the table)."""


def ratio(t: float, base: float) -> float:
    """``t / base``."""
    return t / base


def flat(g: Any) -> list[Array]:
    """A gradient (float, array, or nested tuple/list of them) as a list of float arrays."""
    if isinstance(g, tuple | list):
        out: list[Array] = []
        for part in g:
            out.extend(flat(part))
        return out
    return [np.asarray(g, dtype=np.float64)]


def max_rel_diff(a: Any, b: Any) -> float:
    """The largest difference between two gradients, relative to ``b``'s scale (at least 1)."""
    fa, fb = flat(a), flat(b)
    if len(fa) != len(fb):
        return math.inf
    worst = 0.0
    for x, y in zip(fa, fb, strict=True):
        if x.shape != y.shape:
            return math.inf
        scale = max(1.0, float(np.max(np.abs(y))) if y.size else 1.0)
        if x.size:
            worst = max(worst, float(np.max(np.abs(x - y))) / scale)
    return worst


def directional_fd_error(
    f: Callable[[Sequence[Array]], float],
    xs: Sequence[Array],
    grads: Sequence[Array],
    *,
    seed: int = 0,
    directions: int = 3,
    h: float = 1e-6,
) -> float:
    """Relative error of ``<grad, v>`` against a central difference of ``f`` along random
    directions ``v`` (cheap for many parameters, and fails for any wrong component)."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(directions):
        vs = [rng.normal(size=np.shape(x)) for x in xs]
        plus = f([x + h * v for x, v in zip(xs, vs, strict=True)])
        minus = f([x - h * v for x, v in zip(xs, vs, strict=True)])
        fd = (plus - minus) / (2 * h)
        an = sum(float(np.sum(g * v)) for g, v in zip(grads, vs, strict=True))
        worst = max(worst, abs(fd - an) / max(1.0, abs(an)))
    return worst


# ----- W1: MLP 784-300-100-10, logistic hidden layers, softmax + cross-entropy -----


def _np_sigmoid(x: Any) -> Any:
    # the tanh form that optic_ad.numpy.sigmoid uses (no overflow for large |x|)
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def mlp_params(rng: np.random.Generator) -> tuple[Array, ...]:
    """Weights and biases of the 784-300-100-10 network."""
    sizes = (784, 300, 100, 10)
    params: list[Array] = []
    for m, n in itertools.pairwise(sizes):
        params.append(rng.normal(0.0, 1.0 / math.sqrt(m), (m, n)))
        params.append(rng.normal(0.0, 0.1, (n,)))
    return tuple(params)


def mlp_loss_anp(params: Any, x: Array, y: Array) -> Any:
    """Mean cross-entropy, written with ``optic_ad.numpy`` (plain arrays or BVars)."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = anp.sigmoid(x @ w1 + b1)
    h2 = anp.sigmoid(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    return -anp.sum(y * anp.log_softmax(z)) * (1.0 / x.shape[0])


def mlp_loss_np(params: Sequence[Array], x: Array, y: Array) -> float:
    """The same loss in plain numpy."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = _np_sigmoid(x @ w1 + b1)
    h2 = _np_sigmoid(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    m = np.max(z, axis=-1, keepdims=True)
    lse = np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)) + m
    return float(-np.sum(y * (z - lse)) * (1.0 / x.shape[0]))


def mlp_loss_ag(params: Any, x: Array, y: Array) -> Any:
    """The same loss for autograd."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = 0.5 * (agnp.tanh(0.5 * (agnp.dot(x, w1) + b1)) + 1.0)
    h2 = 0.5 * (agnp.tanh(0.5 * (agnp.dot(h1, w2) + b2)) + 1.0)
    z = agnp.dot(h2, w3) + b3
    m = agnp.max(z, axis=-1, keepdims=True)
    lse = agnp.log(agnp.sum(agnp.exp(z - m), axis=-1, keepdims=True)) + m
    return -agnp.sum(y * (z - lse)) * (1.0 / x.shape[0])


def mlp_grad_hand(params: Sequence[Array], x: Array, y: Array) -> tuple[Array, ...]:
    """The gradient written out by hand (rows of ``y`` sum to one)."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = _np_sigmoid(x @ w1 + b1)
    h2 = _np_sigmoid(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    p = e / np.sum(e, axis=-1, keepdims=True)
    dz = (p - y) * (1.0 / x.shape[0])
    dh2 = dz @ w3.T
    da2 = dh2 * h2 * (1.0 - h2)
    dh1 = da2 @ w2.T
    da1 = dh1 * h1 * (1.0 - h1)
    return (x.T @ da1, da1.sum(0), h1.T @ da2, da2.sum(0), h2.T @ dz, dz.sum(0))


def _mlp_setup(
    batch: int, seed: int
) -> tuple[
    tuple[Array, ...], Array, Array, Callable[..., Any], dict[str, Thunk], Callable[[], float]
]:
    """W1's data: parameters, inputs, targets, the flat loss, the hand-written and autograd
    gradients, and the finite-difference check of the hand-written one (shared with W5)."""
    rng = np.random.default_rng(seed)
    params = mlp_params(rng)
    x = rng.normal(size=(batch, 784))
    y = np.eye(10)[rng.integers(0, 10, size=batch)]

    def loss_n(*ps: Any) -> Any:
        return mlp_loss_anp(ps, x, y)

    ag_grad = autograd.grad(mlp_loss_ag)

    def fd() -> float:
        return directional_fd_error(
            lambda ps: mlp_loss_np(ps, x, y), params, mlp_grad_hand(params, x, y)
        )

    baselines: dict[str, Thunk] = {
        "hand": lambda: mlp_grad_hand(params, x, y),
        "autograd": lambda: ag_grad(params, x, y),
    }
    return params, x, y, loss_n, baselines, fd


def w1(batch: int, seed: int = 1) -> Workload:
    """W1 at the given batch size: gradient time over the hand-written gradient's."""
    params, _x, _y, loss_n, baselines, fd = _mlp_setup(batch, seed)
    grads: dict[str, Thunk] = {
        **baselines,
        "optic_ad": lambda: ad.backprop_n(loss_n, *params)[1],
    }
    return Workload(
        key=f"W1_b{batch}",
        title=f"W1 MLP 784-300-100-10, batch {batch}: gradient ÷ hand-written",
        unit=TIMES,
        target=1.5 if batch == 1 else 1.1,
        timed={"base": grads["hand"], **grads},
        grads=grads,
        fd_check=fd,
        figure=ratio,
    )


def eval_bp_workload(batch: int = 1, seed: int = 1) -> Workload:
    """``eval_bp`` of the W1 loss over a plain call of the same function.

    ``extra["numpy_forward"]`` also times the loss written with plain numpy: the cost of
    writing the function with ``optic_ad.numpy`` at all (its dispatch on plain arrays).
    """
    rng = np.random.default_rng(seed)
    params = mlp_params(rng)
    x = rng.normal(size=(batch, 784))
    y = np.eye(10)[rng.integers(0, 10, size=batch)]

    def loss(ps: tuple[Array, ...]) -> Any:
        return mlp_loss_anp(ps, x, y)

    timed: dict[str, Thunk] = {
        "base": lambda: loss(params),
        "optic_ad": lambda: ad.eval_bp(loss, params),
        "numpy": lambda: mlp_loss_np(params, x, y),
    }
    # the "gradients" checked here are the three values, which must agree
    return Workload(
        key="eval_bp",
        title=f"eval_bp ÷ plain call of the same function (W1 loss, batch {batch})",
        unit=TIMES,
        target=1.05,
        timed=timed,
        grads={"hand": timed["numpy"], "optic_ad": timed["optic_ad"], "plain": timed["base"]},
        fd_check=lambda: 0.0,
        figure=ratio,
    )


# ----- W2: 10,000 scalar ops on Python floats -----

W2_STEPS = 2000
W2_OPS = 5 * W2_STEPS


def w2_fn(a: Any, b: Any, c: Any, sin: Callable[[Any], Any]) -> Any:
    """``x = sin(x)*b + x*c + a``, 2,000 times (5 ops each)."""
    x: Any = 0.1
    for _ in range(W2_STEPS):
        x = sin(x) * b + x * c + a
    return x


def w2_grad_hand(a: float, b: float, c: float) -> tuple[float, float, float]:
    """The reverse pass written out on floats."""
    xs = [0.1]
    x = 0.1
    sin, cos = math.sin, math.cos
    for _ in range(W2_STEPS):
        x = sin(x) * b + x * c + a
        xs.append(x)
    ga = gb = gc = 0.0
    g = 1.0
    for k in range(W2_STEPS - 1, -1, -1):
        xk = xs[k]
        ga += g
        gb += g * sin(xk)
        gc += g * xk
        g *= cos(xk) * b + c
    return ga, gb, gc


def w2() -> Workload:
    """W2: gradient w.r.t. (a, b, c); overhead per op over the plain float forward."""
    a, b, c = 0.1, 0.5, 0.4

    def f_ad(a_: Any, b_: Any, c_: Any) -> Any:
        return w2_fn(a_, b_, c_, anp.sin)

    ag_grad = autograd.grad(lambda p: w2_fn(p[0], p[1], p[2], agnp.sin))

    def fd() -> float:
        g = w2_grad_hand(a, b, c)
        return directional_fd_error(
            lambda p: w2_fn(float(p[0]), float(p[1]), float(p[2]), math.sin),
            [np.array(a), np.array(b), np.array(c)],
            [np.array(v) for v in g],
        )

    grads: dict[str, Thunk] = {
        "hand": lambda: w2_grad_hand(a, b, c),
        "autograd": lambda: ag_grad((a, b, c)),
        "optic_ad": lambda: ad.backprop_n(f_ad, a, b, c)[1],
    }
    return Workload(
        key="W2",
        title="W2 10,000 scalar float ops: overhead per op over the float forward",
        unit="µs/op",
        target=1.5,
        timed={"base": lambda: w2_fn(a, b, c, math.sin), **grads},
        grads=grads,
        fd_check=fd,
        figure=lambda t, base: (t - base) / W2_OPS * 1e6,
        extra={"ops": W2_OPS},
    )


# ----- W3: 50 elementwise ops on a small array -----


def w3_fn(x: Any, np_: Any) -> Any:
    """``sin, *1.3, +0.2, tanh, x*x`` ten times, then the sum."""
    for _ in range(10):
        x = np_.sin(x)
        x = x * 1.3
        x = x + 0.2
        x = np_.tanh(x)
        x = x * x
    return np_.sum(x)


def w3_grad_hand(x0: Array) -> Array:
    """The reverse pass of :func:`w3_fn` written out in numpy."""
    saved: list[tuple[Array, Array]] = []
    x = x0
    for _ in range(10):
        s = np.sin(x)
        t = np.tanh(s * 1.3 + 0.2)
        saved.append((x, t))
        x = t * t
    g = np.ones_like(x)
    for xk, t in reversed(saved):
        g = g * 2.0 * t
        g = g * (1.0 - t * t)
        g = g * 1.3 * np.cos(xk)
    return g


def w3(size: int = 10, seed: int = 3) -> Workload:
    """W3: gradient of the sum over the plain numpy forward."""
    x = np.random.default_rng(seed).normal(size=size)
    ag_grad = autograd.grad(lambda v: w3_fn(v, agnp))

    def fd() -> float:
        return directional_fd_error(lambda p: float(w3_fn(p[0], np)), [x], [w3_grad_hand(x)])

    grads: dict[str, Thunk] = {
        "hand": lambda: w3_grad_hand(x),
        "autograd": lambda: ag_grad(x),
        "optic_ad": lambda: ad.grad_bp(lambda v: w3_fn(v, anp), x),
    }
    return Workload(
        key="W3",
        title=f"W3 50 elementwise ops on size-{size} arrays: gradient ÷ forward",
        unit=TIMES,
        target=6.0,
        timed={"base": lambda: w3_fn(x, np), **grads},
        grads=grads,
        fd_check=fd,
        figure=ratio,
    )


# ----- W4: Hessian of the 10-D Rosenbrock function -----


def rosen(x: Any, np_: Any = np) -> Any:
    """The Rosenbrock function in any dimension."""
    return np_.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosen_grad_hand(x: Array) -> Array:
    """Its gradient, by hand."""
    g = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    g[:-1] += -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return g


def rosen_hess_hand(x: Array) -> Array:
    """Its (tridiagonal) Hessian, by hand."""
    diag = np.zeros_like(x)
    diag[:-1] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    off = -400.0 * x[:-1]
    return np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)


def optic_hessian() -> Callable[..., Any] | None:
    """``optic_ad.hessian`` when the higher-order module exists, else ``None``."""
    try:
        from optic_ad import higher
    except ImportError:
        return None
    h: Callable[..., Any] | None = getattr(higher, "hessian", None)
    return h


def w4(n: int = 10, seed: int = 4) -> Workload | None:
    """W4: the Hessian over the function value; ``None`` while ``optic_ad.hessian`` is missing."""
    hessian = optic_hessian()
    if hessian is None:
        return None
    x = np.random.default_rng(seed).normal(size=n)
    ag_hess = autograd.hessian(lambda v: rosen(v, agnp))
    ad_hess = hessian(lambda v: rosen(v, anp))

    def fd() -> float:
        h = 1e-6
        g_err = directional_fd_error(lambda p: float(rosen(p[0])), [x], [rosen_grad_hand(x)])
        fd_h = np.stack(
            [(rosen_grad_hand(x + h * e) - rosen_grad_hand(x - h * e)) / (2 * h) for e in np.eye(n)]
        )
        hess = rosen_hess_hand(x)
        return max(g_err, float(np.max(np.abs(fd_h - hess))) / max(1.0, float(np.max(hess))))

    grads: dict[str, Thunk] = {
        "hand": lambda: rosen_hess_hand(x),
        "autograd": lambda: ag_hess(x),
        "optic_ad": lambda: ad_hess(x),
    }
    return Workload(
        key="W4",
        title=f"W4 Hessian of {n}-D Rosenbrock ÷ function value",
        unit=TIMES,
        target=60.0,
        timed={"base": lambda: rosen(x), **grads},
        grads=grads,
        fd_check=fd,
        figure=ratio,
    )


# ----- W5: the W1 network as an attrs record read through lenses -----


@attrs.frozen
class Mlp(ad.Numeric):
    """The 784-300-100-10 network of W1 as a record, in the style of the tutorial."""

    w1: Array  # 784 × 300
    b1: Array  # 300
    w2: Array  # 300 × 100
    b2: Array  # 100
    w3: Array  # 100 × 10
    b3: Array  # 10


M = ad.lenses(Mlp)


def mlp_fields(net: Mlp) -> tuple[Array, ...]:
    """The fields of a record (a gradient, say) in the order of :func:`mlp_params`."""
    return (net.w1, net.b1, net.w2, net.b2, net.w3, net.b3)


def w5(batch: int = 1, seed: int = 1) -> Workload:
    """W5: ``grad_bp`` of the W1 loss over an ``Mlp`` record whose fields are read with
    lenses, over the hand-written gradient; the same maths over six flat arrays
    (``backprop_n``, the form of W1) is timed alongside as ``flat``."""
    params, x, y, loss_n, baselines, fd = _mlp_setup(batch, seed)
    net = Mlp(*params)

    def loss(n: ad.BVar[Mlp] | Mlp) -> Any:
        fields = (
            n.view(M.w1),
            n.view(M.b1),
            n.view(M.w2),
            n.view(M.b2),
            n.view(M.w3),
            n.view(M.b3),
        )
        return mlp_loss_anp(fields, x, y)

    grads: dict[str, Thunk] = {
        **baselines,
        "optic_ad": lambda: mlp_fields(ad.grad_bp(loss, net)),
        "flat": lambda: ad.backprop_n(loss_n, *params)[1],
    }
    return Workload(
        key="W5",
        title=f"W5 MLP 784-300-100-10 as a record read with lenses, batch {batch}: gradient ÷ hand-written",
        unit=TIMES,
        target=1.5,
        # time grad_bp itself: mlp_fields (six attribute reads) is for the check only
        timed={
            "base": grads["hand"],
            **grads,
            "optic_ad": lambda: ad.grad_bp(loss, net),
        },
        grads=grads,
        fd_check=fd,
        figure=ratio,
        side_ratios={"record_over_flat": ("optic_ad", "flat", 1.1)},
    )


# ----- W6: 32 weight matrices in one list against 32 separate arguments -----

W6_LAYERS = 32
W6_WIDTH = 64


def w6_fn(ws: Any, h0: Array, np_: Any) -> Any:
    """``h = tanh(h @ ws[i])`` for each of the 32 layers, then ``sum(h * h)``."""
    h: Any = h0
    for i in range(W6_LAYERS):
        h = np_.tanh(h @ ws[i])
    return np_.sum(h * h)


def w6_grad_hand(ws: Sequence[Array], h0: Array) -> list[Array]:
    """The reverse pass of :func:`w6_fn` written out in numpy."""
    hs = [h0]
    for w in ws:
        hs.append(np.tanh(hs[-1] @ w))
    g = 2.0 * hs[-1]
    out: list[Array] = [h0] * len(ws)
    for i in range(len(ws) - 1, -1, -1):
        da = g * (1.0 - hs[i + 1] * hs[i + 1])
        out[i] = hs[i].T @ da
        g = da @ ws[i].T
    return out


def w6(batch: int = 1, seed: int = 6) -> Workload:
    """W6: ``grad_bp`` over a list of 32 matrices ÷ ``backprop_n`` over 32 separate arguments."""
    rng = np.random.default_rng(seed)
    ws = [
        rng.normal(0.0, 1.0 / math.sqrt(W6_WIDTH), (W6_WIDTH, W6_WIDTH)) for _ in range(W6_LAYERS)
    ]
    h0 = rng.normal(size=(batch, W6_WIDTH))

    def loss(v: ad.BVar[list[Array]]) -> Any:
        return w6_fn(v, h0, anp)

    def loss_sep(*vs: Any) -> Any:
        return w6_fn(vs, h0, anp)

    ag_grad = autograd.grad(lambda v: w6_fn(v, h0, agnp))

    def fd() -> float:
        return directional_fd_error(lambda p: float(w6_fn(p, h0, np)), ws, w6_grad_hand(ws, h0))

    grads: dict[str, Thunk] = {
        "hand": lambda: w6_grad_hand(ws, h0),
        "autograd": lambda: ag_grad(ws),
        "optic_ad": lambda: ad.grad_bp(loss, ws),
        "separate": lambda: ad.backprop_n(loss_sep, *ws)[1],
    }
    return Workload(
        key="W6",
        title=(
            f"W6 {W6_LAYERS} tanh layers {W6_WIDTH}x{W6_WIDTH}, batch {batch}: "
            "weights in one list ÷ as separate arguments"
        ),
        unit=TIMES,
        target=1.1,
        timed={"base": grads["separate"], **grads},
        grads=grads,
        fd_check=fd,
        figure=ratio,
    )


# ----- L1: scaling of to_list_of_var over a Python list of floats -----

L1_SIZES = (1000, 2000, 4000, 8000, 16000)


def l1_fn(v: Any) -> Any:
    """The sum of squares of the elements, one focus of ``ad.each`` at a time."""
    parts = ad.to_list_of_var(ad.each, v)
    total = parts[0] * parts[0]
    for p in parts[1:]:
        total = total + p * p
    return total


def l1_input(n: int, seed: int = 7) -> list[float]:
    """``n`` Python floats."""
    return [float(v) for v in np.random.default_rng(seed).normal(size=n)]


@dataclass
class Scaling:
    """A workload timed at growing sizes, reported as a cost per element at each size.

    ``run(n)`` builds its input outside the timing and returns the thunk to time;
    ``check(n)`` compares the gradients at size ``n``: ``"fd"`` is the error of the
    hand-written one against finite differences, every other key the largest relative
    difference of an implementation's gradient from the hand-written one.
    """

    key: str
    title: str
    sizes: tuple[int, ...]
    run: Callable[[int], Thunk]
    check: Callable[[int], dict[str, float]]


def l1() -> Scaling:
    """L1: ``grad_bp`` of a sum of squares written over ``to_list_of_var(each, v)``."""

    def run(n: int) -> Thunk:
        xs = l1_input(n)
        return lambda: ad.grad_bp(l1_fn, xs)

    def check(n: int) -> dict[str, float]:
        xs = l1_input(n)
        hand = [2.0 * v for v in xs]
        fd = directional_fd_error(
            lambda p: float(np.sum(p[0] * p[0])), [np.array(xs)], [np.array(hand)]
        )
        return {"fd": fd, "optic_ad": max_rel_diff(ad.grad_bp(l1_fn, xs), hand)}

    return Scaling(
        key="L1",
        title="L1 grad_bp of a sum of squares over to_list_of_var(each, v), v a list of floats",
        sizes=L1_SIZES,
        run=run,
        check=check,
    )


def all_workloads() -> tuple[list[Workload], list[str]]:
    """The workloads, and notes about any that had to be skipped."""
    notes: list[str] = []
    ws = [w1(1), w1(128), w2(), w3()]
    w4_ = w4()
    if w4_ is None:
        notes.append("W4 skipped: optic_ad.higher.hessian does not exist yet")
    else:
        ws.append(w4_)
    ws.append(eval_bp_workload())
    ws += [w5(), w6()]
    return ws, notes
