"""Optimisers over any registered type: SGD, momentum and Adam, and a training loop.

Goal's gradient pursuit, for the values ``optic_ad`` differentiates: the parameters may
be a float, an array, a tuple, list or dict of them, an attrs class, a dataclass, a
NamedTuple or a ``T2``/``T3``/``HList`` (nested freely), and the gradient from
[`optic_ad.grad_bp`][optic_ad.runners.grad_bp] has the same structure. An optimiser is a pair of pure functions:

* ``init(params) -> state`` -- the optimiser's state (moments shaped like ``params``);
* ``update(grads, state, params) -> (params, state)`` -- one step; nothing is mutated,
  and the new parameters have the type of the old ones.

The arithmetic happens leaf by leaf, on floats, numpy arrays and scalars, and other
registered types (which must support ``+ - * /`` with numbers and ``** 0.5``); the
containers around the leaves are rebuilt as they were (without running user code), and
each leaf keeps its type, shape and dtype. Static leaves (``int``, ``bool``, ``str``,
``None``, enums, integer arrays) are constants, as in the engine: they pass through
unchanged.

Examples:
    >>> import numpy as np, optic_ad as ad
    >>> from optic_ad import optim
    >>> opt = optim.adam(0.1)
    >>> params = {"w": np.array([1.0, -2.0]), "b": 0.5}
    >>> state = opt.init(params)
    >>> loss = lambda p: (p["w"] * p["w"]).sum() + p["b"] * p["b"]
    >>> for _ in range(200):
    ...     params, state = opt.update(ad.grad_bp(loss, params), state, params)
    >>> bool(loss(params) < 1e-3)
    True
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import attrs
import numpy as np

from optic_ad import structure
from optic_ad.registry import zero
from optic_ad.runners import backprop

__all__ = [
    "Adam",
    "AdamState",
    "Momentum",
    "Optimizer",
    "Sgd",
    "adam",
    "fit",
    "momentum",
    "sgd",
    "tree_map",
]

P = TypeVar("P")
B = TypeVar("B")
St = TypeVar("St")


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` to the numeric leaves of ``tree`` (and the matching leaves of ``rest``).

    The structure comes from ``tree`` ([`optic_ad.structure.tree_map`][optic_ad.structure.tree_map]): records,
    tuples, lists, dicts, ``T2``/``T3``/``HList`` are rebuilt as they were without running
    user code; numeric leaves (floats, float arrays and scalars, registered types) go
    through ``fn``; static leaves (``int``, ``str``, ``bool``, ``None``, enums, integer
    arrays) are kept from ``tree``.

    Args:
        fn: ``(leaf, *matching_leaves) -> new leaf``.
        tree: the value giving the structure.
        *rest: values of the same structure as ``tree``.

    Returns:
        A value of the type and structure of ``tree``.

    Raises:
        TypeError: a part of ``tree`` has no Backprop instance (the registry's message).
        ValueError: a sequence in ``rest`` has a different length.

    Examples:
        >>> from optic_ad.optim import tree_map
        >>> tree_map(lambda a, b: a + b, {"x": (1.0, [2.0]), "n": 3}, {"x": (10.0, [20.0]), "n": 3})
        {'x': (11.0, [22.0]), 'n': 3}
    """
    return structure.tree_map(fn, tree, *rest, what="tree_map")


def _like(p: Any, new: Any) -> Any:
    # Keep each leaf's type, shape and dtype: a float parameter whose gradient came back
    # as a numpy scalar stays a float, a float32 array stays float32, and a gradient that
    # would broadcast a parameter to another shape is an error rather than a silent reshape.
    tp = type(p)
    if type(new) is tp:
        if tp is np.ndarray and (new.shape != p.shape or new.dtype != p.dtype):
            if new.shape != p.shape:
                msg = f"optimiser: a step of shape {new.shape} for a parameter of shape {p.shape}"
                raise ValueError(msg)
            return new.astype(p.dtype)
        return new
    if tp is float or issubclass(tp, np.generic):
        if np.ndim(new) != 0:
            msg = f"optimiser: a step of shape {np.shape(new)} for a scalar parameter"
            raise ValueError(msg)
        return tp(new)
    if tp is np.ndarray:
        return _like(p, np.asarray(new))
    return new


