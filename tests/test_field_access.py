"""Field access on BVars of records: ``v.w`` is ``v.view(ad.lenses(Cls).w)``.

Gradients through ``v.w`` (attrs, dataclass, NamedTuple; nested; second order) are checked
against central differences, and against the same function written with lenses; the errors
name the record's fields; BVar's own attributes and the dunder probes of numpy, copy and
pickle are unaffected.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, NamedTuple

import attrs
import numpy as np
import pytest

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.testing import check_grad

from .helpers import numerical_grad

Vec = np.ndarray[Any, np.dtype[np.float64]]


@attrs.frozen
class Layer:
    w: Vec
    b: float
    steps: int = 3
    name: str = "layer"


@dataclasses.dataclass(frozen=True)
class DLayer:
    w: Vec
    b: float


class NLayer(NamedTuple):
    w: Vec
    b: float


@attrs.frozen
class Net:
    layer1: Layer
    layer2: DLayer
    out: NLayer
    scale: float


def _net() -> Net:
    rng = np.random.default_rng(0)
    return Net(
        Layer(rng.normal(size=3), 0.3),
        DLayer(rng.normal(size=3), -0.2),
        NLayer(rng.normal(size=3), 0.7),
        1.5,
    )


def layer_loss(v: Any) -> Any:
    return anp.sum(anp.tanh(v.w) * v.b) + v.b * v.b


def net_loss(v: Any) -> Any:
    h = anp.tanh(v.layer1.w * v.layer1.b + v.layer2.w)
    return v.scale * anp.sum(anp.sin(h * v.out.w) + v.layer2.b) * v.out.b


def net_loss_lenses(v: Any) -> Any:
    N, L, D, O = ad.lenses(Net), ad.lenses(Layer), ad.lenses(DLayer), ad.lenses(NLayer)

    def at(lens: Any) -> Any:
        return ad.view_var(lens, v)

    h = anp.tanh(at(N.layer1 >> L.w) * at(N.layer1 >> L.b) + at(N.layer2 >> D.w))
    out = anp.sum(anp.sin(h * at(N.out >> O.w)) + at(N.layer2 >> D.b))
    return at(N.scale) * out * at(N.out >> O.b)


@pytest.mark.parametrize(
    "record",
    [
        Layer(np.array([0.5, -1.0]), 0.4),
        DLayer(np.array([0.5, -1.0]), 0.4),
        NLayer(np.array([0.5, -1.0]), 0.4),
    ],
    ids=["attrs", "dataclass", "namedtuple"],
)
def test_gradient_through_fields_matches_finite_differences(record: Any) -> None:
    g = ad.grad_bp(layer_loss, record)
    assert type(g) is type(record)
    fd = numerical_grad(layer_loss, record)
    np.testing.assert_allclose(g.w, fd.w, rtol=1e-6, atol=1e-8)
    assert g.b == pytest.approx(fd.b, rel=1e-6)
    check_grad(layer_loss, record, order=2)


def test_nested_fields_match_lenses_and_finite_differences() -> None:
    net = _net()
    g = ad.grad_bp(net_loss, net)
    g_lens = ad.grad_bp(net_loss_lenses, net)
    assert _close(g, g_lens)
    check_grad(net_loss, net, order=2)
    assert ad.eval_bp(net_loss, net) == pytest.approx(net_loss_lenses(net))


def _close(a: Net, b: Net) -> bool:
    pairs: list[tuple[Any, Any]] = [
        (a.layer1.w, b.layer1.w),
        (a.layer1.b, b.layer1.b),
        (a.layer2.w, b.layer2.w),
        (a.layer2.b, b.layer2.b),
        (a.out.w, b.out.w),
        (a.out.b, b.out.b),
        (a.scale, b.scale),
    ]
    return all(np.allclose(x, y) for x, y in pairs)


def test_second_order_through_fields() -> None:
    # the Hessian of a function of a record, through v.w, against lenses
    rec = Layer(np.array([0.5, -1.0]), 0.4)
    h = ad.hessian(layer_loss)(rec)
    L = ad.lenses(Layer)
    h_lens = ad.hessian(lambda v: layer_loss_lens(v, L))(rec)
    np.testing.assert_allclose(h.w.w, h_lens.w.w)
    np.testing.assert_allclose(h.b.b, h_lens.b.b)
    # grad of grad, through fields on both levels
    dd = ad.grad_bp(lambda v: ad.grad(layer_loss)(v).b, rec)
    fd = numerical_grad(lambda r: ad.grad_bp(layer_loss, r).b, rec)
    np.testing.assert_allclose(dd.w, fd.w, rtol=1e-5, atol=1e-7)
    assert dd.b == pytest.approx(fd.b, rel=1e-5)


def layer_loss_lens(v: Any, L: Any) -> Any:
    w, b = v.view(L.w), v.view(L.b)
    return anp.sum(anp.tanh(w) * b) + b * b


def test_static_fields_come_back_plain() -> None:
    def f(v: ad.BVar[Layer]) -> Any:
        assert v.steps == 3
        assert v.name == "layer"
        return anp.sum(v.w) * v.steps

    g = ad.grad_bp(f, Layer(np.ones(2), 1.0))
    np.testing.assert_array_equal(g.w, [3.0, 3.0])


def test_a_field_of_a_bvar_of_an_outer_tape() -> None:
    # nested runners: v is a BVar of the outer tape inside the inner function
    def outer(v: Any) -> Any:
        return ad.derivative(lambda t: v.b * t * t + anp.sum(v.w) * t)(2.0)

    rec = Layer(np.array([1.0, 2.0]), 0.5)
    g = ad.grad_bp(outer, rec)
    assert g.b == pytest.approx(4.0)
    np.testing.assert_allclose(g.w, [1.0, 1.0])


@dataclasses.dataclass
class Other:
    zz: float


def test_unknown_field_names_the_fields_and_view() -> None:
    # a misspelt name: Python's AttributeError, whose "Did you mean" comes from the record's
    # fields (BVar.__dir__); mypy's plugin reports it with the field list before any run
    seen: list[list[str]] = []

    def f(v: Any) -> Any:
        seen.append(dir(v))
        return v.stpes

    with pytest.raises(AttributeError, match="stpes"):
        ad.grad_bp(f, Layer(np.ones(2), 1.0))
    assert {"w", "b", "steps", "name"} <= set(seen[0])

    # the field of another record class: the message names this record's fields and view
    assert ad.grad_bp(lambda o: o.zz * 2.0, Other(1.0)) == Other(2.0)

    def g(v: Any) -> Any:
        return v.zz

    with pytest.raises(
        AttributeError, match=r"Layer has no field 'zz' \(fields: w, b, steps, name\).*view"
    ):
        ad.grad_bp(g, Layer(np.ones(2), 1.0))


def test_attribute_of_a_bvar_that_holds_no_record() -> None:
    def f(v: Any) -> Any:
        return v.w

    with pytest.raises(AttributeError, match=r"'BVar' object has no attribute 'w'.*ndarray"):
        ad.grad_bp(f, np.ones(2))
    with pytest.raises(AttributeError, match=r"has no attribute 'w'.*dict"):
        ad.grad_bp(f, {"w": 1.0})


def test_own_attributes_and_dunders_are_unaffected() -> None:
    seen: list[Any] = []

    def f(v: Any) -> Any:
        # BVar's own names win; dunder and private probes fail at once, without a lookup
        assert isinstance(v.value, Layer)
        assert v.shape == ()
        for name in ("__array_interface__", "__array_struct__", "_fields", "_x"):
            assert not hasattr(v, name)
        with pytest.raises(TypeError, match=r"anp\.stack|optic_ad\.numpy\.stack"):
            np.asarray(v)  # BVar's own __array__ refuses, naming the lifted way
        assert not hasattr(v, "nope")
        assert getattr(v, "nope", None) is None
        c = copy.copy(v)
        seen.append(c.value)
        return anp.sum(v.w)

    ad.grad_bp(f, Layer(np.ones(2), 1.0))
    assert isinstance(seen[0], Layer)


def test_fields_on_plain_records_are_plain_attribute_access() -> None:
    net = _net()
    assert net_loss(net) == pytest.approx(net_loss_lenses(net))
