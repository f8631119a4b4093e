"""Plain numpy on a BVar (issue 14): ``np.sin(v)``, ``np.sum(v)``, ``array * v`` ... record
the lifted function through numpy's dispatch protocols, with the same values and gradients
as ``optic_ad.numpy`` (itself checked against autograd and finite differences in the
group tests); a numpy function with no lifted version is a ``TypeError`` naming it.

Each case is ``f(m, x)``, run with ``m = numpy`` on a BVar and with ``m = optic_ad.numpy``.
numpy's stubs do not know BVars: where a BVar is typed, calling ``np.*`` on it needs a
``type: ignore`` (the documented reason to prefer ``anp``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.special

import optic_ad as ad
from optic_ad import extend
from optic_ad import numpy as anp
from optic_ad.bvar import plain
from optic_ad.numpy import dispatch
from optic_ad.scipy import special as osp_special
from tests.helpers import fd_partial

Case = Callable[[Any, Any], Any]

# x: a (3, 4) array in (0.1, 0.9), inside every domain used here, and more than 0.01 from
# the kinks and jumps of the cases (0.3, 1/3, 0.5, 0.6, 2/3, 0.9) and from W
X = 0.1 + 0.8 * ((np.arange(12.0).reshape(3, 4) * 0.6180339887 + 0.13) % 1.0)
W = np.cos(np.arange(12.0) + 0.3).reshape(3, 4)

UFUNC_CASES: list[tuple[Any, Case]] = [
    (np.add, lambda m, x: m.add(x, W)),
    (np.subtract, lambda m, x: m.subtract(W, x)),
    (np.multiply, lambda m, x: m.multiply(W, x)),
    (np.true_divide, lambda m, x: m.true_divide(W, x)),
    (np.power, lambda m, x: m.power(W + 2.0, x)),
    (np.negative, lambda m, x: m.negative(x)),
    (np.positive, lambda m, x: m.positive(x) if m is np else x),
    (np.absolute, lambda m, x: m.absolute(x - 0.5)),
    (np.arccos, lambda m, x: m.arccos(x)),
    (np.arccosh, lambda m, x: m.arccosh(x + 1.5)),
    (np.arcsin, lambda m, x: m.arcsin(x)),
    (np.arcsinh, lambda m, x: m.arcsinh(x)),
    (np.arctan, lambda m, x: m.arctan(x)),
    (np.arctan2, lambda m, x: m.arctan2(x, W)),
    (np.arctanh, lambda m, x: m.arctanh(x)),
    (np.cbrt, lambda m, x: m.cbrt(x)),
    (np.ceil, lambda m, x: m.ceil(x) * x),
    (np.conjugate, lambda m, x: m.conjugate(x)),
    (np.copysign, lambda m, x: m.copysign(x, W)),
    (np.cos, lambda m, x: m.cos(x)),
    (np.cosh, lambda m, x: m.cosh(x)),
    (np.deg2rad, lambda m, x: m.deg2rad(x)),
    (np.degrees, lambda m, x: m.degrees(x)),
    (np.exp, lambda m, x: m.exp(x)),
    (np.exp2, lambda m, x: m.exp2(x)),
    (np.expm1, lambda m, x: m.expm1(x)),
    (np.fabs, lambda m, x: m.fabs(x - 0.5)),
    (np.floor, lambda m, x: m.floor(x * 3) * x),
    (np.floor_divide, lambda m, x: m.floor_divide(x, 0.3) * x),
    (np.fmax, lambda m, x: m.fmax(x, W)),
    (np.fmin, lambda m, x: m.fmin(x, W)),
    (np.fmod, lambda m, x: m.fmod(x, 0.3)),
    (np.hypot, lambda m, x: m.hypot(x, W)),
    (np.isfinite, lambda m, x: m.where(m.isfinite(x), x, 0.0)),
    (np.isinf, lambda m, x: m.where(m.isinf(x), 0.0, x)),
    (np.isnan, lambda m, x: m.where(m.isnan(x), 0.0, x)),
    (np.log, lambda m, x: m.log(x)),
    (np.log1p, lambda m, x: m.log1p(x)),
    (np.log2, lambda m, x: m.log2(x)),
    (np.log10, lambda m, x: m.log10(x)),
    (np.logaddexp, lambda m, x: m.logaddexp(x, W)),
    (np.logaddexp2, lambda m, x: m.logaddexp2(x, W)),
    (np.matmul, lambda m, x: m.matmul(W.T, x)),
    (np.maximum, lambda m, x: m.maximum(x, W)),
    (np.minimum, lambda m, x: m.minimum(x, W)),
    (np.remainder, lambda m, x: m.remainder(x, 0.3)),
    (np.rad2deg, lambda m, x: m.rad2deg(x)),
    (np.radians, lambda m, x: m.radians(x)),
    (np.reciprocal, lambda m, x: m.reciprocal(x)),
    (np.rint, lambda m, x: m.rint(x * 3) * x),
    (np.sign, lambda m, x: m.sign(x - 0.5) * x),
    (np.sin, lambda m, x: m.sin(x)),
    (np.sinh, lambda m, x: m.sinh(x)),
    (np.sqrt, lambda m, x: m.sqrt(x)),
    (np.square, lambda m, x: m.square(x)),
    (np.tan, lambda m, x: m.tan(x)),
    (np.tanh, lambda m, x: m.tanh(x)),
    (np.trunc, lambda m, x: m.trunc(x * 3) * x),
]

# comparisons, logical and bitwise ufuncs give plain values, as BVar's own ``<`` does
PLAIN_UFUNCS = [
    np.equal,
    np.not_equal,
    np.less,
    np.less_equal,
    np.greater,
    np.greater_equal,
    np.logical_and,
    np.logical_or,
    np.logical_xor,
    np.logical_not,
    np.signbit,
    np.bitwise_and,
    np.bitwise_or,
    np.bitwise_xor,
    np.invert,
]

FUNCTION_CASES: list[tuple[Any, Case]] = [
    (np.all, lambda m, x: x * m.all(x > 0)),
    (np.allclose, lambda m, x: x * m.allclose(x, x + 1e-12)),
    (np.array_equal, lambda m, x: x * m.array_equal(x, W)),
    (np.isclose, lambda m, x: m.where(m.isclose(x, W, atol=0.05), 0.0, x)),
    (np.amax, lambda m, x: m.amax(x, axis=0)),
    (np.amin, lambda m, x: m.amin(x, axis=1)),
    (np.angle, lambda m, x: m.angle(x - 0.5) * x),
    (np.any, lambda m, x: x * m.any(x > 0.5)),
    (np.append, lambda m, x: m.append(x, W, axis=0)),
    (np.argmax, lambda m, x: m.ravel(x)[m.argmax(x)]),
    (np.argmin, lambda m, x: x[1, m.argmin(x[1])]),
    (np.argsort, lambda m, x: x[0][m.argsort(x[0])]),
    (np.argwhere, lambda m, x: x * m.argwhere(x > 0.5).shape[0]),
    (np.array_split, lambda m, x: m.array_split(x, 3, axis=1)[1]),
    (np.atleast_1d, lambda m, x: m.atleast_1d(x[0, 0])),
    (np.atleast_2d, lambda m, x: m.atleast_2d(x[0])),
    (np.atleast_3d, lambda m, x: m.atleast_3d(x)),
    (np.average, lambda m, x: m.average(x, axis=0, weights=[0.2, 0.3, 0.5])),
    (np.broadcast_to, lambda m, x: m.broadcast_to(x[0], (2, 4))),
    (np.clip, lambda m, x: m.clip(x, 0.3, 0.6)),
    (np.column_stack, lambda m, x: m.column_stack([x, W])),
    (np.concatenate, lambda m, x: m.concatenate([x, W, x], axis=1)),
    (np.count_nonzero, lambda m, x: x * m.count_nonzero(x > 0.5)),
    (np.cross, lambda m, x: m.cross(x[:, :3], W[:, :3])),
    (np.cumprod, lambda m, x: m.cumprod(x, axis=1)),
    (np.cumsum, lambda m, x: m.cumsum(x, axis=0)),
    (np.diag, lambda m, x: m.diag(x, k=1)),
    (np.diagonal, lambda m, x: m.diagonal(x)),
    (np.diff, lambda m, x: m.diff(x, n=2, axis=1)),
    (np.dot, lambda m, x: m.dot(x, W.T)),
    (np.dsplit, lambda m, x: m.dsplit(m.reshape(x, (3, 2, 2)), 2)[0]),
    (np.dstack, lambda m, x: m.dstack([x, W])),
    (np.einsum, lambda m, x: m.einsum("ij,kj->ik", x, W)),
    (np.empty_like, lambda m, x: x + 0.0 * m.empty_like(x).size),
    (np.expand_dims, lambda m, x: m.expand_dims(x, 1)),
    (np.flip, lambda m, x: m.flip(x, axis=1) * W),
    (np.fliplr, lambda m, x: m.fliplr(x) * W),
    (np.flipud, lambda m, x: m.flipud(x) * W),
    (np.full_like, lambda m, x: x * m.full_like(x, 2.0)),
    (np.gradient, lambda m, x: m.gradient(x, 0.5, axis=1)),
    (np.hsplit, lambda m, x: m.hsplit(x, 2)[1]),
    (np.hstack, lambda m, x: m.hstack([x, W])),
    (np.imag, lambda m, x: x + m.imag(x)),
    (np.inner, lambda m, x: m.inner(x, W)),
    (np.kron, lambda m, x: m.kron(x[:2, :2], W[:2, :3])),
    (np.max, lambda m, x: m.max(x, axis=1, keepdims=True)),
    (np.mean, lambda m, x: m.mean(x, axis=0)),
    (np.min, lambda m, x: m.min(x)),
    (np.moveaxis, lambda m, x: m.moveaxis(x, 0, 1)),
    (np.nan_to_num, lambda m, x: m.nan_to_num(x)),
    (np.nanmean, lambda m, x: m.nanmean(x, axis=1)),
    (np.nansum, lambda m, x: m.nansum(x, axis=0)),
    (np.ndim, lambda m, x: x * m.ndim(x)),
    (np.nonzero, lambda m, x: x[m.nonzero(x > 0.5)]),
    (np.ones_like, lambda m, x: x * m.ones_like(x)),
    (np.outer, lambda m, x: m.outer(x[0], W[1])),
    (np.pad, lambda m, x: m.pad(x, 1)),
    (np.partition, lambda m, x: m.partition(x, 1, axis=1)),
    (np.prod, lambda m, x: m.prod(x, axis=1)),
    (np.ravel, lambda m, x: m.ravel(x)),
    (np.real, lambda m, x: m.real(x)),
    (np.real_if_close, lambda m, x: m.real_if_close(x)),
    (np.repeat, lambda m, x: m.repeat(x, 2, axis=0)),
    (np.reshape, lambda m, x: m.reshape(x, (4, 3))),
    (np.roll, lambda m, x: m.roll(x, 1, axis=1) * W),
    (np.rollaxis, lambda m, x: m.rollaxis(x, 1)),
    (np.rot90, lambda m, x: m.rot90(x)),
    (np.round, lambda m, x: m.round(x * 3) * x),
    (np.around, lambda m, x: m.around(x * 3) * x if m is np else m.round(x * 3) * x),
    (np.searchsorted, lambda m, x: x * m.searchsorted(m.sort(x[0]), 0.5)),
    (np.select, lambda m, x: m.select([W > 0.3, W > 0.0], [x, m.sin(x)], x * x)),
    (np.shape, lambda m, x: x * m.shape(x)[1]),
    (np.sinc, lambda m, x: m.sinc(x)),
    (np.size, lambda m, x: x * m.size(x)),
    (np.sort, lambda m, x: m.sort(x, axis=1) * W),
    (np.split, lambda m, x: m.split(x, 3)[2]),
    (np.squeeze, lambda m, x: m.squeeze(m.reshape(x, (1, 12)))),
    (np.stack, lambda m, x: m.stack([x, W, x], axis=1)),
    (np.std, lambda m, x: m.std(x, axis=1, ddof=1)),
    (np.sum, lambda m, x: m.sum(x, axis=0)),
    (np.swapaxes, lambda m, x: m.swapaxes(x, 0, 1)),
    (np.take, lambda m, x: m.take(x, [2, 0, 2], axis=1)),
    (np.tensordot, lambda m, x: m.tensordot(x, W, axes=([1], [1]))),
    (np.tile, lambda m, x: m.tile(x, (2, 1))),
    (np.trace, lambda m, x: m.trace(x)),
    (np.transpose, lambda m, x: m.transpose(x)),
    (np.tril, lambda m, x: m.tril(x)),
    (np.triu, lambda m, x: m.triu(x, k=1)),
    (np.var, lambda m, x: m.var(x, axis=0)),
    (np.vsplit, lambda m, x: m.vsplit(x, 3)[0]),
    (np.vstack, lambda m, x: m.vstack([x, W])),
    (np.where, lambda m, x: m.where(x > 0.5, x, W * x)),
    (np.zeros_like, lambda m, x: x + m.zeros_like(x)),
]


def _sq(m: Any, x: Any) -> Any:
    # a well-conditioned 3x3 matrix from x
    return m.matmul(x, m.transpose(x)) + 3.0 * np.eye(3)


LINALG_CASES: list[tuple[Any, Case]] = [
    (np.linalg.cholesky, lambda m, x: m.linalg.cholesky(_sq(m, x))),
    (np.linalg.cond, lambda m, x: m.linalg.cond(_sq(m, x))),
    (np.linalg.cross, lambda m, x: m.linalg.cross(x[:, :3], W[:, :3])),
    (np.linalg.det, lambda m, x: m.linalg.det(_sq(m, x))),
    (np.linalg.diagonal, lambda m, x: m.linalg.diagonal(x)),
    (np.linalg.eig, lambda m, x: m.linalg.eig(_sq(m, x))[0]),
    (np.linalg.eigh, lambda m, x: m.linalg.eigh(_sq(m, x))[0]),
    (np.linalg.eigvals, lambda m, x: m.linalg.eigvals(_sq(m, x))),
    (np.linalg.eigvalsh, lambda m, x: m.linalg.eigvalsh(_sq(m, x))),
    (np.linalg.inv, lambda m, x: m.linalg.inv(_sq(m, x))),
    (np.linalg.lstsq, lambda m, x: m.linalg.lstsq(m.transpose(x), W[0], rcond=None)[0]),
    (np.linalg.matmul, lambda m, x: m.linalg.matmul(x, W.T)),
    (np.linalg.matrix_norm, lambda m, x: m.linalg.matrix_norm(x)),
    (np.linalg.matrix_power, lambda m, x: m.linalg.matrix_power(_sq(m, x), 3)),
    (np.linalg.matrix_rank, lambda m, x: x * m.linalg.matrix_rank(x)),
    (np.linalg.matrix_transpose, lambda m, x: m.linalg.matrix_transpose(x)),
    (np.linalg.multi_dot, lambda m, x: m.linalg.multi_dot([x, W.T, x])),
    (np.linalg.norm, lambda m, x: m.linalg.norm(x, axis=1)),
    (np.linalg.outer, lambda m, x: m.linalg.outer(x[0], W[1])),
    (np.linalg.pinv, lambda m, x: m.linalg.pinv(x)),
    (np.linalg.qr, lambda m, x: m.linalg.qr(m.transpose(x))[1]),
    (np.linalg.slogdet, lambda m, x: m.linalg.slogdet(_sq(m, x))[1]),
    (np.linalg.solve, lambda m, x: m.linalg.solve(_sq(m, x), W)),
    (np.linalg.svd, lambda m, x: m.linalg.svd(x, compute_uv=False)),
    (np.linalg.svdvals, lambda m, x: m.linalg.svdvals(x)),
    (np.linalg.tensordot, lambda m, x: m.linalg.tensordot(x, W, axes=([1], [1]))),
    (np.linalg.tensorinv, lambda m, x: m.linalg.tensorinv(_sq(m, x), ind=1)),
    (np.linalg.tensorsolve, lambda m, x: m.linalg.tensorsolve(_sq(m, x), W[:, 0])),
    (np.linalg.trace, lambda m, x: m.linalg.trace(x)),
    (np.linalg.vecdot, lambda m, x: m.linalg.vecdot(x, W)),
    (np.linalg.vector_norm, lambda m, x: m.linalg.vector_norm(x, axis=0)),
]

# fft cases take x + R: X's regular pattern has exactly zero Fourier coefficients, where
# abs has a kink
R = np.sin(np.arange(12.0) ** 1.7).reshape(3, 4)

FFT_CASES: list[tuple[Any, Case]] = [
    (np.fft.fft, lambda m, x: m.real(m.fft.fft(x + R)) + m.imag(m.fft.fft(x, n=5))[:, :4]),
    (np.fft.fft2, lambda m, x: m.abs(m.fft.fft2(x + R))),
    (np.fft.fftn, lambda m, x: m.imag(m.fft.fftn(x + R, norm="ortho"))),
    (np.fft.fftshift, lambda m, x: m.fft.fftshift(x) * W),
    (np.fft.ifft, lambda m, x: m.real(m.fft.ifft(x + R, axis=0))),
    (np.fft.ifft2, lambda m, x: m.imag(m.fft.ifft2(x + R))),
    (np.fft.ifftn, lambda m, x: m.abs(m.fft.ifftn(x + R))),
    (np.fft.ifftshift, lambda m, x: m.fft.ifftshift(x, axes=1) * W),
    (np.fft.irfft, lambda m, x: m.fft.irfft(x + R)),
    (np.fft.irfft2, lambda m, x: m.fft.irfft2(x + R)),
    (np.fft.irfftn, lambda m, x: m.fft.irfftn(x + R, s=(3, 5), axes=(0, 1))),
    (np.fft.rfft, lambda m, x: m.abs(m.fft.rfft(x + R))),
    (np.fft.rfft2, lambda m, x: m.real(m.fft.rfft2(x + R))),
    (np.fft.rfftn, lambda m, x: m.imag(m.fft.rfftn(x + R))),
]

INTROSPECTION = [np.iscomplexobj, np.isrealobj, np.iscomplex, np.isreal]


def _name(obj: Any) -> str:
    return str(obj.__name__)


def _loss(m: Any, f: Case) -> Callable[[Any], Any]:
    def loss(x: Any) -> Any:
        out = f(m, x)
        # a nonlinear outer function, so the Hessian differentiates f's rule too
        return anp.sum(
            anp.sin(out) * np.cos(np.arange(anp.size(out)) * 0.7).reshape(anp.shape(out))
        )

    return loss


ALL_CASES = UFUNC_CASES + FUNCTION_CASES + LINALG_CASES + FFT_CASES


@pytest.mark.parametrize(("fn", "f"), ALL_CASES, ids=[_name(fn) for fn, _ in ALL_CASES])
def test_plain_numpy_on_a_bvar_records_the_lifted_function(fn: Any, f: Case) -> None:
    value, grad = ad.backprop(_loss(np, f), X)
    ref_value, ref_grad = ad.backprop(_loss(anp, f), X)
    np.testing.assert_allclose(value, ref_value, rtol=1e-13)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-14)
    # and an oracle independent of optic_ad: central differences of the plain function
    np.testing.assert_allclose(grad, fd_partial(_loss(np, f), [X], 0), rtol=1e-5, atol=1e-6)


SOME = (
    *(np.sin, np.matmul, np.sum, np.hstack, np.where, np.multiply, np.exp, np.dot, np.cumprod),
    *(np.linalg.solve, np.linalg.det, np.linalg.eigh, np.fft.rfft, np.fft.fft2),
)
SECOND = [c for c in ALL_CASES if c[0] in SOME]


@pytest.mark.parametrize(("fn", "f"), SECOND, ids=[_name(fn) for fn, _ in SECOND])
def test_second_order_through_plain_numpy(fn: Any, f: Case) -> None:
    np.testing.assert_allclose(
        ad.hessian(_loss(np, f))(X), ad.hessian(_loss(anp, f))(X), rtol=1e-11, atol=1e-13
    )


def test_every_dispatched_function_has_a_case() -> None:
    cased = {fn for fn, _ in ALL_CASES} | set(PLAIN_UFUNCS) | set(INTROSPECTION)
    scipy_cased = {getattr(scipy.special, n) for n, _ in SCIPY_CASES}  # (below)
    missing = (set(dispatch.UFUNCS) | set(dispatch.FUNCTIONS)) - cased - scipy_cased
    assert not missing, missing


@pytest.mark.parametrize("ufunc", PLAIN_UFUNCS, ids=_name)
def test_comparisons_and_logical_ufuncs_give_plain_values(ufunc: Any) -> None:
    seen: list[Any] = []
    b = (
        (X > 0.5).astype(np.int64)
        if ufunc in (np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert)
        else X
    )

    def f(v: Any) -> Any:
        arg = v if b is X else b  # bitwise ufuncs need ints: the BVar takes part as 0 * v
        out = ufunc(arg) if ufunc.nin == 1 else ufunc(arg, W if b is X else b)
        seen.append(out)
        return anp.sum(v * 0.0)

    ad.grad_bp(f, X)
    assert type(seen[0]) is np.ndarray
    expected = ufunc(b) if ufunc.nin == 1 else ufunc(b, W if b is X else b)
    np.testing.assert_array_equal(seen[0], expected)


@pytest.mark.parametrize("fn", INTROSPECTION, ids=_name)
def test_introspection_answers_about_the_value(fn: Any) -> None:
    out: list[Any] = []

    def f(v: Any) -> Any:
        out.append(fn(v))
        return anp.sum(v)

    ad.grad_bp(f, X)
    np.testing.assert_array_equal(out[0], fn(X))


def test_an_array_on_the_left_of_an_operator_records_a_node() -> None:
    def f(v: Any) -> Any:
        return np.sum(W * v + W / (v + 1.0) - (W + 2.0) ** v + (W.T @ v).sum() + 2.0**v)

    np.testing.assert_allclose(ad.grad_bp(f, X), fd_partial(f, [X], 0), rtol=1e-6, atol=1e-7)
    # numpy scalars on the left too
    g = ad.grad_bp(lambda v: np.sum(np.float64(3.0) * v - np.float64(1.0)), X)  # type: ignore[call-overload]
    np.testing.assert_array_equal(g, np.full_like(X, 3.0))


def test_in_place_operator_on_a_plain_array_rebinds_the_name() -> None:
    def f(v: Any) -> Any:
        total = np.zeros(4)
        for row in v:
            total += row * row
        return np.sum(total * W[0])

    np.testing.assert_allclose(ad.grad_bp(f, X), 2 * X * W[0], rtol=1e-14)


def test_ufunc_methods() -> None:
    def f(v: Any) -> Any:
        a = np.add.reduce(v, axis=1)
        b = np.multiply.accumulate(v, axis=0)
        c = np.multiply.outer(v[0], v[:, 1])
        d = np.maximum.reduce(v)
        return np.sum(a) + np.sum(b * W) + np.sum(c) + np.sum(d)

    np.testing.assert_allclose(ad.grad_bp(f, X), fd_partial(f, [X], 0), rtol=1e-6, atol=1e-7)


def test_nested_runners_keep_their_tapes_apart() -> None:
    # the inner grad sees the outer BVar as a constant: no perturbation confusion
    def f(x: Any) -> Any:
        return ad.grad_bp(lambda y: np.sin(x * y), 1.0)

    assert ad.grad_bp(f, 0.5) == pytest.approx(np.cos(0.5) - 0.5 * np.sin(0.5), rel=1e-14)


# ----- what cannot work says so -----


def test_a_numpy_function_with_no_lifted_version_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"numpy\.convolve has no differentiable version"):
        ad.grad_bp(lambda v: np.sum(np.convolve(v[0], v[1])), X)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"numpy\.gcd has no differentiable version"):
        ad.grad_bp(lambda v: np.gcd(v, 2), X)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"numpy\.add\.reduceat"):
        ad.grad_bp(lambda v: np.add.reduceat(v, [0, 2]), X[0])  # type: ignore[arg-type]


def test_numpy_never_builds_an_object_array_of_bvars() -> None:
    with pytest.raises(TypeError, match=r"anp\b|optic_ad\.numpy\.stack"):
        ad.grad_bp(lambda v: np.sum(np.array([v, v])), X)
    with pytest.raises(TypeError, match=r"optic_ad\.numpy\.stack"):
        ad.grad_bp(lambda v: np.asarray(v).sum(), X)
    # the lifted constructors are the way: the same numbers
    g = ad.grad_bp(lambda v: np.sum(anp.array([v, 2 * v])), X)
    np.testing.assert_array_equal(g, np.full_like(X, 3.0))


def test_out_and_ufunc_keywords_are_refused() -> None:
    buf = np.empty_like(X)
    with pytest.raises(TypeError, match=r"out=.*drop out="):
        ad.grad_bp(lambda v: np.sum(np.sin(v, out=buf)), X)
    with pytest.raises(TypeError, match="no keyword arguments"):
        ad.grad_bp(lambda v: np.sum(np.sin(v, where=X > 0.5)), X)


def test_register_function_routes_a_numpy_function_of_ones_own() -> None:
    # np.fix has no lifted version: register one (a no-gradient step, as autograd's)
    def fix(x: Any) -> Any:
        return np.fix(plain(x))

    with pytest.raises(TypeError, match=r"numpy\.fix"):
        ad.grad_bp(lambda v: np.sum(np.fix(v * 3) * v), X)  # type: ignore[call-overload]
    dispatch.register_function(np.fix, fix)
    try:
        g = ad.grad_bp(lambda v: np.sum(np.fix(v * 3) * v), X)  # type: ignore[call-overload]
        np.testing.assert_array_equal(g, np.fix(X * 3))
    finally:
        del dispatch.FUNCTIONS[np.fix]


def test_a_custom_op_calling_unlifted_numpy_in_its_rule_names_the_op_at_second_order() -> None:
    # the rule's plain-numpy call meets a BVar only when the rule itself is differentiated
    square = extend.Prim(
        "my_square",
        lambda a: a @ a,
        # np.unwrap leaves these values as they are (their steps are below pi)
        (lambda g, ans, a: g @ np.unwrap(a).T + a.T @ g,),
    )

    def f(a: Any) -> Any:
        return anp.sum(extend.lift(square, (a,), {}))

    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    np.testing.assert_allclose(ad.grad_bp(f, a), fd_partial(f, [a], 0), rtol=1e-7)
    with pytest.raises(TypeError, match=r"numpy\.unwrap") as info:
        ad.hessian(f)(a)
    assert any("backward rule of op 'my_square'" in n for n in info.value.__notes__)


# ----- scipy.special's ufuncs, registered by optic_ad.scipy.special -----

SCIPY_CASES: list[tuple[str, Case]] = [
    ("beta", lambda m, x: m.beta(x + 1.0, W + 2.0)),
    ("betainc", lambda m, x: m.betainc(2.0, 3.0, x)),
    ("betaincc", lambda m, x: m.betaincc(2.0, 3.0, x)),
    ("betaln", lambda m, x: m.betaln(x + 1.0, 2.5)),
    ("digamma", lambda m, x: m.digamma(x)),
    ("entr", lambda m, x: m.entr(x)),
    ("erf", lambda m, x: m.erf(x)),
    ("erfc", lambda m, x: m.erfc(x)),
    ("erfcinv", lambda m, x: m.erfcinv(x)),
    ("erfcx", lambda m, x: m.erfcx(x)),
    ("erfinv", lambda m, x: m.erfinv(x)),
    ("expit", lambda m, x: m.expit(x)),
    ("gamma", lambda m, x: m.gamma(x)),
    ("gammainc", lambda m, x: m.gammainc(1.5, x)),
    ("gammaincc", lambda m, x: m.gammaincc(1.5, x)),
    ("gammaln", lambda m, x: m.gammaln(x)),
    ("gammasgn", lambda m, x: m.gammasgn(x - 0.5) * x),
    ("i0", lambda m, x: m.i0(x)),
    ("i1", lambda m, x: m.i1(x)),
    ("iv", lambda m, x: m.iv(2, x)),
    ("ive", lambda m, x: m.ive(1, x)),
    ("j0", lambda m, x: m.j0(x)),
    ("j1", lambda m, x: m.j1(x)),
    ("jn", lambda m, x: m.jn(2, x)),
    ("jv", lambda m, x: m.jv(1.5, x)),
    ("k0", lambda m, x: m.k0(x)),
    ("k1", lambda m, x: m.k1(x)),
    ("kv", lambda m, x: m.kv(0.5, x)),
    ("log_expit", lambda m, x: m.log_expit(x)),
    ("log_ndtr", lambda m, x: m.log_ndtr(x)),
    ("logit", lambda m, x: m.logit(x)),
    ("ndtr", lambda m, x: m.ndtr(x)),
    ("ndtri", lambda m, x: m.ndtri(x)),
    ("psi", lambda m, x: m.psi(x)),
    ("rgamma", lambda m, x: m.rgamma(x)),
    ("xlog1py", lambda m, x: m.xlog1py(x, W + 2.0)),
    ("xlogy", lambda m, x: m.xlogy(W, x)),
    ("y0", lambda m, x: m.y0(x)),
    ("y1", lambda m, x: m.y1(x)),
    ("yn", lambda m, x: m.yn(1, x)),
    ("yv", lambda m, x: m.yv(0.5, x)),
]


@pytest.mark.parametrize(("name", "f"), SCIPY_CASES, ids=[n for n, _ in SCIPY_CASES])
def test_scipy_special_ufuncs_on_a_bvar_record_the_lifted_function(name: str, f: Case) -> None:
    value, grad = ad.backprop(_loss(scipy.special, f), X)
    ref_value, ref_grad = ad.backprop(_loss(osp_special, f), X)
    np.testing.assert_allclose(value, ref_value, rtol=1e-13)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-14)


def test_every_registered_scipy_ufunc_has_a_case() -> None:
    registered = {u for u in dispatch.UFUNCS if u.__name__ in osp_special.__all__}
    cased = {getattr(scipy.special, n) for n, _ in SCIPY_CASES}
    assert registered <= cased, registered - cased


def test_a_ufunc_of_one_bvar_twice_keeps_both_operands_at_second_order() -> None:
    # np.multiply(v, v) reaches BVar.__array_ufunc__ with the BVar on both sides: neither
    # may be taken for a constant (the fuzzer found a zero Hessian here)
    x = np.array([-1.2, 1.1])
    np.testing.assert_allclose(ad.hessian(lambda v: np.sum(np.multiply(v, v)))(x), 2 * np.eye(2))
    np.testing.assert_allclose(
        ad.hessian(lambda v: np.sum(np.power(v, v)))(x + 3.0),
        ad.hessian(lambda v: anp.sum(v**v))(x + 3.0),
    )
    np.testing.assert_allclose(
        ad.hessian(lambda v: np.sum(np.true_divide(v, v + 2.0) * v))(x),
        ad.hessian(lambda v: anp.sum(v / (v + 2.0) * v))(x),
    )
