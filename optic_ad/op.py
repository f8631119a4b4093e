"""Op: a differentiable step ``A -> (B, B_cotangent -> A_cotangent)``.

An ``Op[A, B]`` is a lens in the category of differentiable functions: ``run(a)`` returns
the value and the backward function (the vector-Jacobian product). Ops compose left to
right with ``>>`` and have an identity, so

* ``Op.identity() >> f`` and ``f >> Op.identity()`` behave as ``f``;
* ``(f >> g) >> h`` behaves as ``f >> (g >> h)``.

Applying an Op to a BVar records it on the BVar's tape; applying it to a plain value runs
the forward only. Constructors: [`op1`][optic_ad.op.op1], [`op2`][optic_ad.op.op2], [`op3`][optic_ad.op.op3] (from a function
returning ``(value, vjp)``), [`op_iso`][optic_ad.op.op_iso] (an invertible map treated as a change of
representation), [`op_const`][optic_ad.op.op_const] and [`no_grad`][optic_ad.op.no_grad].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from optic_ad.bvar import BVar, record, split_args
from optic_ad.registry import zero
from optic_ad.tape import NAMED_RULES

__all__ = ["Op", "no_grad", "op1", "op2", "op3", "op_const", "op_iso"]

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
X = TypeVar("X")
Y = TypeVar("Y")
Z = TypeVar("Z")

Run = Callable[[A], tuple[B, Callable[[B], A]]]


def _op_rule(g: Any, saved: Any) -> tuple[Any, ...]:
    _op, back, argnums, n = saved
    ct = back(g)
    if n == 1:
        return (ct,)
    return tuple(ct[i] for i in argnums)


# the node keeps its Op, so error messages and debug_nans name it
NAMED_RULES.add(_op_rule)


def _apply(op: Op[Any, Any], args: tuple[Any, ...]) -> Any:
    tape, inner, parents, argnums = split_args(args, _always)
    if tape is None:
        return op.run(args[0] if len(args) == 1 else args)[0]
    # Inner values may be BVars of an outer tape: applying the op to them records the
    # forward there, so an Op whose vjp uses lifted operations has a second derivative.
    n = len(args)
    ans, back = op.run(inner[0] if n == 1 else inner)
    return record(tape, ans, _op_rule, parents, (op, back, argnums, n))


def _always(i: int) -> bool:
    return True


class Op(Generic[A, B]):
    """A differentiable step from ``A`` to ``B`` (see the module docstring).

    Args:
        run: ``a -> (b, backward)`` where ``backward(b_cotangent) -> a_cotangent``. For an
            Op of several arguments, ``A`` is the tuple of them and ``backward`` returns a
            tuple of cotangents.
        name: used in error messages and by ``debug_nans`` (default: ``run``'s name).
        arity: how many arguments the Op takes when applied.

    Examples:
        >>> import optic_ad as ad
        >>> square = ad.op1(lambda x: (x * x, lambda g: 2.0 * x * g))
        >>> ad.grad_bp(lambda v: square(v), 3.0)
        6.0
    """

    __slots__ = ("arity", "name", "run")

    def __init__(self, run: Run[A, B], *, name: str | None = None, arity: int = 1) -> None:
        self.run = run
        self.name = name or getattr(run, "__qualname__", "op")
        self.arity = arity

    @staticmethod
    def identity() -> Op[Any, Any]:
        """The identity Op: value and cotangent pass through unchanged.

        It is typed ``Op[Any, Any]`` so that ``Op.identity() >> f`` has ``f``'s types."""
        return Op(_identity_run, name="identity")

    def __rshift__(self, other: Op[B, C]) -> Op[A, C]:
        """Compose left to right: ``(f >> g)(x) == g(f(x))``, cotangents flow back through
        ``g`` then ``f``."""
        first, second = self, other

        def run(a: A) -> tuple[C, Callable[[C], A]]:
            b, back_f = first.run(a)
            c, back_g = second.run(b)
            return c, lambda gc: back_f(back_g(gc))

        return Op(run, name=f"{self.name} >> {other.name}", arity=self.arity)

    @overload
    def __call__(self, *args: BVar[Any]) -> BVar[B]: ...
    @overload
    def __call__(self, *args: Any) -> Any: ...
    def __call__(self, *args: Any) -> Any:
        """Apply the Op: records it when any argument is a BVar, else runs the forward."""
        if len(args) != self.arity:
            msg = f"op '{self.name}' takes {self.arity} argument(s), got {len(args)}"
            raise TypeError(msg)
        return _apply(self, args)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


def _identity_run(a: X) -> tuple[X, Callable[[X], X]]:
    return a, _ident


def _ident(g: X) -> X:
    return g


def op1(f: Callable[[A], tuple[B, Callable[[B], A]]], *, name: str | None = None) -> Op[A, B]:
    """An Op of one argument from ``f(a) -> (b, vjp)`` with ``vjp(db) -> da``.

    Write ``vjp`` with operators and ``optic_ad.numpy`` so it can be differentiated again.

    Examples:
        >>> import optic_ad as ad
        >>> cube = ad.op1(lambda x: (x ** 3, lambda g: g * 3.0 * x ** 2))
        >>> ad.grad_bp(cube, 2.0)
        12.0
    """
    return Op(f, name=name or getattr(f, "__qualname__", None))


def op2(
    f: Callable[[A, B], tuple[C, Callable[[C], tuple[A, B]]]], *, name: str | None = None
) -> Op[tuple[A, B], C]:
    """An Op of two arguments from ``f(a, b) -> (c, vjp)`` with ``vjp(dc) -> (da, db)``.

    Examples:
        >>> import optic_ad as ad
        >>> mul = ad.op2(lambda x, y: (x * y, lambda g: (g * y, g * x)))
        >>> ad.grad_bp2(lambda a, b: mul(a, b), 3.0, 4.0)
        (4.0, 3.0)
    """
    return Op(lambda ab: f(*ab), name=name or getattr(f, "__qualname__", None), arity=2)


def op3(
    f: Callable[[A, B, C], tuple[X, Callable[[X], tuple[A, B, C]]]], *, name: str | None = None
) -> Op[tuple[A, B, C], X]:
    """An Op of three arguments from ``f(a, b, c) -> (x, vjp)``, ``vjp(dx) -> (da, db, dc)``."""
    return Op(lambda abc: f(*abc), name=name or getattr(f, "__qualname__", None), arity=3)


def op_iso(to: Callable[[A], B], from_: Callable[[B], A], *, name: str | None = None) -> Op[A, B]:
    """An Op for an isomorphism: forward ``to``, backward ``from_`` applied to cotangents.

    Warning: this assumes the map has derivative 1 (a change of representation, such as
    tuple <-> record); it is wrong for numeric maps such as ``x -> 2 * x``.
    """
    return Op(lambda a: (to(a), from_), name=name or "iso")


def op_const(value: B, *, name: str | None = None) -> Op[Any, B]:
    """An Op that ignores its input and returns ``value``; no gradient flows back."""
    return Op(lambda a: (value, lambda g: zero(a)), name=name or "const")


def no_grad(f: Callable[[A], B], *, name: str | None = None) -> Op[A, B]:
    """An Op that runs ``f`` forward and sends back a zero gradient (a stop-gradient)."""
    return Op(lambda a: (f(a), lambda g: zero(a)), name=name or getattr(f, "__qualname__", None))
