"""optic_ad.numpy.linalg: values against numpy, gradients against autograd (an independent
implementation) and central finite differences, Jacobians (the batched seed) against
autograd.jacobian, and Hessians against autograd.hessian or finite differences of our
gradient; stacks of matrices and numpy's keywords.

Each case is written once as ``f(m, *xs)``, ``m`` being ``optic_ad.numpy``,
``autograd.numpy`` or ``numpy`` (so ``m.linalg.solve`` works for all three). Inputs are
well conditioned: ``n * I`` added to random matrices, symmetric matrices with distinct
eigenvalues, full-rank rectangular ones with distinct singular values. Eigenvectors and
singular vectors enter only through sign-invariant functions (squares, products
``u * v``).
"""

from __future__ import annotations

from collections.abc import Callable
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
from optic_ad.bvar import Prim, lift, plain
from tests.helpers import MustBatch, fd_jacobian, fd_partial

Arr = NDArray[np.float64]
# numpy.linalg untyped: its stubs want literal keywords
npla: Any = np.linalg
Case = Callable[..., Any]


def _weights(shape: tuple[int, ...]) -> Arr:
    w: Arr = np.cos(np.arange(int(np.prod(shape))) * 1.3 + 0.3).reshape(shape)
    return w


def _loss(m: Any, f: Case) -> Callable[..., Any]:
    # nonlinear in f's output, so that a Hessian differentiates f's backward rule too
    def loss(*xs: Any) -> Any:
        out = f(m, *xs)
        return m.sum(m.sin(out) * _weights(np.shape(plain(autograd.tracer.getval(out)))))  # type: ignore[attr-defined]

    return loss


def check(
    f: Case,
    xs: list[Arr],
    *,
    autograd_ok: bool = True,
    hessian: bool = True,
    fd_rtol: float = 1e-5,
) -> None:
    """``f(anp, *xs)`` on BVars against ``f(m, *xs)`` with ``m`` numpy or autograd.numpy:
    output values, gradients, Jacobians (batched seed) and Hessians in each argument, all
    also against finite differences. ``autograd_ok=False`` when autograd cannot
    differentiate ``f``: finite differences only."""
    outs: list[Any] = []

    def ours(*v: Any) -> Any:
        out = f(anp, *v)
        outs.append(plain(out))
        return anp.sum(anp.sin(out) * _weights(np.shape(plain(out))))

    value, grads = ad.backprop_n(ours, *xs)
    expected = f(np, *xs)
    assert np.shape(outs[0]) == np.shape(expected)
    np.testing.assert_allclose(outs[0], expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(value, _loss(np, f)(*xs), rtol=1e-10, atol=1e-12)
    for i, g in enumerate(grads):
        assert np.shape(g) == np.shape(xs[i])
        np.testing.assert_allclose(g, fd_partial(_loss(np, f), xs, i), rtol=fd_rtol, atol=1e-6)
        if autograd_ok:
            theirs = autograd.grad(_loss(agnp, f), i)(*xs)
            np.testing.assert_allclose(g, theirs, rtol=1e-9, atol=1e-12)
        if np.ndim(expected) > 0:
            with MustBatch():
                jac = ad.jacobian(lambda *v: f(anp, *v), argnums=i, mode="reverse")(*xs)
            np.testing.assert_allclose(
                jac, fd_jacobian(lambda *v: f(np, *v), xs, i), rtol=fd_rtol, atol=1e-6
            )
            if autograd_ok:
                np.testing.assert_allclose(
                    jac,
                    autograd.jacobian(lambda *v: f(agnp, *v), i)(*xs),
                    rtol=1e-9,
                    atol=1e-12,
                )
        if not hessian:
            continue
        with MustBatch():
            h = ad.hessian(_loss(anp, f), argnums=i)(*xs)
        gi = ad.grad(_loss(anp, f), argnums=i)
        np.testing.assert_allclose(h, fd_jacobian(gi, xs, i, eps=1e-5), rtol=1e-4, atol=1e-5)
        if autograd_ok:
            hh = autograd.hessian(_loss(agnp, f), i)(*xs)
            np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)


# ----- inputs -----


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _general(seed: int, shape: tuple[int, ...]) -> Arr:
    """A (stack of) square matrices, well conditioned: random plus ``n * I``."""
    n = shape[-1]
    a: Arr = _rng(seed).uniform(-1.0, 1.0, shape) + n * np.eye(n)
    return a


def _orth(rng: np.random.Generator, batch: tuple[int, ...], n: int) -> Arr:
    q, _ = np.linalg.qr(rng.normal(size=(*batch, n, n)))
    out: Arr = q
    return out


def _spd(seed: int, shape: tuple[int, ...]) -> Arr:
    """Symmetric with distinct positive eigenvalues (at least 0.5 apart)."""
    n = shape[-1]
    rng = _rng(seed)
    q = _orth(rng, shape[:-2], n)
    d = 1.0 + np.arange(n) * 0.7 + rng.uniform(0.0, 0.2, (*shape[:-2], n))
    out: Arr = (q * d[..., None, :]) @ np.swapaxes(q, -1, -2)
    return (out + np.swapaxes(out, -1, -2)) / 2


def _rect(seed: int, shape: tuple[int, ...]) -> Arr:
    """Full rank with distinct singular values (1 to about 2.5)."""
    m, n = shape[-2:]
    k = min(m, n)
    rng = _rng(seed)
    u = _orth(rng, shape[:-2], m)[..., :, :k]
    v = _orth(rng, shape[:-2], n)[..., :, :k]
    s = 1.0 + np.arange(k)[::-1] * 0.5 + rng.uniform(0.0, 0.2, (*shape[:-2], k))
    out: Arr = (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)
    return out


