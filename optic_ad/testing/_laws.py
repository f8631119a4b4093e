"""Law checkers: optics, Ops and Backprop instances, property-tested with Hypothesis.

Each checker runs its own ``@given`` over the strategies it is handed, so it is one call
inside an ordinary test function (not inside another ``@given``: Hypothesis does not nest).
A broken law raises ``AssertionError`` whose message names the law and shows the shrunk
counterexample. The current Hypothesis settings profile applies unless ``settings=`` is
given. Optics are duck-typed: anything with the methods a law mentions will do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import Phase, given
from hypothesis import settings as Settings  # noqa: N812 - the class, used in annotations
from hypothesis import strategies as st

from optic_ad.op import Op
from optic_ad.registry import Instance
from optic_ad.registry import instance as _lookup
from optic_ad.runners import backprop_with
from optic_ad.testing._strategies import values_like
from optic_ad.testing._trees import children, leaves, tree_allclose, tree_equal

__all__ = [
    "Const",
    "check_backprop_laws",
    "check_iso_laws",
    "check_lens_laws",
    "check_op_laws",
    "check_prism_laws",
    "check_traversal_laws",
]

Eq = Callable[[Any, Any], bool]


def _run(test: Callable[..., None], settings: Settings | None, *strategies: Any) -> None:
    # One failure is reported (an AssertionError, not an ExceptionGroup of several), and
    # without the explain phase: the message already shows the counterexample, and
    # explaining costs seconds per failure.
    base = settings or Settings()
    phases = [p for p in base.phases if p is not Phase.explain]
    s = Settings(base, report_multiple_bugs=False, phases=phases)
    s(given(*strategies)(test))()  # type: ignore[no-untyped-call]


def _fail(kind: str, law: str, optic: Any, statement: str, **shown: Any) -> AssertionError:
    lines = [f"{kind} law {law} failed for {optic!r}: {statement}"]
    lines += [f"  {k} = {v!r}" for k, v in shown.items()]
    return AssertionError("\n".join(lines))


class Const:
    """The constant function ``_ -> value``, with a readable ``repr`` for counterexamples."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, _: Any) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Const({self.value!r})"


# ----- optics -----


def check_lens_laws(
    lens: Any,
    sources: st.SearchStrategy[Any],
    values: st.SearchStrategy[Any],
    *,
    eq: Eq = tree_equal,
    settings: Settings | None = None,
) -> None:
    """Check the three lens laws of ``lens`` (``view``, ``set``) on drawn wholes and parts.

    * view-set: ``lens.set(s, lens.view(s)) == s``;
    * set-view: ``lens.view(lens.set(s, a)) == a``;
    * set-set: ``lens.set(lens.set(s, a), b) == lens.set(s, b)``.

    Args:
        lens: anything with ``view(s)`` and ``set(s, a)``.
        sources: a strategy of wholes ``s``.
        values: a strategy of parts ``a`` that may be set.
        eq: equality of results (default [`tree_equal`][optic_ad.testing._trees.tree_equal], exact; use
            [`tree_allclose`][optic_ad.testing._trees.tree_allclose] for computed parts).
        settings: Hypothesis settings (default: the current profile).

    Raises:
        AssertionError: a law fails; the message shows the shrunk counterexample.

    Examples:
        >>> import optic_ad as ad
        >>> from hypothesis import strategies as st
        >>> from optic_ad import testing
        >>> first = ad.lens(lambda p: p[0], lambda p, a: (a, p[1]), name="first")
        >>> pairs = st.tuples(testing.floats(), testing.floats())
        >>> testing.check_lens_laws(first, pairs, testing.floats())
    """

    def laws(s: Any, a: Any, b: Any) -> None:
        got = lens.set(s, lens.view(s))
        if not eq(got, s):
            raise _fail("lens", "view-set", lens, "lens.set(s, lens.view(s)) != s", s=s, got=got)
        got = lens.view(lens.set(s, a))
        if not eq(got, a):
            raise _fail(
                "lens", "set-view", lens, "lens.view(lens.set(s, a)) != a", s=s, a=a, got=got
            )
        twice, once = lens.set(lens.set(s, a), b), lens.set(s, b)
        if not eq(twice, once):
            raise _fail(
                "lens",
                "set-set",
                lens,
                "lens.set(lens.set(s, a), b) != lens.set(s, b)",
                s=s,
                a=a,
                b=b,
                set_twice=twice,
                set_once=once,
            )

    _run(laws, settings, sources, values, values)