class Optimizer(Generic[St]):
    """Base class of the optimisers: ``init`` and a pure ``update``.

    ``St`` is the kind of state (``None`` for SGD, the velocity for momentum,
    [`AdamState`][optic_ad.optim.AdamState] for Adam). Subclasses implement `init` and `update`.
    """

    def init(self, params: Any) -> St:
        """The initial state for ``params``."""
        raise NotImplementedError

    def update(self, grads: P, state: St, params: P) -> tuple[P, St]:
        """One step: new parameters (the type of ``params``) and new state."""
        raise NotImplementedError


@attrs.frozen
class Sgd(Optimizer[None]):
    """Plain gradient descent: ``p - lr * g``. Its state is ``None``.

    Examples:
        >>> from optic_ad import optim
        >>> opt = optim.sgd(0.1)
        >>> opt.update((1.0, 2.0), opt.init((0.0, 0.0)), (0.0, 0.0))
        ((-0.1, -0.2), None)
    """

    lr: float

    def init(self, params: Any) -> None:
        """SGD keeps no state."""
        return None

    def update(self, grads: P, state: None, params: P) -> tuple[P, None]:
        """``params - lr * grads``, leaf by leaf."""
        lr = self.lr

        def step(p: Any, g: Any) -> Any:
            return _like(p, p - lr * g)

        return tree_map(step, params, grads), None


@attrs.frozen
class Momentum(Optimizer[Any]):
    """Gradient descent with (classical, heavy-ball) momentum.

    The state is a velocity shaped like the parameters, starting at zero:
    ``v <- mass * v - lr * g``, then ``p <- p + v`` (Goal's momentum step).

    Examples:
        >>> from optic_ad import optim
        >>> opt = optim.momentum(0.1, mass=0.5)
        >>> p, v = opt.update(1.0, opt.init(0.0), 0.0)
        >>> p, v = opt.update(1.0, v, p)
        >>> round(p, 10), round(v, 10)
        (-0.25, -0.15)
    """

    lr: float
    mass: float = 0.9

    def init(self, params: P) -> P:
        """A zero velocity, shaped like ``params``."""
        return tree_map(zero, params)  # type: ignore[no-any-return]

    def update(self, grads: P, state: Any, params: P) -> tuple[P, Any]:
        """One momentum step."""
        lr, mass = self.lr, self.mass

        def vel(v: Any, g: Any) -> Any:
            return _like(v, mass * v - lr * g)

        def step(p: Any, v: Any) -> Any:
            return _like(p, p + v)

        velocity = tree_map(vel, state, grads)
        return tree_map(step, params, velocity), velocity


@attrs.frozen
class AdamState(Generic[P]):
    """Adam's state: the step count and the two moment estimates, shaped like the params."""

    step: int
    mu: P
    nu: P


@attrs.frozen
class Adam(Optimizer[AdamState[Any]]):
    """Adam (Kingma & Ba, 2015), element-wise on every leaf.

    With ``t`` the step number (from 1): ``m <- b1 m + (1 - b1) g``,
    ``v <- b2 v + (1 - b2) g^2``, ``p <- p - lr m_hat / (sqrt(v_hat) + eps)`` where
    ``m_hat = m / (1 - b1^t)`` and ``v_hat = v / (1 - b2^t)``.

    Examples:
        >>> from optic_ad import optim
        >>> opt = optim.adam(0.1)
        >>> p, state = opt.update(4.0, opt.init(1.0), 1.0)
        >>> round(p, 6), state.step
        (0.9, 1)
    """

    lr: float
    b1: float = 0.9
    b2: float = 0.999
    eps: float = 1e-8

    def init(self, params: P) -> AdamState[P]:
        """Step 0 and zero moments shaped like ``params``."""
        zeros = tree_map(zero, params)
        return AdamState(0, zeros, zeros)

    def update(self, grads: P, state: AdamState[Any], params: P) -> tuple[P, AdamState[Any]]:
        """One Adam step."""
        lr, b1, b2, eps = self.lr, self.b1, self.b2, self.eps
        t = state.step + 1
        c1 = 1.0 - b1**t
        c2 = 1.0 - b2**t

        def first(m: Any, g: Any) -> Any:
            return _like(m, b1 * m + (1.0 - b1) * g)

        def second(v: Any, g: Any) -> Any:
            return _like(v, b2 * v + (1.0 - b2) * (g * g))

        def step(p: Any, m: Any, v: Any) -> Any:
            return _like(p, p - lr * (m / c1) / ((v / c2) ** 0.5 + eps))

        mu = tree_map(first, state.mu, grads)
        nu = tree_map(second, state.nu, grads)
        return tree_map(step, params, mu, nu), AdamState(t, mu, nu)


