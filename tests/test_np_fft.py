"""optic_ad.numpy.fft: values against numpy (exactly), gradients against autograd (an
independent implementation, where it supports the case) and central finite differences
(always), Jacobians (the one-pass batched seed) and Hessians.

Each case is written once as ``f(m, x)``, ``m`` being ``optic_ad.numpy``, ``numpy`` or
``autograd.numpy``, and differentiated through a real loss of its (often complex) output.

autograd's own rules are wrong or missing in some cases, which these tests therefore check
against finite differences only: its real transforms refuse odd lengths, get ``norm="forward"``
and ``norm="backward"`` (spelled out) wrong, and get ``rfft`` with ``n`` different from the input's length wrong; its n-d transforms
refuse repeated axes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.bvar import plain
from tests.helpers import MustBatch, fd_jacobian, fd_partial

Arr = NDArray[np.float64]
Case = Callable[[Any, Any], Any]
NORMS: list[Any] = [None, "backward", "ortho", "forward"]


def _val(x: Any) -> Any:
    """The numbers inside an autograd box, a BVar or a plain value."""
    return plain(autograd.tracer.getval(x))  # type: ignore[attr-defined]


def _weights(shape: tuple[int, ...], k: int) -> Arr:
    w: Arr = np.cos(np.arange(int(np.prod(shape))) * (1.3 + 0.2 * k) + 0.3 * k).reshape(shape)
    return w


def _loss(m: Any, f: Case) -> Callable[[Any], Any]:
    """A real loss of ``f``'s output, nonlinear (so a Hessian differentiates the rules
    again); a complex output is seen through its real part, imaginary part and modulus."""

    def loss(x: Any) -> Any:
        out = f(m, x)
        v = _val(out)
        sh = np.shape(v)
        if np.iscomplexobj(v):
            return m.sum(
                m.sin(m.real(out)) * _weights(sh, 0)
                + m.cos(m.imag(out)) * _weights(sh, 1)
                + m.abs(out + (0.7 + 0.4j)) * _weights(sh, 2)  # (away from its kink at 0)
            )
        return m.sum(m.sin(out) * _weights(sh, 0))

    return loss


def _complexify(m: Any, x: Any) -> Any:
    # a complex value built from a real one (the inputs are real)
    return x * (0.6 - 0.8j) + 0.3j * x * x


def check(f: Case, x: Arr, *, autograd_ok: bool = True, hessian: bool = True) -> None:
    """``f(anp, x)`` against numpy's value, its loss's gradient against finite differences
    and autograd, its Jacobian (batched) against finite differences, and the Hessian of the
    loss (batched) against finite differences and autograd."""
    expected = f(np, x)
    np.testing.assert_array_equal(f(anp, x), expected)  # plain: numpy's own
    seen: list[Any] = []

    def ours(v: Any) -> Any:
        out = f(anp, v)
        seen.append(plain(out))
        return _loss(anp, lambda m, _: out)(v)

    value, g = ad.backprop(ours, x)
    np.testing.assert_array_equal(seen[0], expected)  # on BVars: the same numpy calls
    np.testing.assert_allclose(value, _loss(np, f)(x), rtol=1e-12)
    assert np.shape(g) == np.shape(x)
    assert not np.iscomplexobj(g)
    np.testing.assert_allclose(g, fd_partial(_loss(np, f), [x], 0), rtol=1e-5, atol=1e-6)
    if autograd_ok:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            theirs = autograd.grad(_loss(agnp, f))(x)
        np.testing.assert_allclose(g, theirs, rtol=1e-9, atol=1e-12)
    with MustBatch():
        jac = ad.jacobian(lambda v: f(anp, v), mode="reverse")(x)
    np.testing.assert_allclose(jac, fd_jacobian(lambda v: f(np, v), [x], 0), rtol=1e-5, atol=1e-6)
    if not hessian:
        return
    with MustBatch():
        h = ad.hessian(_loss(anp, f))(x)
    assert not np.iscomplexobj(h)
    gf = ad.grad(_loss(anp, f))
    np.testing.assert_allclose(h, fd_jacobian(gf, [x], 0, eps=1e-5), rtol=1e-4, atol=1e-5)
    if autograd_ok:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            hh = autograd.hessian(_loss(agnp, f))(x)
        np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)


def _array(shape: tuple[int, ...]) -> st.SearchStrategy[Arr]:
    n = int(np.prod(shape))
    return st.lists(st.floats(-2.0, 2.0), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=np.float64).reshape(shape) + 0.1
    )


def _real_ok(n: int, norm: Any) -> bool:
    """Whether autograd's rule for a real transform of ``n`` points is right."""
    return n % 2 == 0 and norm in (None, "ortho")


