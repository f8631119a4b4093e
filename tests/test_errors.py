"""Bad input gets a clear error naming the culprit, never a wrong number; debug_nans.

Every test checks the exception type and the important words of its message: the type,
op or argument at fault and what to do about it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
import pytest
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.bvar import BVar

Arr = NDArray[np.float64]

# ----- unregistered types -----


class Money:
    """A user type with no Backprop instance."""

    def __init__(self, v: float) -> None:
        self.v = v


def test_unregistered_input_type_names_the_type_and_the_register_call() -> None:
    with pytest.raises(TypeError) as info:
        ad.grad_bp(lambda m: m, Money(1.0))
    msg = str(info.value)
    assert "Money" in msg
    assert "ad.register(Money, zero=..., add=..., one=...)" in msg


def test_unregistered_type_inside_a_container_names_the_inner_type() -> None:
    with pytest.raises(TypeError, match=r"no Backprop instance for type Money\..*ad\.register\("):
        ad.zero((1.0, Money(2.0)))


def test_registered_type_then_works() -> None:
    class Coin:
        def __init__(self, v: float) -> None:
            self.v = v

    with pytest.raises(TypeError, match="Coin"):
        ad.zero(Coin(1.0))
    ad.register(
        Coin, zero=lambda c: Coin(0.0), add=lambda a, b: Coin(a.v + b.v), one=lambda c: Coin(1.0)
    )
    assert ad.add(Coin(1.0), Coin(2.5)).v == 3.5


# ----- non-scalar outputs -----


@pytest.mark.parametrize(
    ("runner", "call"),
    [
        ("grad_bp", lambda f, x: ad.grad_bp(f, x)),
        ("backprop", lambda f, x: ad.backprop(f, x)),
        ("backprop_n", lambda f, x: ad.backprop_n(f, x)),
        ("grad", lambda f, x: ad.grad(f)(x)),
        ("grad", lambda f, x: ad.value_and_grad(f)(x)),
    ],
)
def test_non_scalar_output_says_use_backprop_with_or_jacobian(
    runner: str, call: Callable[[Callable[[Any], Any], Arr], Any]
) -> None:
    def double(v: BVar[Arr]) -> BVar[Arr]:
        return v * 2.0

    with pytest.raises(TypeError) as info:
        call(double, np.ones(3))
    msg = str(info.value)
    assert msg.startswith(f"{runner} needs a scalar output")
    assert "double returned ndarray of shape (3,)" in msg
    assert "ad.backprop_with" in msg
    assert "ad.jacobian" in msg


def test_tuple_output_is_not_a_scalar() -> None:
    with pytest.raises(TypeError, match=r"needs a scalar output; .* returned tuple"):
        ad.grad_bp(lambda v: (v, v), 1.0)


def test_size_one_array_output_suggests_reshaping() -> None:
    with pytest.raises(TypeError, match=r"shape \(1,\)\. Reshape it to a scalar"):
        ad.grad_bp(lambda v: v * 2.0, np.ones(1))


# ----- gradients of mismatched shapes meeting in add -----


def _bad_backward(x: Any) -> tuple[Any, Callable[[Any], Any]]:
    # a custom Op whose backward returns a cotangent of the wrong shape
    return x * 2.0, lambda g: np.ones(5)


BAD = ad.op1(_bad_backward, name="bad_double")


def test_mismatched_gradients_in_add_name_both_ops() -> None:
    with pytest.raises(ValueError, match=r"gradients of shapes") as info:
        ad.grad_bp(lambda v: anp.sum(BAD(v) + v), np.ones(3))
    msg = str(info.value)
    assert "(3,) and (5,)" in msg
    assert "at the output of input node 0" in msg
    assert "coming back from op 'bad_double' (node 1)" in msg
    assert "debug_nans=True" in msg


def test_mismatched_gradients_with_debug_name_the_op_and_line() -> None:
    with pytest.raises(ValueError, match=r"gradients of shapes") as info:
        ad.grad_bp(lambda v: anp.sum(BAD(v) + v), np.ones(3), debug_nans=True)
    msg = str(info.value)
    assert "op 'bad_double' (node 1, recorded at " in msg
    assert re.search(r"test_errors\.py:\d+ in <lambda>", msg), msg


def test_mismatched_gradients_at_an_intermediate_op() -> None:
    def f(v: BVar[Arr]) -> BVar[Any]:
        h = anp.sin(v)  # node 1: receives a (3,) gradient and a (5,) one
        return anp.sum(h * 3.0) + anp.sum(BAD(h))

    with pytest.raises(ValueError, match=r"at the output of op 'sin' \(node 1") as info:
        ad.grad_bp(f, np.ones(3))
    # the backward pass reaches the later op first: both contributors are named
    msg = str(info.value)
    assert "coming back from op 'multiply' (node 2)" in msg
    assert "already there (from op 'bad_double' (node 4))" in msg


# ----- a prism that does not match where a lens was needed -----


@attrs.frozen
class Circle:
    r: float


@attrs.frozen
class Square:
    side: float


def test_prism_that_does_not_match_where_a_lens_was_needed() -> None:
    radius = ad.instance_of(Circle) >> ad.lenses(Circle).r

    def area(v: Any) -> Any:
        return v.view(radius) ** 2 * 3.0

    assert ad.grad_bp(area, Circle(2.0)) == Circle(12.0)  # matches: a gradient
    with pytest.raises(ValueError, match="found no focus") as info:
        ad.grad_bp(area, Square(2.0))
    msg = str(info.value)
    assert "instance_of(Circle)" in msg
    assert "found no focus in a Square where a Lens (exactly one focus) was needed" in msg
    assert "preview" in msg  # what to use instead


def test_bare_prism_as_a_lens_on_plain_values_and_bvars() -> None:
    circle: Any = ad.instance_of(Circle)  # deliberately used where a Lens is expected
    pattern = r"Prism\(instance_of\(Circle\)\) found no focus in a Square"
    with pytest.raises(ValueError, match=pattern):
        ad.view_var(circle, Square(1.0))
    with pytest.raises(ValueError, match=pattern):
        ad.grad_bp(lambda v: v.view(circle), Square(1.0))


def test_preview_is_the_way_to_read_through_a_prism() -> None:
    radius = ad.instance_of(Circle) >> ad.lenses(Circle).r

    def area_or_zero(v: Any) -> Any:
        r = v.preview(radius)
        return 0.0 if r is None else r**2 * 3.0

    assert ad.grad_bp(area_or_zero, Square(2.0)) == Square(0.0)
    assert ad.grad_bp(area_or_zero, Circle(2.0)) == Circle(12.0)


# ----- wrong seeds in backprop_with -----


@pytest.mark.parametrize(
    ("x", "seed", "expected"),
    [
        (np.ones(3), 1.0, "which is ndarray of shape (3,); got float"),
        (np.ones(3), np.ones(2), "which is ndarray of shape (3,); got ndarray of shape (2,)"),
        (1.0, np.ones(2), "which is float; got ndarray of shape (2,)"),
        (1.0, (1.0, 2.0), "which is float; got tuple"),
    ],
)
def test_wrong_seed_type_in_backprop_with(x: Any, seed: Any, expected: str) -> None:
    with pytest.raises(TypeError) as info:
        ad.backprop_with(lambda v: v * 2.0, x, seed)
    msg = str(info.value)
    assert msg.startswith("backprop_with: the seed must be a cotangent of the output")
    assert expected in msg


def test_right_seed_in_backprop_with_is_a_vjp() -> None:
    seed = np.array([1.0, 0.5, -2.0])
    _, g = ad.backprop_with(lambda v: v * v, np.array([1.0, 2.0, 3.0]), seed)
    np.testing.assert_array_equal(g, 2.0 * np.array([1.0, 2.0, 3.0]) * seed)


# ----- integer inputs: zero gradient with a warning (runners.py docstring) -----


def test_integer_input_gets_zero_gradient_and_a_warning() -> None:
    with pytest.warns(UserWarning, match="is an int") as record:
        g = ad.grad_bp(lambda v: v * 2.0, 3)
    assert g == 0.0
    assert type(g) is float
    (w,) = record
    msg = str(w.message)
    assert "grad_bp: argument 0 is an int (3)" in msg
    assert "zero gradient" in msg
    assert "Pass a float (3.0)" in msg
    assert w.filename == __file__  # the warning points at the caller's line


def test_integer_argument_among_several() -> None:
    # the float arguments' gradients stay right wherever the int is
    with pytest.warns(UserWarning, match=r"backprop_n: argument 1 is an int \(2\)"):
        value, (gx, gn) = ad.backprop_n(lambda x, n: x * n, 1.5, 2)
    assert (value, gx, gn) == (3.0, 2.0, 0.0)
    with pytest.warns(UserWarning, match=r"backprop_n: argument 0 is an int \(2\)"):
        value, (gn, gx, gy) = ad.backprop_n(lambda n, x, y: x * n + y, 2, 1.5, 0.5)
    assert (value, gn, gx, gy) == (3.5, 0.0, 2.0, 1.0)


def test_bool_input_is_an_integer_too() -> None:
    with pytest.warns(UserWarning, match=r"argument 0 is an int \(True\)"):
        assert ad.grad_bp(lambda v: v * 2.0, True) == 0.0


def test_float_input_gives_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ad.grad_bp(lambda v: v * 2.0, 3.0) == 2.0


# ----- NaN debugging -----


def _log_of_negative(v: Any) -> Any:
    a = v * 2.0
    b = anp.log(a - 5.0)  # the culprit: log of a negative number
    return anp.sum(b * 3.0)


def _culprit_line(fn: Callable[..., Any], text: str) -> int:
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


LOG_LINE = _culprit_line(_log_of_negative, "anp.log(")


@pytest.mark.parametrize("x", [1.0, np.array([1.0, 4.0])], ids=["float", "array"])
def test_debug_nans_names_the_op_and_the_source_line(x: Any) -> None:
    with pytest.raises(ad.NaNError) as info:
        ad.grad_bp(_log_of_negative, x, debug_nans=True)
    msg = str(info.value)
    assert "op 'log'" in msg
    assert f"test_errors.py:{LOG_LINE} in _log_of_negative" in msg
    assert "NaN or inf value" in msg


def test_nan_error_is_a_floating_point_error() -> None:
    assert issubclass(ad.NaNError, FloatingPointError)


def test_without_debug_nans_a_nan_is_returned_as_numpy_does() -> None:
    with np.errstate(invalid="ignore"):
        g = ad.grad_bp(_log_of_negative, np.array([1.0, 4.0]))
    assert np.isfinite(g[1])  # the finite element is right...
    assert g[1] == pytest.approx(3.0 * 2.0 / 3.0)


@pytest.mark.parametrize(
    "run",
    [
        lambda f, x: ad.grad_bp(f, x, debug_nans=True),
        lambda f, x: ad.backprop(f, x, debug_nans=True),
        lambda f, x: ad.backprop_with(f, x, 1.0, debug_nans=True),
        lambda f, x: ad.backprop2(lambda a, b: f(a) + b, x, 1.0, debug_nans=True),
        lambda f, x: ad.grad_bp2(lambda a, b: f(a) + b, x, 1.0, debug_nans=True),
        lambda f, x: ad.backprop_n(f, x, debug_nans=True),
        lambda f, x: ad.grad(f, debug_nans=True)(x),
        lambda f, x: ad.value_and_grad(f, debug_nans=True)(x),
    ],
    ids=[
        "grad_bp",
        "backprop",
        "backprop_with",
        "backprop2",
        "grad_bp2",
        "backprop_n",
        "grad",
        "value_and_grad",
    ],
)
def test_every_runner_takes_debug_nans(run: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(ad.NaNError, match=r"op 'log'"):
        run(_log_of_negative, 1.0)
    run(_log_of_negative, 4.0)  # finite: no error


def test_first_bad_op_is_named_not_a_later_one() -> None:
    def f(v: BVar[Arr]) -> BVar[Any]:
        a = anp.sqrt(v - 2.0)  # first NaN here
        b = anp.log(a)  # NaN in, NaN out: not the culprit
        return anp.sum(anp.exp(b))

    with pytest.raises(ad.NaNError, match=r"^op 'sqrt'"):
        ad.grad_bp(f, np.array([1.0, 3.0]), debug_nans=True)


def test_infinity_counts_too() -> None:
    with pytest.raises(ad.NaNError, match=r"op 'exp' .* produced a NaN or inf value"):
        ad.grad_bp(lambda v: anp.sum(anp.exp(v)), np.array([1.0, 1000.0]), debug_nans=True)


def test_python_float_errors_become_nan_errors_naming_the_op() -> None:
    # math.log raises ValueError and 1.0 / 0.0 ZeroDivisionError on Python floats
    with pytest.raises(ad.NaNError, match=r"op 'divide' \(called at .*test_errors\.py:\d+"):
        ad.grad_bp(lambda v: 1.0 / v, 0.0, debug_nans=True)


def test_nan_in_a_gradient_names_the_op_it_flows_out_of() -> None:
    # sqrt(0) is finite, its gradient is not
    with pytest.raises(ad.NaNError) as info:
        ad.grad_bp(lambda v: anp.sum(anp.sqrt(v)), np.zeros(2), debug_nans=True)
    msg = str(info.value)
    assert msg.startswith("the gradient flowing out of op 'sqrt' (node 1, recorded at ")
    assert "test_errors.py" in msg


def test_nan_in_a_gradient_of_python_floats() -> None:
    with pytest.raises(ad.NaNError, match=r"the gradient of op 'sqrt' .*float division by zero"):
        ad.grad_bp(lambda v: anp.sqrt(v), 0.0, debug_nans=True)


def test_nan_from_a_custom_backward_names_the_op() -> None:
    nan_back = ad.op1(lambda x: (x * 2.0, lambda g: g * np.nan), name="nan_back")
    with pytest.raises(ad.NaNError, match=r"out of op 'nan_back' \(node 1"):
        ad.grad_bp(lambda v: anp.sum(nan_back(v)), np.ones(3), debug_nans=True)


def test_debug_nans_in_nested_runners() -> None:
    def inner(x: Any) -> Any:
        return ad.grad(lambda y: anp.log(y) * x, debug_nans=True)(x)

    assert ad.grad(inner)(2.0) == pytest.approx(0.0)
    with pytest.raises(ad.NaNError, match="op 'log'"):
        ad.grad(inner)(-2.0)


def test_debug_nans_does_not_change_results() -> None:
    x = np.array([0.5, 1.5, 2.5])

    def f(v: BVar[Arr]) -> BVar[Any]:
        return anp.sum(anp.tanh(v) * anp.log(v) + v**2)

    np.testing.assert_array_equal(ad.grad_bp(f, x, debug_nans=True), ad.grad_bp(f, x))
