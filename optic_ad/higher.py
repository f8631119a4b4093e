"""Higher order: ``derivative``, ``jacobian`` and ``hessian``, all nestable.

Each transform runs the function once on a fresh tape, then pulls the output back:

* a scalar output in one reverse pass seeded with ``one``;
* an array output of shape ``S`` in **one** reverse pass seeded with an identity of shape
  ``S + S`` (a batched seed: every rule of ``optic_ad.numpy`` and every operator rule
  accepts extra leading dimensions on its cotangent), giving ``S + input shape`` at once;
* anything else (structured outputs, structured inputs, tapes holding Ops or optic steps
  whose rules may not be batch-safe) one reverse pass per output element, which is always
  correct.

Because the backward rules are written with lifted operations, a gradient computed inside
an outer runner is itself recorded there: ``hessian(f)`` is ``jacobian(grad(f))`` and
``derivative(derivative(f))`` is the second derivative, with no special code and no
perturbation confusion (each runner has its own tape).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from optic_ad import bvar as _bvar
from optic_ad import numpy as anp
from optic_ad.bvar import BVar, Prim
from optic_ad.registry import field_names, zero
from optic_ad.runners import _inputs, _one, grad
from optic_ad.tape import Tape, backward

__all__ = ["derivative", "hessian", "jacobian"]

Fn = Callable[..., Any]

# Operator rules of BVar that are batch-safe (they broadcast g against saved values and
# unbroadcast by trailing dimensions). Looked up by name so that a rule renamed or added
# elsewhere simply falls back to the row-by-row path instead of breaking this module.
_SAFE_RULES: set[Any] = {
    getattr(_bvar, n)
    for n in (
        "_r_add",
        "_r_add1",
        "_r_sub",
        "_r_neg1",
        "_r_mul",
        "_r_mul1",
        "_r_square",
        "_r_div",
        "_r_div_num",
        "_r_div_den",
        "_r_pow_const",
        "_r_neg",
    )
    if hasattr(_bvar, n)
}
_PRIM_RULE: Any = getattr(_bvar, "_prim_rule", None)
_safe_prims: dict[Prim, bool] = {}


def _prim_is_safe(prim: Prim) -> bool:
    # The primitives of optic_ad.numpy are written (and tested) to be batch-safe; any other
    # primitive (optics, containers, user code) is not trusted with a batched seed.
    ok = _safe_prims.get(prim)
    if ok is None:
        vjps: Any = prim.vjps
        if type(vjps) is tuple:
            ok = all(v is None or getattr(v, "__module__", None) == anp.__name__ for v in vjps)
        else:
            ok = type(vjps).__module__ == anp.__name__
        _safe_prims[prim] = ok
    return ok


def _batch_safe(tape: Tape) -> bool:
    safe = _SAFE_RULES
    for rule, _, saved in tape.nodes:
        if rule is None or rule in safe:
            continue
        if rule is _PRIM_RULE and _prim_is_safe(saved[0]):
            continue
        return False
    return True


# ----- structures: the outputs of f may be tuples, dicts, records of BVars -----


def _plain(x: Any) -> Any:
    while type(x) is BVar:
        x = x.value
    return x


def _is_arraylike(v: Any) -> bool:
    return isinstance(v, float | int | np.ndarray | np.generic) and not (
        isinstance(v, np.ndarray) and v.dtype == object
    )


def _split(x: Any) -> tuple[list[Any], Callable[[list[Any]], Any]] | None:
    """The parts of a structure and how to rebuild it; ``None`` for a leaf."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        shape = x.shape

        def build_arr(parts: list[Any]) -> Any:
            out = np.empty(len(parts), dtype=object)
            out[:] = parts
            return out.reshape(shape)

        return list(x.ravel()), build_arr
    cls = type(x)
    names = field_names(cls)
    if names is not None and not isinstance(x, tuple):
        if attrs.has(cls):
            return [getattr(x, n) for n in names], lambda parts: attrs.evolve(
                x, **_init_kw(cls, names, parts)
            )
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return [getattr(x, n) for n in names], lambda parts: dataclasses.replace(
                x, **dict(zip(names, parts, strict=True))
            )
    if isinstance(x, tuple):
        if hasattr(x, "_fields"):
            return list(x), lambda parts: cls(*parts)
        return list(x), lambda parts: cls(parts)
    if isinstance(x, list):
        return list(x), lambda parts: list(parts)
    if isinstance(x, dict):
        keys = list(x)
        return [x[k] for k in keys], lambda parts: dict(zip(keys, parts, strict=True))
    return None


