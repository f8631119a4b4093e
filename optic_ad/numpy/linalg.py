"""Lifted ``numpy.linalg``: the same names and signatures as numpy's, differentiable on BVars.

On plain values every function returns what ``numpy.linalg`` returns. On a BVar each
factorisation records one node (``det``, ``slogdet``, ``inv``, ``pinv``, ``solve``,
``cholesky``, ``eigh``, ``eig``, ``svd``, ``qr``) and the rest are compositions of those
and of `optic_ad.numpy.core` (``norm``, ``matrix_power``, ``multi_dot``, ``cond``,
``lstsq``...). Every rule is written with lifted functions (``matmul``, ``swapaxes``,
this module's ``solve`` and ``inv``), so it differentiates again, and accepts extra
leading dimensions on its cotangent (``...``, negative axes, ``swapaxes(-1, -2)``), so
a Jacobian or Hessian is pulled back in one batched pass. Stacks of matrices (leading
dimensions) are accepted wherever numpy accepts them.

Conventions, as autograd's (the oracle of the tests):

* ``eigh`` reads one triangle (``UPLO``) of its input, and its gradient is the true
  derivative of that: it is zero on the other triangle.
* ``cholesky`` also reads the lower triangle only, but its gradient is the symmetric
  one (the derivative along symmetric perturbations), as autograd and JAX give.
* ``eig`` of a real matrix may have complex outputs; for a holomorphic step the
  vector-Jacobian product is ``g * f'(z)``, without conjugation, and the gradient of the
  real input is the real part.
* Eigenvector and singular-vector gradients need distinct eigenvalues (singular
  values); a cotangent of the values alone is always fine.

Import as ``from optic_ad import numpy as anp`` and use ``anp.linalg.solve(...)``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

import optic_ad.numpy.core as _core
from optic_ad.bvar import BVar, Prim, lift, plain
from optic_ad.numpy.core import (
    abs,
    concatenate,
    conj,
    expand_dims,
    matmul,
    max,
    min,
    moveaxis,
    real,
    reshape,
    sqrt,
    squeeze,
    sum,
    swapaxes,
    transpose,
    tril,
    unbroadcast,
)

__all__ = [
    "LinAlgError",
    "cholesky",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "matrix_transpose",
    "multi_dot",
    "norm",
    "outer",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "tensordot",
    "tensorinv",
    "tensorsolve",
    "trace",
    "vecdot",
    "vector_norm",
]

T = TypeVar("T")

LinAlgError = np.linalg.LinAlgError

# numpy untyped: its stubs do not take our Any-typed values or BVars
_la: Any = np.linalg


# ----- helpers of the rules -----


def _shape(x: Any) -> tuple[int, ...]:
    return np.shape(plain(x))


def _ndim(x: Any) -> int:
    return np.ndim(plain(x))


def _mt(x: Any) -> Any:
    """The matrix transpose of the last two axes (batch dims in front are kept)."""
    return swapaxes(x, -1, -2)


def _given(g: Any) -> bool:
    """Whether a part of a tuple cotangent may be nonzero: the engine fills the parts
    nobody used with plain zeros, whose terms are skipped (they would also carry no batch
    dims in a batched pass, and eigenvector terms are singular for repeated eigenvalues)."""
    return not (type(g) is np.ndarray and not g.any())


def _zero_ct(g: Any, ans: Any, a: Any) -> Any:
    """The zero cotangent of ``a`` when every part of a tuple cotangent ``g`` is zero, with
    the batch dims the parts carry (those of a batched pass)."""
    batch: tuple[int, ...] = ()
    for gp, ap in zip(g, ans, strict=True):
        gs = _shape(gp)
        b = gs[: len(gs) - _ndim(ap)]
        batch = b if len(b) > len(batch) else batch
    return np.zeros(batch + _shape(a))


def _parts(res: BVar[Any]) -> Any:
    """numpy's result tuple (``EighResult``, ``SVDResult``...) of the parts of a BVar of
    one: it unpacks, indexes and has numpy's field names."""
    pv = plain(res)
    return type(pv)(*(res[i] for i in range(len(pv))))


def _real_only(name: str, *xs: Any) -> None:
    """Complex BVars are refused where the rule is written for real values only."""
    for x in xs:
        if type(x) is BVar and np.iscomplexobj(plain(x)):
            msg = (
                f"optic_ad.numpy.linalg.{name} differentiates real inputs only, "
                f"not {plain(x).dtype}"
            )
            raise TypeError(msg)


def _mat(x: Any) -> Any:
    """A cotangent of a stack of scalars as a stack of 1x1 matrices (for broadcasting)."""
    return expand_dims(x, (-2, -1))


def _to_shape(g: Any, shape: tuple[int, ...], out_nd: int) -> Any:
    """Sum ``g`` (a cotangent of a result of ``out_nd`` dims, plus batch dims in front)
    back to an operand of ``shape`` broadcast against it."""
    gs = _shape(g)
    if gs[len(gs) - len(shape) :] == shape and len(shape) == out_nd:
        return g
    return unbroadcast(g, shape, out_nd)


def _eye(n: int) -> Any:
    return np.eye(n)


def _off(n: int) -> Any:
    return 1.0 - np.eye(n)


def _normalize_axis(axis: int, nd: int) -> int:
    out: int = np.lib.array_utils.normalize_axis_index(axis, nd)
    return out


def _check_square(a: Any, name: str) -> None:
    s = _shape(a)
    if len(s) < 2:
        msg = f"{len(s)}-dimensional array given. Array must be at least two-dimensional"
        raise LinAlgError(msg)
    if s[-1] != s[-2]:
        msg = "Last 2 dimensions of the array must be square"
        raise LinAlgError(msg)


