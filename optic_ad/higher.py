"""Higher order: ``derivative``, ``jacobian`` and ``hessian``, all nestable.

Each transform runs the function once on a fresh tape, then pulls the output back:

* a scalar output in one reverse pass seeded with ``one``;
* an array output of shape ``S`` in **one** reverse pass seeded with an identity of shape
  ``S + S`` (a batched seed: every rule flagged batch-safe accepts extra leading dimensions
  on its cotangent), giving ``S + input shape`` at once, when the input is an array and
  every rule on the tape is batch-safe; otherwise one reverse pass per output element,
  which is always correct;
* a structured output (tuple, dict, record, ``T2``...) leaf by leaf.

Structures are kept on both sides, as JAX's ``jacrev`` does: the result has the output's
structure, and each output leaf of shape ``S`` holds the input's structure with leaves of
shape ``S + leaf shape`` (so the Jacobian of ``T2 -> T2`` is a ``T2`` of ``T2``s, and the
Hessian of a function of a ``T2`` is a ``T2`` of ``T2``s).

Because the backward rules are written with lifted operations, a gradient computed inside
an outer runner is itself recorded there: ``hessian(f)`` is ``jacobian(grad(f))`` and
``derivative(derivative(f))`` is the second derivative, with no special code and no
perturbation confusion (each runner has its own tape).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from optic_ad import numpy as anp
from optic_ad import structure
from optic_ad.bvar import BVar, Prim, item, plain
from optic_ad.forward import floatify, jacfwd_at, with_argnums
from optic_ad.registry import one, zero
from optic_ad.runners import check_output, grad, inputs, real_cotangent
from optic_ad.tape import BATCH_SAFE_RULES, JVP_RULES, Tape, backward

__all__ = ["derivative", "hessian", "jacobian"]

Fn = Callable[..., Any]
Mode = Literal["forward", "reverse"] | None


def _batch_safe(tape: Tape) -> bool:
    safe = BATCH_SAFE_RULES
    for rule, _, saved in tape.nodes:
        if rule is None or rule in safe:
            continue
        prim = saved[0] if type(saved) is tuple and saved else None
        if getattr(prim, "batch_safe", False) is True:
            continue
        return False
    return True


def _is_array_leaf(v: Any) -> bool:
    return structure.kind(v) == "numeric" and isinstance(v, float | np.ndarray | np.generic)


def _stack(rows: list[Any], shape: tuple[int, ...]) -> Any:
    """Rows (one gradient leaf per output element) as one array of ``shape + leaf shape``."""
    if any(type(r) is BVar for r in rows):
        lead = np.shape(plain(rows[0]))
        return anp.reshape(anp.stack(rows), shape + lead)
    stacked = np.stack([np.asarray(r) for r in rows])
    return np.reshape(stacked, shape + stacked.shape[1:])


def _zeros(x: Any, shape: tuple[int, ...]) -> Any:
    """The derivative of a constant output leaf of ``shape`` with respect to ``x``."""
    if shape == ():
        return zero(x)
    return structure.tree_map(lambda a: np.zeros(shape + np.shape(plain(a))), x)


class _Puller:
    """Pull cotangents of the outputs of one tape back to its input."""

    def __init__(self, tape: Tape, x: Any) -> None:
        self.tape = tape
        self.x = plain(x)
        self.leaf_in = _is_array_leaf(self.x)
        self.batch: bool | None = None

    def back(self, out: BVar[Any], seed: Any) -> Any:
        g = backward(self.tape, out._index, seed, 1)[0]
        if g is None:
            return zero(self.x)
        return real_cotangent(g)

    def pull(self, out: Any) -> Any:
        if type(out) is BVar and out._tape is self.tape:
            v = plain(out.value)
            nd = structure.node(v)
            if nd is not None:
                kids, aux = nd.flatten(v)
                ks = nd.keys(aux, len(kids))
                return nd.unflatten(aux, [self.pull(item(out, k)) for k in ks])
            return self.pull_leaf(out, v)
        v = plain(out)
        nd = structure.node(out)
        if nd is not None:
            kids, aux = nd.flatten(out)
            return nd.unflatten(aux, [self.pull(c) for c in kids])
        if structure.kind(v) == "static" and type(out) is not BVar:
            return out
        # a constant output (plain, or recorded on an outer tape only)
        return _zeros(self.x, np.shape(v) if _is_array_leaf(v) else ())

    def pull_leaf(self, out: BVar[Any], v: Any) -> Any:
        if not (isinstance(v, complex | np.ndarray | np.generic) and np.iscomplexobj(v)):
            return self.pull_part(out, v, 1.0)
        # a complex output (the input is real): the derivatives of its real part, plus 1j
        # times those of its imaginary part (whose cotangent is -1j, see real_cotangent)
        re = self.pull_part(out, v, 1.0)
        im = self.pull_part(out, v, -1j)
        return structure.tree_map(lambda a, b: a + 1j * b, re, im)

    def pull_part(self, out: BVar[Any], v: Any, unit: float | complex) -> Any:
        if not _is_array_leaf(v) or np.ndim(v) == 0:
            return self.back(out, one(v) * unit if unit != 1.0 else one(v))
        shape: tuple[int, ...] = np.shape(v)
        if self.leaf_in and self.batched():
            n = int(np.prod(shape))
            seed: Any = np.eye(n).reshape(shape + shape)
            if unit != 1.0:
                seed = seed * unit
            g = backward(self.tape, out._index, seed, 1)[0]
            return _zeros(self.x, shape) if g is None else real_cotangent(g)
        if 0 in shape:
            return _zeros(self.x, shape)  # an empty output: nothing to pull back
        rows = []
        for i in np.ndindex(*shape):
            e = np.zeros(shape, dtype=np.result_type(unit, np.float64))
            e[i] = unit
            rows.append(self.back(out, e))
        if self.leaf_in:
            return _stack(rows, shape)
        # one gradient of the input's structure per output element: stack leaf by leaf
        return structure.tree_map(lambda a, *rs: _stack(list(rs), shape), rows[0], *rows)

    def batched(self) -> bool:
        if self.batch is None:
            self.batch = _batch_safe(self.tape)
        return self.batch


def _forward_ready(tape: Tape) -> bool:
    """Whether every op on ``tape`` has a JVP rule of its own (the automatic mode then
    takes forward mode; a transposed backward rule would cost more)."""
    rules = JVP_RULES
    for rule, _, saved in tape.nodes:
        if rule is None:
            continue
        if rule not in rules:
            return False
        prim = saved[0] if type(saved) is tuple and saved else None
        if isinstance(prim, Prim) and prim.jvp is None:
            return False
    return True


def _size(v: Any) -> int:
    """How many numbers ``v`` holds (its static leaves hold none)."""
    return builtins.sum(
        int(np.size(plain(a))) for a in structure.leaves(plain(v)) if not structure.is_static(a)
    )


def _jacobian_at(f: Fn, x: Any, runner: str, mode: Mode = None) -> Any:
    x = floatify(x)
    if mode == "forward":
        return jacfwd_at(f, x)
    with Tape() as tape:
        (vx,) = inputs(tape, [x], runner)
        out = f(vx)
        check_output(f, out, runner, False)
        # fewer inputs than outputs: a tangent per input beats a cotangent per output
        forward = mode is None and _size(x) < _size(out) and _forward_ready(tape)
        result = None if forward else _Puller(tape, x).pull(out)
        tape.nodes = []
    return jacfwd_at(f, x) if forward else result


# Typing: the mypy plugin (optic_ad.mypy) gives the exact type from f's signature
# (BVar[X] parameters and results become X); overloads cannot, as a lambda matches several.
def derivative(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The derivative of ``f``, a function of one scalar, as a function.

    The result has the structure of ``f``'s output: the derivative of each output
    component (a float for a float, an array for an array, a tuple for a tuple...).
    ``derivative`` nests to any order, and works on symbolic expressions
    (`optic_ad.symbolic`) as well as numbers. An ``int`` argument is taken as a float.

    Typing: with the mypy plugin, ``derivative(f)`` of ``f(t: BVar[float]) -> BVar[T2[float,
    Vec]]`` is ``Callable[[float], T2[float, Vec]]``; a function of plain values (``def
    cube(x: float) -> float``) or generic over ``ad.Num`` keeps its own type.

    Args:
        f: a function of one scalar (float, 0-d array or symbolic expression).

    Returns:
        ``x -> f'(x)``.

    Raises:
        TypeError: the argument is not a scalar (use [`jacobian`][optic_ad.higher.jacobian]).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.derivative(lambda x: x**3)(2.0)
        12.0
        >>> ad.derivative(ad.derivative(ad.derivative(anp.sin)))(0.0)
        -1.0
        >>> ad.derivative(lambda x: (x * x, 3.0 * x))(2.0)
        (4.0, 3.0)
    """

    def df(x: Any) -> Any:
        v = plain(x)
        if isinstance(v, np.ndarray) and v.ndim > 0:
            msg = (
                f"derivative needs a scalar argument; got an ndarray of shape {v.shape}. "
                "Use ad.jacobian(f) (or ad.grad(f) for a scalar output)."
            )
            raise TypeError(msg)
        return _jacobian_at(f, x, "derivative")

    df.__name__ = f"derivative({getattr(f, '__name__', 'f')})"
    return df


