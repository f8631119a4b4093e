"""Forward mode: ``jvp``, ``linearize``, ``jacfwd`` and ``hvp``.

A forward runner records on a `ForwardTape`: each node's *tangent* (its directional
derivative along the tangents given for the inputs) is computed when the node is recorded,
from its parents' tangents, and the node's saved values are dropped at once. No backward
pass, and memory does not grow with the length of the computation.

Tangents come from the JVP rules (``tape.JVP_RULES``, kept next to each backward rule): the
operators and structural steps have their own, lifted numpy functions declare theirs on
their `Prim` (``"linear"``, ``"multilinear"``, ``"elementwise"`` or a function), and any
other rule is *transposed*: its backward rule ``u -> J^T u`` is linear in ``u`` and written
with lifted operations, so ``J t`` is the gradient in ``u`` of ``<J^T u, t>``, one small
reverse pass over the rule. So every differentiable operation, one's own ``Op`` included,
has a tangent, and agrees with its gradient by construction.

Tangent rules are written with lifted operations, like backward rules: forward mode nests
with itself and with reverse mode in any order (``jvp`` of ``grad`` is a Hessian-vector
product, ``grad`` of ``jvp``...), each runner on its own tape, with no perturbation
confusion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from optic_ad import numpy as anp
from optic_ad import structure
from optic_ad.bvar import BVar, assemble, ct_at, item, plain, replace_path
from optic_ad.registry import one, zero
from optic_ad.runners import (
    check_output,
    grad,
    inputs,
    like_mismatch,
    like_types,
    normalize_argnums,
)
from optic_ad.tape import JVP_RULES, NO_JVP, Rule, Sparse, Tape, backward

__all__ = ["ForwardTape", "hvp", "jacfwd", "jvp", "linearize"]

Fn = Callable[..., Any]


class ForwardTape(Tape):
    """A tape whose nodes get their tangent as they are recorded (see the module
    docstring): ``tangents[i]`` is the tangent of node ``i``."""

    __slots__ = ("tangents",)

    def __init__(self) -> None:
        super().__init__()
        self.special = True
        self.tangents: list[Any] = []

    def on_record(self, index: int, value: Any) -> None:
        nodes = self.nodes
        rule, parents, saved = nodes[index]
        assert rule is not None  # (input nodes are not recorded through here)
        tangents = self.tangents
        ts = tuple(tangents[p] for p in parents)
        tangents.append(tangent(rule, ts, saved, value))
        nodes[index] = (rule, parents, None)  # no backward pass: free the saved values


def tangent(rule: Rule, ts: tuple[Any, ...], saved: Any, value: Any) -> Any:
    """The tangent of a node ``(rule, parents, saved)`` holding ``value``, from the
    tangents ``ts`` of its parents."""
    jvp_rule = JVP_RULES.get(rule)
    if jvp_rule is not None:
        t = jvp_rule(ts, saved, value)
        if t is not NO_JVP:
            return t
    return transposed(rule, ts, saved, value)


def _pair(ct: Any, t: Any) -> Any:
    """``Re <ct, t>``: what a cotangent ``ct`` gives a tangent ``t`` (summed over a
    structure). The convention of ``optic_ad.numpy``'s complex rules: no conjugation."""
    if type(ct) is Sparse:
        return _pair_parts(ct.parts, t)
    pc = plain(ct)
    nd = structure.node(pc)
    if nd is not None:
        kids, aux = nd.flatten(pc)
        ks = nd.keys(aux, len(kids))
        total: Any = None
        for k in ks:
            if structure.is_static(structure.child(pc, k)):
                continue
            term = _pair(item(ct, k), item(t, k))
            total = term if total is None else total + term
        return total
    if structure.is_static(pc):
        return None
    p = ct * t
    if np.iscomplexobj(plain(p)):
        p = anp.real(p)
    return anp.sum(p) if np.ndim(plain(p)) else p


def _pair_parts(parts: dict[Any, Any], t: Any) -> Any:
    total: Any = None
    for k, c in parts.items():
        term = _pair(c, item(t, k))
        if term is not None:
            total = term if total is None else total + term
    return total


def transposed(rule: Rule, ts: tuple[Any, ...], saved: Any, value: Any) -> Any:
    """The tangent of a node from its backward rule alone: ``rule(u, saved)`` is ``J^T u``,
    linear in ``u``, so ``J t`` is the gradient in ``u`` of ``<J^T u, t>``."""
    pv = plain(value)
    with Tape() as m:
        u = BVar(one(pv), m)
        try:
            cts = rule(u, saved)
        except Exception as e:
            e.add_note(
                "in forward mode, transposing a backward rule (written with lifted "
                "operations it can be; else give the op a JVP rule)"
            )
            raise
        s: Any = None
        for ct, t in zip(cts, ts, strict=True):
            if ct is None:
                continue
            term = _pair(ct, t)
            if term is not None:
                s = term if s is None else s + term
        g = None
        if type(s) is BVar and s._tape is m:
            g = backward(m, s._index, one(plain(s.value)), 1)[0]
        m.nodes = []
    if g is None:
        return zero(pv)
    return _real_where_real(pv, g)