def _bvar_in(*xs: Any) -> bool:
    return builtins.any(type(x) is BVar for x in xs)


def _as_arr(x: Any) -> Any:
    return x if type(x) is BVar else np.asarray(x)


# ----- determinants -----


def _det_vjp(g: Any, ans: Any, a: Any) -> Any:
    return _mat(g * ans) * _mt(inv(a))


_DET = Prim("det", _la.det, (_det_vjp,), batch_safe=True)


def det(a: Any) -> Any:
    """``numpy.linalg.det``: the determinant of a square matrix (or of each in a stack).

    Its gradient is ``det(a) * inv(a).T``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
        >>> round(float(anp.linalg.det(a)), 12)
        5.0
        >>> ad.grad(anp.linalg.det)(a)
        array([[ 3., -1.],
               [-1.,  2.]])
    """
    if type(a) is not BVar:
        return _la.det(a)
    _check_square(a, "det")
    return lift(_DET, (a,), {})


_LOGDET = Prim(
    "slogdet",
    lambda a: _la.slogdet(a)[1],
    (lambda g, ans, a: _mat(g) * _mt(inv(a)),),
    batch_safe=True,
)


def slogdet(a: Any) -> Any:
    """``numpy.linalg.slogdet``: ``(sign, logabsdet)`` of a square matrix (or stack).

    The sign is piecewise constant, so it is a plain value even for a BVar; ``logabsdet``
    is differentiable, with gradient ``inv(a).T``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
        >>> sign, logdet = anp.linalg.slogdet(-a)
        >>> float(sign), round(float(logdet), 6)
        (1.0, 1.609438)
        >>> ad.grad(lambda m: anp.linalg.slogdet(m)[1])(a)
        array([[ 0.6, -0.2],
               [-0.2,  0.4]])
    """
    if type(a) is not BVar:
        return _la.slogdet(a)
    _real_only("slogdet", a)
    _check_square(a, "slogdet")
    res = _la.slogdet(plain(a))
    return type(res)(res.sign, lift(_LOGDET, (a,), {}))


# ----- inverses and solves -----


_INV = Prim(
    "inv",
    _la.inv,
    (lambda g, ans, a: -matmul(matmul(_mt(ans), g), _mt(ans)),),
    batch_safe=True,
)


def inv(a: T) -> T:
    """``numpy.linalg.inv``: the inverse of a square matrix (or of each in a stack).

    Its vector-Jacobian product is ``-inv(a).T @ g @ inv(a).T``.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[2.0, 0.0], [0.0, 4.0]])
        >>> anp.linalg.inv(a)
        array([[0.5 , 0.  ],
               [0.  , 0.25]])
        >>> ad.grad(lambda m: anp.sum(anp.linalg.inv(m)))(a)
        array([[-0.25  , -0.125 ],
               [-0.125 , -0.0625]])
    """
    if type(a) is not BVar:
        return _la.inv(a)  # type: ignore[no-any-return]
    _check_square(a, "inv")
    return lift(_INV, (a,), {})  # type: ignore[no-any-return]


def _pinv_fwd(a: Any, **kw: Any) -> Any:
    return _la.pinv(a, **kw)


def _pinv_vjp(g: Any, ans: Any, a: Any, **kw: Any) -> Any:
    # the derivative of the pseudo-inverse at constant rank (Golub and Pereyra)
    m, n = _shape(a)[-2:]
    gt = _mt(g)
    term1 = -matmul(matmul(ans, gt), ans)
    term2 = matmul(matmul(matmul(ans, _mt(ans)), g), _eye(m) - matmul(a, ans))
    term3 = matmul(matmul(matmul(_eye(n) - matmul(ans, a), g), _mt(ans)), ans)
    return _mt(term1 + term2 + term3)


_PINV = Prim("pinv", _pinv_fwd, (_pinv_vjp,), batch_safe=True)

_NO_VALUE: Any = object()


def pinv(a: T, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _NO_VALUE) -> T:
    """``numpy.linalg.pinv``: the Moore-Penrose pseudo-inverse (singular values below
    ``rcond`` or ``rtol`` times the largest are dropped).

    Its gradient is the derivative at constant rank.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[1.0], [2.0]])
        >>> anp.linalg.pinv(a)
        array([[0.2, 0.4]])
        >>> ad.grad(lambda m: anp.sum(anp.linalg.pinv(m)))(a)
        array([[-0.04],
               [-0.28]])
    """
    kw: dict[str, Any] = {"rcond": plain(rcond), "hermitian": hermitian}
    if rtol is not _NO_VALUE:
        kw["rtol"] = plain(rtol)
    if type(a) is not BVar:
        return _la.pinv(a, **kw)  # type: ignore[no-any-return]
    _real_only("pinv", a)
    return lift(_PINV, (a,), kw)  # type: ignore[no-any-return]


def _solve_ga(g: Any, ans: Any, a: Any, b: Any) -> Any:
    out_nd = _ndim(ans)
    if _ndim(b) == 1:
        gb = solve(_mt(a), expand_dims(g, -1))
        ga = -matmul(gb, expand_dims(ans, -2))
        return _to_shape(ga, _shape(a), out_nd + 1)
    gb = solve(_mt(a), g)
    return _to_shape(-matmul(gb, _mt(ans)), _shape(a), out_nd)


def _solve_gb(g: Any, ans: Any, a: Any, b: Any) -> Any:
    out_nd = _ndim(ans)
    vec = _ndim(b) == 1
    gb = squeeze(solve(_mt(a), expand_dims(g, -1)), -1) if vec else solve(_mt(a), g)
    return _to_shape(gb, _shape(b), out_nd)


