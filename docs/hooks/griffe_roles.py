"""A Griffe extension: docstrings' Sphinx roles and ``::`` blocks as Markdown, at build time.

mkdocstrings reads optic_ad's docstrings as Markdown; the ones still written with
reStructuredText roles (``:func:`eval_bp```) would show the markup as text. This extension
rewrites every docstring of the loaded package with ``tools/sphinx_roles.py`` (the same
conversion that tool applies to the sources) before it is rendered: a role becomes a
cross-reference when its target is documented on the site, inline code otherwise.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import griffe

ROOT = Path(__file__).resolve().parents[2]


def _load_tool() -> ModuleType:
    name = "optic_ad_sphinx_roles"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "tools" / "sphinx_roles.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _objects(obj: griffe.Object) -> list[griffe.Object]:
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias and isinstance(member, griffe.Object):
            found.extend(_objects(member))
    return found


class SphinxRoles(griffe.Extension):
    """Rewrite every docstring of a loaded package (see the module docstring)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Convert the docstrings once the whole package is loaded."""
        tool = _load_tool()
        documented = tool.documented_filter(ROOT / "docs" / "api")
        for obj in _objects(pkg):
            if obj.docstring is not None:
                resolve = tool.site_resolver(obj.module.path, documented)
                obj.docstring.value = tool.convert(obj.docstring.value, resolve)