# ----- the runners -----


def floatify(x: Any) -> Any:
    """Differentiating with respect to ``1`` means with respect to ``1.0`` (and an int
    array means its float64 values)."""
    if type(x) is int:
        return float(x)
    if isinstance(x, np.ndarray) and x.dtype.kind in "biu":
        return x.astype(np.float64)
    return x


def _as_tuple(xs: Any, what: str) -> tuple[Any, ...]:
    if not isinstance(xs, tuple | list):
        msg = (
            f"jvp: {what} must be a tuple (one entry per argument of f, as in JAX); got "
            f"{type(xs).__qualname__}. Write jvp(f, (x,), (t,)) for one argument."
        )
        raise TypeError(msg)
    return tuple(xs)


def _zero_tangent(v: Any) -> Any:
    """The tangent of an output that does not depend on the inputs."""
    if type(v) is BVar:
        return zero(plain(v))
    nd = structure.node(v)
    if nd is None:
        return zero(v)
    kids, aux = nd.flatten(v)
    return nd.unflatten(aux, [_zero_tangent(c) for c in kids])


def _finish(value: Any, t: Any) -> Any:
    if type(t) is Sparse:
        t = t.dense()
    return like_types(value, _real_where_real(value, t))


def _real_where_real(value: Any, t: Any) -> Any:
    # a real output's tangent is real (an imaginary part can only be rounding's)
    nd = structure.node(value)
    if nd is None:
        if structure.is_static(value) or np.iscomplexobj(plain(value)):
            return t
        return anp.real(t) if np.iscomplexobj(plain(t)) else t
    if type(t) is BVar or type(t) is not type(value):
        return t
    kv, _ = nd.flatten(value)
    kt, aux = nd.flatten(t)
    return nd.unflatten(aux, [_real_where_real(a, b) for a, b in zip(kv, kt, strict=True)])


