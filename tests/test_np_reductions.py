"""Reductions, scans and products of optic_ad.numpy (issue 14): values against numpy,
gradients against autograd (an independent implementation) and central finite
differences, Jacobians (the batched seed) against autograd.jacobian, and Hessians.

Each case is written once as ``f(m, *xs)``, ``m`` being ``optic_ad.numpy`` or
``autograd.numpy``; where autograd lacks a function its oracle is written from ones it has.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import optic_ad as ad
from optic_ad import numpy as anp
from optic_ad.bvar import plain
from tests.helpers import MustBatch, fd_jacobian, fd_partial

Arr = NDArray[np.float64]
Case = Callable[..., Any]


def _weights(shape: tuple[int, ...]) -> Arr:
    w: Arr = np.cos(np.arange(int(np.prod(shape))) * 1.3 + 0.3).reshape(shape)
    return w


def _loss(m: Any, f: Case) -> Callable[..., Any]:
    # nonlinear in f's output, so that a Hessian differentiates f's backward rule too
    def loss(*xs: Any) -> Any:
        out = f(m, *xs)
        return m.sum(m.sin(out) * _weights(np.shape(plain(out))))

    return loss


def check(
    f: Case,
    xs: list[Arr],
    *,
    oracle: Case | None = None,
    autograd_ok: bool = True,
    hessian: bool = True,
) -> None:
    """``f(anp, *xs)`` on BVars against ``oracle(m, *xs)`` (default ``f``) with ``m`` numpy
    or autograd.numpy: output values, gradients, Jacobians (batched seed) and Hessians in
    each argument, all also against finite differences. ``autograd_ok=False`` when
    autograd cannot differentiate the oracle: finite differences only."""
    ref = f if oracle is None else oracle
    outs: list[Any] = []
    if not np.size(ref(np, *xs)):
        autograd_ok = False  # autograd cannot pull an empty output back

    def ours(*v: Any) -> Any:
        out = f(anp, *v)
        outs.append(plain(out))
        return anp.sum(anp.sin(out) * _weights(np.shape(plain(out))))

    value, grads = ad.backprop_n(ours, *xs)
    expected = ref(np, *xs)
    assert np.shape(outs[0]) == np.shape(expected)
    np.testing.assert_allclose(outs[0], expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(value, _loss(np, ref)(*xs), rtol=1e-12, atol=1e-12)
    for i, g in enumerate(grads):
        assert np.shape(g) == np.shape(xs[i])
        np.testing.assert_allclose(g, fd_partial(_loss(np, ref), xs, i), rtol=1e-5, atol=1e-6)
        if autograd_ok:
            theirs = autograd.grad(_loss(agnp, ref), i)(*xs)
            np.testing.assert_allclose(g, theirs, rtol=1e-9, atol=1e-12)
        if np.ndim(xs[i]) == 0 or np.ndim(expected) == 0:
            continue  # the batched seed is for array inputs and outputs
        with MustBatch():
            jac = ad.jacobian(lambda *v: f(anp, *v), argnums=i, mode="reverse")(*xs)
        np.testing.assert_allclose(
            jac, fd_jacobian(lambda *v: ref(np, *v), xs, i), rtol=1e-5, atol=1e-6
        )
        if autograd_ok:
            np.testing.assert_allclose(
                jac, autograd.jacobian(lambda *v: ref(agnp, *v), i)(*xs), rtol=1e-9, atol=1e-12
            )
        if not hessian:
            continue
        with MustBatch():
            h = ad.hessian(_loss(anp, f), argnums=i)(*xs)
        gi = ad.grad(_loss(anp, f), argnums=i)
        np.testing.assert_allclose(h, fd_jacobian(gi, xs, i, eps=1e-5), rtol=1e-4, atol=1e-5)
        if autograd_ok:
            hh = autograd.hessian(_loss(agnp, ref), i)(*xs)
            np.testing.assert_allclose(h, hh, rtol=1e-8, atol=1e-10)


def _array(shape: tuple[int, ...], lo: float = -2.0, hi: float = 2.0) -> st.SearchStrategy[Arr]:
    n = int(np.prod(shape))
    return st.lists(st.floats(lo, hi), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=np.float64).reshape(shape)
    )


def _distinct(shape: tuple[int, ...]) -> st.SearchStrategy[Arr]:
    """Values at least 0.3 apart, shuffled and jittered (sorting, max, min, partition and
    std are smooth there)."""
    n = int(np.prod(shape))

    def build(perm: list[int], jitter: list[float]) -> Arr:
        v: Arr = (np.array(perm, dtype=np.float64) * 0.4 - 0.2 * n + np.array(jitter)).reshape(
            shape
        )
        return v

    return st.builds(
        build,
        st.permutations(list(range(n))),
        st.lists(st.floats(0.0, 0.1), min_size=n, max_size=n),
    )


shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@st.composite
def axes(draw: st.DrawFn, nd: int, tuples: bool = True) -> Any:
    """An ``axis`` argument for ``nd`` dims: None, an int (maybe negative) or a tuple."""
    kinds = ["none"] + (["int", "tuple"] if tuples else ["int"]) * bool(nd)
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-nd, nd - 1))
    picked = draw(st.lists(st.integers(0, nd - 1), min_size=0, max_size=nd, unique=True))
    return tuple(a - nd if draw(st.booleans()) else a for a in picked)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    if axis is None:
        return int(np.prod(shape))
    ax = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in ax]))


# (numpy's stubs want literal keywords, and know only einsum's subscripts-string form)
np_average: Callable[..., Any] = np.average
np_einsum: Callable[..., Any] = np.einsum


def _on_bvars(f: Callable[..., Any], *xs: Any) -> Any:
    """The plain value of ``f``'s output (or tuple of outputs) when run on BVars."""
    seen: list[Any] = []

    def loss(*v: Any) -> Any:
        out = f(*v)
        assert isinstance(out[0] if isinstance(out, tuple) else out, ad.BVar)
        seen.append(out)
        return anp.sum(v[0])

    ad.grad(loss)(*xs)
    out = seen[0]
    return tuple(plain(o) for o in out) if isinstance(out, tuple) else plain(out)


