"""optic_ad.scipy.linalg: values against scipy, gradients against autograd.scipy.linalg (or,
where autograd is wrong or missing, against an oracle written from dense numpy operations)
and finite differences, Jacobians with the batched seed, and Hessians.

Each case is ``f(m, *xs)``: ``m`` is ``optic_ad.numpy``, ``numpy`` or ``autograd.numpy`` and
:func:`la` picks the matching ``linalg`` namespace (ours, scipy's or autograd's).
"""

from __future__ import annotations

import importlib
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.scipy import linalg
from tests.helpers import fd_partial
from tests.test_np_reductions import check

# (autograd.scipy has no stubs in typings/)
ag_linalg: Any = importlib.import_module("autograd.scipy.linalg")


def la(m: Any) -> Any:
    """The ``linalg`` namespace that goes with the numpy namespace ``m``."""
    if m is anp:
        return linalg
    if m is agnp:
        return ag_linalg
    return scipy.linalg


def _x(shape: tuple[int, ...], seed: int) -> Any:
    return np.random.default_rng(seed).normal(size=shape)


def _tri_matrix(n: int, seed: int) -> Any:
    # well conditioned on either triangle: a dominant diagonal
    return _x((n, n), seed) * 0.5 + 3.0 * np.eye(n)


# ----- solve_triangular -----


def _tri_case(trans: Any, lower: bool, unit: bool) -> Any:
    def f(m: Any, a: Any, b: Any) -> Any:
        if m is agnp and unit:
            # autograd ignores unit_diagonal in its rules: give it the unit diagonal itself
            tri = m.tril(a, -1) if lower else m.triu(a, 1)
            a = tri + np.eye(a.shape[0])
            return la(m).solve_triangular(a, b, trans=trans, lower=lower)
        return la(m).solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit)

    return f


@pytest.mark.parametrize("unit", [False, True])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("trans", [0, 1, 2, "N", "T", "C"])
@pytest.mark.parametrize("bshape", [(3,), (3, 2)])
def test_solve_triangular(bshape: tuple[int, ...], trans: Any, lower: bool, unit: bool) -> None:
    check(_tri_case(trans, lower, unit), [_tri_matrix(3, 0), _x(bshape, 1)])


def test_solve_triangular_ignores_the_other_triangle() -> None:
    a = _tri_matrix(3, 2)
    b = _x((3,), 3)
    ga = ad.grad(lambda v: anp.sum(anp.sin(linalg.solve_triangular(v, b, lower=True))))(a)
    assert np.all(np.triu(ga, 1) == 0.0)
    assert np.all(ga[np.tril_indices(3)] != 0.0)
    gu = ad.grad(
        lambda v: anp.sum(anp.sin(linalg.solve_triangular(v, b, lower=True, unit_diagonal=True)))
    )(a)
    assert np.all(np.triu(gu) == 0.0)
    assert np.all(gu[np.tril_indices(3, -1)] != 0.0)


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(1, 4),
    k=st.sampled_from([None, 1, 3]),
    trans=st.sampled_from([0, 1]),
    lower=st.booleans(),
    unit=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_solve_triangular_random(
    n: int, k: int | None, trans: int, lower: bool, unit: bool, seed: int
) -> None:
    bshape = (n,) if k is None else (n, k)
    check(
        _tri_case(trans, lower, unit),
        [_tri_matrix(n, seed), _x(bshape, seed + 1)],
        hessian=False,
    )


# ----- solve_banded -----


def _band(l: int, u: int, n: int, seed: int) -> Any:
    ab = _x((l + u + 1, n), seed) * 0.5
    ab[u] += 4.0  # a dominant main diagonal
    return ab


def _dense(m: Any, l: int, u: int, ab: Any) -> Any:
    """The matrix ``A`` of the band storage ``ab`` (``ab[u + i - j, j] == A[i, j]``)."""
    n = ab.shape[1]
    out = 0.0
    for r in range(l + u + 1):
        k = u - r  # the diagonal ab[r] holds
        if abs(k) >= n:
            continue
        row = ab[r, k:] if k >= 0 else ab[r, : n + k]
        out = out + m.diag(row, k)
    return out


def _banded_case(l: int, u: int) -> Any:
    def f(m: Any, ab: Any, b: Any) -> Any:
        if m is agnp:
            # autograd's rule for ab is wrong for a matrix b (an (l+u+1, n*k) array): a dense
            # solve is the oracle
            return m.linalg.solve(_dense(m, l, u, ab), b)
        return la(m).solve_banded((l, u), ab, b)

    return f


