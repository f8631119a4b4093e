"""Lifted ``scipy.linalg``: the same names and signatures as scipy's, differentiable on BVars.

`solve_triangular`, `solve_banded`, `solve_sylvester` and `sqrtm`
run scipy forward; their VJPs are written with these same functions and
``optic_ad.numpy`` (the cotangent of a linear solve is a solve with the transposed matrix),
so they differentiate again, and they accept extra leading (batch) dimensions on the
cotangent: the solves with a right-hand side take the batch as extra columns, the Sylvester
solves go through it one matrix at a time. Real matrices only on BVars.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import scipy.linalg

from optic_ad import numpy as anp
from optic_ad.bvar import BVar
from optic_ad.extend import Prim, lift

__all__ = ["cholesky", "solve_banded", "solve_sylvester", "solve_triangular", "sqrtm"]

Trans = Literal[0, 1, 2, "N", "T", "C"]
_TRANS: dict[Any, int] = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}
_OTHER: dict[int, Trans] = {0: 1, 1: 0}  # the transposed solve


def _swap(x: Any) -> Any:
    return anp.swapaxes(x, -1, -2)


def _by_columns(solve: Callable[[Any], Any], g: Any, nd: int) -> Any:
    """``solve(g)`` for a right-hand side of ``nd`` dims (1 or 2) with extra leading batch
    dims: the batch becomes extra columns of one solve."""
    gs = anp.shape(g)
    k = len(gs) - nd
    if k == 0:
        return solve(g)
    core = gs[k:]
    n = core[0]
    flat = anp.reshape(g, (-1, *core))  # (M, n) or (M, n, c)
    cols = anp.reshape(anp.moveaxis(flat, 0, 1), (n, -1))  # (n, M) or (n, M * c)
    out = anp.reshape(anp.moveaxis(anp.reshape(solve(cols), (n, -1, *core[1:])), 1, 0), gs)
    return out


def _each(fn: Callable[[Any], Any], g: Any, nd: int) -> Any:
    """``fn`` on each ``nd``-dim core of ``g`` (the extra leading dims are a batch)."""
    if anp.ndim(g) == nd:
        return fn(g)
    n = anp.shape(g)[0]
    return anp.stack([_each(fn, anp.take_index(g, i), nd) for i in range(n)])


def _real_only(name: str, *xs: Any) -> None:
    for x in xs:
        if np.iscomplexobj(x.value if type(x) is BVar else x):
            msg = f"{name}: complex inputs are not differentiable here (real matrices only)"
            raise NotImplementedError(msg)


def _check_nd(name: str, x: Any, dims: tuple[int, ...], what: str) -> None:
    if anp.ndim(x) not in dims:
        msg = (
            f"{name}: on BVars {what} must have {' or '.join(map(str, dims))} dimensions "
            f"(got shape {anp.shape(x)}); scipy's batched form is not differentiable here"
        )
        raise NotImplementedError(msg)


# ----- solve_triangular -----


def _tri_fwd(a: Any, b: Any, *, trans: int, lower: bool, unit_diagonal: bool, check: bool) -> Any:
    return scipy.linalg.solve_triangular(
        a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal, check_finite=check
    )


def _tri_vjp_b(
    g: Any, ans: Any, a: Any, b: Any, *, trans: int, lower: bool, unit_diagonal: bool, check: bool
) -> Any:
    # x = op(a)^-1 b, so b's cotangent is op(a)^-T g: the same triangle, the other `trans`
    return _by_columns(
        lambda rhs: solve_triangular(
            a,
            rhs,
            trans=_OTHER[trans],
            lower=lower,
            unit_diagonal=unit_diagonal,
            check_finite=check,
        ),
        g,
        anp.ndim(b),
    )


def _tri_vjp_a(
    g: Any, ans: Any, a: Any, b: Any, *, trans: int, lower: bool, unit_diagonal: bool, check: bool
) -> Any:
    # d(op(a)) = -op(a)^-T g x^T, on the triangle scipy reads (not the unit diagonal)
    gb = _tri_vjp_b(
        g, ans, a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal, check=check
    )
    gm = -(anp.expand_dims(gb, -1) * ans) if anp.ndim(b) == 1 else -anp.matmul(gb, _swap(ans))
    ga = _swap(gm) if trans else gm
    k = (-1 if lower else 1) if unit_diagonal else 0
    return anp.tril(ga, k) if lower else anp.triu(ga, k)


_SOLVE_TRIANGULAR = Prim("solve_triangular", _tri_fwd, (_tri_vjp_a, _tri_vjp_b), batch_safe=True)


def solve_triangular(
    a: Any,
    b: Any,
    trans: Trans = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """``scipy.linalg.solve_triangular``: ``x`` with ``op(a) @ x == b`` for a triangular
    ``a``, differentiable in ``a`` and ``b``.

    Args:
        a: an ``(n, n)`` matrix; only its ``lower`` (or upper) triangle is read, and not its
            diagonal when ``unit_diagonal``: the rest gets a zero gradient.
        b: the right-hand side, ``(n,)`` or ``(n, k)``.
        trans: ``0``/``"N"`` solves ``a x = b``, ``1``/``"T"`` and ``2``/``"C"`` (the same
            for real ``a``) solve ``a.T x = b``.
        lower: use the lower triangle of ``a`` (default the upper).
        unit_diagonal: take the diagonal of ``a`` to be ones.
        overwrite_b: passed to scipy for plain inputs (never on BVars).
        check_finite: scipy's check for infs and NaNs.

    Returns:
        ``x``, shaped like ``b``.

    Raises:
        NotImplementedError: on BVars, complex inputs or scipy's batched shapes.

    Examples:
        >>> import numpy as np
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[2.0, 0.0], [1.0, 4.0]])
        >>> solve_triangular(a, np.array([2.0, 9.0]), lower=True)
        array([1., 2.])
        >>> ad.grad_bp(lambda b: anp.sum(solve_triangular(a, b, lower=True)), np.ones(2))
        array([0.375, 0.25 ])
    """
    if type(a) is not BVar and type(b) is not BVar:
        return scipy.linalg.solve_triangular(
            a,
            b,
            trans=trans,
            lower=lower,
            unit_diagonal=unit_diagonal,
            overwrite_b=overwrite_b,
            check_finite=check_finite,
        )
    if trans not in _TRANS:
        msg = f"invalid trans: {trans!r} (use 0, 1, 2, 'N', 'T' or 'C')"
        raise ValueError(msg)
    a, b = anp.asarray(a), anp.asarray(b)
    _real_only("solve_triangular", a, b)
    _check_nd("solve_triangular", a, (2,), "a")
    _check_nd("solve_triangular", b, (1, 2), "b")
    kw = {
        "trans": _TRANS[trans],
        "lower": bool(lower),
        "unit_diagonal": bool(unit_diagonal),
        "check": check_finite,
    }
    return lift(_SOLVE_TRIANGULAR, (a, b), kw)


# ----- solve_banded -----


def _banded_fwd(ab: Any, b: Any, *, l: int, u: int, check: bool) -> Any:
    return scipy.linalg.solve_banded((l, u), ab, b, check_finite=check)


def _transposed_band(ab: Any, l: int, u: int) -> Any:
    """The band storage of ``A.T`` (``u`` sub- and ``l`` super-diagonals) from ``A``'s:
    ``abT[r, j] = ab[l + u - r, j + r - l]`` where that column exists, else 0."""
    rows, n = anp.shape(ab)
    r = np.arange(rows)[:, None]
    cols = np.arange(n)[None, :] + r - l
    inside = (cols >= 0) & (cols < n)
    picked = anp.take_index(ab, (np.broadcast_to(l + u - r, cols.shape), np.clip(cols, 0, n - 1)))
    return picked * inside.astype(np.float64)


def _banded_vjp_b(g: Any, ans: Any, ab: Any, b: Any, *, l: int, u: int, check: bool) -> Any:
    abt = _transposed_band(ab, l, u)
    return _by_columns(
        lambda rhs: solve_banded((u, l), abt, rhs, check_finite=check), g, anp.ndim(b)
    )


def _banded_vjp_ab(g: Any, ans: Any, ab: Any, b: Any, *, l: int, u: int, check: bool) -> Any:
    # dA = -A^-T g x^T, read off on the band: ab[r, j] is A[r + j - u, j]
    gb = _banded_vjp_b(g, ans, ab, b, l=l, u=u, check=check)
    rows, n = anp.shape(ab)
    i = np.arange(rows)[:, None] + np.arange(n)[None, :] - u
    inside = ((i >= 0) & (i < n)).astype(np.float64)
    ii = np.clip(i, 0, n - 1)
    if anp.ndim(b) == 1:
        out = anp.take_index(gb, (Ellipsis, ii)) * ans
    else:
        out = anp.sum(anp.take_index(gb, (Ellipsis, ii, slice(None))) * ans, axis=-1)
    return -(out * inside)


_SOLVE_BANDED = Prim("solve_banded", _banded_fwd, (_banded_vjp_ab, _banded_vjp_b), batch_safe=True)


def solve_banded(
    l_and_u: tuple[int, int],
    ab: Any,
    b: Any,
    overwrite_ab: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """``scipy.linalg.solve_banded``: ``x`` with ``A @ x == b`` for a banded ``A`` given in
    band storage, differentiable in ``ab`` and ``b``.

    Args:
        l_and_u: ``(l, u)``, the numbers of sub- and super-diagonals (constants).
        ab: ``(l + u + 1, n)``: ``ab[u + i - j, j] == A[i, j]``; the corners outside the
            matrix are not read and get a zero gradient.
        b: the right-hand side, ``(n,)`` or ``(n, k)``.
        overwrite_ab: passed to scipy for plain inputs (never on BVars).
        overwrite_b: passed to scipy for plain inputs (never on BVars).
        check_finite: scipy's check for infs and NaNs.

    Returns:
        ``x``, shaped like ``b``.

    Raises:
        NotImplementedError: on BVars, complex inputs or scipy's batched shapes.

    Examples:
        >>> import numpy as np
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> ab = np.array([[0.0, 1.0, 1.0], [4.0, 4.0, 4.0], [1.0, 1.0, 0.0]])  # tridiagonal
        >>> solve_banded((1, 1), ab, np.array([5.0, 6.0, 5.0]))
        array([1., 1., 1.])
        >>> ad.grad_bp(lambda b: anp.sum(solve_banded((1, 1), ab, b)), np.ones(3))
        array([0.21428571, 0.14285714, 0.21428571])
    """
    if type(ab) is not BVar and type(b) is not BVar:
        return scipy.linalg.solve_banded(
            l_and_u,
            ab,
            b,
            overwrite_ab=overwrite_ab,
            overwrite_b=overwrite_b,
            check_finite=check_finite,
        )
    l, u = (int(v) for v in l_and_u)
    ab, b = anp.asarray(ab), anp.asarray(b)
    _real_only("solve_banded", ab, b)
    _check_nd("solve_banded", ab, (2,), "ab")
    _check_nd("solve_banded", b, (1, 2), "b")
    if anp.shape(ab)[0] != l + u + 1:
        msg = f"invalid values for the number of lower and upper diagonals: l+u+1 ({l + u + 1}) does not equal ab.shape[0] ({anp.shape(ab)[0]})"
        raise ValueError(msg)
    return lift(_SOLVE_BANDED, (ab, b), {"l": l, "u": u, "check": check_finite})


# ----- solve_sylvester and sqrtm -----


def _sylvester_adjoint(g: Any, a: Any, b: Any) -> Any:
    # the adjoint of X -> a X + X b is Y -> a.T Y + Y b.T: solve it for the cotangent
    return _each(lambda gi: solve_sylvester(_swap(a), _swap(b), gi), g, 2)


_SOLVE_SYLVESTER = Prim(
    "solve_sylvester",
    scipy.linalg.solve_sylvester,
    (
        lambda g, ans, a, b, q: -anp.matmul(_sylvester_adjoint(g, a, b), _swap(ans)),
        lambda g, ans, a, b, q: -anp.matmul(_swap(ans), _sylvester_adjoint(g, a, b)),
        lambda g, ans, a, b, q: _sylvester_adjoint(g, a, b),
    ),
    batch_safe=True,
)


def solve_sylvester(a: Any, b: Any, q: Any) -> Any:
    """``scipy.linalg.solve_sylvester``: ``X`` with ``a @ X + X @ b == q``, differentiable
    in ``a``, ``b`` and ``q`` (each cotangent comes from one Sylvester solve with ``a.T``
    and ``b.T``).

    Args:
        a: ``(m, m)``.
        b: ``(n, n)``.
        q: ``(m, n)``.

    Returns:
        ``X``, ``(m, n)``.

    Raises:
        NotImplementedError: on BVars, complex inputs or scipy's batched shapes.

    Examples:
        >>> import numpy as np
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a, b = np.diag([1.0, 2.0]), np.diag([3.0])
        >>> solve_sylvester(a, b, np.array([[4.0], [10.0]]))
        array([[1.],
               [2.]])
        >>> ad.grad_bp(lambda q: anp.sum(solve_sylvester(a, b, q)), np.ones((2, 1)))
        array([[0.25],
               [0.2 ]])
    """
    if type(a) is not BVar and type(b) is not BVar and type(q) is not BVar:
        return scipy.linalg.solve_sylvester(a, b, q)
    a, b, q = anp.asarray(a), anp.asarray(b), anp.asarray(q)
    _real_only("solve_sylvester", a, b, q)
    for name, x in (("a", a), ("b", b), ("q", q)):
        _check_nd("solve_sylvester", x, (2,), name)
    return lift(_SOLVE_SYLVESTER, (a, b, q), {})


def _sqrtm_fwd(A: Any) -> Any:
    out = scipy.linalg.sqrtm(A)
    if np.iscomplexobj(out):
        msg = "sqrtm: the square root of this matrix is complex; only real square roots are differentiable here"
        raise ValueError(msg)
    return out


_SQRTM = Prim(
    "sqrtm",
    _sqrtm_fwd,
    # X X = A: dX solves X dX + dX X = dA, so A's cotangent solves X.T Y + Y X.T = g
    (lambda g, ans, A: _sylvester_adjoint(g, ans, ans),),
    batch_safe=True,
)


def sqrtm(A: Any) -> Any:
    """``scipy.linalg.sqrtm``: the principal square root ``X`` of ``A`` (``X @ X == A``),
    differentiable through a Sylvester solve.

    Args:
        A: an ``(n, n)`` matrix whose square root is real (e.g. symmetric positive definite).

    Returns:
        ``X``, ``(n, n)``.

    Raises:
        ValueError: on BVars, a matrix whose square root is complex.
        NotImplementedError: on BVars, complex inputs or scipy's batched shapes.

    Examples:
        >>> import numpy as np
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> sqrtm(np.array([[4.0, 0.0], [0.0, 9.0]]))
        array([[2., 0.],
               [0., 3.]])
        >>> ad.grad_bp(lambda A: anp.trace(sqrtm(A)), np.array([[4.0, 0.0], [0.0, 9.0]]))
        array([[0.25      , 0.        ],
               [0.        , 0.16666667]])
    """
    if type(A) is not BVar:
        return scipy.linalg.sqrtm(A)
    _real_only("sqrtm", A)
    _check_nd("sqrtm", A, (2,), "A")
    return lift(_SQRTM, (A,), {})


def cholesky(
    a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True
) -> Any:
    """``scipy.linalg.cholesky``: the upper factor ``U`` with ``a == U.T @ U`` (or, with
    ``lower=True``, the lower ``L`` with ``a == L @ L.T``), differentiable through
    `optic_ad.numpy.linalg.cholesky` (the symmetric gradient, as autograd's).

    Args:
        a: a symmetric positive definite ``(n, n)`` matrix (or a stack of them on BVars).
        lower: return the lower factor.
        overwrite_a: passed to scipy for plain inputs (never on BVars).
        check_finite: scipy's check for infs and NaNs.

    Examples:
        >>> import numpy as np
        >>> import optic_ad as ad
        >>> from optic_ad import numpy as anp
        >>> a = np.array([[4.0, 2.0], [2.0, 5.0]])
        >>> cholesky(a)
        array([[2., 1.],
               [0., 2.]])
        >>> ad.grad_bp(lambda m: anp.sum(cholesky(m, lower=True)), a)
        array([[0.1875, 0.125 ],
               [0.125 , 0.25  ]])
    """
    if type(a) is not BVar:
        return scipy.linalg.cholesky(
            a, lower=lower, overwrite_a=overwrite_a, check_finite=check_finite
        )
    factor = anp.linalg.cholesky(a)
    return factor if lower else _swap(factor)