def jvp(f: Fn, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``f(*primals)`` and its directional derivative along ``tangents``, in one forward
    pass (JAX's ``jvp``).

    ``tangents`` has one entry per primal, of the primal's type and shape (a ``Net`` for a
    ``Net``). The result's tangent has the output's type. Costs about as much as a second
    evaluation of ``f``; nests with itself and with the reverse-mode transforms.

    Args:
        f: the function; it may take and return any registered type.
        primals: the arguments, as a tuple.
        tangents: a tangent per argument, as a tuple.

    Returns:
        ``(f(*primals), J @ tangents)``.

    Raises:
        TypeError: ``primals`` or ``tangents`` is not a tuple, or a tangent is not like
            its primal.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.jvp(anp.sin, (0.0,), (2.0,))
        (0.0, 2.0)
        >>> ad.jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
        (6.0, 3.0)
        >>> ad.jvp(lambda v: v * v, (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))
        (array([1., 4.]), array([2., 4.]))
    """
    ps = _as_tuple(primals, "primals")
    ts = _as_tuple(tangents, "tangents")
    if len(ps) != len(ts):
        msg = f"jvp: {len(ps)} primal(s) but {len(ts)} tangent(s); give one tangent each"
        raise TypeError(msg)
    for i, (x, t) in enumerate(zip(ps, ts, strict=True)):
        bad = like_mismatch(x, t, "")
        if bad is not None:
            msg = f"jvp: the tangent of argument {i} must be like the argument, {bad}"
            raise TypeError(msg)
    with ForwardTape() as tape:
        vs = inputs(tape, ps, "jvp")
        tape.tangents = [
            floatify(t) if type(v) is BVar and v._tape is tape else None
            for v, t in zip(vs, ts, strict=True)
        ]
        out = f(*vs)
        check_output(f, out, "jvp", False)
        if type(out) is not BVar and structure.node(out) is not None:
            out = assemble(out)
        if type(out) is BVar and out._tape is tape:
            value, t_out = out.value, tape.tangents[out._index]
        else:
            value, t_out = out, _zero_tangent(out)
        tape.nodes = []
        tape.tangents = []
    return value, _finish(plain(value), t_out)


def linearize(f: Fn, *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``f(*primals)`` and its linear map ``tangents -> J @ tangents`` at ``primals``.

    The map runs one forward pass per call (JAX's ``linearize`` keeps the linearised
    program; optic_ad has no trace to keep until ``compile``).

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> y, f_jvp = ad.linearize(anp.sin, 0.0)
        >>> y, f_jvp(3.0)
        (0.0, 3.0)
    """
    value, _ = jvp(f, primals, tuple(zero(floatify(plain(x))) for x in primals))

    def f_jvp(*tangents: Any) -> Any:
        return jvp(f, primals, tangents)[1]

    f_jvp.__name__ = f"linearize({getattr(f, '__name__', 'f')})"
    return value, f_jvp


def _basis(x: Any) -> list[tuple[tuple[Any, ...], tuple[int, ...], Any]]:
    """One tangent per scalar of ``x``: ``(path to the leaf, index in it, tangent)``."""
    out: list[tuple[tuple[Any, ...], tuple[int, ...], Any]] = []
    z = zero(x)

    def walk(v: Any, path: tuple[Any, ...]) -> None:
        nd = structure.node(v)
        if nd is not None:
            kids, aux = nd.flatten(v)
            for k, c in zip(nd.keys(aux, len(kids)), kids, strict=True):
                walk(c, (*path, k))
            return
        if structure.is_static(v):
            return
        shape = np.shape(v)
        for idx in np.ndindex(*shape):
            if shape:
                e: Any = np.zeros(shape)
                e[idx] = 1.0
            else:
                e = 1.0 if type(v) is float else np.ones(())
            out.append((path, idx, replace_path(z, path, e)))

    walk(x, ())
    return out


def jacfwd_at(f: Fn, x: Any) -> Any:
    """The Jacobian of ``f`` at ``x`` by forward mode (see `jacfwd`)."""
    x = floatify(x)
    px = plain(x)
    cols = _basis(px)
    outs = [jvp(f, (x,), (e,))[1] for _, _, e in cols]
    if not outs:
        return zero(px)

    def block(out_path: tuple[Any, ...], v: Any, path: tuple[Any, ...]) -> Any:
        # the derivatives of output leaf ``out_path`` by input leaf ``path`` (holding v)
        if structure.is_static(v):
            return v
        rows = [ct_at(o, out_path) for (p, _, _), o in zip(cols, outs, strict=True) if p == path]
        shape = np.shape(v)
        if not shape:
            return rows[0]
        out_shape = np.shape(plain(rows[0]))
        return anp.reshape(anp.stack(rows, axis=-1), out_shape + shape)

    def out_leaf(o: Any, out_path: tuple[Any, ...]) -> Any:
        if structure.is_static(o) and type(o) is not BVar:
            return o
        return _map_paths(lambda v, path: block(out_path, v, path), px)

    return _map_paths(out_leaf, outs[0])


def _map_paths(leaf: Callable[[Any, tuple[Any, ...]], Any], x: Any) -> Any:
    """``x`` with each leaf ``v`` at path ``p`` (its keys) replaced by ``leaf(v, p)``."""

    def walk(v: Any, path: tuple[Any, ...]) -> Any:
        nd = structure.node(v)
        if nd is None:
            return leaf(v, path)
        kids, aux = nd.flatten(v)
        ks = nd.keys(aux, len(kids))
        return nd.unflatten(aux, [walk(c, (*path, k)) for k, c in zip(ks, kids, strict=True)])

    return walk(x, ())


def jacfwd(f: Fn, argnums: int | tuple[int, ...] = 0) -> Fn:
    """The Jacobian of ``f`` by forward mode: one `jvp` per input element.

    Same result as [`jacobian`][optic_ad.higher.jacobian] (the output's structure outside,
    the input's inside, leaves of shape ``output leaf shape + input leaf shape``), cheaper
    when the input is smaller than the output.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.jacfwd(lambda t: anp.array([t, t * t, anp.sin(t)]))(0.0)
        array([1., 0., 1.])
        >>> ad.jacfwd(lambda v: v[0] * v[1])((2.0, 3.0))
        (3.0, 2.0)
    """
    return with_argnums(f, argnums, "jacfwd", jacfwd_at)


def hvp(f: Fn, x: Any, v: Any) -> Any:
    """The Hessian of a scalar-valued ``f`` at ``x`` times ``v``, forward over reverse:
    about the cost of two gradients, never forming the Hessian.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.hvp(lambda w: anp.sum(w**3), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
        array([6., 0.])
    """
    return jvp(grad(f), (x,), (v,))[1]


def with_argnums(
    f: Fn, argnums: int | tuple[int, ...], runner: str, at: Callable[[Fn, Any], Any]
) -> Fn:
    """``f``'s transform ``at`` with respect to argument ``argnums`` (a tuple: their tuple)."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def transformed(*args: Any) -> Any:
        pos = normalize_argnums(nums, len(args), runner)
        if len(set(pos)) != len(pos):
            msg = (
                f"{runner}: argnums {argnums!r} names an argument twice; give each position "
                "once (the blocks of a repeated argument are equal)"
            )
            raise ValueError(msg)
        if isinstance(argnums, int):
            (n,) = pos

            def g(v: Any) -> Any:
                full = list(args)
                full[n] = v
                return f(*full)

            g.__qualname__ = getattr(f, "__qualname__", "f")
            return at(g, args[n])

        def gt(vs: Any) -> Any:
            full = list(args)
            for k, n in enumerate(pos):
                full[n] = vs[k]
            return f(*full)

        gt.__qualname__ = getattr(f, "__qualname__", "f")
        return at(gt, tuple(args[n] for n in pos))

    transformed.__name__ = f"{runner}({getattr(f, '__name__', 'f')})"
    return transformed
