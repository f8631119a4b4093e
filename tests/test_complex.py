"""Complex numbers: inputs are real (complex ones are refused), intermediates may be complex
and follow autograd's convention (the cotangent of ``z = x + iy`` is ``dL/dx - 1j dL/dy``),
and a real input always gets a real gradient.

Each case is ``f(m, re, im)`` with ``m`` optic_ad.numpy or autograd.numpy: real inputs, a
complex value ``z = re + 1j * im`` built inside, and a real output; first and second
derivatives are compared with autograd's and with finite differences.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import attrs
import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.bvar import BVar, plain
from tests.helpers import MustBatch, fd_jacobian, fd_partial

Arr = NDArray[np.float64]

RE = np.array([0.7, -1.3, 0.4])
IM = np.array([0.5, 0.9, -1.1])
W = np.array([0.8, -0.3, 1.2])


def check(f: Callable[..., Any], *xs: Any, hessian: bool = True, autograd_ok: bool = True) -> None:
    """Gradients (and Hessians) of the real ``f(anp, *xs)`` against autograd's and finite
    differences, in each argument; every gradient is real. ``autograd_ok=False`` where
    autograd fails: finite differences only."""
    value, grads = ad.backprop_n(lambda *v: f(anp, *v), *xs)
    np.testing.assert_allclose(value, f(np, *xs), rtol=1e-12)
    for i, g in enumerate(grads):
        assert not np.iscomplexobj(g)
        assert np.shape(g) == np.shape(xs[i])
        fd = fd_partial(lambda *v: f(np, *v), list(xs), i)
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)
        if hessian:
            h = ad.hessian(lambda *v: f(anp, *v), argnums=i)(*xs)
            assert not np.iscomplexobj(h)
            gi = ad.grad(lambda *v: f(anp, *v), argnums=i)
            hd = fd_jacobian(gi, list(xs), i, eps=1e-5)
            np.testing.assert_allclose(h, hd, rtol=1e-4, atol=1e-5)
        if not autograd_ok:
            continue
        theirs = autograd.grad(lambda *v: f(agnp, *v), i)(*xs)
        np.testing.assert_allclose(g, theirs, rtol=1e-9, atol=1e-12)
        if not hessian:
            continue
        with warnings.catch_warnings():
            # autograd warns that the Hessian of a linear function does not depend on x
            warnings.filterwarnings("ignore", "Output seems independent", UserWarning)
            hh = autograd.hessian(lambda *v: f(agnp, *v), i)(*xs)
        np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)


# ----- complex inputs are refused -----

RUNNERS: list[tuple[str, Callable[[Callable[[Any], Any], Any], Any]]] = [
    ("grad_bp", lambda f, x: ad.grad_bp(f, x)),
    ("backprop", lambda f, x: ad.backprop(f, x)),
    ("backprop_n", lambda f, x: ad.backprop_n(f, x)),
    ("backprop_with", lambda f, x: ad.backprop_with(f, x, 1.0)),
    ("grad", lambda f, x: ad.grad(f)(x)),
    ("grad", lambda f, x: ad.value_and_grad(f)(x)),
    ("jacobian", lambda f, x: ad.jacobian(f)(x)),
    ("hessian", lambda f, x: ad.hessian(f)(x)),
    ("derivative", lambda f, x: ad.derivative(f)(x)),
]


@pytest.mark.parametrize(
    ("runner", "run"), RUNNERS, ids=[f"{r}-{i}" for i, (r, _) in enumerate(RUNNERS)]
)
@pytest.mark.parametrize("z", [1.0 + 2.0j, np.complex128(1.0 - 1.0j), np.array([1.0 + 0.5j])])
def test_complex_inputs_are_refused(runner: str, run: Any, z: Any) -> None:
    def f(v: Any) -> Any:
        return anp.sum(anp.abs(v))

    if runner == "derivative" and np.ndim(z):
        # derivative refuses an array input before it looks at its dtype
        with pytest.raises(TypeError, match="derivative"):
            run(f, z)
        return

    with pytest.raises(TypeError) as info:
        run(f, z)
    msg = str(info.value)
    assert msg.startswith(f"{runner}: argument 0 is complex; ")
    assert "differentiates real inputs only" in msg
    assert "complex intermediates are fine" in msg
    assert "re + 1j * im" in msg


@attrs.frozen
class Signal:
    name: str
    parts: list[Any]


def test_a_complex_leaf_inside_a_structure_is_named_by_its_path() -> None:
    x = {"a": 1.0, "b": (np.zeros(2), np.array([1j, 2.0]))}
    with pytest.raises(
        TypeError, match=r"grad_bp: argument 0 holds a complex number at \['b'\]\[1\];"
    ):
        ad.grad_bp(lambda v: 1.0, x)
    s = Signal("s", [np.ones(2), np.complex64(1j)])
    with pytest.raises(
        TypeError, match=r"backprop_n: argument 1 holds a complex number at \['parts'\]\[1\];"
    ):
        ad.backprop_n(lambda a, b: a, 1.0, s)
    with pytest.raises(TypeError, match=r"grad: argument 0 holds a complex number at \[1\];"):
        ad.grad(lambda a, b: a * 2.0, argnums=1)(1.0, [2.0, 3j])


def test_real_inputs_of_every_kind_are_accepted() -> None:
    x = {"a": 1.0, "b": (np.zeros(2), np.array([1.0, 2.0]), 3, "name", np.float32(1.0))}
    g = ad.grad_bp(lambda v: v["a"] * 2.0, x)
    assert g["a"] == 2.0


# ----- the convention, op by op, against autograd -----


def _z(m: Any, re: Any, im: Any) -> Any:
    return re + 1j * im


CASES: dict[str, Callable[..., Any]] = {
    # the issue's example
    "abs(z*z)": lambda m, re, im: m.sum(m.abs(_z(m, re, im) * _z(m, re, im))),
    "abs": lambda m, re, im: m.sum(m.abs(_z(m, re, im)) * W),
    "absolute": lambda m, re, im: m.sum(m.absolute(_z(m, re, im) * (2.0 - 1.0j)) * W),
    "real": lambda m, re, im: m.sum(m.sin(m.real(_z(m, re, im) * (0.5 + 2.0j))) * W),
    "imag": lambda m, re, im: m.sum(m.sin(m.imag(_z(m, re, im) * _z(m, re, im))) * W),
    "conj": lambda m, re, im: m.sum(m.real(m.conj(_z(m, re, im)) * _z(m, re, im) * (1.0 + 1.0j))),
    "conjugate": lambda m, re, im: m.sum(m.imag(m.conjugate(m.exp(_z(m, re, im))) * W)),
    "angle": lambda m, re, im: m.sum(m.angle(_z(m, re, im)) * W),
    "angle deg": lambda m, re, im: m.sum(
        (m.angle(_z(m, re, im) * 1j, deg=True) if m is not agnp else m.angle(_z(m, re, im) * 1j))
        * (W if m is not agnp else W * (180.0 / np.pi))
    ),  # (autograd's angle has no deg)
    "mul div": lambda m, re, im: m.sum(
        m.abs(_z(m, re, im) * (1.0 + 2.0j) / (_z(m, re, im) + 3.0)) * W
    ),
    "exp sin": lambda m, re, im: m.sum(m.real(m.exp(_z(m, re, im)) * m.sin(_z(m, re, im))) * W),
    "cos tanh": lambda m, re, im: m.sum(m.imag(m.cos(_z(m, re, im)) + m.tanh(_z(m, re, im))) * W),
    "log sqrt": lambda m, re, im: m.sum(
        m.abs(m.log(_z(m, re, im)) + m.sqrt(_z(m, re, im) + 2.0)) * W
    ),
    "pow square": lambda m, re, im: m.sum(
        m.real(_z(m, re, im) ** 3 + m.square(_z(m, re, im)) * 1j) * W
    ),
    "sum mean": lambda m, re, im: m.abs(m.sum(_z(m, re, im) * W)) + m.real(m.mean(_z(m, re, im))),
    "dot": lambda m, re, im: m.abs(m.dot(_z(m, re, im), _z(m, re, im) * W)),
    "outer parts": lambda m, re, im: m.sum(m.real(m.outer(_z(m, re, im), m.conj(_z(m, re, im))))),
    "abs squared": lambda m, re, im: m.sum(m.abs(_z(m, re, im)) ** 2 * W),
}


@pytest.mark.parametrize("name", list(CASES))
def test_op_against_autograd(name: str) -> None:
    check(CASES[name], RE, IM)


# autograd fails on these with complex values (its where, concatenate and pad rules):
# finite differences only
NO_AUTOGRAD: dict[str, Callable[..., Any]] = {
    "where": lambda m, re, im: m.sum(m.abs(m.where(RE > 0, _z(m, re, im), re)) * W),
    "concatenate": lambda m, re, im: m.sum(m.abs(m.concatenate([_z(m, re, im), im])) * 0.5),
    "pad": lambda m, re, im: m.sum(m.abs(m.pad(_z(m, re, im), 1) + 0.3)),
}


@pytest.mark.parametrize("name", list(NO_AUTOGRAD))
def test_op_against_finite_differences(name: str) -> None:
    check(NO_AUTOGRAD[name], RE, IM, autograd_ok=False)


def test_power_of_a_complex_base() -> None:
    # d/dy z**y = z**y log z, also where re(z) < 0 (a real base there would give nan)
    check(lambda m, re, im: m.sum(m.abs(m.power(_z(m, re, im), im + 2.0)) * W), RE, IM)
    check(lambda m, re, im: m.sum(m.abs(m.power(2.0 + 0.0 * re, _z(m, re, im))) * W), RE, IM)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_of_complex_values(name: str) -> None:
    # mean |z - mean z|^2: real, its cotangent is conjugated
    check(lambda m, re, im: getattr(m, name)(_z(m, re, im) * (1.0 + 0.5j)), RE, IM)
    check(
        lambda m, re, im: m.sum(m.sin(getattr(m, name)(m.outer(_z(m, re, im), W), axis=0))), RE, IM
    )


def test_the_issues_example_gives_autograds_numbers() -> None:
    # sum |v * v| = sum |v|^2 = sum re^2 + im^2: gradient (2 re, 2 im)
    def f(re: Any, im: Any) -> Any:
        v = re + 1j * im
        return anp.sum(anp.abs(v * v))

    gre, gim = ad.grad_bp2(f, RE, IM)
    np.testing.assert_allclose(gre, 2 * RE, rtol=1e-12)
    np.testing.assert_allclose(gim, 2 * IM, rtol=1e-12)


def test_abs_conjugates_as_autograd() -> None:
    # d|z|/dre = re/|z|, d|z|/dim = im/|z|; the rule g * z/|z| (unconjugated) gives -im/|z|
    gre, gim = ad.grad_bp2(lambda re, im: anp.sum(anp.abs(re + 1j * im)), RE, IM)
    r = np.hypot(RE, IM)
    np.testing.assert_allclose(gre, RE / r, rtol=1e-12)
    np.testing.assert_allclose(gim, IM / r, rtol=1e-12)
    assert not np.allclose(gim, -IM / r)
    # at 0: 0, as autograd
    assert ad.grad_bp2(lambda re, im: anp.abs(re + 1j * im), 0.0, 0.0) == (0.0, 0.0)


def test_a_mixed_real_and_complex_product_unbroadcasts_a_real_operand() -> None:
    x = np.array([[0.3], [-0.8]])  # broadcast against z's (3,)

    def f(m: Any, re: Any, im: Any, s: Any) -> Any:
        return m.sum(m.abs(s * _z(m, re, im) + 1.0) * W)

    check(f, RE, IM, x)


def test_python_complex_scalars_meet_arrays() -> None:
    # a BVar of a Python complex (from float inputs) broadcast against an array: its
    # cotangent is summed back to a scalar
    check(lambda m, re, im: m.sum(m.abs((re + 1j * im) * W + 0.5)), 0.5, 0.3)
    check(lambda m, re, im: m.sum(m.real(m.exp(1j * re) * W * im)), 0.5, 0.3)


def test_batched_jacobians_and_hessians_through_complex_intermediates() -> None:
    def f(m: Any, x: Any) -> Any:
        z = m.exp(1j * x) * (x + 2.0j)
        return m.abs(z * z) + m.angle(z) + m.real(m.conj(z) * 1j) * m.imag(z)

    x = RE
    with MustBatch():
        jac = ad.jacobian(lambda v: f(anp, v), mode="reverse")(x)
    np.testing.assert_allclose(jac, autograd.jacobian(lambda v: f(agnp, v))(x), rtol=1e-9)
    with MustBatch():
        h = ad.hessian(lambda v: anp.sum(f(anp, v) * W))(x)
    hh = autograd.hessian(lambda v: agnp.sum(f(agnp, v) * W))(x)
    np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-12)


# ----- real values get the real part of their cotangent -----


def test_a_real_input_never_gets_a_complex_gradient() -> None:
    g = ad.grad_bp(lambda x: anp.real(x * (1.0 + 2.0j)), 2.0)
    assert g == 1.0
    assert type(g) is float
    g2 = ad.grad_bp(lambda x: anp.sum(anp.abs(x * 1j)), np.array([1.5, -2.0]))
    assert g2.dtype == np.float64
    np.testing.assert_array_equal(g2, [1.0, -1.0])
    g3 = ad.grad_bp(lambda x: anp.imag(x * (1.0 + 2.0j)) ** 2.0, 0.5)
    assert g3 == pytest.approx(4.0)  # d (2x)^2 / dx = 8x
    for h in [
        ad.hessian(lambda x: anp.sum(anp.real(x * x * (1.0 + 2.0j))))(np.array([1.0, 2.0])),
        ad.jacobian(ad.grad(lambda x: anp.sum(anp.abs(x * (3.0 + 4.0j)) ** 2)))(np.array([1.0])),
    ]:
        assert h.dtype == np.float64
    np.testing.assert_allclose(
        ad.hessian(lambda x: anp.sum(anp.abs(x * (3.0 + 4.0j)) ** 2))(np.array([1.0, 2.0])),
        50.0 * np.eye(2),
    )
    # inside structures too
    gs = ad.grad_bp(lambda s: anp.real(s[0] * 1j * s[1] + s[0] * (2.0 + 1.0j)), (1.0, 3.0))
    assert gs == (2.0, 0.0)


@pytest.mark.parametrize(
    "name",
    ["real", "imag", "abs", "angle"],
)
def test_a_real_intermediate_keeps_only_the_real_part(name: str) -> None:
    # y = part(z) is real; y * (1 + 2j) sends y the complex cotangent 1 + 2j, of which only
    # the real part counts: passing the rest on to z would be wrong
    part = {"real": "real", "imag": "imag", "abs": "abs", "angle": "angle"}[name]

    def f(m: Any, re: Any, im: Any) -> Any:
        y = getattr(m, part)(_z(m, re, im))
        return m.sum(m.real(y * (1.0 + 2.0j)) * W)

    check(f, RE, IM)


def test_nested_derivatives_of_a_complex_path() -> None:
    def f(t: Any) -> Any:
        return anp.real(anp.exp(1j * t))

    d2 = ad.derivative(ad.derivative(f))(0.4)
    assert d2 == pytest.approx(-np.cos(0.4), rel=1e-12)
    d3 = ad.derivative(ad.derivative(ad.derivative(f)))(0.4)
    assert d3 == pytest.approx(np.sin(0.4), rel=1e-12)


# ----- Jacobians of complex outputs -----


def test_jacobian_of_a_complex_output() -> None:
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(ad.jacobian(lambda v: v * (1.0 + 2.0j))(x), (1.0 + 2.0j) * np.eye(2))
    # its real part goes through a real intermediate: re + 1j im must come from two pulls
    j = ad.jacobian(lambda v: anp.real(v * (1.0 + 2.0j)) * 1j)(x)
    np.testing.assert_allclose(j, 1j * np.eye(2))
    jd = ad.derivative(lambda t: anp.exp(1j * t))(0.3)
    assert jd == pytest.approx(1j * np.exp(0.3j))
    with MustBatch():
        jf = ad.jacobian(lambda v: anp.exp(1j * v) * v, mode="reverse")(x)
    np.testing.assert_allclose(jf, fd_jacobian(lambda v: np.exp(1j * v) * v, [x], 0), atol=1e-7)
    # a structured input: each leaf's Jacobian is complex
    jt = ad.jacobian(lambda t: t[0] * 1j + t[1])((1.0, 2.0))
    assert jt == (1j, 1.0)


# ----- functions of complex BVars -----


def test_real_if_close() -> None:
    def f(m: Any, re: Any, im: Any, tiny: float) -> Any:
        z = re + 1j * im * tiny
        out = m.real_if_close(z)
        seen.append(out)
        return m.sum(m.abs(out + 0.5) * W)

    seen: list[Any] = []
    ad.backprop_n(lambda re, im: f(anp, re, im, 1e-17), RE, IM)
    assert isinstance(seen[-1], BVar)
    assert not np.iscomplexobj(plain(seen[-1]))  # imaginary parts within tol: its real part
    ad.backprop_n(lambda re, im: f(anp, re, im, 1.0), RE, IM)
    assert np.iscomplexobj(plain(seen[-1]))  # not close: the complex value itself
    check(lambda m, re, im: f(m, re, im, 1.0), RE, IM)
    gre, gim = ad.grad_bp2(lambda re, im: f(anp, re, im, 1e-17), RE, IM)
    np.testing.assert_allclose(gre, np.sign(RE + 0.5) * W)
    np.testing.assert_array_equal(gim, np.zeros(3))


def test_real_parts_of_real_bvars_are_unchanged() -> None:
    # real BVars: real and conj return them, imag and angle are constants
    x = np.array([0.5, -1.5, 2.0])
    g = ad.grad(lambda v: anp.sum(anp.real(v) * anp.conj(v) + anp.imag(v) + anp.angle(v)))(x)
    np.testing.assert_allclose(g, 2 * x)
