"""Higher order: derivative, jacobian, hessian and nested grad, against closed forms,
autograd (an independent implementation) and finite differences of our own first
derivatives. The table at the end takes the second derivative through every function of
optic_ad.numpy, with the batched (one-pass) Jacobian and with the row-by-row fallback.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
import optic_ad.higher as higher
from optic_ad import numpy as anp
from tests.helpers import fd_jacobian, poly_log_softmax, poly_logsumexp, poly_sigmoid, poly_softmax

Arr = NDArray[np.float64]
Case = Callable[..., Any]

finite = st.floats(-2.0, 2.0, allow_nan=False)


MODES = pytest.mark.parametrize("mode", ["batched", "rows"])


@contextlib.contextmanager
def _in(mode: str) -> Iterator[None]:
    """Use the one-pass batched Jacobian (``batched``) or the row-by-row path (``rows``)."""
    saved = higher._batch_safe
    if mode == "rows":
        higher._batch_safe = lambda tape: False
    try:
        yield
    finally:
        higher._batch_safe = saved


# ----- derivative: closed forms -----


@given(coeffs=st.lists(finite, min_size=1, max_size=6), x=finite, order=st.integers(0, 4))
def test_nested_derivative_of_polynomial(coeffs: list[float], x: float, order: int) -> None:
    def poly(v: Any) -> Any:
        acc: Any = 0.0
        for c in reversed(coeffs):
            acc = acc * v + c
        return acc

    f: Callable[[Any], Any] = poly
    for _ in range(order):
        f = ad.derivative(f)
    expected = np.polyval(np.polyder(np.array(coeffs[::-1]), order), x) if order else poly(x)
    assert f(x) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("fn", "closed"),
    [
        (anp.sin, lambda k, x: math.sin(x + k * math.pi / 2)),
        (anp.cos, lambda k, x: math.cos(x + k * math.pi / 2)),
        (anp.exp, lambda k, x: math.exp(x)),
        (lambda v: anp.sin(2.0 * v), lambda k, x: 2.0**k * math.sin(2 * x + k * math.pi / 2)),
    ],
)
@given(x=finite, order=st.integers(1, 4))
def test_nested_derivative_of_trig(fn: Case, closed: Case, x: float, order: int) -> None:
    f: Callable[[Any], Any] = fn
    for _ in range(order):
        f = ad.derivative(f)
    assert f(x) == pytest.approx(closed(order, x), rel=1e-9, abs=1e-9)


def test_third_derivative_of_sin_is_minus_cos() -> None:
    assert ad.derivative(ad.derivative(ad.derivative(anp.sin)))(0.4) == pytest.approx(
        -math.cos(0.4)
    )


def test_derivative_keeps_the_output_structure() -> None:
    @attrs.frozen
    class Out:
        a: float
        b: Arr

    def f(v: Any) -> Any:
        return (v * v, {"s": anp.sin(v), "k": 2.0}, [v * np.array([1.0, 2.0])])

    d = ad.derivative(f)(0.5)
    assert d[0] == pytest.approx(1.0)
    assert d[1]["s"] == pytest.approx(math.cos(0.5))
    assert d[1]["k"] == 0.0
    np.testing.assert_allclose(d[2][0], [1.0, 2.0])
    rec = ad.derivative(lambda v: Out(v**3, anp.exp(v * np.array([1.0, -1.0]))))(1.0)
    assert isinstance(rec, Out)
    assert rec.a == pytest.approx(3.0)
    np.testing.assert_allclose(rec.b, [math.e, -1 / math.e])


def test_derivative_of_a_bvar_of_a_tuple_output() -> None:
    # the output is one BVar whose value is a tuple: pulled back one element at a time
    d = ad.derivative(lambda v: ad.collect_var((v * v, v * np.array([1.0, 3.0]))))(2.0)
    assert d[0] == pytest.approx(4.0)
    np.testing.assert_allclose(d[1], [1.0, 3.0])


def test_derivative_of_a_constant_is_zero() -> None:
    assert ad.derivative(lambda v: 3.0)(1.0) == 0.0
    np.testing.assert_array_equal(ad.derivative(lambda v: np.ones(2))(1.0), np.zeros(2))


def test_derivative_takes_an_int_as_a_float() -> None:
    assert ad.derivative(lambda v: v * v)(3) == 6.0


def test_derivative_rejects_an_array_argument() -> None:
    with pytest.raises(TypeError, match="jacobian"):
        ad.derivative(lambda v: v)(np.ones(2))


# ----- perturbation confusion (Siskind & Pearlmutter) -----


def test_siskind_pearlmutter() -> None:
    d = ad.derivative
    assert d(lambda x: x * d(lambda y: x + y)(1.0))(1.0) == 1.0


@given(x0=finite, y0=finite)
def test_siskind_pearlmutter_variants(x0: float, y0: float) -> None:
    d = ad.derivative
    # d/dx (x * d/dy (x * y)) = d/dx x^2 = 2x
    assert d(lambda x: x * d(lambda y: x * y)(y0))(x0) == pytest.approx(2 * x0)
    # d/dx d/dy (x * y)^2 at (x, y) = 4xy
    assert d(lambda x: d(lambda y: (x * y) ** 2)(y0))(x0) == pytest.approx(4 * x0 * y0)
    # three levels: d/dx (x * d/dy (y * d/dz (x + y + z)))
    assert d(lambda x: x * d(lambda y: y * d(lambda z: x + y + z)(1.0))(y0))(x0) == 1.0
    # the same through grad with arrays
    v = np.array([x0, y0])
    g = ad.grad(lambda a: anp.sum(a * ad.grad(lambda b: anp.sum(a + b))(v)))(v)
    np.testing.assert_allclose(g, [1.0, 1.0])


# ----- nested grad, jacobian, hessian against autograd -----


def _rosen(m: Any, x: Any) -> Any:
    return m.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _mix(m: Any, x: Any) -> Any:
    return m.sum(m.sin(x) * m.exp(x[::-1] / 3.0)) + m.sum(m.tanh(x)) ** 2 - m.prod(x * 0.5 + 2.0)


vectors = st.integers(1, 5).flatmap(
    lambda n: st.lists(finite, min_size=n, max_size=n).map(lambda v: np.array(v))
)


@given(x=vectors)
def test_grad_of_norm_of_grad(x: Arr) -> None:
    ours = ad.grad(lambda v: anp.sum(ad.grad(lambda u: _mix(anp, u))(v) ** 2))(x)
    ref = autograd.grad(lambda v: agnp.sum(autograd.grad(lambda u: _mix(agnp, u))(v) ** 2))(x)
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9)


@MODES
@pytest.mark.parametrize("fn", [_rosen, _mix])
@given(x=vectors.filter(lambda v: v.size > 1))
def test_hessian_matches_autograd_and_fd(fn: Case, x: Arr, mode: str) -> None:
    with _in(mode):
        ours = ad.hessian(lambda v: fn(anp, v))(x)
    assert ours.shape == x.shape + x.shape
    np.testing.assert_allclose(
        ours, autograd.hessian(lambda v: fn(agnp, v))(x), rtol=1e-9, atol=1e-8
    )
    np.testing.assert_allclose(
        ours, fd_jacobian(ad.grad(lambda v: fn(anp, v)), [x], 0, 1e-5), rtol=1e-5, atol=1e-4
    )


def _vec(m: Any, x: Any) -> Any:
    return m.stack([m.sum(x * x), x[0] * m.sin(x[-1]), m.exp(x[0] / 2.0)])


@MODES
@given(x=vectors)
def test_jacobian_matches_autograd_and_fd(x: Arr, mode: str) -> None:
    with _in(mode):
        ours = ad.jacobian(lambda v: _vec(anp, v))(x)
    assert ours.shape == (3, *x.shape)
    np.testing.assert_allclose(ours, autograd.jacobian(lambda v: _vec(agnp, v))(x), rtol=1e-12)
    np.testing.assert_allclose(
        ours, fd_jacobian(lambda v: _vec(anp, v), [x], 0, 1e-5), rtol=1e-6, atol=1e-7
    )


@MODES
def test_jacobian_of_matrix_function_has_numpy_shape(mode: str) -> None:
    x = np.arange(6.0).reshape(2, 3) / 5.0
    with _in(mode):
        ours = ad.jacobian(lambda v: anp.tanh(v @ v.T))(x)
    assert ours.shape == (2, 2, 2, 3)
    np.testing.assert_allclose(ours, autograd.jacobian(lambda v: agnp.tanh(v @ v.T))(x))


@MODES
def test_nested_jacobian_is_a_third_order_tensor(mode: str) -> None:
    x = np.array([0.3, -0.7, 1.1])
    with _in(mode):
        ours = ad.jacobian(ad.jacobian(lambda v: anp.sin(v) * anp.sum(v**2)))(x)
    ref = autograd.jacobian(autograd.jacobian(lambda v: agnp.sin(v) * agnp.sum(v**2)))(x)
    assert ours.shape == (3, 3, 3)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_jacobian_argnums() -> None:
    j = ad.jacobian(lambda a, b: a * b, argnums=1)(np.array([2.0, 3.0]), np.array([1.0, 1.0]))
    np.testing.assert_allclose(j, np.diag([2.0, 3.0]))
    h = ad.hessian(lambda a, b: a * b**3, argnums=1)(2.0, 1.5)
    assert h == pytest.approx(2.0 * 6 * 1.5)
    with pytest.raises(ValueError, match="argnums"):
        ad.jacobian(lambda a: a, argnums=2)(1.0)  # type: ignore[argnums]  # the plugin sees it


def test_jacobian_of_tuple_input_is_a_tuple_of_columns() -> None:
    # as JAX's jacrev: the input's structure inside, each leaf of shape (3,) + leaf shape
    def sph(t: Any) -> Any:
        th, ph = t[0], t[1]
        return anp.stack([anp.cos(th) * anp.cos(ph), anp.cos(th) * anp.sin(ph), anp.sin(th)])

    th, ph = 0.3, 1.1
    j = ad.jacobian(sph)((th, ph))
    assert isinstance(j, tuple)
    assert len(j) == 2
    assert j[0].shape == (3,)
    assert j[1].shape == (3,)
    expected = [
        (-math.sin(th) * math.cos(ph), -math.cos(th) * math.sin(ph)),
        (-math.sin(th) * math.sin(ph), math.cos(th) * math.cos(ph)),
        (math.cos(th), 0.0),
    ]
    for i, exp in enumerate(expected):
        assert (j[0][i], j[1][i]) == pytest.approx(exp)


def test_hessian_of_tuple_input_is_a_tuple_of_tuples() -> None:
    h = ad.hessian(lambda t: t[0] ** 2 * t[1] + anp.sin(t[1]))((1.5, 0.5))
    assert h[0] == pytest.approx((2 * 0.5, 2 * 1.5))
    assert h[1] == pytest.approx((2 * 1.5, -math.sin(0.5)))


def test_jacobian_through_an_op_falls_back_to_rows() -> None:
    # a user Op's backward is not trusted with a batched seed; the answer must still be right
    cube = ad.op1(lambda x: (x**3, lambda g: g * 3.0 * x**2))
    x = np.array([0.5, -1.0, 2.0])
    j = ad.jacobian(lambda v: cube(v) + anp.sum(v))(x)
    np.testing.assert_allclose(j, np.diag(3 * x**2) + 1.0)


# ----- every function of optic_ad.numpy, twice differentiated -----


_W = np.array([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]])


def _gradients(m: Any, x: Any) -> Any:
    """``gradient(x, axis=0) * gradient(x, axis=1)`` of a (2, 3) array; for autograd (whose
    gradient rule fails on 2-d arrays) written out with differences and concatenate."""
    if m is anp:
        return m.gradient(x, axis=0) * m.gradient(x, axis=1)
    d0 = x[1:2] - x[0:1]
    g0 = m.concatenate([d0, d0], axis=0)
    inner = (x[:, 2:] - x[:, :-2]) / 2.0
    g1 = m.concatenate([x[:, 1:2] - x[:, 0:1], inner, x[:, 2:3] - x[:, 1:2]], axis=1)
    return g0 * g1


# (names of optic_ad.numpy covered, function of (m, x) on a (2, 3) array, lowest, highest)
SECOND: list[tuple[str, Case, float, float]] = [
    ("linspace", lambda m, x: m.linspace(x[0], x[1] * x[1], 4) * m.sin(x[1]), -1.5, 1.5),
    ("gradient", lambda m, x: _gradients(m, x), -1.5, 1.5),
    (
        "select",
        lambda m, x: (
            m.select([_W > 0.5, _W > 0.0], [m.sin(x), x * x], x**3)
            if m is anp
            else m.where(_W > 0.5, m.sin(x), m.where(_W > 0.0, x * x, x**3))  # (no select rule)
        ),
        -1.5,
        1.5,
    ),
    ("array", lambda m, x: m.array([x[0] * x[1], m.sin(x[1]), 2.0 * x[0]]), -1.5, 1.5),
    # (autograd's asarray has no VJP of its own: its array is the oracle)
    ("asarray", lambda m, x: (m.asarray if m is anp else m.array)(x) * x, -1.5, 1.5),
    ("exp", lambda m, x: m.exp(x), -1.5, 1.5),
    ("log", lambda m, x: m.log(x), 0.3, 2.0),
    ("log1p", lambda m, x: m.log1p(x), -0.5, 2.0),
    ("expm1", lambda m, x: m.expm1(x), -1.5, 1.5),
    ("sqrt", lambda m, x: m.sqrt(x), 0.3, 2.0),
    ("square", lambda m, x: m.square(x), -1.5, 1.5),
    ("abs sign", lambda m, x: m.abs(x) * x + m.sign(x) * x**3, 0.2, 1.5),
    ("abs-neg", lambda m, x: m.abs(-x) ** 3, 0.2, 1.5),
    ("sin", lambda m, x: m.sin(x), -2.0, 2.0),
    ("cos", lambda m, x: m.cos(x), -2.0, 2.0),
    ("tan", lambda m, x: m.tan(x), -1.0, 1.0),
    ("tanh", lambda m, x: m.tanh(x), -1.5, 1.5),
    ("arcsin", lambda m, x: m.arcsin(x), -0.7, 0.7),
    ("arccos", lambda m, x: m.arccos(x), -0.7, 0.7),
    ("arctan", lambda m, x: m.arctan(x), -1.5, 1.5),
    ("sinh", lambda m, x: m.sinh(x), -1.5, 1.5),
    ("cosh", lambda m, x: m.cosh(x), -1.5, 1.5),
    ("negative", lambda m, x: m.negative(x) * x, -1.5, 1.5),
    (
        "sigmoid logistic",
        lambda m, x: poly_sigmoid(m, x) * (m.logistic(x) if m is anp else poly_sigmoid(m, x)),
        -2.0,
        2.0,
    ),
    ("add subtract", lambda m, x: m.subtract(m.add(x, x[0]), x[:, :1] ** 2) * x, -1.5, 1.5),
    (
        "multiply divide",
        lambda m, x: m.divide(m.multiply(x, x[1]), x[:, 1:2] ** 2 + 1.0),
        -1.5,
        1.5,
    ),
    ("power", lambda m, x: m.power(x * x + 0.5, x[0]) + m.power(x, 3.0) + 2.0**x, -1.5, 1.5),
    ("pow-ops", lambda m, x: x**2 + x**3.0 + 1.5 / (x * x + 1.0) - x / 3.0, -1.5, 1.5),
    ("maximum minimum", lambda m, x: m.maximum(x, 0.2) * m.minimum(x[0], x[1]), -1.5, 1.5),
    (
        "where",
        lambda m, x: m.where(x > 0.1, x**2, m.sin(x)),
        -1.5,
        1.5,
    ),
    ("clip", lambda m, x: m.clip(x, -0.5, 0.7) * x, -1.5, 1.5),
    (
        "sum",
        lambda m, x: m.sum(x * x) + m.sum(x**3, axis=0) + m.sum(x, axis=-1, keepdims=True) * x,
        -1.5,
        1.5,
    ),
    ("mean", lambda m, x: m.mean(x**3) + m.mean(x * x, axis=0, keepdims=True) * x, -1.5, 1.5),
    (
        "prod",
        lambda m, x: m.prod(x) * x + m.prod(x, axis=-1, keepdims=True) * x + m.prod(x, axis=0) * x,
        0.5,
        1.5,
    ),
    ("max", lambda m, x: m.max(x**3) + m.max(x * x, axis=-1), -1.5, 1.5),
    ("min", lambda m, x: m.min(x**3) + m.min(x * x, axis=0, keepdims=True) * x, -1.5, 1.5),
    (
        "logsumexp",
        lambda m, x: poly_logsumexp(m, x) + poly_logsumexp(m, x * x, axis=-1, keepdims=True) * x,
        -1.5,
        1.5,
    ),
    ("softmax", lambda m, x: poly_softmax(m, x) + poly_softmax(m, x * x, axis=0), -1.5, 1.5),
    (
        "log_softmax",
        lambda m, x: poly_log_softmax(m, x) + poly_log_softmax(m, x**3, axis=0),
        -1.5,
        1.5,
    ),
    (
        "reshape ravel",
        lambda m, x: m.reshape(x, (3, 2)) ** 2 + m.ravel(x).reshape(3, 2) * 2.0,
        -1.5,
        1.5,
    ),
    ("transpose", lambda m, x: m.transpose(x) ** 3 + x.T * m.transpose(x, (1, 0)), -1.5, 1.5),
    (
        "expand_dims squeeze",
        lambda m, x: m.squeeze(m.expand_dims(x**2, 0)) * m.expand_dims(x, 0),
        -1.5,
        1.5,
    ),
    (
        "broadcast_to",
        lambda m, x: (
            (m.broadcast_to(x**2, (2, 2, 3)) if m is anp else x**2 * np.ones((2, 2, 3))) * x
        ),
        -1.5,
        1.5,
    ),
    (
        "unbroadcast",
        lambda m, x: (
            (m.unbroadcast(x**3, (1, 3), 2) if m is anp else m.sum(x**3, axis=0, keepdims=True)) * x
        ),
        -1.5,
        1.5,
    ),
    (
        "concatenate",
        lambda m, x: m.concatenate([x**2, m.sin(x)], axis=-1) * m.concatenate([x, x], axis=1),
        -1.5,
        1.5,
    ),
    ("stack", lambda m, x: m.stack([x**2, m.sin(x)], axis=0) * x, -1.5, 1.5),
    (
        "take take_index",
        lambda m, x: (
            (m.take(x**2, np.array([0, 0, 4])) if m is anp else m.ravel(x**2)[np.array([0, 0, 4])])
            * x[1, :]
            + x[np.array([1, 1, 0]), 2] ** 3
            + m.sum(x[..., -1] * x[:, 0])
        ),
        -1.5,
        1.5,
    ),
    (
        "matmul",
        lambda m, x: (
            m.matmul(x, m.transpose(x) ** 2)
            + m.matmul(x**2, x[0])
            + m.matmul(x[1], m.transpose(x)) * x[0, 0]
            + x[0] @ x[1] ** 2
        ),
        -1.5,
        1.5,
    ),
    (
        "dot outer",
        lambda m, x: m.dot(m.dot(x, _W.T), x) * m.dot(x[0], x[1]) + x @ m.outer(x[0] ** 2, x[1]),
        -1.5,
        1.5,
    ),
    # reductions, scans and products (issue 14)
    (
        "var std",
        lambda m, x: m.var(x, axis=0, ddof=1) * x + m.std(x, axis=-1, keepdims=True) * x,
        -1.5,
        1.5,
    ),
    ("cumsum", lambda m, x: m.cumsum(x**2, axis=1) * x + m.reshape(m.cumsum(x), (2, 3)), -1.5, 1.5),
    (
        "cumprod",
        lambda m, x: (
            (
                m.cumprod(x, axis=1)
                if m is anp
                else m.stack([m.prod(x[:, : i + 1], axis=1) for i in range(3)], axis=1)
            )
            * x
        ),
        -1.5,
        1.5,
    ),
    ("diff", lambda m, x: m.diff(x**2, axis=1) * x[:, 1:] + m.diff(x, n=2), -1.5, 1.5),
    (
        "sort partition",
        lambda m, x: m.sort(m.ravel(x) ** 2) * m.partition(m.ravel(x), 2),
        -1.5,
        1.5,
    ),
    (
        "amax amin",
        lambda m, x: m.amax(x, axis=0) * x + m.amin(x**2, axis=1, keepdims=True),
        -1.5,
        1.5,
    ),
    (
        "nansum nanmean",
        lambda m, x: (
            (m.nansum(x * x, axis=0) + m.nanmean(x**3)) * x
            if m is anp
            else (m.sum(x * x, axis=0) + m.mean(x**3)) * x
        ),
        -1.5,
        1.5,
    ),
    (
        "average",
        lambda m, x: (
            (
                m.average(x, axis=1, weights=x[0] ** 2 + 1.0)
                if m is anp
                else m.sum(x * (x[0] ** 2 + 1.0), axis=1) / m.sum(x[0] ** 2 + 1.0)
            )
            * x[:, 0]
        ),
        -1.5,
        1.5,
    ),
    (
        "einsum",
        lambda m, x: m.einsum("ij,kj->ik", x, x**2) @ x + m.einsum("ij,ij->j", x, m.sin(x)),
        -1.5,
        1.5,
    ),
    (
        "tensordot inner kron cross dot",
        lambda m, x: (
            m.tensordot(x, x**2, axes=([0], [0])) * m.inner(x[0], x[1] ** 2)
            + m.sum(m.kron(x, x[0]))
            + m.cross(x[0], x[1] ** 2)[0]
            + m.sum(m.dot(m.reshape(x, (1, 2, 3)), m.reshape(x**2, (2, 3, 1))))
        ),
        -1.5,
        1.5,
    ),
]
# constructors, constants, dtypes and functions that only look at a value: no derivative
_CONSTRUCTORS = {
    "allclose",
    "array_equal",
    "isclose",
    "iscomplex",
    "iscomplexobj",
    "isreal",
    "isrealobj",
    "arange",
    "eye",
    "ones",
    "ones_like",
    "zeros",
    "zeros_like",
    "empty",
    "empty_like",
    "full",
    "full_like",
    "identity",
    "logspace",
    "shape",
    "ndim",
    "size",
    "pi",
    "e",
    "inf",
    "nan",
    "newaxis",
    "euler_gamma",
    "float64",
    "float32",
    "float16",
    "complex128",
    "complex64",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool_",
    "dtype",
    "ndarray",
    "finfo",
    "iinfo",
    "random",
    # integer, boolean or piecewise-constant results: plain values, no derivative
    "all",
    "any",
    "argmax",
    "argmin",
    "argsort",
    "argwhere",
    "ceil",
    "count_nonzero",
    "floor",
    "isfinite",
    "isinf",
    "isnan",
    "nonzero",
    "rint",
    "round",
    "searchsorted",
    "trunc",
}


def _group_second_cases() -> set[str]:
    # the function groups of issue 14 keep their second-order tables next to their tests
    from tests import test_np_elementwise, test_np_shape

    names = [c[0] for c in test_np_elementwise.SECOND] + [c[0] for c in test_np_shape.SECOND]
    return {n for group in names for n in group.split()}


def test_every_numpy_function_has_a_second_derivative_case() -> None:
    covered = {n for names, *_ in SECOND for n in names.split()} | _CONSTRUCTORS
    covered |= _group_second_cases()
    # the submodules' functions have second-order cases in their own test modules
    missing = set(anp.__all__) - covered - {"linalg", "fft"}
    assert not missing, f"add second-derivative cases to tests/test_higher.py for {missing}"


def _loss(m: Any, f: Case) -> Callable[[Any], Any]:
    def loss(x: Any) -> Any:
        out = f(m, x)
        shape = np.shape(out.value if isinstance(out, ad.BVar) else out)
        w = np.cos(np.arange(int(np.prod(shape))) + 0.3).reshape(shape)
        # a nonlinear outer function, so f's rule is itself differentiated in the hessian
        return m.sum(m.sin(out) * w)

    return loss


def _arrays(lo: float, hi: float) -> st.SearchStrategy[Arr]:
    # Six values spread over [lo, hi], shuffled and jittered: distinct, with distinct
    # absolute values, and away from the kinks the cases use (0, 0.1, 0.2, -0.5, 0.7),
    # so that finite differences are meaningful for max, min, abs, clip and where.
    base = lo + (hi - lo) * (np.arange(1, 7) + 0.37) / 7.5

    def build(perm: list[int], jitter: list[float]) -> Arr:
        out: Arr = (base[perm] + np.array(jitter)).reshape(2, 3)
        return out

    return st.builds(
        build,
        st.permutations(list(range(6))),
        st.lists(st.floats(-0.02, 0.02), min_size=6, max_size=6),
    )


@MODES
@pytest.mark.parametrize(("names", "f", "lo", "hi"), SECOND, ids=[c[0] for c in SECOND])
@settings(max_examples=5)
@given(data=st.data())
def test_second_derivative_of_every_function(
    names: str, f: Case, lo: float, hi: float, data: st.DataObject, mode: str
) -> None:
    x = data.draw(_arrays(lo, hi), label="x")
    with _in(mode):
        h = ad.hessian(_loss(anp, f))(x)
        j = ad.jacobian(lambda v: f(anp, v))(x)
    assert h.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(h, autograd.hessian(_loss(agnp, f))(x), rtol=1e-8, atol=1e-8)
    fd = fd_jacobian(ad.grad(_loss(anp, f)), [x], 0, 1e-5)
    np.testing.assert_allclose(h, fd, rtol=1e-4, atol=1e-4)
    # and the Jacobian of f itself
    np.testing.assert_allclose(j, autograd.jacobian(lambda v: f(agnp, v))(x), rtol=1e-9, atol=1e-10)


UNARY3 = [
    (anp.exp, agnp.exp, 0.3),
    (anp.log, agnp.log, 0.7),
    (anp.sqrt, agnp.sqrt, 0.8),
    (anp.tan, agnp.tan, 0.4),
    (anp.tanh, agnp.tanh, 0.3),
    (anp.arcsin, agnp.arcsin, 0.3),
    (anp.arccos, agnp.arccos, -0.4),
    (anp.arctan, agnp.arctan, 0.6),
    (anp.sinh, agnp.sinh, 0.5),
    (anp.cosh, agnp.cosh, 0.5),
    (anp.log1p, agnp.log1p, 0.5),
    (anp.expm1, agnp.expm1, 0.5),
    (anp.sigmoid, lambda x: 0.5 * (agnp.tanh(0.5 * x) + 1.0), 0.5),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "x"), UNARY3, ids=[getattr(f[0], "__name__", "f") for f in UNARY3]
)
def test_third_derivative_of_unary_functions_on_floats(ours: Case, theirs: Case, x: float) -> None:
    d3 = ad.derivative(ad.derivative(ad.derivative(ours)))(x)
    assert isinstance(d3, float)
    assert d3 == pytest.approx(autograd.grad(autograd.grad(autograd.grad(theirs)))(x), rel=1e-9)


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)])
@pytest.mark.parametrize("zeros", [[(0, 1)], [(0, 1), (1, 1)], [(0, 0), (0, 1), (0, 2)]])
def test_prod_at_zeros_to_third_order(axis: Any, zeros: list[tuple[int, int]]) -> None:
    # ans / x would be 0/0 at a zero: the rule must use the product of the others
    x = np.array([[0.7, -1.2, 0.9], [1.3, 0.5, -0.8]])
    for z in zeros:
        x[z] = 0.0

    def f(v: Any) -> Any:
        return anp.sum(anp.sin(anp.prod(v, axis=axis)) * 1.3)

    g = ad.grad(f)
    # f is smooth (a polynomial inside sin): central differences with a large step are
    # accurate to eps^2, and crossing zero is harmless
    np.testing.assert_allclose(g(x), fd_jacobian(f, [x], 0, 1e-4), atol=1e-7)
    np.testing.assert_allclose(ad.hessian(f)(x), fd_jacobian(g, [x], 0, 1e-4), atol=1e-7)
    third = ad.jacobian(ad.hessian(f))(x)
    np.testing.assert_allclose(third, fd_jacobian(ad.hessian(f), [x], 0, 1e-4), atol=1e-6)
