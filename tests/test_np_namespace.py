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
from tests.helpers import fd_partial


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


# ----- found by running autograd's own test suite against optic_ad -----


def _fd(f: Callable[[float], Any], x: float, eps: float = 1e-6) -> float:
    return float((f(x + eps) - f(x - eps)) / (2 * eps))


def test_a_numpy_function_of_a_tuple_input_has_a_tuple_gradient() -> None:
    # dot of a BVar of a tuple recursed forever (np.ndim -> __array_function__ -> ndim)
    assert ad.grad(lambda a: anp.dot(a, np.ones(2)))((1.0, 2.0)) == (1.0, 1.0)
    assert ad.grad(lambda a: anp.sum(a))([1.0, 2.0, 3.0]) == [1.0, 1.0, 1.0]
    assert ad.grad(lambda a: anp.sum(a) + a[0] * 2.0)((1.0, 2.0)) == (3.0, 1.0)
    g = ad.grad(lambda a, b: anp.sum(anp.append(a, b)), (0, 1))([1.0, 2.0, 3.0], 4.0)
    assert g == ([1.0, 1.0, 1.0], 1.0)


def test_array_of_a_bvar_of_a_tuple_stacks_it() -> None:
    assert ad.grad(lambda t: anp.sum(anp.array(t) ** 2))((1.0, 2.0)) == (2.0, 4.0)

    def outer(x: Any) -> Any:  # autograd's test_tuple::test_nested_higher_order
        g = ad.grad(lambda y: y[0] * y[1])((x, x))
        return anp.sum(anp.sin(anp.array(g)))

    assert ad.grad(outer)(5.0) == pytest.approx(2 * np.cos(5.0), rel=1e-12)
    assert ad.grad(outer)(5.0) == pytest.approx(_fd(outer, 5.0), rel=1e-6)


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("mean", lambda x: anp.mean([x, x * x + 2.0])),
        ("std", lambda x: anp.std((x, 3.0 * x + 2.0))),
        ("var", lambda x: anp.var([x, x * x])),
        ("sum", lambda x: anp.sum([x, anp.sin(x)])),
        ("exp", lambda x: anp.sum(anp.exp([x, 2.0 * x]))),
        ("maximum", lambda x: anp.sum(anp.maximum([x, -x], 0.5))),
    ],
)
def test_lists_of_bvars_are_arrays_to_numpys_functions(name: str, f: Callable[[Any], Any]) -> None:
    x = 0.7
    assert ad.grad(f)(x) == pytest.approx(_fd(f, x), rel=1e-6)


def test_gradient_of_several_axes_is_a_tuple_as_numpys() -> None:
    x = np.random.default_rng(0).normal(size=(3, 4))
    assert type(anp.gradient(x)) is tuple
    seed = (np.ones((3, 4)), np.ones((3, 4)))
    _, g = ad.backprop_with(anp.gradient, x, seed)
    np.testing.assert_allclose(
        g, fd_partial(lambda v: np.sum(np.gradient(v)[0] + np.gradient(v)[1]), [x], 0), atol=1e-6
    )


def test_grad_of_a_complex_output_is_refused() -> None:
    # the derivative of a complex output is not a gradient (autograd and JAX refuse too)
    with pytest.raises(TypeError, match="real scalar output"):
        ad.grad(lambda x: x * (1.0 + 0.2j))(1.0)
    assert ad.grad(lambda x: anp.real(x * (1.0 + 0.2j)))(1.0) == 1.0


def test_mod_operator_on_bvars() -> None:
    assert ad.grad(lambda x: x % 0.7)(1.9) == pytest.approx(1.0)
    f = lambda x: 5.0 % x  # noqa: E731
    assert ad.grad(f)(1.3) == pytest.approx(_fd(f, 1.3), rel=1e-6)


def test_ndarray_methods_and_keywords_numpy_users_write() -> None:
    a = np.random.default_rng(1).normal(size=(2, 3, 1))
    g = ad.grad(
        lambda x: anp.sum(anp.transpose(x, axes=(1, 0, 2)) * np.arange(6.0).reshape(3, 2, 1))
    )(a)
    np.testing.assert_array_equal(g, np.arange(6.0).reshape(3, 2, 1).transpose(1, 0, 2))
    np.testing.assert_array_equal(ad.grad(lambda x: anp.sum(x.flatten() ** 2))(a), 2 * a)
    np.testing.assert_array_equal(ad.grad(lambda x: anp.sum(x.squeeze() ** 2))(a), 2 * a)
    np.testing.assert_allclose(
        ad.grad(lambda x: anp.sum(anp.sin(x.astype("float64"))))(a), np.cos(a)
    )
    seen: list[Any] = []

    def f(x: Any) -> Any:
        seen.append(x.astype(np.int64))  # piecewise constant: a plain array
        return anp.sum(x)

    ad.grad(f)(a)
    assert type(seen[0]) is np.ndarray
    assert seen[0].dtype == np.int64


def test_dict_methods_on_a_bvar_of_a_dict() -> None:
    d = {"a": 1.0, "b": 2.0}
    g = ad.grad(lambda v: sum((val * val for _, val in v.items()), 0.0))(d)
    assert g == {"a": 2.0, "b": 4.0}
    assert ad.grad(lambda v: v.get("a") * 3.0 + (v.get("c") or 0.0))(d) == {"a": 3.0, "b": 0.0}
    assert ad.grad(lambda v: sum(v.values(), 0.0) * len(list(v.keys())))(d) == {"a": 2.0, "b": 2.0}


@pytest.mark.parametrize(
    ("kw", "stop"),
    [({}, 3.0), ({"endpoint": False}, 3.0), ({"num": 1}, 3.0), ({"axis": 1}, np.array([3.0, 5.0]))],
)
def test_linspace_is_differentiable_in_its_ends(kw: dict[str, Any], stop: Any) -> None:
    num = kw.pop("num", 4)
    start = np.array([1.0, 2.0]) if np.ndim(stop) else 1.0
    np.testing.assert_array_equal(
        ad.eval_bp(lambda a: anp.linspace(a, stop, num, **kw), start),
        np.linspace(start, stop, num, **kw),
    )
    w = np.cos(np.arange(np.size(np.linspace(start, stop, num, **kw)))).reshape(
        np.shape(np.linspace(start, stop, num, **kw))
    )

    def loss(a: Any, b: Any) -> Any:
        return anp.sum(anp.linspace(a, b, num, **kw) * w)

    ga, gb = ad.grad(loss, (0, 1))(start, stop)
    np.testing.assert_allclose(ga, fd_partial(loss, [start, stop], 0), atol=1e-7)
    np.testing.assert_allclose(gb, fd_partial(loss, [start, stop], 1), atol=1e-7)


def test_value_tests_take_bvars_and_give_plain_values() -> None:
    def f(x: Any) -> Any:
        assert anp.allclose(x, x.value + 1e-12)
        assert np.allclose(x, x.value)  # numpy's own, dispatched
        assert anp.array_equal(x, x.value)
        assert not anp.iscomplexobj(x)
        assert anp.isrealobj(x)
        np.testing.assert_array_equal(anp.isclose(x, 0.5), np.isclose(x.value, 0.5))
        return anp.sum(x)

    ad.grad(f)(np.array([0.5, 1.0]))
