"""BVar: a value recorded on a tape, with numeric operators and optic access.

``BVar[_T]`` is what a differentiable function receives and returns inside a runner. It
holds the plain ``value`` (a ``T``), its ``Tape`` and its node index. Its operators
(``+ - * / ** @``, unary ``-``, indexing) record one node each; comparisons (``== != <
<= > >=``) compare values and return plain booleans or arrays. This module also owns the
generic lifting machinery ([`lift`][optic_ad.bvar.lift], [`Prim`][optic_ad.bvar.Prim]) used by ``optic_ad.numpy`` and by
Ops, the structural steps (a child of a structure, a structure of BVars as one BVar,
replacing a part) whose cotangents are sparse, and optic access on BVars
(``view_var``/``set_var``/``over_var``/``preview_var``/``to_list_of_var``), which works
on plain values too.

Why the operators are written out by hand: recording is most of the cost of scalar code,
so the common case (both operands on the same tape, or a plain number on one side) is
handled inline with no generic dispatch; everything else goes through [`lift`][optic_ad.bvar.lift].

Optics are used by duck typing (``view``/``set``/``over``/``to_list``, ``path`` and
``one_focus``), so this module does not import ``optic_ad.optics``, which sits above it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, NoReturn, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from optic_ad import structure
from optic_ad.registry import add, lifted_type, one, register, zero
from optic_ad.tape import (
    BATCH_SAFE_RULES,
    JVP_RULES,
    NAMED_RULES,
    NO_JVP,
    SPARSE_RULES,
    EscapedBVarError,
    NaNError,
    Rule,
    Sparse,
    Tape,
    is_bad,
    r_item,
    rule_name,
    user_line,
)

if TYPE_CHECKING:  # optics: typing only (optics.py sits above this module)
    from optic_ad.optics import Lens, Traversal

__all__ = [
    "NUMPY_HOOKS",
    "BVar",
    "JvpSpec",
    "Num",
    "NumpyHooks",
    "Prim",
    "assemble",
    "auto",
    "const",
    "foci_into_zero",
    "item",
    "lift",
    "over_var",
    "plain",
    "preview_var",
    "record",
    "set_path",
    "set_var",
    "shape_of",
    "split_args",
    "to_list_of_var",
    "view_var",
]

_T = TypeVar("_T")
A = TypeVar("A")
S = TypeVar("S")
_K = TypeVar("_K")
_V = TypeVar("_V")

_new = object.__new__


class NumpyHooks:
    """The functions of ``optic_ad.numpy`` that BVar's methods call (``v.sum()``, ``v.T``,
    ``v @ w``, ``v ** w``, ``np.sin(v)``...).

    ``optic_ad.numpy`` sits above this module (its rules need BVar), so it fills these in
    when it is imported, which importing any part of ``optic_ad`` does: this module imports
    nothing from above.
    """

    abs: Callable[[BVar[Any]], BVar[Any]]
    array: Callable[[Any, Any], Any]
    array_function: Callable[[Any, Any, Any], Any]
    array_ufunc: Callable[[Any, str, Any, Any], Any]
    matmul: Callable[[Any, Any], BVar[Any]]
    mean: Callable[..., BVar[Any]]
    power: Callable[[Any, Any], BVar[Any]]
    ravel: Callable[[BVar[Any]], BVar[Any]]
    remainder: Callable[[Any, Any], BVar[Any]]
    reshape: Callable[[BVar[Any], Any], BVar[Any]]
    squeeze: Callable[[BVar[Any], Any], BVar[Any]]
    sum: Callable[..., BVar[Any]]
    take_index: Callable[[BVar[Any], Any], BVar[Any]]
    transpose: Callable[[BVar[Any]], BVar[Any]]
    unbroadcast: Callable[[Any, tuple[int, ...], int], Any]


NUMPY_HOOKS = NumpyHooks()
_anp = NUMPY_HOOKS


def _escaped(tape: Tape) -> EscapedBVarError:
    msg = (
        f"a BVar escaped its tape: it was made by a runner that has returned ({tape!r}). "
        "Use the runner's results (plain values), or do this work inside the function "
        "being differentiated."
    )
    return EscapedBVarError(msg)


def record(tape: Tape, value: Any, rule: Rule, parents: tuple[int, ...], saved: Any) -> BVar[Any]:
    """Append a node ``(rule, parents, saved)`` to ``tape`` and return a BVar of ``value``."""
    return _rec(tape, value, rule, parents, saved)


def _rec(tape: Tape, value: Any, rule: Rule, parents: tuple[int, ...], saved: Any) -> BVar[Any]:
    """Append a node to ``tape`` and return the BVar holding ``value``."""
    if not tape.alive:
        raise _escaped(tape)
    nodes = tape.nodes
    v: BVar[Any] = _new(BVar)
    v.value = value
    v._tape = tape
    v._index = len(nodes)
    nodes.append((rule, parents, saved))
    if tape.special:
        if tape.debug_nans:
            _check_value(tape, v._index, value, rule, saved)
        tape.on_record(v._index, value)
    return v


def _check_value(tape: Tape, index: int, value: Any, rule: Rule, saved: Any) -> None:
    # Only reached with debug_nans=True: name the op and the user's source line for this
    # and later error messages (walking the stack is too slow to do unconditionally).
    frame = sys._getframe(2)
    name = str(saved[0].name) if rule in NAMED_RULES else rule_name(rule)
    tape.names[index] = name
    where = user_line(frame)
    if where is not None:
        tape.where[index] = where
    if is_bad(value.value if type(value) is BVar else value):
        at = f", recorded at {where}" if where else ""
        msg = f"op '{name}' (node {index}{at}) produced a NaN or inf value"
        raise NaNError(msg)


def plain(x: Any) -> Any:
    """The plain value inside ``x``: ``x`` itself unless it is a BVar (of any depth)."""
    while type(x) is BVar:
        x = x.value
    return x


def shape_of(x: Any) -> tuple[int, ...] | None:
    """The array shape of a float, numpy value or BVar of one; ``None`` for structures."""
    t = type(x)
    if t is float or t is int or t is complex:
        return ()
    if t is np.ndarray or isinstance(x, np.generic):
        return x.shape  # type: ignore[no-any-return]
    if t is BVar:
        return shape_of(x.value)
    return None


def _ub(x: Any, out: Any) -> tuple[tuple[int, ...], int] | None:
    # Decided at record time so the backward pass of the common case does nothing:
    # None means "the cotangent already has x's shape".
    to = type(out)
    if to is float:
        # a Python float result means both operands were Python scalars
        return None
    if to is np.ndarray and type(x) is np.ndarray:
        sx = x.shape
        so = out.shape
        return None if sx == so else (sx, len(so))
    tx = type(x)
    if tx is to and tx is int:
        return None
    sx = shape_of(x)
    so = shape_of(out)
    if sx is None or so is None or sx == so:
        return None
    return (sx, len(so))


# saved unbroadcast info of two operands that need none (Python float results)
_NO_UB = (None, None)


def _ub2(a: Any, b: Any, out: Any) -> Any:
    ia, ib = _ub(a, out), _ub(b, out)
    return _NO_UB if ia is None and ib is None else (ia, ib)


def sum_to_shape(g: Any, *, shape: tuple[int, ...], out_ndim: int) -> Any:
    """Sum a plain cotangent ``g`` of a broadcast result (``out_ndim`` dims, plus any leading
    batch dims of ``g``) back to an operand of ``shape``: numpy's side of ``unbroadcast``."""
    nd = np.ndim(g)
    batch = nd - out_ndim
    lead = tuple(range(batch, nd - len(shape)))
    if lead:
        g = np.sum(g, axis=lead)
    gs = np.shape(g)
    keep = tuple(
        i - len(shape) for i, d in enumerate(shape) if d == 1 and gs[len(gs) - len(shape) + i] != 1
    )
    if keep:
        g = np.sum(g, axis=keep, keepdims=True)
    return g


