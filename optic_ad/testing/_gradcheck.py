"""Finite-difference checks of gradients (``check_grad``) and of hand-written VJPs
(``check_vjp``).

Both compare an analytic gradient with central differences of the plain function, in two
ways: along a few random unit directions (the inner-product identity
``<grad f(x), u> = d/dt f(x + t u)``, cheap for any size) and, when the input has at most
``max_coords`` floating scalars, coordinate by coordinate. When a direction fails on a
large input, the check narrows it down leaf by leaf and then coordinate by coordinate, so
the message names the worst entry it found (``net.weight1[3, 4]``).

The analytic side of a directional check uses the step actually taken (``x+ - x-`` after
rounding to the leaf's dtype), and the allowed error includes the round-off of the
difference quotient (``64 * machine eps * |f| / step``), so float32 inputs and large
function values do not give false alarms.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from optic_ad.bvar import BVar, view_var
from optic_ad.op import Op
from optic_ad.optics import Lens
from optic_ad.runners import backprop_n, only_args
from optic_ad.testing._trees import (
    Leaf,
    Step,
    children,
    get_at,
    is_float_leaf,
    leaves,
    map_float_leaves,
    rebuild,
)

__all__ = ["TOLERANCES", "Tolerance", "check_grad", "check_vjp"]


class Tolerance(NamedTuple):
    """Finite-difference step ``eps`` and the tolerances used for one floating dtype."""

    eps: float
    rtol: float
    atol: float


TOLERANCES: dict[np.dtype[Any], Tolerance] = {
    np.dtype(np.float16): Tolerance(eps=3e-2, rtol=1e-1, atol=1e-2),
    np.dtype(np.float32): Tolerance(eps=1e-3, rtol=2e-2, atol=1e-4),
    np.dtype(np.float64): Tolerance(eps=1e-6, rtol=1e-5, atol=1e-8),
}
"""Default ``eps``, ``rtol`` and ``atol`` by the least precise floating dtype among the
inputs (Python floats count as float64)."""

_NOISE = 64.0  # round-off allowance of a central difference, in machine epsilons of |f|


# ----- the public checks -----


def check_grad(
    f: Callable[..., Any],
    *args: Any,
    order: int = 1,
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    directions: int = 2,
    max_coords: int = 64,
    seed: int = 0,
) -> None:
    """Check the reverse-mode gradient of a scalar-valued ``f`` against finite differences.

    ``f`` is differentiated with respect to every argument that holds a floating leaf
    (floats, floating numpy scalars and arrays, inside tuples, lists, dicts, NamedTuples,
    attrs classes, dataclasses, ``T2``/``T3``/``HList``); ints and other leaves are
    constants. The gradient is compared with central differences of the plain ``f`` along
    ``directions`` random unit directions and, if the inputs have at most ``max_coords``
    floating scalars in all, per coordinate. ``order=2`` also checks the gradient of the
    gradient (differentiating ``<grad f(x), w>`` for a random ``w``), and so on.

    Default tolerances depend on the least precise floating dtype in ``args``
    (`TOLERANCES`): float64 ``eps=1e-6, rtol=1e-5, atol=1e-8``; float32
    ``eps=1e-3, rtol=2e-2, atol=1e-4``. An entry passes when
    ``|analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|)`` plus the
    round-off allowance of the difference quotient.

    Args:
        f: the function; it must run on plain values (for the differences) and on BVars.
        *args: the point, of any registered types.
        order: how many derivatives to check (1: gradient, 2: also gradient of gradient).
        eps: finite-difference step (default from the dtype).
        rtol: relative tolerance (default from the dtype).
        atol: absolute tolerance (default from the dtype).
        directions: how many random directions to check.
        max_coords: check per coordinate when the inputs have at most this many scalars.
        seed: seed of the random directions (the check is deterministic).

    Raises:
        AssertionError: a gradient is wrong; the message names the derivative, the argument
            and the path inside it (``net.weight1[3, 4]``), both values and the relative
            error.
        ValueError: no argument has a floating leaf.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import numpy as anp, testing
        >>> testing.check_grad(lambda x, y: anp.sum(anp.tanh(x) * y), np.ones(3), 2.0, order=2)
        >>> import optic_ad as ad
        >>> square = ad.op1(lambda x: (x * x, lambda g: g * x))  # the VJP should be 2 * g * x
        >>> testing.check_grad(lambda x: anp.sum(square(x)), np.array([0.5, 1.0, 1.5]))
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        AssertionError: check_grad: gradient of <lambda> is wrong at x[...]
        ...
    """
    if order < 1:
        msg = f"check_grad: order must be at least 1, got {order}"
        raise ValueError(msg)
    names = _arg_names(f, len(args))
    for k, a in enumerate(args):
        _require_visible(a, names[k], "check_grad")
    diff = [i for i, a in enumerate(args) if leaves(a)]
    if not diff:
        msg = (
            "check_grad: no argument has a floating-point leaf to differentiate "
            "(ints are constants; pass 3.0 rather than 3)"
        )
        raise ValueError(msg)
    tol = _tolerance(args, eps, rtol, atol)
    rng = np.random.default_rng(seed)
    label = f"gradient of {getattr(f, '__name__', 'f')}"
    fn = f
    for k in range(order):
        value, grads = _engine_grads(fn, args, diff)
        _check_value(fn, args, value, label, tol)
        _compare(fn, args, diff, names, grads, label, tol, rng, directions, max_coords)
        if k + 1 < order:
            fn = _directional_gradient(fn, args, diff, rng)
            label = f"gradient of <{label}, w>"


def check_vjp(
    op: Op[Any, Any],
    x: Any,
    *,
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    directions: int = 2,
    max_coords: int = 64,
    seed: int = 0,
) -> None:
    """Check an Op's hand-written backward against finite differences of its forward.

    For a random output cotangent ``w`` (same type and shapes as ``op.run(x)[0]``), the
    backward's result ``backward(w)`` must be the gradient of ``x -> <w, op.run(x)[0]>``;
    it is compared as in [`check_grad`][optic_ad.testing._gradcheck.check_grad] (random directions, and per coordinate for
    small inputs). For an Op of several arguments (``op2``, ``op3``) pass the tuple of them.

    Args:
        op: the Op (``op.run(x) -> (y, backward)``).
        x: the point (for ``op2``/``op3``: a tuple of the arguments).
        eps: finite-difference step (default from the dtype, see `TOLERANCES`).
        rtol: relative tolerance.
        atol: absolute tolerance.
        directions: how many random directions to check.
        max_coords: check per coordinate when ``x`` has at most this many scalars.
        seed: seed of the random cotangent and directions.

    Raises:
        AssertionError: the backward is wrong, or returns a cotangent of another shape; the
            message names the Op, the path inside ``x``, both values and the error.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import testing
        >>> cube = ad.op1(lambda x: (x**3, lambda g: g * 3.0 * x**2), name="cube")
        >>> testing.check_vjp(cube, 2.0)
        >>> wrong = ad.op1(lambda x: (x**3, lambda g: g * 3.0 * x), name="wrong_cube")
        >>> testing.check_vjp(wrong, 2.0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        AssertionError: check_vjp: backward of Op 'wrong_cube' is wrong at x
        ...
    """
    tol = _tolerance((x,), eps, rtol, atol)
    rng = np.random.default_rng(seed)
    _require_visible(x, "x", "check_vjp")
    y, back = op.run(x)
    _require_visible(y, "output", "check_vjp")
    if not leaves(y):
        msg = f"check_vjp: Op '{op.name}' has no floating-point output to check"
        raise ValueError(msg)
    w = map_float_leaves(y, lambda leaf: _random_like(leaf.value, rng))
    ct = back(w)

    def phi(x_: Any) -> float:
        return _inner(w, op.run(x_)[0])

    _compare(
        phi,
        (x,),
        [0],
        ["x"],
        [ct],
        f"backward of Op '{op.name}'",
        tol,
        rng,
        directions,
        max_coords,
        check="check_vjp",
    )


# ----- comparing an analytic gradient with central differences -----


class _Entry(NamedTuple):
    arg: int  # position in args
    leaf: Leaf
    grad: np.ndarray[Any, Any]  # the analytic gradient of the leaf, as float64


def _compare(
    f: Callable[..., Any],
    args: Sequence[Any],
    diff: Sequence[int],
    names: Sequence[str],
    grads: Sequence[Any],
    label: str,
    tol: Tolerance,
    rng: np.random.Generator,
    directions: int,
    max_coords: int,
    check: str = "check_grad",
) -> None:
    entries = _entries(args, diff, names, grads, label, check)
    probe = _Probe(f, args, tol)
    total = sum(e.grad.size for e in entries)
    if total <= max_coords:
        worst = _worst_coordinate(probe, entries, range(len(entries)), None)
        if worst is not None:
            raise AssertionError(_message(check, label, worst, tol))
    for _ in range(directions):
        dirs = {i: _random_like(e.leaf.value, rng) for i, e in enumerate(entries)}
        _normalize(dirs)
        res = probe.directional(entries, dirs)
        if not res.ok:
            raise AssertionError(_message(check, label, _locate(probe, entries, rng, res), tol))


class _Result(NamedTuple):
    analytic: float
    numeric: float
    allowed: float  # tolerance plus round-off allowance
    where: str  # a path, or "a random direction in <path>"

    @property
    def ok(self) -> bool:
        return abs(self.analytic - self.numeric) <= self.allowed

    @property
    def excess(self) -> float:
        return abs(self.analytic - self.numeric) / self.allowed if self.allowed > 0 else np.inf


class _Probe:
    """Evaluates the plain function at perturbed points and compares."""

    def __init__(self, f: Callable[..., Any], args: Sequence[Any], tol: Tolerance) -> None:
        self.f = f
        self.args = list(args)
        self.tol = tol

    def directional(
        self, entries: Sequence[_Entry], dirs: dict[int, np.ndarray[Any, Any]], where: str = ""
    ) -> _Result:
        t = self.tol.eps
        plus, dplus = self._moved(entries, dirs, t)
        minus, dminus = self._moved(entries, dirs, -t)
        fp, fm = _scalar(self.f(*plus)), _scalar(self.f(*minus))
        # the step actually taken, after rounding to each leaf's dtype
        analytic = 0.0
        for i in dirs:
            step = (dplus[i] - dminus[i]) / (2.0 * t)
            analytic += float(np.vdot(entries[i].grad, step))
        numeric = (fp - fm) / (2.0 * t)
        # round-off of f comes from its least precise input, perturbed or not
        macheps = float(np.finfo(_least_precise([e.leaf.value for e in entries])).eps)
        noise = _NOISE * macheps * max(abs(fp), abs(fm)) / (2.0 * t)
        allowed = self.tol.atol + self.tol.rtol * max(abs(analytic), abs(numeric)) + noise
        return _Result(analytic, numeric, allowed, where)

    def _moved(
        self, entries: Sequence[_Entry], dirs: dict[int, np.ndarray[Any, Any]], t: float
    ) -> tuple[list[Any], dict[int, np.ndarray[Any, Any]]]:
        by_arg: dict[int, dict[tuple[Step, ...], int]] = {}
        for i in dirs:
            by_arg.setdefault(entries[i].arg, {})[entries[i].leaf.steps] = i
        deltas: dict[int, np.ndarray[Any, Any]] = {}
        out = list(self.args)
        for k, where in by_arg.items():

            def move(leaf: Leaf, where: dict[tuple[Step, ...], int] = where) -> Any:
                i = where.get(leaf.steps)
                if i is None:
                    return leaf.value
                new = _add_scaled(leaf.value, dirs[i], t)
                deltas[i] = np.asarray(new, np.float64) - np.asarray(leaf.value, np.float64)
                return new

            out[k] = map_float_leaves(self.args[k], move)
        return out, deltas


def _worst_coordinate(
    probe: _Probe, entries: Sequence[_Entry], which: Sequence[int], budget: int | None
) -> _Result | None:
    """The worst failing coordinate among ``entries[which]`` (``None``: all pass)."""
    worst: _Result | None = None
    for i in which:
        e = entries[i]
        shape = np.shape(e.leaf.value)
        size = int(np.prod(shape))
        flat = range(size)
        if budget is not None and size > budget:
            # the largest analytic entries first: a wrong rule shows there most clearly
            order = np.argsort(-np.abs(e.grad.ravel()), kind="stable")
            flat = order[:budget].tolist()
        for j in flat:
            one_hot = np.zeros(size)
            one_hot[j] = 1.0
            index = tuple(int(n) for n in np.unravel_index(j, shape)) if shape else ()
            where = e.leaf.path + ("[" + ", ".join(map(str, index)) + "]" if index else "")
            res = probe.directional(entries, {i: one_hot.reshape(shape)}, where)
            if not res.ok and (worst is None or res.excess > worst.excess):
                worst = res
    return worst


def _locate(
    probe: _Probe, entries: Sequence[_Entry], rng: np.random.Generator, failed: _Result
) -> _Result:
    """Narrow a failed random direction down to a leaf, then to a coordinate."""
    worst_leaf: tuple[int, _Result] | None = None
    for i, e in enumerate(entries):
        d = {i: _random_like(e.leaf.value, rng)}
        _normalize(d)
        res = probe.directional(entries, d, f"a random direction in {e.leaf.path}")
        if not res.ok and (worst_leaf is None or res.excess > worst_leaf[1].excess):
            worst_leaf = (i, res)
    if worst_leaf is None:
        return failed._replace(where="a random direction through all arguments")
    coord = _worst_coordinate(probe, entries, [worst_leaf[0]], budget=128)
    return coord if coord is not None else worst_leaf[1]


def _message(check: str, label: str, res: _Result, tol: Tolerance) -> str:
    err = abs(res.analytic - res.numeric)
    rel = err / max(abs(res.analytic), abs(res.numeric), np.finfo(np.float64).tiny)
    at = f"along {res.where}" if res.where.startswith("a random") else f"at {res.where}"
    return (
        f"{check}: {label} is wrong {at}\n"
        f"  analytic: {res.analytic!r}\n"
        f"  numeric:  {res.numeric!r}  (central difference, eps {tol.eps:g})\n"
        f"  relative error {rel:.3g}, absolute error {err:.3g} "
        f"(allowed {res.allowed:.3g}: rtol {tol.rtol:g}, atol {tol.atol:g})"
    )


# ----- building blocks -----


def _entries(
    args: Sequence[Any],
    diff: Sequence[int],
    names: Sequence[str],
    grads: Sequence[Any],
    label: str,
    check: str,
) -> list[_Entry]:
    out: list[_Entry] = []
    for k, g in zip(diff, grads, strict=True):
        a = args[k]
        if children(a) is not None and type(g) is not type(a):
            msg = (
                f"{check}: {label} for {names[k]} is a {type(g).__qualname__}, but "
                f"{names[k]} is a {type(a).__qualname__} (a gradient has its input's type)"
            )
            raise AssertionError(msg)
        for leaf in leaves(a, names[k]):
            part = get_at(g, leaf.steps)
            shape = np.shape(leaf.value)
            ga = np.zeros(shape) if part is None else np.asarray(part, dtype=np.float64)
            if ga.shape != shape:
                msg = (
                    f"{check}: {label} at {leaf.path} has shape {ga.shape}, "
                    f"but {leaf.path} has shape {shape}"
                )
                raise AssertionError(msg)
            out.append(_Entry(k, leaf, ga))
    return out


def _engine_grads(
    f: Callable[..., Any], args: Sequence[Any], diff: Sequence[int]
) -> tuple[Any, list[Any]]:
    value, grads = backprop_n(only_args(f, args, diff), *[args[k] for k in diff])
    return value, list(grads)


def _check_value(
    f: Callable[..., Any], args: Sequence[Any], value: Any, label: str, tol: Tolerance
) -> None:
    # The engine must compute the same value as a plain call: a wrong forward inside a
    # runner (say, a nested one) would otherwise hide behind a right-looking gradient.
    engine, plain = _scalar(value), _scalar(f(*args))
    if abs(engine - plain) > tol.atol + tol.rtol * max(abs(engine), abs(plain)):
        of = label.removeprefix("gradient of ")
        msg = (
            f"check_grad: the value of {of} differs between the engine and a plain call\n"
            f"  engine: {engine!r}\n  plain:  {plain!r}"
        )
        raise AssertionError(msg)


def _directional_gradient(
    f: Callable[..., Any], args: Sequence[Any], diff: Sequence[int], rng: np.random.Generator
) -> Callable[..., Any]:
    """``x -> <grad f(x), w>`` for a random ``w``: its gradient is the Hessian times ``w``.

    Written with the engine (a nested runner and lifted optic access), so it can itself
    be differentiated by the engine and evaluated on plain values.
    """
    ws = [(k, leaf.steps, _random_like(leaf.value, rng)) for k in diff for leaf in leaves(args[k])]

    def h(*xs: Any) -> Any:
        _, grads = backprop_n(only_args(f, xs, diff), *[xs[k] for k in diff])
        by_arg = dict(zip(diff, grads, strict=True))
        total: Any = 0.0
        for k, steps, w in ws:
            part = _view_at(by_arg[k], steps)
            if part is not None:
                total = total + _sum(part * w)
        return total

    h.__name__ = h.__qualname__ = getattr(f, "__name__", "f")
    return h


def _sum(x: Any) -> Any:
    from optic_ad import numpy as anp

    return anp.sum(x) if np.ndim(_plain(x)) else x


def _plain(x: Any) -> Any:
    while type(x) is BVar:
        x = x.value
    return x


def _view_at(x: Any, steps: Sequence[Step]) -> Any:
    """The part of ``x`` at ``steps``, recorded when ``x`` is a BVar of a structure."""
    for step in steps:
        if type(x) is BVar:
            if step[0] == "key" and step[1] not in _plain(x):
                return None
            x = view_var(_step_lens(step), x)
        else:
            x = get_at(x, [step])
            if x is None:
                return None
    return x


def _step_lens(step: Step) -> Lens[Any, Any]:
    kind, s = step

    def get(whole: Any) -> Any:
        return getattr(whole, s) if kind == "attr" else get_at(whole, [step])

    def put(whole: Any, part: Any) -> Any:
        kids = children(whole) or []
        return rebuild(whole, [part if st == step else c for st, c in kids])

    return Lens(get, put, name=f".{s}" if kind == "attr" else f"[{s!r}]")


def _inner(a: Any, b: Any) -> float:
    """``<a, b>`` over the floating leaves of ``a`` (``b`` has the same structure)."""
    total = 0.0
    for leaf in leaves(a):
        part = get_at(b, leaf.steps)
        if part is not None:
            total += float(np.vdot(np.asarray(leaf.value, np.float64), np.asarray(part)))
    return total


def _scalar(v: Any) -> float:
    v = _plain(v)
    if np.ndim(v) != 0:
        msg = f"check_grad needs a scalar-valued function; it returned shape {np.shape(v)}"
        raise TypeError(msg)
    return float(np.asarray(v))


def _random_like(x: Any, rng: np.random.Generator) -> np.ndarray[Any, Any]:
    out: np.ndarray[Any, Any] = np.asarray(rng.standard_normal(np.shape(x)))
    return out


def _normalize(dirs: dict[int, np.ndarray[Any, Any]]) -> None:
    norm = float(np.sqrt(sum(float(np.vdot(d, d)) for d in dirs.values())))
    for i in dirs:
        dirs[i] = dirs[i] / (norm or 1.0)


def _add_scaled(x: Any, d: np.ndarray[Any, Any], t: float) -> Any:
    if type(x) is float:
        return float(x + t * float(d))
    if isinstance(x, np.floating):
        return x.dtype.type(x + t * float(d))
    return np.asarray(x + t * d, dtype=x.dtype)


def _least_precise(values: Sequence[Any]) -> np.dtype[Any]:
    dtypes = [np.dtype(np.float64) if type(v) is float else np.asarray(v).dtype for v in values]
    return min(dtypes, key=lambda d: np.finfo(d).bits) if dtypes else np.dtype(np.float64)


def _tolerance(
    args: Sequence[Any], eps: float | None, rtol: float | None, atol: float | None
) -> Tolerance:
    vals = [leaf.value for a in args for leaf in leaves(a)]
    base = TOLERANCES.get(_least_precise(vals), TOLERANCES[np.dtype(np.float64)])
    return Tolerance(
        base.eps if eps is None else eps,
        base.rtol if rtol is None else rtol,
        base.atol if atol is None else atol,
    )


def _arg_names(f: Callable[..., Any], n: int) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names: list[str] = []
    for i in range(n):
        if i < len(params) and params[i].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            names.append(params[i].name)
        else:
            names.append(f"args[{i}]")
    return names


_CONSTANT_LEAVES = (int, bool, str, bytes, type(None))


def _require_visible(x: Any, root: str, who: str) -> None:
    """Refuse leaves the kit cannot look inside: checking around them would pass anything."""
    for leaf in leaves(x, root, only_float=False):
        v = leaf.value
        if is_float_leaf(v) or isinstance(v, _CONSTANT_LEAVES):
            continue
        if isinstance(v, np.ndarray | np.generic) and not np.issubdtype(v.dtype, np.inexact):
            continue  # integer arrays are constants, like ints
        name = type(v).__qualname__
        msg = (
            f"{who}: cannot look inside {leaf.path} of type {name}, so its gradient cannot "
            f"be checked; describe its parts with testing.register_leaves({name}, "
            "parts, rebuild)"
        )
        raise TypeError(msg)