def _val(x: Any) -> Any:
    """The numbers inside an autograd box, a BVar or a plain value."""
    return plain(autograd.tracer.getval(x))  # type: ignore[attr-defined]


# ----- dot: every N-d case numpy supports -----

DOT_SHAPES = [
    ((2, 3), (3, 4)),
    ((3,), (3,)),
    ((2, 2, 3), (3,)),
    ((3,), (2, 3, 2)),
    ((2, 3), (4, 3, 2)),
    ((2, 2, 3), (2, 3, 2)),
    ((2, 1, 3), (3, 1)),
    ((), (2, 3)),
    ((2, 3, 2), ()),
]


@pytest.mark.parametrize(("sa", "sb"), DOT_SHAPES, ids=[f"{a}-{b}" for a, b in DOT_SHAPES])
@settings(max_examples=3)
@given(data=st.data())
def test_dot_nd(sa: tuple[int, ...], sb: tuple[int, ...], data: st.DataObject) -> None:
    a = data.draw(_array(sa), label="a")
    b = data.draw(_array(sb), label="b")
    check(lambda m, x, y: m.dot(x, y), [a, b])
    np.testing.assert_array_equal(anp.dot(a, b), np.dot(a, b))


# ----- var, std -----


@settings(max_examples=25)
@given(data=st.data())
def test_var_std(data: st.DataObject) -> None:
    shape = data.draw(shapes, label="shape")
    axis = data.draw(axes(len(shape)), label="axis")
    ddof = data.draw(st.sampled_from([0, 1]), label="ddof")
    keepdims = data.draw(st.booleans(), label="keepdims")
    name = data.draw(st.sampled_from(["var", "std"]), label="name")
    assume(_count(shape, axis) > ddof)  # else no degrees of freedom: numpy gives nan
    x = data.draw(_distinct(shape), label="x")
    check(lambda m, v: getattr(m, name)(v, axis=axis, ddof=ddof, keepdims=keepdims), [x])


def test_var_std_keywords_and_correction() -> None:
    x = np.array([[0.3, -1.2, 2.0], [1.1, 0.4, -0.6]])
    for name in ["var", "std"]:
        ours = getattr(anp, name)
        theirs = getattr(np, name)
        g = ad.grad(lambda v, ours=ours: anp.sum(ours(a=v, axis=1, correction=1) ** 2))(x)
        agf = getattr(agnp, name)
        ref = autograd.grad(lambda v, agf=agf: agnp.sum(agf(v, axis=1, ddof=1) ** 2))
        np.testing.assert_allclose(g, ref(x), rtol=1e-12)
        np.testing.assert_allclose(ours(x, 1, None, None, 1), theirs(x, 1, ddof=1))
        with pytest.raises(ValueError, match="correction"):
            ad.grad(lambda v, ours=ours: anp.sum(ours(v, ddof=1, correction=1)))(x)
        with pytest.raises(TypeError, match="dtype"):
            ad.grad(lambda v, ours=ours: anp.sum(ours(v, dtype=np.float32)))(x)
        with pytest.raises(np.exceptions.AxisError):
            ad.grad(lambda v, ours=ours: anp.sum(ours(v, axis=2)))(x)


def test_std_of_one_element_groups_has_zero_gradient() -> None:
    # std is 0 for every x when each group has one element: its derivative is 0, not nan
    x = np.array([[0.5], [2.0]])
    g = ad.grad(lambda v: anp.sum(anp.std(v, axis=1)))(x)
    np.testing.assert_array_equal(g, np.zeros((2, 1)))
    np.testing.assert_array_equal(g, autograd.grad(lambda v: agnp.sum(agnp.std(v, axis=1)))(x))


