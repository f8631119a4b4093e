"""Symbolic expressions: derivatives built by the engine, evaluated at random points, equal
the numeric derivatives there; simplify preserves value; printing uses few parentheses but
reads back (as Python) to the same value."""

from __future__ import annotations

import copy
import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.structure import tree_map
from optic_ad.symbolic import (
    Expr,
    const,
    evaluate,
    function,
    simplify,
    variable,
    variables,
)

x, y = variable("x"), variable("y")


def test_issue_example() -> None:
    d = ad.derivative(lambda v: anp.sin(v**2))(x)
    assert isinstance(d, Expr)
    assert str(simplify(d)) == "2*x*cos(x^2)"
    assert evaluate(d, {"x": 0.7}) == pytest.approx(2 * 0.7 * math.cos(0.49), rel=1e-15)
    assert d.evaluate({"x": 0.7}) == evaluate(simplify(d), {"x": 0.7})


def test_second_symbolic_derivative() -> None:
    d2 = simplify(ad.derivative(ad.derivative(lambda v: anp.sin(v**2)))(x))
    assert str(d2) == "2*cos(x^2) - 4*x^2*sin(x^2)"


def test_unknown_function_chain_rule() -> None:
    f = function("f")
    assert str(f(x)) == "f(x)"
    assert str(simplify(ad.derivative(lambda v: f(v**2))(x))) == "2*x*f'(x^2)"
    d2 = simplify(ad.derivative(ad.derivative(f))(x))
    assert str(d2) == "f''(x)"
    g = function("g")
    assert str(simplify(ad.derivative(lambda v: g(f(v)))(x))) == "f'(x)*g'(f(x))"


def test_unknown_function_evaluates_from_env() -> None:
    f = function("f")
    d = ad.derivative(lambda v: f(anp.sin(v)))(x)
    env: dict[str, Any] = {"x": 0.3, "f": math.exp, "f'": math.exp}
    assert evaluate(d, env) == pytest.approx(math.exp(math.sin(0.3)) * math.cos(0.3))
    with pytest.raises(KeyError, match="no function"):
        evaluate(d, {"x": 0.3})


def test_partial_derivatives_of_two_variables() -> None:
    gx, gy = ad.grad_bp(lambda t: t[0] * anp.sin(t[1]) + t[0] ** 2, (x, y))
    assert str(simplify(gx)) == "2*x + sin(y)"
    assert str(simplify(gy)) == "x*cos(y)"
    h = function("h")
    jx, jy = ad.jacobian(lambda t: h(t[0], t[1]))((x, y))
    assert (str(jx), str(jy)) == ("h'_1(x, y)", "h'_2(x, y)")


def test_siskind_pearlmutter_symbolic() -> None:
    d = ad.derivative
    assert simplify(d(lambda a: a * d(lambda b: a + b)(y))(x)) == const(1.0)
    assert str(simplify(d(lambda a: a * d(lambda b: a * b)(y))(x))) == "2*x"


def test_lifted_numpy_builds_expressions() -> None:
    assert str(anp.exp(x) * anp.tanh(y)) == "exp(x)*tanh(y)"
    assert str(anp.sqrt(x + 1)) == "sqrt(x + 1)"
    assert str(np.float64(2.0) * x) == "2*x"
    assert str(anp.square(x)) == "x^2"
    assert str(abs(x)) == "abs(x)"


def test_printing_uses_minimal_parentheses() -> None:
    cases = {
        x - (y - x): "x - (y - x)",
        (x + y) * x**2: "(x + y)*x^2",
        x / (y * x): "x/(y*x)",
        (x**y) ** 2: "(x^y)^2",
        x ** (y**2): "x^y^2",
        -(x**2): "-x^2",
        (-x) ** 2: "(-x)^2",
        x * -y: "x*(-y)",
        x + -y: "x - y",
        2 ** (-x): "2^(-x)",
        x**-1: "x^(-1)",
        x * y / 2 + 1: "x*y/2 + 1",
        -(x + y): "-(x + y)",
        const(0.5) * x: "0.5*x",
    }
    for e, s in cases.items():
        assert str(e) == s


def test_simplify_rules() -> None:
    assert simplify(x * 0 + 0 * anp.sin(y)) == const(0.0)
    assert simplify(1 * x + 0) == x
    assert simplify(x - x) == const(0.0)
    assert simplify(x / x) == const(1.0)
    assert str(simplify(x + x + 2 * x)) == "4*x"
    assert str(simplify(x * x * x)) == "x^3"
    assert str(simplify(const(2.0) * 3 + x**1)) == "x + 6"
    assert str(simplify(anp.cos(const(0.0)) * x)) == "x"
    assert str(simplify(x * 1 + 0 + x * x * 2 + x)) == "2*x + 2*x^2"


def test_variables_equality_and_immutability() -> None:
    assert variables(anp.sin(y) * x + 1) == ("x", "y")
    assert x + y == variable("x") + variable("y")
    assert hash(x * y) == hash(variable("x") * variable("y"))
    assert x + y != y + x
    with pytest.raises(AttributeError):
        x.kind = "const"
    e = anp.sin(x) * y
    assert copy.deepcopy(e) == e
    assert pickle.loads(pickle.dumps(e)) == e
    with pytest.raises(KeyError, match="'z'"):
        evaluate(variable("z") + 1, {})


def test_evaluate_on_arrays() -> None:
    v = np.array([0.1, 0.2])
    np.testing.assert_allclose(evaluate(anp.sin(x) * x, {"x": v}), np.sin(v) * v)


def test_registry_laws() -> None:
    e = anp.sin(x) * y
    assert ad.add(e, ad.zero(e)) == e
    assert ad.one(e) == const(1.0)