_SOLVE = Prim("solve", _la.solve, (_solve_ga, _solve_gb), batch_safe=True)


def solve(a: Any, b: Any) -> Any:
    """``numpy.linalg.solve``: ``x`` with ``a @ x == b``. As in numpy 2, ``b`` is a vector
    when it is 1-d, and a (stack of) matrices otherwise; stacks broadcast.

    Both ``a`` and ``b`` are differentiable.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a, b = np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0])
        >>> anp.linalg.solve(a, b)
        array([0.5 , 0.25])
        >>> ad.grad(lambda v: anp.sum(anp.linalg.solve(a, v)))(b)
        array([0.5 , 0.25])
    """
    if not _bvar_in(a, b):
        return _la.solve(a, b)
    a, b = _as_arr(a), _as_arr(b)
    _check_square(a, "solve")
    return lift(_SOLVE, (a, b), {})


def tensorinv(a: Any, ind: int = 2) -> Any:
    """``numpy.linalg.tensorinv``: the inverse of ``a`` seen as a matrix whose rows are the
    first ``ind`` axes (a reshape, `inv` and a reshape).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.eye(4).reshape(4, 2, 2) * 2.0
        >>> anp.linalg.tensorinv(a, ind=1).shape
        (2, 2, 4)
        >>> float(ad.grad(lambda t: anp.sum(anp.linalg.tensorinv(t, ind=1)))(a)[0, 0, 0])
        -0.25
    """
    if type(a) is not BVar:
        return _la.tensorinv(a, ind)
    old = _shape(a)
    if ind <= 0:
        msg = "Invalid ind argument."
        raise ValueError(msg)
    invshape = old[ind:] + old[:ind]
    rows = int(np.prod(old[ind:]))
    ia = inv(reshape(a, (rows, -1)))
    return reshape(ia, invshape)


def tensorsolve(a: Any, b: Any, axes: Sequence[int] | None = None) -> Any:
    """``numpy.linalg.tensorsolve``: ``x`` with ``tensordot(a, x, x.ndim) == b`` (a
    transpose, reshapes and `solve`); ``a`` and ``b`` are differentiable.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a, b = np.eye(4).reshape(2, 2, 2, 2) * 2.0, np.ones((2, 2))
        >>> anp.linalg.tensorsolve(a, b)
        array([[0.5, 0.5],
               [0.5, 0.5]])
        >>> ad.grad(lambda v: anp.sum(anp.linalg.tensorsolve(a, v)))(b)
        array([[0.5, 0.5],
               [0.5, 0.5]])
    """
    if not _bvar_in(a, b):
        return _la.tensorsolve(a, b, axes)
    a, b = _as_arr(a), _as_arr(b)
    an = _ndim(a)
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k)
            allaxes.insert(an, k)
        a = transpose(a, allaxes)
    sa = _shape(a)
    old = sa[-(an - _ndim(b)) :]
    n = int(np.prod(old))
    if int(np.prod(sa)) != n**2:
        msg = (
            "Input arrays must satisfy the requirement "
            "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])"
        )
        raise LinAlgError(msg)
    x = solve(reshape(a, (n, n)), reshape(b, (-1,)))
    return reshape(x, old)


# ----- Cholesky -----


def _cholesky_vjp(g: Any, ans: Any, a: Any) -> Any:
    # Iain Murray, "Differentiation of the Cholesky decomposition" (arXiv:1602.07527):
    # S = L^-T phi(L^T g) L^-1, phi taking the lower triangle with a halved diagonal;
    # the symmetric part of S is the gradient along symmetric perturbations
    n = _shape(ans)[-1]
    phi = tril(matmul(_mt(ans), g)) * (1.0 - 0.5 * _eye(n))
    lt = _mt(ans)
    s = solve(lt, _mt(solve(lt, _mt(phi))))
    return (s + _mt(s)) * 0.5


_CHOLESKY = Prim("cholesky", _la.cholesky, (_cholesky_vjp,), batch_safe=True)


def cholesky(a: T, /, *, upper: bool = False) -> T:
    """``numpy.linalg.cholesky``: the lower-triangular ``L`` with ``a == L @ L.T`` (or the
    upper ``L.T`` with ``upper=True``) of a symmetric positive-definite matrix (or stack).

    numpy reads the lower triangle only; the gradient is the symmetric one (the
    derivative along symmetric perturbations), as autograd and JAX give.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[4.0, 2.0], [2.0, 5.0]])
        >>> anp.linalg.cholesky(a)
        array([[2., 0.],
               [1., 2.]])
        >>> ad.grad(lambda m: anp.sum(anp.linalg.cholesky(m)))(a)
        array([[0.1875, 0.125 ],
               [0.125 , 0.25  ]])
    """
    if type(a) is not BVar:
        return _la.cholesky(a, upper=upper)  # type: ignore[no-any-return]
    _real_only("cholesky", a)
    _check_square(a, "cholesky")
    low = lift(_CHOLESKY, (a,), {})
    return _mt(low) if upper else low  # type: ignore[no-any-return]


# ----- eigendecompositions -----