def _real_eig(seed: int, shape: tuple[int, ...]) -> Arr:
    """Non-symmetric with distinct real eigenvalues: P diag(d) P^-1, P well conditioned."""
    n = shape[-1]
    rng = _rng(seed)
    p = np.eye(n) + 0.3 * rng.uniform(-1.0, 1.0, shape)
    d = np.arange(n) * 1.0 - n / 2 + rng.uniform(0.0, 0.3, (*shape[:-2], n))
    out: Arr = (p * d[..., None, :]) @ np.linalg.inv(p)
    return out


seeds = st.integers(0, 10_000)
sizes = st.integers(2, 4)
batches = st.sampled_from([(), (2,)])


# ----- det, slogdet, inv -----


@settings(max_examples=6, deadline=None)
@given(seed=seeds, n=sizes, batch=batches)
def test_det_slogdet_inv(seed: int, n: int, batch: tuple[int, ...]) -> None:
    a = _general(seed, (*batch, n, n)) / n
    check(lambda m, x: m.linalg.det(x), [a])
    check(lambda m, x: m.linalg.slogdet(x)[1], [a])
    check(lambda m, x: m.linalg.inv(x), [a])


def test_slogdet_is_a_pair_with_a_plain_sign() -> None:
    a = -_general(1, (3, 3))
    seen: list[Any] = []

    def f(x: Any) -> Any:
        res = anp.linalg.slogdet(x)
        sign, logdet = res
        seen.append((res, sign))
        return logdet

    g = ad.grad(f)(a)
    res, sign = seen[0]
    assert type(res) is type(np.linalg.slogdet(a))
    assert not isinstance(sign, ad.BVar)
    assert sign == np.linalg.slogdet(a)[0] == -1.0
    np.testing.assert_allclose(g, np.linalg.inv(a).T, rtol=1e-12)
    np.testing.assert_allclose(g, autograd.grad(lambda x: agnp.linalg.slogdet(x)[1])(a), rtol=1e-12)


def test_det_third_order() -> None:
    a = _general(3, (2, 2))
    f = anp.linalg.det
    with MustBatch():
        third = ad.jacobian(ad.hessian(f), mode="reverse")(a)
    ref = autograd.jacobian(autograd.hessian(agnp.linalg.det))(a)
    np.testing.assert_allclose(third, ref, rtol=1e-9, atol=1e-12)


# ----- solve, tensorsolve, tensorinv -----

SOLVE_SHAPES = [
    ((3, 3), (3,)),
    ((3, 3), (3, 2)),
    ((2, 3, 3), (2, 3, 2)),
    ((2, 3, 3), (3,)),
    ((3, 3), (2, 3, 2)),
    ((2, 3, 3), (3, 1)),
    ((2, 1, 3, 3), (4, 3, 2)),
]
# autograd's solve gradient handles the first three only: under numpy 2 it breaks for a
# stack of matrices with a 1-d b, and it does not sum broadcast stacks back
SOLVE_AUTOGRAD = 3


@pytest.mark.parametrize("k", range(len(SOLVE_SHAPES)), ids=[f"{a}-{b}" for a, b in SOLVE_SHAPES])
@settings(max_examples=2, deadline=None)
@given(seed=seeds)
def test_solve(k: int, seed: int) -> None:
    sa, sb = SOLVE_SHAPES[k]
    a = _general(seed, sa) / 3
    b = _rng(seed + 1).uniform(-1.0, 1.0, sb)
    check(lambda m, x, y: m.linalg.solve(x, y), [a, b], autograd_ok=k < SOLVE_AUTOGRAD)


def test_tensorsolve_tensorinv() -> None:
    a = (_general(4, (6, 6)) / 6).reshape(2, 3, 6)
    b = _rng(5).uniform(-1.0, 1.0, (2, 3))

    def ts(m: Any, x: Any, y: Any) -> Any:
        if m is agnp:
            # autograd has no tensorsolve gradient: the same as solve and reshapes
            return agnp.reshape(agnp.linalg.solve(agnp.reshape(x, (6, 6)), agnp.ravel(y)), (6,))
        return m.linalg.tensorsolve(x, y)

    check(ts, [a, b])
    a4 = (_general(6, (4, 4)) / 4).reshape(2, 2, 2, 2)
    check(
        lambda m, x, y: m.linalg.tensorsolve(x, y, axes=(0, 2)), [a4, b[:, :2]], autograd_ok=False
    )

    def ti(m: Any, x: Any) -> Any:
        if m is agnp:
            return agnp.reshape(agnp.linalg.inv(agnp.reshape(x, (6, 6))), (6, 2, 3))
        return m.linalg.tensorinv(x, ind=2)

    check(ti, [(_general(7, (6, 6)) / 6).reshape(2, 3, 6)])


# ----- pinv -----


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
@settings(max_examples=3, deadline=None)
@given(seed=seeds)
def test_pinv(shape: tuple[int, ...], seed: int) -> None:
    check(lambda m, x: m.linalg.pinv(x), [_rect(seed, shape)])


def test_pinv_keywords() -> None:
    a = _rect(2, (4, 3))
    kws: list[dict[str, Any]] = [
        {"rcond": 1e-10},
        {"rtol": 1e-10},
        {"rtol": None},
        {"hermitian": False},
    ]
    for kw in kws:
        np.testing.assert_array_equal(anp.linalg.pinv(a, **kw), npla.pinv(a, **kw))
        g = ad.grad(lambda x, kw=kw: anp.sum(anp.linalg.pinv(x, **kw) ** 2))(a)
        np.testing.assert_allclose(
            g, autograd.grad(lambda x: agnp.sum(agnp.linalg.pinv(x) ** 2))(a), rtol=1e-9
        )


