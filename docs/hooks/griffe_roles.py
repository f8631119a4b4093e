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
        documented = _documented()
        for obj in _objects(pkg):
            if obj.docstring is None:
                continue
            module = obj.module.path
            resolve = tool.module_resolver(module)

            def known(target: str, resolve: Any = resolve) -> str | None:
                path = resolve(target)
                return path if path is not None and documented(path) else None

            obj.docstring.value = tool.convert(obj.docstring.value, known)


def _is_module(path: str) -> bool:
    try:
        importlib.import_module(path)
    except ImportError:
        return False
    return True


def _documented() -> Any:
    """Whether a full path is rendered by one of the API pages (``::: module`` lines)."""
    rendered: set[str] = set()
    for page in (ROOT / "docs" / "api").glob("*.md"):
        for line in page.read_text().splitlines():
            if line.startswith("::: "):
                rendered.add(line[4:].strip())

    def documented(path: str) -> bool:
        # modules are rendered without a heading (no anchor to link to): inline code
        if _is_module(path):
            return False
        if path in rendered:
            return True
        module, _, name = path.rpartition(".")
        if name.startswith("_"):
            return False
        while module:
            if module in rendered:
                try:
                    target = importlib.import_module(module)
                except ImportError:
                    return False
                public = getattr(target, "__all__", None)
                head = path[len(module) + 1 :].split(".")[0]
                return public is None or head in public
            module = module.rpartition(".")[0]
        return False

    return documented