def _eigh_vjp(g: Any, ans: Any, a: Any, *, UPLO: str) -> Any:
    w, v = ans
    gw, gv = g
    n = _shape(a)[-1]
    vt = _mt(v)
    r: Any = None
    if _given(gw):
        r = matmul(v * expand_dims(gw, -2), vt)
    if _given(gv):
        # F[i, j] = 1 / (w_j - w_i) off the diagonal
        f = _off(n) / (expand_dims(w, -2) - expand_dims(w, -1) + _eye(n))
        part = matmul(matmul(v, f * matmul(vt, gv)), vt)
        r = part if r is None else r + part
    if r is None:
        return _zero_ct(g, ans, a)
    # r is the gradient along symmetric perturbations; numpy reads one triangle only
    tri = np.tril(np.ones((n, n)), -1) if UPLO == "L" else np.triu(np.ones((n, n)), 1)
    return r * _eye(n) + (r + _mt(r)) * tri


_EIGH = Prim("eigh", lambda a, *, UPLO: _la.eigh(a, UPLO), (_eigh_vjp,), batch_safe=True)


def eigh(a: Any, UPLO: str = "L") -> Any:
    """``numpy.linalg.eigh``: ``(eigenvalues, eigenvectors)`` of a symmetric matrix (or
    stack), eigenvalues ascending, from its ``UPLO`` (``"L"`` or ``"U"``) triangle.

    The result unpacks as a pair. The gradient is that of a function of the ``UPLO``
    triangle (zero on the other one); the eigenvector part needs distinct eigenvalues.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[2.0, 1.0], [1.0, 2.0]])
        >>> w, v = anp.linalg.eigh(a)
        >>> w
        array([1., 3.])
        >>> ad.grad(lambda m: anp.linalg.eigh(m)[0][1])(a)
        array([[0.5, 0. ],
               [1. , 0.5]])
    """
    if type(a) is not BVar:
        return _la.eigh(a, UPLO)
    _real_only("eigh", a)
    UPLO = UPLO.upper()
    if UPLO not in ("L", "U"):
        msg = "UPLO argument must be 'L' or 'U'"
        raise ValueError(msg)
    _check_square(a, "eigh")
    return _parts(lift(_EIGH, (a,), {"UPLO": UPLO}))


def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """``numpy.linalg.eigvalsh``: the eigenvalues of a symmetric matrix, ascending (the
    first part of `eigh`).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[2.0, 1.0], [1.0, 2.0]])
        >>> ad.grad(lambda m: anp.sum(anp.linalg.eigvalsh(m) ** 2))(a)
        array([[4., 0.],
               [4., 4.]])
    """
    if type(a) is not BVar:
        return _la.eigvalsh(a, UPLO)
    return eigh(a, UPLO)[0]


def _eig_vjp(g: Any, ans: Any, a: Any) -> Any:
    # Boeddeker et al., "On the computation of complex-valued gradients with application
    # to statistically optimum beamforming" (arXiv:1701.00392), eq. 4.77
    e, u = ans
    ge, gu = g
    n = _shape(a)[-1]
    ut = _mt(u)
    mid: Any = None
    if _given(ge):
        mid = expand_dims(ge, -2) * _eye(n)
    if _given(gu):
        f = _off(n) / (expand_dims(e, -2) - expand_dims(e, -1) + _eye(n))
        utgu = matmul(ut, gu)
        part = f * utgu - f * matmul(matmul(ut, conj(u)), real(utgu) * _eye(n))
        mid = part if mid is None else mid + part
    if mid is None:
        return _zero_ct(g, ans, a)
    r = solve(ut, matmul(mid, ut))
    return r if np.iscomplexobj(plain(a)) else real(r)


_EIG = Prim("eig", _la.eig, (_eig_vjp,), batch_safe=True)


def eig(a: Any) -> Any:
    """``numpy.linalg.eig``: ``(eigenvalues, eigenvectors)`` of a square matrix (or stack);
    complex when the eigenvalues are (numpy's real arrays when all are real).

    The result unpacks as a pair. For complex outputs the cotangent convention is
    autograd's; the eigenvector part needs distinct eigenvalues, and only functions that
    do not depend on each eigenvector's arbitrary phase (sign) are meaningful.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[2.0, 1.0], [0.0, 3.0]])
        >>> anp.linalg.eig(a)[0]
        array([2., 3.])
        >>> ad.grad(lambda m: anp.linalg.eig(m)[0][1])(a)
        array([[0., 0.],
               [1., 1.]])
    """
    if type(a) is not BVar:
        return _la.eig(a)
    _check_square(a, "eig")
    return _parts(lift(_EIG, (a,), {}))


def eigvals(a: Any) -> Any:
    """``numpy.linalg.eigvals``: the eigenvalues of a square matrix (the first part of
    `eig`).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[2.0, 1.0], [0.0, 3.0]])
        >>> ad.grad(lambda m: anp.sum(anp.linalg.eigvals(m)))(a)
        array([[1., 0.],
               [0., 1.]])
    """
    if type(a) is not BVar:
        return _la.eigvals(a)
    return eig(a)[0]


# ----- singular values and QR -----


