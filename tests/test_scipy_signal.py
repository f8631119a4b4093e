"""optic_ad.scipy.signal: values against scipy, gradients against autograd.scipy.signal (an
independent implementation) and finite differences, Jacobians with the batched seed, and
Hessians (the rules differentiate again).

Each case is ``f(m, *xs)``: ``m`` is ``optic_ad.numpy``, ``numpy`` or ``autograd.numpy`` and
:func:`sig` picks the matching ``signal`` namespace (ours, scipy's or autograd's).
"""

from __future__ import annotations

import importlib
from typing import Any

import autograd.numpy as agnp
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.scipy import signal
from tests.test_np_reductions import check

# (autograd.scipy has no stubs in typings/)
ag_signal: Any = importlib.import_module("autograd.scipy.signal")

MODES = ["full", "same", "valid"]


def sig(m: Any) -> Any:
    """The ``signal`` namespace that goes with the numpy namespace ``m``."""
    if m is anp:
        return signal
    if m is agnp:
        return ag_signal
    return scipy.signal


def _x(shape: tuple[int, ...], seed: int) -> Any:
    return np.random.default_rng(seed).normal(size=shape)


# (in1 shape, in2 shape): 1-d and 2-d, either operand the larger, and a mixed 2-d pair
# that only full and same accept
SHAPES = [
    ((5,), (3,)),
    ((3,), (5,)),
    ((4,), (4,)),
    ((1,), (3,)),
    ((4, 5), (2, 3)),
    ((2, 3), (4, 5)),
    ((3, 2), (2, 3)),
    ((2, 3, 2), (2, 2, 2)),
]


def _valid_ok(sa: tuple[int, ...], sb: tuple[int, ...]) -> bool:
    return all(a >= b for a, b in zip(sa, sb, strict=True)) or all(
        a <= b for a, b in zip(sa, sb, strict=True)
    )


def _autograd_ok(sa: tuple[int, ...], sb: tuple[int, ...], mode: str) -> bool:
    """Whether autograd's convolve can be the oracle: it recurses forever when neither
    operand is the larger in every dimension, which its "valid" rule meets again between
    the output (``big - small + 1``) and the smaller operand ((4, 4) with (2, 3))."""
    if not _valid_ok(sa, sb):
        return False
    if mode != "valid":
        return True
    big, small = (sa, sb) if all(a >= b for a, b in zip(sa, sb, strict=True)) else (sb, sa)
    out = tuple(b - s + 1 for b, s in zip(big, small, strict=True))
    return _valid_ok(out, small)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("sa", "sb"), SHAPES)
def test_convolve(sa: tuple[int, ...], sb: tuple[int, ...], mode: str) -> None:
    if mode == "valid" and not _valid_ok(sa, sb):
        with pytest.raises(ValueError, match="valid"):
            ad.grad(lambda a, b: anp.sum(signal.convolve(a, b, mode="valid")))(_x(sa, 0), _x(sb, 1))
        return
    # autograd recurses without end when neither operand is the larger (see _autograd_ok)
    check(
        lambda m, a, b: sig(m).convolve(a, b, mode=mode),
        [_x(sa, 0), _x(sb, 1)],
        autograd_ok=_autograd_ok(sa, sb, mode),
    )


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode", MODES)
def test_convolve_methods(mode: str, method: str) -> None:
    a, b = _x((6,), 2), _x((3,), 3)
    expected = scipy.signal.convolve(a, b, mode=mode, method=method)
    seen: list[Any] = []

    def loss(x: Any, y: Any) -> Any:
        out = signal.convolve(x, y, mode=mode, method=method)  # type: ignore[arg-type]
        seen.append(out.value)
        return anp.sum(out * out)

    ga, gb = ad.grad(loss, argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(seen[0], expected)
    ref = ad.grad(
        lambda x, y: anp.sum(signal.convolve(x, y, mode=mode) ** 2),  # type: ignore[arg-type]
        argnums=(0, 1),
    )(a, b)
    np.testing.assert_allclose(ga, ref[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gb, ref[1], rtol=1e-9, atol=1e-12)


def test_plain_inputs_get_scipy_results() -> None:
    a, b = _x((4, 3), 4), _x((2, 2), 5)
    for mode in MODES:
        out = signal.convolve(a, b, mode=mode)  # type: ignore[arg-type]
        np.testing.assert_array_equal(out, scipy.signal.convolve(a, b, mode=mode))
    ints = signal.convolve([1, 2, 3], [0, 1])
    np.testing.assert_array_equal(ints, scipy.signal.convolve([1, 2, 3], [0, 1]))
    assert ints.dtype == scipy.signal.convolve([1, 2, 3], [0, 1]).dtype


def test_one_bvar_beside_a_list() -> None:
    g = ad.grad(lambda a: anp.sum(signal.convolve(a, [1.0, 2.0])))(np.array([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(g, [3.0, 3.0, 3.0])


def test_errors_as_scipy() -> None:
    x = np.ones(3)
    with pytest.raises(ValueError, match="same dimensionality"):
        ad.grad(lambda a: anp.sum(signal.convolve(a, np.ones((2, 2)))))(x)
    with pytest.raises(ValueError, match="mode"):
        ad.grad(lambda a: anp.sum(signal.convolve(a, x, mode="circular")))(x)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match="convolve: complex"):
        ad.grad(lambda a: anp.sum(anp.real(signal.convolve(a, x + 1j))))(x)
    with pytest.raises(ValueError, match="method"):
        ad.grad(lambda a: anp.sum(signal.convolve(a, x, method="slow")))(x)  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_convolve_random_shapes(data: st.DataObject) -> None:
    nd = data.draw(st.integers(1, 2), label="nd")
    sa = tuple(data.draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd), label="sa"))
    sb = tuple(data.draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd), label="sb"))
    mode = data.draw(st.sampled_from(MODES if _valid_ok(sa, sb) else ["full", "same"]), "mode")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    check(
        lambda m, a, b: sig(m).convolve(a, b, mode=mode),
        [_x(sa, seed), _x(sb, seed + 1)],
        autograd_ok=_autograd_ok(sa, sb, mode),
        hessian=False,
    )


def test_third_derivative() -> None:
    # the rules are convolutions again, all the way up
    b = np.array([0.5, -1.0, 2.0])

    def f(t: Any) -> Any:
        a = anp.array([t, t * t, 1.0])
        return anp.sum(anp.sin(signal.convolve(a, b * t, mode="same")))

    def f_np(t: float) -> float:
        a = np.array([t, t * t, 1.0])
        return float(np.sum(np.sin(scipy.signal.convolve(a, b * t, mode="same"))))

    d3 = ad.derivative(ad.derivative(ad.derivative(f)))(0.7)
    d2 = ad.derivative(ad.derivative(f))
    eps = 1e-5
    np.testing.assert_allclose(d3, (d2(0.7 + eps) - d2(0.7 - eps)) / (2 * eps), rtol=1e-6)
    h = 1e-3
    fd2 = (f_np(0.7 + h) - 2 * f_np(0.7) + f_np(0.7 - h)) / h**2
    np.testing.assert_allclose(d2(0.7), fd2, rtol=1e-5)


# every differentiable name of the module, with its first- and second-order test above
ORDERS = {"convolve": ("test_convolve", "test_convolve")}


def test_every_name_has_first_and_second_order_cases() -> None:
    assert set(signal.__all__) == set(ORDERS)
    for first, second in ORDERS.values():
        assert callable(globals()[first])
        assert callable(globals()[second])
