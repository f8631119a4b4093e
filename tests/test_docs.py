"""Run every ``python`` code block of the docs and the README, page by page, like a notebook.

Blocks are extracted with pytest-codeblocks (``pytest_codeblocks.extract_from_file``), so the
pages use its markup:

- every ``python`` block of a page runs in order in one shared namespace (a fresh module per
  page), so a later block sees the names an earlier one defined;
- ``<!--pytest.mark.xfail(raises=SomeError)-->`` before a block says it is meant to fail: the
  block must raise ``SomeError`` (the test fails if it raises nothing or something else);
- ``<!--pytest-codeblocks:expected-output-->`` before a block (after the code) gives the text
  the code block must print; after a failing block it gives the start of the
  ``"SomeError: message"`` line the exception must produce (whitespace is normalised);
- ``<!--pytest.mark.skip-->`` skips one block (use sparingly, and say why on the page).

``tools/check_docs_types.py`` type-checks the same blocks with ``mypy --strict``.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from pytest_codeblocks import CodeBlock, extract_from_file

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("**/*.md")), ROOT / "README.md"]


def _page_id(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _marks(block: CodeBlock) -> list[Any]:
    return [eval(m, {"pytest": pytest, "sys": sys}) for m in block.marks]


def _expected_error(block: CodeBlock) -> type[BaseException] | None:
    for mark in _marks(block):
        if mark.name == "xfail":
            raises = mark.kwargs.get("raises")
            if not (isinstance(raises, type) and issubclass(raises, BaseException)):
                msg = f"line {block.lineno}: an xfail block must name the exception: raises=..."
                raise ValueError(msg)
            return raises
    return None


def _skipped(block: CodeBlock) -> bool:
    return any(mark.name == "skip" for mark in _marks(block))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def python_blocks(path: Path) -> list[CodeBlock]:
    """The ``python`` blocks of one Markdown page, in order."""
    return [b for b in extract_from_file(path) if b.syntax == "python"]


def run_page(path: Path) -> int:
    """Run the python blocks of ``path`` in one namespace; return how many ran.

    Raises:
        AssertionError: a block failed, a failing block did not fail as announced, or printed
            output differs from the expected output.
    """
    name = "docs_" + re.sub(r"\W", "_", path.stem)
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module  # attrs, dataclasses and typing look classes up by module name
    ran = 0
    try:
        for block in python_blocks(path):
            if _skipped(block):
                continue
            where = f"{_page_id(path)}, block at line {block.lineno}"
            code = compile(block.code, f"{path}:{block.lineno}", "exec")
            expected = _expected_error(block)
            out = io.StringIO()
            if expected is None:
                with contextlib.redirect_stdout(out):
                    try:
                        exec(code, module.__dict__)
                    except Exception as e:
                        msg = f"{where} raised {type(e).__name__}: {e}\n\n{block.code}"
                        raise AssertionError(msg) from e
                if block.expected_output is not None and _squash(out.getvalue()) != _squash(
                    block.expected_output
                ):
                    msg = f"{where} printed\n{out.getvalue()}\nexpected\n{block.expected_output}"
                    raise AssertionError(msg)
            else:
                with pytest.raises(expected) as info, contextlib.redirect_stdout(out):
                    exec(code, module.__dict__)
                got = _squash(f"{info.type.__name__}: {info.value}")
                want = _squash(block.expected_output or "")
                if not got.startswith(want):
                    msg = f"{where} raised\n{got}\nexpected it to start with\n{want}"
                    raise AssertionError(msg)
            ran += 1
    finally:
        del sys.modules[name]
    return ran


@pytest.mark.parametrize("path", PAGES, ids=_page_id)
def test_page_runs(path: Path) -> None:
    """Every python block of the page runs (or fails exactly as it says it will)."""
    run_page(path)


def test_runner_catches_a_wrong_page(tmp_path: Path) -> None:
    """The runner itself can fail: a wrong result, a missing error and a wrong message."""
    fence = "`" * 3
    pages = {
        "wrong.md": f"{fence}python\nx = 1\n{fence}\n\n{fence}python\nassert x == 2\n{fence}\n",
        "silent.md": (
            f"<!--pytest.mark.xfail(raises=ZeroDivisionError)-->\n{fence}python\n"
            f"y = 1 / 1\n{fence}\n"
        ),
        "message.md": (
            f"<!--pytest.mark.xfail(raises=ZeroDivisionError)-->\n{fence}python\n"
            f"y = 1 / 0\n{fence}\n<!--pytest-codeblocks:expected-output-->\n"
            f"{fence}text\nZeroDivisionError: not this\n{fence}\n"
        ),
        "output.md": (
            f"{fence}python\nprint(3)\n{fence}\n<!--pytest-codeblocks:expected-output-->\n"
            f"{fence}text\n4\n{fence}\n"
        ),
    }
    for name, text in pages.items():
        page = tmp_path / name
        page.write_text(text)
        with pytest.raises((AssertionError, pytest.fail.Exception)):
            run_page(page)


def test_runner_shares_state_and_checks_errors(tmp_path: Path) -> None:
    """Blocks share a namespace; an announced error with the right message passes."""
    fence = "`" * 3
    page = tmp_path / "ok.md"
    page.write_text(
        f"{fence}python\nx = 1\n{fence}\n\n{fence}python\nassert x == 1\nprint(x + 1)\n{fence}\n"
        f"<!--pytest-codeblocks:expected-output-->\n{fence}text\n2\n{fence}\n"
        f"<!--pytest.mark.xfail(raises=ZeroDivisionError)-->\n{fence}python\nx / 0\n{fence}\n"
        f"<!--pytest-codeblocks:expected-output-->\n{fence}text\n"
        f"ZeroDivisionError: division by zero\n{fence}\n"
    )
    assert run_page(page) == 3


def _load_type_checker() -> types.ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "check_docs_types", ROOT / "tools" / "check_docs_types.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_type_checker_reports_errors_at_page_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tools/check_docs_types.py fails on a type error, names the Markdown line, and leaves
    out blocks marked to fail."""
    checker = _load_type_checker()
    fence = "`" * 3
    page = tmp_path / "page.md"
    page.write_text(
        f"# t\n\n{fence}python\nx: int = 1\n{fence}\n\n"
        f"<!--pytest.mark.xfail(raises=TypeError)-->\n{fence}python\nx + 'a'\n{fence}\n\n"
        f"{fence}python\ny: str = x\n{fence}\n"
    )
    blocks = checker.checked_blocks(page)
    assert [b.code for b in blocks] == ["x: int = 1\n", "y: str = x\n"]
    cache = str(ROOT / ".mypy_cache" / "docs-selftest")
    status = checker.check_modules({page: blocks}, cache, root=tmp_path)
    out = capsys.readouterr().out
    assert status == 1
    assert "page.md:13: error: Incompatible types in assignment" in out


def test_readme_starts_with_the_two_commands() -> None:
    """The README's first block, right after the title, is exactly `make demo` and `make test`."""
    lines = (ROOT / "README.md").read_text().splitlines()
    assert lines[0].startswith("# ")
    body = [line for line in lines[1:] if line.strip()]
    assert body[:4] == ["```console", "make demo", "make test", "```"]