def _svd_vjp(g: Any, ans: Any, a: Any, *, full_matrices: bool) -> Any:
    # J. Townsend, "Differentiating the singular value decomposition" (2016), and
    # Wan and Zhang (arXiv:1909.02659) for the non-square terms
    u, s, vh = ans
    gu, gs, gvh = g
    m, n = _shape(a)[-2:]
    k = builtins.min(m, n)
    if full_matrices and m != n:
        # the columns of u (rows of vh) past k are not unique: a gradient through them is
        # not defined, and the others are those of the reduced svd
        for part, extra in (
            (gu, (Ellipsis, slice(None), slice(k, None))),
            (gvh, (Ellipsis, slice(k, None), slice(None))),
        ):
            if np.any(plain(part)[extra]):
                msg = (
                    "svd: the gradient through the columns of u (rows of vh) past "
                    "min(m, n) is not defined: use full_matrices=False"
                )
                raise NotImplementedError(msg)
        u, gu = u[..., :, :k], gu[..., :, :k]
        vh, gvh = vh[..., :k, :], gvh[..., :k, :]
    r: Any = None
    if _given(gs):
        r = matmul(u * expand_dims(gs, -2), vh)
    wu, wv = _given(gu), _given(gvh)
    if wu or wv:
        s2 = s * s
        # F[i, j] = 1 / (s_j^2 - s_i^2) off the diagonal
        f = _off(k) / (expand_dims(s2, -2) - expand_dims(s2, -1) + _eye(k))
        t: Any = None
        if wu:
            utgu = matmul(_mt(u), gu)
            t = f * (utgu - _mt(utgu)) * expand_dims(s, -2)
        if wv:
            vtgv = matmul(vh, _mt(gvh))
            part = expand_dims(s, -1) * (f * (vtgv - _mt(vtgv)))
            t = part if t is None else t + part
        inner = matmul(matmul(u, t), vh)
        if m < n and wv:
            proj = _eye(n) - matmul(_mt(vh), vh)
            inner = inner + matmul(matmul(u / expand_dims(s, -2), gvh), proj)
        if m > n and wu:
            proj = _eye(m) - matmul(u, _mt(u))
            inner = inner + matmul(matmul(proj, gu), vh / expand_dims(s, -1))
        r = inner if r is None else r + inner
    if r is None:
        return _zero_ct(g, ans, a)
    return r


_SVD = Prim(
    "svd",
    lambda a, *, full_matrices: _la.svd(a, full_matrices=full_matrices),
    (_svd_vjp,),
    batch_safe=True,
)


def svd(
    a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    """``numpy.linalg.svd``: ``(u, s, vh)`` with ``a == u @ diag(s) @ vh`` (or stacks), or
    ``s`` alone with ``compute_uv=False``.

    Differentiable in ``s`` always, and in ``u`` and ``vh`` for square matrices or with
    ``full_matrices=False`` (the extra columns of a full ``u`` or ``vh`` are not unique);
    the singular-vector part needs distinct nonzero singular values. ``hermitian=True`` is
    for plain values only.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[3.0, 0.0], [0.0, -2.0], [0.0, 0.0]])
        >>> anp.linalg.svd(a, compute_uv=False)
        array([3., 2.])
        >>> ad.grad(lambda m: anp.sum(anp.linalg.svd(m, compute_uv=False)))(a)
        array([[ 1.,  0.],
               [ 0., -1.],
               [ 0.,  0.]])
    """
    if type(a) is not BVar:
        return _la.svd(a, full_matrices, compute_uv, hermitian)
    _real_only("svd", a)
    if hermitian:
        msg = "svd: hermitian=True is not differentiable; use hermitian=False on BVars"
        raise NotImplementedError(msg)
    if _ndim(a) < 2:
        msg = f"{_ndim(a)}-dimensional array given. Array must be at least two-dimensional"
        raise LinAlgError(msg)
    if not compute_uv:
        return lift(_SVD, (a,), {"full_matrices": False})[1]
    return _parts(lift(_SVD, (a,), {"full_matrices": full_matrices}))


def svdvals(x: Any, /) -> Any:
    """``numpy.linalg.svdvals``: the singular values, descending (``svd`` without ``u``
    and ``vh``).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad(lambda m: anp.linalg.svdvals(m)[0])(np.array([[3.0, 0.0], [0.0, 1.0]]))
        array([[1., 0.],
               [0., 0.]])
    """
    if type(x) is not BVar:
        return _la.svdvals(x)
    return svd(x, compute_uv=False)


def _qr_square_vjp(gq: Any, gr: Any, q: Any, r: Any) -> Any:
    # m >= n: A = QR with R square. With M = R gR^T - gQ^T Q and copyltu(M) the symmetric
    # matrix with M's lower triangle, gA = (gQ + Q copyltu(M)) R^-T
    # (Seeger et al., "Auto-differentiating linear algebra", arXiv:1710.08717)
    mm: Any = None
    if gr is not None:
        mm = matmul(r, _mt(gr))
    if gq is not None:
        part = -matmul(_mt(gq), q)
        mm = part if mm is None else mm + part
    sym = tril(mm) + _mt(tril(mm, -1))
    b = matmul(q, sym)
    if gq is not None:
        b = b + gq
    return _mt(solve(r, _mt(b)))


def _qr_vjp(g: Any, ans: Any, a: Any, *, mode: str) -> Any:
    q, r = ans
    gq, gr = g
    gq = gq if _given(gq) else None
    gr = gr if _given(gr) else None
    if gq is None and gr is None:
        return _zero_ct(g, ans, a)
    m, n = _shape(a)[-2:]
    if m >= n:
        return _qr_square_vjp(gq, gr, q, r)
    # m < n: A = [X | Y] with X = Q U (square) and Y = Q V, so V = Q^T Y
    y = a[..., :, m:]
    gu = None if gr is None else gr[..., :, :m]
    gv = None if gr is None else gr[..., :, m:]
    if gv is not None:
        extra = matmul(y, _mt(gv))
        gq = extra if gq is None else gq + extra
    gx = _qr_square_vjp(gq, gu, q, r[..., :, :m])
    gy = matmul(q, gv) if gv is not None else np.zeros((*_shape(gx)[:-1], n - m))
    return concatenate([gx, gy], axis=-1)


_QR = Prim("qr", lambda a, *, mode: _la.qr(a, mode), (_qr_vjp,), batch_safe=True)


def qr(a: Any, mode: str = "reduced") -> Any:
    """``numpy.linalg.qr``: ``(q, r)`` with ``a == q @ r`` (or stacks), or ``r`` alone with
    ``mode="r"``.

    Differentiable (for full-rank ``a``) in modes ``"reduced"`` and ``"r"``, and in
    ``"complete"`` where it equals ``"reduced"`` (``m <= n``); ``"raw"`` is for plain values
    only.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[3.0, 1.0], [4.0, 2.0]])
        >>> q, r = anp.linalg.qr(a)
        >>> np.allclose(q @ r, a)
        True
        >>> ad.grad(lambda m: anp.linalg.qr(m)[1][0, 0])(a)
        array([[-0.6,  0. ],
               [-0.8,  0. ]])
    """
    if type(a) is not BVar:
        return _la.qr(a, mode)
    _real_only("qr", a)
    if _ndim(a) < 2:
        msg = f"{_ndim(a)}-dimensional array given. Array must be at least two-dimensional"
        raise LinAlgError(msg)
    m, n = _shape(a)[-2:]
    if mode == "r":
        return lift(_QR, (a,), {"mode": "reduced"})[1]
    if mode == "reduced" or (mode == "complete" and m <= n):
        return _parts(lift(_QR, (a,), {"mode": mode}))
    if mode in ("complete", "raw"):
        msg = f"qr: mode={mode!r} is not differentiable here; use mode='reduced' on BVars"
        raise NotImplementedError(msg)
    msg = f"Unrecognized mode '{mode}'"
    raise ValueError(msg)


# ----- compositions: powers, chains, least squares -----


def matrix_power(a: T, n: int) -> T:
    """``numpy.linalg.matrix_power``: ``a`` to the integer power ``n`` (by repeated
    squaring, as numpy does; negative ``n`` through `inv`).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[1.0, 1.0], [0.0, 1.0]])
        >>> anp.linalg.matrix_power(a, 3)
        array([[1., 3.],
               [0., 1.]])
        >>> ad.grad(lambda m: anp.sum(anp.linalg.matrix_power(m, 2)))(a)
        array([[3., 2.],
               [4., 3.]])
    """
    if type(a) is not BVar:
        return _la.matrix_power(a, n)  # type: ignore[no-any-return]
    _check_square(a, "matrix_power")
    try:
        n = int(np.asarray(n).__index__())
    except TypeError as e:
        msg = "exponent must be an integer"
        raise TypeError(msg) from e
    if n == 0:
        return _la.matrix_power(plain(a), 0)  # type: ignore[no-any-return]
    x: Any = inv(a) if n < 0 else a
    n = builtins.abs(n)
    if n == 1:
        return x  # type: ignore[no-any-return]
    if n == 2:
        return matmul(x, x)  # type: ignore[no-any-return]
    if n == 3:
        return matmul(matmul(x, x), x)  # type: ignore[no-any-return]
    z: Any = None
    result: Any = None
    while n > 0:
        z = x if z is None else matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul(result, z)
    return result  # type: ignore[no-any-return]


def _chain_order(shapes: list[tuple[int, int]]) -> Any:
    """The cheapest parenthesisation of a matrix chain (dynamic programming): ``s[i][j]``
    is where the product of matrices ``i..j`` splits."""
    p = [shapes[0][0]] + [s[1] for s in shapes]
    n = len(shapes)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j] = c
                    split[i][j] = k
    return split


