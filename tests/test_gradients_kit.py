"""Dogfooding optic_ad.testing: gradients of the library's own functions, checked with
check_grad on records, tuples and arrays drawn by the kit's strategies."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad import testing
from tests.helpers import numerical_grad, tree_allclose

Arr = NDArray[np.float64]
few = settings(max_examples=10)


@attrs.frozen
class Mlp(ad.Numeric):
    w1: Arr = attrs.field(metadata={"shape": (4, 3)})
    b1: Arr = attrs.field(metadata={"shape": (3,)})
    w2: Arr = attrs.field(metadata={"shape": (3, 2)})
    temperature: float = 1.0


M = ad.lenses(Mlp)
inputs = testing.arrays((5, 4), elements=testing.floats(-2.0, 2.0))
mlps = testing.records(
    Mlp, fields={"temperature": testing.floats(0.5, 2.0)}
)  # away from 0: it divides


def mlp_loss(net: Mlp, x: Arr) -> Any:
    h = anp.tanh(x @ net.view(M.w1) + net.view(M.b1))
    logits = (h @ net.view(M.w2)) / net.view(M.temperature)
    return -anp.sum(anp.log_softmax(logits, axis=-1)[..., 0]) + anp.sum(
        anp.logsumexp(logits, axis=0)
    )


@few
@given(mlps, inputs)
def test_mlp_gradient(net: Mlp, x: Arr) -> None:
    testing.check_grad(mlp_loss, net, x)


def test_mlp_gradient_second_order() -> None:
    r = np.random.default_rng(0)
    net = Mlp(r.standard_normal((4, 3)), r.standard_normal(3), r.standard_normal((3, 2)), 1.3)
    testing.check_grad(mlp_loss, net, r.standard_normal((5, 4)), order=2)


def test_kit_agrees_with_the_independent_oracle() -> None:
    # check_grad compares with its own differences; compare the engine with the tests'
    # independent central differences too, so both would have to be wrong together
    r = np.random.default_rng(1)
    net = Mlp(r.standard_normal((4, 3)), r.standard_normal(3), r.standard_normal((3, 2)), 0.8)
    x = r.standard_normal((5, 4))
    assert tree_allclose(
        ad.grad_bp(lambda n: mlp_loss(n, x), net),  # type: ignore[arg-type]
        numerical_grad(lambda n: mlp_loss(n, x), net),
        rtol=1e-6,
        atol=1e-8,
    )


@few
@given(testing.arrays(st.sampled_from([(3,), (2, 3), (2, 1, 3)])), st.sampled_from([0, -1, None]))
def test_logsumexp_with_axis(x: Arr, axis: int | None) -> None:
    testing.check_grad(lambda v: anp.sum(anp.logsumexp(v, axis=axis) ** 2.0), x, order=2)


@few
@given(testing.arrays((2, 3)), testing.arrays((3, 4)), testing.arrays((4,)))
def test_matmul_and_broadcasting(a: Arr, b: Arr, c: Arr) -> None:
    testing.check_grad(lambda x, y, z: anp.sum(anp.tanh((x @ y) * z)), a, b, c, order=2)


def tuple_loss(v: Any) -> Any:
    s, a, m = (ad.view_var(ad.ix(i), v) for i in range(3))
    return anp.sum(anp.exp(a / 10.0) * anp.softmax(m, axis=-1)) * anp.tanh(s) + anp.sum(
        anp.sigmoid(m) * anp.sin(a)
    )


@few
@given(testing.values_like((0.0, np.zeros(3), np.zeros((2, 3)))))
def test_elementwise_on_tuples(t: tuple[float, Arr, Arr]) -> None:
    testing.check_grad(tuple_loss, t)


def test_second_order_on_tuples() -> None:
    t = (0.3, np.array([0.1, -0.2, 0.3]), np.array([[0.5, -1.0, 2.0], [0.0, 1.0, -1.5]]))
    testing.check_grad(tuple_loss, t, order=2)


@few
@given(testing.values_like(ad.T2(0.0, np.zeros((2, 2)))))
def test_products(p: ad.T2[float, Arr]) -> None:
    def f(v: Any) -> Any:
        a, m = ad.view_var(ad.ix(0), v), ad.view_var(ad.ix(1), v)
        return anp.sum(anp.log1p(m * m) * a) + anp.cos(a)

    testing.check_grad(f, p, order=2)


def test_float32_inputs() -> None:
    x = np.random.default_rng(2).standard_normal((3, 3)).astype(np.float32)
    testing.check_grad(lambda v: anp.sum(anp.softmax(v, axis=0) * anp.tanh(v)), x)
