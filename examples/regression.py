"""Goal's noisy regression: SGD, momentum and Adam fit ``exp(sin(2x))``.

Sacha Sokoloski's Goal tutorial fits a network with one hidden layer of 50 logistic
units to noisy samples of ``exp(sin(2x))`` on [-3, 3] (8 evenly spaced inputs, each
sampled 5 times, Gaussian noise of sd 0.1), starting from weights drawn from N(0, 0.1),
and compares classic gradient descent, momentum and Adam over the same number of epochs
from the same start. As in Goal, Adam ends with the lowest loss and the closest fit.

The network is an attrs ``Net(ad.Numeric)`` run on the whole data set at once; the three
runs go through :func:`optic_ad.optim.fit` with one full batch per epoch.

Run with ``python -m examples.regression [--epochs N] [--seed S] [--plot fits.png]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NamedTuple

import attrs
import numpy as np
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad import optim

Arr = NDArray[np.float64]

LOW, HIGH = -3.0, 3.0
NOISE = 0.1
HIDDEN = 50


@attrs.frozen
class Net(ad.Numeric):
    """A scalar-to-scalar network: ``HIDDEN`` logistic units and a linear output."""

    weights1: Arr
    bias1: Arr
    weights2: Arr
    bias2: float


L = ad.lenses(Net)


def truth(x: Arr) -> Arr:
    """The function the data are sampled from: ``exp(sin(2x))``."""
    return np.exp(np.sin(2.0 * x))


def logistic(x: ad.Num) -> ad.Num:
    """The logistic function, written with operators only: runs on floats, arrays and BVars
    of them (``ad.Num``)."""
    return 1.0 / (1.0 + anp.exp(-x))


def run_net(net: Any, x: Arr) -> Any:
    """The network's prediction for each input in the vector ``x`` (plain or ``BVar`` net)."""
    hidden = logistic(x[:, None] * net.view(L.weights1) + net.view(L.bias1))
    return hidden @ net.view(L.weights2) + net.view(L.bias2)


def mse(net: Any, data: tuple[Arr, Arr]) -> Any:
    """Half the mean squared error: the negative log-likelihood of unit-variance normals."""
    x, y = data
    err = run_net(net, x) - y
    return 0.5 * anp.mean(err * err)


def sample(rng: np.random.Generator) -> tuple[Arr, Arr]:
    """Goal's data: 8 inputs evenly spaced on [-3, 3], 5 noisy outputs each."""
    x = np.tile(np.linspace(LOW, HIGH, 8), 5)
    return x, truth(x) + rng.normal(0.0, NOISE, x.shape)


def random_net(rng: np.random.Generator) -> Net:
    """Goal's initialisation: every parameter drawn from N(0, 0.1)."""
    return Net(
        rng.normal(0.0, 0.1, HIDDEN),
        rng.normal(0.0, 0.1, HIDDEN),
        rng.normal(0.0, 0.1, HIDDEN),
        float(rng.normal(0.0, 0.1)),
    )


class Fit(NamedTuple):
    """One optimiser's run: its name, trained network and loss per epoch."""

    name: str
    net: Net
    loss: list[float]


def compare(
    epochs: int = 1000, seed: int = 0, lr: float = 0.05
) -> tuple[tuple[Arr, Arr], list[Fit]]:
    """Fit the same data from the same start with SGD, momentum and Adam.

    Args:
        epochs: full-batch steps for each optimiser.
        seed: seeds the noise and the initial weights.
        lr: the learning rate of all three (Goal's ``eps``).

    Returns:
        The data ``(x, y)`` and one :class:`Fit` per optimiser.
    """
    rng = np.random.default_rng(seed)
    data = sample(rng)
    start = random_net(rng)
    optimisers = {
        "sgd": optim.sgd(lr),
        "momentum": optim.momentum(lr),
        "adam": optim.adam(lr),
    }
    fits = []
    for name, opt in optimisers.items():
        net, history = optim.fit(mse, start, [data], opt, epochs, verbose=False)
        fits.append(Fit(name, net, [*history, float(mse(net, data))]))
    return data, fits


def plot(data: tuple[Arr, Arr], fits: list[Fit], path: str) -> None:
    """Save the data, the true function and the three fits as a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = np.linspace(LOW, HIGH, 300)
    fig, (ax_fit, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
    ax_fit.scatter(*data, s=8, color="black", label="samples")
    ax_fit.plot(xs, truth(xs), color="black", linestyle="--", label="exp(sin(2x))")
    for fit in fits:
        ax_fit.plot(xs, run_net(fit.net, xs), label=fit.name)
    ax_fit.set_xlabel("x")
    ax_fit.legend()
    for fit in fits:
        ax_loss.plot(fit.loss, label=fit.name)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss (half mean squared error)")
    ax_loss.set_yscale("log")
    ax_loss.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> list[Fit]:
    """Parse the command line, run the comparison, print the final losses, plot if asked."""
    parser = argparse.ArgumentParser(prog="python -m examples.regression", description=__doc__)
    parser.add_argument("--epochs", type=int, default=1000, help="steps per optimiser (1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--plot", metavar="PATH", help="save the fits as a PNG")
    args = parser.parse_args(argv)
    data, fits = compare(args.epochs, args.seed)
    for fit in fits:
        print(f"{fit.name:>8}: final loss {fit.loss[-1]:.6f}")
    if args.plot:
        plot(data, fits, args.plot)
        print(f"fits saved to {args.plot}")
    return fits


if __name__ == "__main__":
    main()