# ----- cumsum, cumprod -----


def _cumprod_oracle(m: Any, x: Any, axis: int | None) -> Any:
    # autograd has no cumprod: a stack of prods of growing prefixes
    if m is anp:
        return anp.cumprod(x, axis=axis)
    if axis is None:
        x, axis = m.ravel(x), 0
    xm = m.moveaxis(x, axis, -1)
    n = np.shape(_val(xm))[-1]
    parts = [m.prod(xm[..., : i + 1], axis=-1) for i in range(n)]
    return m.moveaxis(m.stack(parts, axis=-1), -1, axis)


@settings(max_examples=25)
@given(data=st.data())
def test_cumsum_cumprod(data: st.DataObject) -> None:
    shape = data.draw(shapes, label="shape")
    nd = len(shape)
    axis = data.draw(st.none() | st.integers(-nd, nd - 1) if nd else st.none(), label="axis")
    x = data.draw(_array(shape, 0.3, 1.6), label="x")
    x = x * data.draw(st.sampled_from([1.0, -1.0]))
    check(lambda m, v: m.cumsum(v, axis=axis), [x])
    check(
        lambda m, v: _cumprod_oracle(m, v, axis) if m is not np else np.cumprod(v, axis=axis),
        [x],
        oracle=lambda m, v: _cumprod_oracle(m, v, axis),
    )


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("zeros", [[(0, 1)], [(0, 1), (1, 1)], [(0, 0), (0, 2)], [(1, 2)]])
def test_cumprod_at_zeros(axis: int | None, zeros: list[tuple[int, int]]) -> None:
    # ans / x would be 0/0 at a zero: the rule must use the products of the others
    x = np.array([[0.7, -1.2, 0.9], [1.3, 0.5, -0.8]])
    for z in zeros:
        x[z] = 0.0

    w = _weights(np.shape(np.cumprod(x, axis=axis)))

    def f(v: Any) -> Any:
        return anp.sum(anp.sin(anp.cumprod(v, axis=axis)) * w)

    g = ad.grad(f)
    # f is smooth (polynomials inside sin): central differences with a large step are
    # accurate to eps^2, and crossing zero is harmless
    np.testing.assert_allclose(g(x), fd_jacobian(f, [x], 0, eps=1e-4), atol=1e-7)
    with MustBatch():
        h = ad.hessian(f)(x)
    np.testing.assert_allclose(h, fd_jacobian(g, [x], 0, eps=1e-4), atol=1e-7)
    with MustBatch():
        third = ad.jacobian(ad.hessian(f), mode="reverse")(x)
    np.testing.assert_allclose(third, fd_jacobian(ad.hessian(f), [x], 0, eps=1e-4), atol=1e-6)


# ----- diff -----


@settings(max_examples=25)
@given(data=st.data())
def test_diff(data: st.DataObject) -> None:
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), "shape")
    nd = len(shape)
    axis = data.draw(st.integers(-nd, nd - 1), label="axis")
    n = data.draw(st.integers(0, 3), label="n")
    x = data.draw(_array(shape), label="x")
    check(lambda m, v: m.diff(v, n=n, axis=axis), [x])
    # prepend (a scalar, broadcast) and append (an array): both differentiable
    side = list(shape)
    side[axis] = 2
    p = data.draw(_array(()), label="prepend")
    q = data.draw(_array(tuple(side)), label="append")

    k = max(n, 1)  # (with n == 0 numpy ignores prepend and append)

    def with_ends(m: Any, v: Any, pre: Any, app: Any) -> Any:
        if m is anp or m is np:
            return m.diff(v, n=k, axis=axis, prepend=pre, append=app)
        full = list(shape)
        full[axis] = 1
        return m.diff(m.concatenate([pre * np.ones(full), v, app], axis=axis), n=k, axis=axis)

    check(with_ends, [x, p, q], oracle=with_ends)


# ----- sort, partition -----


def _along(perm: Any, axis: int) -> tuple[Any, ...]:
    # the index of take_along_axis, written independently of optic_ad's
    nd = np.ndim(perm)
    return tuple(
        perm if k == axis % nd else np.arange(s).reshape([-1 if j == k else 1 for j in range(nd)])
        for k, s in enumerate(np.shape(perm))
    )


def _sort_oracle(m: Any, x: Any, axis: int | None, kth: int | None = None) -> Any:
    if axis is None:
        x, axis = m.ravel(x), -1
    v = _val(x)
    perm = np.argsort(v, axis=axis) if kth is None else np.argpartition(v, kth, axis=axis)
    return x[_along(perm, axis)]


