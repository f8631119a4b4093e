"""Type expectations for the transforms, field access and ``ad.Num``: checked by mypy
--strict with the ``optic_ad.mypy`` plugin, never run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple, assert_type

import attrs
import numpy as np
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp

Vec = NDArray[np.float64]
T2 = ad.T2


@attrs.frozen
class Layer(ad.Numeric):
    w: Vec
    b: float


@dataclasses.dataclass(frozen=True)
class DLayer:
    w: Vec
    b: float


class NLayer(NamedTuple):
    w: Vec
    b: float


@attrs.frozen
class Net(ad.Numeric):
    layer1: Layer
    layer2: DLayer
    out: NLayer


def loss(p: ad.BVar[Net]) -> ad.BVar[float]:
    return anp.sum(p.layer1.w * p.layer2.w) + p.out.b * p.layer1.b


def loss2(p: ad.BVar[Net], scale: ad.BVar[float]) -> ad.BVar[float]:
    return loss(p) * scale


def loss3(p: ad.BVar[Layer], x: Vec, y: ad.BVar[Vec]) -> ad.BVar[float]:
    return anp.sum(p.w * x + y) * p.b


def curve(t: ad.BVar[float]) -> ad.BVar[T2[float, Vec]]:
    point: ad.BVar[T2[float, Vec]] = ad.collect_var(T2(t * t, t * np.ones(3)))
    return point


def pair(t: ad.BVar[float]) -> tuple[ad.BVar[float], ad.BVar[Vec]]:
    return t * t, ad.const(np.ones(2)) * t


def energy(x: ad.BVar[Vec]) -> ad.BVar[float]:
    return anp.sum(x**3)


def flow(x: ad.BVar[Vec]) -> ad.BVar[Vec]:
    return x * x


def on_dict(p: ad.BVar[dict[str, Vec]]) -> ad.BVar[float]:
    return anp.sum(p["w"])


def on_t2(p: ad.BVar[T2[float, Vec]]) -> ad.BVar[float]:
    return anp.sum(p.view(ad.lenses(T2[float, Vec]).a) * 2.0)


def cube(x: float) -> float:
    return x * x * x


def logistic(x: ad.Num) -> ad.Num:
    return 1.0 / (1.0 + anp.exp(-x))


net = Net(Layer(np.ones(2), 1.0), DLayer(np.ones(2), 2.0), NLayer(np.ones(2), 3.0))

# ----- field access -----


def fields(v: ad.BVar[Net]) -> None:
    assert_type(v.layer1, ad.BVar[Layer])
    assert_type(v.layer1.w, ad.BVar[Vec])
    assert_type(v.layer2.b, ad.BVar[float])
    assert_type(v.out.w, ad.BVar[Vec])
    assert_type(v.out, ad.BVar[NLayer])
    assert_type(v.value, Net)


# ----- ad.Num -----

assert_type(logistic(1.0), float)
assert_type(logistic(np.ones(2)), Vec)


def num_on_bvars(a: ad.BVar[float], b: ad.BVar[Vec]) -> None:
    assert_type(logistic(a), ad.BVar[float])
    assert_type(logistic(b), ad.BVar[Vec])


# ----- grad, value_and_grad: with and without argnums -----

assert_type(ad.grad(loss), Callable[[Net], Net])
assert_type(ad.grad(loss)(net), Net)
assert_type(ad.grad(loss, argnums=0), Callable[[Net], Net])
assert_type(ad.grad(loss2), Callable[[Net, float], Net])
assert_type(ad.grad(loss2, argnums=1), Callable[[Net, float], float])
assert_type(ad.grad(loss2, argnums=-1), Callable[[Net, float], float])
assert_type(ad.grad(loss2, argnums=(0, 1)), Callable[[Net, float], tuple[Net, float]])
assert_type(ad.grad(loss3, argnums=(2, 0)), Callable[[Layer, Vec, Vec], tuple[Vec, Layer]])
assert_type(ad.grad(on_dict), Callable[[dict[str, Vec]], dict[str, Vec]])
assert_type(ad.grad(on_t2), Callable[[T2[float, Vec]], T2[float, Vec]])
assert_type(ad.grad(cube), Callable[[float], float])
assert_type(ad.grad(ad.grad(cube)), Callable[[float], float])
assert_type(ad.grad(lambda v: v * v), Callable[[Any], Any])
assert_type(ad.grad(lambda v: v * v)(3.0), Any)
assert_type(ad.grad(loss, debug_nans=True), Callable[[Net], Net])

assert_type(ad.value_and_grad(loss), Callable[[Net], tuple[float, Net]])
assert_type(ad.value_and_grad(loss2, argnums=1), Callable[[Net, float], tuple[float, float]])
assert_type(
    ad.value_and_grad(loss2, argnums=(0, 1)),
    Callable[[Net, float], tuple[float, tuple[Net, float]]],
)

# ----- derivative, jacobian, hessian -----

assert_type(ad.derivative(curve), Callable[[float], T2[float, Vec]])
assert_type(ad.derivative(pair), Callable[[float], tuple[float, Vec]])
assert_type(ad.derivative(cube), Callable[[float], float])
assert_type(ad.derivative(ad.derivative(ad.derivative(cube))), Callable[[float], float])
assert_type(ad.derivative(anp.sin)(1.0), float)
assert_type(ad.derivative(lambda x: x * x), Callable[[Any], Any])
assert_type(ad.derivative(lambda x: 3.0), Callable[[Any], float])

assert_type(ad.jacobian(flow), Callable[[Vec], Vec])
assert_type(ad.jacobian(energy), Callable[[Vec], Vec])
assert_type(ad.jacobian(curve), Callable[[float], T2[float, Vec]])
assert_type(ad.jacobian(loss3, argnums=2), Callable[[Layer, Vec, Vec], Vec])
assert_type(ad.jacobian(on_dict), Callable[[dict[str, Vec]], dict[str, Vec]])
assert_type(ad.jacobian(on_t2), Callable[[T2[float, Vec]], T2[float, Vec]])
assert_type(ad.jacobian(lambda v: v * v), Callable[[Any], Any])

assert_type(ad.hessian(energy), Callable[[Vec], Vec])
assert_type(ad.hessian(cube), Callable[[float], float])
assert_type(ad.hessian(loss2, argnums=1), Callable[[Net, float], float])
assert_type(ad.hessian(loss), Callable[[Net], Any])


def two(x: ad.BVar[float], y: ad.BVar[Vec]) -> ad.BVar[float]:
    return anp.sum(y) * x


assert_type(
    ad.hessian(two, argnums=(0, 1)),
    Callable[[float, Vec], tuple[tuple[float, Vec], tuple[Vec, Vec]]],
)

# ----- runners: named functions and lambdas -----

assert_type(ad.grad_bp(loss, net), Net)
assert_type(ad.backprop(loss, net), tuple[float, Net])
assert_type(ad.backprop(lambda v: loss(v), net), tuple[float, Net])
assert_type(ad.backprop(lambda v: loss(v) * 2.0, net), tuple[float, Net])
assert_type(ad.backprop(lambda v: v * v, 3.0), tuple[float, float])
assert_type(ad.grad_bp(lambda v: loss(v), net), Net)
assert_type(ad.eval_bp(loss, net), float)
assert_type(ad.eval_bp(pair, 2.0), tuple[float, Vec])
assert_type(ad.backprop_with(flow, np.ones(2), np.ones(2))[0], Vec)
assert_type(ad.backprop_with(pair, 2.0, (1.0, np.ones(2))), tuple[tuple[float, Vec], float])
assert_type(ad.backprop2(loss2, net, 2.0), tuple[float, tuple[Net, float]])
assert_type(ad.grad_bp2(loss2, net, 2.0), tuple[Net, float])
assert_type(ad.eval_bp2(loss2, net, 2.0), float)
assert_type(ad.backprop_n(loss2, net, 2.0), tuple[float, tuple[Net, float]])

# a function generic over ad.Num through nested derivatives (DESIGN, Typing)
assert_type(ad.derivative(ad.derivative(logistic))(0.5), float)
assert_type(ad.grad(logistic)(0.5), float)
