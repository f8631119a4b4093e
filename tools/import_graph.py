"""The package's import graph, in layers (DESIGN "Layers").

Reads every module of ``optic_ad`` with ``ast`` and collects the ``optic_ad`` modules it
imports, at any depth (top level or inside functions), leaving out imports under ``if
TYPE_CHECKING:`` (typing only). ``python tools/import_graph.py`` prints each module's
layer and imports and exits 1 if the graph has a cycle. ``tests/test_layers.py``
checks the same, and that every import goes to a lower layer.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "optic_ad"

# Imports that may go upwards: none. (BVar's numpy-named methods reach optic_ad.numpy
# through optic_ad.bvar.NUMPY, which optic_ad.numpy fills in when it is imported.)
LATE_EDGES: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                for n in ast.walk(sub):
                    if hasattr(n, "lineno"):
                        skip.add(n.lineno)
    return skip


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    skip = _type_checking_lines(tree)
    me = module_name(path)
    base = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                mod = f"{parent}.{node.module}" if node.module else parent
            else:
                mod = node.module or ""
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for n in names:
            # ``from optic_ad import x`` is an edge to ``optic_ad.x``, not to the package
            if n in modules and n != me and n != "optic_ad":
                out.add(n)
    return out


def graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    mods = set(paths)
    # the package's __init__ only re-exports: it sits on top of everything
    return {m: imports_of(p, mods) for m, p in paths.items() if m != "optic_ad"}


def layers(g: dict[str, set[str]]) -> dict[str, int]:
    """Each module's layer: one above the highest module it imports (late edges left out)."""
    out: dict[str, int] = {}

    def depth(m: str, seen: tuple[str, ...]) -> int:
        if m in out:
            return out[m]
        if m in seen:
            msg = f"import cycle: {' -> '.join((*seen[seen.index(m) :], m))}"
            raise ValueError(msg)
        below = [d for d in g[m] if (m, d) not in LATE_EDGES]
        out[m] = 1 + max((depth(d, (*seen, m)) for d in below), default=-1)
        return out[m]

    for m in sorted(g):
        depth(m, ())
    return out


def main() -> int:
    g = graph()
    try:
        lay = layers(g)
    except ValueError as e:
        print(e)
        return 1
    for m in sorted(g, key=lambda m: (lay[m], m)):
        deps = ", ".join(sorted(d.removeprefix("optic_ad.") for d in g[m])) or "-"
        print(f"{lay[m]:2d}  {m:34s} {deps}")
    print(f"late edges (allowed): {sorted(LATE_EDGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
