"""Type errors that must stay errors: mypy (strict, with the ``optic_ad.mypy`` plugin) is
run in a subprocess on small snippets, and each must fail with the expected message.

A positive control in the same run shows the failures come from the snippets, not from
the setup; another run without the plugin shows lenses fall back to ``Lens[Cls, Any]``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HEADER = """\
from __future__ import annotations
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, assert_type
import attrs
import optic_ad as ad


@attrs.frozen
class A:
    x: float
    y: str | None


@dataclass(frozen=True)
class C:
    x: float


class N(NamedTuple):
    n: float

"""

# file stem -> (snippet, regex the error line must match)
NEGATIVE: dict[str, tuple[str, str]] = {
    "wrong_field_attrs": (
        "ad.lenses(A).z",
        r'error: "A" has no field "z" \(fields: x, y\)  \[attr-defined\]',
    ),
    "wrong_field_dataclass": (
        "ad.lenses(C).xx",
        r'error: "C" has no field "xx" \(fields: x\)  \[attr-defined\]',
    ),
    "wrong_field_namedtuple": (
        "ad.lenses(N).m",
        r'error: "N" has no field "m" \(fields: n\)  \[attr-defined\]',
    ),
    "lens_of_another_whole": (
        "def use(lens: ad.Lens[C, float]) -> None: ...\nuse(ad.lenses(A).x)",
        r'error: Argument 1 to "use" has incompatible type "Lens\[A, float\]"; '
        r'expected "Lens\[C, float\]"  \[arg-type\]',
    ),
    "view_with_lens_of_another_whole": (
        "def f(v: ad.BVar[C]) -> ad.BVar[float]:\n    return v.view(ad.lenses(A).x)",
        r'error: Argument 1 to "view" of "BVar" has incompatible type "Lens\[A, float\]"; '
        r'expected "Lens\[C, float\]"  \[arg-type\]',
    ),
    "field_type_is_known": (
        "s: str = ad.lenses(A).x.view(A(1.0, None))",
        r'error: Incompatible types in assignment \(expression has type "float", '
        r'variable has type "str"\)  \[assignment\]',
    ),
    "prism_where_lens_needed": (
        "def f(v: ad.BVar[A]) -> object:\n    return v.view(ad.lenses(A).y >> ad.just)",
        r'error: Argument 1 to "view" of "BVar" has incompatible type "Traversal\[A, Any\]"; '
        r'expected "Lens\[A, Never\]"  \[arg-type\]',
    ),
    "composition_mismatch": (
        "ad.lenses(A).x >> ad.lenses(C).x",
        r'error: Unsupported operand types for >> \("Lens\[A, float\]" and "Lens\[C, float\]"\)'
        r"  \[operator\]",
    ),
    # ----- field access on BVars (v.w) -----
    "unknown_field_on_bvar": (
        "def f(v: ad.BVar[A]) -> object:\n    return v.z",
        r'error: "A" has no field "z" \(fields: x, y\)  \[attr-defined\]',
    ),
    "unknown_field_on_bvar_namedtuple": (
        "def f(v: ad.BVar[N]) -> object:\n    return v.m",
        r'error: "N" has no field "m" \(fields: n\)  \[attr-defined\]',
    ),
    "attribute_of_a_bvar_of_float": (
        "def f(v: ad.BVar[float]) -> object:\n    return v.w",
        r'error: "BVar\[float\]" has no attribute "w" \(v.<field> reads the fields of records',
    ),
    "field_type_through_bvar": (
        "def f(v: ad.BVar[A]) -> ad.BVar[str]:\n    return v.x",
        r'error: Incompatible return value type \(got "BVar\[float\]", expected "BVar\[str\]"\)',
    ),
    "literal_index_out_of_range": (
        "def f(v: ad.BVar[tuple[float, float]]) -> object:\n    return v[2]",
        r"error: Tuple index out of range \(2 for 2 items\)",
    ),
    # ----- transforms -----
    "grad_result_used_as_str": (
        "def loss(v: ad.BVar[float]) -> ad.BVar[float]:\n    return v * v\n"
        "s: str = ad.grad(loss)(3.0)",
        r'error: Incompatible types in assignment \(expression has type "float", '
        r'variable has type "str"\)  \[assignment\]',
    ),
    "grad_of_a_record_given_another": (
        "def loss(v: ad.BVar[A]) -> ad.BVar[float]:\n    return v.x\nad.grad(loss)(C(1.0))",
        r'error: Argument 1 has incompatible type "C"; expected "A"  \[arg-type\]',
    ),
    "grad_argnums_result": (
        "def loss(v: ad.BVar[A], s: ad.BVar[float]) -> ad.BVar[float]:\n    return v.x * s\n"
        "a: A = ad.grad(loss, argnums=1)(A(1.0, None), 2.0)",
        r'error: Incompatible types in assignment \(expression has type "float", '
        r'variable has type "A"\)',
    ),
    "argnums_out_of_range": (
        "def f(a: ad.BVar[float]) -> ad.BVar[float]:\n    return a\nad.grad(f, argnums=1)",
        r"error: argnums 1 out of range for a function of 1 argument\(s\)  \[argnums\]",
    ),
    "derivative_result_type": (
        "def f(t: ad.BVar[float]) -> ad.BVar[ad.T2[float, float]]:\n"
        "    return ad.collect_var(ad.T2(t, t))  # type: ignore[no-any-return]\n"
        "x: float = ad.derivative(f)(1.0)",
        r'error: Incompatible types in assignment \(expression has type "T2\[float, float\]", '
        r'variable has type "float"\)',
    ),
    "backprop_of_a_lambda_is_typed": (
        "s: str = ad.backprop(lambda v: v * v, 3.0)[0]",
        r'error: Incompatible types in assignment \(expression has type "float", '
        r'variable has type "str"\)',
    ),
    "num_is_numbers_only": (
        "def g(x: ad.Num) -> ad.Num:\n    return x\ng('a')",
        r'error: Value of type variable "ad.Num" of "g" cannot be "str"',
    ),
}

POSITIVE = """\
assert_type(ad.lenses(A).x, ad.Lens[A, float])
assert_type(ad.lenses(A).y, ad.Lens[A, str | None])
assert_type(ad.lenses(C).x, ad.Lens[C, float])
assert_type(ad.lenses(N).n, ad.Lens[N, float])
assert_type(ad.lenses(A).y >> ad.just, ad.Traversal[A, Any])


