"""Runners: run a function plainly or differentiate it on a fresh tape.

Each differentiating runner makes its own :class:`~optic_ad.tape.Tape`, wraps its
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
from optic_ad.bvar import BVar
from optic_ad.registry import _record_builder, field_names, instance, zero
from optic_ad.tape import _PKG_DIR, NaNError, Tape, _is_float_error, backward

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
        return f"ndarray of shape {v.shape}"
    return type(v).__qualname__


def _is_scalar(v: Any) -> bool:
    while type(v) is BVar:
        v = v.value
    if isinstance(v, np.ndarray):
        return v.ndim == 0
    return (
        not isinstance(v, tuple | list | dict)
        and not hasattr(v, "__attrs_attrs__")
        and not (hasattr(v, "__dataclass_fields__"))
    )


def _check_scalar(fn: Fn, out: Any, runner: str) -> None:
    v = out.value if type(out) is BVar else out
    if not _is_scalar(v):
        name = getattr(fn, "__qualname__", "the function")
        extra = ""
        if isinstance(v, np.ndarray) and v.size == 1:
            extra = " Reshape it to a scalar (.reshape(()) or [0]),"
        msg = (
            f"{runner} needs a scalar output; {name} returned {_describe(v)}.{extra} Reduce it "
            "(anp.sum), or use ad.backprop_with(f, x, seed) or ad.jacobian(f)."
        )
        raise TypeError(msg)


def _inputs(tape: Tape, xs: Sequence[Any], runner: str) -> list[Any]:
    vs: list[Any] = []
    for i, x in enumerate(xs):
        if type(x) is int or type(x) is bool:
            msg = (
                f"{runner}: argument {i} is an int ({x!r}); ints are constants and get a zero "
                f"gradient. Pass a float ({float(x)!r}) to differentiate with respect to it."
            )
            warnings.warn(msg, stacklevel=4)
            # an empty input node all the same: the backward pass finds input i at node i
            tape.nodes.append((None, (), None))
            vs.append(x)
        else:
            instance(type(x.value if type(x) is BVar else x))  # fail early, naming the type
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
        vs = _inputs(tape, xs, runner)
        out = _call_debug(fn, vs) if debug_nans else fn(*vs)
        if scalar:
            _check_scalar(fn, out, runner)
        if type(out) is not BVar or out._tape is not tape:
            # the output does not depend on the arguments: every gradient is zero
            value = out
            grads: list[Any] = [None] * len(xs)
        else:
            value = out.value
            if seed is None:
                seed = _one(value)
            else:
                _check_seed(value, seed)
            if debug_nans:
                with _numpy_quiet():
                    grads = backward(tape, out._index, seed, len(xs))
            else:
                grads = backward(tape, out._index, seed, len(xs))
        tape.nodes = []  # free the tape now, even if a BVar escapes and keeps it alive
    return value, [
        zero(_plain_input(x)) if g is None else _like(x, g) for x, g in zip(xs, grads, strict=True)
    ]


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
            if not _is_float_error(e):
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
            if not code.co_filename.startswith(_PKG_DIR):
                at = f"{code.co_filename}:{line} in {code.co_name}"
                break
        break
    where = f" (called at {at})" if at else ""
    return f"op '{name or 'unknown'}'{where} produced a NaN or inf value ({e})"


_BVAR_FILE = _bvar.__file__


def _plain_input(x: Any) -> Any:
    return x.value if type(x) is BVar else x


def _like(x: Any, g: Any) -> Any:
    """``g`` with Python floats where ``x`` has them: a gradient has its input's type, but
    numpy reductions on the way back give ``np.float64`` scalars."""
    tx = type(x)
    if tx is float:
        return float(g) if type(g) is not float and type(g) is not BVar else g
    if tx is tuple or tx is list:
        if len(x) == len(g):
            return tx(_like(a, b) for a, b in zip(x, g, strict=True))
        return g
    if tx is dict:
        return {k: _like(x[k], v) if k in x else v for k, v in g.items()}
    names = field_names(tx) if tx is not np.ndarray and type(g) is tx else None
    if names and any(type(getattr(x, n)) is float for n in names):
        fixed = [_like(getattr(x, n), getattr(g, n)) for n in names]
        return _record_builder(tx)(fixed)
    return g


def _one(value: Any) -> Any:
    while type(value) is BVar:
        value = value.value
    if isinstance(value, np.ndarray):
        return np.ones_like(value, dtype=np.result_type(value, np.float64))
    if isinstance(value, np.generic):
        return value.dtype.type(1) if np.issubdtype(value.dtype, np.inexact) else 1.0
    if isinstance(value, int):
        return 1.0
    return instance(type(value)).one(value)


def _check_seed(value: Any, seed: Any) -> None:
    pv = value
    while type(pv) is BVar:
        pv = pv.value
    ps = seed.value if type(seed) is BVar else seed
    if np.shape(pv) != np.shape(ps) if _arrayish(pv) and _arrayish(ps) else not _same_kind(pv, ps):
        msg = (
            f"backprop_with: the seed must be a cotangent of the output, which is "
            f"{_describe(pv)}; got {_describe(ps)}"
        )
        raise TypeError(msg)


def _arrayish(v: Any) -> bool:
    return isinstance(v, np.ndarray | np.generic | float | int)


def _same_kind(a: Any, b: Any) -> bool:
    return type(a) is type(b) or (_arrayish(a) and _arrayish(b))


# ----- one argument -----


@overload
def eval_bp(f: Callable[[BVar[A]], BVar[Z]], x: A) -> Z: ...
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
def backprop(f: Callable[[BVar[A]], Any], x: A, *, debug_nans: bool = False) -> tuple[Any, A]: ...
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


def eval_bp2(f: Callable[[Any, Any], Z], x: Any, y: Any) -> Z:
    """Run ``f`` on ``(x, y)`` without recording anything."""
    return f(x, y)


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
    return backprop2(f, x, y, debug_nans=debug_nans)[1]


def backprop_n(f: Fn, *xs: Any, debug_nans: bool = False) -> tuple[Any, tuple[Any, ...]]:
    """``(f(*xs), gradients)`` for any number of arguments of any registered types."""
    value, gs = _run(f, xs, None, "backprop_n", debug_nans)
    return value, tuple(gs)


# ----- transforms -----


@overload
def grad(f: Fn, argnums: int = 0, *, debug_nans: bool = False) -> Fn: ...
@overload
def grad(f: Fn, argnums: tuple[int, ...], *, debug_nans: bool = False) -> Fn: ...
def grad(f: Fn, argnums: int | tuple[int, ...] = 0, *, debug_nans: bool = False) -> Fn:
    """The gradient function of a scalar-valued ``f`` with respect to argument(s) ``argnums``.

    ``grad(f)(x)`` is ``grad_bp(f, x)``; with a tuple ``argnums`` it returns a tuple of
    gradients. Nests: ``grad(grad(f))`` is the second derivative.

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


def value_and_grad(f: Fn, argnums: int | tuple[int, ...] = 0, *, debug_nans: bool = False) -> Fn:
    """Like :func:`grad`, but the returned function gives ``(f(*args), gradient)``."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def value_and_gradient(*args: Any) -> tuple[Any, Any]:
        for n in nums:
            if not -len(args) <= n < len(args):
                msg = f"grad: argnums {argnums!r} out of range for {len(args)} argument(s)"
                raise ValueError(msg)

        g = only_args(f, args, nums)
        value, gs = _run(g, [args[n] for n in nums], None, "grad", debug_nans)
        return value, gs[0] if isinstance(argnums, int) else tuple(gs)

    return value_and_gradient
