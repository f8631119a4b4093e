"""Draw the documentation's figures into ``docs/img/`` (``make figures``).

Each figure is drawn by code that already exists wherever possible (the examples' ``plot``
functions, ``bench/chart.py``) and is listed in :data:`FIGURES` with the files it is made
from. ``docs/img/figures.json`` records a SHA-256 of those inputs for every figure;
``tests/test_docs_figures.py`` fails when a figure is missing or its inputs changed since it
was drawn (``python docs/figures.py --check``), so a page never shows a figure out of date
with its code. Pixels are not compared: matplotlib's output varies between versions.

Usage (from the repository root)::

    python docs/figures.py            # redraw every figure whose inputs changed
    python docs/figures.py --all      # redraw every figure
    python docs/figures.py --check    # exit 1 when a figure is missing or stale
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
MANIFEST = IMG / "figures.json"
SCRIPT = "docs/figures.py"


@dataclass(frozen=True)
class Figure:
    """A PNG under ``docs/img``, the function that draws it, and the files it is made from."""

    png: str
    draw: Callable[[Path], None]
    inputs: tuple[
        str, ...
    ]  # paths relative to the repository root, besides this script


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_digits(out: Path) -> None:
    """The tutorial's network trained with minibatch Adam: accuracy and loss per epoch."""
    from examples import digits

    digits.plot(digits.train(epochs=30, seed=0, verbose=False), str(out))


def draw_regression(out: Path) -> None:
    """Goal's regression: the three fits and their loss curves."""
    from examples import regression

    data, fits = regression.compare(epochs=1000, seed=0)
    regression.plot(data, fits, str(out))


def draw_tanh(out: Path) -> None:
    """tanh and its first four derivatives, by nesting ``ad.derivative`` (autograd's
    tutorial figure)."""
    import numpy as np

    import optic_ad as ad
    from optic_ad import numpy as anp

    plt = _plt()
    xs = np.linspace(-7.0, 7.0, 300)
    fn: Callable[[Any], Any] = anp.tanh
    fig, ax = plt.subplots(figsize=(8, 4))
    for order in range(5):
        ax.plot(
            xs,
            [fn(float(x)) for x in xs],
            label="tanh" if order == 0 else f"order {order}",
        )
        fn = ad.derivative(fn)
    ax.set_xlabel("x")
    ax.legend(loc="lower right")
    ax.set_title("tanh and its first four derivatives (nested ad.derivative)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def draw_hessian(out: Path) -> None:
    """The Hessian of the 10-dimensional Rosenbrock function, as a heat map."""
    import numpy as np

    import optic_ad as ad
    from optic_ad import numpy as anp

    def rosenbrock(x: Any) -> Any:
        return anp.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1.0 - x[:-1]) ** 2.0)

    point = np.linspace(-1.0, 1.5, 10)
    h = np.asarray(ad.hessian(rosenbrock)(point))
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 5))
    limit = float(np.abs(h).max())
    image = ax.imshow(h, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("j")
    ax.set_ylabel("i")
    ax.set_title("∂²f / ∂xᵢ∂xⱼ of 10-D Rosenbrock (ad.hessian)")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def draw_bench(out: Path) -> None:
    """The benchmark medians of ``bench/results.json``, one panel per workload."""
    from bench import chart

    chart.draw(json.loads((ROOT / "bench" / "results.json").read_text()), out)


FIGURES: dict[str, Figure] = {
    "digits": Figure("digits.png", draw_digits, ("examples/digits.py",)),
    "regression": Figure(
        "regression.png", draw_regression, ("examples/regression.py",)
    ),
    "tanh": Figure("tanh.png", draw_tanh, ()),
    "hessian": Figure("hessian.png", draw_hessian, ()),
    "bench": Figure("bench.png", draw_bench, ("bench/chart.py", "bench/results.json")),
}


def digest(figure: Figure) -> dict[str, str]:
    """SHA-256 of each input of ``figure``, this script included."""
    return {
        path: hashlib.sha256((ROOT / path).read_bytes()).hexdigest()
        for path in (SCRIPT, *figure.inputs)
    }


def read_manifest() -> dict[str, Any]:
    """The recorded digests (empty when no figure was drawn yet)."""
    return json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}


def stale() -> list[str]:
    """Names of the figures that are missing or whose inputs changed since drawn."""
    manifest = read_manifest()
    return [
        name
        for name, fig in FIGURES.items()
        if not (IMG / fig.png).exists()
        or manifest.get(name, {}).get("inputs") != digest(fig)
        or manifest.get(name, {}).get("png") != fig.png
    ]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "names", nargs="*", help=f"figures to draw (of {', '.join(FIGURES)})"
    )
    parser.add_argument("--all", action="store_true", help="redraw every figure")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a figure is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for name in old:
            print(f"stale: docs/img/{FIGURES[name].png} (run `make figures`)")
        return 1 if old else 0
    names = args.names or (list(FIGURES) if args.all else stale())
    manifest = read_manifest()
    IMG.mkdir(parents=True, exist_ok=True)
    for name in names:
        fig = FIGURES[name]
        fig.draw(IMG / fig.png)
        manifest[name] = {"png": fig.png, "inputs": digest(fig)}
        print(f"wrote docs/img/{fig.png}")
    MANIFEST.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