def check_prism_laws(
    prism: Any,
    sources: st.SearchStrategy[Any],
    values: st.SearchStrategy[Any],
    *,
    eq: Eq = tree_equal,
    settings: Settings | None = None,
) -> None:
    """Check the prism laws of ``prism`` (``preview`` returning the part or ``None``, ``review``).

    * review-preview: ``prism.preview(prism.review(a)) == a``;
    * preview-review: if ``prism.preview(s)`` is ``a`` (not ``None``), ``prism.review(a) == s``.

    Args:
        prism: anything with ``preview(s) -> a | None`` and ``review(a) -> s``.
        sources: a strategy of wholes (matching and not matching).
        values: a strategy of parts.
        eq: equality of results (default exact [`tree_equal`][optic_ad.testing._trees.tree_equal]).
        settings: Hypothesis settings (default: the current profile).

    Raises:
        AssertionError: a law fails; the message shows the shrunk counterexample.

    Examples:
        >>> import optic_ad as ad
        >>> from hypothesis import strategies as st
        >>> from optic_ad import testing
        >>> positive = ad.prism(lambda x: x if x > 0 else None, lambda a: a, name="positive")
        >>> testing.check_prism_laws(positive, testing.floats(), testing.floats(0.5, 10.0))
    """

    def laws(s: Any, a: Any) -> None:
        built = prism.review(a)
        back = prism.preview(built)
        if back is None or not eq(back, a):
            raise _fail(
                "prism",
                "review-preview",
                prism,
                "prism.preview(prism.review(a)) != a",
                a=a,
                review=built,
                got=back,
            )
        found = prism.preview(s)
        if found is not None:
            again = prism.review(found)
            if not eq(again, s):
                raise _fail(
                    "prism",
                    "preview-review",
                    prism,
                    "prism.review(prism.preview(s)) != s",
                    s=s,
                    preview=found,
                    got=again,
                )

    _run(laws, settings, sources, values)


def check_iso_laws(
    iso: Any,
    sources: st.SearchStrategy[Any],
    values: st.SearchStrategy[Any],
    *,
    eq: Eq = tree_equal,
    settings: Settings | None = None,
) -> None:
    """Check the round trips of an isomorphism (``to``, ``from_``).

    * from-to: ``iso.from_(iso.to(s)) == s``;
    * to-from: ``iso.to(iso.from_(a)) == a``.

    Args:
        iso: anything with ``to(s)`` and ``from_(a)``.
        sources: a strategy of values on the ``s`` side.
        values: a strategy of values on the ``a`` side.
        eq: equality (default exact [`tree_equal`][optic_ad.testing._trees.tree_equal]; [`tree_allclose`][optic_ad.testing._trees.tree_allclose] for numeric
            maps that round).
        settings: Hypothesis settings (default: the current profile).

    Raises:
        AssertionError: a round trip fails; the message shows the shrunk counterexample.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import testing
        >>> swap = ad.iso(lambda p: (p[1], p[0]), lambda p: (p[1], p[0]), name="swap")
        >>> pairs = testing.values_like((0.0, 0.0))
        >>> testing.check_iso_laws(swap, pairs, pairs)
    """

    def laws(s: Any, a: Any) -> None:
        there = iso.to(s)
        back = iso.from_(there)
        if not eq(back, s):
            raise _fail("iso", "from-to", iso, "iso.from_(iso.to(s)) != s", s=s, to=there, got=back)
        there = iso.from_(a)
        back = iso.to(there)
        if not eq(back, a):
            raise _fail(
                "iso", "to-from", iso, "iso.to(iso.from_(a)) != a", a=a, from_=there, got=back
            )

    _run(laws, settings, sources, values)