def fields(v: ad.BVar[A], c: ad.BVar[C], n: ad.BVar[N]) -> None:
    assert_type(v.x, ad.BVar[float])
    assert_type(v.y, ad.BVar[str | None])
    assert_type(c.x, ad.BVar[float])
    assert_type(n.n, ad.BVar[float])


def loss(v: ad.BVar[A]) -> ad.BVar[float]:
    return v.x * v.x


assert_type(ad.grad(loss), Callable[[A], A])
assert_type(ad.backprop(lambda v: loss(v), A(1.0, None)), tuple[float, A])
"""

WITHOUT_PLUGIN = """\
assert_type(ad.lenses(A).x, ad.Lens[A, Any])
assert_type(ad.lenses(A).z, ad.Lens[A, Any])


def fields(v: ad.BVar[A]) -> None:
    assert_type(v.x, ad.BVar[Any])
    assert_type(v.z, ad.BVar[Any])


def loss(v: ad.BVar[A]) -> ad.BVar[float]:
    return v.x * v.x


assert_type(ad.grad(loss), Callable[..., Any])
assert_type(ad.grad_bp(loss, A(1.0, None)), A)
"""


def _mypy(tmp: Path, files: dict[str, str], plugin: bool) -> str:
    for stem, body in files.items():
        (tmp / f"{stem}.py").write_text(HEADER + textwrap.dedent(body) + "\n")
    config = tmp / "mypy.ini"
    plugins = "plugins = optic_ad.mypy\n" if plugin else ""
    config.write_text(
        f"[mypy]\nstrict = True\npython_version = 3.11\n{plugins}"
        f"mypy_path = {ROOT}:{ROOT / 'typings'}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp.parent / "mypy-cache"),
            "--no-error-summary",
            "--hide-error-context",
            *[f"{stem}.py" for stem in files],
        ],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def with_plugin(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("snippets")
    files = {stem: snippet for stem, (snippet, _) in NEGATIVE.items()}
    return _mypy(tmp, {**files, "positive": POSITIVE}, plugin=True)


def _errors(output: str, stem: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"{stem}.py:")]


@pytest.mark.parametrize("stem", list(NEGATIVE))
def test_snippet_fails_with_the_expected_error(with_plugin: str, stem: str) -> None:
    errors = _errors(with_plugin, stem)
    pattern = NEGATIVE[stem][1]
    assert any(re.search(pattern, e) for e in errors), (
        f"{stem}: expected an error matching {pattern!r}, mypy said:\n" + "\n".join(errors)
    )


def test_positive_control_passes(with_plugin: str) -> None:
    assert "Error importing plugin" not in with_plugin, with_plugin
    assert _errors(with_plugin, "positive") == []


def test_without_the_plugin_fields_are_any(tmp_path_factory: pytest.TempPathFactory) -> None:
    out = _mypy(tmp_path_factory.mktemp("noplugin"), {"noplugin": WITHOUT_PLUGIN}, plugin=False)
    assert _errors(out, "noplugin") == [], out
