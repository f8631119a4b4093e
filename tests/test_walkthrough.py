"""The seed walkthrough (examples/walkthrough.py) checked against independent answers."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

import optic_ad as ad
from examples.walkthrough import Net, net_error, random_net, run_net


def plain_numpy_error(net: Net, x: np.ndarray, target: np.ndarray) -> float:
    """The same network written directly in numpy, with no optic_ad involved."""
    hidden = 1.0 / (1.0 + np.exp(-(net.weight1 @ x + net.bias1)))
    logits = net.weight2 @ hidden + net.bias2
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    return float(-np.sum(target * np.log(probs)))


@pytest.fixture
def problem() -> tuple[Net, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return random_net(rng, 4, 6, 3), rng.normal(size=4), np.array([0.0, 0.0, 1.0])


def test_eval_bp_matches_plain_numpy(problem: tuple[Net, np.ndarray, np.ndarray]) -> None:
    net, x, target = problem
    assert ad.eval_bp(net_error(x, target), net) == pytest.approx(
        plain_numpy_error(net, x, target), rel=1e-12
    )


def test_gradient_matches_finite_differences(problem: tuple[Net, np.ndarray, np.ndarray]) -> None:
    net, x, target = problem
    g = ad.grad_bp(net_error(x, target), net)
    assert isinstance(g, Net)
    eps = 1e-6
    for field in attrs.fields(Net):
        value = getattr(net, field.name)
        fd = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            up, down = value.copy(), value.copy()
            up[idx] += eps
            down[idx] -= eps
            fd[idx] = (
                plain_numpy_error(attrs.evolve(net, **{field.name: up}), x, target)
                - plain_numpy_error(attrs.evolve(net, **{field.name: down}), x, target)
            ) / (2 * eps)
        np.testing.assert_allclose(getattr(g, field.name), fd, rtol=1e-5, atol=1e-8)


def test_fifty_steps_lower_the_error(problem: tuple[Net, np.ndarray, np.ndarray]) -> None:
    net, x, target = problem
    err = net_error(x, target)
    before = ad.eval_bp(err, net)
    for _ in range(50):
        net = net - 0.1 * ad.grad_bp(err, net)
    after = ad.eval_bp(err, net)
    assert after < 0.5 * before
    assert np.argmax(run_net(net, x)) == 2
