"""``python -m bench.chart [results.json] [out.png]``: the results as a bar chart for the docs.

One panel per workload, titled in words: the median figure of each implementation as a
horizontal bar with its value written next to it (log scale when autograd is tens of times
slower). ``--targets`` also draws the project's target for each workload as a dashed line
(for ``bench/``'s own reports; the user documentation leaves it out).
"""

from __future__ import annotations

import json
import math
import sys
import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt

from bench.workloads import IMPLS

COLORS = {"hand": "#4c72b0", "autograd": "#c44e52", "optic_ad": "#55a868"}
LABELS = {"hand": "hand-written numpy", "autograd": "autograd", "optic_ad": "optic_ad"}


def _title(w: dict[str, Any]) -> tuple[str, str]:
    """A panel's title and axis label from a workload's title ("what: measure")."""
    what, _, measure = str(w["title"]).partition(":")
    measure = measure.strip() or ("µs per op" if w["unit"] == "µs/op" else "ratio")
    return textwrap.fill(what.strip(), 34), textwrap.fill(measure, 40)


def _value(v: float, unit: str) -> str:
    text = f"{v:.2f}" if v < 10 else f"{v:.0f}" if v >= 100 else f"{v:.1f}"
    return f"{text} µs" if unit == "µs/op" else f"{text}×"  # noqa: RUF001


def draw(results: dict[str, Any], out: Path, *, targets: bool = False) -> None:
    """Write a PNG bar chart of ``results`` (the content of ``bench/results.json``)."""
    ws = results["workloads"]
    cols = 2
    rows = math.ceil(len(ws) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.1 * rows), squeeze=False)
    for ax, (_, w) in zip(axes.flat, ws.items(), strict=False):
        names = [n for n in IMPLS if w["figure_median"].get(n) is not None]
        vals = [max(float(w["figure_median"][n]), 1e-3) for n in names]
        ypos = [len(IMPLS) - 1 - i for i in range(len(names))]  # from the top, same bar size
        ax.barh(ypos, vals, color=[COLORS[n] for n in names], height=0.6)
        ax.set_ylim(-0.5, len(IMPLS) - 0.5)
        ax.set_yticks(ypos, [LABELS[n] for n in names], fontsize=10)
        logscale = max(vals) / min(vals) > 20
        if logscale:
            ax.set_xscale("log")
            ax.set_xlim(min(vals) / 2, max(vals) * 6)
        else:
            ax.set_xlim(0, max(vals) * 1.35)
        for y, v in zip(ypos, vals, strict=True):
            ax.text(v * (1.08 if logscale else 1.02), y, _value(v, w["unit"]), va="center")
        if targets:
            ax.axvline(w["target"], color="black", linestyle="--", linewidth=1)
        title, measure = _title(w)
        ax.set_title(title, fontsize=11, loc="left")
        ax.set_xlabel(measure, fontsize=9)
        ax.tick_params(axis="x", labelsize=9)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes.flat[len(ws) :]:
        ax.set_visible(False)
    fig.suptitle("Benchmark medians (lower is better)", fontsize=13)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Read the JSON (default ``bench/results.json``) and write the PNG next to it."""
    args = sys.argv[1:] if argv is None else argv
    targets = "--targets" in args
    args = [a for a in args if a != "--targets"]
    src = Path(args[0]) if args else Path(__file__).with_name("results.json")
    out = Path(args[1]) if len(args) > 1 else src.with_suffix(".png")
    draw(json.loads(src.read_text()), out, targets=targets)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