# ----- cholesky -----


def _sym(m: Any, x: Any) -> Any:
    return (x + m.swapaxes(x, -1, -2)) / 2


@settings(max_examples=6, deadline=None)
@given(seed=seeds, n=sizes, batch=batches)
def test_cholesky(seed: int, n: int, batch: tuple[int, ...]) -> None:
    a = _spd(seed, (*batch, n, n))
    # numpy reads the lower triangle and the gradient is the symmetric one (autograd's):
    # through a symmetrisation both are the derivative finite differences see
    check(lambda m, x: m.linalg.cholesky(_sym(m, x)), [a])
    # without it, the gradient is autograd's (symmetric) one
    loss = _loss(anp, lambda m, x: m.linalg.cholesky(x))
    g = ad.grad(loss)(a)
    theirs = autograd.grad(_loss(agnp, lambda m, x: m.linalg.cholesky(x)))(a)
    np.testing.assert_allclose(g, theirs, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g, np.swapaxes(g, -1, -2), rtol=1e-12, atol=1e-15)


def test_cholesky_upper() -> None:
    a = _spd(3, (3, 3))
    np.testing.assert_array_equal(
        anp.linalg.cholesky(a, upper=True), np.linalg.cholesky(a, upper=True)
    )

    def upper(m: Any, x: Any) -> Any:
        if m is anp:
            return anp.linalg.cholesky(_sym(m, x), upper=True)
        if m is agnp:
            return agnp.swapaxes(agnp.linalg.cholesky(_sym(m, x)), -1, -2)
        return np.linalg.cholesky(_sym(m, x), upper=True)

    check(upper, [a])


# ----- eigh -----


def _eigh_case(part: str, uplo: str) -> Case:
    def f(m: Any, x: Any) -> Any:
        w, v = m.linalg.eigh(x, UPLO=uplo)
        if part == "w":
            return w
        if part == "v":
            return v * v
        return m.expand_dims(w, -2) * v * v

    return f


@pytest.mark.parametrize("part", ["w", "v", "wv"])
@pytest.mark.parametrize("uplo", ["L", "U"])
@settings(max_examples=4, deadline=None)
@given(seed=seeds, n=sizes, batch=batches)
def test_eigh(part: str, uplo: str, seed: int, n: int, batch: tuple[int, ...]) -> None:
    a = _spd(seed, (*batch, n, n)) - 1.5
    # not symmetrised: eigh reads one triangle, and the gradient is zero on the other
    check(_eigh_case(part, uplo), [a])


def test_eigh_result_and_eigvalsh() -> None:
    a = _spd(8, (3, 3))
    res = anp.linalg.eigh(a)
    assert type(res) is type(np.linalg.eigh(a))

    def f(x: Any) -> Any:
        # on a BVar too, numpy's result type: a pair with numpy's field names
        r = anp.linalg.eigh(x)
        assert type(r) is type(res)
        assert isinstance(r.eigenvectors, ad.BVar)
        w, _ = r
        return anp.sum(r.eigenvalues * w)

    np.testing.assert_allclose(
        ad.grad(f)(a), autograd.grad(lambda x: agnp.sum(agnp.linalg.eigh(x)[0] ** 2))(a)
    )
    # (autograd differentiates eigh, not eigvalsh)
    for uplo in ["L", "U"]:
        check(
            lambda m, x, u=uplo: (
                m.linalg.eigvalsh(x, UPLO=u) if m is not agnp else agnp.linalg.eigh(x, UPLO=u)[0]
            ),
            [a],
        )
    # numpy takes a lower-case UPLO too
    check(
        lambda m, x: (
            m.linalg.eigh(x, UPLO="u")[0] if m is not agnp else m.linalg.eigh(x, UPLO="U")[0]
        ),
        [a],
    )
    with pytest.raises(ValueError, match="UPLO"):
        ad.grad(lambda x: anp.sum(anp.linalg.eigh(x, UPLO="X")[0]))(a)


# ----- eig -----


def _eig_case(part: str) -> Case:
    # functions of the eigenpairs that do not depend on their order: LAPACK may return the
    # eigenvalues of a slightly perturbed matrix in another order (a jump finite
    # differences would see), and eigenvectors' signs are arbitrary
    def f(m: Any, x: Any) -> Any:
        w, v = m.linalg.eig(x)
        if part == "w":  # the power sums sum(w^k), k = 1, 2, 3
            return m.sum(m.expand_dims(w, -1) ** np.arange(1.0, 4.0), axis=-2)
        if part == "v":
            return m.sum(m.expand_dims(m.exp(w), -2) * v * v, axis=-1)
        return m.matmul(v * m.expand_dims(w, -2), m.swapaxes(v, -1, -2))

    return f


@pytest.mark.parametrize("part", ["w", "v", "wv"])
@settings(max_examples=4, deadline=None)
@given(seed=seeds, n=sizes, batch=batches)
def test_eig_real_eigenvalues(part: str, seed: int, n: int, batch: tuple[int, ...]) -> None:
    # real distinct eigenvalues: numpy's outputs are real arrays, at every perturbation
    a = _real_eig(seed, (*batch, n, n))
    assert not np.iscomplexobj(np.linalg.eig(a)[0])
    check(_eig_case(part), [a])


