"""Runners: run a function plainly or differentiate it on a fresh tape.

Each differentiating runner makes its own `Tape`, wraps its
arguments as input BVars, calls the function once, and pulls the output's cotangent
back in one reverse pass. The gradient has the type and shape of the argument (a
``Net`` in, a ``Net`` out). Runners nest (``grad(grad(f))``): an inner runner's tape
treats BVars of outer tapes as constants, so there is no perturbation confusion.

Integer arguments are constants: they get a zero gradient (``0.0``) and a warning,
because an ``int`` cannot move along a gradient; pass ``3.0`` rather than ``3``.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

import numpy as np

from optic_ad import bvar as _bvar
from optic_ad import numpy as _anp
from optic_ad import structure
from optic_ad.bvar import BVar, assemble, item, plain
from optic_ad.registry import instance, one, zero
from optic_ad.tape import PKG_DIR, NaNError, Tape, backward, is_float_error

__all__ = [
    "backprop",
    "backprop2",
    "backprop_n",
    "backprop_with",
    "eval_bp",
    "eval_bp2",
    "grad",
    "grad_bp",
    "grad_bp2",
    "value_and_grad",
]

A = TypeVar("A")
B = TypeVar("B")
Z = TypeVar("Z")
Fn = Callable[..., Any]


def _describe(v: Any) -> str:
    if isinstance(v, np.ndarray):
        if v.dtype == object:
            return f"an object ndarray of shape {v.shape}"
        return f"ndarray of shape {v.shape}"
    return type(v).__qualname__


def _fn_name(fn: Fn) -> str:
    return getattr(fn, "__qualname__", "the function")


def _leaf_ok(v: Any) -> bool:
    # a leaf a runner can hand back: numeric, a static number or flag, or a BVar
    if type(v) is BVar:
        return True
    k = structure.kind(v)
    if k == "numeric":
        return True
    if k == "static":
        return v is not None and not isinstance(v, str | bytes)
    return False


def check_output(fn: Fn, out: Any, runner: str, scalar: bool) -> None:
    """A non-numeric output (None, a str, a generator, an object array...) is a TypeError,
    and so is a structured output given to a scalar runner."""
    v = plain(out)
    nd = structure.node(v)
    if nd is None:
        if not _leaf_ok(v):
            hint = " (a missing `return`?)" if v is None else ""
            msg = (
                f"{runner}: {_fn_name(fn)} returned {_describe(v)}{hint}; a differentiated "
                "function must return numbers: a float, an array, or a structure of them"
            )
            raise TypeError(msg)
        if scalar and isinstance(v, np.ndarray) and v.ndim:
            extra = " Reshape it to a scalar (.reshape(()) or [0])," if v.size == 1 else ""
            msg = (
                f"{runner} needs a scalar output; {_fn_name(fn)} returned {_describe(v)}."
                f"{extra} Reduce it (anp.sum), or use ad.backprop_with(f, x, seed) or "
                "ad.jacobian(f)."
            )
            raise TypeError(msg)
        if scalar and np.iscomplexobj(v):
            # the gradient of a complex output is not defined (autograd and JAX refuse too)
            msg = (
                f"{runner} needs a real scalar output; {_fn_name(fn)} returned "
                f"{_describe(v)}. Differentiate anp.real(...), anp.imag(...) or "
                "anp.abs(...) of it."
            )
            raise TypeError(msg)
        return
    if scalar:
        msg = (
            f"{runner} needs a scalar output; {_fn_name(fn)} returned {_describe(v)}. "
            "Use ad.backprop_with(f, x, seed) for a vector-Jacobian product, or "
            "ad.jacobian(f)."
        )
        raise TypeError(msg)
    for leaf in structure.leaves(v):
        if not (_leaf_ok(leaf) or structure.kind(leaf) == "static"):
            msg = (
                f"{runner}: {_fn_name(fn)} returned a {_describe(v)} holding "
                f"{_describe(leaf)}; a differentiated function must return numbers"
            )
            raise TypeError(msg)


def _is_int_like(x: Any) -> bool:
    return type(x) is int or type(x) is bool or type(x) is np.bool_


def _int_array(x: Any) -> bool:
    return type(x) is np.ndarray and x.dtype.kind in "biu"


def _is_complex(v: Any) -> bool:
    t = type(v)
    if t is float or t is BVar:
        return False
    if t is np.ndarray:
        return v.dtype.kind == "c"  # type: ignore[no-any-return]
    return t is complex or isinstance(v, np.complexfloating)


def _complex_path(x: Any, at: str) -> str | None:
    """Where ``x`` holds a complex number: ``at`` plus the keys down to it, or None."""
    v = plain(x)
    if _is_complex(v):
        return at
    nd = structure.node(v)
    if nd is None:
        return None
    kids, aux = nd.flatten(v)
    for k, c in zip(nd.keys(aux, len(kids)), kids, strict=True):
        found = _complex_path(c, f"{at}[{k!r}]")
        if found is not None:
            return found
    return None


def _refuse_complex(x: Any, i: int, runner: str) -> None:
    path = _complex_path(x, "")
    if path is None:
        return
    what = f"argument {i}" + (f" holds a complex number at {path}" if path else " is complex")
    msg = (
        f"{runner}: {what}; optic_ad differentiates real inputs only (complex intermediates "
        "are fine: anp.fft.fft, z * 1j, anp.abs(z)...). Pass the real and imaginary parts "
        "as two real arrays and build z = re + 1j * im inside the function."
    )
    raise TypeError(msg)


def real_cotangent(g: Any) -> Any:
    """The real part of the cotangent ``g`` of a real input (optic_ad's inputs are real).

    A complex intermediate (``x * 1j``, ``anp.fft.fft(x)``) may send a complex cotangent
    back to a real value; its real part is the gradient (autograd's convention), and it
    is taken once, here, at the inputs. A cotangent recorded on an outer tape (higher
    order) is projected with the lifted ``real``, so it differentiates again.
    """
    t = type(g)
    if t is float:
        return g
    if t is np.ndarray:
        return g.real.copy() if g.dtype.kind == "c" else g
    if t is BVar:
        v = plain(g)
        if _is_complex(v):
            return _anp.real(g)
        nd = structure.node(v)
        if nd is None or _complex_path(v, "") is None:
            return g
        kids, aux = nd.flatten(v)
        return assemble(
            nd.unflatten(aux, [real_cotangent(item(g, k)) for k in nd.keys(aux, len(kids))])
        )
    if t is complex or isinstance(g, np.complexfloating):
        return g.real
    nd = structure.node(g)
    if nd is None:
        return g
    kids, aux = nd.flatten(g)
    fixed = [real_cotangent(c) for c in kids]
    if all(f is c for f, c in zip(fixed, kids, strict=True)):
        return g
    return nd.unflatten(aux, fixed)


def inputs(tape: Tape, xs: Sequence[Any], runner: str) -> list[Any]:
    """Record ``xs`` as the input nodes of ``tape`` (node ``i`` is input ``i``).

    An integer array argument is differentiated as the float64 array of its values (its
    gradient is a float array); a Python ``int`` is a constant with a zero gradient. A
    complex argument (or one holding a complex number) is a ``TypeError``: optic_ad
    differentiates real inputs (complex intermediates are fine).
    """
    vs: list[Any] = []
    for i, x in enumerate(xs):
        px = plain(x)
        if type(px) is not float:
            _refuse_complex(px, i, runner)
        if _int_array(px) and type(x) is not BVar:
            x = px = px.astype(np.float64)
        if _is_int_like(px):
            msg = (
                f"{runner}: argument {i} is an int ({px!r}); ints are constants and get a zero "
                f"gradient. Pass a float ({float(px)!r}) to differentiate with respect to it."
            )
            warnings.warn(msg, stacklevel=4)
        if _is_int_like(px) or structure.kind(px) == "static":
            # an empty input node all the same: the backward pass finds input i at node i
            tape.nodes.append((None, (), None))
            vs.append(x)
        else:
            instance(type(px))  # fail early, naming the type
            vs.append(BVar(x, tape))
    return vs


def _run(
    fn: Fn,
    xs: Sequence[Any],
    seed: Any,
    runner: str,
    debug_nans: bool,
    *,
    scalar: bool = True,
) -> tuple[Any, list[Any]]:
    """Differentiate ``fn`` at ``xs``; ``seed`` is the output cotangent (``None``: one)."""
    with Tape(debug_nans=debug_nans) as tape:
        vs = inputs(tape, xs, runner)
        out = _call_debug(fn, vs) if debug_nans else fn(*vs)
        check_output(fn, out, runner, scalar)
        if type(out) is not BVar and structure.node(out) is not None:
            out = assemble(out)  # a structure holding BVars: one node for all of them
        seen: set[int] = set()
        if type(out) is not BVar or out._tape is not tape:
            # the output does not depend on the arguments: every gradient is zero
            value = out
            grads: list[Any] = [None] * len(xs)
        else:
            value = out.value
            if seed is None:
                seed = one(value)
            else:
                _check_seed(value, seed)
                seen.update(id(a) for a in structure.leaves(seed) if type(a) is np.ndarray)
            if debug_nans:
                with _numpy_quiet():
                    grads = backward(tape, out._index, seed, len(xs))
            else:
                grads = backward(tape, out._index, seed, len(xs))
        tape.nodes = []  # free the tape now, even if a BVar escapes and keeps it alive
    return value, [_finish(x, g, seen) for x, g in zip(xs, grads, strict=True)]


def _finish(x: Any, g: Any, seen: set[int]) -> Any:
    """The gradient handed to the user for input ``x``: zero where nothing reached it,
    Python floats where ``x`` has them (numpy reductions give ``np.float64`` scalars), and
    never an array object handed out twice (two inputs, or the caller's seed)."""
    px = plain(x)
    if g is None:
        if _is_int_like(px):
            return 0.0
        if _int_array(px):
            return np.zeros(px.shape)
        return zero(px)
    g = real_cotangent(g)
    if type(g) is BVar:
        return g
    return _fix(px, g, seen)


def like_types(x: Any, g: Any) -> Any:
    """``g`` (a gradient or tangent of ``x``) with Python floats where ``x`` has them."""
    return _fix(plain(x), g, set())


def _fix(x: Any, g: Any, seen: set[int]) -> Any:
    tx = type(x)
    tg = type(g)
    if tx is float:
        return g if tg is float or tg is BVar else float(g)
    if tg is np.ndarray:
        if id(g) in seen:
            return g.copy()
        seen.add(id(g))
        return g
    if tg is not tx:
        return g
    nd = structure.node(x)
    if nd is None:
        return g
    kx, _ = nd.flatten(x)
    kg, ag = nd.flatten(g)
    if len(kx) != len(kg):
        return g
    fixed = [_fix(a, b, seen) for a, b in zip(kx, kg, strict=True)]
    if all(f is b for f, b in zip(fixed, kg, strict=True)):
        return g
    return nd.unflatten(ag, fixed)


# ----- debug_nans: only reached when it is on -----


# numpy's own divide/overflow/invalid warnings would fire before the NaNError that names
# the op, so they are silenced while debugging (the NaN or inf is raised instead).
def _numpy_quiet() -> np.errstate:
    return np.errstate(divide="ignore", over="ignore", invalid="ignore")


_DUNDER_NAMES = {
    "__add__": "add",
    "__radd__": "add",
    "__sub__": "subtract",
    "__rsub__": "subtract",
    "__mul__": "multiply",
    "__rmul__": "multiply",
    "__truediv__": "divide",
    "__rtruediv__": "divide",
    "__pow__": "power",
    "__rpow__": "power",
}


def _call_debug(fn: Fn, vs: list[Any]) -> Any:
    """``fn(*vs)`` that turns Python's float errors inside an op into ``NaNError``."""
    with _numpy_quiet():
        try:
            return fn(*vs)
        except (ArithmeticError, ValueError) as e:
            if not is_float_error(e):
                raise
            raise NaNError(_forward_error(e)) from e


def _forward_error(e: BaseException) -> str:
    # Python floats raise (1.0 / 0.0, math.log(-1.0)) where numpy gives inf/nan: find the
    # innermost op in the traceback and the user's line that called it.
    frames = list(traceback.walk_tb(e.__traceback__))
    name = None
    at = None
    for k in range(len(frames) - 1, -1, -1):
        frame = frames[k][0]
        code = frame.f_code
        if code.co_filename != _BVAR_FILE:
            continue
        if code.co_name == "lift":
            name = str(getattr(frame.f_locals.get("prim"), "name", "op"))
        elif code.co_name in _DUNDER_NAMES:
            name = _DUNDER_NAMES[code.co_name]
        else:
            continue
        for frame, line in reversed(frames[:k]):
            code = frame.f_code
            if not code.co_filename.startswith(PKG_DIR):
                at = f"{code.co_filename}:{line} in {code.co_name}"
                break
        break
    where = f" (called at {at})" if at else ""
    return f"op '{name or 'unknown'}'{where} produced a NaN or inf value ({e})"


_BVAR_FILE = _bvar.__file__


def _check_seed(value: Any, seed: Any) -> None:
    where = like_mismatch(value, seed, "")
    if where is not None:
        msg = f"backprop_with: the seed must be a cotangent of the output, {where}"
        raise TypeError(msg)


def like_mismatch(value: Any, seed: Any, at: str) -> str | None:
    """Where ``seed`` (a cotangent or tangent) is not like ``value``: a phrase naming the
    place and both types, or ``None`` when it is alike (``at``: the path so far)."""
    pv, ps = plain(value), plain(seed)
    here = f" at {at}" if at else ""
    nd = structure.node(pv)
    if nd is not None:
        if type(ps) is not type(pv):
            return f"which is {_describe(pv)}{here}; got {_describe(ps)}"
        kv, av = nd.flatten(pv)
        ks, as_ = nd.flatten(ps)
        keys_v, keys_s = nd.keys(av, len(kv)), nd.keys(as_, len(ks))
        if len(kv) != len(ks) or list(keys_v) != list(keys_s):
            return (
                f"which is {_describe(pv)}{here} with keys {list(keys_v)!r}; got one with keys "
                f"{list(keys_s)!r}"
            )
        for k, a, b in zip(keys_v, kv, ks, strict=True):
            bad = like_mismatch(a, b, f"{at}[{k!r}]")
            if bad is not None:
                return bad
        return None
    if structure.kind(pv) == "static":
        return None
    if _arrayish(pv) and _arrayish(ps):
        if np.shape(pv) != np.shape(ps):
            return f"which is {_describe(pv)}{here}; got {_describe(ps)}"
        return None
    if type(pv) is not type(ps):
        return f"which is {_describe(pv)}{here}; got {_describe(ps)}"
    return None


def _arrayish(v: Any) -> bool:
    return isinstance(v, np.ndarray | np.generic | float | int | complex)


# ----- one argument -----


@overload
def eval_bp(f: Callable[[BVar[A]], BVar[Z]], x: A) -> Z: ...
@overload
def eval_bp(f: Callable[[BVar[A]], Z], x: A) -> Z: ...
@overload
def eval_bp(f: Callable[[A], Z], x: A) -> Z: ...
def eval_bp(f: Callable[[Any], Any], x: Any) -> Any:
    """Run ``f`` on ``x`` without recording anything (``f(x)``, at no extra cost).

    Functions written with operators, ``optic_ad.numpy`` and optics run unchanged on
    plain values, which is why this costs nothing.
    """
    return f(x)


@overload
def backprop(f: Callable[[BVar[A]], BVar[Z]], x: A, *, debug_nans: bool = False) -> tuple[Z, A]: ...
@overload
def backprop(f: Callable[[BVar[A]], Z], x: A, *, debug_nans: bool = False) -> tuple[Z, A]: ...
def backprop(f: Callable[[BVar[A]], Any], x: A, *, debug_nans: bool = False) -> tuple[Any, A]:
    """The value of a scalar-valued ``f`` at ``x`` and its gradient (same type as ``x``).

    Args:
        f: a function of one BVar returning a scalar BVar.
        x: the point: any registered type (float, array, tuple, dict, attrs record...).
        debug_nans: raise ``NaNError`` at the first op whose value or gradient is NaN/inf.

    Returns:
        ``(f(x), gradient)``.

    Raises:
        TypeError: the output is not a scalar (use ``backprop_with`` or ``jacobian``), or
            ``x``'s type has no Backprop instance.

    Examples:
        >>> import optic_ad as ad
        >>> ad.backprop(lambda v: v * v + 1.0, 3.0)
        (10.0, 6.0)

    See also: ``grad_bp`` (gradient only), ``backprop_n`` (several arguments),
    ``backprop_with`` (a custom output cotangent).
    """
    value, (g,) = _run(f, (x,), None, "backprop", debug_nans)
    return value, g


def grad_bp(f: Callable[[BVar[A]], Any], x: A, *, debug_nans: bool = False) -> A:
    """The gradient of a scalar-valued ``f`` at ``x``, with the type and shape of ``x``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad_bp(lambda v: anp.sum(v * v), np.array([1.0, 2.0]))
        array([2., 4.])

    See also: ``backprop`` (value too), ``grad`` (as a transform).
    """
    _, (g,) = _run(f, (x,), None, "grad_bp", debug_nans)
    return g  # type: ignore[no-any-return]


@overload
def backprop_with(
    f: Callable[[BVar[A]], BVar[Z]], x: A, seed: Z, *, debug_nans: bool = False
) -> tuple[Z, A]: ...
@overload
def backprop_with(
    f: Callable[[BVar[A]], Any], x: A, seed: Any, *, debug_nans: bool = False
) -> tuple[Any, A]: ...
def backprop_with(
    f: Callable[[BVar[A]], Any], x: A, seed: Any, *, debug_nans: bool = False
) -> tuple[Any, A]:
    """``(f(x), vjp)`` where the output cotangent is ``seed`` instead of ``one(output)``.

    ``f`` may return any registered type; ``seed`` must have the output's type and shape.
    This is a vector-Jacobian product.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> ad.backprop_with(lambda v: v * 2.0, np.array([1.0, 2.0]), np.array([1.0, 0.0]))[1]
        array([2., 0.])
    """
    value, (g,) = _run(f, (x,), seed, "backprop_with", debug_nans, scalar=False)
    return value, g


# ----- two and n arguments -----


@overload
def eval_bp2(f: Callable[[BVar[A], BVar[B]], BVar[Z]], x: A, y: B) -> Z: ...
@overload
def eval_bp2(f: Callable[[Any, Any], Z], x: Any, y: Any) -> Z: ...
def eval_bp2(f: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    """Run ``f`` on ``(x, y)`` without recording anything."""
    return f(x, y)


@overload
def backprop2(
    f: Callable[[BVar[A], BVar[B]], BVar[Z]], x: A, y: B, *, debug_nans: bool = False
) -> tuple[Z, tuple[A, B]]: ...
@overload
def backprop2(
    f: Callable[[BVar[A], BVar[B]], Z], x: A, y: B, *, debug_nans: bool = False
) -> tuple[Z, tuple[A, B]]: ...
def backprop2(
    f: Callable[[BVar[A], BVar[B]], Any], x: A, y: B, *, debug_nans: bool = False
) -> tuple[Any, tuple[A, B]]:
    """``(f(x, y), (dx, dy))`` for a scalar-valued ``f`` of two arguments."""
    value, (gx, gy) = _run(f, (x, y), None, "backprop2", debug_nans)
    return value, (gx, gy)


def grad_bp2(
    f: Callable[[BVar[A], BVar[B]], Any], x: A, y: B, *, debug_nans: bool = False
) -> tuple[A, B]:
    """``(dx, dy)``: the gradients of a scalar-valued ``f`` of two arguments."""
    _, (gx, gy) = _run(f, (x, y), None, "grad_bp2", debug_nans)
    return gx, gy


def backprop_n(f: Fn, *xs: Any, debug_nans: bool = False) -> tuple[Any, tuple[Any, ...]]:
    """``(f(*xs), gradients)`` for any number of arguments of any registered types."""
    value, gs = _run(f, xs, None, "backprop_n", debug_nans)
    return value, tuple(gs)


# ----- transforms -----


# Typing: ``Fn`` to ``Fn`` here; the mypy plugin (optic_ad.mypy) gives the exact type from
# f's signature (BVar[X] parameters become X), for every arity and argnums. Overloads
# cannot: a lambda matches several of them, and mypy then answers Any.
def grad(f: Fn, argnums: int | tuple[int, ...] = 0, *, debug_nans: bool = False) -> Fn:
    """The gradient function of a scalar-valued ``f`` with respect to argument(s) ``argnums``.

    ``grad(f)(x)`` is ``grad_bp(f, x)``; with a tuple ``argnums`` it returns a tuple of
    gradients. Nests: ``grad(grad(f))`` is the second derivative.

    Typing: with the mypy plugin (``plugins = optic_ad.mypy``) the result is typed from
    ``f``'s signature: ``grad(loss)`` on ``loss(p: BVar[Net], s: float) -> BVar[float]`` is
    ``Callable[[Net, float], Net]``, with ``argnums=(0, 1)`` it returns ``tuple[Net, float]``.
    Without the plugin, ``Callable[..., Any]``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> bool(ad.grad(ad.grad(anp.sin))(0.5) == -anp.sin(0.5))
        True
    """
    vg = value_and_grad(f, argnums, debug_nans=debug_nans)

    def gradient(*args: Any) -> Any:
        return vg(*args)[1]

    gradient.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return gradient


def only_args(f: Fn, args: Sequence[Any], nums: Sequence[int]) -> Fn:
    """``f`` as a function of the arguments at positions ``nums``, the others fixed to
    ``args`` (what ``argnums`` means)."""

    def g(*vs: Any) -> Any:
        full = list(args)
        for n, v in zip(nums, vs, strict=True):
            full[n] = v
        return f(*full)

    g.__qualname__ = getattr(f, "__qualname__", "f")
    return g


# (typed by the mypy plugin, as grad)
def value_and_grad(f: Fn, argnums: int | tuple[int, ...] = 0, *, debug_nans: bool = False) -> Fn:
    """Like [`grad`][optic_ad.runners.grad], but the returned function gives ``(f(*args), gradient)``.

    ``argnums`` may be negative (counted from the end) and may repeat a position: each
    entry gets the gradient with respect to its argument (repeats as separate copies).
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def value_and_gradient(*args: Any) -> tuple[Any, Any]:
        pos = normalize_argnums(nums, len(args), "grad")
        unique = list(dict.fromkeys(pos))
        g = only_args(f, args, unique)
        value, gs = _run(g, [args[n] for n in unique], None, "grad", debug_nans)
        by_pos = dict(zip(unique, gs, strict=True))
        out = []
        for k, n in enumerate(pos):
            out.append(by_pos[n] if n not in pos[:k] else _copy(by_pos[n]))
        return value, out[0] if isinstance(argnums, int) else tuple(out)

    return value_and_gradient


def normalize_argnums(nums: Sequence[int], n_args: int, runner: str) -> list[int]:
    """``argnums`` as non-negative positions; ``ValueError`` for one out of range."""
    out = []
    for n in nums:
        if not isinstance(n, int) or not -n_args <= n < n_args:
            shown = nums[0] if len(nums) == 1 else tuple(nums)
            msg = f"{runner}: argnums {shown!r} out of range for {n_args} argument(s)"
            raise ValueError(msg)
        out.append(n % n_args)
    return out


def _copy(g: Any) -> Any:
    return structure.tree_map(lambda a: a.copy() if type(a) is np.ndarray else a, g)