def multi_dot(arrays: Sequence[Any], *, out: Any = None) -> Any:
    """``numpy.linalg.multi_dot``: the product of a chain of matrices in the cheapest
    order (the first may be a row vector, the last a column vector).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a, b, c = np.ones((2, 3)), np.ones((3, 4)), np.ones(4)
        >>> anp.linalg.multi_dot([a, b, c])
        array([12., 12.])
        >>> ad.grad(lambda m: anp.sum(anp.linalg.multi_dot([a, m, c])))(b)
        array([[2., 2., 2., 2.],
               [2., 2., 2., 2.],
               [2., 2., 2., 2.]])
    """
    if not _bvar_in(*arrays):
        return _la.multi_dot(arrays, out=out)
    if out is not None:
        msg = "multi_dot: out= is not supported on BVars"
        raise TypeError(msg)
    n = len(arrays)
    if n < 2:
        msg = "Expecting at least two arrays."
        raise ValueError(msg)
    xs = [_as_arr(x) for x in arrays]
    first, last = _ndim(xs[0]), _ndim(xs[-1])
    if first == 1:
        xs[0] = expand_dims(xs[0], 0)
    if last == 1:
        xs[-1] = expand_dims(xs[-1], -1)
    for x in xs:
        if _ndim(x) != 2:
            msg = f"{_ndim(x)}-dimensional array given. Array must be two-dimensional"
            raise LinAlgError(msg)
    split = _chain_order([(_shape(x)[0], _shape(x)[1]) for x in xs])

    def chain(i: int, j: int) -> Any:
        if i == j:
            return xs[i]
        k = split[i][j]
        return matmul(chain(i, k), chain(k + 1, j))

    res = chain(0, n - 1)
    if first == 1 and last == 1:
        return reshape(res, ())
    if first == 1:
        return squeeze(res, 0)
    if last == 1:
        return squeeze(res, -1)
    return res


