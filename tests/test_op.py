"""Ops: constructors, application to BVars and plain values, and the category laws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import numpy as anp

square = ad.op1(lambda x: (x * x, lambda g: 2.0 * x * g), name="square")
sine = ad.op1(lambda x: (anp.sin(x), lambda g: g * anp.cos(x)), name="sine")
scale = ad.op1(lambda x: (3.0 * x, lambda g: 3.0 * g), name="scale")
xs = st.floats(-3, 3)


def run(op: ad.Op[Any, Any], x: float, g: float) -> tuple[Any, Any]:
    y, back = op.run(x)
    return y, back(g)


@given(xs, xs)
def test_identity_laws(x: float, g: float) -> None:
    for f in (square, sine, scale):
        assert run(ad.Op.identity() >> f, x, g) == run(f, x, g)
        assert run(f >> ad.Op.identity(), x, g) == run(f, x, g)


@given(xs, xs)
def test_composition_associates(x: float, g: float) -> None:
    left = (square >> sine) >> scale
    right = square >> (sine >> scale)
    assert run(left, x, g) == run(right, x, g)


@given(xs)
def test_composition_is_the_chain_rule(x: float) -> None:
    composed = square >> sine
    g = ad.grad_bp(lambda v: composed(v), x)
    assert g == pytest.approx(2.0 * x * np.cos(x * x), rel=1e-12, abs=1e-12)


def test_op_on_plain_values_runs_forward() -> None:
    assert square(3.0) == 9.0


def test_op2_and_op3() -> None:
    mul = ad.op2(lambda x, y: (x * y, lambda g: (g * y, g * x)))
    assert ad.grad_bp2(lambda a, b: mul(a, b), 3.0, 4.0) == (4.0, 3.0)
    fma: ad.Op[tuple[float, float, float], float] = ad.op3(
        lambda x, y, z: (x * y + z, lambda g: (g * y, g * x, g))
    )
    _, grads = ad.backprop_n(lambda a, b, c: fma(a, b, c), 2.0, 5.0, 7.0)
    assert grads == (5.0, 2.0, 1.0)


def test_op_with_a_constant_argument() -> None:
    mul = ad.op2(lambda x, y: (x * y, lambda g: (g * y, g * x)))
    assert ad.grad_bp(lambda a: mul(a, 4.0), 3.0) == 4.0
    assert ad.grad_bp(lambda a: mul(4.0, a), 3.0) == 4.0


def test_op_iso_const_no_grad() -> None:
    swap = ad.op_iso(lambda t: (t[1], t[0]), lambda t: (t[1], t[0]))
    g = ad.grad_bp(lambda v: anp.sum(ad.sequence_var(swap(v))[0] * 2.0), (1.0, 5.0))
    assert g == (0.0, 2.0)
    assert ad.grad_bp(lambda v: ad.op_const(4.0)(v) + v, 1.0) == 1.0
    stop: ad.Op[float, float] = ad.no_grad(lambda x: x * x)
    assert ad.grad_bp(lambda v: stop(v) + v, 3.0) == 1.0


def test_user_op_has_a_second_derivative() -> None:
    # its vjp is written with lifted operations, so it can be differentiated again
    assert ad.grad(ad.grad(lambda v: sine(v)))(0.3) == pytest.approx(-np.sin(0.3))


def test_wrong_arity() -> None:
    with pytest.raises(TypeError, match="takes 1 argument"):
        square(1.0, 2.0)