def test_eigvals() -> None:
    # (autograd differentiates eig, not eigvals)
    check(
        lambda m, x: m.linalg.eigvals(x) if m is not agnp else agnp.linalg.eig(x)[0],
        [_real_eig(4, (3, 3))],
    )


# complex outputs: the real and imaginary parts, as test-local primitives with autograd's
# convention (the VJP of real(z) is g, of imag(z) is -1j g), first order
_RE = Prim("re", np.real, (lambda g, ans, z: g * (1.0 + 0.0j),))
_IM = Prim("im", np.imag, (lambda g, ans, z: g * -1.0j,))


def _re(m: Any, z: Any) -> Any:
    return lift(_RE, (z,), {}) if m is anp else m.real(z)


def _im(m: Any, z: Any) -> Any:
    return lift(_IM, (z,), {}) if m is anp else m.imag(z)


def test_eig_complex_eigenvalues() -> None:
    # a rotation-like block: a complex pair, and a real eigenvalue
    a = np.array([[1.0, -2.0, 0.3], [1.5, 0.5, 0.2], [0.1, -0.4, 3.0]])
    assert np.iscomplexobj(np.linalg.eig(a)[0])

    def f(m: Any, x: Any) -> Any:
        w, v = m.linalg.eig(x)
        vv = _re(m, v) ** 2 + _im(m, v) ** 2  # phase-invariant
        return (
            m.sum(m.sin(_re(m, w)) * np.array([0.3, -0.7, 1.1]))
            + m.sum(m.cos(_im(m, w)) * np.array([0.5, 0.9, -0.2]))
            + m.sum(m.sin(vv) * _weights((3, 3)))
        )

    g = ad.grad(lambda x: f(anp, x))(a)
    np.testing.assert_allclose(g, autograd.grad(lambda x: f(agnp, x))(a), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g, fd_partial(lambda x: f(np, x), [a], 0), rtol=1e-5, atol=1e-7)


# ----- svd -----

SVD_SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 2), (2, 2, 3)]


def _svd_case(part: str, full: bool) -> Case:
    def f(m: Any, x: Any) -> Any:
        if part == "s":
            return m.linalg.svd(x, compute_uv=False)
        # (autograd differentiates full_matrices=False only: the same for a square x)
        u, s, vh = m.linalg.svd(x, full_matrices=full and m is not agnp)
        k = min(np.shape(plain(autograd.tracer.getval(x)))[-2:])  # type: ignore[attr-defined]
        uk, vk = u[..., :, :k], vh[..., :k, :]
        if part == "uv":
            # sign-invariant: each rank-one term u_i v_i^T
            return m.matmul(uk * m.expand_dims(s, -2), vk) + m.matmul(uk, vk)
        if part == "u":
            return uk * uk
        return vk * vk * m.expand_dims(s, -1)

    return f


@pytest.mark.parametrize("shape", SVD_SHAPES)
@pytest.mark.parametrize("part", ["s", "uv", "u", "v"])
@settings(max_examples=3, deadline=None)
@given(seed=seeds)
def test_svd(shape: tuple[int, ...], part: str, seed: int) -> None:
    check(_svd_case(part, False), [_rect(seed, shape)])


def test_svd_full_matrices_and_svdvals() -> None:
    sq = _rect(1, (3, 3))
    check(_svd_case("uv", True), [sq])  # square: full is reduced
    tall = _rect(2, (4, 2))
    # the singular values of a full svd are differentiable
    check(lambda m, x: m.linalg.svd(x, full_matrices=m is not agnp)[1], [tall])
    check(
        lambda m, x: m.linalg.svdvals(x) if m is not agnp else m.linalg.svd(x, compute_uv=False),
        [tall],
    )
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        ad.grad(lambda x: anp.sum(anp.linalg.svd(x)[0]))(tall)
    with pytest.raises(NotImplementedError, match="hermitian"):
        ad.grad(lambda x: anp.sum(anp.linalg.svd(x, hermitian=True)[1]))(sq)
    res = ad.eval_bp(lambda x: anp.linalg.svd(x), tall)
    ref = np.linalg.svd(tall)
    assert type(res) is type(ref)
    for p, q in zip(res, ref, strict=True):
        np.testing.assert_array_equal(p, q)


# ----- qr: no autograd gradient, finite differences -----

QR_SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 2), (2, 2, 3)]


def _qr_case(part: str, mode: str = "reduced") -> Case:
    def f(m: Any, x: Any) -> Any:
        if mode == "r":
            return m.linalg.qr(x, mode="r")
        q, r = m.linalg.qr(x, mode=mode)
        if part == "q":
            return q
        if part == "r":
            return r
        return m.matmul(q * q, r)

    return f


@pytest.mark.parametrize("shape", QR_SHAPES)
@pytest.mark.parametrize("part", ["q", "r", "qr"])
@settings(max_examples=3, deadline=None)
@given(seed=seeds)
def test_qr(shape: tuple[int, ...], part: str, seed: int) -> None:
    check(_qr_case(part), [_rect(seed, shape)], autograd_ok=False)


def test_qr_modes() -> None:
    check(_qr_case("r", "r"), [_rect(3, (4, 3))], autograd_ok=False)
    check(_qr_case("qr", "complete"), [_rect(4, (2, 3))], autograd_ok=False)
    tall = _rect(5, (4, 2))
    for mode in ["complete", "raw"]:
        with pytest.raises(NotImplementedError, match="mode='reduced'"):
            ad.grad(lambda x, mode=mode: anp.sum(anp.linalg.qr(x, mode=mode)[0]))(tall)
    with pytest.raises(ValueError, match="Unrecognized mode"):
        ad.grad(lambda x: anp.sum(anp.linalg.qr(x, mode="bad")[0]))(tall)
    for mode in ["reduced", "complete", "r", "raw"]:
        ours, theirs = anp.linalg.qr(tall, mode=mode), npla.qr(tall, mode=mode)
        for p, q in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(p, q)