def lstsq(a: Any, b: Any, rcond: Any = None) -> Any:
    """``numpy.linalg.lstsq``: ``(x, residuals, rank, s)`` of the least-squares problem
    ``a @ x ~ b``; on BVars ``x`` is ``pinv(a) @ b`` (with numpy's cutoff), ``residuals``
    and ``s`` are differentiable too, ``rank`` is a plain integer.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a, b = np.array([[1.0], [1.0]]), np.array([1.0, 3.0])
        >>> anp.linalg.lstsq(a, b)[0]
        array([2.])
        >>> ad.grad(lambda v: anp.linalg.lstsq(a, v)[0][0])(b)
        array([0.5, 0.5])
    """
    if not _bvar_in(a, b):
        return _la.lstsq(a, b, rcond=rcond)
    a, b = _as_arr(a), _as_arr(b)
    if _ndim(a) != 2 or _ndim(b) not in (1, 2):
        msg = f"{_ndim(a)}-dimensional array given. Array must be two-dimensional"
        raise LinAlgError(msg)
    m, n = _shape(a)
    if _shape(b)[0] != m:
        msg = "Incompatible dimensions"
        raise LinAlgError(msg)
    rc = np.finfo(np.float64).eps * builtins.max(m, n) if rcond is None else plain(rcond)
    rank = _la.lstsq(plain(a), plain(b), rcond=rc)[2]
    x = matmul(pinv(a, rc), b)
    s = svd(a, compute_uv=False)
    if rank == n and m > n:
        r = b - matmul(a, x)
        resid = sum(r * r, axis=0)
        if _ndim(b) == 1:
            resid = reshape(resid, (1,))
    else:
        resid = np.empty((0,))
    return x, resid, rank, s


# ----- norms and condition numbers -----


