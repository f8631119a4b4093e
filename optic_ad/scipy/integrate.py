"""Lifted ``scipy.integrate``: the same names and signatures as scipy's, differentiable on BVars.

`odeint` solves with scipy forward and differentiates by the adjoint method (as
autograd does, after Froehlich et al. 2017, sec. 2.4.2): the backward pass integrates the
system augmented with the cotangents of the state, the time and the extra arguments
backwards from each output time to the one before, using VJPs of ``func`` taken with
[`optic_ad.backprop_n`][optic_ad.runners.backprop_n]. So ``func`` must be written with ``optic_ad.numpy`` (it runs on
BVars there), and this module sits above the runners.

The backward pass is itself written with `odeint` and lifted functions, so it can be
differentiated again (second derivatives through a nested adjoint solve).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.integrate

from optic_ad import numpy as anp
from optic_ad.bvar import BVar, plain
from optic_ad.extend import Prim, lift
from optic_ad.runners import backprop_n

__all__ = ["odeint"]

# solver settings that also apply to the backward (adjoint) solves
_BACKWARD_OPTIONS = ("rtol", "atol", "hmax", "hmin", "mxstep", "mxordn", "mxords")


def _has_bvar(x: Any) -> bool:
    if type(x) is BVar:
        return True
    return isinstance(x, list | tuple) and any(_has_bvar(v) for v in x)


def _flat(x: Any) -> Any:
    return anp.reshape(anp.asarray(x), (-1,))


def _differentiable(x: Any) -> bool:
    """A float or float array (or a BVar of one): an argument the adjoint carries."""
    p = plain(x)
    if type(p) is float:
        return True
    return isinstance(p, np.ndarray | np.floating) and np.issubdtype(p.dtype, np.floating)


def _plain_func(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` as scipy calls it, refusing a result that holds a BVar (``func`` closes over
    a differentiated value: its gradient would be lost)."""

    def f(*args: Any) -> Any:
        out = func(*args)
        if _has_bvar(out):
            msg = (
                "odeint: func returned a BVar on plain values, so it closes over a "
                "differentiated value; pass that value through args=(...) instead"
            )
            raise TypeError(msg)
        return out

    return f


def _augmented(func: Callable[..., Any], d: int, diff: tuple[int, ...]) -> Callable[..., Any]:
    """The adjoint system: the state ``(y, a, a_t, a_args)`` moves as ``y' = func(y, t)``,
    ``a' = -a @ dfunc/dy``, ``a_t' = -a @ dfunc/dt``, ``a_args' = -a @ dfunc/dargs``."""

    def dynamics(state: Any, t: Any, *args: Any) -> Any:
        y = anp.take_index(state, slice(0, d))
        a = anp.take_index(state, slice(d, 2 * d))
        dy = anp.asarray(func(y, t, *args))

        def weighted(yv: Any, tv: Any, *dv: Any) -> Any:
            full = list(args)
            for k, v in zip(diff, dv, strict=True):
                full[k] = v
            return anp.sum(anp.asarray(func(yv, tv, *full)) * -a)

        _, grads = backprop_n(weighted, y, t, *[args[k] for k in diff])
        return anp.concatenate([_flat(dy), *[_flat(gr) for gr in grads]])

    return dynamics


def _adjoint(
    g: Any,
    ans: Any,
    y0: Any,
    t: Any,
    args: tuple[Any, ...],
    func: Callable[..., Any],
    options: dict[str, Any],
) -> tuple[Any, ...]:
    """The cotangents of ``(y0, t, *args)`` given the output's ``g`` (``T x D``)."""
    n_t, d = anp.shape(ans)
    diff = tuple(k for k, x in enumerate(args) if _differentiable(x))
    sizes = [int(np.size(plain(args[k]))) for k in diff]
    dynamics = _augmented(func, d, diff)
    a_y = anp.take_index(g, n_t - 1)
    a_t0: Any = 0.0
    a_args: Any = np.zeros(sum(sizes))
    times: list[Any] = []
    for i in range(n_t - 1, 0, -1):
        yi, ti, gi = anp.take_index(ans, i), anp.take_index(t, i), anp.take_index(g, i)
        # moving output time t[i] moves y(t[i]) by func(y, t[i])
        now = anp.sum(anp.asarray(func(yi, ti, *args)) * gi)
        times.append(now)
        a_t0 = a_t0 - now
        start = anp.concatenate([yi, a_y, anp.reshape(a_t0, (1,)), a_args])
        span = anp.stack([ti, anp.take_index(t, i - 1)])
        back = anp.take_index(odeint(dynamics, start, span, args=args, **options), 1)
        a_y = anp.take_index(back, slice(d, 2 * d)) + anp.take_index(g, i - 1)
        a_t0 = anp.take_index(back, 2 * d)
        a_args = anp.take_index(back, slice(2 * d + 1, None))
    times.append(a_t0)
    g_t = anp.reshape(anp.stack(times[::-1]), anp.shape(t))
    g_args: list[Any] = [None] * len(args)
    at = 0
    for k, size in zip(diff, sizes, strict=True):
        g_args[k] = anp.reshape(anp.take_index(a_args, slice(at, at + size)), anp.shape(args[k]))
        at += size
    return (anp.reshape(a_y, anp.shape(y0)), g_t, *g_args)


