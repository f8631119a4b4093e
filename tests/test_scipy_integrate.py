"""optic_ad.scipy.integrate.odeint: values against scipy, gradients (adjoint method) against
autograd.scipy.integrate.odeint, closed forms and finite differences, and second
derivatives (through the nested adjoint solve) against finite differences of our gradient.

The solver runs with ``rtol = atol = 1e-11`` so that the tolerances below measure the
gradient and not the solver; finite differences use a step of ``1e-4`` (their truncation
error is ~1e-8, the solver's noise divided by the step ~1e-7).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
import scipy.integrate
from hypothesis import given, settings
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.scipy import integrate
from tests.helpers import fd_jacobian, fd_partial

# (autograd.scipy has no stubs in typings/)
ag_integrate: Any = importlib.import_module("autograd.scipy.integrate")
ag_tuple: Any = importlib.import_module("autograd.builtins").tuple

TOL: dict[str, Any] = {"rtol": 1e-11, "atol": 1e-11}
EPS = 1e-4


def _odeint(m: Any) -> Callable[..., Any]:
    """``odeint`` for the numpy namespace ``m``: ours, scipy's, or autograd's (whose extra
    arguments must be an autograd tuple to be differentiated)."""
    if m is anp:
        return integrate.odeint
    if m is agnp:
        return lambda f, y0, t, args=(), **kw: ag_integrate.odeint(f, y0, t, ag_tuple(args), **kw)
    ode: Callable[..., Any] = scipy.integrate.odeint
    return ode


def forced_pendulum(m: Any) -> Callable[..., Any]:
    # depends on the state, the time and both extra arguments (a float and an array)
    def f(y: Any, t: Any, c: Any, w: Any) -> Any:
        return m.array([y[1], -m.sin(y[0]) - c * y[1] + w[0] * m.cos(w[1] * t)])

    return f


def pendulum_loss(m: Any) -> Callable[..., Any]:
    def loss(y0: Any, t: Any, c: Any, w: Any) -> Any:
        yt = _odeint(m)(forced_pendulum(m), y0, t, (c, w), **TOL)
        return m.sum(m.sin(yt) * np.arange(1.0, 1.0 + 2 * len(t)).reshape(len(t), 2))

    return loss


PENDULUM: list[Any] = [
    np.array([0.5, -0.2]),
    np.array([0.0, 0.4, 1.0, 1.7]),
    0.3,
    np.array([0.7, 1.3]),
]


def test_gradients_against_autograd_and_finite_differences() -> None:
    ours = ad.grad(pendulum_loss(anp), argnums=(0, 1, 2, 3))(*PENDULUM)
    for i, g in enumerate(ours):
        assert np.shape(g) == np.shape(PENDULUM[i])
        theirs = autograd.grad(pendulum_loss(agnp), i)(*PENDULUM)
        np.testing.assert_allclose(g, theirs, rtol=1e-8, atol=1e-10)
        fd = fd_partial(pendulum_loss(np), PENDULUM, i, eps=EPS)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)
    assert type(ours[2]) is float


def test_the_forward_on_bvars_is_scipys() -> None:
    seen: list[Any] = []

    def loss(y0: Any) -> Any:
        yt = integrate.odeint(forced_pendulum(anp), y0, PENDULUM[1], (0.3, PENDULUM[3]), **TOL)
        seen.append(yt.value)
        return anp.sum(yt)

    ad.grad(loss)(PENDULUM[0])
    expected = scipy.integrate.odeint(
        forced_pendulum(np), PENDULUM[0], PENDULUM[1], (0.3, PENDULUM[3]), **TOL
    )
    np.testing.assert_array_equal(seen[0], expected)


def test_plain_inputs_get_scipy_results() -> None:
    y0, t = PENDULUM[0], PENDULUM[1]
    args = (0.3, PENDULUM[3])
    np.testing.assert_array_equal(
        integrate.odeint(forced_pendulum(np), y0, t, args),
        scipy.integrate.odeint(forced_pendulum(np), y0, t, args),
    )
    out, info = integrate.odeint(forced_pendulum(anp), y0, t, args, full_output=True)
    assert "nfe" in info
    np.testing.assert_array_equal(out, scipy.integrate.odeint(forced_pendulum(np), y0, t, args))


def test_closed_form_linear_decay() -> None:
    # y(t) = y0 exp(-k (t - t0)): every partial derivative is known
    t = np.array([0.2, 0.7, 1.5])
    y0, k = np.array([1.5, -0.5]), 0.8

    def loss(y0: Any, t: Any, k: Any) -> Any:
        yt = integrate.odeint(lambda y, s, k: -k * y, y0, t, (k,), **TOL)
        return anp.sum(yt * np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))

    gy0, gt, gk = ad.grad(loss, argnums=(0, 1, 2))(y0, t, k)
    w = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    e = np.exp(-k * (t - t[0]))[:, None]  # (3, 1)
    np.testing.assert_allclose(gy0, np.sum(w * e, axis=0), rtol=1e-8)
    dt = -k * np.sum(w * e * y0, axis=1)  # d y(t_i) / d t_i
    expected_t = dt.copy()
    expected_t[0] = -np.sum(dt[1:])  # moving t0 shifts every later output the other way
    np.testing.assert_allclose(gt, expected_t, rtol=1e-8)
    np.testing.assert_allclose(gk, np.sum(w * e * y0 * -(t - t[0])[:, None]), rtol=1e-8)


def test_scalar_state_decreasing_times_one_time_and_tfirst() -> None:
    def loss(y0: Any, k: Any, t: Any, tfirst: bool = False) -> Any:
        if tfirst:
            yt = integrate.odeint(lambda s, y, k: -k * y * s, y0, t, (k,), tfirst=True, **TOL)
        else:
            yt = integrate.odeint(lambda y, s, k: -k * y * s, y0, t, (k,), **TOL)
        return anp.sum(anp.sin(yt))

    def loss_np(y0: Any, k: Any, t: Any) -> Any:
        return np.sum(
            np.sin(scipy.integrate.odeint(lambda y, s, k: -k * y * s, y0, t, (k,), **TOL))
        )

    for t in [np.array([1.0, 0.5, 0.0]), np.array([0.3]), np.array([0.0, 0.6, 1.1])]:
        xs: list[Any] = [0.7, 1.2, t]
        g = ad.grad(loss, argnums=(0, 1, 2))(*xs)
        assert type(g[0]) is float
        for i in range(3):
            np.testing.assert_allclose(
                g[i], fd_partial(loss_np, xs, i, eps=EPS), rtol=1e-6, atol=1e-7
            )
        gf = ad.grad(lambda y0, k, t: loss(y0, k, t, tfirst=True), argnums=(0, 1, 2))(*xs)
        for a, b in zip(g, gf, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_a_list_of_bvars_in_args() -> None:
    def loss(k: Any) -> Any:
        yt = integrate.odeint(lambda y, s, p: -p[0] * y * p[1], np.array([1.0]), t, ([k, 2.0],))
        return anp.sum(yt)

    t = np.array([0.0, 1.0])
    np.testing.assert_allclose(ad.grad(loss)(0.5), -2.0 * np.exp(-1.0), rtol=1e-6)


def test_int_arguments_are_constants() -> None:
    # an int in args is passed through (no warning about differentiating an int)
    def loss(k: Any) -> Any:
        yt = integrate.odeint(lambda y, s, k, n: -k * y**n, np.array([1.0]), [0.0, 1.0], (k, 2))
        return anp.sum(yt)

    g = ad.grad(loss)(0.5)
    np.testing.assert_allclose(g, -1.0 / (1.0 + 0.5) ** 2, rtol=1e-6)


def test_jacobian() -> None:
    t = np.array([0.0, 0.5, 1.0])

    def sol(m: Any, y0: Any) -> Any:
        return _odeint(m)(forced_pendulum(m), y0, t, (0.3, PENDULUM[3]), **TOL)

    jac = ad.jacobian(lambda y0: sol(anp, y0))(PENDULUM[0])
    assert jac.shape == (3, 2, 2)
    np.testing.assert_allclose(
        jac, autograd.jacobian(lambda y0: sol(agnp, y0))(PENDULUM[0]), rtol=1e-8, atol=1e-10
    )
    np.testing.assert_allclose(
        jac, fd_jacobian(lambda y0: sol(np, y0), [PENDULUM[0]], 0, eps=EPS), rtol=1e-6, atol=1e-7
    )


# ----- second order: the backward pass is an odeint of lifted functions -----

SMALL: list[Any] = [np.array([0.5, -0.2]), np.array([0.0, 0.6]), 0.3, np.array([0.7, 1.3])]


@pytest.mark.parametrize("i", [0, 1, 2, 3])
def test_second_order(i: int) -> None:
    loss = pendulum_loss(anp)
    hess = ad.hessian(loss, argnums=i)(*SMALL)
    g = ad.grad(loss, argnums=i)
    fd = fd_jacobian(g, SMALL, i, eps=EPS)
    np.testing.assert_allclose(hess, fd, rtol=1e-5, atol=1e-6)


def test_mixed_second_derivative() -> None:
    loss = pendulum_loss(anp)

    def dk(c: float) -> Any:
        return ad.grad(loss, argnums=0)(SMALL[0], SMALL[1], c, SMALL[3])

    mixed = ad.derivative(dk)(SMALL[2])
    fd = (dk(SMALL[2] + EPS) - dk(SMALL[2] - EPS)) / (2 * EPS)
    np.testing.assert_allclose(mixed, fd, rtol=1e-5, atol=1e-6)


# ----- random linear systems -----


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 3),
    n_t=st.integers(2, 3),
    seed=st.integers(0, 2**16),
)
def test_linear_systems(n: int, n_t: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) * 0.5
    y0 = rng.normal(size=n)
    t = np.cumsum(rng.uniform(0.2, 0.6, size=n_t))

    def loss(m: Any) -> Callable[..., Any]:
        def f(y0: Any, t: Any, a: Any) -> Any:
            yt = _odeint(m)(lambda y, s, a: m.dot(a, y), y0, t, (a,), **TOL)
            return m.sum(m.sin(yt))

        return f

    xs = [y0, t, a]
    ours = ad.grad(loss(anp), argnums=(0, 1, 2))(*xs)
    for i, g in enumerate(ours):
        np.testing.assert_allclose(g, autograd.grad(loss(agnp), i)(*xs), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(g, fd_partial(loss(np), xs, i, eps=EPS), rtol=1e-6, atol=1e-6)


# ----- errors -----


def test_errors() -> None:
    t = np.array([0.0, 1.0])

    def closing_over(k: Any) -> Any:
        return anp.sum(integrate.odeint(lambda y, s: -k * y, np.array([1.0]), t))

    with pytest.raises(TypeError, match=r"odeint: func returned a BVar.*args="):
        ad.grad(closing_over)(0.5)
    with pytest.raises(NotImplementedError, match="odeint: full_output"):
        ad.grad(lambda y0: integrate.odeint(lambda y, s: -y, y0, t, full_output=True)[0][1, 0])(
            np.ones(1)
        )
    with pytest.raises(TypeError, match=r"odeint: args\[0\] is a BVar of tuple"):
        ad.grad(
            lambda p: anp.sum(integrate.odeint(lambda y, s, p: -p[0] * y, np.ones(1), t, (p,)))
        )((0.5, 1.0))
    with pytest.raises(NotImplementedError, match="odeint: y0 must be"):
        ad.grad(lambda y0: anp.sum(integrate.odeint(lambda y, s: -y, y0, t)))(np.ones((2, 2)))


# every differentiable name of the module, with its first- and second-order tests above
ORDERS = {"odeint": ("test_gradients_against_autograd_and_finite_differences", "test_second_order")}


def test_every_name_has_first_and_second_order_cases() -> None:
    assert set(integrate.__all__) == set(ORDERS)
    for first, second in ORDERS.values():
        assert callable(globals()[first])
        assert callable(globals()[second])