# ----- matrix_power, multi_dot -----


@pytest.mark.parametrize("k", [-3, -1, 0, 1, 2, 3, 5, 6])
def test_matrix_power(k: int) -> None:
    a = _general(11, (3, 3)) / 3

    def f(m: Any, x: Any) -> Any:
        if m is agnp:
            # autograd has no matrix_power gradient: the same product, written out
            y = agnp.linalg.inv(x) if k < 0 else x
            out = agnp.eye(3) + 0.0 * x
            for _ in range(abs(k)):
                out = agnp.matmul(out, y)
            return out
        return m.linalg.matrix_power(x, k)

    if k == 0:
        assert not isinstance(ad.eval_bp(lambda x: anp.linalg.matrix_power(x, 0), a), ad.BVar)
        np.testing.assert_array_equal(
            ad.jacobian(lambda x: anp.linalg.matrix_power(x, 0))(a), np.zeros((3, 3, 3, 3))
        )
        return
    check(f, [a])
    stack = _general(12, (2, 3, 3)) / 3
    check(f, [stack])


def test_multi_dot() -> None:
    rng = _rng(13)
    xs = [rng.uniform(-1.0, 1.0, s) for s in [(3,), (3, 4), (4, 2), (2, 5), (5,)]]
    for lo, hi in [(0, 2), (0, 3), (1, 4), (0, 5), (1, 5)]:
        part = xs[lo:hi]

        def f(m: Any, *v: Any, n: int = len(part)) -> Any:
            if m is agnp:
                out = v[0]
                for w in v[1:]:
                    out = agnp.dot(out, w)
                return out
            return m.linalg.multi_dot(list(v))

        check(f, part, hessian=len(part) <= 3)


# ----- norms -----

VECTOR_ORDS: list[Any] = [None, 2, 1, 3, 2.5, 0.5, np.inf, -np.inf, -1, -2]
MATRIX_ORDS: list[Any] = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