@settings(max_examples=25)
@given(data=st.data())
def test_sort_partition(data: st.DataObject) -> None:
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), "shape")
    nd = len(shape)
    axis = data.draw(st.none() | st.integers(-nd, nd - 1), label="axis")
    x = data.draw(_distinct(shape), label="x")
    check(
        lambda m, v: m.sort(v, axis=axis) if m is not agnp else _sort_oracle(m, v, axis),
        [x],
        oracle=lambda m, v: m.sort(v, axis=axis) if m is np else _sort_oracle(m, v, axis),
    )
    length = x.size if axis is None else shape[axis]
    kth = data.draw(st.integers(-length, length - 1), label="kth")
    check(
        lambda m, v: m.partition(v, kth, axis=axis),
        [x],
        oracle=lambda m, v: _sort_oracle(m, v, axis, kth),
    )
    # and numpy's own partition of the values
    ours = _on_bvars(lambda v: anp.partition(v, kth, axis=axis), x)
    np.testing.assert_array_equal(ours, np.partition(x, kth, axis=axis))


# ----- amax, amin, nansum, nanmean -----


@settings(max_examples=20)
@given(data=st.data())
def test_amax_amin(data: st.DataObject) -> None:
    shape = data.draw(shapes, label="shape")
    axis = data.draw(axes(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    x = data.draw(_distinct(shape), label="x")
    check(lambda m, v: m.amax(v, axis=axis, keepdims=keepdims), [x])
    check(lambda m, v: m.amin(v, axis=axis, keepdims=keepdims), [x])


def _nan_oracle(name: str) -> Case:
    def f(m: Any, x: Any, axis: Any, keepdims: bool) -> Any:
        if m is anp or m is np:
            return getattr(m, name)(x, axis=axis, keepdims=keepdims)
        mask = np.isnan(_val(x))
        total = m.sum(m.where(mask, 0.0, x), axis=axis, keepdims=keepdims)
        if name == "nansum":
            return total
        return total / np.sum(~mask, axis=axis, keepdims=keepdims)

    return f


@settings(max_examples=20)
@given(data=st.data())
def test_nansum_nanmean(data: st.DataObject) -> None:
    shape = data.draw(shapes, label="shape")
    axis = data.draw(axes(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    x = data.draw(_array(shape), label="x")
    hole = st.sampled_from([False, False, True])
    holes = data.draw(st.lists(hole, min_size=x.size, max_size=x.size), label="nan")
    x = np.where(np.array(holes, dtype=bool).reshape(shape), np.nan, x)
    assume(not np.any(np.all(np.isnan(x), axis=axis)))  # a slice of NaNs: nanmean is nan
    for name in ["nansum", "nanmean"]:
        f = _nan_oracle(name)
        check(lambda m, v, f=f: f(m, v, axis, keepdims), [x])


# ----- average -----


@settings(max_examples=25)
@given(data=st.data())
def test_average(data: st.DataObject) -> None:
    shape = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple), "shape")
    nd = len(shape)
    axis = data.draw(axes(nd), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    x = data.draw(_array(shape), label="x")
    check(
        lambda m, v: m.average(v, axis=axis, keepdims=keepdims),
        [x],
        oracle=lambda m, v: m.mean(v, axis=axis, keepdims=keepdims),
    )
    # weights of a's shape, or of a's shape along axis (in axis's order)
    along = axis is not None and data.draw(st.booleans(), label="along")
    ax = () if axis is None else ((axis,) if isinstance(axis, int) else axis)
    wshape = tuple(shape[a] for a in ax) if along else shape
    w = data.draw(_array(wshape, 0.5, 2.0), label="w")

    def weighted(m: Any, v: Any, wt: Any) -> Any:
        if m is anp or m is np:
            return m.average(v, axis=axis, weights=wt, keepdims=keepdims)
        if along and wshape != shape:  # (equal shapes: numpy takes them as a's shape)
            pos = [a % nd for a in ax]
            order = sorted(range(len(pos)), key=lambda i: pos[i])
            wt = m.reshape(
                m.transpose(wt, order) if len(order) > 1 else wt,
                [shape[k] if k in pos else 1 for k in range(nd)],
            )
        return m.sum(v * wt, axis=axis, keepdims=keepdims) / m.sum(
            wt * np.ones(shape), axis=axis, keepdims=keepdims
        )

    check(weighted, [x, w], oracle=weighted)
    # returned=True: (average, sum of weights broadcast to the average's shape)
    for weights in [None, w]:
        ours = _on_bvars(
            lambda v, wt: anp.average(v, axis=axis, weights=wt, returned=True, keepdims=keepdims),
            x,
            weights,
        )
        theirs = np_average(x, axis=axis, weights=weights, returned=True, keepdims=keepdims)
        for a, b in zip(ours, theirs, strict=True):
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(a, b, rtol=1e-12)

    def total(m: Any, v: Any, wt: Any) -> Any:
        avg, scl = m.average(v, axis=axis, weights=wt, returned=True, keepdims=keepdims)
        return m.sum(avg * scl)

    gv, gw = ad.grad(lambda v, wt: total(anp, v, wt), argnums=(0, 1))(x, w)
    np.testing.assert_allclose(
        gv, fd_partial(lambda *v: total(np, *v), [x, w], 0), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        gw, fd_partial(lambda *v: total(np, *v), [x, w], 1), rtol=1e-5, atol=1e-6
    )


def test_average_errors_as_numpy() -> None:
    x = np.ones((2, 3))

    def run(**kw: Any) -> Any:
        return ad.grad(lambda v: anp.sum(anp.average(v, **kw)))(x)

    with pytest.raises(TypeError, match="Axis must be specified"):
        run(weights=np.ones(3))
    with pytest.raises(ValueError, match="Shape of weights"):
        run(axis=0, weights=np.ones(3))
    with pytest.raises(ZeroDivisionError):
        run(axis=1, weights=np.array([1.0, -1.0, 0.0]))
    with pytest.raises(TypeError, match="Axis must be specified"):
        np.average(x, weights=np.ones(3))


# ----- einsum, tensordot, inner, kron, cross -----

# (subscripts, operand shapes, autograd can differentiate it)
EINSUM: list[tuple[str, list[tuple[int, ...]], bool]] = [
    ("ij,jk->ik", [(2, 3), (3, 4)], True),
    ("ij,jk", [(2, 3), (3, 4)], True),
    ("ab,bc->ca", [(2, 3), (3, 2)], True),
    ("aB,Bc", [(2, 3), (3, 2)], True),
    ("i,i", [(3,), (3,)], True),
    ("i,i->i", [(3,), (3,)], True),
    ("i,j->ij", [(3,), (2,)], True),
    ("ij->ji", [(2, 3)], True),
    ("ijk->", [(2, 3, 2)], True),
    ("ij->j", [(2, 3)], True),
    (",ij->ij", [(), (2, 3)], True),
    ("bij,bjk,bkl->bil", [(2, 2, 3), (2, 3, 2), (2, 2, 2)], True),
    ("i,i,i->", [(3,), (3,), (3,)], True),
    ("ij,k->jk", [(2, 3), (2,)], True),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)], True),
    ("...i,...i->...", [(1, 3), (2, 3)], True),
    ("i...,i...", [(3, 1), (3, 2)], True),
    ("ij,ij->ij", [(1, 3), (2, 3)], True),
    # autograd does not sum its cotangent back to a broadcast size-1 label here
    ("ij,ij->i", [(2, 1), (2, 3)], False),
    ("ii->i", [(3, 3)], False),
    ("ii", [(3, 3)], False),
    ("iij,j->ij", [(2, 2, 3), (3,)], False),
    ("ii,ij->j", [(2, 2), (2, 3)], False),
    ("...ii->...i", [(2, 3, 3)], False),
]


