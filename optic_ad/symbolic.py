"""Symbolic expressions differentiated by the same engine, as inf-backprop does with simple-expr.

An [`Expr`][optic_ad.symbolic.Expr] is a small immutable expression tree: numeric constants, variables
([`variable`][optic_ad.symbolic.variable]), ``+ - * / **``, the unary functions of `optic_ad.numpy`
(``anp.sin(e)`` builds ``sin(e)``: numpy's ufuncs dispatch to ``Expr.__array_ufunc__``),
and unknown functions ([`function`][optic_ad.symbolic.function]) whose derivatives print as ``f'(x)``.

``Expr`` is registered in the Backprop registry (zero ``0``, one ``1``, add ``+``), so the
ordinary runners differentiate functions of expressions: the backward rules, written with
operators and lifted numpy, build the derivative's expression instead of its value.

Examples:
    >>> import optic_ad as ad
    >>> from optic_ad import numpy as anp
    >>> from optic_ad.symbolic import simplify, variable
    >>> x = variable("x")
    >>> d = ad.derivative(lambda v: anp.sin(v**2))(x)
    >>> print(simplify(d))
    2*x*cos(x^2)
    >>> round(d.evaluate({"x": 0.7}), 12) == round(2 * 0.7 * float(anp.cos(0.49)), 12)
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import numpy as np

from optic_ad import structure
from optic_ad.bvar import Prim, lift
from optic_ad.registry import register

_T = TypeVar("_T")

__all__ = ["Expr", "Function", "const", "evaluate", "function", "simplify", "variable", "variables"]

Number = int | float
Env = Mapping[str, Any]

# Functions with a known meaning: evaluated with numpy (so they work on arrays too).
_KNOWN: dict[str, Callable[[Any], Any]] = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "log1p": np.log1p,
    "expm1": np.expm1,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "abs": np.abs,
    "sign": np.sign,
}
# numpy ufunc name -> our function name
_UNARY_UFUNCS = {name: name for name in _KNOWN} | {"absolute": "abs"}

_PREC_SUM, _PREC_PROD, _PREC_NEG, _PREC_POW, _PREC_ATOM = 1, 2, 3, 4, 5


class Expr:
    """An immutable symbolic expression.

    Build expressions with [`variable`][optic_ad.symbolic.variable], [`const`][optic_ad.symbolic.const], [`function`][optic_ad.symbolic.function], operators and
    the functions of `optic_ad.numpy`; inspect them with ``str``, [`simplify`][optic_ad.symbolic.simplify],
    [`evaluate`][optic_ad.symbolic.evaluate] and [`variables`][optic_ad.symbolic.variables]. Equality is structural.
    """

    __slots__ = ("_hash", "args", "data", "kind")
    # numpy hands ``np.sin(e)`` and ``np.float64(2.0) * e`` to __array_ufunc__.
    __array_priority__ = 100

    kind: str
    args: tuple[Expr, ...]
    data: Any
    _hash: int

    def __init__(self, kind: str, args: tuple[Expr, ...] = (), data: Any = None) -> None:
        """Make a node: ``kind`` is ``const``, ``var``, ``+``, ``-``, ``*``, ``/``, ``^``,
        ``neg`` or ``call``; ``data`` is the constant, the variable or the function name."""
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "_hash", hash((kind, args, data)))

    def __setattr__(self, name: str, value: Any) -> None:
        msg = "Expr is immutable"
        raise AttributeError(msg)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expr):
            return NotImplemented
        return self is other or (
            self._hash == other._hash
            and self.kind == other.kind
            and self.data == other.data
            and self.args == other.args
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (Expr, (self.kind, self.args, self.data))

    def __repr__(self) -> str:
        return f"Expr({str(self)!r})"

    def __str__(self) -> str:
        return _show(self)

    # ----- arithmetic: numbers become constants; anything else (a BVar) is not ours -----

    def __add__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _add(self, o)

    def __radd__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _add(o, self)

    def __sub__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _sub(self, o)

    def __rsub__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _sub(o, self)

    def __mul__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _mul(self, o)

    def __rmul__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _mul(o, self)

    def __truediv__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _div(self, o)

    def __rtruediv__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _div(o, self)

    def __pow__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _pow(self, o)

    def __rpow__(self, other: Expr | Number) -> Expr:
        o = _coerce(other)
        return NotImplemented if o is None else _pow(o, self)

    def __neg__(self) -> Expr:
        return _neg(self)

    def __pos__(self) -> Expr:
        return self

    def __abs__(self) -> Expr:
        return _call("abs", (self,))

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs:
            return NotImplemented
        args = [_coerce(i) for i in inputs]
        if any(a is None for a in args):
            return NotImplemented
        xs: list[Expr] = [a for a in args if a is not None]
        name = ufunc.__name__
        if len(xs) == 1:
            (x,) = xs
            if name in _UNARY_UFUNCS:
                return _call(_UNARY_UFUNCS[name], (x,))
            if name == "negative":
                return _neg(x)
            if name == "square":
                return _pow(x, _TWO)
            if name == "positive":
                return x
        if len(xs) == 2:
            binary = _BINARY_UFUNCS.get(name)
            if binary is not None:
                return binary(xs[0], xs[1])
        return NotImplemented

    def evaluate(self, env: Env | None = None) -> Any:
        """The value of this expression; see [`evaluate`][optic_ad.symbolic.evaluate]."""
        return evaluate(self, env)


def _coerce(x: Any) -> Expr | None:
    if isinstance(x, Expr):
        return x
    if isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool):
        return const(float(x))
    if isinstance(x, np.ndarray) and x.ndim == 0 and np.issubdtype(x.dtype, np.number):
        return const(float(x))
    return None


def const(value: float) -> Expr:
    """A numeric constant.

    Examples:
        >>> from optic_ad.symbolic import const
        >>> print(const(2.0) * const(3.0))
        6
    """
    return Expr("const", (), float(value))


def variable(name: str) -> Expr:
    """A variable named ``name``.

    Examples:
        >>> from optic_ad.symbolic import variable
        >>> x, y = variable("x"), variable("y")
        >>> print((x + y) * x ** 2)
        (x + y)*x^2
    """
    return Expr("var", (), name)


_ZERO = const(0.0)
_ONE = const(1.0)
_TWO = const(2.0)


def _is_const(e: Expr, v: float | None = None) -> bool:
    return e.kind == "const" and (v is None or e.data == v)


# Construction folds only what is free and exact (constants, 0 and 1), which keeps the
# expressions the engine builds small; simplify() does the rest.


def _add(a: Expr, b: Expr) -> Expr:
    if _is_const(a, 0.0):
        return b
    if _is_const(b, 0.0):
        return a
    if _is_const(a) and _is_const(b):
        return const(a.data + b.data)
    return Expr("+", (a, b))


def _sub(a: Expr, b: Expr) -> Expr:
    if _is_const(b, 0.0):
        return a
    if _is_const(a, 0.0):
        return _neg(b)
    if _is_const(a) and _is_const(b):
        return const(a.data - b.data)
    return Expr("-", (a, b))


def _mul(a: Expr, b: Expr) -> Expr:
    if _is_const(a, 0.0) or _is_const(b, 0.0):
        return _ZERO
    if _is_const(a, 1.0):
        return b
    if _is_const(b, 1.0):
        return a
    if _is_const(a) and _is_const(b):
        return const(a.data * b.data)
    return Expr("*", (a, b))


def _div(a: Expr, b: Expr) -> Expr:
    if _is_const(b, 1.0):
        return a
    if _is_const(a, 0.0) and not _is_const(b, 0.0):
        return _ZERO
    if _is_const(a) and _is_const(b) and b.data != 0.0:
        return const(a.data / b.data)
    return Expr("/", (a, b))


def _pow(a: Expr, b: Expr) -> Expr:
    if _is_const(b, 1.0):
        return a
    if _is_const(b, 0.0):
        return _ONE
    if _is_const(a) and _is_const(b):
        v = _fold_pow(a.data, b.data)
        if v is not None:
            return const(v)
    return Expr("^", (a, b))


def _fold_pow(a: float, b: float) -> float | None:
    try:
        v = a**b
    except (OverflowError, ZeroDivisionError):
        return None
    return v if isinstance(v, float) and math.isfinite(v) else None


def _neg(a: Expr) -> Expr:
    if _is_const(a):
        return const(-a.data)
    if a.kind == "neg":
        return a.args[0]
    return Expr("neg", (a,))


def _call(name: str, args: tuple[Expr, ...]) -> Expr:
    return Expr("call", args, name)


_BINARY_UFUNCS: dict[str, Callable[[Expr, Expr], Expr]] = {
    "add": _add,
    "subtract": _sub,
    "multiply": _mul,
    "divide": _div,
    "true_divide": _div,
    "power": _pow,
}


# ----- unknown functions -----


def _prime(name: str, i: int, n: int) -> str:
    return f"{name}'" if n == 1 else f"{name}'_{i + 1}"


class Function:
    """An unknown function ``name`` of ``n`` arguments: ``f(x)`` builds ``f(x)``, and its
    derivative is the unknown function ``f'`` (``f'_1``, ``f'_2`` ... for several arguments).

    Applied to BVars it records one node, so the chain rule gives ``f'(x^2)*2*x``.
    """

    __slots__ = ("_prims", "name")

    def __init__(self, name: str) -> None:
        """Name the function; see [`function`][optic_ad.symbolic.function]."""
        self.name = name
        self._prims: dict[int, Prim] = {}

    def __repr__(self) -> str:
        return f"function({self.name!r})"

    def _prim(self, n: int) -> Prim:
        prim = self._prims.get(n)
        if prim is None:
            name = self.name

            def fwd(*args: Any) -> Expr:
                xs = tuple(_coerce(a) for a in args)
                if any(x is None for x in xs):
                    msg = f"{name}: arguments must be numbers or expressions, got {args!r}"
                    raise TypeError(msg)
                return _call(name, xs)  # type: ignore[arg-type]

            def vjp(i: int) -> Callable[..., Any]:
                deriv = function(_prime(name, i, n))
                return lambda g, ans, *args: g * deriv(*args)

            prim = Prim(name, fwd, tuple(vjp(i) for i in range(n)))
            self._prims[n] = prim
        return prim

    def __call__(self, *args: Any) -> Any:
        """``name(*args)``: an expression, or a BVar of one when an argument is a BVar."""
        return lift(self._prim(len(args)), args, {})


def function(name: str) -> Function:
    """An unknown function, for derivatives in terms of ``f'``.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad.symbolic import function, simplify, variable
        >>> f = function("f")
        >>> print(simplify(ad.derivative(lambda v: f(v**2))(variable("x"))))
        2*x*f'(x^2)
    """
    return Function(name)


# ----- printing -----


def _fmt(v: float) -> str:
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def _prec(e: Expr) -> int:
    k = e.kind
    if k in ("+", "-"):
        return _PREC_SUM
    if k in ("*", "/"):
        return _PREC_PROD
    if k == "neg" or (
        k == "const" and (e.data < 0 or (e.data == 0 and math.copysign(1, e.data) < 0))
    ):
        return _PREC_NEG
    if k == "^":
        return _PREC_POW
    return _PREC_ATOM


def _par(e: Expr, at_least: int, *, neg_ok: bool = True) -> str:
    p = _prec(e)
    s = _show(e)
    if p < at_least or (p == _PREC_NEG and not neg_ok):
        return f"({s})"
    return s


def _show(e: Expr) -> str:
    k = e.kind
    if k == "const":
        return _fmt(e.data)
    if k == "var":
        return str(e.data)
    if k == "call":
        return f"{e.data}({', '.join(_show(a) for a in e.args)})"
    if k == "neg":
        (a,) = e.args
        return "-" + _par(a, _PREC_PROD, neg_ok=False)
    a, b = e.args
    if k == "+":
        left = _par(a, _PREC_SUM)
        if b.kind == "neg":
            return f"{left} - {_par(b.args[0], _PREC_PROD, neg_ok=False)}"
        if _prec(b) == _PREC_NEG:  # a negative constant
            return f"{left} - {_fmt(-b.data)}"
        return f"{left} + {_show(b)}"
    if k == "-":
        return f"{_par(a, _PREC_SUM)} - {_par(b, _PREC_PROD, neg_ok=False)}"
    if k == "*":
        return f"{_par(a, _PREC_PROD)}*{_par(b, _PREC_PROD, neg_ok=False)}"
    if k == "/":
        return f"{_par(a, _PREC_PROD)}/{_par(b, _PREC_NEG, neg_ok=False)}"
    # "^" is right-associative
    return f"{_par(a, _PREC_ATOM)}^{_par(b, _PREC_POW, neg_ok=False)}"


# ----- evaluation -----


def evaluate(e: Expr, env: Env | None = None) -> Any:
    """The value of ``e`` with the variables (and unknown functions) given by ``env``.

    Args:
        e: the expression.
        env: variable name -> number or array; an unknown function's name (``"f"``,
            ``"f'"``) -> a callable.

    Returns:
        A float (or an array, if ``env`` holds arrays).

    Raises:
        KeyError: a variable or unknown function is missing from ``env``.

    Examples:
        >>> from optic_ad.symbolic import evaluate, variable
        >>> x = variable("x")
        >>> evaluate(x * x + 1, {"x": 3.0})
        10.0
    """
    env = env or {}
    out = _eval(e, env)
    if isinstance(out, np.generic | int):
        return float(out)
    return out


def _eval(e: Expr, env: Env) -> Any:
    k = e.kind
    if k == "const":
        return e.data
    if k == "var":
        if e.data not in env:
            msg = f"evaluate: no value for variable {e.data!r}"
            raise KeyError(msg)
        return env[e.data]
    if k == "call":
        args = [_eval(a, env) for a in e.args]
        fn = env.get(e.data) or _KNOWN.get(e.data)
        if fn is None:
            msg = f"evaluate: no function {e.data!r} (pass it in env as a callable)"
            raise KeyError(msg)
        return fn(*args)
    if k == "neg":
        return -_eval(e.args[0], env)
    a, b = (_eval(x, env) for x in e.args)
    if k == "+":
        return a + b
    if k == "-":
        return a - b
    if k == "*":
        return a * b
    if k == "/":
        return (
            np.divide(a, b)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray)
            else _fdiv(a, b)
        )
    return np.power(a, b) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else _fpow(a, b)


def _fdiv(a: float, b: float) -> float:
    return a / b if b != 0 else float(np.divide(np.float64(a), np.float64(b)))


def _fpow(a: float, b: float) -> float:
    # numpy semantics (nan for a negative base and fractional exponent, inf for 0**-1)
    with np.errstate(all="ignore"):
        return float(np.power(np.float64(a), np.float64(b)))


def variables(e: Expr) -> tuple[str, ...]:
    """The names of the variables in ``e``, sorted.

    Examples:
        >>> from optic_ad.symbolic import variable, variables
        >>> variables(variable("y") * variable("x") + 1)
        ('x', 'y')
    """
    names: set[str] = set()
    stack = [e]
    while stack:
        n = stack.pop()
        if n.kind == "var":
            names.add(n.data)
        stack.extend(n.args)
    return tuple(sorted(names))


# ----- simplification -----


@overload
def simplify(e: Expr) -> Expr: ...
@overload
def simplify(e: _T) -> _T: ...
def simplify(e: Any) -> Any:
    """A simpler expression with the same value; for a tuple, list, dict, record or product
    of expressions (a derivative's result), each expression in it simplified.

    Folds constants, removes ``0*e``, ``1*e``, ``e+0``, ``e^1``, collects equal terms of a
    sum (``x + 2*x`` is ``3*x``) and equal factors of a product (``x*x`` is ``x^2``), and
    orders factors as number, variables, then the rest.

    Examples:
        >>> from optic_ad.symbolic import simplify, variable
        >>> x = variable("x")
        >>> print(simplify(x * 1 + 0 + x * x * 2 + x))
        2*x + 2*x^2
        >>> [str(d) for d in simplify((x + x, x * 1.0))]
        ['2*x', 'x']
    """
    if isinstance(e, Expr):
        return _simplify_one(e)
    return structure.tree_map(lambda a: _simplify_one(a) if isinstance(a, Expr) else a, e)


def _simplify_one(e: Expr) -> Expr:
    for _ in range(20):
        new = _simp(e)
        if new == e:
            return new
        e = new
    return e


def _simp(e: Expr) -> Expr:
    k = e.kind
    if k in ("const", "var"):
        return e
    args = tuple(_simp(a) for a in e.args)
    if k == "call":
        if all(_is_const(a) for a in args) and e.data in _KNOWN:
            with np.errstate(all="ignore"):
                v = float(_KNOWN[e.data](*(a.data for a in args)))
            if math.isfinite(v) and v.is_integer():
                return const(v)
        return _call(e.data, args)
    e = Expr(k, args, e.data)
    if k in ("+", "-", "neg"):
        return _sum_of(_terms(e))
    if k == "^" and not _is_const(args[1]):
        return _pow(args[0], args[1])
    coeff, factors = _factors(e)
    return _product(coeff, factors)


def _terms(e: Expr) -> list[tuple[float, Expr | None]]:
    """``e`` as a sum of ``coefficient * monomial`` (``None`` for the constant term)."""
    k = e.kind
    if k == "+":
        return _terms(e.args[0]) + _terms(e.args[1])
    if k == "-":
        return _terms(e.args[0]) + [(-c, m) for c, m in _terms(e.args[1])]
    if k == "neg":
        return [(-c, m) for c, m in _terms(e.args[0])]
    if k == "const":
        return [(e.data, None)]
    if k in ("*", "/", "^"):
        coeff, factors = _factors(e)
        if coeff == 0.0:
            return [(0.0, None)]
        if not factors:
            return [(coeff, None)]
        return [(coeff, _product(1.0, factors))]
    return [(1.0, e)]


def _sum_of(terms: list[tuple[float, Expr | None]]) -> Expr:
    coeffs: dict[Expr | None, float] = {}
    for c, m in terms:
        coeffs[m] = coeffs.get(m, 0.0) + c
    constant = coeffs.pop(None, 0.0)
    items: list[tuple[float, Expr | None]] = [
        (c, m) for m, c in coeffs.items() if c != 0.0 and m is not None
    ]
    if constant != 0.0:
        items.append((constant, None))
    if not items:
        return _ZERO
    out: Expr | None = None
    for c, m in items:
        if out is None:
            out = _term(c, m)
        elif c < 0:
            out = Expr("-", (out, _term(-c, m)))
        else:
            out = Expr("+", (out, _term(c, m)))
    assert out is not None
    return out


def _term(c: float, m: Expr | None) -> Expr:
    if m is None:
        return const(c)
    if m.kind in ("*", "/", "^"):
        co, fs = _factors(m)
        return _product(c * co, fs)
    if c == 1.0:
        return m
    if c == -1.0:
        return _neg(m)
    if c < 0:
        return _neg(Expr("*", (const(-c), m)))
    return Expr("*", (const(c), m))


def _factors(e: Expr) -> tuple[float, dict[Expr, float]]:
    """``e`` as ``coefficient * prod(base ** power)`` with numeric powers."""
    coeff = 1.0
    powers: dict[Expr, float] = {}

    def visit(x: Expr, p: float) -> None:
        nonlocal coeff
        k = x.kind
        if k == "*":
            visit(x.args[0], p)
            visit(x.args[1], p)
        elif k == "/":
            visit(x.args[0], p)
            visit(x.args[1], -p)
        elif k == "neg" and p.is_integer():
            coeff *= (-1.0) ** p
            visit(x.args[0], p)
        elif k == "const":
            v = _fold_pow(x.data, p)
            if v is None:
                powers[x] = powers.get(x, 0.0) + p
            else:
                coeff *= v
        elif k == "^" and _is_const(x.args[1]) and (p.is_integer() and x.args[1].data.is_integer()):
            visit(x.args[0], p * x.args[1].data)
        elif k == "^" and _is_const(x.args[1]) and p == 1.0:
            base, q = x.args[0], x.args[1].data
            if base.kind in ("*", "/", "neg", "const"):
                powers[x] = powers.get(x, 0.0) + 1.0
            else:
                powers[base] = powers.get(base, 0.0) + q
        else:
            powers[x] = powers.get(x, 0.0) + p

    visit(e, 1.0)
    return coeff, {b: p for b, p in powers.items() if p != 0.0}


def _order(base: Expr) -> tuple[int, str]:
    return (0 if base.kind == "var" else 1, _show(base))


def _product(coeff: float, powers: dict[Expr, float]) -> Expr:
    if coeff == 0.0:
        return _ZERO
    num = [(b, p) for b, p in sorted(powers.items(), key=lambda bp: _order(bp[0])) if p > 0]
    den = [(b, -p) for b, p in sorted(powers.items(), key=lambda bp: _order(bp[0])) if p < 0]
    neg = coeff < 0
    c = -coeff if neg else coeff
    top: Expr | None = None if c == 1.0 else const(c)
    for b, p in num:
        f = _pow(b, const(p))
        top = f if top is None else Expr("*", (top, f))
    bottom: Expr | None = None
    for b, p in den:
        f = _pow(b, const(p))
        bottom = f if bottom is None else Expr("*", (bottom, f))
    out = top if top is not None else _ONE
    if bottom is not None:
        out = Expr("/", (out, bottom))
    return _neg(out) if neg else out


register(Expr, zero=lambda e: _ZERO, add=lambda a, b: a + b, one=lambda e: _ONE)