@pytest.mark.parametrize("bshape", [(4,), (4, 2)])
@pytest.mark.parametrize(("l", "u"), [(1, 1), (0, 2), (2, 0), (1, 2), (0, 0), (3, 1)])
def test_solve_banded(l: int, u: int, bshape: tuple[int, ...]) -> None:
    check(_banded_case(l, u), [_band(l, u, 4, 0), _x(bshape, 1)])


@pytest.mark.parametrize(("l", "u"), [(1, 1), (0, 2), (2, 1)])
def test_solve_banded_against_autograd_for_a_vector(l: int, u: int) -> None:
    ab, b = _band(l, u, 5, 2), _x((5,), 3)

    def loss(m: Any, ab: Any, b: Any) -> Any:
        return m.sum(m.sin(la(m).solve_banded((l, u), ab, b)))

    ours = ad.grad(lambda *v: loss(anp, *v), argnums=(0, 1))(ab, b)
    theirs = [autograd.grad(lambda *v: loss(agnp, *v), i)(ab, b) for i in (0, 1)]
    for x, y in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)


def test_solve_banded_corners_get_no_gradient() -> None:
    # the corners of the storage outside the matrix are not read
    l, u = 2, 1
    ab, b = _band(l, u, 4, 4), _x((4,), 5)
    g = ad.grad(lambda v: anp.sum(anp.sin(linalg.solve_banded((l, u), v, b))))(ab)
    # ab[r, j] is A[r + j - u, j]: row -1 or rows 4, 5 of a 4 x 4 matrix
    for r, j in [(0, 0), (2, 3), (3, 2), (3, 3)]:
        assert g[r, j] == 0.0
    assert np.count_nonzero(g) == g.size - 4


# ----- solve_sylvester and sqrtm -----


def _sylvester_inputs(m: int, n: int, seed: int) -> list[Any]:
    return [
        _x((m, m), seed) * 0.5 + 2.0 * np.eye(m),
        _x((n, n), seed + 1) * 0.5 + 2.0 * np.eye(n),
        _x((m, n), seed + 2),
    ]


@pytest.mark.parametrize(("m", "n"), [(3, 2), (2, 2), (1, 3)])
def test_solve_sylvester(m: int, n: int) -> None:
    check(lambda mm, a, b, q: la(mm).solve_sylvester(a, b, q), _sylvester_inputs(m, n, 0))


def _spd(n: int, seed: int) -> Any:
    x = _x((n, n), seed)
    return x @ x.T + np.eye(n)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_sqrtm(n: int) -> None:
    check(lambda m, a: la(m).sqrtm(a), [_spd(n, n)])


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_sqrtm_and_sylvester_random(n: int, seed: int) -> None:
    check(lambda m, a: la(m).sqrtm(a), [_spd(n, seed)], hessian=False)
    check(
        lambda mm, a, b, q: la(mm).solve_sylvester(a, b, q),
        _sylvester_inputs(n, 2, seed),
        hessian=False,
    )


def test_sqrtm_third_derivative() -> None:
    base, d = _spd(2, 7), _x((2, 2), 8)

    def f(t: Any) -> Any:
        return anp.sum(anp.sin(linalg.sqrtm(base + t * d)))

    d2 = ad.derivative(ad.derivative(f))
    d3 = ad.derivative(d2)(0.1)
    eps = 1e-5
    np.testing.assert_allclose(d3, (d2(0.1 + eps) - d2(0.1 - eps)) / (2 * eps), rtol=1e-5)


# ----- plain values and errors -----


def test_plain_inputs_get_scipy_results() -> None:
    a, b = _tri_matrix(3, 0), _x((3, 2), 1)
    np.testing.assert_array_equal(
        linalg.solve_triangular(a, b, trans="T", lower=True),
        scipy.linalg.solve_triangular(a, b, trans="T", lower=True),
    )
    ab = _band(1, 1, 3, 2)
    np.testing.assert_array_equal(
        linalg.solve_banded((1, 1), ab, b), scipy.linalg.solve_banded((1, 1), ab, b)
    )
    s = _sylvester_inputs(3, 2, 3)
    np.testing.assert_array_equal(linalg.solve_sylvester(*s), scipy.linalg.solve_sylvester(*s))
    np.testing.assert_array_equal(linalg.sqrtm(_spd(3, 4)), scipy.linalg.sqrtm(_spd(3, 4)))
    neg = np.array([[1.0, 2.0], [3.0, -4.0]])
    assert np.iscomplexobj(linalg.sqrtm(neg))  # scipy's complex root, on plain values


