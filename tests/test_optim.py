"""Tests of optic_ad.optim: convergence, the paper's update equations, structure, purity."""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any, NamedTuple, assert_type

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad import optim

Arr = NDArray[np.float64]


@attrs.frozen
class Rec(ad.Numeric):
    w: Arr
    b: float


RL = ad.lenses(Rec)


@dataclasses.dataclass(frozen=True)
class DC:
    x: Arr
    y: tuple[float, float]


class NT(NamedTuple):
    a: float
    b: Arr


OPTIMISERS: dict[str, optim.Optimizer[Any]] = {
    "sgd": optim.sgd(0.1),
    "momentum": optim.momentum(0.05),
    "adam": optim.adam(0.05),
}


def all_close(x: Any, y: Any, tol: float = 1e-12) -> bool:
    """Same structure and types, leaves equal within ``tol``."""
    flags: list[bool] = []

    def check(a: Any, b: Any) -> Any:
        flags.append(type(a) is type(b) and bool(np.allclose(a, b, rtol=tol, atol=tol)))
        return a

    optim.tree_map(check, x, y)
    return all(flags)


# ----- a quadratic bowl with an anisotropic curvature, on a nested structure -----

CENTRE: dict[str, Any] = {
    "rec": Rec(np.array([1.0, -2.0, 0.5]), 3.0),
    "pair": (np.array([[0.5, -1.5]]), -1.0),
}


def bowl(p: Any) -> Any:
    r, m, s = p["rec"], p["pair"][0], p["pair"][1]
    dw = r.view(RL.w) - CENTRE["rec"].w
    dm = m - CENTRE["pair"][0]
    b = r.view(RL.b)
    return (
        anp.sum(np.array([1.0, 3.0, 0.5]) * dw * dw)
        + 2.0 * (b - 3.0) * (b - 3.0)
        + anp.sum(dm * dm)
        + 0.5 * (s + 1.0) * (s + 1.0)
    )


def start() -> dict[str, Any]:
    return {"rec": Rec(np.zeros(3), 0.0), "pair": (np.zeros((1, 2)), 0.0)}


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_converges_on_quadratic_bowl(name: str) -> None:
    opt = OPTIMISERS[name]
    params = start()
    state = opt.init(params)
    first = float(bowl(params))
    for _ in range(600):
        params, state = opt.update(ad.grad_bp(bowl, params), state, params)
    assert float(bowl(params)) < 1e-6 * first
    assert all_close(params, CENTRE, tol=1e-3)


