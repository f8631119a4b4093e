"""The seed walkthrough: backprop's README network, in optic_ad.

A two-layer network as an attrs record, written once with ``optic_ad.numpy`` and field
lenses; ``eval_bp`` runs it, ``grad_bp`` returns a ``Net``, and 50 steps of
``net - 0.1 * grad`` lower the error. Run with ``python -m examples.walkthrough``.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp

Vec = NDArray[np.float64]


@attrs.frozen
class Net(ad.Numeric):
    """Parameters of a network with one hidden layer."""

    weight1: Vec
    bias1: Vec
    weight2: Vec
    bias2: Vec


L = ad.lenses(Net)


def logistic(x: ad.Num) -> ad.Num:
    """The logistic function, written with operators only: runs on floats, arrays and BVars
    of them (``ad.Num``)."""
    return 1.0 / (1.0 + anp.exp(-x))


def run_net(net: Any, x: Vec) -> Any:
    """Run the network on input ``x``: a plain ``Net`` or a ``BVar[Net]``."""
    y = logistic(net.view(L.weight1) @ x + net.view(L.bias1))
    return anp.softmax(net.view(L.weight2) @ y + net.view(L.bias2))


def cross_entropy(target: Vec, res: Any) -> Any:
    """Cross entropy of a probability vector ``res`` against a one-hot ``target``."""
    return -anp.sum(target * anp.log(res))


def net_error(x: Vec, target: Vec) -> Any:
    """The error function of the network on one sample, as a function of the network."""
    return lambda net: cross_entropy(target, run_net(net, x))


def random_net(rng: np.random.Generator, i: int, h: int, o: int) -> Net:
    """A network with small random weights."""
    return Net(
        rng.normal(0.0, 0.5, (h, i)),
        rng.normal(0.0, 0.5, h),
        rng.normal(0.0, 0.5, (o, h)),
        rng.normal(0.0, 0.5, o),
    )


def main() -> None:
    rng = np.random.default_rng(0)
    net = random_net(rng, 4, 8, 3)
    x = np.array([0.5, -1.0, 0.25, 2.0])
    target = np.array([0.0, 1.0, 0.0])
    err = net_error(x, target)
    print("network output (eval_bp):", np.round(ad.eval_bp(lambda n: run_net(n, x), net), 4))
    print(f"error before: {ad.eval_bp(err, net):.6f}")
    g = ad.grad_bp(err, net)
    print("gradient is a", type(g).__name__, "with weight1 of shape", g.weight1.shape)
    for step in range(50):
        net = net - 0.1 * ad.grad_bp(err, net)
        if step % 10 == 9:
            print(f"step {step + 1:2d}: error {ad.eval_bp(err, net):.6f}")
    print("network output after training:", np.round(run_net(net, x), 4))


if __name__ == "__main__":
    main()
