"""Rewrite Sphinx markup in docstrings as the Markdown that mkdocstrings renders.

optic_ad's docstrings are Markdown read by mkdocstrings, but some still carry reStructuredText:
roles such as ``:func:`eval_bp```, ``:class:`~optic_ad.tape.Tape```, ``:mod:`optic_ad.numpy```
(shown as literal text on the site) and literal blocks introduced by ``::``. This tool turns

- a role whose target it can find, and that the API pages document, into a cross-reference,
  ``[`eval_bp`][optic_ad.runners.eval_bp]`` (mkdocstrings/autorefs syntax: shown text, then
  the target's full path), and any other role into inline code, ``update`` (``--plain``
  makes every role inline code);
- ``text::`` followed by an indented block into ``text:`` and a fenced code block.

Targets are looked up by importing the module being rewritten: a name is tried in that
module, then in ``optic_ad``; a dotted name is imported as written. The path written is where
the object is defined (``obj.__module__`` and ``obj.__qualname__``), which mkdocstrings
registers whichever page renders it.

Usage (from the repository root; rewrites the files in place and lists those it changed)::

    python tools/sphinx_roles.py [--plain] [--check] FILE_OR_DIR ...

``--check`` changes nothing and exits 1 if some file would change. ``docs/hooks/griffe_roles.py``
applies the same conversion when the site is built, so the site never shows raw roles.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import textwrap
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

Resolver = Callable[[str], str | None]

ROLE = re.compile(
    r":(?:py:)?(?P<role>func|class|mod|meth|attr|exc|data|obj|const|type):`(?P<body>[^`]+)`"
)
LITERAL = re.compile(r"^(?P<indent>[ \t]*)(?P<text>.*?)(?P<colons>::)[ \t]*$")


def _split_body(body: str) -> tuple[str, str]:
    """``(shown text, target)`` of a role's body: ``title <target>``, ``~a.b.c`` or ``a.b``."""
    m = re.fullmatch(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>", body.strip())
    if m:
        return m["title"], m["target"].lstrip("~!")
    target = body.strip().lstrip("!")
    if target.startswith("~"):
        target = target[1:]
        return target.rsplit(".", 1)[-1], target
    return target, target


def convert_roles(text: str, resolve: Resolver | None = None) -> str:
    """Replace every Sphinx role of ``text``: a cross-reference when ``resolve`` finds the
    target's full path, inline code otherwise."""

    def one(m: re.Match[str]) -> str:
        shown, target = _split_body(m["body"])
        path = resolve(target.removesuffix("()")) if resolve is not None else None
        return f"[`{shown}`][{path}]" if path else f"`{shown}`"

    return ROLE.sub(one, text)


def convert_literal_blocks(text: str) -> str:
    """Turn ``text::`` followed by an indented block into ``text:`` and a fenced block."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = LITERAL.match(lines[i])
        if not m or lines[i].strip().startswith((">>>", "...")):
            out.append(lines[i])
            i += 1
            continue
        indent = m["indent"]
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        k = j
        while k < len(lines) and (
            not lines[k].strip() or _indent(lines[k]) > len(indent.expandtabs())
        ):
            k += 1
        while k > j and not lines[k - 1].strip():
            k -= 1
        if k == j:  # no indented block follows: not a literal block marker
            out.append(lines[i])
            i += 1
            continue
        head = m["text"].rstrip()
        if head:
            out.append(f"{indent}{head}{'' if head.endswith(':') else ':'}")
            out.append("")
        block = textwrap.dedent("\n".join(lines[j:k]))
        out.append(f"{indent}```")
        out.extend(f"{indent}{line}" if line else "" for line in block.split("\n"))
        out.append(f"{indent}```")
        i = k
    return "\n".join(out)


def _indent(line: str) -> int:
    return len(line.expandtabs()) - len(line.expandtabs().lstrip())


def convert(text: str, resolve: Resolver | None = None) -> str:
    """Both rewrites: roles, then literal blocks."""
    return convert_literal_blocks(convert_roles(text, resolve))


def _path_of(obj: Any) -> str | None:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname:
        return f"{module}.{qualname}"
    return None


def _lookup(dotted: str) -> Any:
    """Import the longest importable prefix of ``dotted`` and get the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise AttributeError(dotted)


def module_resolver(module: str) -> Resolver:
    """Resolve role targets as written in ``module``: its own names first, then
    ``optic_ad``'s, then a dotted path as written; ``None`` when nothing is found."""

    def resolve(target: str) -> str | None:
        for base in (module, "optic_ad", ""):
            dotted = f"{base}.{target}" if base else target
            try:
                return _path_of(_lookup(dotted))
            except (AttributeError, ValueError):
                continue
        return None

    return resolve


def _entries(api: Path) -> list[tuple[str, bool]]:
    """Each ``::: path`` of the API pages, and whether its members are rendered too (not
    when its options say ``members: false``)."""
    found: list[tuple[str, bool]] = []
    for page in sorted(api.glob("*.md")):
        lines = page.read_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("::: "):
                options = []
                for nxt in lines[i + 1 :]:
                    if not nxt.startswith(" "):
                        break
                    options.append(nxt.strip())
                found.append((line[4:].strip(), "members: false" not in options))
    return found


def documented_filter(api: Path = ROOT / "docs" / "api") -> Callable[[str], bool]:
    """Whether a full path has an anchor on the site: an object an API page renders
    (``::: path``, under that path or the path where it is defined), or a name of the
    ``__all__`` of a module rendered whole. Modules are rendered without a heading, so
    they have no anchor and are never linked.
    """
    anchors: set[str] = set()
    for entry, whole in _entries(api):
        try:
            obj = _lookup(entry)
        except (AttributeError, ValueError):
            continue
        if isinstance(obj, types.ModuleType):
            if whole:
                for name in getattr(obj, "__all__", []):
                    member = getattr(obj, name, None)
                    anchors.update(p for p in (f"{entry}.{name}", _path_of(member)) if p)
            continue
        anchors.update(p for p in (entry, _path_of(obj)) if p)

    def documented(path: str) -> bool:
        return path in anchors

    return documented


def site_resolver(module: str, documented: Callable[[str], bool]) -> Resolver:
    """:func:`module_resolver`, keeping only the targets ``documented`` on the site (a
    cross-reference to anything else would break ``mkdocs build --strict``)."""
    resolve = module_resolver(module)

    def known(target: str) -> str | None:
        path = resolve(target)
        return path if path is not None and documented(path) else None

    return known


def module_name(path: Path, root: Path = ROOT) -> str:
    """The dotted module name of a Python file under ``root``."""
    rel = path.resolve().relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def rewrite_file(
    path: Path,
    *,
    plain: bool = False,
    write: bool = True,
    documented: Callable[[str], bool] | None = None,
) -> bool:
    """Rewrite one Python file; return whether it changed (or would change).

    Roles become cross-references to the targets ``documented`` accepts (by default, those
    the API pages render), inline code otherwise; with ``plain``, always inline code.
    """
    text = path.read_text()
    known = documented if documented is not None else documented_filter()
    resolve = None if plain else site_resolver(module_name(path), known)
    new = convert(text, resolve)
    if new != text and write:
        path.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    doc = __doc__.splitlines()[0] if __doc__ else None
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--plain", action="store_true", help="inline code, no cross-references")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    files = [f for p in args.paths for f in (sorted(p.rglob("*.py")) if p.is_dir() else [p])]
    documented = documented_filter()
    changed = [
        f
        for f in files
        if rewrite_file(f, plain=args.plain, write=not args.check, documented=documented)
    ]
    for f in changed:
        print(f)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
