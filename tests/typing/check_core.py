"""Type expectations for the engine's public API: checked by mypy --strict, never run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_type

import attrs
import numpy as np
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp

Vec = NDArray[np.float64]


@attrs.frozen
class Net(ad.Numeric):
    w: Vec
    b: float


def loss(n: ad.BVar[Net]) -> ad.BVar[float]:
    return anp.sum(n.view(ad.lenses(Net).w)) * n.view(ad.lenses(Net).b)


net = Net(np.ones(3), 2.0)
assert_type(ad.grad_bp(loss, net), Net)
assert_type(ad.backprop(loss, net)[1], Net)
assert_type(ad.grad_bp(lambda v: v * v, 3.0), float)
assert_type(net - 0.1 * ad.grad_bp(loss, net), Net)
assert_type(ad.grad_bp2(lambda a, b: a * b, 1.0, net), tuple[float, Net])


def square(v: ad.BVar[Vec]) -> ad.BVar[Vec]:
    return v * v


def double(x: float) -> tuple[float, Callable[[float], float]]:
    return x * 2.0, lambda g: g * 2.0


vec: Vec = np.ones(3)
assert_type(anp.exp(vec), Vec)
op = ad.op1(double)
assert_type(op, ad.Op[float, float])
assert_type(op >> op, ad.Op[float, float])
assert_type(ad.Op.identity() >> op, ad.Op[Any, float])
assert_type(ad.eval_bp(loss, net), float)
