"""Every lifted function in optic_ad.numpy: gradients against central finite differences
and against autograd (an independent implementation), on random shapes and values.

Each case is written once, polymorphically, as ``f(m, *xs)`` where ``m`` is either
``optic_ad.numpy`` or ``autograd.numpy``: the same code gives our gradient and the oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from tests.helpers import fd_partial, poly_log_softmax, poly_logsumexp, poly_sigmoid, poly_softmax

Arr = NDArray[np.float64]
Case = Callable[..., Any]

SHAPES = [(), (3,), (2, 3), (2, 1, 3)]


# (name, function of (m, x), lowest value, highest value)
UNARY: list[tuple[str, Case, float, float]] = [
    ("exp", lambda m, x: m.exp(x), -2, 2),
    ("log", lambda m, x: m.log(x), 0.2, 3),
    ("log1p", lambda m, x: m.log1p(x), -0.5, 3),
    ("expm1", lambda m, x: m.expm1(x), -2, 2),
    ("sqrt", lambda m, x: m.sqrt(x), 0.2, 3),
    ("square", lambda m, x: m.square(x), -2, 2),
    ("abs", lambda m, x: m.abs(x), 0.1, 2),
    ("abs-neg", lambda m, x: m.abs(-x), 0.1, 2),
    ("sin", lambda m, x: m.sin(x), -3, 3),
    ("cos", lambda m, x: m.cos(x), -3, 3),
    ("tan", lambda m, x: m.tan(x), -1, 1),
    ("tanh", lambda m, x: m.tanh(x), -2, 2),
    ("arcsin", lambda m, x: m.arcsin(x), -0.8, 0.8),
    ("arccos", lambda m, x: m.arccos(x), -0.8, 0.8),
    ("arctan", lambda m, x: m.arctan(x), -2, 2),
    ("sinh", lambda m, x: m.sinh(x), -2, 2),
    ("cosh", lambda m, x: m.cosh(x), -2, 2),
    ("negative", lambda m, x: m.negative(x), -2, 2),
    ("sigmoid", poly_sigmoid, -3, 3),
    ("pow-const", lambda m, x: x**3.0, -2, 2),
    ("pow-sq", lambda m, x: x**2, -2, 2),
    ("rpow", lambda m, x: 2.0**x, -2, 2),
    ("rdiv", lambda m, x: 1.5 / x, 0.5, 2),
    ("clip", lambda m, x: m.clip(x, -0.5, 0.7), -2, 2),
    ("sum", lambda m, x: m.sum(x), -2, 2),
    ("mean", lambda m, x: m.mean(x), -2, 2),
    ("prod", lambda m, x: m.prod(x), 0.5, 1.5),
    ("max", lambda m, x: m.max(x), -2, 2),
    ("min", lambda m, x: m.min(x), -2, 2),
    ("logsumexp", poly_logsumexp, -2, 2),
    ("sum-last-keep", lambda m, x: m.sum(x, axis=-1, keepdims=True) * x, -2, 2),
    ("mean-first", lambda m, x: m.mean(x, axis=0) if np.ndim(x) else x, -2, 2),
    ("max-last", lambda m, x: m.max(x, axis=-1) if np.ndim(x) else x, -2, 2),
    ("prod-last", lambda m, x: m.prod(x, axis=-1) if np.ndim(x) else x, 0.5, 1.5),
    (
        "logsumexp-last-keep",
        lambda m, x: poly_logsumexp(m, x, axis=-1, keepdims=True) if np.ndim(x) else x,
        -2,
        2,
    ),
    ("softmax", lambda m, x: poly_softmax(m, x) if np.ndim(x) else x, -2, 2),
    ("log_softmax", lambda m, x: poly_log_softmax(m, x) if np.ndim(x) else x, -2, 2),
    ("softmax-axis0", lambda m, x: poly_softmax(m, x, axis=0) if np.ndim(x) else x, -2, 2),
    ("ravel", lambda m, x: m.ravel(x) * m.arange(np.size(x)), -2, 2),
    ("reshape", lambda m, x: m.reshape(x, (-1, 1)) * m.arange(np.size(x)), -2, 2),
    (
        "transpose",
        lambda m, x: m.transpose(x) * m.arange(np.size(x)).reshape(np.shape(x)[::-1]),
        -2,
        2,
    ),
    ("T", lambda m, x: x.T * m.arange(np.size(x)).reshape(np.shape(x)[::-1]), -2, 2),
    ("expand_dims", lambda m, x: m.expand_dims(x, 0) * 2.0, -2, 2),
    ("squeeze", lambda m, x: m.squeeze(m.expand_dims(x, -1)) * 3.0, -2, 2),
    # autograd's broadcast_to cannot add leading dims: its oracle multiplies by ones
    (
        "broadcast_to",
        lambda m, x: (
            m.broadcast_to(x, (2, *np.shape(x))) if m is anp else x * np.ones((2, *np.shape(x)))
        ),
        -2,
        2,
    ),
    ("getitem-last", lambda m, x: x[..., -1] * 2.0 if np.ndim(x) else x, -2, 2),
    ("getitem-slice", lambda m, x: x[1:] * x[1:] if np.ndim(x) else x, -2, 2),
    ("getitem-repeat", lambda m, x: x[np.array([0, 0, -1])] if np.ndim(x) else x, -2, 2),
    ("getitem-newaxis", lambda m, x: x[:, None] * x[None] if np.ndim(x) == 1 else x, -2, 2),
    # autograd has no VJP for take: its oracle indexes the flattened array
    (
        "take",
        lambda m, x: (
            (m.take(x, np.array([0, 0, 1])) if m is anp else m.ravel(x)[np.array([0, 0, 1])])
            if np.size(x) > 1
            else x
        ),
        -2,
        2,
    ),
    ("concatenate", lambda m, x: m.concatenate([m.ravel(x), m.ravel(x) * 2.0]), -2, 2),
    (
        "concatenate-last",
        lambda m, x: m.concatenate([x, m.sin(x)], axis=-1) if np.ndim(x) else x,
        -2,
        2,
    ),
    ("stack", lambda m, x: m.stack([x, m.sin(x)], axis=0), -2, 2),
    ("outer", lambda m, x: m.outer(m.ravel(x), m.sin(m.ravel(x))), -2, 2),
]

# (name, function of (m, x, y), x shape, y shape)
BINARY: list[tuple[str, Case, tuple[int, ...], tuple[int, ...]]] = []
for _shape_x, _shape_y in [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
]:
    BINARY += [
        ("add", lambda m, x, y: x + y, _shape_x, _shape_y),
        ("subtract", lambda m, x, y: x - y, _shape_x, _shape_y),
        ("multiply", lambda m, x, y: x * y, _shape_x, _shape_y),
        ("divide", lambda m, x, y: x / (y * y + 1.0), _shape_x, _shape_y),
        ("power", lambda m, x, y: m.power(x * x + 0.5, y), _shape_x, _shape_y),
        ("maximum", lambda m, x, y: m.maximum(x, y), _shape_x, _shape_y),
        ("minimum", lambda m, x, y: m.minimum(x, y), _shape_x, _shape_y),
        # autograd's where does not unbroadcast: its oracle broadcasts the operands first
        (
            "where",
            lambda m, x, y: (
                m.where(m.sin(x * 3.0) > 0, x, y)
                if m is anp
                else m.where(m.sin(x * 3.0) > 0, x + 0.0 * y, y + 0.0 * x)
            ),
            _shape_x,
            _shape_y,
        ),
    ]
for _shape_x, _shape_y in [
    ((2, 3), (3, 4)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((3,), (3,)),
    ((2, 2, 3), (3, 2)),
]:
    BINARY.append(("matmul", lambda m, x, y: m.matmul(x, y), _shape_x, _shape_y))
    BINARY.append(("@", lambda m, x, y: x @ y, _shape_x, _shape_y))
    if len(_shape_x) <= 2:
        BINARY.append(("dot", lambda m, x, y: m.dot(x, y), _shape_x, _shape_y))


def _weights(shape: tuple[int, ...]) -> Arr:
    # fixed, distinct weights: the scalar loss is sum(w * f(x)), so every output matters
    w: Arr = np.cos(np.arange(int(np.prod(shape))) + 0.3).reshape(shape)
    return w


def _loss(m: Any, f: Case) -> Callable[..., Any]:
    def loss(*xs: Any) -> Any:
        out = f(m, *xs)
        return m.sum(out * _weights(np.shape(out.value if isinstance(out, ad.BVar) else out)))

    return loss


def _values(shape: tuple[int, ...], lo: float, hi: float) -> st.SearchStrategy[Arr]:
    n = int(np.prod(shape))

    def build(v: list[float]) -> Arr:
        return np.array(v, dtype=np.float64).reshape(shape)

    return st.lists(st.floats(lo, hi), min_size=n, max_size=n).map(build)


def _check(f: Case, xs: list[Arr]) -> None:
    ours = ad.backprop_n(_loss(anp, f), *xs)
    np.testing.assert_allclose(ours[0], _loss(agnp, f)(*xs), rtol=1e-12, atol=1e-12)
    for i, g in enumerate(ours[1]):
        assert np.shape(g) == np.shape(xs[i])
        oracle = autograd.grad(_loss(agnp, f), i)(*xs)
        np.testing.assert_allclose(g, oracle, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(g, fd_partial(_loss(agnp, f), xs, i), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("name", "f", "lo", "hi"), UNARY, ids=[c[0] for c in UNARY])
@given(data=st.data())
def test_unary_gradient_matches_autograd_and_fd(
    name: str, f: Case, lo: float, hi: float, data: st.DataObject
) -> None:
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    x = data.draw(_values(shape, lo, hi), label="x")
    if name in {"max", "min", "max-last"} and np.size(x) > 1:
        # ties make max non-differentiable: keep the values distinct
        x = x + np.arange(np.size(x)).reshape(shape) * 1e-2
    if name == "clip":
        # the bounds are kinks: the derivative is not defined there
        assume(np.all(np.abs(x + 0.5) > 1e-3) and np.all(np.abs(x - 0.7) > 1e-3))
    _check(f, [x])


@pytest.mark.parametrize(
    ("name", "f", "sx", "sy"), BINARY, ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in BINARY]
)
@given(data=st.data())
def test_binary_gradient_matches_autograd_and_fd(
    name: str, f: Case, sx: tuple[int, ...], sy: tuple[int, ...], data: st.DataObject
) -> None:
    x = data.draw(_values(sx, -2, 2), label="x")
    y = data.draw(_values(sy, -2, 2), label="y")
    if name in {"maximum", "minimum", "where"}:
        # keep away from the kink, where finite differences are meaningless
        x = x + 0.05 * np.sign(x - y + 1e-9) if name != "where" else x
        if name == "where" and np.any(
            np.abs(np.sin(3.0 * np.broadcast_to(x, np.broadcast_shapes(sx, sy)))) < 1e-3
        ):
            return
    _check(f, [x, y])


def test_plain_values_get_numpy_results() -> None:
    x = np.linspace(-1.0, 1.0, 5)
    for name in ["exp", "sin", "tanh", "abs", "sum", "mean", "max"]:
        ours = getattr(anp, name)(x)
        theirs = getattr(np, name)(x)
        assert type(ours) is type(theirs)
        np.testing.assert_array_equal(ours, theirs)
    assert type(anp.ones(3)) is np.ndarray
    np.testing.assert_array_equal(anp.arange(4), np.arange(4))


def test_unbroadcast_with_batch_dims() -> None:
    g = np.arange(24.0).reshape(2, 3, 4)  # batch 2, output (3, 4)
    np.testing.assert_array_equal(anp.unbroadcast(g, (4,), 2), g.sum(axis=1))
    np.testing.assert_array_equal(anp.unbroadcast(g, (3, 1), 2), g.sum(axis=2, keepdims=True))
    np.testing.assert_array_equal(anp.unbroadcast(g, (), 2), g.sum(axis=(1, 2)))
