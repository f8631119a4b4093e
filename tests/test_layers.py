"""The package is arranged in layers (DESIGN "Layers"): each module imports only modules
of its own layer or below, with no cycle: BVar's numpy-named methods reach
``optic_ad.numpy`` through ``optic_ad.bvar.NUMPY_HOOKS``, filled in from above."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "import_graph.py"

# The order of DESIGN.md: structure -> registry -> tape -> BVar and recording -> lifted
# numpy -> ops -> optics -> runners -> higher order -> optim / symbolic / testing.
RANK = {
    "optic_ad.mypy": 0,  # the mypy plugin imports nothing of ours
    "optic_ad.structure": 0,
    "optic_ad.registry": 1,
    "optic_ad.product": 1,  # data types on the structure layer
    "optic_ad.records": 1,
    "optic_ad.tape": 2,
    "optic_ad.bvar": 3,
    "optic_ad.numpy": 4,  # the package re-exports core and holds linalg and fft
    "optic_ad.numpy.core": 4,
    "optic_ad.numpy.linalg": 4,
    "optic_ad.numpy.fft": 4,
    "optic_ad.numpy.dispatch": 4,
    "optic_ad.extend": 5,
    "optic_ad.scipy": 9,  # re-exports integrate
    "optic_ad.scipy.special": 5,
    "optic_ad.scipy.stats": 5,
    "optic_ad.scipy.stats._common": 5,
    "optic_ad.scipy.stats.beta": 5,
    "optic_ad.scipy.stats.chi2": 5,
    "optic_ad.scipy.stats.dirichlet": 5,
    "optic_ad.scipy.stats.gamma": 5,
    "optic_ad.scipy.stats.multivariate_normal": 5,
    "optic_ad.scipy.stats.norm": 5,
    "optic_ad.scipy.stats.poisson": 5,
    "optic_ad.scipy.stats.t": 5,
    "optic_ad.scipy.signal": 5,
    "optic_ad.scipy.linalg": 5,
    "optic_ad.scipy.integrate": 9,  # VJPs of the user's func through the runners
    "optic_ad.op": 5,
    "optic_ad.containers": 5,
    "optic_ad.optic_vars": 6,
    "optic_ad.optics": 7,
    "optic_ad.runners": 8,
    "optic_ad.forward": 9,  # forward mode; higher order picks it for jacobian
    "optic_ad.higher": 9,
    "optic_ad.optim": 10,
    "optic_ad.symbolic": 10,
    "optic_ad.testing": 10,
    "optic_ad.testing._trees": 10,
    "optic_ad.testing._strategies": 10,
    "optic_ad.testing._laws": 10,
    "optic_ad.testing._gradcheck": 10,
}


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", TOOL)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_every_module_has_a_declared_layer() -> None:
    assert set(_tool().graph()) == set(RANK)


def test_no_import_cycle() -> None:
    tool = _tool()
    assert not tool.LATE_EDGES
    layers = tool.layers(tool.graph())  # raises on a cycle
    assert layers["optic_ad.structure"] == 0


@pytest.mark.parametrize("module", sorted(RANK))
def test_imports_go_down(module: str) -> None:
    tool = _tool()
    for dep in tool.graph()[module]:
        assert RANK[dep] <= RANK[module], f"{module} (layer {RANK[module]}) imports {dep}"


def test_the_tool_finds_a_cycle(tmp_path: Path) -> None:
    # the check can fail: a module importing a module above it makes a cycle
    tool = _tool()
    g = {"a": {"b"}, "b": {"a"}}
    with pytest.raises(ValueError, match="import cycle"):
        tool.layers(g)