def test_a_list_beside_a_bvar() -> None:
    a = [[2.0, 0.0], [1.0, 4.0]]
    g = ad.grad(lambda b: anp.sum(linalg.solve_triangular(a, b, lower=True)))(np.ones(2))
    np.testing.assert_allclose(g, [0.375, 0.25])


def _grad_of(f: Any, *xs: Any) -> Any:
    return ad.grad(lambda *v: anp.sum(f(*v)), argnums=tuple(range(len(xs))))(*xs)


def test_errors() -> None:
    a, b = _tri_matrix(2, 0), np.ones(2)
    with pytest.raises(ValueError, match="invalid trans"):
        _grad_of(lambda x: linalg.solve_triangular(a, x, trans="X"), b)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match="solve_triangular: complex"):
        _grad_of(lambda x: linalg.solve_triangular(a + 1j, x), b)
    with pytest.raises(NotImplementedError, match="solve_triangular: on BVars b"):
        _grad_of(lambda x: linalg.solve_triangular(a, x), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="l\\+u\\+1"):
        _grad_of(lambda x: linalg.solve_banded((1, 1), np.ones((2, 2)), x), b)
    with pytest.raises(NotImplementedError, match="solve_banded: on BVars ab"):
        _grad_of(lambda x: linalg.solve_banded((0, 0), np.ones((1, 2, 2)), x), b)
    with pytest.raises(NotImplementedError, match="solve_sylvester: on BVars q"):
        _grad_of(lambda x: linalg.solve_sylvester(a, a, x), b)
    with pytest.raises(ValueError, match="sqrtm: the square root of this matrix is complex"):
        _grad_of(linalg.sqrtm, np.array([[1.0, 2.0], [3.0, -4.0]]))
    with pytest.raises(NotImplementedError, match="sqrtm: on BVars A"):
        _grad_of(linalg.sqrtm, np.ones((2, 2, 2)))


def test_gradients_are_exact_enough_for_an_ill_scaled_triangle() -> None:
    # the finite-difference oracle on its own, on a badly scaled (but regular) triangle
    a = np.array([[1e-2, 0.0, 0.0], [1.0, 1.0, 0.0], [5.0, -3.0, 2e2]])
    b = np.array([1.0, 2.0, 3.0])

    def loss(m: Any, a: Any, b: Any) -> Any:
        return m.sum(m.tanh(la(m).solve_triangular(a, b, lower=True) * 1e-2))

    ga, gb = ad.grad(lambda *v: loss(anp, *v), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(
        gb, fd_partial(lambda *v: loss(np, *v), [a, b], 1), rtol=1e-5, atol=1e-8
    )
    np.testing.assert_allclose(
        np.tril(ga), fd_partial(lambda *v: loss(np, *v), [a, b], 0), rtol=1e-4, atol=1e-8
    )


def _chol_case(lower: bool) -> tuple[Any, Any]:
    # a symmetrised input: scipy reads one triangle, the rule gives the symmetric gradient
    def sym(m: Any, a: Any) -> Any:
        return (a + m.transpose(a)) * 0.5 + 3.0 * np.eye(3)

    def f(m: Any, a: Any) -> Any:
        return la(m).cholesky(sym(m, a), lower=lower)

    def oracle(m: Any, a: Any) -> Any:
        factor = m.linalg.cholesky(sym(m, a))  # autograd.scipy has no cholesky
        return factor if lower else m.transpose(factor)

    return f, oracle


@pytest.mark.parametrize("lower", [False, True])
def test_cholesky(lower: bool) -> None:
    f, oracle = _chol_case(lower)
    a = _x((3, 3), 5)
    np.testing.assert_array_equal(
        linalg.cholesky(a @ a.T + 3 * np.eye(3), lower=lower),
        scipy.linalg.cholesky(a @ a.T + 3 * np.eye(3), lower=lower),
    )
    check(f, [a], oracle=oracle)


# every differentiable name of the module, with its first- and second-order test above
# (check() takes Hessians unless told not to)
ORDERS = {
    "cholesky": ("test_cholesky", "test_cholesky"),
    "solve_triangular": ("test_solve_triangular", "test_solve_triangular"),
    "solve_banded": ("test_solve_banded", "test_solve_banded"),
    "solve_sylvester": ("test_solve_sylvester", "test_solve_sylvester"),
    "sqrtm": ("test_sqrtm", "test_sqrtm_third_derivative"),
}


def test_every_name_has_first_and_second_order_cases() -> None:
    assert set(linalg.__all__) == set(ORDERS)
    for first, second in ORDERS.values():
        assert callable(globals()[first])
        assert callable(globals()[second])