# ----- random expressions: derivatives and simplification, checked by value -----

# A program is a nested tuple; _run interprets it with optic_ad.numpy, so the same program
# gives a float on floats, a BVar inside the engine and an Expr on expressions.
UNARY_OPS: dict[str, Callable[[Any], Any]] = {
    "sin": anp.sin,
    "cos": anp.cos,
    "exp": lambda u: anp.exp(anp.sin(u)),
    "log": lambda u: anp.log(u * u + 1.0),
    "sqrt": lambda u: anp.sqrt(u * u + 0.5),
    "tanh": anp.tanh,
    "arctan": anp.arctan,
    "sigmoid": anp.sigmoid,
    "neg": lambda u: -u,
    "sq": lambda u: u**2,
    "cube": lambda u: u**3,
    "recip": lambda u: 1.0 / (u * u + 1.0),
}
BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (b * b + 1.0),
}

leaves = st.one_of(st.just(("x",)), st.floats(-2.0, 2.0).map(lambda c: ("c", round(c, 3))))
programs = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY_OPS)), sub),
        st.tuples(st.sampled_from(sorted(BINARY_OPS)), sub, sub),
    ),
    max_leaves=6,
)


def _run(p: tuple[Any, ...], v: Any) -> Any:
    op = p[0]
    if op == "x":
        return v
    if op == "c":
        return p[1]
    if op in UNARY_OPS:
        return UNARY_OPS[op](_run(p[1], v))
    return BINARY_OPS[op](_run(p[1], v), _run(p[2], v))


def _as_expr(e: Any) -> Expr:
    return e if isinstance(e, Expr) else const(float(e))


points = st.floats(-1.5, 1.5)


@given(p=programs, at=points)
def test_symbolic_derivative_equals_numeric_derivative(p: tuple[Any, ...], at: float) -> None:
    d_sym = _as_expr(ad.derivative(lambda v: _run(p, v))(x))
    d_num = ad.derivative(lambda v: _run(p, v))(at)
    assert evaluate(d_sym, {"x": at}) == pytest.approx(d_num, rel=1e-9, abs=1e-9)


@given(p=programs, at=points)
def test_second_symbolic_derivative_equals_numeric(p: tuple[Any, ...], at: float) -> None:
    d2 = ad.derivative(ad.derivative(lambda v: _run(p, v)))
    assert evaluate(_as_expr(d2(x)), {"x": at}) == pytest.approx(d2(at), rel=1e-8, abs=1e-8)


@given(p=programs, at=points)
def test_simplify_preserves_value(p: tuple[Any, ...], at: float) -> None:
    for e in (_as_expr(_run(p, x)), _as_expr(ad.derivative(lambda v: _run(p, v))(x))):
        s = simplify(e)
        assert evaluate(s, {"x": at}) == pytest.approx(evaluate(e, {"x": at}), rel=1e-9, abs=1e-9)
        assert simplify(s) == s


_PY_ENV: dict[str, Any] = {
    name: getattr(np, name)
    for name in ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "arctan", "abs")
}


@given(p=programs, at=points)
def test_printed_form_reads_back_to_the_same_value(p: tuple[Any, ...], at: float) -> None:
    # Python shares our precedences (** binds tighter than unary minus and is
    # right-associative), so the printed form, with ^ as **, must evaluate to the same value.
    for e in (_as_expr(_run(p, x)), simplify(_as_expr(ad.derivative(lambda v: _run(p, v))(x)))):
        text = str(e).replace("^", "**")
        with np.errstate(all="ignore"):
            back = eval(text, {"__builtins__": {}}, {**_PY_ENV, "x": np.float64(at)})
        assert float(back) == pytest.approx(evaluate(e, {"x": at}), rel=1e-9, abs=1e-9), text


# ----- several arguments at any order (inf-backprop's two-argument tower) -----


def test_simplify_takes_tuples_lists_dicts_and_records_of_expressions() -> None:
    x = variable("x")
    tree: dict[str, Any] = {"a": (x + x, [x * 1.0]), "b": ad.T2(x * x, x + 0.0)}
    out = simplify(tree)
    assert str(out["a"][0]) == "2*x"
    assert str(out["a"][1][0]) == "x"
    assert isinstance(out["b"], ad.T2)
    assert (str(out["b"].fst), str(out["b"].snd)) == ("x^2", "x")


def test_two_argument_tower_as_nested_tuples() -> None:
    # h(x, y) = sin(x) y^2: second derivatives and one third derivative, by hand
    def h(x: Any, y: Any) -> Any:
        return anp.sin(x) * y * y

    x, y = variable("x"), variable("y")
    second = ad.jacobian(ad.grad(h, argnums=(0, 1)), argnums=(0, 1))
    assert [[str(simplify(c)) for c in row] for row in second(x, y)] == [
        ["-y^2*sin(x)", "2*y*cos(x)"],
        ["2*y*cos(x)", "2*sin(x)"],
    ]
    third = ad.jacobian(second, argnums=(0, 1))
    x0, y0 = 0.5, 2.0
    got = third(x0, y0)
    c, s = np.cos(x0), np.sin(x0)
    expected = (
        ((-(y0**2) * c, -2 * y0 * s), (-2 * y0 * s, 2 * c)),
        ((-2 * y0 * s, 2 * c), (2 * c, 0.0)),
    )
    np.testing.assert_allclose(np.array(got), np.array(expected), rtol=1e-14)
    # the same numbers from the symbolic tower evaluated at the point
    sym = simplify(third(x, y))
    env = {"x": x0, "y": y0}
    values = tree_map(lambda e: e.evaluate(env) if isinstance(e, Expr) else e, sym)
    np.testing.assert_allclose(np.array(values), np.array(expected), rtol=1e-14)
