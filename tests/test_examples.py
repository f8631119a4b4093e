"""The examples on a reduced budget, with fixed seeds, checked for real outcomes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import optic_ad as ad
from examples import digits, regression


def test_digits_reaches_90_percent_in_5_epochs() -> None:
    result = digits.train(epochs=5, seed=0, verbose=False)
    assert len(result.test_accuracy) == len(result.train_accuracy) == len(result.loss) == 5
    assert result.test_accuracy[-1] >= 0.90
    assert result.train_accuracy[-1] >= 0.90
    assert result.loss[-1] < 0.5 * result.loss[0]
    assert isinstance(result.net, digits.Net)
    # The reported accuracy is the network's: recompute it from the returned net.
    data = digits.load(0)
    predicted = np.argmax(digits.run_net(result.net, data.x_test), axis=-1)
    assert np.mean(predicted == data.y_test) == result.test_accuracy[-1]


def test_digits_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(1)
    net = digits.random_net(rng, 64, 5, 10)
    data = digits.load(0)
    batch = (data.x_train[:7], np.eye(10)[data.y_train[:7]])
    g = ad.grad_bp(lambda n: digits.net_error(n, batch), net)
    assert isinstance(g, digits.Net)
    direction = digits.random_net(np.random.default_rng(2), 64, 5, 10)
    h = 1e-6
    numeric = (
        digits.net_error(net + h * direction, batch) - digits.net_error(net - h * direction, batch)
    ) / (2 * h)
    analytic = sum(
        float(np.sum(getattr(g, f) * getattr(direction, f)))
        for f in ("weights1", "bias1", "weights2", "bias2")
    )
    assert analytic == pytest.approx(numeric, rel=1e-6)


def test_digits_main_prints_and_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "curve.png"
    result = digits.main(["--epochs", "2", "--seed", "3", "--plot", str(path)])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("epoch 1/2  loss ")
    assert "train" in out[0]
    assert "test" in out[0]
    assert out[2].startswith("final: train ")
    assert len(result.test_accuracy) == 2
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_regression_adam_beats_sgd_and_momentum() -> None:
    data, fits = regression.compare(epochs=800, seed=0)
    losses = {fit.name: fit.loss[-1] for fit in fits}
    assert set(losses) == {"sgd", "momentum", "adam"}
    assert losses["adam"] < losses["momentum"]
    assert losses["adam"] < losses["sgd"]
    # Not a photo finish: Adam leaves the plateau the others are still on.
    assert losses["adam"] < 0.25 * min(losses["sgd"], losses["momentum"])
    # Same start: every run's first recorded loss is the loss of the common start.
    assert len({round(fit.loss[0], 12) for fit in fits}) == 1
    # The final loss is the trained network's loss on the data.
    adam = next(fit for fit in fits if fit.name == "adam")
    assert adam.loss[-1] == pytest.approx(float(regression.mse(adam.net, data)), rel=1e-12)
    assert isinstance(adam.net.bias2, float)


def test_regression_main_prints_and_plots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fits.png"
    regression.main(["--epochs", "3", "--plot", str(path)])
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].strip() for line in out[:3]] == ["sgd", "momentum", "adam"]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
