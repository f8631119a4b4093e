"""Tests of optic_ad.testing: every checker passes on correct code and fails, with a
message naming the culprit, on deliberately wrong code."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
from typing import Any, NamedTuple

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad import testing
from optic_ad.bvar import BVar
from optic_ad.registry import Instance
from tests.helpers import numerical_grad, tree_allclose

Arr = NDArray[np.float64]


@attrs.frozen
class Net(ad.Numeric):
    w1: Arr = attrs.field(metadata={"shape": (3, 2)})
    b1: Arr = attrs.field(metadata={"shape": (2,)})
    scale: float = 1.0
    n: int = 2


@dataclasses.dataclass(frozen=True)
class Layer:
    w: Arr
    b: float


class Pair(NamedTuple):
    x: float
    y: Arr


NetL = ad.lenses(Net)
LayerL = ad.lenses(Layer)


def loss(net: Net, x: Arr) -> Any:
    h = anp.tanh(x @ net.view(NetL.w1) + net.view(NetL.b1))
    return anp.sum(h * h) * net.view(NetL.scale)


def make_net(seed: int = 0) -> Net:
    r = np.random.default_rng(seed)
    return Net(r.standard_normal((3, 2)), r.standard_normal(2), 0.7, 2)


# Ops with hand-written VJPs: a correct one and a wrong one (the typical downstream bug).
def _square_run(x: Any) -> tuple[Any, Any]:
    return x * x, lambda g: 2.0 * x * g


square = ad.op1(_square_run, name="square")
wrong_square = ad.op1(lambda x: (x * x, lambda g: x * g), name="wrong_square")


def _plain(x: Any) -> Any:
    while type(x) is BVar:
        x = x.value
    return x


# A correct first derivative written with plain math: its own derivative is lost, so the
# second-order check must fail while the first-order one passes.
def _sin_run(x: Any) -> tuple[Any, Any]:
    return anp.sin(x), lambda g: g * np.cos(_plain(x))


frozen_sin = ad.op1(_sin_run, name="frozen_sin")


# ----- tests/helpers.py is an oracle: check it against a hand derivation -----


def test_helpers_numerical_grad_matches_hand_derivation() -> None:
    net = make_net()
    x = np.array([0.5, -1.0, 2.0])
    g = numerical_grad(lambda n: loss(n, x), net)
    h = np.tanh(x @ net.w1 + net.b1)
    dz = 2 * h * (1 - h * h) * net.scale
    assert type(g) is Net
    assert tree_allclose(g.w1, np.outer(x, dz), rtol=1e-6)
    assert tree_allclose(g.b1, dz, rtol=1e-6)
    assert math.isclose(g.scale, float(np.sum(h * h)), rel_tol=1e-6)
    assert g.n == 0.0


# ----- check_grad passes on correct code, for every kind of argument -----


def test_check_grad_passes_on_records_and_arrays() -> None:
    testing.check_grad(loss, make_net(), np.array([0.5, -1.0, 2.0]), order=2)


def test_check_grad_passes_on_containers() -> None:
    def f(t: Any, d: Any, p: Any, layer: Any, k: int) -> Any:
        return (
            anp.exp(ad.view_var(ad.ix(0), t)) * anp.sum(ad.view_var(ad.ix(1), t))
            + anp.sum(d["a"] * d["a"]) * d["b"][0]
            + ad.view_var(ad.ix(0), p) * anp.sum(anp.sin(ad.view_var(ad.ix(1), p)))
            + anp.sum(ad.view_var(LayerL.w, layer)) * ad.view_var(LayerL.b, layer) * k
        )

    testing.check_grad(
        f,
        (0.3, np.array([1.0, 2.0])),
        {"a": np.array([[1.0, -2.0]]), "b": [0.5]},
        Pair(1.5, np.array([0.1, 0.2, 0.3])),
        Layer(np.ones((2, 2)), -0.5),
        3,
    )


def test_check_grad_passes_on_products() -> None:
    def f(t: Any, h: Any) -> Any:
        t0, h0, h1 = ad.view_var(ad.ix(0), t), ad.view_var(ad.ix(0), h), ad.view_var(ad.ix(1), h)
        return t0 * anp.sum(h1) + anp.sum(h0**2.0)

    testing.check_grad(f, ad.T2(2.0, 3.0), ad.HList(np.array([1.0, 2.0]), np.ones(3)), order=2)


def test_check_grad_float32_default_tolerances() -> None:
    x = np.linspace(-1.0, 1.0, 5).astype(np.float32)
    testing.check_grad(lambda v: anp.sum(anp.tanh(v) * anp.exp(v)), x)
    assert testing.TOLERANCES[np.dtype(np.float32)].rtol > testing.TOLERANCES[np.dtype("f8")].rtol


def test_check_grad_large_input_uses_directions() -> None:
    x = np.random.default_rng(1).standard_normal((30, 20))  # 600 > max_coords
    testing.check_grad(lambda v: anp.sum(anp.logsumexp(v, axis=1)), x, order=2)


# ----- check_grad fails on wrong gradients, naming argument and path -----


def _assert_names(err: pytest.ExceptionInfo[AssertionError], *parts: str) -> None:
    msg = str(err.value)
    for p in parts:
        assert p in msg, f"{p!r} not in message:\n{msg}"
    assert re.search(r"analytic: -?[0-9.e+-]+", msg)
    assert re.search(r"numeric: +-?[0-9.e+-]+", msg)
    assert "relative error" in msg


def test_check_grad_catches_wrong_vjp_per_coordinate() -> None:
    def bad(net: Net, x: Arr) -> Any:
        return anp.sum(wrong_square(x @ net.view(NetL.w1) + net.view(NetL.b1)))

    with pytest.raises(AssertionError) as err:
        testing.check_grad(bad, make_net(), np.array([0.5, -1.0, 2.0]))
    _assert_names(err, "check_grad: gradient of bad is wrong at net.w1[", "net.w1[")


def test_check_grad_locates_the_wrong_entry_of_a_large_input() -> None:
    # The VJP is wrong at a single entry of a 12 x 10 weight: directions catch it, and the
    # check narrows it down to the leaf and then the entry.
    def run(w: Any) -> tuple[Any, Any]:
        def back(g: Any) -> Any:
            bump = np.zeros((12, 10))
            bump[3, 4] = 1.0
            return 2.0 * w * g + bump * g

        return w * w, back

    op = ad.op1(run, name="bumped_square")

    def f(net: Any) -> Any:
        return anp.sum(op(ad.view_var(LayerL.w, net))) + ad.view_var(LayerL.b, net)

    layer = Layer(np.random.default_rng(2).standard_normal((12, 10)), 1.0)
    with pytest.raises(AssertionError) as err:
        testing.check_grad(f, layer)
    _assert_names(err, "net.w[3, 4]")


def test_check_grad_order_two_catches_a_frozen_backward() -> None:
    f = lambda x: anp.sum(frozen_sin(x))  # noqa: E731
    x = np.array([0.3, 1.2])
    testing.check_grad(f, x)  # the first derivative is right
    with pytest.raises(AssertionError) as err:
        testing.check_grad(f, x, order=2)
    _assert_names(err, "gradient of <gradient of", "x[")


def test_check_grad_names_arguments_of_varargs_functions() -> None:
    def f(*xs: Any) -> Any:
        return wrong_square(xs[0]) + xs[1]

    with pytest.raises(AssertionError) as err:
        testing.check_grad(f, 1.5, 2.0)
    _assert_names(err, "args[0]")


def test_check_grad_rejects_bad_calls() -> None:
    with pytest.raises(ValueError, match="no argument has a floating-point leaf"):
        testing.check_grad(lambda n: n * 2, 3)
    with pytest.raises(TypeError, match="scalar"):
        testing.check_grad(lambda v: v * 2.0, np.ones(2))
    with pytest.raises(ValueError, match="order"):
        testing.check_grad(lambda v: v, 1.0, order=0)


# ----- check_vjp -----


def test_check_vjp_passes_on_correct_ops() -> None:
    testing.check_vjp(square, np.array([[1.0, -2.0], [0.5, 3.0]]))
    mul = ad.op2(lambda x, y: (x @ y, lambda g: (g @ y.T, x.T @ g)), name="matmul")
    testing.check_vjp(mul, (np.ones((2, 3)), np.arange(12.0).reshape(3, 4)))


def test_check_vjp_catches_a_wrong_vjp() -> None:
    with pytest.raises(AssertionError) as err:
        testing.check_vjp(wrong_square, np.array([1.0, -2.0, 3.0]))
    _assert_names(err, "check_vjp: backward of Op 'wrong_square' is wrong at x[")
    # a wrong second cotangent of a two-argument Op is named by position
    mul: ad.Op[Any, Any] = ad.op2(lambda x, y: (x * y, lambda g: (g * y, g)), name="mul")
    with pytest.raises(AssertionError) as err:
        testing.check_vjp(mul, (np.array([2.0, 3.0]), np.array([4.0, 5.0])))
    _assert_names(err, "x[1][")


def test_check_vjp_catches_a_wrong_shape() -> None:
    summed = ad.op1(lambda x: (x * 2.0, lambda g: anp.sum(g * 2.0)), name="summed")
    with pytest.raises(AssertionError, match=r"at x has shape \(\), but x has shape \(3,\)"):
        testing.check_vjp(summed, np.ones(3))


# ----- lens laws -----

pairs = st.tuples(testing.floats(), testing.floats())


def test_lens_laws_pass() -> None:
    fst = ad.lens(lambda p: p[0], lambda p, a: (a, p[1]), name="fst")
    testing.check_lens_laws(fst, pairs, testing.floats())
    testing.check_lens_laws(ad.lenses(Layer).w, testing.records(Layer, shapes={"w": (2,)}),
                            testing.arrays((2,)))  # fmt: skip
    testing.check_lens_laws(ad.ix(1), testing.values_like((1.0, 2.0, 3.0)), testing.floats())


def test_lens_laws_catch_a_set_that_does_not_round_trip() -> None:
    off = ad.lens(lambda p: p[0], lambda p, a: (a + 1.0, p[1]), name="off_by_one")
    with pytest.raises(AssertionError) as err:
        testing.check_lens_laws(off, pairs, testing.floats())
    msg = str(err.value)
    assert "lens law view-set failed for Lens(off_by_one)" in msg
    assert "s = (0.0, 0.0)" in msg  # shrunk
    assert "got = (1.0, 0.0)" in msg


def _logging_set(p: tuple[float, int], a: float) -> tuple[float, int]:
    # counts the changes it makes: view-set and set-view hold, set-set does not
    return p if a == p[0] else (a, p[1] + 1)


def test_lens_laws_catch_set_set() -> None:
    logging = ad.lens(lambda p: p[0], _logging_set, name="logging")
    with pytest.raises(AssertionError, match="lens law set-set failed") as err:
        testing.check_lens_laws(
            logging, st.tuples(testing.floats(), st.integers(0, 3)), testing.floats()
        )
    assert "set_twice = " in str(err.value)


# ----- prism laws -----

positive: ad.Prism[float, float] = ad.prism(
    lambda x: x if x > 0 else None, lambda a: a, name="positive"
)


def test_prism_laws_pass() -> None:
    testing.check_prism_laws(positive, testing.floats(), testing.floats(0.5, 10.0))
    testing.check_prism_laws(
        ad.instance_of(float), st.one_of(testing.floats(), st.text()), testing.floats()
    )


def test_prism_laws_catch_a_wrong_review() -> None:
    flipped = ad.prism(lambda x: x if x > 0 else None, lambda a: -a, name="flipped")
    with pytest.raises(AssertionError) as err:
        testing.check_prism_laws(flipped, testing.floats(), testing.floats(0.5, 10.0))
    msg = str(err.value)
    assert "prism law review-preview failed for" in msg
    assert "flipped" in msg
    assert re.search(r"a = [0-9.]+\n  review = -[0-9.]+\n  got = None", msg)


def test_prism_laws_catch_preview_review() -> None:
    # reviews into a different representation than the one it matched
    halves = ad.prism(lambda x: x / 2.0 if x > 0 else None, lambda a: a * 2.0 + 1.0, name="h")
    with pytest.raises(AssertionError, match=r"prism law (review-preview|preview-review)"):
        testing.check_prism_laws(halves, testing.floats(), testing.floats(0.5, 10.0))


# ----- traversal laws -----


def _positives_over(s: Any, fn: Any) -> Any:
    return [fn(a) if a > 0 else a for a in s]


def test_traversal_laws_pass() -> None:
    lists = st.lists(testing.floats(), max_size=4)
    testing.check_traversal_laws(ad.each, lists, testing.floats())
    testing.check_traversal_laws(
        ad.each, lists, functions=st.sampled_from([abs, math.sin, lambda a: 2.0 * a - 1.0])
    )


def _counting_over(s: tuple[list[float], int], fn: Any) -> tuple[list[float], int]:
    # counts calls that changed something: identity and over-to_list hold, composition not
    new = [fn(a) for a in s[0]]
    return new, s[1] + (new != s[0])


def test_traversal_laws_catch_a_broken_composition() -> None:
    counting = ad.traversal(lambda s: list(s[0]), _counting_over, name="counting")
    sources = st.tuples(st.lists(testing.floats(), max_size=3), st.integers(0, 3))
    with pytest.raises(AssertionError) as err:
        testing.check_traversal_laws(counting, sources, testing.floats())
    msg = str(err.value)
    assert "traversal law composition failed for" in msg
    assert "counting" in msg
    assert "f = Const(" in msg
    assert "over_twice = " in msg


def test_traversal_laws_catch_a_traversal_that_skips_what_it_lists() -> None:
    picky = ad.traversal(lambda s: list(s), _positives_over, name="picky")
    with pytest.raises(AssertionError, match=r"traversal law (composition|over-to_list) failed"):
        testing.check_traversal_laws(
            picky, st.lists(testing.floats(), max_size=3), testing.floats()
        )


def test_traversal_laws_catch_over_to_list_mismatch() -> None:
    skips_first: ad.Traversal[list[float], float] = ad.traversal(
        lambda s: list(s), lambda s, fn: [s[0], *map(fn, s[1:])] if s else s, name="skips"
    )
    with pytest.raises(AssertionError, match="traversal law over-to_list failed"):
        testing.check_traversal_laws(
            skips_first, st.lists(testing.floats(), max_size=3), testing.floats()
        )


def test_traversal_laws_need_values_or_functions() -> None:
    with pytest.raises(ValueError, match="values="):
        testing.check_traversal_laws(ad.each, st.lists(testing.floats()))


# ----- iso laws -----


def test_iso_laws_pass() -> None:
    swap = ad.iso(lambda p: (p[1], p[0]), lambda p: (p[1], p[0]), name="swap")
    testing.check_iso_laws(swap, pairs, pairs)
    scale = ad.iso(lambda x: x * 4.0, lambda x: x / 4.0, name="scale")  # exact in binary
    testing.check_iso_laws(scale, testing.floats(), testing.floats())


def test_iso_laws_catch_a_wrong_inverse() -> None:
    # exact on whole numbers (the a side), lossy on the s side
    lossy = ad.iso(lambda x: float(math.floor(x)), lambda x: x, name="lossy")
    whole = st.integers(-5, 5).map(float)
    with pytest.raises(AssertionError, match="iso law from-to failed") as err:
        testing.check_iso_laws(lossy, testing.floats(), whole)
    assert "s = " in str(err.value)


# ----- Op laws -----


def test_op_laws_pass() -> None:
    double = ad.op1(lambda x: (2.0 * x, lambda g: 2.0 * g), name="double")
    testing.check_op_laws(square, testing.arrays((3,)), g=double, h=square)
    testing.check_op_laws(ad.lenses(Layer).w.as_op(), testing.records(Layer, shapes={"w": (2,)}))


def test_op_laws_catch_a_backward_that_mutates_its_input() -> None:
    def run(x: Any) -> tuple[Any, Any]:
        def back(g: Any) -> Any:
            x[...] = x * 2.0  # in-place update of the saved input: a classic bug
            return 3.0 * g * x

        return x * 3.0, back

    bad = ad.op1(run, name="mutating")
    with pytest.raises(AssertionError, match=r"Op law .* failed for Op\('.*mutating"):
        testing.check_op_laws(bad, testing.arrays((2,), elements=st.sampled_from([1.0, 2.0])))


class BadOp(ad.Op[Any, Any]):
    """An Op whose composition runs the backward functions in the wrong order."""

    def __rshift__(self, other: ad.Op[Any, Any]) -> ad.Op[Any, Any]:
        first, second = self, other

        def run(a: Any) -> tuple[Any, Any]:
            b, back_f = first.run(a)
            c, back_g = second.run(b)
            return c, lambda gc: back_g(back_f(gc))

        return BadOp(run, name=f"{self.name} >> {other.name}")


def _linear(m: NDArray[np.float64]) -> Any:
    return lambda x: (m @ x, lambda g: m.T @ g)


def test_op_laws_catch_a_wrong_composition() -> None:
    a = np.array([[1.0, 2.0], [0.0, 1.0]])
    b = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(AssertionError, match="Op law composition failed") as err:
        testing.check_op_laws(
            BadOp(_linear(a), name="A"), testing.arrays((2,)), g=ad.op1(_linear(b))
        )
    assert "the cotangents differ" in str(err.value)
    # the same Ops with the library's own composition obey the laws
    testing.check_op_laws(
        ad.op1(_linear(a)), testing.arrays((2,)), g=ad.op1(_linear(b)), h=ad.op1(_linear(a))
    )


# ----- Backprop laws -----


def test_backprop_laws_pass_on_builtin_types() -> None:
    testing.check_backprop_laws(testing.values_like({"w": (0.0, np.zeros(2)), "b": [1.0]}))
    testing.check_backprop_laws(testing.arrays())
    testing.check_backprop_laws(testing.records(Net))
    testing.check_backprop_laws(testing.values_like(ad.HList(1.0, np.zeros((2, 2)))))


class Money:
    def __init__(self, v: float) -> None:
        self.v = v

    def __repr__(self) -> str:
        return f"Money({self.v!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and self.v == other.v

    __hash__ = None  # type: ignore[assignment]


money = testing.floats().map(Money)
money_eq = lambda a, b: math.isclose(a.v, b.v, rel_tol=1e-12, abs_tol=1e-12)  # noqa: E731


def test_backprop_laws_catch_a_non_commutative_add() -> None:
    good = Instance(lambda m: Money(0.0), lambda a, b: Money(a.v + b.v), lambda m: Money(1.0))
    testing.check_backprop_laws(money, instance=good, eq=money_eq)
    # keeps the first non-zero cotangent instead of summing (dict.update-style merging):
    # zero is still an identity and it is associative, but not commutative
    bad = good._replace(add=lambda a, b: a if a.v else b)
    with pytest.raises(AssertionError) as err:
        testing.check_backprop_laws(money, instance=bad, eq=money_eq)
    msg = str(err.value)
    assert "Backprop law add-commutative failed for <class" in msg
    assert "Money" in msg
    assert "add_xy = Money(" in msg


def test_backprop_laws_catch_a_bad_zero_and_a_misshapen_one() -> None:
    arrays = testing.arrays((2, 2), elements=st.sampled_from([0.5, 1.0]))
    with pytest.raises(AssertionError, match="zero-identity"):
        testing.check_backprop_laws(arrays, instance=Instance(np.ones_like, np.add, np.ones_like))
    with pytest.raises(AssertionError, match="one-shape"):
        testing.check_backprop_laws(
            arrays, instance=Instance(np.zeros_like, np.add, lambda x: np.ones(x.size))
        )


# ----- strategies -----


@given(testing.arrays((2, 3), dtype=np.float32))
def test_arrays_are_finite_and_shaped(a: NDArray[np.float32]) -> None:
    assert a.shape == (2, 3)
    assert a.dtype == np.float32
    assert np.all(np.isfinite(a))


@attrs.frozen
class Deep:
    layer: Layer
    net: Net
    tag: str


@given(testing.records(Deep, shapes={"layer.w": (4,), "net.b1": (5,)}))
def test_records_nested_shapes_from_argument_and_metadata(d: Deep) -> None:
    assert d.layer.w.shape == (4,)
    assert isinstance(d.layer.b, float)
    assert d.net.w1.shape == (3, 2)
    assert d.net.b1.shape == (5,)
    assert isinstance(d.net.n, int)
    assert isinstance(d.tag, str)


def test_records_need_array_shapes() -> None:
    with pytest.raises(TypeError, match=r"field 'w' is an array of unknown shape.*shapes="):
        testing.records(Layer)
    with pytest.raises(TypeError, match="attrs class or dataclass"):
        testing.records(int)


@given(testing.values_like(Pair(1.0, np.zeros((2, 3)))))
def test_values_like_keeps_types_and_shapes(p: Pair) -> None:
    assert type(p) is Pair
    assert isinstance(p.x, float)
    assert p.y.shape == (2, 3)


@attrs.frozen
class Point(ad.Numeric):
    x: float
    w: Arr = attrs.field(metadata={"shape": (2,)})


testing.register_strategy(Point)


@given(st.from_type(Point))
def test_register_strategy_makes_from_type_work(p: Point) -> None:
    assert type(p) is Point
    assert p.w.shape == (2,)
    testing.check_grad(
        lambda q: q.view(ad.lenses(Point).x) * anp.sum(q.view(ad.lenses(Point).w)), p
    )


def test_trees() -> None:
    x = {"a": (1.0, np.zeros(2), 3), "b": Pair(2.0, np.ones(1))}
    assert [leaf.path for leaf in testing.leaves(x, "p")] == [
        "p['a'][0]",
        "p['a'][1]",
        "p['b'].x",
        "p['b'].y",
    ]
    assert testing.tree_equal(x, {"a": (1.0, np.zeros(2), 3), "b": Pair(2.0, np.ones(1))})
    assert not testing.tree_equal(x, {"a": (1.0, np.zeros(2), 4), "b": Pair(2.0, np.ones(1))})
    assert not testing.tree_allclose((1.0,), [1.0])


@dataclasses.dataclass(frozen=True)
class Bias:
    b: Arr = dataclasses.field(metadata={"shape": (4,)})
    name: str = "bias"


@given(testing.records(Bias))
def test_records_take_dataclass_metadata(x: Bias) -> None:
    assert x.b.shape == (4,)
    assert isinstance(x.name, str)


def test_check_vjp_catches_a_cotangent_of_the_wrong_type() -> None:
    as_list = ad.op1(lambda t: (t[0] * t[1], lambda g: [g * t[1], g * t[0]]), name="as_list")
    with pytest.raises(AssertionError, match="for x is a list, but x is a tuple"):
        testing.check_vjp(as_list, (2.0, 3.0))


def test_importing_optic_ad_does_not_import_hypothesis() -> None:
    code = "import sys, optic_ad; assert 'hypothesis' not in sys.modules, 'hypothesis imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_check_grad_catches_an_engine_value_that_differs_from_the_plain_one() -> None:
    # a "fast path" for plain arrays that forgot the 0.5: the engine path is right, but the
    # two disagree, so one of the results a user sees is wrong
    def f(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return float(np.sum(x * x))
        return anp.sum(x * x) * 0.5

    with pytest.raises(AssertionError, match="the value of f differs between the engine"):
        testing.check_grad(f, np.array([1.0, 2.0]))


# ----- dogfood: the library's own optics obey their laws -----


def test_library_optics_obey_their_laws() -> None:
    nets = testing.records(Net)
    dicts = testing.values_like({"a": 1.0, "b": np.zeros(2)})
    testing.check_lens_laws(NetL.b1, nets, testing.arrays((2,)))
    testing.check_lens_laws(ad.key("a"), dicts, testing.floats())
    testing.check_lens_laws(
        ad.ix(1) >> ad.ix(0), testing.values_like((0.0, (1.0, 2.0))), testing.floats()
    )
    testing.check_prism_laws(ad.just, testing.floats(), testing.floats())
    swap = ad.iso(lambda p: (p[1], p[0]), lambda p: (p[1], p[0]), name="swap")
    testing.check_iso_laws(swap.reversed(), pairs, pairs)
    testing.check_traversal_laws(
        ad.key("b") >> ad.each, dicts, functions=st.sampled_from([abs, lambda a: a * 3.0])
    )
    positives = ad.each >> ad.prism(lambda x: x if x > 0 else None, lambda a: a, name="pos")
    testing.check_traversal_laws(
        positives, st.lists(testing.floats(), max_size=4), testing.floats(0.5, 10.0)
    )


def test_opaque_registered_types_are_refused() -> None:
    # a registered type the kit cannot look inside would make any backward look right
    class Opaque:
        __slots__ = ("v",)

        def __init__(self, v: float) -> None:
            self.v = v

    ad.register(
        Opaque,
        zero=lambda o: Opaque(0.0),
        add=lambda a, b: Opaque(a.v + b.v),
        one=lambda o: Opaque(1.0),
    )
    wrong = ad.op1(lambda o: (o.v * 2.0, lambda g: Opaque(g * 3.0)), name="wrong")
    with pytest.raises(TypeError, match=r"cannot look inside x of type .*Opaque.*register_leaves"):
        testing.check_vjp(wrong, Opaque(1.0))
    with pytest.raises(TypeError, match=r"cannot look inside .*register_leaves"):
        testing.check_grad(lambda o: wrong(o), Opaque(1.0))
    testing.register_leaves(Opaque, lambda o: [o.v], lambda o, parts: Opaque(parts[0]))
    with pytest.raises(AssertionError, match="wrong"):
        testing.check_vjp(wrong, Opaque(1.0))
