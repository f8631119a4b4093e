"""mkdocs hooks for the site chrome: the version in the footer, and "Output" labels.

- ``on_config``: the footer says which optic_ad the pages describe (``optic_ad.__version__``).
- ``on_page_markdown``: a ``text`` block announced by ``<!--pytest-codeblocks:expected-output-->``
  (the output a code block prints, checked by ``tests/test_docs.py``) gets the title "Output",
  so a reader can tell shown output from code.
"""

from __future__ import annotations

import re
from typing import Any

import optic_ad

_OUTPUT = re.compile(r"(<!--pytest-codeblocks:expected-output-->\s*\n)```text[ \t]*\n")


def on_config(config: Any, **kwargs: Any) -> Any:
    """Show the version and licence in the footer."""
    config["copyright"] = f"optic_ad {optic_ad.__version__} · BSD-3-Clause licence"
    return config


def label_output(markdown: str) -> str:
    """Give every expected-output ``text`` block the title "Output"."""
    return _OUTPUT.sub(lambda m: f'{m[1]}```text title="Output"\n', markdown)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Label shown output (see the module docstring)."""
    return label_output(markdown)
