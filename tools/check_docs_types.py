"""Type-check the ``python`` code blocks of the docs and the README with ``mypy --strict``.

Each page's blocks (extracted by pytest-codeblocks, as ``tests/test_docs.py`` runs them) are
concatenated into one module per page in a temporary directory, leaving out blocks marked
``<!--pytest.mark.xfail(...)-->`` (meant to fail) or ``<!--pytest.mark.skip-->``; then mypy runs
once on all of them with the project's configuration (``pyproject.toml``: strict, stubs in
``typings/``, plugins). Errors are reported against the Markdown file and line.

Usage (from the repository root)::

    .venv/bin/python tools/check_docs_types.py [--cache-dir DIR] [PAGE.md ...]

Exit status: 0 when every page type-checks, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from pytest_codeblocks import CodeBlock, extract_from_file

ROOT = Path(__file__).resolve().parent.parent
_LEFT_OUT = re.compile(r"pytest\.mark\.(xfail|skip)\b")


def default_pages() -> list[Path]:
    """Every Markdown page under ``docs/`` and the README."""
    return [*sorted((ROOT / "docs").glob("**/*.md")), ROOT / "README.md"]


def checked_blocks(page: Path) -> list[CodeBlock]:
    """The python blocks of ``page`` that are meant to run successfully."""
    return [
        b
        for b in extract_from_file(page)
        if b.syntax == "python" and not any(_LEFT_OUT.match(m) for m in b.marks)
    ]


def module_for(page: Path, blocks: list[CodeBlock]) -> tuple[str, list[tuple[int, Path, int]]]:
    """Concatenate ``blocks`` into module text; map module lines back to page lines.

    Returns:
        The module source, and ``(first module line, page, first page line)`` per block.
    """
    lines: list[str] = []
    spans: list[tuple[int, Path, int]] = []
    for b in blocks:
        spans.append((len(lines) + 1, page, b.lineno + 1))
        lines.extend(b.code.splitlines())
        lines.append("")
    return "\n".join(lines) + "\n", spans


def _to_page(line: int, spans: list[tuple[int, Path, int]]) -> tuple[Path, int]:
    start, page, first = max((s for s in spans if s[0] <= line), key=lambda s: s[0])
    return page, first + line - start


def check(pages: list[Path], cache_dir: str) -> int:
    """Run mypy on the pages' blocks; print errors located in the pages; return exit status."""
    return check_modules({page: checked_blocks(page) for page in pages}, cache_dir)


def check_modules(pages: dict[Path, list[CodeBlock]], cache_dir: str, root: Path = ROOT) -> int:
    """Type-check each page's ``blocks`` as one module; report errors at page lines.

    Args:
        pages: the blocks to check, by page.
        cache_dir: mypy's cache directory.
        root: page names are printed relative to this directory.

    Returns:
        0 if mypy found no error, 1 otherwise.
    """
    with tempfile.TemporaryDirectory(prefix="docs-types-") as tmp:
        where: dict[str, list[tuple[int, Path, int]]] = {}
        files: list[str] = []
        for page, blocks in pages.items():
            if not blocks:
                continue
            stem = re.sub(r"\W", "_", str(page.relative_to(root).with_suffix("")))
            target = Path(tmp) / f"docs_{stem}.py"
            text, spans = module_for(page, blocks)
            target.write_text(text)
            where[target.name] = spans
            files.append(str(target))
        if not files:
            return 0
        cmd = [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            cache_dir,
            "--no-error-summary",
            # the package itself is checked by `mypy` in `make test`; report only the pages
            "--follow-imports",
            "silent",
            *files,
        ]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        pattern = re.compile(r"^(?P<file>[^:]+\.py):(?P<line>\d+):(?P<rest>.*)$")
        for raw in (proc.stdout + proc.stderr).splitlines():
            m = pattern.match(raw)
            if m and Path(m["file"]).name in where:
                page, line = _to_page(int(m["line"]), where[Path(m["file"]).name])
                print(f"{page.relative_to(root)}:{line}:{m['rest']}")
            elif raw.strip():
                print(raw)
        return 0 if proc.returncode == 0 else 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("pages", nargs="*", type=Path, help="Markdown pages (default: all)")
    parser.add_argument("--cache-dir", default=str(ROOT / ".mypy_cache" / "docs"))
    args = parser.parse_args(argv)
    pages = [p.resolve() for p in args.pages] or default_pages()
    return check(pages, args.cache_dir)


if __name__ == "__main__":
    sys.exit(main())