def _oracle_norm(m: Any, x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:
    """autograd differentiates few orders: the others written from its primitives."""
    if m is not agnp:
        return m.linalg.norm(x, ord, axis, keepdims)
    nd = agnp.ndim(x)
    if axis is None and (ord is None or (ord == "fro" and nd == 2) or (ord == 2 and nd == 1)):
        out = agnp.sqrt(agnp.sum(x * x))
        return agnp.reshape(out, (1,) * nd) if keepdims else out
    ax = tuple(range(nd)) if axis is None else axis
    ax = ax if isinstance(ax, tuple) else (ax,)
    if len(ax) == 1:
        (a,) = ax
        absx = agnp.abs(x)
        if ord == np.inf:
            return agnp.max(absx, axis=a, keepdims=keepdims)
        if ord == -np.inf:
            return agnp.min(absx, axis=a, keepdims=keepdims)
        if ord == 1:
            return agnp.sum(absx, axis=a, keepdims=keepdims)
        if ord is None or ord == 2:
            return agnp.sqrt(agnp.sum(x * x, axis=a, keepdims=keepdims))
        return agnp.sum(absx**ord, axis=a, keepdims=keepdims) ** (1.0 / ord)
    r, c = (a % nd for a in ax)
    absx = agnp.abs(x)
    if ord in (2, -2, "nuc"):
        s = agnp.linalg.svd(agnp.moveaxis(x, (r, c), (-2, -1)), compute_uv=False)
        out = {2: agnp.max, -2: agnp.min, "nuc": agnp.sum}[ord](s, axis=-1)
    elif ord in (1, -1):
        op = agnp.max if ord == 1 else agnp.min
        out = op(agnp.sum(absx, axis=r), axis=c - 1 if c > r else c)
    elif ord in (np.inf, -np.inf):
        op = agnp.max if ord == np.inf else agnp.min
        out = op(agnp.sum(absx, axis=c), axis=r - 1 if r > c else r)
    else:
        out = agnp.sqrt(agnp.sum(x * x, axis=(r, c)))
    if keepdims:
        shp = list(agnp.shape(x))
        shp[r] = shp[c] = 1
        out = agnp.reshape(out, shp)
    return out


def _distinct(seed: int, shape: tuple[int, ...]) -> Arr:
    """Entries of distinct absolute values, none near 0, random signs (max/min-type norms
    are smooth there)."""
    rng = _rng(seed)
    n = int(np.prod(shape))
    mags = rng.uniform(0.5, 1.5, n)
    out: Arr = (mags * rng.choice([-1.0, 1.0], n)).reshape(shape) / n
    return out


@settings(max_examples=15, deadline=None)
@given(
    seed=seeds,
    ord=st.sampled_from(VECTOR_ORDS),
    shape=st.sampled_from([(4,), (3, 2), (2, 3, 2)]),
    data=st.data(),
)
def test_vector_norms(seed: int, ord: Any, shape: tuple[int, ...], data: st.DataObject) -> None:
    nd = len(shape)
    axis = data.draw(st.integers(-nd, nd - 1) if nd > 1 else st.sampled_from([None, 0, -1]))
    keepdims = data.draw(st.booleans())
    x = _distinct(seed, shape)
    check(lambda m, v: _oracle_norm(m, v, ord, axis, keepdims), [x])


@settings(max_examples=15, deadline=None)
@given(
    seed=seeds,
    ord=st.sampled_from(MATRIX_ORDS),
    case=st.sampled_from(
        [
            ((3, 3), None),
            ((3, 2), None),
            ((2, 3, 2), (1, 2)),
            ((2, 3, 2), (2, 0)),
            ((3, 2, 2), (-1, -3)),
        ]
    ),
    keepdims=st.booleans(),
)
def test_matrix_norms(seed: int, ord: Any, case: Any, keepdims: bool) -> None:
    shape, axis = case
    nd = len(shape)
    r, c = (0, 1) if axis is None else (axis[0] % nd, axis[1] % nd)
    if ord in (2, -2, "nuc"):
        # distinct singular values of the matrices on axes (r, c)
        batch = tuple(d for i, d in enumerate(shape) if i not in (r, c))
        y = _rect(seed, (*batch, shape[r], shape[c]))
        x = np.moveaxis(y, (-2, -1), (r, c)) if (r, c) != (nd - 2, nd - 1) else y
    else:
        x = _distinct(seed, shape)
    check(lambda m, v: _oracle_norm(m, v, ord, axis, keepdims), [x])


def test_norm_defaults_and_errors() -> None:
    x = _distinct(1, (2, 3, 2))
    # axis=None, ord=None: the 2-norm of the flattened array, any ndim; keepdims
    check(lambda m, v: _oracle_norm(m, v, None, None, True), [x])
    # ord=0: a count, a plain value
    out = ad.eval_bp(lambda v: anp.linalg.norm(v, 0), x[0, 0])
    assert not isinstance(out, ad.BVar)
    assert out == np.linalg.norm(x[0, 0], 0)
    for ord, axis, err in [
        ("fro", 0, "Invalid norm order 'fro' for vectors"),
        ("bad", (0, 1), "Invalid norm order for matrices"),
        (None, (0, 1, 2), "Improper number of dimensions"),
        (None, (1, 1), "Duplicate axes"),
        (2, None, "Improper number of dimensions"),
    ]:
        with pytest.raises(ValueError, match=err):
            npla.norm(x, ord, axis)
        with pytest.raises(ValueError, match=err):
            ad.grad(lambda v, o=ord, a=axis: anp.sum(anp.linalg.norm(v, o, a)))(x)
    for bad in [[0, 1], "x"]:
        with pytest.raises(TypeError, match="'axis' must be None") as theirs:
            npla.norm(x, None, bad)
        with pytest.raises(TypeError) as ours:
            ad.grad(lambda v, b=bad: anp.sum(anp.linalg.norm(v, None, b)))(x)
        assert str(ours.value) == str(theirs.value)


def test_vector_and_matrix_norm() -> None:
    x = _distinct(2, (2, 3, 2))
    kws: list[dict[str, Any]] = [{}, {"axis": 1}, {"axis": (0, 2)}, {"axis": (2, 0)}, {"ord": 1}]
    for kw in kws:
        for keepdims in [False, True]:
            full = {"keepdims": keepdims, **kw}

            def f(m: Any, v: Any, full: dict[str, Any] = full) -> Any:
                if m is agnp:
                    return _vector_norm_oracle(v, **full)
                return m.linalg.vector_norm(v, **full)

            check(f, [x])
    y = _rect(3, (2, 3, 2))
    for ord in ["fro", "nuc", np.inf, 2]:
        check(
            lambda m, v, o=ord: (
                m.linalg.matrix_norm(v, ord=o, keepdims=True)
                if m is not agnp
                else _oracle_norm(agnp, v, o, (-2, -1), True)
            ),
            [y],
        )


def _vector_norm_oracle(v: Any, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    shp = agnp.shape(v)
    nd = len(shp)
    if axis is None:
        axes = tuple(range(nd))
    elif isinstance(axis, tuple):
        axes = tuple(a % nd for a in axis)
    else:
        axes = (axis % nd,)
    rest = [i for i in range(nd) if i not in axes]
    y = agnp.reshape(
        agnp.transpose(v, list(axes) + rest),
        (int(np.prod([shp[i] for i in axes])), *[shp[i] for i in rest]),
    )
    out = _oracle_norm(agnp, y, ord, 0, False)
    if keepdims:
        out = agnp.reshape(out, tuple(1 if i in axes else d for i, d in enumerate(shp)))
    return out


def test_cond() -> None:
    a = _general(21, (3, 3)) / 3
    for p in [None, 2, -2, "fro", 1, np.inf]:

        def f(m: Any, x: Any, p: Any = p) -> Any:
            if m is agnp:
                if p in (None, 2, -2):
                    s = agnp.linalg.svd(x, compute_uv=False)
                    return s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
                inv = agnp.linalg.inv(x)
                ax = (-2, -1)
                return _oracle_norm(agnp, x, p, ax, False) * _oracle_norm(agnp, inv, p, ax, False)
            return m.linalg.cond(x, p)

        check(f, [a])
    check(lambda m, x: m.linalg.cond(x) if m is not agnp else _cond2(x), [_general(22, (2, 3, 3))])


def _cond2(x: Any) -> Any:
    s = agnp.linalg.svd(x, compute_uv=False)
    return s[..., 0] / s[..., -1]


# ----- lstsq -----


@pytest.mark.parametrize(("sa", "sb"), [((4, 2), (4,)), ((4, 2), (4, 3)), ((3, 3), (3,))])
def test_lstsq(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    a = _rect(31, sa)
    b = _rng(32).uniform(-1.0, 1.0, sb)

    def x_of(m: Any, x: Any, y: Any) -> Any:
        if m is agnp:
            return agnp.matmul(agnp.linalg.pinv(x), y)
        return m.linalg.lstsq(x, y)[0]

    def resid(m: Any, x: Any, y: Any) -> Any:
        if m is agnp:
            r = y - agnp.matmul(x, agnp.matmul(agnp.linalg.pinv(x), y))
            out = agnp.sum(r * r, axis=0)
            return agnp.reshape(out, (1,)) if agnp.ndim(y) == 1 else out
        return m.linalg.lstsq(x, y)[1]

    check(x_of, [a, b])
    if sa[0] > sa[1]:
        check(resid, [a, b])
    res = ad.eval_bp(lambda x: anp.linalg.lstsq(x, b), a)
    ref = npla.lstsq(a, b)
    assert res[2] == ref[2]
    for p, q in zip(res, ref, strict=True):
        np.testing.assert_allclose(np.asarray(p), q, rtol=1e-10, atol=1e-12)


# ----- numpy 2's array-API names -----


def test_array_api_names() -> None:
    rng = _rng(41)
    x = rng.uniform(-1.0, 1.0, (2, 3, 3))
    v = rng.uniform(-1.0, 1.0, (2, 3))
    check(
        lambda m, a: m.linalg.matrix_transpose(a) if m is not agnp else agnp.swapaxes(a, -1, -2),
        [x],
    )
    check(
        lambda m, a: (
            m.linalg.diagonal(a, offset=1)
            if m is not agnp
            else agnp.stack([a[..., 0, 1], a[..., 1, 2]], -1)
        ),
        [x],
    )
    check(
        lambda m, a: m.linalg.trace(a, offset=-1) if m is not agnp else a[..., 1, 0] + a[..., 2, 1],
        [x],
    )
    check(
        lambda m, a, b: m.linalg.vecdot(a, b) if m is not agnp else agnp.sum(a * b, -1), [x, v[0]]
    )
    check(lambda m, a, b: m.linalg.matmul(a, b) if m is not agnp else agnp.matmul(a, b), [x, x])
    check(lambda m, a, b: m.linalg.outer(a, b) if m is not agnp else agnp.outer(a, b), [v[0], v[1]])
    check(
        lambda m, a, b: m.linalg.cross(a, b, axis=0) if m is not agnp else agnp.cross(a, b, axis=0),
        [x[0], x[1]],
    )
    check(
        lambda m, a, b: (
            m.linalg.tensordot(a, b, axes=1) if m is not agnp else agnp.tensordot(a, b, 1)
        ),
        [x, v[0]],
    )
    assert anp.linalg.matrix_rank(x[0]) == np.linalg.matrix_rank(x[0])
    r = ad.eval_bp(lambda a: anp.linalg.matrix_rank(a), x)
    assert not isinstance(r, ad.BVar)
    np.testing.assert_array_equal(r, np.linalg.matrix_rank(x))


# ----- plain values are numpy's, errors are numpy's -----


def test_plain_values_are_numpys() -> None:
    a = _spd(51, (3, 3))
    b = np.ones(3)
    for name, args in [
        ("det", (a,)),
        ("slogdet", (a,)),
        ("inv", (a,)),
        ("pinv", (a,)),
        ("solve", (a, b)),
        ("cholesky", (a,)),
        ("eigh", (a,)),
        ("eig", (a,)),
        ("eigvals", (a,)),
        ("eigvalsh", (a,)),
        ("svd", (a,)),
        ("svdvals", (a,)),
        ("qr", (a,)),
        ("norm", (a,)),
        ("cond", (a,)),
        ("matrix_power", (a, 3)),
        ("multi_dot", ([a, a, b],)),
        ("lstsq", (a, b)),
        ("tensorinv", (a.reshape(3, 3), 1)),
        ("matrix_norm", (a,)),
        ("vector_norm", (a,)),
    ]:
        ours, theirs = getattr(anp.linalg, name)(*args), getattr(np.linalg, name)(*args)
        assert type(ours) is type(theirs), name
        for p, q in zip(
            ours if isinstance(ours, tuple) else (ours,),
            theirs if isinstance(theirs, tuple) else (theirs,),
            strict=True,
        ):
            np.testing.assert_array_equal(p, q)


def test_errors_as_numpy() -> None:
    rect = np.ones((2, 3))
    for name in ["det", "slogdet", "inv", "cholesky", "eigh", "eig", "matrix_power"]:
        args: tuple[Any, ...] = (rect, 2) if name == "matrix_power" else (rect,)
        with pytest.raises(np.linalg.LinAlgError, match="square") as theirs:
            getattr(np.linalg, name)(*args)
        with pytest.raises(np.linalg.LinAlgError) as ours:
            ad.grad(
                lambda x, name=name, args=args: anp.sum(getattr(anp.linalg, name)(x, *args[1:])[0])
            )(rect)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        ad.grad(lambda x: anp.linalg.det(x))(np.ones(3))
    with pytest.raises(np.linalg.LinAlgError):
        ad.grad(lambda x: anp.sum(anp.linalg.solve(x, np.ones(2))))(rect)
    # a singular matrix: numpy's own error, from the forward
    with pytest.raises(np.linalg.LinAlgError, match="Singular"):
        ad.grad(lambda x: anp.sum(anp.linalg.inv(x)))(np.ones((2, 2)))
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        ad.grad(lambda x: anp.sum(anp.linalg.cholesky(x)))(-np.eye(2))
    assert anp.linalg.LinAlgError is np.linalg.LinAlgError


@pytest.mark.parametrize(
    "name", ["slogdet", "pinv", "cholesky", "eigh", "svd", "qr", "norm", "eigvalsh", "cond"]
)
def test_complex_bvars_are_refused_where_rules_are_real(name: str) -> None:
    # these rules are written for real values: a complex BVar is a clear TypeError
    a = _spd(81, (2, 2))
    culprit = {"eigvalsh": "eigh", "cond": "svd"}.get(name, name)
    with pytest.raises(TypeError, match=f"linalg.{culprit} differentiates real inputs only"):
        ad.grad(lambda x: anp.sum(anp.real(getattr(anp.linalg, name)(x * (1.0 + 0.0j))[0])))(a)


# ----- coverage: every differentiable name has a second-order case above -----

# the names whose Hessians (or third derivatives) the tests above check
SECOND = {
    "cholesky": test_cholesky,
    "cond": test_cond,
    "cross": test_array_api_names,
    "det": test_det_slogdet_inv,
    "diagonal": test_array_api_names,
    "eig": test_eig_real_eigenvalues,
    "eigh": test_eigh,
    "eigvals": test_eigvals,
    "eigvalsh": test_eigh_result_and_eigvalsh,
    "inv": test_det_slogdet_inv,
    "lstsq": test_lstsq,
    "matmul": test_array_api_names,
    "matrix_norm": test_vector_and_matrix_norm,
    "matrix_power": test_matrix_power,
    "matrix_transpose": test_array_api_names,
    "multi_dot": test_multi_dot,
    "norm": test_matrix_norms,
    "outer": test_array_api_names,
    "pinv": test_pinv,
    "qr": test_qr,
    "slogdet": test_det_slogdet_inv,
    "solve": test_solve,
    "svd": test_svd,
    "svdvals": test_svd_full_matrices_and_svdvals,
    "tensordot": test_array_api_names,
    "tensorinv": test_tensorsolve_tensorinv,
    "tensorsolve": test_tensorsolve_tensorinv,
    "trace": test_array_api_names,
    "vecdot": test_array_api_names,
    "vector_norm": test_vector_and_matrix_norm,
}
# no gradient: an exception class, and an integer result
NOT_DIFFERENTIABLE = {"LinAlgError", "matrix_rank"}


def test_second_order_coverage() -> None:
    names = set(anp.linalg.__all__)
    assert set(SECOND) | NOT_DIFFERENTIABLE == names
    assert not set(SECOND) & NOT_DIFFERENTIABLE
    for name in names:
        assert hasattr(anp.linalg, name)


# ----- the factorisations to third order, and cotangents that are all zero -----

THIRD: list[tuple[str, Case, Callable[[], Arr]]] = [
    (
        "eigh",
        lambda m, x: m.linalg.eigh(x)[0][-1] * m.linalg.eigh(x)[1][0, 1] ** 2,
        lambda: _spd(61, (3, 3)),
    ),
    (
        "svd",
        lambda m, x: (
            m.sum(m.linalg.svd(x, full_matrices=False)[0] ** 2 * np.arange(2.0))
            + m.linalg.svd(x)[1][0] ** 2
        ),
        lambda: _rect(62, (3, 2)),
    ),
    (
        "qr",
        lambda m, x: (
            m.sum(m.linalg.qr(x)[1] ** 2 * np.arange(4.0).reshape(2, 2))
            + m.linalg.qr(x)[0][0, 1] ** 2
        ),
        lambda: _rect(63, (3, 2)),
    ),
    (
        "cholesky",
        lambda m, x: m.sum(m.sin(m.linalg.cholesky(_sym(m, x)))),
        lambda: _spd(64, (2, 2)),
    ),
    (
        "eig",
        lambda m, x: m.linalg.eig(x)[0][0] * m.linalg.eig(x)[1][1, 0] ** 2,
        lambda: _real_eig(65, (2, 2)),
    ),
    (
        "solve",
        lambda m, x: m.sum(m.sin(m.linalg.solve(x, np.array([1.0, -0.5])))),
        lambda: _general(66, (2, 2)),
    ),
]


@pytest.mark.parametrize(("name", "f", "make"), THIRD, ids=[t[0] for t in THIRD])
def test_third_order(name: str, f: Case, make: Callable[[], Arr]) -> None:
    x = make()
    with MustBatch():
        third = ad.jacobian(ad.hessian(lambda v: f(anp, v)), mode="reverse")(x)
    h = ad.hessian(lambda v: f(anp, v))
    np.testing.assert_allclose(third, fd_jacobian(h, [x], 0, eps=1e-5), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda v: anp.linalg.eigh(v)[0] * 0.0, _spd(71, (2, 3, 3))),
        (lambda v: anp.linalg.eig(v)[1] * 0.0, _real_eig(72, (3, 3))),
        (lambda v: anp.linalg.svd(v, full_matrices=False)[2] * 0.0, _rect(73, (4, 2))),
        (lambda v: anp.linalg.qr(v)[0] * 0.0, _rect(74, (2, 3))),
    ],
)
def test_zero_cotangents_keep_the_batch(f: Case, x: Arr) -> None:
    # every part of the tuple cotangent is zero: the zero gradient still has the batch dims
    with MustBatch():
        jac = ad.jacobian(f, mode="reverse")(x)
    out_shape = np.shape(ad.eval_bp(f, x))
    np.testing.assert_array_equal(jac, np.zeros(out_shape + x.shape))