def check_traversal_laws(
    traversal: Any,
    sources: st.SearchStrategy[Any],
    values: st.SearchStrategy[Any] | None = None,
    *,
    functions: st.SearchStrategy[Callable[[Any], Any]] | None = None,
    eq: Eq = tree_equal,
    settings: Settings | None = None,
) -> None:
    """Check the traversal laws of ``traversal`` (``to_list``, ``over``).

    * identity: ``traversal.over(s, lambda a: a) == s``;
    * composition: ``traversal.over(traversal.over(s, f), g) == traversal.over(s, g . f)``;
    * over-to_list: ``traversal.to_list(traversal.over(s, f)) == [f(a) for a in to_list(s)]``.

    Args:
        traversal: anything with ``to_list(s)`` and ``over(s, fn)``.
        sources: a strategy of wholes.
        values: a strategy of parts; the default ``functions`` are constant maps to them.
        functions: a strategy of maps ``a -> a`` to use as ``f`` and ``g`` (pass your own
            to test more than constants, e.g. ``st.sampled_from([abs, lambda a: a * 2.0])``).
        eq: equality (default exact [`tree_equal`][optic_ad.testing._trees.tree_equal]).
        settings: Hypothesis settings (default: the current profile).

    Raises:
        AssertionError: a law fails; the message shows the shrunk counterexample.
        ValueError: neither ``values`` nor ``functions`` was given.

    Examples:
        >>> import optic_ad as ad
        >>> from hypothesis import strategies as st
        >>> from optic_ad import testing
        >>> both = ad.traversal(lambda p: list(p), lambda p, fn: (fn(p[0]), fn(p[1])))
        >>> testing.check_traversal_laws(
        ...     both, testing.values_like((0.0, 0.0)), testing.floats(),
        ...     functions=st.sampled_from([abs, lambda a: 2.0 * a]))
    """
    if functions is None:
        if values is None:
            msg = "check_traversal_laws needs values= (for constant maps) or functions="
            raise ValueError(msg)
        functions = values.map(Const)

    def laws(s: Any, f: Callable[[Any], Any], g: Callable[[Any], Any]) -> None:
        same = traversal.over(s, _identity)
        if not eq(same, s):
            raise _fail(
                "traversal", "identity", traversal, "traversal.over(s, id) != s", s=s, got=same
            )
        twice = traversal.over(traversal.over(s, f), g)
        fused = traversal.over(s, lambda a: g(f(a)))
        if not eq(twice, fused):
            raise _fail(
                "traversal",
                "composition",
                traversal,
                "traversal.over(traversal.over(s, f), g) != traversal.over(s, g . f)",
                s=s,
                f=f,
                g=g,
                over_twice=twice,
                over_fused=fused,
            )
        got = traversal.to_list(traversal.over(s, f))
        want = [f(a) for a in traversal.to_list(s)]
        if len(got) != len(want) or not all(eq(x, y) for x, y in zip(got, want, strict=True)):
            raise _fail(
                "traversal",
                "over-to_list",
                traversal,
                "traversal.to_list(traversal.over(s, f)) != [f(a) for a in to_list(s)]",
                s=s,
                f=f,
                got=got,
                want=want,
            )

    _run(laws, settings, sources, functions, functions)


def _identity(a: Any) -> Any:
    return a


# ----- Ops -----


def _run_op(op: Op[Any, Any], x: Any, w: Any) -> tuple[Any, Any]:
    y, back = op.run(x)
    return y, back(w)


def check_op_laws(
    f: Op[Any, Any],
    inputs: st.SearchStrategy[Any],
    *,
    g: Op[Any, Any] | None = None,
    h: Op[Any, Any] | None = None,
    eq: Eq | None = None,
    settings: Settings | None = None,
) -> None:
    """Check the category laws of Ops on values and cotangents, with ``f`` first.

    For ``x`` drawn from ``inputs`` and output cotangents ``w`` drawn like the outputs
    ([`values_like`][optic_ad.testing._strategies.values_like]), comparing values and the cotangents sent back:

    * identity: ``Op.identity() >> f`` and ``f >> Op.identity()`` behave as ``f``;
    * composition (with ``g``): ``f >> g`` runs ``f`` then ``g``, and its backward is
      ``f``'s backward after ``g``'s;
    * associativity (with ``g`` and ``h``): ``(f >> g) >> h`` behaves as ``f >> (g >> h)``;
    * recording (one-argument ``f``): applying ``f`` to a BVar in a runner
      (``ad.backprop_with``) gives the same value and cotangent as ``f.run``.

    These hold for any pure Op; they fail for an Op whose forward or backward keeps state
    between calls (say, a backward that mutates a saved input in place), or for an Op
    subclass whose ``>>`` or ``identity`` is wrong.

    Args:
        f: the Op under test.
        inputs: a strategy of inputs of ``f``.
        g: an Op taking ``f``'s output (optional).
        h: an Op taking ``g``'s output (optional).
        eq: equality of values and cotangents (default [`tree_allclose`][optic_ad.testing._trees.tree_allclose]).
        settings: Hypothesis settings (default: the current profile).

    Raises:
        AssertionError: a law fails; the message shows the shrunk counterexample.

    Examples:
        >>> import optic_ad as ad
        >>> from optic_ad import testing
        >>> square = ad.op1(lambda x: (x * x, lambda g: 2.0 * x * g), name="square")
        >>> double = ad.op1(lambda x: (2.0 * x, lambda g: 2.0 * g), name="double")
        >>> testing.check_op_laws(square, testing.floats(), g=double, h=square)
    """
    same = eq or tree_allclose
    ident = type(f).identity()

    def laws(x: Any, data: st.DataObject) -> None:
        y = f.run(x)[0]
        w = data.draw(values_like(y), label="w")
        want = _run_op(f, x, w)
        for law, composed in (("left identity", ident >> f), ("right identity", f >> ident)):
            got = _run_op(composed, x, w)
            _same_run(same, law, composed, want, got, x, w)
        if g is not None:
            z = g.run(y)[0]
            wz = data.draw(values_like(z), label="w_g")
            z_seq, back_g = g.run(f.run(x)[0])
            want_fg = (z_seq, f.run(x)[1](back_g(wz)))
            _same_run(same, "composition", f >> g, want_fg, _run_op(f >> g, x, wz), x, wz)
            if h is not None:
                wh = data.draw(values_like(h.run(z)[0]), label="w_h")
                left, right = (f >> g) >> h, f >> (g >> h)
                _same_run(
                    same, "associativity", left, _run_op(right, x, wh), _run_op(left, x, wh), x, wh
                )
        if f.arity == 1 and leaves(x) and (children(y) is not None or leaves(y)):
            value, ct = backprop_with(lambda v: f(v), x, w)
            _same_run(same, "recording", f, want, (value, ct), x, w)

    _run(laws, settings, inputs, st.data())


