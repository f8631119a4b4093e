"""BVar: a value recorded on a tape, with numeric operators and optic access.

``BVar[_T]`` is what a differentiable function receives and returns inside a runner. It
holds the plain ``value`` (a ``T``), its ``Tape`` and its node index. Its operators
(``+ - * / ** @``, unary ``-``, indexing) record one node each; comparisons return plain
booleans. This module also owns the generic lifting machinery (:func:`lift`) used by
``optic_ad.numpy`` and by Ops, and the optic forms ``view_var``/``set_var``/``over_var``.

Why the operators are written out by hand: recording is most of the cost of scalar code,
so the common case (both operands on the same tape, or a plain number on one side) is
handled inline with no generic dispatch; everything else goes through :func:`lift`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import numpy as np

from optic_ad.registry import add, lifted_type, one, register, zero
from optic_ad.tape import EscapedBVarError, NaNError, Rule, Tape, _is_bad, _rule_name, user_line

if TYPE_CHECKING:  # optics: typing only (optics.py imports this module lazily)
    from optic_ad.optics import Lens, Traversal

__all__ = [
    "BVar",
    "Prim",
    "auto",
    "const",
    "lift",
    "over_var",
    "record",
    "set_var",
    "shape_of",
    "split_args",
    "view_var",
]

_T = TypeVar("_T")
A = TypeVar("A")
S = TypeVar("S")

_new = object.__new__


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
    if tape.debug_nans:
        _check_value(tape, v._index, value, rule, saved)
    return v


def _check_value(tape: Tape, index: int, value: Any, rule: Rule, saved: Any) -> None:
    # Only reached with debug_nans=True: name the op and the user's source line for this
    # and later error messages (walking the stack is too slow to do unconditionally).
    frame = sys._getframe(2)
    name = saved[0].name if rule is _prim_rule else _rule_name(rule)
    if name == "Op":
        name = _op_name(frame)
    tape.names[index] = name
    where = user_line(frame)
    if where is not None:
        tape.where[index] = where
    if _is_bad(value.value if type(value) is BVar else value):
        at = f", recorded at {where}" if where else ""
        msg = f"op '{name}' (node {index}{at}) produced a NaN or inf value"
        raise NaNError(msg)


def _op_name(frame: FrameType | None) -> str:
    # An Op's node does not keep the Op; its name is a local of the frame applying it.
    while frame is not None:
        if frame.f_code.co_name == "_apply":
            return str(getattr(frame.f_locals.get("op"), "name", "op"))
        frame = frame.f_back
    return "op"


def shape_of(x: Any) -> tuple[int, ...] | None:
    """The array shape of a float, numpy value or BVar of one; ``None`` for structures."""
    t = type(x)
    if t is float or t is int:
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


def _unb(g: Any, info: tuple[tuple[int, ...], int] | None) -> Any:
    if info is None:
        return g
    if type(g) is np.ndarray:
        # a plain cotangent records nothing: skip lift and call numpy's side directly
        return _anp._unbroadcast_fwd(g, shape=info[0], out_ndim=info[1])
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
    return (_unb(g * (p * x ** (p - 1)), info),)


def _r_neg(g: Any, s: Any) -> tuple[Any, ...]:
    return (-g,)


def _r_item(g: Any, s: Any) -> tuple[Any, ...]:
    # indexing into a tuple, list or dict value
    container, idx = s
    return (_set_item(container, idx, g),)


def _set_item(container: Any, idx: Any, part: Any) -> Any:
    return lift(_SET_ITEM, (container, part), {"idx": idx})


def _set_item_plain(container: Any, part: Any, *, idx: Any) -> Any:
    z = zero(container)
    if isinstance(z, tuple):
        items = list(z)
        items[idx] = part
        return type(z)(*items) if hasattr(z, "_fields") else type(z)(items)
    if isinstance(z, list):
        z[idx] = part
        return z
    z[idx] = part
    return z


# ----- generic lifting: every lifted function and Op goes through here -----


class Prim:
    """A primitive: a forward function on plain values and one VJP per argument.

    ``vjps[i](g, ans, *args, **kw)`` returns the cotangent of argument ``i`` given the
    output cotangent ``g``; it must be written with lifted operations so that it can be
    differentiated again. ``None`` in ``vjps`` means "no gradient to this argument".
    """

    __slots__ = ("fwd", "name", "vjps")

    def __init__(
        self,
        name: str,
        fwd: Callable[..., Any],
        vjps: tuple[Callable[..., Any] | None, ...],
    ) -> None:
        self.name = name
        self.fwd = fwd
        self.vjps = vjps

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


_SET_ITEM = Prim(
    "set_item",
    _set_item_plain,
    (
        None,
        lambda g, ans, container, part, *, idx: g[idx],
    ),
)


class BVar(Generic[_T]):
    """A value of type ``T`` recorded on a tape.

    Inside a runner, arithmetic, ``optic_ad.numpy`` functions and optic access on a
    BVar record the operations; ``value`` is the plain value. A BVar must not outlive
    its runner (using it afterwards raises ``EscapedBVarError``).
    """

    __slots__ = ("__weakref__", "_index", "_tape", "value")
    # numpy must hand ``array + bvar`` to BVar.__radd__ rather than loop over elements
    __array_ufunc__ = None

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

    # ----- comparisons give plain values (no gradient flows through a comparison) -----

    def __lt__(self, other: Any) -> Any:
        return self.value < _plain(other)

    def __le__(self, other: Any) -> Any:
        return self.value <= _plain(other)

    def __gt__(self, other: Any) -> Any:
        return self.value > _plain(other)

    def __ge__(self, other: Any) -> Any:
        return self.value >= _plain(other)

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
        shape: tuple[int, ...] = np.shape(self.value)  # type: ignore[call-overload]
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
        return np.asarray(self.value).dtype

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

    def __len__(self) -> int:
        return len(self.value)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[BVar[Any]]:
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, idx: Any) -> BVar[Any]:
        v: Any = self.value
        if type(v) is np.ndarray:
            return _anp.take_index(self, idx)  # type: ignore[no-any-return]
        pv: Any = v
        while type(pv) is BVar:  # a value from an outer tape: decide on what it holds
            pv = pv.value
        if isinstance(pv, tuple | list | dict) and not hasattr(type(pv), "_from_items"):
            part = v[idx]
            if type(part) is int:
                return part  # type: ignore[return-value]
            return _rec(self._tape, part, _r_item, (self._index,), (v, idx))
        if hasattr(type(pv), "_from_items"):  # T2/T3/HList: through ix, so gradients keep the type
            from optic_ad.optics import ix

            part_var: BVar[Any] = view_var(ix(idx), self)
            return part_var
        return _anp.take_index(self, idx)  # type: ignore[no-any-return]

    # ----- optics -----

    def view(self, optic: Lens[_T, A]) -> BVar[A]:
        """The part of this value that ``optic`` (a Lens or Iso) focuses on, as a BVar.

        Its gradient is "set the cotangent into zero" (see :func:`view_var`).
        """
        return view_var(optic, self)

    def set(self, optic: Lens[_T, A], part: BVar[A] | A) -> BVar[_T]:
        """A copy of this value with the part at ``optic`` replaced by ``part``."""
        return set_var(optic, part, self)

    def over(self, optic: Lens[_T, A], fn: Callable[[BVar[A]], Any]) -> BVar[_T]:
        """A copy of this value with ``fn`` applied to the part at ``optic``."""
        return over_var(optic, fn, self)

    def preview(self, optic: Traversal[_T, A]) -> BVar[A] | None:
        """The part at ``optic`` (a Prism, or any optic) as a BVar, or ``None`` when this
        value does not match (see :func:`optic_ad.optic_vars.preview_var`)."""
        from optic_ad.optic_vars import preview_var

        return preview_var(optic, self)

    def to_list_of(self, optic: Traversal[_T, A]) -> list[BVar[A]]:
        """One BVar per focus of ``optic`` (a Traversal, or any optic), in order (see
        :func:`optic_ad.optic_vars.to_list_of_var`)."""
        from optic_ad.optic_vars import to_list_of_var

        return to_list_of_var(optic, self)


def _plain(x: Any) -> Any:
    return x.value if type(x) is BVar else x


def const(x: _T) -> _T:
    """Use ``x`` as a constant inside a differentiated function: no gradient flows to it.

    Plain values already are constants wherever they are mixed with BVars, so ``const``
    returns ``x`` unchanged; it exists for readability and for the BVar-typed API
    (``auto`` is the same function, under backprop's name).
    """
    return x


auto = const


# ----- optics on BVars -----


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


@overload
def view_var(optic: Lens[S, A], v: BVar[S]) -> BVar[A]: ...
@overload
def view_var(optic: Any, v: BVar[S]) -> BVar[Any]: ...
@overload
def view_var(optic: Any, v: S) -> Any: ...
def view_var(optic: Any, v: Any) -> Any:
    """``v.view(optic)`` as a function: the focused part, differentiably.

    Integer parts (counts, flags) come back as plain values: they are constants.
    """
    out = lift(_VIEW, (optic, v), {})
    if type(out) is BVar and (type(out.value) is int or type(out.value) is bool):
        return out.value
    return out


def set_var(optic: Any, part: Any, whole: S) -> S:
    """``whole.set(optic, part)`` as a function; the cotangent splits between the two."""
    return lift(_SET, (optic, part, whole), {})  # type: ignore[no-any-return]


def over_var(optic: Any, fn: Callable[[Any], Any], whole: S) -> S:
    """``whole.over(optic, fn)`` as a function: set the part to ``fn`` of itself."""
    return set_var(optic, fn(view_var(optic, whole)), whole)


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
lifted_type(BVar)

from optic_ad import numpy as _anp  # noqa: E402  (cycle: numpy's rules need BVar)