def _init_kw(cls: Any, names: tuple[str, ...], parts: list[Any]) -> dict[str, Any]:
    # attrs.evolve takes init argument names (a leading underscore is stripped)
    return {a.alias: p for a, p in zip(attrs.fields(cls), parts, strict=True)}


def _units(shape: tuple[int, ...]) -> list[Any]:
    out = []
    for i in np.ndindex(*shape):
        e = np.zeros(shape)
        e[i] = 1.0
        out.append(e)
    return out


def _assemble(rows: list[Any], shape: tuple[int, ...], x: Any, leaf_in: bool) -> Any:
    """Rows (one gradient per output element) as ``shape + input shape``."""
    if leaf_in:
        in_shape = np.shape(_plain(x))
        full = [zero(_plain(x)) if r is None else r for r in rows]
        if any(type(r) is BVar for r in full):
            return anp.reshape(anp.stack(full), shape + in_shape)
        return np.reshape(
            np.stack([np.asarray(r, dtype=np.float64) for r in full]), shape + in_shape
        )
    out = np.empty(len(rows), dtype=object)
    out[:] = [zero(_plain(x)) if r is None else r for r in rows]
    return out.reshape(shape)


def _zeros_for(value: Any, x: Any, leaf_in: bool) -> Any:
    """The derivative of a constant output ``value`` with respect to ``x``."""
    v = _plain(value)
    parts = _split(v)
    if parts is not None:
        items, build = parts
        return build([_zeros_for(p, x, leaf_in) for p in items])
    if not _is_arraylike(v) or np.ndim(v) == 0:
        if not _is_arraylike(v) and not _is_arraylike(_plain(x)):
            return zero(v)
        return zero(_plain(x))
    shape = np.shape(v)
    if leaf_in:
        return np.zeros(shape + np.shape(_plain(x)))
    return _assemble([None] * int(np.prod(shape)), shape, x, leaf_in)


class _Puller:
    """Pull cotangents of the outputs of one tape back to its input."""

    def __init__(self, tape: Tape, x: Any, leaf_in: bool) -> None:
        self.tape = tape
        self.x = x
        self.leaf_in = leaf_in
        self.batch: bool | None = None

    def back(self, out: BVar[Any], seed: Any) -> Any:
        return backward(self.tape, out._index, seed, 1)[0]

    def pull(self, out: Any) -> Any:
        if type(out) is BVar:
            if out._tape is self.tape:
                return self.pull_var(out)
            return _zeros_for(out, self.x, self.leaf_in)
        parts = _split(out)
        if parts is None:
            return _zeros_for(out, self.x, self.leaf_in)
        items, build = parts
        return build([self.pull(p) for p in items])

    def pull_var(self, out: BVar[Any]) -> Any:
        v = _plain(out.value)
        x, leaf_in = self.x, self.leaf_in
        if not _is_arraylike(v):
            parts = _split(v)
            if parts is None:
                # a scalar-like registered type (a symbolic expression, ...)
                return self.done(self.back(out, _one(v)))
            return self.pull_structured(out, v)
        shape: tuple[int, ...] = np.shape(v)
        if shape == ():
            return self.done(self.back(out, _one(v)))
        if leaf_in and self.batched():
            n = int(np.prod(shape))
            seed = np.eye(n).reshape(shape + shape)
            g = self.back(out, seed)
            return np.zeros(shape + np.shape(_plain(x))) if g is None else g
        rows = [self.back(out, e) for e in _units(shape)]
        return _assemble(rows, shape, x, leaf_in)

    def pull_structured(self, out: BVar[Any], v: Any) -> Any:
        # One pass per element of a structured output value: the seed is the structure's
        # zero with a single unit in it.
        leaves: list[tuple[list[int], Any]] = []
        _leaf_paths(v, [], leaves)
        results = []
        for path, leaf in leaves:
            if not _is_arraylike(leaf) or np.ndim(leaf) == 0:
                seed = _replace(zero(v), path, _one(leaf))
                results.append(self.done(self.back(out, seed)))
                continue
            shape = np.shape(leaf)
            rows = [self.back(out, _replace(zero(v), path, e)) for e in _units(shape)]
            results.append(_assemble(rows, shape, self.x, self.leaf_in))
        it = iter(results)
        return _rebuild(v, it)

    def done(self, g: Any) -> Any:
        return zero(_plain(self.x)) if g is None else g

    def batched(self) -> bool:
        if self.batch is None:
            self.batch = _batch_safe(self.tape)
        return self.batch


