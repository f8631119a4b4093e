"""``import optic_ad.numpy as np`` as a drop-in namespace: constants, dtypes and constructors
are numpy's, functions that only look at a value take BVars and return plain values, and
``array`` stacks BVars differentiably instead of making an object array."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import numpy as anp


@pytest.mark.parametrize(
    "name",
    ["pi", "e", "inf", "newaxis", "euler_gamma", "float64", "float32", "int64", "bool_"],
)
def test_constants_and_dtypes_are_numpys(name: str) -> None:
    assert getattr(anp, name) is getattr(np, name)


def test_nan_and_random() -> None:
    assert np.isnan(anp.nan)
    assert anp.random is np.random


@pytest.mark.parametrize("like", ["ones_like", "zeros_like", "empty_like"])
def test_like_constructors_of_a_bvar_are_plain_float_arrays(like: str) -> None:
    seen: list[Any] = []

    def f(v: Any) -> Any:
        c = getattr(anp, like)(v)
        seen.append(c)
        return anp.sum(v * 2.0)

    g = ad.grad_bp(f, np.ones(3))
    assert type(seen[0]) is np.ndarray
    assert seen[0].dtype == np.float64
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, 2.0 * np.ones(3))


def test_ones_like_inside_a_product_gives_a_float_gradient() -> None:
    # np.ones_like of a BVar used to be an object array, and so was the gradient
    g = ad.grad_bp(lambda v: anp.sum(anp.ones_like(v) * v), np.ones(2))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, np.ones(2))


def test_full_like_shape_ndim_size_of_a_bvar() -> None:
    def f(v: Any) -> Any:
        assert anp.shape(v) == (2, 3)
        assert anp.ndim(v) == 2
        assert anp.size(v) == 6
        np.testing.assert_array_equal(anp.full_like(v, 7.0), np.full((2, 3), 7.0))
        return anp.sum(v)

    ad.grad_bp(f, np.zeros((2, 3)))


@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_array_of_bvars_matches_autograd(xs: list[float]) -> None:
    def f(m: Any, a: Any, b: Any, c: Any) -> Any:
        mat = m.array([[a, 2.0 * b, 1.0], [b * c, a, c]])
        return m.sum(m.sin(mat) * m.array([1.0, 2.0, 3.0]))

    ours = ad.grad(lambda a, b, c: f(anp, a, b, c), argnums=(0, 1, 2))(*xs)
    theirs = [autograd.grad(lambda a, b, c: f(agnp, a, b, c), i)(*xs) for i in range(3)]
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_array_of_bvars_has_a_jacobian_and_no_object_dtype() -> None:
    x = np.array([2.0, 3.0])
    seen: list[Any] = []

    def f(v: Any) -> Any:
        out = anp.array([v[0] * v[1], v[1]])
        seen.append(out.value.dtype)
        return out

    j = ad.jacobian(f)(x)
    assert seen[0] == np.float64
    np.testing.assert_allclose(j, [[3.0, 2.0], [0.0, 1.0]])  # d(x0 x1)/dx = (x1, x0)


def test_asarray_keeps_a_bvar_and_plain_values_plain() -> None:
    def f(v: Any) -> Any:
        assert anp.asarray(v) is v
        assert type(anp.asarray([1.0, 2.0])) is np.ndarray
        return anp.sum(v)

    ad.grad_bp(f, np.ones(2))


def test_a_float_log_of_zero_in_a_runner_is_numpys_minus_inf_as_in_eval_bp() -> None:
    # math.log(0.0) raises; plain values and arrays give -inf with numpy's warning
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        plain_value = ad.eval_bp(lambda v: anp.log(v), 0.0)
    seen: list[Any] = []

    def f(v: Any) -> Any:
        seen.append(anp.log(v).value)  # recorded, not on the output's path
        return v * 2.0

    with pytest.warns(RuntimeWarning, match="divide by zero"):
        g = ad.grad_bp(f, 0.0)
    assert plain_value == -np.inf
    assert seen[0] == -np.inf
    assert g == 2.0


# rules whose float arithmetic divides by zero at the point (0.5 / sqrt(0.0), x ** -0.5)
ZERO_DIVIDING_RULES: list[tuple[str, Callable[[Any], Any]]] = [
    ("sqrt", lambda v: anp.sqrt(v)),
    ("x ** 0.5", lambda v: v**0.5),
    ("arcsin", lambda v: anp.arcsin(v + 1.0)),
    ("arccos", lambda v: anp.arccos(v - 1.0)),
    ("log", lambda v: anp.log(v * v) * 0.0 + anp.log(v)),
    ("cbrt", lambda v: anp.cbrt(v)),
]


@pytest.mark.parametrize(
    ("name", "f"), ZERO_DIVIDING_RULES, ids=[n for n, _ in ZERO_DIVIDING_RULES]
)
def test_a_float_gradient_that_divides_by_zero_is_numpys_inf_as_for_arrays(
    name: str, f: Callable[[Any], Any]
) -> None:
    # Python floats raise ZeroDivisionError where numpy gives inf/nan with a warning: the
    # backward pass on a float gives what it gives on a 0-d array
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        on_array = ad.grad_bp(f, np.array(0.0))
    with pytest.warns(RuntimeWarning):
        on_float = ad.grad_bp(f, 0.0)
    assert type(on_float) is float
    np.testing.assert_array_equal(on_float, on_array)
    assert not np.isfinite(on_float)
    # under debug_nans it is the NaNError naming the op, as for arrays
    with pytest.raises(ad.NaNError, match=r"NaN or inf"):
        ad.grad_bp(f, 0.0, debug_nans=True)


def test_third_order_through_backprop_with() -> None:
    # the seed of an inner backprop_with is itself recorded by the outer runners
    def first(x: Any) -> Any:
        return ad.backprop_with(lambda v: anp.sin(v) * v, x, 1.0)[1]

    x = 0.7
    third = ad.derivative(ad.derivative(first))(x)
    # d/dx (x sin x) = sin x + x cos x; d3/dx3 = -3 sin x - x cos x
    assert third == pytest.approx(-3.0 * np.sin(x) - x * np.cos(x), rel=1e-12)
