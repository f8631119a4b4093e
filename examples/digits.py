"""The seed blog's digit classifier, on scikit-learn's bundled 8x8 digits.

Justin Le's backprop introduction trains a network with one logistic hidden layer and a
softmax output on MNIST. Here is the same network on the 1,797 8x8 digits that ship with
scikit-learn (no download): an attrs ``Net(ad.Numeric)`` written once with
``optic_ad.numpy`` and field lenses, run on whole minibatches (a batch is a matrix,
one row per image), trained with minibatch Adam from :mod:`optic_ad.optim`. A held-out
20% of the images measures the test accuracy after every epoch.

Run with ``python -m examples.digits [--epochs N] [--seed S] [--plot curve.png]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import attrs
import numpy as np
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad import optim

Arr = NDArray[np.float64]


@attrs.frozen
class Net(ad.Numeric):
    """Parameters of the classifier: 64 pixels -> ``hidden`` logistic units -> 10 classes."""

    weights1: Arr
    bias1: Arr
    weights2: Arr
    bias2: Arr


L = ad.lenses(Net)


def logistic(x: ad.Num) -> ad.Num:
    """The logistic function, written with operators only: runs on floats, arrays and BVars
    of them (``ad.Num``)."""
    return 1.0 / (1.0 + anp.exp(-x))


def run_net(net: Any, x: Arr) -> Any:
    """Log-probabilities of the 10 classes for a batch ``x`` (one image per row).

    ``net`` is a plain ``Net`` or a ``BVar[Net]``: the same code runs both ways.
    """
    y = logistic(x @ net.view(L.weights1) + net.view(L.bias1))
    return anp.log_softmax(y @ net.view(L.weights2) + net.view(L.bias2), axis=-1)


def cross_entropy(targets: Arr, log_probs: Any) -> Any:
    """Mean cross entropy of a batch of one-hot ``targets`` against ``log_probs``."""
    return -anp.mean(anp.sum(targets * log_probs, axis=-1))


def net_error(net: Any, batch: tuple[Arr, Arr]) -> Any:
    """The training loss of ``net`` on one minibatch ``(images, one-hot labels)``."""
    x, targets = batch
    return cross_entropy(targets, run_net(net, x))


def accuracy(net: Net, x: Arr, labels: NDArray[np.int64]) -> float:
    """The fraction of images in ``x`` whose most likely class is the label."""
    return float(np.mean(np.argmax(run_net(net, x), axis=-1) == labels))


def random_net(rng: np.random.Generator, inputs: int, hidden: int, outputs: int) -> Net:
    """A network with weights drawn at the scale ``1 / sqrt(fan_in)`` and zero biases."""
    return Net(
        rng.normal(0.0, 1.0 / np.sqrt(inputs), (inputs, hidden)),
        np.zeros(hidden),
        rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, outputs)),
        np.zeros(outputs),
    )


class Data(NamedTuple):
    """The digits, scaled to [0, 1] and split into training and test sets."""

    x_train: Arr
    y_train: NDArray[np.int64]
    x_test: Arr
    y_test: NDArray[np.int64]


def load(seed: int) -> Data:
    """Load the bundled digits and hold out a stratified 20% as the test set."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = np.asarray(digits.data, dtype=np.float64) / 16.0
    y = np.asarray(digits.target, dtype=np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=seed, stratify=y
    )
    return Data(x_train, y_train, x_test, y_test)


def minibatches(
    x: Arr, labels: NDArray[np.int64], size: int, rng: np.random.Generator
) -> Callable[[int], list[tuple[Arr, Arr]]]:
    """A function from the epoch number to that epoch's shuffled minibatches."""
    onehot = np.eye(10)[labels]

    def batches(epoch: int) -> list[tuple[Arr, Arr]]:
        order = rng.permutation(len(x))
        return [(x[i], onehot[i]) for i in np.array_split(order, max(1, len(x) // size))]

    return batches


class Result(NamedTuple):
    """What :func:`train` returns: the network and its per-epoch figures."""

    net: Net
    train_accuracy: list[float]
    test_accuracy: list[float]
    loss: list[float]
    seconds: float


def train(
    epochs: int = 30,
    seed: int = 0,
    *,
    hidden: int = 64,
    batch_size: int = 32,
    lr: float = 0.01,
    verbose: bool = True,
) -> Result:
    """Train the classifier with minibatch Adam and measure it after every epoch.

    Args:
        epochs: passes over the training set.
        seed: seeds the split, the initial weights and the shuffling.
        hidden: hidden units.
        batch_size: images per minibatch.
        lr: Adam's step size.
        verbose: print one line per epoch (loss, train and test accuracy).

    Returns:
        The trained network, the train and test accuracy and mean loss of each epoch,
        and the training time in seconds.
    """
    data = load(seed)
    rng = np.random.default_rng(seed)
    net = random_net(rng, data.x_train.shape[1], hidden, 10)
    train_acc: list[float] = []
    test_acc: list[float] = []
    width = len(str(epochs))

    def report(epoch: int, net: Net, loss: float) -> None:
        train_acc.append(accuracy(net, data.x_train, data.y_train))
        test_acc.append(accuracy(net, data.x_test, data.y_test))
        if verbose:
            print(
                f"epoch {epoch:{width}d}/{epochs}  loss {loss:.4f}  "
                f"train {train_acc[-1]:6.2%}  test {test_acc[-1]:6.2%}"
            )

    start = time.perf_counter()
    net, history = optim.fit(
        net_error,
        net,
        minibatches(data.x_train, data.y_train, batch_size, rng),
        optim.adam(lr),
        epochs,
        verbose=False,
        callback=report,
    )
    return Result(net, train_acc, test_acc, history, time.perf_counter() - start)


def plot(result: Result, path: str) -> None:
    """Save the learning curve (accuracies and loss per epoch) as a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(result.loss) + 1)
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
    ax_acc.plot(epochs, result.train_accuracy, label="train")
    ax_acc.plot(epochs, result.test_accuracy, label="test")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.legend()
    ax_loss.plot(epochs, result.loss)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("mean cross entropy")
    ax_loss.set_yscale("log")
    fig.suptitle("8x8 digits: one logistic hidden layer, minibatch Adam")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> Result:
    """Parse the command line, train, print a summary, and plot if asked."""
    parser = argparse.ArgumentParser(prog="python -m examples.digits", description=__doc__)
    parser.add_argument("--epochs", type=int, default=30, help="passes over the data (30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--plot", metavar="PATH", help="save the learning curve as a PNG")
    args = parser.parse_args(argv)
    result = train(args.epochs, args.seed)
    print(
        f"final: train {result.train_accuracy[-1]:.2%}, test {result.test_accuracy[-1]:.2%} "
        f"after {args.epochs} epochs in {result.seconds:.1f} s"
    )
    if args.plot:
        plot(result, args.plot)
        print(f"learning curve saved to {args.plot}")
    return result


if __name__ == "__main__":
    main()