def _unb(g: Any, info: tuple[tuple[int, ...], int] | None) -> Any:
    if info is None:
        return g
    if type(g) is np.ndarray:
        # a plain cotangent records nothing: skip lift and call numpy's side directly
        return sum_to_shape(g, shape=info[0], out_ndim=info[1])
    return _anp.unbroadcast(g, info[0], info[1])


# ----- hot operator rules: saved values are plain or outer-tape BVars -----


def _r_add(g: Any, s: Any) -> tuple[Any, ...]:
    if s is _NO_UB:
        return (g, g)
    return (_unb(g, s[0]), _unb(g, s[1]))


def _r_add1(g: Any, s: Any) -> tuple[Any, ...]:
    if s is None:
        return (g,)
    return (_unb(g, s),)


def _r_sub(g: Any, s: Any) -> tuple[Any, ...]:
    if s is _NO_UB:
        return (g, -g)
    return (_unb(g, s[0]), _unb(-g, s[1]))


def _r_neg1(g: Any, s: Any) -> tuple[Any, ...]:
    return (_unb(-g, s),)


def _r_mul(g: Any, s: Any) -> tuple[Any, ...]:
    a, b, ia, ib = s
    if ia is None and ib is None:
        return (g * b, g * a)
    return (_unb(g * b, ia), _unb(g * a, ib))


def _r_square(g: Any, s: Any) -> tuple[Any, ...]:
    # exactly g * x + g * x, the cotangent x * x would get as a product
    return (g * s * 2.0,)


def _r_mul1(g: Any, s: Any) -> tuple[Any, ...]:
    c, info = s
    if info is None:
        return (g * c,)
    return (_unb(g * c, info),)


def _r_div(g: Any, s: Any) -> tuple[Any, ...]:
    a, b, ia, ib = s
    gb = g / b
    return (_unb(gb, ia), _unb(-gb * a / b, ib))


def _r_div_num(g: Any, s: Any) -> tuple[Any, ...]:
    # x / c
    return (_unb(g / s[0], s[1]),)


def _r_div_den(g: Any, s: Any) -> tuple[Any, ...]:
    # c / x, saved (c, x, info)
    c, x, info = s
    return (_unb(-g * c / (x * x), info),)


def _r_pow_const(g: Any, s: Any) -> tuple[Any, ...]:
    x, p, info = s
    if p == 2:
        return (_unb(g * (2 * x), info),)
    if p == 0:
        # not 0 * x**-1, which is NaN (or ZeroDivisionError) at x == 0
        return (_unb(g * (0.0 * x), info),)
    return (_unb(g * (p * x ** (p - 1)), info),)


def _r_neg(g: Any, s: Any) -> tuple[Any, ...]:
    return (-g,)


# ----- their tangents (forward mode): JVP_RULES[rule](tangents, saved, value) -----


def _bc(t: Any, info: Any, value: Any) -> Any:
    # a tangent of an operand broadcast to the result's shape (adding zeros records it)
    if info is None:
        return t
    return t + np.zeros(np.shape(plain(value)))