def odeint(
    func: Callable[..., Any],
    y0: Any,
    t: Any,
    args: tuple[Any, ...] = (),
    **kwargs: Any,
) -> Any:
    """``scipy.integrate.odeint``: the solution of ``dy/dt = func(y, t, *args)`` at the
    times ``t``, differentiable in ``y0``, ``t`` and the float or array ``args``.

    Args:
        func: ``func(y, t, *args)`` written with ``optic_ad.numpy`` (``func(t, y, *args)``
            with ``tfirst=True``); it must not close over a differentiated value (pass it
            in ``args``).
        y0: the state at ``t[0]``, a float or a vector.
        t: the increasing (or decreasing) output times; ``t[0]`` is where ``y0`` holds.
        args: extra arguments of ``func``: floats and float arrays are differentiated,
            anything else is a constant.
        **kwargs: scipy's keywords (``rtol``, ``atol``, ``mxstep``, ``hmax``, ``tfirst``,
            ...). ``rtol``, ``atol``, ``hmax``, ``hmin``, ``mxstep``, ``mxordn`` and
            ``mxords`` also set the backward solves: tighten ``rtol``/``atol`` for accurate
            gradients.

    Returns:
        The ``(len(t), len(y0))`` solution: on plain inputs exactly scipy's result.

    Raises:
        NotImplementedError: ``full_output=True`` on BVars, or a ``y0`` of more than one
            dimension.
        TypeError: ``func`` returns a BVar on plain values (it closes over one).

    Examples:
        >>> import numpy as np
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> t = np.array([0.0, 1.0])
        >>> decay = lambda y, t, k: -k * y
        >>> y1 = lambda k: odeint(decay, np.array([1.0]), t, (k,), rtol=1e-12, atol=1e-12)[1, 0]
        >>> abs(float(y1(0.5)) - float(np.exp(-0.5))) < 1e-10
        True
        >>> round(float(ad.grad(y1)(0.5)), 8), round(float(-np.exp(-0.5)), 8)
        (-0.60653066, -0.60653066)
    """
    args = tuple(args)
    if not (_has_bvar(y0) or _has_bvar(t) or any(_has_bvar(a) for a in args)):
        return scipy.integrate.odeint(_plain_func(func), y0, t, args=args, **kwargs)
    if kwargs.get("full_output"):
        msg = "odeint: full_output=True is not supported on BVars"
        raise NotImplementedError(msg)
    f = func
    if kwargs.pop("tfirst", False):

        def f(y: Any, s: Any, *a: Any) -> Any:
            return func(s, y, *a)

    y0, t = anp.asarray(y0), anp.asarray(t)
    args = tuple(
        anp.asarray(a) if isinstance(a, list | tuple) and _has_bvar(a) else a for a in args
    )
    for k, a in enumerate(args):
        if type(a) is BVar and not _differentiable(a):
            msg = (
                f"odeint: args[{k}] is a BVar of {type(plain(a)).__name__}; only floats and "
                "float arrays in args are differentiated (pass the parts of a structure "
                "as separate arguments)"
            )
            raise TypeError(msg)
    if anp.ndim(y0) > 1:
        msg = f"odeint: y0 must be a float or a vector on BVars, not of shape {anp.shape(y0)}"
        raise NotImplementedError(msg)
    options = {k: v for k, v in kwargs.items() if k in _BACKWARD_OPTIONS}
    forward = _plain_func(f)
    # The backward pass runs one adjoint solve for all the arguments: the first VJP asked
    # for computes them all, the others read them (same cotangent object).
    cache: list[Any] = [None, None]

    def all_vjps(g: Any, ans: Any, y0_: Any, t_: Any, *args_: Any) -> tuple[Any, ...]:
        if cache[0] is not g:
            cache[0], cache[1] = g, _adjoint(g, ans, y0_, t_, args_, f, options)
        out: tuple[Any, ...] = cache[1]
        return out

    def vjp(i: int) -> Callable[..., Any]:
        return lambda g, ans, *xs: all_vjps(g, ans, *xs)[i]

    prim = Prim(
        "odeint",
        lambda y0_, t_, *args_: scipy.integrate.odeint(forward, y0_, t_, args=args_, **kwargs),
        [vjp(i) for i in range(2 + len(args))],
    )
    return lift(prim, (y0, t, *args), {})