@pytest.mark.parametrize(("spec", "shp", "ag"), EINSUM, ids=[c[0] for c in EINSUM])
@settings(max_examples=4)
@given(data=st.data())
def test_einsum(spec: str, shp: list[tuple[int, ...]], ag: bool, data: st.DataObject) -> None:
    xs = [data.draw(_array(s), label=f"x{i}") for i, s in enumerate(shp)]
    check(lambda m, *v: m.einsum(spec, *v), xs, autograd_ok=ag)


def test_einsum_interleaved_and_optimize() -> None:
    a = np.arange(6.0).reshape(2, 3) / 5.0
    b = np.cos(np.arange(12.0)).reshape(3, 4)

    def f(m: Any, x: Any, y: Any) -> Any:
        if m is anp:
            return anp.einsum(x, [0, 1], y, [1, Ellipsis], [Ellipsis, 0], optimize=True)
        return m.einsum("ij,j...->...i", x, y)

    check(f, [a, b], oracle=f)
    np.testing.assert_array_equal(
        anp.einsum(a, [0, 1], b, [1, 2], [0, 2]), np_einsum(a, [0, 1], b, [1, 2], [0, 2])
    )


def test_einsum_errors_as_numpy() -> None:
    a, b = np.ones((2, 3)), np.ones((4, 3))

    def run(spec: str, *ops: Any) -> Any:
        return ad.grad(lambda v: anp.sum(anp.einsum(spec, v, *ops)))(a)

    for spec, ops in [
        ("ij,jk", (b,)),
        ("ijk", ()),
        ("i", ()),
        ("ij,jk->ik", ()),
        ("ij,jk,k", (b, b, b)),
        ("ij->k", ()),
        ("ij->ii", ()),
    ]:
        with pytest.raises(ValueError) as theirs:  # noqa: PT011 - the message is compared
            np.einsum(spec, a, *ops)
        with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
            run(spec, *ops)
    with pytest.raises(ValueError, match="ellipsis"):
        run("i...->i")
    with pytest.raises(TypeError, match="out="):
        ad.grad(lambda v: anp.sum(anp.einsum("ij->i", v, out=np.zeros(2))))(a)