def _f_add(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return ts[0] + ts[1]


def _f_add1(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return _bc(ts[0], s, value)


def _f_sub(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return ts[0] - ts[1]


def _f_neg1(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return _bc(-ts[0], s, value)


def _f_mul(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return ts[0] * s[1] + s[0] * ts[1]


def _f_square(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return ts[0] * s * 2.0


def _f_mul1(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return _bc(ts[0] * s[0], s[1], value)


def _f_div(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    a, b = s[0], s[1]
    return ts[0] / b - ts[1] * a / (b * b)


def _f_div_num(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return _bc(ts[0] / s[0], s[1], value)


def _f_div_den(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    c, x, info = s
    return _bc(-ts[0] * c / (x * x), info, value)


def _f_pow_const(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    x, p, info = s
    (t,) = ts
    if p == 2:
        return _bc(t * (2 * x), info, value)
    if p == 0:
        return _bc(t * (0.0 * x), info, value)
    return _bc(t * (p * x ** (p - 1)), info, value)


def _f_neg(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    return -ts[0]


JVP_RULES.update(
    {
        _r_add: _f_add,
        _r_add1: _f_add1,
        _r_sub: _f_sub,
        _r_neg1: _f_neg1,
        _r_mul: _f_mul,
        _r_square: _f_square,
        _r_mul1: _f_mul1,
        _r_div: _f_div,
        _r_div_num: _f_div_num,
        _r_div_den: _f_div_den,
        _r_pow_const: _f_pow_const,
        _r_neg: _f_neg,
    }
)


# ----- generic lifting: every lifted function and Op goes through here -----


JvpSpec = Literal["linear", "multilinear", "elementwise"] | Callable[..., Any] | None


class Prim:
    """A primitive: a forward function on plain values, one VJP per argument, and a JVP.

    ``vjps[i](g, ans, *args, **kw)`` returns the cotangent of argument ``i`` given the
    output cotangent ``g``; it must be written with lifted operations so that it can be
    differentiated again. ``None`` in ``vjps`` means "no gradient to this argument".
    ``batch_safe`` says that every VJP accepts extra leading (batch) dimensions on ``g``,
    so a whole Jacobian can be pulled back in one pass with a batched seed.

    ``jvp`` gives forward mode its tangent: ``jvp(ts, ans, *args, **kw)`` with ``ts`` one
    tangent per argument (``None`` for a constant), written with lifted operations; or
    ``"linear"`` (the function is linear in its differentiable arguments together, so its
    tangent is itself applied to theirs), ``"multilinear"`` (linear in each: the sum over
    the arguments of the function with that one replaced by its tangent), or
    ``"elementwise"`` (one argument, one output element per input element: the VJP applied
    to the tangent). ``None`` (the default) transposes the VJPs, which is always right and
    costs a small reverse pass per call.
    """

    __slots__ = ("batch_safe", "fwd", "jvp", "name", "vjps")

    def __init__(
        self,
        name: str,
        fwd: Callable[..., Any],
        vjps: Sequence[Callable[..., Any] | None],
        *,
        batch_safe: bool = False,
        jvp: JvpSpec = None,
    ) -> None:
        self.name = name
        self.fwd = fwd
        self.vjps = vjps
        self.batch_safe = batch_safe
        self.jvp = jvp

    def __repr__(self) -> str:
        return f"Prim({self.name!r})"


def _prim_rule(g: Any, saved: Any) -> tuple[Any, ...]:
    prim, argnums, args, kw, ans = saved
    vjps = prim.vjps
    if len(argnums) == 1:
        if not kw and len(args) == 1:
            return (vjps[argnums[0]](g, ans, args[0]),)
        return (vjps[argnums[0]](g, ans, *args, **kw),)
    return tuple(vjps[i](g, ans, *args, **kw) for i in argnums)


NAMED_RULES.add(_prim_rule)


def _tangent_zero(x: Any) -> Any:
    # the tangent of a constant argument of a linear function
    return zero(plain(x))


def _has_vjp(vjps: Sequence[Any], i: int) -> bool:
    # (variadic primitives index their vjps without a length)
    try:
        return vjps[i] is not None
    except IndexError:
        return False


def _prim_jvp(ts: tuple[Any, ...], saved: Any, value: Any) -> Any:
    prim, argnums, args, kw, ans = saved
    spec = prim.jvp
    if spec is None:
        return NO_JVP
    if spec == "elementwise":
        x = args[0]
        if np.iscomplexobj(plain(x)):
            return NO_JVP  # a VJP of a complex input may conjugate (abs, angle)
        return prim.vjps[0](ts[0], ans, *args, **kw)
    if spec == "linear":
        full = list(args)
        given = dict(zip(argnums, ts, strict=True))
        vjps = prim.vjps
        for i, a in enumerate(args):
            if i in given:
                full[i] = given[i]
            elif _has_vjp(vjps, i):
                full[i] = _tangent_zero(a)
        return lift(prim, tuple(full), kw)
    if spec == "multilinear":
        total: Any = None
        for i, t in zip(argnums, ts, strict=True):
            term = lift(prim, (*args[:i], t, *args[i + 1 :]), kw)
            total = term if total is None else total + term
        return total
    assert callable(spec)
    full_ts: list[Any] = [None] * len(args)
    for i, t in zip(argnums, ts, strict=True):
        full_ts[i] = t
    return spec(tuple(full_ts), ans, *args, **kw)


def _f_item(ts: tuple[Any, ...], saved: Any, value: Any) -> Any:
    return item(ts[0], saved[1])


JVP_RULES[_prim_rule] = _prim_jvp
JVP_RULES[r_item] = _f_item


def split_args(
    args: tuple[Any, ...], differentiable: Callable[[int], bool]
) -> tuple[Tape | None, tuple[Any, ...], tuple[int, ...], tuple[int, ...]]:
    """Find the deepest tape among the BVars in ``args``.

    Returns ``(tape, inner, parents, argnums)``: ``inner`` is ``args`` with that tape's
    BVars replaced by their values (BVars of shallower tapes stay, as constants),
    ``parents`` their node indices and ``argnums`` their positions, for the positions
    where ``differentiable(i)``. ``tape`` is ``None`` when no argument is a BVar.
    """
    top: Tape | None = None
    for a in args:
        if type(a) is BVar:
            t = a._tape
            if top is None or t.depth > top.depth:
                top = t
    if top is None:
        return None, args, (), ()
    inner: list[Any] = []
    parents: list[int] = []
    argnums: list[int] = []
    for i, a in enumerate(args):
        if type(a) is BVar:
            if a._tape is top:
                inner.append(a.value)
                if differentiable(i):
                    parents.append(a._index)
                    argnums.append(i)
                continue
            if not a._tape.alive:
                raise _escaped(a._tape)
        inner.append(a)
    return top, tuple(inner), tuple(parents), tuple(argnums)


def lift(prim: Prim, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    """Apply ``prim`` to ``args``: on plain values run ``prim.fwd``; if any argument is a
    BVar, record one node on the deepest tape among them (BVars of shallower tapes are
    constants to it) and return a BVar."""
    vjps = prim.vjps
    if len(args) == 1:
        # the common unary case, without split_args' lists and closure
        (x,) = args
        if type(x) is not BVar:
            return prim.fwd(x, **kw)
        v = x.value
        ans = lift(prim, (v,), kw) if type(v) is BVar else prim.fwd(v, **kw)
        if vjps[0] is None:
            return _rec(x._tape, ans, _prim_rule, (), (prim, (), (v,), kw, ans))
        return _rec(x._tape, ans, _prim_rule, (x._index,), (prim, _ARG0, (v,), kw, ans))
    top, inner, parents, argnums = split_args(args, lambda i: vjps[i] is not None)
    if top is None:
        return prim.fwd(*args, **kw)
    ans = lift(prim, inner, kw)
    return _rec(top, ans, _prim_rule, parents, (prim, argnums, inner, kw, ans))


_ARG0 = (0,)


def _other(a: BVar[Any], b: BVar[Any]) -> int:
    """Which operand records when two BVars of different tapes meet: 0 for ``a``, 1 for
    ``b``. The deeper tape records; the other operand is a constant to it."""
    ta, tb = a._tape, b._tape
    if not ta.alive:
        raise _escaped(ta)
    if not tb.alive:
        raise _escaped(tb)
    return 1 if tb.depth > ta.depth else 0


def _always(i: int) -> bool:
    return True


# ----- structure: children, assembling, replacing; their cotangents are sparse -----


def _static_part(part: Any) -> bool:
    return structure.is_static(plain(part))


def _index(pv: Any, nd: structure.Node, key: Any) -> int:
    # the key under which Sparse cotangents and Node.get know a child of a sequence
    if not isinstance(key, int | np.integer) or isinstance(key, bool):
        msg = f"{type(pv).__qualname__} indices must be integers, not {type(key).__name__}"
        raise TypeError(msg)
    i = int(key)
    n = len(nd.flatten(pv)[0])
    if i < 0:
        i += n
    if not 0 <= i < n:
        msg = f"{type(pv).__qualname__} index {key} out of range for length {n}"
        raise IndexError(msg)
    return i


def item(v: Any, key: Any) -> Any:
    """The child under ``key`` of a BVar of a structure (index, dict key or field name),
    recorded so that its cotangent is ``Sparse(whole, {key: g})``. A static child (an
    ``int``, a ``str``...) comes back as a plain value: it is a constant. On a plain value,
    the child itself; on an array (or a BVar of one), ``x[key]``."""
    if type(v) is not BVar:
        return structure.child(v, key) if structure.node(v) is not None else v[key]
    val = v.value
    tv = type(val)
    if (tv is list or tv is tuple) and type(key) is int and 0 <= key < len(val):
        # the common case (a list of weights), without the generic steps below
        part = val[key]
        tp = type(part)
        if tp is float or tp is np.ndarray or tp is BVar or not structure.is_static(part):
            return _rec(v._tape, part, r_item, (v._index,), (val, key))
        return part
    nested = tv is BVar
    pv = plain(val) if nested else val
    nd = structure.node(pv)
    if nd is None:
        return v[key]  # an array: an array index
    k = _index(pv, nd, key) if nd.indexed else key
    part = item(val, k) if nested else nd.get(val, k)
    tp = type(part)
    if tp is not BVar and tp is not float and tp is not np.ndarray and structure.is_static(part):
        return part
    return _rec(v._tape, part, r_item, (v._index,), (pv, k))


def ct_at(g: Any, path: Sequence[Hashable]) -> Any:
    """The part at ``path`` of a cotangent ``g`` (dense, ``Sparse`` or a BVar of an outer
    tape); ``None`` where a sparse cotangent has nothing."""
    for k in path:
        t = type(g)
        if t is Sparse:
            g = g.parts.get(k)
            if g is None:
                return None
        elif t is BVar:
            g = item(g, k)
        else:
            g = structure.child(g, k)
    return g


def _strip(
    x: Any, tape: Tape, found: list[tuple[tuple[Hashable, ...], int]], path: tuple[Hashable, ...]
) -> Any:
    # x with the BVars of `tape` replaced by their values; their paths and nodes in `found`
    if type(x) is BVar:
        if x._tape is tape:
            found.append((path, x._index))
            return x.value
        if not x._tape.alive:
            raise _escaped(x._tape)
        return x
    nd = structure.node(x)
    if nd is None:
        return x
    kids, aux = nd.flatten(x)
    ks = nd.keys(aux, len(kids))
    return nd.unflatten(
        aux, [_strip(c, tape, found, (*path, k)) for k, c in zip(ks, kids, strict=True)]
    )


def _deepest(x: Any, top: Tape | None) -> Tape | None:
    if type(x) is BVar:
        t = x._tape
        return t if top is None or t.depth > top.depth else top
    nd = structure.node(x)
    if nd is None:
        return top
    for c in nd.flatten(x)[0]:
        top = _deepest(c, top)
    return top


def assemble(x: Any) -> Any:
    """One BVar of a structure from a structure holding BVars (at any depth, among plain
    values): the inverse of taking it apart with `item`. Each BVar gets the part of
    the cotangent at its place. Without BVars, ``x`` itself."""
    top = _deepest(x, None)
    if top is None:
        return x
    found: list[tuple[tuple[Hashable, ...], int]] = []
    value = _strip(x, top, found, ())
    if len(found) == 1 and found[0][0] == ():
        return x  # x is itself a BVar of the deepest tape
    # the value may still hold BVars of outer tapes: so must the structure there
    outer = _deepest(value, None)
    if outer is not None:
        value = assemble(value)
    paths = tuple(p for p, _ in found)
    return _rec(top, value, _r_assemble, tuple(i for _, i in found), paths)


def _r_assemble(g: Any, paths: Any) -> tuple[Any, ...]:
    return tuple(ct_at(g, p) for p in paths)


def replace_path(x: Any, path: Sequence[Hashable], new: Any) -> Any:
    """The plain structure ``x`` with the part at ``path`` (keys of nested structures;
    ``()``: the whole) replaced by ``new``."""
    if not path:
        return new
    k = path[0]
    return structure.replace_child(x, k, replace_path(structure.child(x, k), path[1:], new))


def _nodes_along(x: Any, path: Sequence[Hashable]) -> bool:
    # whether every container on the way to path's end is a structure (not an array)
    for k in path:
        if structure.node(x) is None:
            return False
        x = structure.child(x, k)
    return True


def set_path(whole: Any, path: tuple[Hashable, ...], part: Any) -> Any:
    """``whole`` with the part at ``path`` (keys of nested structures) replaced by
    ``part``, differentiably: the part's cotangent is the cotangent at ``path``, the
    whole's is the rest (sparse where the cotangent is)."""
    top, inner, parents, argnums = split_args((whole, part), _always)
    if top is None:
        return replace_path(whole, path, part)
    value = set_path(inner[0], path, inner[1])
    return _rec(top, value, _r_set_path, parents, (path, plain(inner[1]), argnums))


def _r_set_path(g: Any, s: Any) -> tuple[Any, ...]:
    path, part_like, argnums = s
    return tuple(_without(g, path, part_like) if a == 0 else ct_at(g, path) for a in argnums)


def _without(g: Any, path: Sequence[Hashable], part_like: Any) -> Any:
    # the cotangent g with nothing at path
    t = type(g)
    if t is Sparse:
        k = path[0]
        sub = g.parts.get(k)
        if sub is None:
            return g
        parts = dict(g.parts)
        if len(path) == 1:
            del parts[k]
        else:
            parts[k] = _without(sub, path[1:], part_like)
        return Sparse(g.like, parts) if parts else None
    return set_path(g, tuple(path), zero(part_like))


SPARSE_RULES.update((_r_assemble, _r_set_path))


def _f_assemble(ts: tuple[Any, ...], paths: Any, value: Any) -> Any:
    # zeros where the structure holds constants, each part's tangent at its place
    t = zero(plain(value))
    for p, tp in zip(paths, ts, strict=True):
        t = replace_path(t, p, tp)
    return assemble(t)


def _f_set_path(ts: tuple[Any, ...], s: Any, value: Any) -> Any:
    path, part_like, argnums = s
    given = dict(zip(argnums, ts, strict=True))
    whole = given[0] if 0 in given else zero(plain(value))
    part = given[1] if 1 in given else zero(part_like)
    return set_path(whole, path, part)


JVP_RULES[_r_assemble] = _f_assemble
JVP_RULES[_r_set_path] = _f_set_path
BATCH_SAFE_RULES.add(_r_assemble)


# record class -> {field name: child key} (the name, or the position in a NamedTuple);
# None for a class that is not a record
_FIELD_KEYS: dict[type, dict[str, Hashable] | None] = {}
_UNSEEN: Any = object()


def _field_keys(cls: type) -> dict[str, Hashable] | None:
    names = structure.field_names(cls)
    keys: dict[str, Hashable] | None = None
    if names is not None:
        positional = issubclass(cls, tuple)
        keys = {n: (i if positional else n) for i, n in enumerate(names)}
    _FIELD_KEYS[cls] = keys
    return keys


_FIELD_PROPS: set[str] = set()


def _field_property(name: str) -> property:
    def get(self: BVar[Any]) -> BVar[Any]:
        return self._field(name)

    get.__name__ = name
    return property(get, doc=f"The field ``{name}`` of the record this BVar holds.")


def _install_fields(cls: type) -> None:
    """Give BVar a property for each field of the record class ``cls`` (BVar's own names,
    and names starting with ``_``, are left to ``view``)."""
    for name in structure.field_names(cls) or ():
        if name[:1] == "_" or name in _FIELD_PROPS or hasattr(BVar, name):
            continue
        setattr(BVar, name, _field_property(name))
        _FIELD_PROPS.add(name)


def _no_field(cls: type, name: str, keys: dict[str, Hashable] | None) -> AttributeError:
    if keys is None:
        msg = (
            f"'BVar' object has no attribute {name!r} (it holds a {cls.__qualname__}, not a "
            "record: v.field reads fields of attrs classes, dataclasses and NamedTuples)"
        )
        return AttributeError(msg)
    n = cls.__qualname__
    msg = (
        f"{n} has no field {name!r} (fields: {', '.join(keys)}); read a field with v.field "
        f"or v.view(ad.lenses({n}).field)"
    )
    return AttributeError(msg)


class BVar(Generic[_T]):
    """A value of type ``T`` recorded on a tape.

    Inside a runner, arithmetic, ``optic_ad.numpy`` functions and optic access on a
    BVar record the operations; ``value`` is the plain value. On a BVar of a record
    (attrs class, dataclass, NamedTuple), ``v.w`` reads field ``w`` as ``v.view(lenses(Cls).w)``
    does (typed ``BVar[<field type>]`` by the mypy plugin). A BVar must not outlive its
    runner (using it afterwards raises ``EscapedBVarError``).
    """

    __slots__ = ("__weakref__", "_index", "_tape", "value")

    value: _T
    _tape: Tape
    _index: int

    def __init__(self, value: _T, tape: Tape) -> None:
        """Record ``value`` as a new input node of ``tape`` (runners do this for you)."""
        if not tape.alive:
            raise _escaped(tape)
        self.value = value
        self._tape = tape
        self._index = len(tape.nodes)
        tape.nodes.append((None, (), None))

    def __repr__(self) -> str:
        return f"BVar({self.value!r})"

    # ----- arithmetic -----

    def __add__(self, other: Any) -> BVar[_T]:
        if type(other) is BVar:
            if other._tape is self._tape:
                a, b = self.value, other.value
                ans = a + b
                return _rec(
                    self._tape,
                    ans,
                    _r_add,
                    (self._index, other._index),
                    _NO_UB if type(ans) is float else _ub2(a, b, ans),
                )
            if _other(self, other):
                return other.__radd__(self)
        a = self.value
        ans = a + other
        return _rec(
            self._tape, ans, _r_add1, (self._index,), None if type(ans) is float else _ub(a, ans)
        )

    def __radd__(self, other: Any) -> BVar[_T]:
        a = self.value
        ans = other + a
        return _rec(
            self._tape, ans, _r_add1, (self._index,), None if type(ans) is float else _ub(a, ans)
        )

    def __sub__(self, other: Any) -> BVar[_T]:
        if type(other) is BVar:
            if other._tape is self._tape:
                a, b = self.value, other.value
                ans = a - b
                return _rec(
                    self._tape,
                    ans,
                    _r_sub,
                    (self._index, other._index),
                    _NO_UB if type(ans) is float else _ub2(a, b, ans),
                )
            if _other(self, other):
                return other.__rsub__(self)
        a = self.value
        ans = a - other
        return _rec(
            self._tape, ans, _r_add1, (self._index,), None if type(ans) is float else _ub(a, ans)
        )

    def __rsub__(self, other: Any) -> BVar[_T]:
        a = self.value
        ans = other - a
        return _rec(
            self._tape, ans, _r_neg1, (self._index,), None if type(ans) is float else _ub(a, ans)
        )

    def __mul__(self, other: Any) -> BVar[_T]:
        if type(other) is BVar:
            if other is self:
                # x * x: one cotangent 2 g x instead of two that must then be added
                v: Any = self.value
                return _rec(self._tape, v * v, _r_square, (self._index,), v)
            if other._tape is self._tape:
                a, b = self.value, other.value
                ans = a * b
                return _rec(
                    self._tape,
                    ans,
                    _r_mul,
                    (self._index, other._index),
                    (a, b, None, None) if type(ans) is float else (a, b, _ub(a, ans), _ub(b, ans)),
                )
            if _other(self, other):
                return other.__rmul__(self)
        a = self.value
        ans = a * other
        return _rec(
            self._tape,
            ans,
            _r_mul1,
            (self._index,),
            (other, None if type(ans) is float else _ub(a, ans)),
        )

    def __rmul__(self, other: Any) -> BVar[_T]:
        a = self.value
        ans = other * a
        return _rec(
            self._tape,
            ans,
            _r_mul1,
            (self._index,),
            (other, None if type(ans) is float else _ub(a, ans)),
        )

    def __truediv__(self, other: Any) -> BVar[_T]:
        if type(other) is BVar:
            if other._tape is self._tape:
                a, b = self.value, other.value
                ans = a / b
                return _rec(
                    self._tape,
                    ans,
                    _r_div,
                    (self._index, other._index),
                    (a, b, None, None) if type(ans) is float else (a, b, _ub(a, ans), _ub(b, ans)),
                )
            if _other(self, other):
                return other.__rtruediv__(self)
        a = self.value
        ans = a / other
        return _rec(
            self._tape,
            ans,
            _r_div_num,
            (self._index,),
            (other, None if type(ans) is float else _ub(a, ans)),
        )

    def __rtruediv__(self, other: Any) -> BVar[_T]:
        a = self.value
        ans = other / a
        return _rec(self._tape, ans, _r_div_den, (self._index,), (other, a, _ub(a, ans)))

    def __pow__(self, other: Any) -> BVar[_T]:
        if type(other) is BVar or not isinstance(other, int | float):
            return _anp.power(self, other)
        a: Any = self.value
        ans = a**other
        return _rec(self._tape, ans, _r_pow_const, (self._index,), (a, other, _ub(a, ans)))

    def __rpow__(self, other: Any) -> BVar[_T]:
        return _anp.power(other, self)

    def __neg__(self) -> BVar[_T]:
        return _rec(self._tape, -self.value, _r_neg, (self._index,), None)  # type: ignore[operator]

    def __pos__(self) -> BVar[_T]:
        return self

    def __abs__(self) -> BVar[_T]:
        return _anp.abs(self)

    def __matmul__(self, other: Any) -> BVar[Any]:
        return _anp.matmul(self, other)

    def __rmatmul__(self, other: Any) -> BVar[Any]:
        return _anp.matmul(other, self)

    # ----- plain numpy on a BVar: numpy's dispatch protocols (optic_ad.numpy.dispatch) -----

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.sin(v)``, ``array * v``: the lifted function records the node."""
        if len(inputs) == 2 and inputs[1] is self and type(inputs[0]) is not BVar and not kwargs:
            # ``array <op> v`` (numpy hands its operators here): straight to the reflected
            # operator, the hot case of rules differentiated again (a BVar on the left is
            # never a constant: the general path below)
            reflected = _REFLECTED.get(ufunc)
            if reflected is not None and method == "__call__":
                return reflected(self, inputs[0])
        return _anp.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(
        self, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """``np.sum(v)``, ``np.hstack([v, w])``: the lifted function records the node."""
        return _anp.array_function(func, args, kwargs)

    if not TYPE_CHECKING:
        # hidden from type checkers: with ``__array__`` numpy's stubs would take a BVar for
        # an array-like and type ``ndarray @ v`` as an ndarray instead of a BVar
        def __array__(self, dtype: Any = None, copy: Any = None) -> NoReturn:
            # numpy would otherwise build an object array of scalar BVars: slow, and a silent
            # zero gradient when such an array is returned
            msg = (
                "numpy cannot put a BVar into an array (np.array, np.asarray): use "
                "optic_ad.numpy.array or optic_ad.numpy.stack (import optic_ad.numpy as anp), "
                "or v.value for a plain copy (a constant to the rest of the computation)."
            )
            raise TypeError(msg)

    # ----- comparisons compare values: plain results, no node, no gradient -----

    def __eq__(self, other: object) -> Any:
        return plain(self) == plain(other)

    def __ne__(self, other: object) -> Any:
        return plain(self) != plain(other)

    __hash__ = None  # type: ignore[assignment]  # compares by value, as numpy arrays do

    def __lt__(self, other: Any) -> Any:
        return plain(self) < plain(other)

    def __le__(self, other: Any) -> Any:
        return plain(self) <= plain(other)

    def __gt__(self, other: Any) -> Any:
        return plain(self) > plain(other)

    def __ge__(self, other: Any) -> Any:
        return plain(self) >= plain(other)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __float__(self) -> float:
        # a plain float cannot carry a gradient: converting would silently cut the chain
        msg = (
            "float() of a BVar would drop its gradient. Keep computing with the BVar, or "
            "use v.value for its plain value (a constant to the rest of the computation)."
        )
        raise TypeError(msg)

    # ----- shape and indexing -----

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the value (``()`` for scalars)."""
        shape: tuple[int, ...] = np.shape(plain(self))
        return shape

    @property
    def ndim(self) -> int:
        """The number of dimensions of the value."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """The number of elements of the value."""
        return int(np.prod(self.shape))

    @property
    def dtype(self) -> Any:
        """The dtype of the value."""
        return np.asarray(plain(self)).dtype

    @property
    def T(self) -> BVar[_T]:  # noqa: N802 - numpy's name
        """The transpose (reversed axes), as ``ndarray.T``."""
        return _anp.transpose(self)

    def reshape(self, *shape: Any) -> BVar[_T]:
        """Reshape the value, as ``ndarray.reshape``."""
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return _anp.reshape(self, shape)

    def ravel(self) -> BVar[_T]:
        """Flatten the value, as ``ndarray.ravel``."""
        return _anp.ravel(self)

    def sum(self, axis: Any = None, keepdims: bool = False) -> BVar[Any]:
        """Sum, as ``ndarray.sum``."""
        return _anp.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> BVar[Any]:
        """Mean, as ``ndarray.mean``."""
        return _anp.mean(self, axis=axis, keepdims=keepdims)

    def flatten(self) -> BVar[_T]:
        """A flat copy, as ``ndarray.flatten``."""
        return _anp.ravel(self)

    def squeeze(self, axis: Any = None) -> BVar[_T]:
        """Drop axes of length one, as ``ndarray.squeeze``."""
        return _anp.squeeze(self, axis)

    def astype(self, dtype: Any) -> Any:
        """As ``ndarray.astype``: to a float dtype, differentiable; to an integer or bool
        dtype, a plain array (piecewise constant: no gradient, as ``floor``)."""
        if np.issubdtype(dtype, np.floating):
            return _anp.array(self, dtype)
        return np.asarray(plain(self)).astype(dtype)

    def __mod__(self, other: Any) -> BVar[_T]:
        return _anp.remainder(self, other)

    def __rmod__(self, other: Any) -> BVar[_T]:
        return _anp.remainder(other, self)

    # dict methods, for a BVar of a dict (its keys are plain)

    def keys(self) -> Any:
        """The keys of a BVar of a dict (plain values)."""
        return plain(self).keys()

    def values(self) -> list[BVar[Any]]:
        """The values of a BVar of a dict, as BVars."""
        return [self[k] for k in plain(self)]

    def items(self) -> list[tuple[Any, BVar[Any]]]:
        """The ``(key, value)`` pairs of a BVar of a dict, the values as BVars."""
        return [(k, self[k]) for k in plain(self)]

    def get(self, key: Any, default: Any = None) -> Any:
        """``self[key]`` for a BVar of a dict holding ``key``, else ``default``."""
        return self[key] if key in plain(self) else default

    def __len__(self) -> int:
        return len(plain(self))

    @overload
    def __iter__(self: BVar[list[_V]]) -> Iterator[BVar[_V]]: ...
    @overload
    def __iter__(self: BVar[dict[_K, _V]]) -> Iterator[_K]: ...  # type: ignore[overload-overlap]
    @overload
    def __iter__(self) -> Iterator[BVar[Any]]: ...
    def __iter__(self) -> Iterator[Any]:
        # (a dict's keys are plain values; elements and rows are BVars)
        pv = plain(self)
        if isinstance(pv, dict):
            return iter(list(pv))  # a dict iterates over its keys
        if structure.is_record(pv):
            msg = f"'{type(pv).__qualname__}' object is not iterable"
            raise TypeError(msg)
        return (self[i] for i in range(len(pv)))

    @overload
    def __getitem__(self: BVar[dict[_K, _V]], idx: _K) -> BVar[_V]: ...
    @overload
    def __getitem__(self: BVar[list[_V]], idx: int) -> BVar[_V]: ...
    @overload
    def __getitem__(self: BVar[list[_V]], idx: slice) -> BVar[list[_V]]: ...
    @overload
    def __getitem__(self: BVar[tuple[_V, ...]], idx: int) -> BVar[_V]: ...
    @overload
    def __getitem__(self, idx: Any) -> BVar[Any]: ...
    def __getitem__(self, idx: Any) -> BVar[Any]:
        v: Any = self.value
        if type(v) is np.ndarray:
            return _anp.take_index(self, idx)
        pv = plain(v)
        if structure.node(pv) is None:
            return _anp.take_index(self, idx)
        if structure.is_record(pv):
            name = type(pv).__qualname__
            msg = (
                f"'{name}' object is not subscriptable: read a field with "
                f"v.view(ad.lenses({name}).field)"
            )
            raise TypeError(msg)
        if type(idx) is slice and isinstance(pv, tuple | list):
            picked = [self[i] for i in range(*idx.indices(len(pv)))]
            return assemble(picked if isinstance(pv, list) else tuple(picked))  # type: ignore[no-any-return]
        return item(self, idx)  # type: ignore[no-any-return]

    # ----- field access: v.w is v.view(lenses(Cls).w) -----
    #
    # A property per field name of the records the structure layer has met (installed by
    # _install_fields), not __getattr__: a class with __getattr__ loses CPython's fast path
    # for every attribute read (value, _tape...), about 17% of a scalar op.

    def _field(self, name: str) -> BVar[Any]:
        """``v.name``: the field ``name`` of the record this BVar holds, recorded as
        ``v.view(ad.lenses(Cls).name)`` records it."""
        val: Any = self.value
        pv = val
        while type(pv) is BVar:
            pv = pv.value
        cls = type(pv)
        keys = _FIELD_KEYS.get(cls, _UNSEEN)
        if keys is _UNSEEN:
            keys = _field_keys(cls)
        if keys is not None:
            k = keys.get(name, _UNSEEN)
            if k is not _UNSEEN:
                if val is pv:
                    # the common case, as `item` records it, without its generic steps
                    part = getattr(val, name)
                    tp = type(part)
                    if tp is float or tp is np.ndarray:
                        return _rec(self._tape, part, r_item, (self._index,), (val, k))
                return item(self, k)  # type: ignore[no-any-return]
        raise _no_field(cls, name, keys)

    if TYPE_CHECKING:
        # for mypy only (its plugin types v.<field> through this hook); at run time the
        # fields are properties, see above
        def __getattr__(self, name: str) -> BVar[Any]: ...

    def __dir__(self) -> list[str]:
        # the record's fields too: Python's "Did you mean ...?" for a misspelt field
        names = list(super().__dir__())
        fields = structure.field_names(type(plain(self)))
        return names + [f for f in fields or () if f not in names]

    # ----- optics -----

    def view(self, optic: Lens[_T, A]) -> BVar[A]:
        """The part of this value that ``optic`` (a Lens or Iso) focuses on, as a BVar.

        Its gradient is "set the cotangent into zero" (see [`view_var`][optic_ad.bvar.view_var]).
        """
        return view_var(optic, self)

    def set(self, optic: Traversal[_T, A], part: BVar[A] | A) -> BVar[_T]:
        """A copy of this value with the part(s) at ``optic`` replaced by ``part``."""
        return set_var(optic, part, self)

    def over(self, optic: Traversal[_T, A], fn: Callable[[BVar[A]], Any]) -> BVar[_T]:
        """A copy of this value with ``fn`` applied to the part(s) at ``optic``."""
        return over_var(optic, fn, self)

    def preview(self, optic: Traversal[_T, A]) -> BVar[A] | None:
        """The part at ``optic`` (a Prism, or any optic) as a BVar, or ``None`` when this
        value does not match (see [`preview_var`][optic_ad.bvar.preview_var])."""
        return preview_var(optic, self)

    def to_list_of(self, optic: Traversal[_T, A]) -> list[BVar[A]]:
        """One BVar per focus of ``optic`` (a Traversal, or any optic), in order (see
        [`to_list_of_var`][optic_ad.bvar.to_list_of_var])."""
        return to_list_of_var(optic, self)


Num = TypeVar("Num", float, NDArray[np.float64], BVar[float], BVar[NDArray[np.float64]])
"""The numeric type of code that runs both ways, plainly and inside a runner.

A constrained type variable (Haskell's ``Floating a => a -> a``): ``def logistic(x: Num) ->
Num`` is checked once for each of ``float``, ``NDArray[np.float64]``, ``BVar[float]`` and
``BVar[NDArray[np.float64]]``, so it may use operators (with plain numbers on either side),
``optic_ad.numpy`` functions and ``abs``; a call gives back the type it was given
(``logistic(2.0)`` is a ``float``, ``logistic(v)`` on a ``BVar[float]`` a ``BVar[float]``).
It can be passed to ``derivative``, ``grad`` and the other transforms.
"""


def const(x: _T) -> BVar[_T]:
    """Use ``x`` as a constant inside a differentiated function: no gradient flows to it.

    Plain values already are constants wherever they are mixed with BVars, so ``const``
    returns ``x`` unchanged at run time; it is typed ``BVar[T]`` so that a constant can be
    passed where the BVar-typed API wants a ``BVar`` (``auto`` is the same function, under
    backprop's name). Arithmetic, ``optic_ad.numpy`` and the ``*_var`` optic functions
    accept it; BVar methods (``.view``, ``.value``) need a real BVar.
    """
    return x  # type: ignore[return-value]  # a plain value is a constant BVar


auto = const


# ----- optics on BVars (and on plain values) -----
#
# A lens with a ``path`` (field lenses, ``ix``, ``key`` and compositions of them) is read
# with ``item`` and written with ``set_path``: sparse cotangents. Any other lens goes
# through the VIEW/SET primitives, whose backward sets the cotangent into the zero of the
# whole. A Traversal or Prism records one node listing its foci (TO_LIST) and one ``item``
# per focus; writing through it records SET_FOCI: linear in the number of foci.


def _view_plain(optic: Any, s: Any) -> Any:
    return optic.view(s)


def _set_plain(optic: Any, part: Any, whole: Any) -> Any:
    return optic.set(whole, part)


_VIEW = Prim(
    "view",
    _view_plain,
    (None, lambda g, ans, optic, s: set_var(optic, g, zero(s))),
)
_SET = Prim(
    "set",
    _set_plain,
    (
        None,
        lambda g, ans, optic, part, whole: view_var(optic, g),
        lambda g, ans, optic, part, whole: set_var(optic, zero(part), g),
    ),
)


def _fill(optic: Any, s: Any, values: Sequence[Any]) -> Any:
    # relies on the traversal law that `over` visits the foci in `to_list` order
    if len(values) != len(optic.to_list(s)):
        msg = f"{optic!r}: {len(values)} values for {len(optic.to_list(s))} foci"
        raise ValueError(msg)
    it = iter(values)
    return optic.over(s, lambda a: next(it))


def _zero_foci(optic: Any, s: Any) -> Any:
    return optic.over(s, zero)


def _from_foci(optic: Any, s: Any, cts: Sequence[Any]) -> Any:
    return _fill(optic, zero(plain(s)), cts)


_TO_LIST: Prim = Prim(
    "to_list_of",
    lambda optic, s: optic.to_list(s),
    (None, lambda g, ans, optic, s: lift(_FROM_FOCI, (optic, s, g), {})),
)
# the foci's cotangents set into the zero of the whole (the adjoint of TO_LIST)
_FROM_FOCI: Prim = Prim(
    "from_foci",
    _from_foci,
    (None, None, lambda g, ans, optic, s, cts: lift(_TO_LIST, (optic, g), {})),
)
# the whole with its foci zeroed (a projection: its own adjoint)
_ZERO_FOCI: Prim = Prim(
    "zero_foci",
    _zero_foci,
    (None, lambda g, ans, optic, s: lift(_ZERO_FOCI, (optic, g), {})),
)
_SET_FOCI = Prim(
    "set_foci",
    _fill,
    (
        None,
        lambda g, ans, optic, whole, new: lift(_ZERO_FOCI, (optic, g), {}),
        lambda g, ans, optic, whole, new: lift(_TO_LIST, (optic, g), {}),
    ),
)


def foci_into_zero(optic: Any, s: Any, cts: Sequence[Any]) -> Any:
    """The zero of ``s`` with its foci (through ``optic``) set to ``cts``, differentiably:
    the cotangent of the list of foci of ``s``."""
    return lift(_FROM_FOCI, (optic, s, assemble(list(cts))), {})


def _path_of(optic: Any, s: Any) -> tuple[Hashable, ...] | None:
    path: tuple[Hashable, ...] | None = optic.path
    if path is None or not _nodes_along(plain(s), path):
        return None
    return path


@overload
def view_var(optic: Lens[S, A], v: BVar[S]) -> BVar[A]: ...
@overload
def view_var(optic: Any, v: BVar[S]) -> BVar[Any]: ...
@overload
def view_var(optic: Any, v: S) -> Any: ...
def view_var(optic: Any, v: Any) -> Any:
    """``v.view(optic)`` as a function: the focused part, differentiably.

    Static parts (ints, strings, flags) come back as plain values: they are constants. On
    a plain value this is ``optic.view(v)``.
    """
    if type(v) is not BVar:
        return optic.view(v)
    path = optic.path
    if path is not None:
        for k in path:
            v = item(v, k)
        return v
    out = lift(_VIEW, (optic, v), {})
    return plain(out) if _static_part(out) else out


def set_var(optic: Any, part: Any, whole: S) -> S:
    """``whole.set(optic, part)`` as a function: through a Lens the cotangent splits between
    the two; through a Traversal or Prism every focus is replaced by ``part``."""
    if type(part) is not BVar and type(whole) is not BVar:
        return optic.set(whole, part)  # type: ignore[no-any-return]
    if not optic.one_focus:
        return over_var(optic, lambda a: part, whole)
    path = _path_of(optic, whole)
    if path is not None:
        return set_path(whole, path, part)  # type: ignore[no-any-return]
    return lift(_SET, (optic, part, whole), {})  # type: ignore[no-any-return]


def over_var(optic: Any, fn: Callable[[Any], Any], whole: S) -> S:
    """``whole.over(optic, fn)`` as a function: each focus replaced by ``fn`` of itself."""
    if type(whole) is not BVar:
        return optic.over(whole, fn)  # type: ignore[no-any-return]
    if optic.one_focus:
        return set_var(optic, fn(view_var(optic, whole)), whole)
    new = [fn(a) for a in to_list_of_var(optic, whole)]
    return lift(_SET_FOCI, (optic, whole, assemble(new)), {})  # type: ignore[no-any-return]


@overload
def to_list_of_var(optic: Traversal[S, A], v: BVar[S]) -> list[BVar[A]]: ...
@overload
def to_list_of_var(optic: Traversal[S, A], v: S) -> list[A]: ...
def to_list_of_var(optic: Any, v: Any) -> Any:
    """``v.to_list_of(traversal)`` as a function: one BVar per focus, in order.

    Each focus's gradient is set into the zero of the whole at its position, all at once:
    the cost is linear in the number of foci. On a plain value this is
    ``optic.to_list(v)``.

    Examples:
        >>> import optic_ad as ad
        >>> ad.grad_bp(lambda v: sum(ad.to_list_of_var(ad.each, v), 0.0) * 2.0, [1.0, 2.0])
        [2.0, 2.0]
    """
    if type(v) is not BVar:
        return optic.to_list(v)
    if optic.one_focus:
        return [view_var(optic, v)]
    foci = lift(_TO_LIST, (optic, v), {})
    return [item(foci, i) for i in range(len(plain(foci)))]


@overload
def preview_var(optic: Traversal[S, A], v: BVar[S]) -> BVar[A] | None: ...
@overload
def preview_var(optic: Traversal[S, A], v: S) -> A | None: ...
def preview_var(optic: Any, v: Any) -> Any:
    """``v.preview(prism)`` as a function: the focus as a BVar, or ``None`` if ``v`` does
    not match (then no gradient flows through this path: the whole gets zero).

    Works with any optic (a Lens always matches; a Traversal gives its first focus). On a
    plain value this is ``optic.preview(v)``.

    Examples:
        >>> import optic_ad as ad
        >>> def f(v):
        ...     x = ad.preview_var(ad.instance_of(float), v)
        ...     return 0.0 if x is None else x * x
        >>> ad.grad_bp(f, 3.0)
        6.0
    """
    if type(v) is not BVar:
        return optic.preview(v)
    if optic.one_focus:
        return view_var(optic, v)
    foci = lift(_TO_LIST, (optic, v), {})
    return item(foci, 0) if len(plain(foci)) else None


def _add_fwd(x: Any, y: Any) -> Any:
    return add(x, y)


# Cotangents from an outer tape (higher order) are summed by the registry's add of what
# they hold, recorded as one op whose backward hands ``g`` to both sides: ``x + y`` would
# concatenate tuples and fails on records that have no ``+``.
_ADD = Prim("add", _add_fwd, (lambda g, ans, x, y: g, lambda g, ans, x, y: g))


def add_var(x: Any, y: Any) -> Any:
    """``registry.add`` of two cotangents, differentiable when either is a BVar."""
    if type(x) is BVar and type(y) is BVar:
        # the common case in higher order (arrays or floats of one shape): the `+`
        # operator's rule, which batched seeds (hessian, jacobian) can go through
        sx = shape_of(x.value)
        if sx is not None and sx == shape_of(y.value):
            return x + y
    return lift(_ADD, (x, y), {})


register(
    BVar,
    zero=lambda v: zero(v.value),
    add=add_var,
    one=lambda v: one(v.value),
)
lifted_type(BVar, assemble)
BATCH_SAFE_RULES.update(
    (
        _r_add,
        _r_add1,
        _r_sub,
        _r_neg1,
        _r_mul,
        _r_mul1,
        _r_square,
        _r_div,
        _r_div_num,
        _r_div_den,
        _r_pow_const,
        _r_neg,
    )
)

structure.on_record_type(_install_fields)

# numpy's operator ufuncs and BVar's reflected operators, for ``array <op> v``
_REFLECTED: dict[Any, Callable[[BVar[Any], Any], Any]] = {
    np.add: BVar.__radd__,
    np.subtract: BVar.__rsub__,
    np.multiply: BVar.__rmul__,
    np.true_divide: BVar.__rtruediv__,
    np.power: BVar.__rpow__,
    np.matmul: BVar.__rmatmul__,
    np.remainder: BVar.__rmod__,
}