def _same_run(
    eq: Eq, law: str, op: Any, want: tuple[Any, Any], got: tuple[Any, Any], x: Any, w: Any
) -> None:
    what = ["value", "cotangent"]
    for i in range(2):
        if not eq(got[i], want[i]):
            msg = (
                f"Op law {law} failed for {op!r}: the {what[i]}s differ\n"
                f"  x = {x!r}\n  w = {w!r}\n  got  = {got[i]!r}\n  want = {want[i]!r}"
            )
            raise AssertionError(msg)


# ----- Backprop instances -----


def check_backprop_laws(
    strategy: st.SearchStrategy[Any],
    *,
    instance: Instance | None = None,
    eq: Eq | None = None,
    settings: Settings | None = None,
) -> None:
    """Check the Backprop laws of the type(s) drawn from ``strategy``.

    For ``x`` from ``strategy`` and ``y``, ``z`` of the same shapes (drawn with
    [`values_like`][optic_ad.testing._strategies.values_like], or from ``strategy`` again when the kit cannot see inside ``x``):

    * zero-identity: ``add(x, zero(y)) == x`` and ``add(zero(y), x) == x``;
    * add-commutative: ``add(x, y) == add(y, x)``;
    * add-associative: ``add(add(x, y), z) == add(x, add(y, z))`` (up to rounding);
    * zero-shape, one-shape: ``zero(x)`` and ``one(x)`` have ``x``'s type and shapes.

    Args:
        strategy: a strategy of values of the type(s) under test.
        instance: check these ``zero``/``add``/``one`` (an ``optic_ad.registry.Instance``)
            instead of the registered ones, e.g. before registering them.
        eq: equality (default [`tree_allclose`][optic_ad.testing._trees.tree_allclose]).
        settings: Hypothesis settings (default: the current profile).

    Raises:
        AssertionError: a law fails; the message shows the shrunk counterexample.

    Examples:
        >>> from optic_ad import testing
        >>> testing.check_backprop_laws(testing.values_like({"w": (0.0, 1.0), "b": 2.0}))
    """
    same = eq or tree_allclose

    def laws(x: Any, data: st.DataObject) -> None:
        inst = instance or _lookup(type(x))
        like = values_like(x) if leaves(x) else strategy
        y = data.draw(like, label="y")
        z = data.draw(like, label="z")
        zero, add, one = inst.zero, inst.add, inst.one
        for name, got in (
            ("add(x, zero(y))", add(x, zero(y))),
            ("add(zero(y), x)", add(zero(y), x)),
        ):
            if not same(got, x):
                raise _fail("Backprop", "zero-identity", type(x), f"{name} != x", x=x, y=y, got=got)
        xy, yx = add(x, y), add(y, x)
        if not same(xy, yx):
            raise _fail(
                "Backprop",
                "add-commutative",
                type(x),
                "add(x, y) != add(y, x)",
                x=x,
                y=y,
                add_xy=xy,
                add_yx=yx,
            )
        left, right = add(add(x, y), z), add(x, add(y, z))
        if not same(left, right):
            raise _fail(
                "Backprop",
                "add-associative",
                type(x),
                "add(add(x, y), z) != add(x, add(y, z))",
                x=x,
                y=y,
                z=z,
                left=left,
                right=right,
            )
        for law, got in (("zero-shape", zero(x)), ("one-shape", one(x))):
            if not _same_shape(got, x):
                raise _fail(
                    "Backprop", law, type(x), f"{law[:-6]}(x) has not x's shape", x=x, got=got
                )

    _run(laws, settings, strategy, st.data())


def _same_shape(a: Any, b: Any) -> bool:
    import numpy as np

    ka, kb = children(a), children(b)
    if ka is None or kb is None:
        if ka is not None or kb is not None:
            return False
        if isinstance(b, np.ndarray):
            return isinstance(a, np.ndarray) and a.shape == b.shape
        if isinstance(b, float | int | np.generic):
            return bool(np.shape(a) == ())
        return type(a) is type(b)
    if type(a) is not type(b) or len(ka) != len(kb):
        return False
    return all(sa == sb and _same_shape(ca, cb) for (sa, ca), (sb, cb) in zip(ka, kb, strict=True))