def test_fit_converges_and_reports(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[tuple[int, float]] = []
    params, history = optim.fit(
        lambda p, _: bowl(p),
        start(),
        [None, None],
        optim.adam(0.05),
        epochs=300,
        callback=lambda epoch, p, loss: seen.append((epoch, loss)),
    )
    assert_type(params, dict[str, Any])
    assert all_close(params, CENTRE, tol=1e-3)
    assert len(history) == 300
    assert history[-1] < 1e-6 * history[0]
    assert [e for e, _ in seen] == list(range(1, 301))
    assert [loss for _, loss in seen] == history
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 300
    assert lines[0].startswith("epoch   1/300  loss ")
    assert float(lines[-1].split()[3]) == pytest.approx(history[-1], rel=1e-5, abs=1e-6)


def test_fit_batches_function_and_silence(capsys: pytest.CaptureFixture[str]) -> None:
    # loss (w - b)^2 averaged over the data 1, 2, 3: the minimum is their mean, 2.
    calls: list[int] = []

    def batches(epoch: int) -> list[float]:
        calls.append(epoch)
        return [1.0, 2.0, 3.0]

    w, history = optim.fit(
        lambda w, b: (w - b) * (w - b), 0.0, batches, optim.sgd(0.02), 200, verbose=False
    )
    assert calls == list(range(200))
    assert w == pytest.approx(2.0, abs=0.05)
    assert history[-1] == pytest.approx(2.0 / 3.0, abs=0.05)
    assert capsys.readouterr().out == ""


def test_fit_rejects_spent_batches_and_nan() -> None:
    gen = iter([1.0])
    with pytest.raises(ValueError, match="epoch 2 has no batches"):
        optim.fit(lambda w, b: w * b, 1.0, gen, optim.sgd(0.1), 2, verbose=False)
    with pytest.raises(ValueError, match="loss is nan"):
        optim.fit(lambda w, b: w * b, 1.0, [math.nan], optim.sgd(0.1), 1, verbose=False)


# ----- the update equations, computed by hand -----


def test_adam_first_steps_match_the_paper() -> None:
    # Kingma & Ba, Algorithm 1, written out independently for three steps.
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-6
    opt = optim.adam(lr, b1, b2, eps)
    theta = np.array([0.5, -1.0, 2.0])
    grads = [np.array([0.1, -3.0, 0.0]), np.array([0.2, 1.0, -4.0]), np.array([-0.3, 0.5, 1.0])]
    params, state = theta, opt.init(theta)
    m = [0.0, 0.0, 0.0]
    v = [0.0, 0.0, 0.0]
    expected = [float(t) for t in theta]
    for t, g in enumerate(grads, start=1):
        params, state = opt.update(g, state, params)
        for i in range(3):
            gi = float(g[i])
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi**2
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            expected[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        assert state.step == t
        np.testing.assert_allclose(params, expected, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(state.mu, m, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(state.nu, v, rtol=1e-13, atol=1e-15)
    # The first step moves each coordinate with a nonzero gradient by lr against its sign.
    one_step, _ = opt.update(grads[0], opt.init(theta), theta)
    np.testing.assert_allclose(one_step - theta, [-lr, lr, 0.0], rtol=1e-4)


def test_sgd_and_momentum_by_hand() -> None:
    p, _ = optim.sgd(0.5).update((2.0, np.array([4.0])), None, (1.0, np.array([1.0])))
    assert p[0] == 0.0
    np.testing.assert_array_equal(p[1], [-1.0])
    opt = optim.momentum(0.1, mass=0.9)
    x, v = 1.0, opt.init(1.0)
    assert v == 0.0
    vel, pos = 0.0, 1.0
    for g in [1.0, -2.0, 0.5, 3.0]:
        x, v = opt.update(g, v, x)
        vel = 0.9 * vel - 0.1 * g
        pos = pos + vel
        assert v == pytest.approx(vel, rel=1e-14)
        assert x == pytest.approx(pos, rel=1e-14)


@given(
    st.lists(
        st.lists(st.floats(-10, 10, allow_nan=False), min_size=3, max_size=3),
        min_size=1,
        max_size=4,
    ),
    st.integers(0, 2),
)
def test_adam_on_a_structure_is_adam_on_each_leaf(steps: list[list[float]], which: int) -> None:
    # Element-wise moments: one Adam over a record equals separate Adams over its leaves.
    opt = [optim.adam(0.1), optim.adam(0.01, 0.5, 0.9), optim.adam(1.0, eps=1e-3)][which]
    rec = Rec(np.array([1.0, 2.0]), 3.0)
    state = opt.init(rec)
    w, sw = rec.w, opt.init(rec.w)
    b, sb = rec.b, opt.init(rec.b)
    for g in steps:
        rec, state = opt.update(Rec(np.array(g[:2]), g[2]), state, rec)
        w, sw = opt.update(np.array(g[:2]), sw, w)
        b, sb = opt.update(g[2], sb, b)
    np.testing.assert_allclose(rec.w, w, rtol=1e-14)
    assert rec.b == pytest.approx(b, rel=1e-14)


# ----- structure, types and purity -----

SAMPLES: dict[str, Any] = {
    "float": 1.5,
    "array": np.array([[1.0, 2.0], [3.0, 4.0]]),
    "float32": np.array([1.0, -1.0], dtype=np.float32),
    "numpy scalar": np.float64(2.0),
    "tuple": (1.0, np.array([2.0, 3.0])),
    "list": [np.array([1.0]), 2.0],
    "dict": {"a": 1.0, "b": {"c": np.array([1.0, 2.0])}},
    "attrs": Rec(np.array([1.0, 2.0]), 0.5),
    "dataclass": DC(np.array([1.0]), (2.0, 3.0)),
    "namedtuple": NT(1.0, np.array([2.0])),
    "T2": ad.T2(1.0, np.array([1.0, 2.0])),
    "T3": ad.T3(np.array([1.0]), 2.0, (3.0,)),
    "HList": ad.HList(1.0, np.array([2.0]), {"k": 3.0}),
    "nested": [Rec(np.ones(2), 1.0), {"k": (NT(0.5, np.zeros(1)), None)}, ad.HList(1.0)],
}


def _same_structure(a: Any, b: Any) -> None:
    def check(x: Any, y: Any) -> Any:
        assert type(x) is type(y)
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape
            assert x.dtype == y.dtype
        return x

    optim.tree_map(check, a, b)


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_structure_types_and_purity(name: str, kind: str) -> None:
    opt = OPTIMISERS[name]
    params = SAMPLES[kind]
    grads = optim.tree_map(lambda x: x * 0.5 + 1.0, params)
    params_copy, grads_copy = copy.deepcopy(params), copy.deepcopy(grads)
    state = opt.init(params)
    state_copy = copy.deepcopy(state)
    new, new_state = opt.update(grads, state, params)
    _same_structure(new, params)
    # The step moved every leaf (all gradients are nonzero) and did not touch the inputs.
    moved: list[bool] = []
    optim.tree_map(lambda x, y: moved.append(bool(np.all(x != y))), new, params)
    assert all(moved)
    assert all_close(params, params_copy, tol=0.0)
    assert all_close(grads, grads_copy, tol=0.0)
    if state is not None:
        assert all_close(state, state_copy, tol=0.0)
        new2, _ = opt.update(grads, new_state, new)
        _same_structure(new2, params)


def test_state_has_the_params_structure() -> None:
    params = SAMPLES["nested"]
    velocity = optim.momentum(0.1).init(params)
    _same_structure(velocity, params)
    adam_state = optim.adam(0.1).init(params)
    assert adam_state.step == 0
    _same_structure(adam_state.mu, params)
    _same_structure(adam_state.nu, params)
    assert all_close(adam_state.mu, optim.tree_map(ad.zero, params))


def test_update_returns_the_params_type() -> None:
    rec = Rec(np.array([1.0]), 2.0)
    new, _ = optim.adam(0.1).update(rec, optim.adam(0.1).init(rec), rec)
    assert_type(new, Rec)
    pair, _ = optim.sgd(0.1).update((1.0, 2.0), None, (1.0, 2.0))
    assert_type(pair, tuple[float, float])
    x, _ = optim.momentum(0.1).update(1.0, 0.0, 1.0)
    assert_type(x, float)
    t2: ad.T2[float, Arr] = ad.T2(1.0, np.array([1.0]))
    new_t2, _ = optim.adam(0.1).update(t2, optim.adam(0.1).init(t2), t2)
    assert_type(new_t2, ad.T2[float, Arr])
    assert type(new_t2) is ad.T2
    assert type(new_t2.fst) is float


def test_products_are_taken_apart() -> None:
    # An HList holding an int keeps it; its float and array parts move.
    h = ad.HList(1.0, np.array([1.0, 1.0]), 7)
    g = ad.grad_bp(lambda v: v.view(ad.ix(0)) * anp.sum(v.view(ad.ix(1))), h)
    for opt in OPTIMISERS.values():
        new, _ = opt.update(g, opt.init(h), h)
        assert type(new) is ad.HList
        assert new[2] == 7
        assert type(new[2]) is int
        assert new[0] < 1.0
        assert np.all(new[1] < 1.0)


def test_int_leaves_are_constants() -> None:
    params = {"w": 1.0, "n": 3}
    for opt in OPTIMISERS.values():
        new, _ = opt.update({"w": 1.0, "n": 0.0}, opt.init(params), params)
        assert new["n"] == 3
        assert type(new["n"]) is int
        assert new["w"] < 1.0


def test_registered_type_is_a_leaf() -> None:
    class Money:
        def __init__(self, v: float) -> None:
            self.v = v

        def __add__(self, o: Money | float) -> Money:
            return Money(self.v + (o.v if isinstance(o, Money) else o))

        def __sub__(self, o: Money) -> Money:
            return Money(self.v - o.v)

        def __mul__(self, o: Money | float) -> Money:
            return Money(self.v * (o.v if isinstance(o, Money) else o))

        __rmul__ = __mul__

        def __truediv__(self, o: Money | float) -> Money:
            return Money(self.v / (o.v if isinstance(o, Money) else o))

        def __pow__(self, e: float) -> Money:
            return Money(self.v**e)

    ad.register(Money, zero=lambda m: Money(0.0), add=lambda a, b: a + b, one=lambda m: Money(1.0))
    opt = optim.adam(0.1)
    p, state = opt.update({"m": Money(2.0)}, opt.init({"m": Money(1.0)}), {"m": Money(1.0)})
    assert type(p["m"]) is Money
    assert p["m"].v == pytest.approx(0.9)
    assert state.mu["m"].v == pytest.approx(0.2)


def test_tree_map_errors() -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="no Backprop instance for type"):
        optim.sgd(0.1).update([Opaque()], None, [Opaque()])
    with pytest.raises(ValueError, match="lengths 2 and 1"):
        optim.sgd(0.1).update([1.0], None, [1.0, 2.0])


def test_leaf_types_survive_mixed_gradients() -> None:
    # The engine may hand back a numpy scalar for a float, or float64 for float32 data.
    for opt in OPTIMISERS.values():
        p32 = np.array([1.0, 2.0], dtype=np.float32)
        params = (1.0, p32)
        grads = (np.float64(0.5), np.array([0.5, 0.5]))
        new, state = opt.update(grads, opt.init(params), params)
        new, _ = opt.update(grads, state, new)
        assert type(new[0]) is float
        assert new[1].dtype == np.float32
        assert new[0] < 1.0


def test_shape_mismatch_is_an_error() -> None:
    for opt in OPTIMISERS.values():
        with pytest.raises(ValueError, match=r"shape \(2, 3\) for a parameter of shape \(3,\)"):
            opt.update(np.ones((2, 3)), opt.init(np.ones(3)), np.ones(3))
        with pytest.raises(ValueError, match="for a scalar parameter"):
            opt.update(np.ones(2), opt.init(1.0), 1.0)
