"""mkdocs hook: the lifted numpy (and scipy) reference, generated from ``__all__`` at build time.

A page containing the line ``<!-- numpy-reference -->`` gets, in its place, one table per
group of every name in ``optic_ad.numpy.__all__``, ``optic_ad.numpy.linalg.__all__``,
``optic_ad.numpy.fft.__all__`` and, when scipy is installed, the ``__all__`` of each
``optic_ad.scipy`` module: our name, the numpy or scipy counterpart (linked to its
documentation) and notes. A function added to any of these ``__all__`` appears on the next
build without editing this file: names this file does not know are classified by what they
are (a module, a dtype, a constant, a function without gradient, numpy's own function) and
otherwise listed under "Other functions".

``tests/test_docs_reference.py`` checks that every public name appears in the generated text.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MARKER = "<!-- numpy-reference -->"
NUMPY_DOCS = "https://numpy.org/doc/stable/reference/generated/"
SCIPY_DOCS = "https://docs.scipy.org/doc/scipy/reference/generated/"

# optic_ad.numpy's names by section, following the sections of numpy's reference
# ("Mathematical functions", "Array manipulation routines", ...).
GROUPS: dict[str, list[str]] = {
    "Arithmetic": [
        "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "power",
        "negative", "reciprocal", "remainder", "mod", "fmod",
    ],
    "Trigonometric and hyperbolic functions": [
        "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "hypot", "sinh", "cosh",
        "tanh", "arcsinh", "arccosh", "arctanh", "degrees", "radians", "deg2rad", "rad2deg",
        "sinc",
    ],
    "Exponents, logarithms and powers": [
        "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp", "logaddexp2",
        "sqrt", "square", "cbrt",
    ],
    "Extrema, clipping and signs": [
        "maximum", "minimum", "fmax", "fmin", "clip", "abs", "absolute", "fabs", "sign",
        "copysign", "nan_to_num",
    ],
    "Neural-network functions (not in numpy)": [
        "sigmoid", "logistic", "softmax", "log_softmax", "logsumexp",
    ],
    "Complex numbers": ["real", "imag", "conj", "conjugate", "angle", "real_if_close"],
    "Sums, products and statistics": [
        "sum", "prod", "mean", "average", "var", "std", "max", "min", "amax", "amin",
        "nansum", "nanmean", "cumsum", "cumprod", "diff", "trace",
    ],
    "Products": ["matmul", "dot", "inner", "outer", "tensordot", "einsum", "kron", "cross"],
    "Shape manipulation": [
        "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "squeeze",
        "expand_dims", "broadcast_to", "atleast_1d", "atleast_2d", "atleast_3d", "shape",
        "ndim", "size",
    ],
    "Joining and splitting": [
        "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack", "row_stack",
        "append", "split", "array_split", "hsplit", "vsplit", "dsplit", "r_", "c_",
    ],
    "Rearranging, tiling and padding": [
        "flip", "fliplr", "flipud", "roll", "rot90", "repeat", "tile", "pad", "sort",
        "partition",
    ],
    "Indexing and triangles": ["take", "where", "diag", "diagonal", "tril", "triu"],
    "Array creation": [
        "array", "asarray", "zeros", "ones", "empty", "full", "eye", "identity", "arange",
        "linspace", "logspace", "zeros_like", "ones_like", "full_like", "empty_like",
    ],
    "No gradient (indices, tests, rounding)": [
        "argmax", "argmin", "argsort", "argwhere", "nonzero", "searchsorted",
        "count_nonzero", "isnan", "isinf", "isfinite", "all", "any", "floor", "ceil", "round",
        "rint", "trunc",
    ],
    "Constants, dtypes and submodules": [],
    "Helpers for extensions": ["take_index", "unbroadcast"],
}  # fmt: skip
OTHER = "Other functions"
CONSTANTS = "Constants, dtypes and submodules"

# What a row cannot discover by itself: the subgradient chosen at a kink, the counterpart of
# a function numpy does not have.
NOTES: dict[str, str] = {
    "abs": "gradient `sign(x)`: 0 at 0 (a subgradient)",
    "absolute": "gradient `sign(x)`: 0 at 0 (a subgradient)",
    "fabs": "gradient `sign(x)`: 0 at 0 (a subgradient)",
    "sign": "gradient 0 (piecewise constant)",
    "max": "ties share the gradient equally",
    "min": "ties share the gradient equally",
    "amax": "ties share the gradient equally",
    "amin": "ties share the gradient equally",
    "maximum": "at a tie the gradient goes to the first argument",
    "minimum": "at a tie the gradient goes to the first argument",
    "fmax": "at a tie the gradient goes to the first argument; NaN-ignoring",
    "fmin": "at a tie the gradient goes to the first argument; NaN-ignoring",
    "clip": "gradient 1 inside the bounds and at them, 0 outside",
    "sort": "the gradient follows the sorting permutation (ties keep their order)",
    "partition": "the gradient follows the partition's permutation",
    "sqrt": "infinite gradient at 0",
    "array": "stacks BVars differentiably (`anp.array([v, w])`)",
    "asarray": "stacks BVars differentiably",
    "take_index": "`x[idx]` on a BVar; see [extending](extend.md)",
    "unbroadcast": "sums a broadcast cotangent back to a shape; see [extending](extend.md)",
    "floor_divide": "no gradient (piecewise constant)",
    "shape": "works on BVars; plain result",
    "ndim": "works on BVars; plain result",
    "size": "works on BVars; plain result",
    "zeros_like": "works on BVars; plain result, no gradient",
    "ones_like": "works on BVars; plain result, no gradient",
    "full_like": "works on BVars; plain result, no gradient",
    "empty_like": "works on BVars; plain result, no gradient",
    "r_": "index trick; concatenates BVars differentiably",
    "c_": "index trick; concatenates BVars differentiably",
    "einsum": "explicit and implicit specs, `...`",
    "random": "numpy's `random` module: no gradient",
    "real": "real inputs: the identity",
    "imag": "real inputs: zero",
    "conj": "real inputs: the identity",
    "conjugate": "real inputs: the identity",
}
COUNTERPART: dict[str, str] = {
    "sigmoid": "scipy.special.expit",
    "logistic": "scipy.special.expit",
    "softmax": "scipy.special.softmax",
    "log_softmax": "scipy.special.log_softmax",
    "logsumexp": "scipy.special.logsumexp",
}


@dataclass(frozen=True)
class Row:
    """One row of the reference: our name, its counterpart, notes."""

    name: str  # as a user writes it: anp.sin, anp.linalg.det, scipy.special.gammaln
    counterpart: str  # numpy.sin, scipy.special.gammaln, or "" when there is none
    notes: str


@dataclass(frozen=True)
class Source:
    """A lifted module and the library module it mirrors."""

    module: str  # optic_ad.numpy.linalg
    shown: str  # how users write it: anp.linalg
    mirror: str  # numpy.linalg


def sources() -> list[Source]:
    """The lifted modules, scipy's only when scipy and ``optic_ad.scipy`` import."""
    found = [
        Source("optic_ad.numpy", "anp", "numpy"),
        Source("optic_ad.numpy.linalg", "anp.linalg", "numpy.linalg"),
        Source("optic_ad.numpy.fft", "anp.fft", "numpy.fft"),
    ]
    try:
        scipy_pkg = importlib.import_module("optic_ad.scipy")
    except ImportError:
        return found
    for sub in getattr(scipy_pkg, "__all__", []):
        found.extend(_scipy_sources(f"optic_ad.scipy.{sub}", f"scipy.{sub}"))
    return found