TENSORDOT: list[tuple[tuple[int, ...], tuple[int, ...], Any]] = [
    ((2, 3), (3, 2), 1),
    ((2, 3, 2), (3, 2), 2),
    ((2, 3), (2, 3), 2),
    ((2,), (3,), 0),
    ((2, 3), (2, 2), 0),
    ((2, 3, 2), (2, 2, 3), ([1, 0], [2, 1])),
    ((2, 3), (3, 2), ([-1], [0])),
    ((2, 3), (3, 2), (1, 0)),
]


@pytest.mark.parametrize(("sa", "sb", "axes"), TENSORDOT, ids=[str(c) for c in TENSORDOT])
@settings(max_examples=4)
@given(data=st.data())
def test_tensordot(sa: Any, sb: Any, axes: Any, data: st.DataObject) -> None:
    a = data.draw(_array(sa), label="a")
    b = data.draw(_array(sb), label="b")
    check(lambda m, x, y: m.tensordot(x, y, axes=axes), [a, b])


def test_tensordot_mismatch_raises() -> None:
    a, b = np.ones((2, 3)), np.ones((1, 2))
    with pytest.raises(ValueError, match="shape-mismatch"):
        np.tensordot(a, b, axes=([1], [0]))
    with pytest.raises(ValueError, match="shape-mismatch"):
        ad.grad(lambda v: anp.sum(anp.tensordot(v, b, axes=([1], [0]))))(a)
    with pytest.raises(ValueError, match="not aligned"):
        ad.grad(lambda v: anp.sum(anp.inner(v, b)))(a)
    with pytest.raises(ValueError, match="shape-mismatch"):
        ad.grad(lambda v: anp.sum(anp.dot(v, np.ones((2, 2, 2)))))(a)


PAIRS = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((2, 3), (4, 3)),
    ((2, 1, 3), (2, 3)),
    ((), (2, 3)),
    ((2,), ()),
    ((2, 2), (3, 1)),
    ((2,), (2, 3)),
]