def _vector_norm_axis(x: Any, ord: Any, axis: int, keepdims: bool) -> Any:
    if ord == np.inf:
        return max(abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        # a count: piecewise constant, so a plain value
        return np.sum(plain(x) != 0, axis=axis, keepdims=keepdims).astype(np.float64)
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    if ord is None or ord == 2:
        return sqrt(sum(x * x, axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        msg = f"Invalid norm order '{ord}' for vectors"
        raise ValueError(msg)
    p = float(ord)
    return sum(abs(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _svd_norm(x: Any, row: int, col: int, op: str) -> Any:
    y = moveaxis(x, (row, col), (-2, -1))
    s = svd(y, compute_uv=False)
    if op == "max":
        return max(s, axis=-1)
    if op == "min":
        return min(s, axis=-1)
    return sum(s, axis=-1)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.linalg.norm``: a vector norm (``ord`` None/2, 1, inf, -inf, 0, any ``p``)
    over one axis, or a matrix norm (``ord`` None/``"fro"``, ``"nuc"``, 1, -1, 2, -2, inf,
    -inf) over two, with numpy's defaults for ``axis=None``, and ``keepdims``.

    The ``ord=0`` "norm" (a count) is a plain value; the others are differentiable
    wherever they are smooth (the 2-norm not at zero, ``max``-type norms where the
    maximum is unique).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> v = np.array([3.0, -4.0])
        >>> float(anp.linalg.norm(v)), float(anp.linalg.norm(v, 1))
        (5.0, 7.0)
        >>> ad.grad(anp.linalg.norm)(v)
        array([ 0.6, -0.8])
        >>> ad.grad(lambda m: anp.linalg.norm(m, "nuc"))(np.diag([2.0, -1.0]))
        array([[ 1.,  0.],
               [ 0., -1.]])
    """
    if type(x) is not BVar:
        return _la.norm(x, ord, axis, keepdims)
    _real_only("norm", x)
    nd = _ndim(x)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            ret = sqrt(sum(x * x))
            return reshape(ret, (1,) * nd) if keepdims else ret
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = (int(axis),)
        except Exception as e:
            msg = "'axis' must be None, an integer or a tuple of integers"
            raise TypeError(msg) from e
    if len(axis) == 1:
        return _vector_norm_axis(x, ord, axis[0], keepdims)
    if len(axis) != 2:
        msg = "Improper number of dimensions to norm."
        raise ValueError(msg)
    row, col = (_normalize_axis(a, nd) for a in axis)
    if row == col:
        msg = "Duplicate axes given."
        raise ValueError(msg)
    if ord == 2:
        ret = _svd_norm(x, row, col, "max")
    elif ord == -2:
        ret = _svd_norm(x, row, col, "min")
    elif ord == 1:
        ret = max(sum(abs(x), axis=row), axis=col - 1 if col > row else col)
    elif ord == np.inf:
        ret = max(sum(abs(x), axis=col), axis=row - 1 if row > col else row)
    elif ord == -1:
        ret = min(sum(abs(x), axis=row), axis=col - 1 if col > row else col)
    elif ord == -np.inf:
        ret = min(sum(abs(x), axis=col), axis=row - 1 if row > col else row)
    elif ord in (None, "fro", "f"):
        ret = sqrt(sum(x * x, axis=(row, col)))
    elif ord == "nuc":
        ret = _svd_norm(x, row, col, "sum")
    else:
        msg = "Invalid norm order for matrices."
        raise ValueError(msg)
    if keepdims:
        shp = list(_shape(x))
        shp[row] = 1
        shp[col] = 1
        ret = reshape(ret, tuple(shp))
    return ret


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """``numpy.linalg.vector_norm``: the ``ord`` norm of the vectors along ``axis`` (all
    axes by default, or a tuple of them, taken as one flattened axis).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad(lambda m: anp.linalg.vector_norm(m, ord=1))(np.array([[1.0, -2.0]]))
        array([[ 1., -1.]])
    """
    if type(x) is not BVar:
        return _la.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    shp = _shape(x)
    nd = len(shp)
    if axis is None:
        axes = list(range(nd))
    elif isinstance(axis, tuple):
        axes = [_normalize_axis(a, nd) for a in axis]
    else:
        axes = [_normalize_axis(axis, nd)]
    if len(axes) == 1:
        res = norm(x, ord=ord, axis=axes[0])
    else:
        # the axes as one flattened leading axis
        rest = [i for i in range(nd) if i not in axes]
        y = x if axes == list(range(nd)) else transpose(x, axes + rest)
        y = reshape(y, (int(np.prod([shp[i] for i in axes])), *[shp[i] for i in rest]))
        res = norm(y, ord=ord, axis=0)
    if keepdims:
        res = reshape(res, tuple(1 if i in axes else d for i, d in enumerate(shp)))
    return res


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """``numpy.linalg.matrix_norm``: the ``ord`` norm of the matrices on the last two axes.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> m = np.array([[1.0, -2.0], [0.5, 0.0]])
        >>> ad.grad(lambda m: anp.linalg.matrix_norm(m, ord=np.inf))(m)
        array([[ 1., -1.],
               [ 0.,  0.]])
    """
    if type(x) is not BVar:
        return _la.matrix_norm(x, keepdims=keepdims, ord=ord)
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def cond(x: Any, p: Any = None) -> Any:
    """``numpy.linalg.cond``: the condition number in the ``p`` norm (the ratio of the
    extreme singular values for ``p`` None, 2, -2; ``norm(x) * norm(inv(x))`` otherwise).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.diag([4.0, 2.0])
        >>> float(anp.linalg.cond(a))
        2.0
        >>> ad.grad(anp.linalg.cond)(a)
        array([[ 0.5,  0. ],
               [ 0. , -1. ]])
    """
    if type(x) is not BVar:
        return _la.cond(x, p)
    if p is None or p in (2, -2):
        s = svd(x, compute_uv=False)
        if p == -2:
            return s[..., -1] / s[..., 0]
        return s[..., 0] / s[..., -1]
    _check_square(x, "cond")
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


# ----- numpy 2's array-API names, on the last axes -----


def matrix_transpose(x: T, /) -> T:
    """``numpy.linalg.matrix_transpose``: swap the last two axes.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import numpy as anp
        >>> anp.linalg.matrix_transpose(np.ones((2, 3))).shape
        (3, 2)
    """
    if type(x) is not BVar:
        return _la.matrix_transpose(x)  # type: ignore[no-any-return]
    if _ndim(x) < 2:
        msg = "Input array must be at least 2-dimensional"
        raise ValueError(msg)
    return _mt(x)  # type: ignore[no-any-return]


def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """``numpy.linalg.diagonal``: the ``offset`` diagonal of the last two axes.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import numpy as anp
        >>> anp.linalg.diagonal(np.arange(4.0).reshape(2, 2))
        array([0., 3.])
    """
    if type(x) is not BVar:
        return _la.diagonal(x, offset=offset)
    return _core.diagonal(x, offset, -2, -1)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """``numpy.linalg.trace``: the sum of the ``offset`` diagonal of the last two axes.

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad(anp.linalg.trace)(np.ones((2, 2)))
        array([[1., 0.],
               [0., 1.]])
    """
    if type(x) is not BVar:
        return _la.trace(x, offset=offset, dtype=dtype)
    if dtype is not None:
        msg = "dtype= is not supported on BVars"
        raise TypeError(msg)
    return sum(_core.diagonal(x, offset, -2, -1), axis=-1)


def outer(x1: Any, x2: Any, /) -> Any:
    """``numpy.linalg.outer``: the outer product of two vectors.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import numpy as anp
        >>> anp.linalg.outer(np.ones(2), np.arange(3.0))
        array([[0., 1., 2.],
               [0., 1., 2.]])
    """
    if not _bvar_in(x1, x2):
        return _la.outer(x1, x2)
    if _ndim(x1) != 1 or _ndim(x2) != 1:
        msg = f"Input arrays must be one-dimensional, but they are x1.ndim={_ndim(x1)} and x2.ndim={_ndim(x2)}."
        raise ValueError(msg)
    return _core.outer(x1, x2)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``numpy.linalg.cross``: the cross product of 3-vectors along ``axis``.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import numpy as anp
        >>> anp.linalg.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
        array([0., 0., 1.])
    """
    if not _bvar_in(x1, x2):
        return _la.cross(x1, x2, axis=axis)
    return _core.cross(x1, x2, axis=axis)


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Any:
    """``numpy.linalg.tensordot``: ``numpy.tensordot`` with ``axes`` keyword-only.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import numpy as anp
        >>> float(anp.linalg.tensordot(np.ones((2, 2)), np.ones((2, 2))))
        4.0
    """
    if not _bvar_in(x1, x2):
        return _la.tensordot(x1, x2, axes=axes)
    return _core.tensordot(x1, x2, axes)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``numpy.linalg.vecdot``: the dot product of the vectors along ``axis`` (broadcast
    over the other axes).

    Examples:
        >>> import numpy as np, optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ad.grad(lambda v: anp.linalg.vecdot(v, np.array([1.0, 2.0])))(np.zeros(2))
        array([1., 2.])
    """
    if not _bvar_in(x1, x2):
        return _la.vecdot(x1, x2, axis=axis)
    return sum(conj(x1) * x2, axis=axis)


# ----- no gradient -----


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """``numpy.linalg.matrix_rank`` on the plain value of a BVar: an integer, which has no
    gradient.

    Examples:
        >>> import numpy as np
        >>> from optic_ad import numpy as anp
        >>> int(anp.linalg.matrix_rank(np.ones((2, 2))))
        1
    """
    return _la.matrix_rank(plain(A), plain(tol), hermitian, rtol=plain(rtol))