# (typed by the mypy plugin from f's signature; Fn without it)
def jacobian(f: Fn, argnums: int | tuple[int, ...] = 0, *, mode: Mode = None) -> Fn:
    """The Jacobian of ``f`` with respect to argument ``argnums``, as a function.

    For array (or float) input and output the Jacobian is an array of shape
    ``output shape + input shape``, as autograd and JAX give, computed in one reverse pass
    with a batched seed. Structures are kept on both sides, as JAX's ``jacrev`` does: the
    output's structure outside, and for each output leaf of shape ``S`` the input's
    structure inside, with leaves of shape ``S + leaf shape``. Nests
    (``jacobian(jacobian(f))``).

    Args:
        f: the function; it may return any registered type.
        argnums: which positional argument(s) to differentiate with respect to; a tuple
            differentiates with respect to the tuple of those arguments.
        mode: ``"reverse"`` (one batched reverse pass, or one per output element),
            ``"forward"`` (one forward pass per input element, as
            [`jacfwd`][optic_ad.forward.jacfwd]), or ``None``: forward when the input
            holds fewer numbers than the output, reverse otherwise. The result is the same.

    Returns:
        ``(*args) -> Jacobian``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> ad.jacobian(lambda v: v * v)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
        >>> ad.jacobian(lambda v: v[0] * v[1])((2.0, 3.0))
        (3.0, 2.0)
    """
    if mode not in (None, "forward", "reverse"):
        msg = f"jacobian: mode must be 'forward', 'reverse' or None; got {mode!r}"
        raise ValueError(msg)
    return with_argnums(f, argnums, "jacobian", lambda g, x: _jacobian_at(g, x, "jacobian", mode))


# (typed by the mypy plugin from f's signature; Fn without it)
def hessian(f: Fn, argnums: int | tuple[int, ...] = 0) -> Fn:
    """The Hessian of a scalar-valued ``f``: the Jacobian of its gradient.

    For an array argument of shape ``S`` the result has shape ``S + S``. The gradient is
    recorded while it is computed, so the Hessian costs one forward, one backward and one
    batched reverse pass over the backward.

    Args:
        f: a scalar-valued function.
        argnums: which positional argument(s) to differentiate with respect to; with a
            tuple, the Hessian is a tuple of tuples (one block per pair of arguments).

    Returns:
        ``(*args) -> Hessian``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.hessian(lambda v: anp.sum(v**3))(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
        >>> ad.hessian(lambda v: v[0] ** 2.0 * v[1])(ad.T2(2.0, 3.0))
        T2(T2(6.0, 4.0), T2(4.0, 0.0))
    """
    return with_argnums(
        f, argnums, "hessian", lambda g, x: _jacobian_at(grad(g), x, "hessian", "reverse")
    )