@pytest.mark.parametrize(("sa", "sb"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
@settings(max_examples=3)
@given(data=st.data())
def test_inner_kron(sa: Any, sb: Any, data: st.DataObject) -> None:
    a = data.draw(_array(sa), label="a")
    b = data.draw(_array(sb), label="b")
    if sa == () or sb == () or sa[-1] == sb[-1]:
        check(lambda m, x, y: m.inner(x, y), [a, b])
    check(lambda m, x, y: m.kron(x, y), [a, b])


# (a's shape, b's shape, keywords, the shapes a and b broadcast to): autograd's cross does
# not unbroadcast, so its oracle broadcasts the operands first (multiplying by ones)
CROSS: list[tuple[tuple[int, ...], tuple[int, ...], dict[str, int], Any, Any]] = [
    ((3,), (3,), {}, (3,), (3,)),
    ((2, 3), (3,), {}, (2, 3), (2, 3)),
    ((2, 1, 3), (2, 3), {}, (2, 2, 3), (2, 2, 3)),
    ((3, 2), (2, 3), {"axisa": 0}, (3, 2), (2, 3)),
    ((3, 2), (3, 2), {"axis": 0}, (3, 2), (3, 2)),
    ((2, 3), (3, 2), {"axisb": 0, "axisc": 0}, (2, 3), (3, 2)),
    ((2, 3, 2), (3,), {"axisa": 1, "axisc": -2}, (2, 3, 2), (2, 2, 3)),
]


@pytest.mark.parametrize(("sa", "sb", "kw", "ba", "bb"), CROSS, ids=[str(c[:3]) for c in CROSS])
@settings(max_examples=4)
@given(data=st.data())
def test_cross(sa: Any, sb: Any, kw: dict[str, int], ba: Any, bb: Any, data: st.DataObject) -> None:
    a = data.draw(_array(sa), label="a")
    b = data.draw(_array(sb), label="b")
    check(
        lambda m, x, y: m.cross(x, y, **kw),
        [a, b],
        oracle=lambda m, x, y: m.cross(x * np.ones(ba), y * np.ones(bb), **kw),
    )


# ----- no gradient: plain results -----

NO_GRAD: list[tuple[str, Callable[[Any], Any]]] = [
    ("argmax", lambda m: m.argmax(X, axis=1)),
    ("argmax-flat", lambda m: m.argmax(X)),
    ("argmin", lambda m: m.argmin(X, axis=0, keepdims=True)),
    ("argsort", lambda m: m.argsort(X, axis=-1)),
    ("argsort-stable", lambda m: m.argsort(X, axis=None, stable=True)),
    ("argwhere", lambda m: m.argwhere(X > 0.0)),
    ("nonzero", lambda m: m.nonzero(X > 0.0)),
    ("searchsorted", lambda m: m.searchsorted(m.sort(X[0]), X[1], side="right")),
    ("count_nonzero", lambda m: m.count_nonzero(X > 0.0, axis=1)),
    ("isnan", lambda m: m.isnan(X / X)),
    ("isinf", lambda m: m.isinf(1.0 / X)),
    ("isfinite", lambda m: m.isfinite(X)),
    ("all", lambda m: m.all(X > -1.0, axis=0)),
    ("any", lambda m: m.any(X > 1.0)),
    ("floor", lambda m: m.floor(X * 3.0)),
    ("ceil", lambda m: m.ceil(X * 3.0)),
    ("round", lambda m: m.round(X * 3.0, decimals=1)),
    ("rint", lambda m: m.rint(X * 3.0)),
    ("trunc", lambda m: m.trunc(X * 3.0)),
]
X: Any = np.array([[0.3, -1.25, 0.0], [1.1, 0.45, -0.6]])


@pytest.mark.parametrize(("name", "f"), NO_GRAD, ids=[c[0] for c in NO_GRAD])
def test_no_grad_functions_return_numpy_results(name: str, f: Callable[[Any], Any]) -> None:
    global X
    x0 = X
    seen: list[Any] = []

    def loss(v: Any) -> Any:
        global X
        X = v  # a BVar (of a BVar, inside the hessian)
        try:
            seen.append(f(anp))
        finally:
            X = x0
        return anp.sum(v * v)

    with np.errstate(divide="ignore", invalid="ignore"):
        expected = f(np)
        ad.grad(loss)(x0)  # on BVars
        ad.hessian(loss)(x0)  # on BVars of BVars
        seen.append(f(anp))  # on plain values
    for got in seen:
        # no BVar anywhere: the same type and values as numpy's
        for a, b in zip(
            got if isinstance(got, tuple) else (got,),
            expected if isinstance(expected, tuple) else (expected,),
            strict=True,
        ):
            assert type(a) is type(b)
            np.testing.assert_array_equal(a, b)


def test_rounding_has_zero_gradient_as_in_autograd() -> None:
    x = np.array([[0.3, -1.25, 0.7], [1.1, 0.45, -0.6]])
    for name in ["floor", "ceil", "round", "rint", "trunc"]:

        def f(m: Any, v: Any, name: str = name) -> Any:
            return v * getattr(m, name)(v * 3.0) + m.sin(v)

        check(f, [x])


# ----- plain values: numpy's results; keywords as numpy's -----

P = np.array([[0.3, -1.25, 2.0], [1.1, 0.45, -0.6]])
PLAIN: list[tuple[str, Callable[[Any], Any]]] = [
    ("var", lambda m: m.var(P, 1, None, None, 1, True)),
    ("std", lambda m: m.std(a=P, axis=(0, 1), ddof=1)),
    ("var-float", lambda m: m.var(2.5)),
    ("cumsum", lambda m: m.cumsum(P)),
    ("cumsum-axis", lambda m: m.cumsum(a=P, axis=0)),
    ("cumsum-float", lambda m: m.cumsum(2.5)),
    ("cumprod", lambda m: m.cumprod(P, axis=-1)),
    ("diff", lambda m: m.diff(P, 2, 0, prepend=1.0)),
    ("diff-append", lambda m: m.diff(a=P, append=P[:, :1])),
    ("sort", lambda m: m.sort(P, axis=None)),
    ("sort-0", lambda m: m.sort(a=P, axis=0, kind="stable")),
    ("partition", lambda m: m.partition(P, 1, axis=-1)),
    ("amax", lambda m: m.amax(P, axis=1)),
    ("amin", lambda m: m.amin(P)),
    ("nansum", lambda m: m.nansum(np.where(P > 1.0, np.nan, P), axis=0)),
    ("nanmean", lambda m: m.nanmean(np.where(P > 1.0, np.nan, P), keepdims=True)),
    ("average", lambda m: m.average(P, axis=1, weights=[1.0, 2.0, 3.0])),
    ("average-returned", lambda m: m.average(P, returned=True)),
    ("einsum", lambda m: m.einsum("ij,kj->ik", P, P)),
    ("tensordot", lambda m: m.tensordot(P, P.T, axes=1)),
    ("inner", lambda m: m.inner(P, P)),
    ("kron", lambda m: m.kron(P, P[0])),
    ("kron-scalars", lambda m: m.kron(2.0, 3.0)),
    ("cross", lambda m: m.cross(P, P[::-1])),
    ("dot", lambda m: m.dot(P, P.T)),
    ("dot-nd", lambda m: m.dot(P, np.stack([P.T, P.T]))),
]


@pytest.mark.parametrize(("name", "f"), PLAIN, ids=[c[0] for c in PLAIN])
def test_plain_values_get_numpy_results(name: str, f: Callable[[Any], Any]) -> None:
    ours, theirs = f(anp), f(np)
    for a, b in zip(
        ours if isinstance(ours, tuple) else (ours,),
        theirs if isinstance(theirs, tuple) else (theirs,),
        strict=True,
    ):
        assert type(a) is type(b)
        assert np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)


def test_keywords_on_bvars() -> None:
    x = np.array([[0.3, -1.25, 2.0], [1.1, 0.45, -0.6]])

    def f(m: Any, v: Any) -> Any:
        return (
            m.cumsum(a=v, axis=1)
            + m.cumprod(a=v, axis=1)
            + m.sort(a=v, axis=1)[:, ::-1] * 0.5
            + m.diff(a=m.concatenate([v, v], axis=1), n=3, axis=-1)
            + m.var(a=v, axis=0, ddof=1)
            + m.std(a=v, axis=1, keepdims=True)
            + m.tensordot(a=v, b=np.eye(3), axes=1)
            + m.kron(a=v[:, :1], b=np.ones(3))
            + m.cross(a=v, b=v[::-1], axisa=-1, axisb=-1, axisc=-1)
            + m.average(a=v, axis=0, weights=np.array([1.0, 3.0]))
        )

    def oracle(m: Any, v: Any) -> Any:
        if m is np:
            return f(np, v)
        v2 = m.concatenate([v, v], axis=1)
        return (
            m.cumsum(v, axis=1)
            + m.stack([m.prod(v[:, : i + 1], axis=1) for i in range(3)], axis=1)
            + _sort_oracle(m, v, 1)[:, ::-1] * 0.5
            + m.diff(v2, n=3, axis=-1)
            + m.var(v, axis=0, ddof=1)
            + m.std(v, axis=1, keepdims=True)
            + m.dot(v, np.eye(3))
            + v[:, :1] * np.ones(3)
            + m.cross(v, v[::-1])
            + (v[0] + 3.0 * v[1]) / 4.0
        )

    check(f, [x], oracle=oracle)


def test_plain_lists_beside_bvars() -> None:
    # a plain operand may be a list, as for numpy
    x = np.array([[0.3, -1.25, 2.0], [1.1, 0.45, -0.6]])
    w = [1.0, 2.0, 0.5]

    def f(m: Any, v: Any) -> Any:
        return (
            m.cross(w, v)
            + m.kron([[1.0], [2.0]], v[:1]) * m.average(w, weights=v[0] * v[0] + 1.0)
            + m.einsum("i,ji->ji", w, v)
            + m.tensordot(v, [[1.0, 0.0, 2.0]] * 3, axes=1)
            + m.diff(v, prepend=[[0.5], [1.5]])
        )

    def oracle(m: Any, v: Any) -> Any:
        if m is np:
            return f(np, v)
        w2 = np.array(w)
        return (
            m.cross(w2 * np.ones((2, 3)), v)
            + np.array([[1.0], [2.0]])
            * v[:1]
            * m.sum(w2 * (v[0] * v[0] + 1.0))
            / m.sum(v[0] * v[0] + 1.0)
            + w2 * v
            + m.dot(v, np.array([[1.0, 0.0, 2.0]] * 3))
            + m.diff(m.concatenate([np.array([[0.5], [1.5]]), v], axis=1))
        )

    check(f, [x], oracle=oracle)
    with pytest.raises(ValueError, match="valid range"):
        ad.grad(lambda v: anp.sum(anp.einsum(v, [0, -1])))(x)


# ----- numpy.gradient with spacings and second-order edges (autograd takes only axis) -----

GRADIENT_CASES: list[tuple[str, Case]] = [
    ("spacing", lambda m, x: m.gradient(x, 0.5)[1]),
    ("per-axis spacings", lambda m, x: m.gradient(x, 2.0, 0.25)[0]),
    ("edge_order=2", lambda m, x: m.gradient(x, axis=1, edge_order=2)),
    ("axes tuple", lambda m, x: m.gradient(x, 0.5, axis=(1, 0))[0]),
    ("1-d", lambda m, x: m.gradient(x[1], edge_order=2)),
]


@pytest.mark.parametrize(("name", "f"), GRADIENT_CASES, ids=[n for n, _ in GRADIENT_CASES])
def test_gradient_with_spacings_and_edge_orders(name: str, f: Case) -> None:
    x = np.random.default_rng(3).normal(size=(3, 4))
    check(f, [x], autograd_ok=False)


def test_gradient_refuses_coordinate_arrays_on_bvars() -> None:
    with pytest.raises(NotImplementedError, match="spacing as numbers"):
        ad.grad_bp(lambda v: anp.sum(anp.gradient(v, np.array([0.0, 1.0, 3.0]))), np.ones(3))