def _scipy_sources(module: str, mirror: str) -> Iterator[Source]:
    yield Source(module, module.removeprefix("optic_ad."), mirror)
    mod = importlib.import_module(module)
    for name in getattr(mod, "__all__", []):
        if isinstance(getattr(mod, name, None), types.ModuleType):
            yield from _scipy_sources(f"{module}.{name}", f"{mirror}.{name}")


def public_names(source: Source) -> list[str]:
    """The ``__all__`` of a lifted module."""
    return list(getattr(importlib.import_module(source.module), "__all__", []))


def _mirror_object(mirror: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(mirror), name)
    except (ImportError, AttributeError):
        return None


def _is_no_grad(obj: Any) -> bool:
    doc = getattr(obj, "__doc__", None) or ""
    return hasattr(obj, "__wrapped__") and "no gradient" in doc


def _numpy_own(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return (
        callable(obj) and module.split(".")[0] == "numpy" and not isinstance(obj, type)
    )


def classify(source: Source, name: str, obj: Any) -> str:
    """The group heading of one name."""
    if source.module != "optic_ad.numpy":
        if isinstance(obj, types.ModuleType):
            return ""  # a scipy subpackage: its own table
        return f"`{source.shown}`: {source.mirror}"
    for group, names in GROUPS.items():
        if name in names:
            return group
    if isinstance(obj, types.ModuleType | type) or not callable(obj):
        return CONSTANTS
    if _is_no_grad(obj) or _numpy_own(obj):
        return "No gradient (indices, tests, rounding)"
    return OTHER


def notes_for(source: Source, name: str, obj: Any, seen: dict[int, str]) -> str:
    """What a user should know about one name, from its attributes and :data:`NOTES`."""
    found: list[str] = []
    if source.module == "optic_ad.numpy" and name in NOTES:
        found.append(NOTES[name])
    if isinstance(obj, types.ModuleType):
        found.append("submodule")
    elif isinstance(obj, type):
        found.append("a type (dtype or class): numpy's own")
    elif not callable(obj):
        found.append("constant")
    elif _is_no_grad(obj):
        found.append("no gradient: BVar arguments are read as plain values")
    elif _numpy_own(obj):
        found.append("numpy's own function: plain result, no gradient")
    batch = getattr(obj, "batch_safe", None)
    if batch is True:
        found.append("batch-safe")
    elif batch is False:
        found.append("not batch-safe (Jacobians pulled back row by row)")
    if callable(obj) and not isinstance(obj, type) and id(obj) in seen:
        found.append(f"alias of `{seen[id(obj)]}`")
    return "; ".join(dict.fromkeys(found))


def rows(source: Source) -> dict[str, list[Row]]:
    """The rows of one lifted module, by group, in the order of ``__all__``."""
    mod = importlib.import_module(source.module)
    groups: dict[str, list[Row]] = {}
    seen: dict[int, str] = {}
    for name in public_names(source):
        obj = getattr(mod, name)
        group = classify(source, name, obj)
        if not group:
            continue
        counterpart = (
            COUNTERPART.get(name, "") if source.module == "optic_ad.numpy" else ""
        )
        if not counterpart and _mirror_object(source.mirror, name) is not None:
            counterpart = f"{source.mirror}.{name}"
        notes = notes_for(source, name, obj, seen)
        if callable(obj) and not isinstance(obj, type):
            seen.setdefault(id(obj), name)
        groups.setdefault(group, []).append(
            Row(f"{source.shown}.{name}", counterpart, notes)
        )
    return groups


def _link(counterpart: str) -> str:
    if not counterpart:
        return "—"
    base = SCIPY_DOCS if counterpart.startswith("scipy") else NUMPY_DOCS
    obj = _mirror_object(*counterpart.rsplit(".", 1))
    if callable(obj) and not isinstance(obj, type):
        return f"[`{counterpart}`]({base}{counterpart}.html)"
    return f"`{counterpart}`"


def table(rows_: list[Row]) -> str:
    """A Markdown table of rows."""
    lines = ["| optic_ad | counterpart | notes |", "|---|---|---|"]
    for r in rows_:
        lines.append(f"| `{r.name}` | {_link(r.counterpart)} | {r.notes} |")
    return "\n".join(lines)


def _rank(group: str, shown: str) -> int:
    """Rows in the order of :data:`GROUPS` (related functions together), others last."""
    names = GROUPS.get(group, [])
    name = shown.rsplit(".", 1)[-1]
    return names.index(name) if name in names else len(names)


def reference_markdown() -> str:
    """The whole generated reference: one section per group, then per lifted module."""
    parts: list[str] = []
    for source in sources():
        groups = rows(source)
        if source.module == "optic_ad.numpy":
            order = [*GROUPS, OTHER]
            for group in order:
                if group in groups:
                    ordered = sorted(groups[group], key=lambda r: _rank(group, r.name))
                    parts.append(f"### {group}\n\n{table(ordered)}\n")
            continue
        title = {
            "optic_ad.numpy.linalg": "Linear algebra: `anp.linalg`",
            "optic_ad.numpy.fft": "Discrete Fourier transform: `anp.fft`",
        }.get(source.module, f"`{source.module}` (scipy extra)")
        body = [table(r) for r in groups.values()]
        parts.append(
            f"### {title}\n\n" + ("\n\n".join(body) or "No function yet.") + "\n"
        )
    return "\n".join(parts)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace the marker line with the generated reference."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, reference_markdown())


__all__ = ["on_page_markdown", "reference_markdown", "sources"]