# ----- 1-d transforms -----


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_fft_ifft(data: st.DataObject) -> None:
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), "shape")
    nd = len(shape)
    axis = data.draw(st.integers(-nd, nd - 1), label="axis")
    n = data.draw(st.none() | st.integers(1, 6), label="n")
    norm = data.draw(st.sampled_from(NORMS), label="norm")
    name = data.draw(st.sampled_from(["fft", "ifft"]), label="name")
    cplx = data.draw(st.booleans(), label="complex input")
    x = data.draw(_array(shape), label="x")

    def f(m: Any, v: Any) -> Any:
        v = _complexify(m, v) if cplx else v
        return getattr(m.fft, name)(v, n=n, axis=axis, norm=norm)

    check(f, x)


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_rfft(data: st.DataObject) -> None:
    shape = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=2).map(tuple), "shape")
    nd = len(shape)
    axis = data.draw(st.integers(-nd, nd - 1), label="axis")
    n = data.draw(st.none() | st.integers(1, 7), label="n")
    norm = data.draw(st.sampled_from(NORMS), label="norm")
    x = data.draw(_array(shape), label="x")
    length = shape[axis]
    ok = (n is None or n == length) and _real_ok(length, norm)
    check(lambda m, v: m.fft.rfft(m.sin(v), n=n, axis=axis, norm=norm), x, autograd_ok=ok)


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_irfft(data: st.DataObject) -> None:
    shape = data.draw(st.lists(st.integers(2, 5), min_size=1, max_size=2).map(tuple), "shape")
    nd = len(shape)
    axis = data.draw(st.integers(-nd, nd - 1), label="axis")
    n = data.draw(st.none() | st.integers(1, 9), label="n")
    norm = data.draw(st.sampled_from(NORMS), label="norm")
    cplx = data.draw(st.booleans(), label="complex input")
    x = data.draw(_array(shape), label="x")
    points = 2 * (shape[axis] - 1) if n is None else n

    def f(m: Any, v: Any) -> Any:
        return m.fft.irfft(_complexify(m, v) if cplx else v, n=n, axis=axis, norm=norm)

    check(f, x, autograd_ok=_real_ok(points, norm))


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 3, 4, 6, 7])
def test_real_transforms_odd_and_even(n: int | None, norm: Any) -> None:
    # the bins irfft counts twice: with and without a Nyquist frequency, cut and padded
    x = np.array([[0.3, -1.2, 0.8, 1.5, -0.4], [1.1, 0.2, -0.7, 0.5, 0.9]])
    check(lambda m, v: m.fft.rfft(v, n=n, norm=norm), x, autograd_ok=False)
    check(
        lambda m, v: m.fft.irfft(_complexify(m, v), n=n, norm=norm),
        x,
        autograd_ok=_real_ok(8 if n is None else n, norm),
    )


def test_round_trips_are_identities() -> None:
    x = np.array([0.3, -1.2, 0.8, 1.5, -0.4])
    w = _weights((5,), 0)
    for norm in NORMS:
        for f in [
            lambda v, norm=norm: anp.fft.irfft(anp.fft.rfft(v, norm=norm), n=5, norm=norm),
            lambda v, norm=norm: anp.real(anp.fft.ifft(anp.fft.fft(v, norm=norm), norm=norm)),
        ]:
            np.testing.assert_allclose(ad.grad(lambda v, f=f: anp.sum(f(v) * w))(x), w)
            np.testing.assert_allclose(ad.jacobian(f)(x), np.eye(5), atol=1e-15)


# ----- 2-d and n-d transforms -----


@st.composite
def _nd_args(draw: st.DrawFn, name: str) -> tuple[tuple[int, ...], dict[str, Any], bool]:
    """A shape and the ``s``/``axes``/``norm`` keywords for ``name``; whether autograd's
    rule is right there."""
    two = name.endswith("2")
    shape = draw(st.lists(st.integers(2, 4), min_size=2, max_size=3).map(tuple))
    nd = len(shape)
    kw: dict[str, Any] = {"norm": draw(st.sampled_from(NORMS))}
    if two:
        axes: tuple[int, ...] = (-2, -1)
        if draw(st.booleans()):
            axes = tuple(draw(st.permutations(list(range(nd))))[:2])
            kw["axes"] = axes
    elif draw(st.booleans()):
        axes = tuple(range(nd))
    else:
        k = draw(st.integers(1, nd))
        picked = draw(st.permutations(list(range(nd))))[:k]
        axes = tuple(a - nd if draw(st.booleans()) else a for a in picked)
        if "rfft" not in name and draw(st.booleans()):
            axes = (*axes, axes[0])  # a repeated axis: numpy transforms twice
        kw["axes"] = axes
    if draw(st.booleans()) and "axes" in kw:
        kw["s"] = tuple(draw(st.integers(1, 5)) for _ in axes)
    repeated = len(set(a % nd for a in axes)) < len(axes)
    sizes = kw.get("s") or tuple(shape[a] for a in axes)
    ok = not repeated
    if "rfft" in name:
        last = sizes[-1] if name.startswith("rfft") or "s" in kw else 2 * (shape[axes[-1]] - 1)
        ok = ok and _real_ok(last, kw["norm"])
        if name.startswith("rfft"):
            ok = ok and "s" not in kw
    return shape, kw, ok


