"""``python -m bench.chart [results.json] [out.png]``: the results as a bar chart for the docs.

One panel per workload: the median figure of each implementation (log scale, since
autograd is often tens of times slower), with the target drawn as a dashed line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt

from bench.workloads import IMPLS

COLORS = {"hand": "#4c72b0", "autograd": "#c44e52", "optic_ad": "#55a868"}


def draw(results: dict[str, Any], out: Path) -> None:
    """Write a PNG bar chart of ``results`` (the content of ``bench/results.json``)."""
    ws = results["workloads"]
    fig, axes = plt.subplots(1, len(ws), figsize=(2.6 * len(ws), 3.4), squeeze=False)
    for ax, (key, w) in zip(axes[0], ws.items(), strict=True):
        names = [n for n in IMPLS if w["figure_median"].get(n) is not None]
        vals = [max(float(w["figure_median"][n]), 1e-3) for n in names]
        ax.bar(names, vals, color=[COLORS[n] for n in names])
        ax.axhline(w["target"], color="black", linestyle="--", linewidth=1, label="target")
        if max([*vals, w["target"]]) / min(vals) > 5:
            ax.set_yscale("log")  # autograd is often tens of times slower
        else:
            ax.set_ylim(0, 1.15 * max([*vals, w["target"]]))
        ax.set_title(key, fontsize=10)
        ax.set_ylabel("µs per op" if w["unit"] == "µs/op" else "ratio")
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("optic_ad benchmarks (medians; lower is better)", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Read the JSON (default ``bench/results.json``) and write the PNG next to it."""
    args = sys.argv[1:] if argv is None else argv
    src = Path(args[0]) if args else Path(__file__).with_name("results.json")
    out = Path(args[1]) if len(args) > 1 else src.with_suffix(".png")
    draw(json.loads(src.read_text()), out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