def sgd(lr: float) -> Sgd:
    """Plain gradient descent with learning rate ``lr`` (see [`Sgd`][optic_ad.optim.Sgd])."""
    return Sgd(lr)


def momentum(lr: float, mass: float = 0.9) -> Momentum:
    """Gradient descent with momentum ``mass`` (see [`Momentum`][optic_ad.optim.Momentum])."""
    return Momentum(lr, mass)


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Adam:
    """Adam with step size ``lr`` and the paper's defaults (see [`Adam`][optic_ad.optim.Adam])."""
    return Adam(lr, b1, b2, eps)


def _on_batch(loss: Callable[[Any, B], Any], batch: B, params: Any) -> Any:
    return loss(params, batch)


def fit(
    loss: Callable[[Any, B], Any],
    params: P,
    batches: Iterable[B] | Callable[[int], Iterable[B]],
    optimiser: Optimizer[Any],
    epochs: int = 1,
    *,
    verbose: bool = True,
    callback: Callable[[int, P, float], None] | None = None,
) -> tuple[P, list[float]]:
    """Train ``params`` by minimising ``loss(params, batch)`` over the batches, epoch by epoch.

    Each step differentiates ``loss`` at the current parameters on one batch
    ([`optic_ad.backprop`][optic_ad.runners.backprop]) and applies ``optimiser.update``.

    Args:
        loss: ``(params, batch) -> scalar``, written with operators, ``optic_ad.numpy``
            and optics (``params`` is a ``BVar`` during training).
        params: the starting parameters (any registered type).
        batches: a re-iterable collection of batches (a list), or a function from the
            epoch number (0-based) to that epoch's batches, e.g. to reshuffle.
        optimiser: from [`sgd`][optic_ad.optim.sgd], [`momentum`][optic_ad.optim.momentum] or [`adam`][optic_ad.optim.adam].
        epochs: number of passes over the batches.
        verbose: print one line per epoch with its mean loss and time.
        callback: called after each epoch as ``callback(epoch, params, mean_loss)``
            (``epoch`` from 1), e.g. to report a test accuracy.

    Returns:
        ``(params, history)``: the trained parameters (the type of ``params``) and the
        mean batch loss of each epoch.

    Raises:
        ValueError: an epoch has no batches, or the loss is NaN or infinite.

    Examples:
        >>> from optic_ad import optim
        >>> p, hist = optim.fit(lambda w, b: (w - b) * (w - b), 0.0, [3.0],
        ...                     optim.sgd(0.25), epochs=20, verbose=False)
        >>> round(p, 4), hist[0] > hist[-1]
        (3.0, True)
    """
    state = optimiser.init(params)
    history: list[float] = []
    for epoch in range(epochs):
        start = time.perf_counter()
        epoch_batches = batches(epoch) if callable(batches) else batches
        total, count = 0.0, 0
        for batch in epoch_batches:
            value, grads = backprop(functools.partial(_on_batch, loss, batch), params)
            value = float(value)
            if not math.isfinite(value):
                msg = f"fit: the loss is {value} at epoch {epoch + 1}, step {count + 1}"
                raise ValueError(msg)
            params, state = optimiser.update(grads, state, params)
            total += value
            count += 1
        if count == 0:
            msg = f"fit: epoch {epoch + 1} has no batches (a spent generator?)"
            raise ValueError(msg)
        mean = total / count
        history.append(mean)
        if verbose:
            took = time.perf_counter() - start
            print(
                f"epoch {epoch + 1:{len(str(epochs))}d}/{epochs}  loss {mean:.6f}  ({took:.2f} s)"
            )
        if callback is not None:
            callback(epoch + 1, params, mean)
    return params, history