def _leaf_paths(v: Any, path: list[int], acc: list[tuple[list[int], Any]]) -> None:
    parts = _split(v)
    if parts is None:
        acc.append((path, v))
        return
    for i, p in enumerate(parts[0]):
        _leaf_paths(p, [*path, i], acc)


def _replace(v: Any, path: list[int], new: Any) -> Any:
    if not path:
        return new
    parts = _split(v)
    assert parts is not None
    items, build = parts
    items = list(items)
    items[path[0]] = _replace(items[path[0]], path[1:], new)
    return build(items)


def _rebuild(v: Any, it: Any) -> Any:
    parts = _split(v)
    if parts is None:
        return next(it)
    items, build = parts
    return build([_rebuild(p, it) for p in items])


def _floatify(x: Any) -> Any:
    # Differentiating with respect to 1 means with respect to 1.0.
    if type(x) is int:
        return float(x)
    if isinstance(x, np.ndarray) and not np.issubdtype(x.dtype, np.inexact) and x.dtype != object:
        return x.astype(np.float64)
    return x


def _jacobian_at(f: Fn, x: Any, runner: str) -> Any:
    x = _floatify(x)
    with Tape() as tape:
        (vx,) = _inputs(tape, [x], runner)
        out = f(vx)
        leaf_in = _is_arraylike(_plain(x))
        result = _Puller(tape, x, leaf_in).pull(out)
        tape.nodes = []
    return result


def _with_argnums(f: Fn, argnums: int, runner: str, at: Callable[[Fn, Any], Any]) -> Fn:
    def transformed(*args: Any) -> Any:
        if not -len(args) <= argnums < len(args):
            msg = f"{runner}: argnums {argnums!r} out of range for {len(args)} argument(s)"
            raise ValueError(msg)

        def g(v: Any) -> Any:
            full = list(args)
            full[argnums] = v
            return f(*full)

        g.__qualname__ = getattr(f, "__qualname__", "f")
        return at(g, args[argnums])

    transformed.__name__ = f"{runner}({getattr(f, '__name__', 'f')})"
    return transformed


def derivative(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The derivative of ``f``, a function of one scalar, as a function.

    The result has the structure of ``f``'s output: the derivative of each output
    component (a float for a float, an array for an array, a tuple for a tuple...).
    ``derivative`` nests to any order, and works on symbolic expressions
    (:mod:`optic_ad.symbolic`) as well as numbers. An ``int`` argument is taken as a float.

    Args:
        f: a function of one scalar (float, 0-d array or symbolic expression).

    Returns:
        ``x -> f'(x)``.

    Raises:
        TypeError: the argument is not a scalar (use :func:`jacobian`).

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
        v = _plain(x)
        if isinstance(v, np.ndarray) and v.ndim > 0:
            msg = (
                f"derivative needs a scalar argument; got an ndarray of shape {v.shape}. "
                "Use ad.jacobian(f) (or ad.grad(f) for a scalar output)."
            )
            raise TypeError(msg)
        return _jacobian_at(f, x, "derivative")

    df.__name__ = f"derivative({getattr(f, '__name__', 'f')})"
    return df


def jacobian(f: Fn, argnums: int = 0) -> Fn:
    """The Jacobian of ``f`` with respect to argument ``argnums``, as a function.

    For array (or float) input and output the Jacobian is an array of shape
    ``output shape + input shape``, as autograd and JAX give, computed in one reverse pass
    with a batched seed. Structures are kept: a tuple output gives a tuple of Jacobians,
    and an array output of a structured input (a tuple, a record) gives an object array
    with one input-shaped gradient per output element. Nests (``jacobian(jacobian(f))``).

    Args:
        f: the function; it may return any registered type.
        argnums: which positional argument to differentiate with respect to.

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
    return _with_argnums(f, argnums, "jacobian", lambda g, x: _jacobian_at(g, x, "jacobian"))


def hessian(f: Fn, argnums: int = 0) -> Fn:
    """The Hessian of a scalar-valued ``f``: the Jacobian of its gradient.

    For an array argument of shape ``S`` the result has shape ``S + S``. The gradient is
    recorded while it is computed, so the Hessian costs one forward, one backward and one
    batched reverse pass over the backward.

    Args:
        f: a scalar-valued function.
        argnums: which positional argument to differentiate with respect to.

    Returns:
        ``(*args) -> Hessian``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.hessian(lambda v: anp.sum(v**3))(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
    """
    return _with_argnums(f, argnums, "hessian", lambda g, x: _jacobian_at(grad(g), x, "hessian"))