@pytest.mark.parametrize(
    "name", ["fftn", "ifftn", "fft2", "ifft2", "rfftn", "irfftn", "rfft2", "irfft2"]
)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_nd(name: str, data: st.DataObject) -> None:
    shape, kw, ok = data.draw(_nd_args(name), label="shape, keywords")
    x = data.draw(_array(shape), label="x")
    cplx = not name.startswith("rfft") and data.draw(st.booleans(), label="complex input")

    def f(m: Any, v: Any) -> Any:
        return getattr(m.fft, name)(_complexify(m, v) if cplx else v, **kw)

    check(f, x, autograd_ok=ok, hessian=x.size <= 12)


def _call(name: str, v: Any, **kw: Any) -> Any:
    return getattr(anp.fft, name)(v, **kw)


def test_nd_defaults_as_numpy() -> None:
    # s without axes: the last len(s) axes, with numpy's deprecation warning
    x = np.arange(12.0).reshape(2, 2, 3) * 0.1
    for name in ["fftn", "ifftn", "rfftn", "irfftn"]:
        with pytest.warns(DeprecationWarning, match="axes"):
            want = getattr(np.fft, name)(x, s=(2, 4))
        with pytest.warns(DeprecationWarning, match="axes"):
            got = _on_bvar(partial(_call, name, s=(2, 4)), x)
        np.testing.assert_array_equal(got, want)
        # -1 in s: the input's length
        want = getattr(np.fft, name)(x, s=(-1, 4), axes=(0, 2))
        got = _on_bvar(partial(_call, name, s=(-1, 4), axes=(0, 2)), x)
        np.testing.assert_array_equal(got, want)


# ----- shifts -----


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_shifts(data: st.DataObject) -> None:
    shape = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), "shape")
    nd = len(shape)
    axes = data.draw(
        st.none()
        | st.integers(-nd, nd - 1)
        | st.lists(st.integers(-nd, nd - 1), max_size=nd, unique=True).map(tuple),
        label="axes",
    )
    name = data.draw(st.sampled_from(["fftshift", "ifftshift"]), label="name")
    cplx = data.draw(st.booleans(), label="complex input")
    x = data.draw(_array(shape), label="x")

    def f(m: Any, v: Any) -> Any:
        return getattr(m.fft, name)(_complexify(m, v) if cplx else v, axes=axes)

    check(f, x)


# ----- plain values, keywords, errors -----


def _on_bvar(f: Callable[[Any], Any], x: Any) -> Any:
    """The plain value of ``f(v)`` for a BVar ``v`` of ``x`` (and that it is a BVar)."""
    seen: list[Any] = []

    def loss(v: Any) -> Any:
        out = f(v)
        assert isinstance(out, ad.BVar)
        seen.append(plain(out))
        return anp.sum(v)

    ad.grad(loss)(x)
    return seen[0]


ALL_TRANSFORMS = [
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "fftn",
    "ifftn",
    "fft2",
    "ifft2",
    "rfftn",
    "irfftn",
    "rfft2",
    "irfft2",
    "fftshift",
    "ifftshift",
]


@pytest.mark.parametrize("name", ALL_TRANSFORMS)
def test_plain_values_are_numpy(name: str) -> None:
    x = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 3.0]])
    ours, theirs = getattr(anp.fft, name), getattr(np.fft, name)
    for v in [x, x.tolist(), x.astype(np.float32)]:
        got, want = ours(v), theirs(v)
        assert type(got) is type(want)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(_on_bvar(ours, x), theirs(x))
    # a list holding BVars is stacked, as anp.array does
    np.testing.assert_array_equal(_on_bvar(lambda v: ours([v[0], v[1]]), x), theirs(x))


def test_out_on_plain_arrays_and_refused_on_bvars() -> None:
    x = np.array([0.5, -1.0, 2.0, 0.25])
    out = np.empty(4, dtype=complex)
    assert anp.fft.fft(x, out=out) is out
    np.testing.assert_array_equal(out, np.fft.fft(x))
    with pytest.raises(TypeError, match="out="):
        ad.grad(lambda v: anp.sum(anp.real(anp.fft.fft(v, out=out))))(x)


