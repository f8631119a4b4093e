"""The documentation's figures are current: drawn from the inputs they are listed with.

``docs/figures.py`` (``make figures``) records a SHA-256 of each figure's inputs (the script,
the example or data it is drawn from) in ``docs/img/figures.json``. A figure whose inputs
changed since it was drawn, or that is missing, fails here; redraw it with ``make figures``.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _figures() -> types.ModuleType:
    name = "docs_figures"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / "figures.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_every_figure_is_current() -> None:
    stale = _figures().stale()
    assert not stale, f"figures out of date with their inputs: {stale}; run `make figures`"


def test_every_figure_is_shown_on_a_page() -> None:
    shown = {
        Path(src).name
        for page in (ROOT / "docs").glob("**/*.md")
        for src in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text())
    }
    figures = {fig.png for fig in _figures().FIGURES.values()}
    assert figures <= shown, f"figures no page shows: {sorted(figures - shown)}"


def test_a_changed_input_makes_a_figure_stale(tmp_path: Path) -> None:
    module = _figures()
    fig = module.FIGURES["tanh"]
    recorded = module.read_manifest()["tanh"]["inputs"]
    assert module.digest(fig) == recorded
    changed = module.Figure(fig.png, fig.draw, ("bench/results.json",))
    assert module.digest(changed) != recorded
