"""The documentation site's reference and chrome: nothing public left out, nothing raw shown.

- every name of ``optic_ad.numpy`` (and ``linalg``, ``fft``, ``optic_ad.scipy`` when scipy is
  installed) is a row of the generated numpy reference (``docs/hooks/numpy_table.py``);
- every public name of ``optic_ad`` and of its public submodules has an entry
  (``::: path``) on an API page;
- ``tools/sphinx_roles.py`` turns Sphinx roles and ``::`` blocks into Markdown, and no
  docstring keeps a raw role after the conversion the site applies;
- the code and output blocks of the pages fit the page width (88 characters);
- the built site (``mkdocs build``) contains no raw Sphinx role.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from pytest_codeblocks import extract_from_file

import optic_ad

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "docs" / "api"
WIDTH = 88


def _load(path: Path, name: str) -> types.ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


table = _load(ROOT / "docs" / "hooks" / "numpy_table.py", "docs_hooks_numpy_table")
chrome = _load(ROOT / "docs" / "hooks" / "chrome.py", "docs_hooks_chrome")
roles = _load(ROOT / "tools" / "sphinx_roles.py", "optic_ad_sphinx_roles")


# ----- the numpy reference -----


def test_every_lifted_name_is_in_the_numpy_reference() -> None:
    text = table.reference_markdown()
    missing = [
        f"{s.shown}.{name}"
        for s in table.sources()
        for name in table.public_names(s)
        if not isinstance(getattr(importlib.import_module(s.module), name), types.ModuleType)
        and f"`{s.shown}.{name}`" not in text
    ]
    assert not missing, f"names missing from the numpy reference: {missing}"


def test_numpy_reference_covers_linalg_fft_and_scipy_sources() -> None:
    modules = [s.module for s in table.sources()]
    assert modules[:3] == ["optic_ad.numpy", "optic_ad.numpy.linalg", "optic_ad.numpy.fft"]
    if importlib.util.find_spec("scipy") is not None:
        assert "optic_ad.scipy.special" in modules


def test_numpy_reference_picks_up_a_new_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """A function added to ``__all__`` later appears without editing the hook."""
    from optic_ad.numpy import linalg

    monkeypatch.setattr(linalg, "norm", lambda x: x, raising=False)
    monkeypatch.setattr(linalg, "__all__", [*linalg.__all__, "norm"])
    text = table.reference_markdown()
    assert "`anp.linalg.norm`" in text
    assert "numpy.linalg.norm.html" in text


def test_numpy_reference_notes() -> None:
    text = table.reference_markdown()
    row = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| `")}
    assert "no gradient" in row["`anp.argmax`"]
    assert "subgradient" in row["`anp.abs`"]
    assert "ties" in row["`anp.max`"]
    assert "numpy.sin.html" in row["`anp.sin`"]
    assert "alias of `abs`" in row["`anp.absolute`"]
    assert "constant" in row["`anp.pi`"]


def test_the_numpy_page_has_the_marker() -> None:
    assert table.MARKER in (API / "numpy.md").read_text()


# ----- API pages -----


def _entries() -> set[str]:
    """Every ``::: path`` of the API pages."""
    found: set[str] = set()
    for page in API.glob("*.md"):
        found.update(re.findall(r"^::: (\S+)", page.read_text(), flags=re.MULTILINE))
    return found


# public by ``__all__`` but internal: kept out of the user reference on purpose
INTERNAL = {
    "optic_ad.optics.field_lens",
    "optic_ad.optim.tree_map",
    "optic_ad.registry.LIFTED",
    "optic_ad.registry.Instance",
    "optic_ad.registry.instance",
    "optic_ad.registry.lifted_type",
    "optic_ad.registry.field_names",
    "optic_ad.mypy.OpticPlugin",
}
DOCUMENTED_MODULES = ("optim", "symbolic", "testing", "structure", "extend", "product", "op")


WHOLE_MODULES = {"optic_ad.extend"}  # rendered whole: every name of its __all__


def _documented(path: str, entries: set[str]) -> bool:
    if path in entries:
        return True
    module, _, name = path.rpartition(".")
    if module in WHOLE_MODULES and module in entries:
        return name in importlib.import_module(module).__all__
    obj = _resolve(path)
    return any(_same(entry, obj) for entry in entries)


def _resolve(path: str) -> object:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _same(entry: str, obj: object) -> bool:
    try:
        return _resolve(entry) is obj
    except (ImportError, AttributeError):
        return False


def test_every_public_name_has_a_reference_entry() -> None:
    entries = _entries()
    public = [
        f"optic_ad.{n}"
        for n in dir(optic_ad)
        if not n.startswith("_") and not isinstance(getattr(optic_ad, n), types.ModuleType)
    ]
    for sub in DOCUMENTED_MODULES:
        module = importlib.import_module(f"optic_ad.{sub}")
        public += [f"optic_ad.{sub}.{n}" for n in getattr(module, "__all__", [])]
    missing = [p for p in public if p not in INTERNAL and not _documented(p, entries)]
    assert not missing, f"public names with no `::: path` entry under docs/api: {missing}"


def test_reference_entries_exist() -> None:
    for entry in _entries():
        module, _, name = entry.rpartition(".")
        try:
            importlib.import_module(entry)
        except ImportError:
            assert hasattr(importlib.import_module(module), name), entry


# ----- Sphinx roles -----


def test_roles_become_cross_references_or_code() -> None:
    def resolve(target: str) -> str | None:
        return {"eval_bp": "optic_ad.runners.eval_bp"}.get(target)

    text = "Use :func:`eval_bp` or :meth:`update`; see :class:`~optic_ad.tape.Tape`."
    assert roles.convert_roles(text, resolve) == (
        "Use [`eval_bp`][optic_ad.runners.eval_bp] or `update`; see `Tape`."
    )
    assert roles.convert_roles(":mod:`the numpy layer <optic_ad.numpy>`") == "`the numpy layer`"


def test_literal_blocks_become_fenced_code() -> None:
    text = "Enable it::\n\n    [mypy]\n    plugins = x\n\nThen more."
    assert roles.convert_literal_blocks(text) == (
        "Enable it:\n\n```\n[mypy]\nplugins = x\n```\n\nThen more."
    )
    doctest = "Examples:\n    >>> x = 1\n"
    assert roles.convert_literal_blocks(doctest) == doctest


def test_module_resolver_finds_definitions() -> None:
    resolve = roles.module_resolver("optic_ad.runners")
    assert resolve("grad_bp") == "optic_ad.runners.grad_bp"
    assert resolve("optic_ad.structure.tree_map") == "optic_ad.structure.tree_map"
    assert resolve("no_such_name") is None


def test_only_documented_targets_are_linked() -> None:
    """A cross-reference to an object the site does not render would break the strict
    build: those stay inline code."""
    documented = roles.documented_filter(API)
    assert documented("optic_ad.runners.grad_bp")
    assert documented("optic_ad.bvar.preview_var")  # rendered as optic_ad.optic_vars...
    assert documented("optic_ad.numpy.core.lift1")  # a member of optic_ad.extend
    assert not documented("optic_ad.tape.Sparse")  # internal
    assert not documented("optic_ad.structure")  # modules have no anchor
    resolve = roles.site_resolver("optic_ad.tape", documented)
    assert roles.convert_roles(":class:`Sparse`, :class:`NaNError`", resolve) == (
        "`Sparse`, [`NaNError`][optic_ad.tape.NaNError]"
    )


def test_no_docstring_keeps_a_raw_role_after_conversion() -> None:
    raw: list[str] = []
    for info in pkgutil.walk_packages(optic_ad.__path__, "optic_ad."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        objs = [
            module,
            *(
                o
                for _, o in inspect.getmembers(module)
                if inspect.isroutine(o) or inspect.isclass(o)
            ),
        ]
        for obj in objs:
            doc = roles.convert(inspect.getdoc(obj) or "")
            if roles.ROLE.search(doc) or re.search(r"::\s*$", doc, flags=re.MULTILINE):
                raw.append(f"{info.name}: {getattr(obj, '__name__', obj)}")
    assert not raw, raw


def test_tool_rewrites_a_file(tmp_path: Path) -> None:
    src = tmp_path / "mod.py"
    src.write_text('"""See :func:`thing`::\n\n    thing()\n"""\n')
    assert roles.rewrite_file(src, plain=True, write=False)
    assert roles.rewrite_file(src, plain=True)
    assert src.read_text() == '"""See `thing`:\n\n```\nthing()\n```\n"""\n'
    assert not roles.rewrite_file(src, plain=True)


# ----- pages -----


def test_output_blocks_are_labelled() -> None:
    md = "```python\nprint(1)\n```\n<!--pytest-codeblocks:expected-output-->\n```text\n1\n```\n"
    assert '```text title="Output"\n1' in chrome.label_output(md)


PAGES = sorted((ROOT / "docs").glob("**/*.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_fits_the_page_width(page: Path) -> None:
    """Code and output lines fit the page width (88 characters), so none hides behind a
    horizontal scroll bar."""
    long = [
        f"{page.relative_to(ROOT)}:{b.lineno + i + 1}: {len(line)} chars"
        for b in extract_from_file(page)
        for i, line in enumerate([*b.code.splitlines(), *(b.expected_output or "").splitlines()])
        if len(line) > WIDTH
    ]
    assert not long, long


def test_figures_referenced_by_pages_exist() -> None:
    missing = [
        f"{page.relative_to(ROOT)}: {src}"
        for page in PAGES
        for src in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text())
        if not src.startswith("http") and not (page.parent / src).exists()
    ]
    assert not missing, missing


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("mkdocs") is None and not Path(sys.executable).with_name("mkdocs").exists(),
    reason="mkdocs not installed",
)
def test_built_site_has_no_raw_sphinx_role(tmp_path: Path) -> None:
    mkdocs = Path(sys.executable).with_name("mkdocs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    cmd = [str(mkdocs), "build", "--quiet", "--site-dir", str(tmp_path / "site")]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    raw = [
        str(p.relative_to(tmp_path))
        for p in (tmp_path / "site").rglob("*.html")
        if re.search(r":(func|class|mod|meth|attr|data|exc):<code>", p.read_text())
    ]
    assert not raw, f"raw Sphinx roles in {raw}"