def test_keywords_by_name_and_position() -> None:
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    cases: list[Callable[[Any, Any], Any]] = [
        lambda m, v: m.fft.fft(a=v, n=4, axis=0, norm="ortho"),
        lambda m, v: m.fft.irfft(v, 5, 0, "forward"),
        lambda m, v: m.fft.fftn(v, (3, 2), (1, 0), "ortho"),
        lambda m, v: m.fft.rfft2(a=v, s=(2, 4), axes=(0, 1), norm="backward"),
        lambda m, v: m.fft.fftshift(x=v, axes=(0,)),
        lambda m, v: m.fft.ifftshift(v, 1),
    ]
    for f in cases:
        np.testing.assert_array_equal(_on_bvar(partial(f, anp), x), f(np, x))


def test_errors_as_numpy() -> None:
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    bad: list[tuple[Callable[[Any, Any], Any], type[Exception]]] = [
        (lambda m, v: m.fft.fft(v, n=0), ValueError),
        (lambda m, v: m.fft.fft(v, norm="sideways"), ValueError),
        (lambda m, v: m.fft.rfft(v, axis=2), IndexError),  # (numpy: an IndexError)
        (lambda m, v: m.fft.ifft(v, axis=-3), IndexError),
        (lambda m, v: m.fft.fftn(v, s=(2, 2), axes=(0,)), ValueError),
        (lambda m, v: m.fft.rfft(v * 1j), TypeError),  # numpy's rfft takes real input only
    ]
    for f, err in bad:
        with pytest.raises(err):
            f(np, x)
        with pytest.raises(err):
            ad.grad(lambda v, f=f: anp.sum(anp.abs(f(anp, v))))(x)


def test_frequencies_are_numpy_and_constant() -> None:
    np.testing.assert_array_equal(anp.fft.fftfreq(5, 0.1), np.fft.fftfreq(5, 0.1))
    np.testing.assert_array_equal(anp.fft.rfftfreq(6), np.fft.rfftfreq(6))
    np.testing.assert_array_equal(anp.fft.rfftfreq(6, d=2.0, device="cpu"), np.fft.rfftfreq(6, 2.0))
    seen: list[Any] = []

    def f(d: Any) -> Any:
        seen.append(anp.fft.fftfreq(4, d))
        return d * 2.0

    assert ad.grad(f)(0.5) == 2.0
    assert type(seen[0]) is np.ndarray
    np.testing.assert_array_equal(seen[0], np.fft.fftfreq(4, 0.5))


def test_namespace() -> None:
    for name in [*ALL_TRANSFORMS, "fftfreq", "rfftfreq"]:
        assert name in anp.fft.__all__
        assert callable(getattr(anp.fft, name))
    assert sorted(anp.fft.__all__) == anp.fft.__all__


# ----- higher order -----


def test_third_order_against_finite_differences() -> None:
    x = np.array([0.3, -1.2, 0.8, 1.5, -0.4])
    w = _weights((3,), 0)

    def f(v: Any) -> Any:
        return anp.sum(anp.abs(anp.fft.rfft(anp.sin(v))) * w)

    h = ad.hessian(f)
    with MustBatch():
        third = ad.jacobian(h, mode="reverse")(x)
    np.testing.assert_allclose(third, fd_jacobian(h, [x], 0, eps=1e-5), rtol=1e-4, atol=1e-6)


def test_power_spectrum_gradient() -> None:
    # Parseval: sum |fft(x)|^2 = n sum x^2, so its gradient is 2 n x and its Hessian 2 n I
    x = np.array([0.3, -1.2, 0.8, 1.5, -0.4, 0.7])

    def power(v: Any) -> Any:
        return anp.sum(anp.abs(anp.fft.fft(v)) ** 2)

    np.testing.assert_allclose(ad.grad(power)(x), 12.0 * x, rtol=1e-12)
    np.testing.assert_allclose(ad.hessian(power)(x), 12.0 * np.eye(6), atol=1e-12)
    # through rfft: the one-sided spectrum counts the inner bins twice
    w = np.array([1.0, 2.0, 2.0, 1.0])
    np.testing.assert_allclose(
        ad.grad(lambda v: anp.sum(anp.abs(anp.fft.rfft(v)) ** 2 * w))(x), 12.0 * x, rtol=1e-12
    )


@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "fftn", "irfftn"])
def test_jacobian_of_a_complex_output(name: str) -> None:
    # jacobian of a complex output is d re/dx + 1j d im/dx: the transform's matrix
    x = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 3.0]])
    f = getattr(anp.fft, name)
    with MustBatch():
        jac = ad.jacobian(f, mode="reverse")(x)
    np.testing.assert_allclose(jac, fd_jacobian(getattr(np.fft, name), [x], 0), atol=1e-6)
    if np.iscomplexobj(f(x)):
        assert np.iscomplexobj(jac)
