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

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, overload

import numpy as np

from optic_ad.registry import one, register, zero
from optic_ad.tape import EscapedBVarError, NaNError, Rule, Tape, _is_bad, _rule_name

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
    # Only reached with debug_nans=True: name the op for this and later error messages.
    name = saved[0].name if rule is _prim_rule else _rule_name(rule)
    tape.names[index] = name
    if _is_bad(value.value if type(value) is BVar else value):
        msg = f"op '{name}' (node {index}) produced a NaN or inf value"
        raise NaNError(msg)


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
    tx = type(x)
    if tx is type(out) and (tx is float or tx is int):
        return None
    sx = shape_of(x)
    so = shape_of(out)
    if sx is None or so is None or sx == so:
        return None
    return (sx, len(so))


def _unb(g: Any, info: tuple[tuple[int, ...], int] | None) -> Any:
    if info is None:
        return g
    return _anp.unbroadcast(g, info[0], info[1])


# ----- hot operator rules: saved values are plain or outer-tape BVars -----


def _r_add(g: Any, s: Any) -> tuple[Any, ...]:
    return (_unb(g, s[0]), _unb(g, s[1]))


def _r_add1(g: Any, s: Any) -> tuple[Any, ...]:
    return (_unb(g, s),)


def _r_sub(g: Any, s: Any) -> tuple[Any, ...]:
    return (_unb(g, s[0]), _unb(-g, s[1]))


def _r_neg1(g: Any, s: Any) -> tuple[Any, ...]:
    return (_unb(-g, s),)


def _r_mul(g: Any, s: Any) -> tuple[Any, ...]:
    a, b, ia, ib = s
    return (_unb(g * b, ia), _unb(g * a, ib))


def _r_mul1(g: Any, s: Any) -> tuple[Any, ...]:
    return (_unb(g * s[0], s[1]),)


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
    top, inner, parents, argnums = split_args(args, lambda i: vjps[i] is not None)
    if top is None:
        return prim.fwd(*args, **kw)
    ans = lift(prim, inner, kw)
    return _rec(top, ans, _prim_rule, parents, (prim, argnums, inner, kw, ans))


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
        lambda g, ans, container, part, *, idx: _get_item(g, idx),
    ),
)


def _get_item(x: Any, idx: Any) -> Any:
    if type(x) is BVar:
        return x[idx]
    return x[idx]


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
                    self._tape, ans, _r_add, (self._index, other._index), (_ub(a, ans), _ub(b, ans))
                )
            if _other(self, other):
                return other.__radd__(self)
        a = self.value
        ans = a + other
        return _rec(self._tape, ans, _r_add1, (self._index,), _ub(a, ans))

    def __radd__(self, other: Any) -> BVar[_T]:
        a = self.value
        ans = other + a
        return _rec(self._tape, ans, _r_add1, (self._index,), _ub(a, ans))

    def __sub__(self, other: Any) -> BVar[_T]:
        if type(other) is BVar:
            if other._tape is self._tape:
                a, b = self.value, other.value
                ans = a - b
                return _rec(
                    self._tape, ans, _r_sub, (self._index, other._index), (_ub(a, ans), _ub(b, ans))
                )
            if _other(self, other):
                return other.__rsub__(self)
        a = self.value
        ans = a - other
        return _rec(self._tape, ans, _r_add1, (self._index,), _ub(a, ans))

    def __rsub__(self, other: Any) -> BVar[_T]:
        a = self.value
        ans = other - a
        return _rec(self._tape, ans, _r_neg1, (self._index,), _ub(a, ans))

    def __mul__(self, other: Any) -> BVar[_T]:
        if type(other) is BVar:
            if other._tape is self._tape:
                a, b = self.value, other.value
                ans = a * b
                return _rec(
                    self._tape,
                    ans,
                    _r_mul,
                    (self._index, other._index),
                    (a, b, _ub(a, ans), _ub(b, ans)),
                )
            if _other(self, other):
                return other.__rmul__(self)
        a = self.value
        ans = a * other
        return _rec(self._tape, ans, _r_mul1, (self._index,), (other, _ub(a, ans)))

    def __rmul__(self, other: Any) -> BVar[_T]:
        a = self.value
        ans = other * a
        return _rec(self._tape, ans, _r_mul1, (self._index,), (other, _ub(a, ans)))

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
                    (a, b, _ub(a, ans), _ub(b, ans)),
                )
            if _other(self, other):
                return other.__rtruediv__(self)
        a = self.value
        ans = a / other
        return _rec(self._tape, ans, _r_div_num, (self._index,), (other, _ub(a, ans)))

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
        return float(self.value)  # type: ignore[arg-type]

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
        v = self.value
        if type(v) is np.ndarray or type(v) is BVar:
            return _anp.take_index(self, idx)  # type: ignore[no-any-return]
        if isinstance(v, tuple | list | dict):
            part = v[idx]
            if type(part) is int:
                return part  # type: ignore[return-value]
            return _rec(self._tape, part, _r_item, (self._index,), (v, idx))
        return _anp.take_index(self, idx)  # type: ignore[no-any-return]

    # ----- optics -----

    def view(self, optic: Any) -> BVar[Any]:
        """The part of this value that ``optic`` (a Lens or Iso) focuses on, as a BVar.

        Its gradient is "set the cotangent into zero" (see :func:`view_var`).
        """
        return view_var(optic, self)

    def set(self, optic: Any, part: Any) -> BVar[_T]:
        """A copy of this value with the part at ``optic`` replaced by ``part``."""
        return set_var(optic, part, self)

    def over(self, optic: Any, fn: Callable[[Any], Any]) -> BVar[_T]:
        """A copy of this value with ``fn`` applied to the part at ``optic``."""
        return over_var(optic, fn, self)


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


register(
    BVar,
    zero=lambda v: zero(v.value),
    add=lambda x, y: x + y,
    one=lambda v: one(v.value),
)

from optic_ad import numpy as _anp  # noqa: E402  (cycle: numpy's rules need BVar)
