"""A mypy plugin typing ``lenses(Cls).<field>`` as ``Lens[Cls, <field type>]`` and
``v.<field>`` on a ``BVar[Cls]`` as ``BVar[<field type>]``.

Enable it in your mypy configuration, as for attrs or pydantic:

```
# pyproject.toml
[tool.mypy]
plugins = ["optic_ad.mypy"]

# or mypy.ini / setup.cfg
[mypy]
plugins = optic_ad.mypy
```

``lenses(Cls)`` returns a ``Lenses[Cls]`` whose ``__getattr__`` gives ``Lens[Cls, Any]``.
mypy asks a plugin's attribute hook about every attribute reached through a
``__getattr__``; this one looks the field up on ``Cls`` (an attrs class, dataclass or
NamedTuple, generic or not) and returns ``Lens[Cls, <field type>]``, or reports an unknown
field as an ``attr-defined`` error. ``BVar`` has a ``__getattr__`` too (``v.w`` is
``v.view(lenses(Cls).w)`` at run time), typed ``BVar[Any]``; the same hook gives
``BVar[<field type>]``, and reports an unknown field, or any attribute of a BVar that does
not hold a record (``BVar[float]``...), as an ``attr-defined`` error.

It also types what the type system alone cannot say:

* the transforms, from the signature of the function they are given: each ``BVar[X]``
  parameter becomes ``X`` and a ``BVar[Y]`` result ``Y`` (inside tuples and generic
  containers too), so ``grad(loss)`` on ``loss(p: BVar[Net]) -> BVar[float]`` is
  ``Callable[[Net], Net]``; ``argnums`` (an int or a tuple of ints, negative counted from
  the end) picks the gradient's type, and one out of range is an ``[argnums]`` error;
  ``value_and_grad``, ``derivative``, ``jacobian`` and ``hessian`` likewise (Jacobians and
  Hessians of floats and arrays exactly, of other structures ``Any``); ``backprop``,
  ``backprop2``, ``backprop_with``, ``backprop_n``, ``eval_bp`` and ``eval_bp2`` give the
  plain type of the function's result;
* ``v[i]`` with a literal ``i`` on a ``BVar[tuple[A, B]]`` (``BVar[A]`` or ``BVar[B]``);
* ``sum(bvars, 0.0)`` as ``BVar[T]`` rather than ``BVar[T] | float``.

Without the plugin the same code type-checks, with ``Any`` fields and transforms typed
``Callable[..., Any]``. Nothing here is imported by ``optic_ad`` itself.
"""

from __future__ import annotations

from collections.abc import Callable

import mypy.checker  # noqa: F401  (loads mypy in its own order; maptype alone cycles)
from mypy.errorcodes import ATTR_DEFINED, ErrorCode
from mypy.expandtype import expand_type_by_instance
from mypy.maptype import map_instance_to_supertype
from mypy.messages import format_type_bare
from mypy.nodes import ARG_OPT, ARG_POS, TypeInfo, Var
from mypy.plugin import AttributeContext, FunctionContext, MethodContext, Plugin
from mypy.subtypes import find_member
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    LiteralType,
    Overloaded,
    TupleType,
    Type,
    TypeOfAny,
    UnionType,
    get_proper_type,
)

__all__ = ["OpticPlugin", "plugin"]

_LENSES = "optic_ad.optics.Lenses"
_LENS = "optic_ad.optics.Lens"
_BVAR = "optic_ad.bvar.BVar"


def _field_names(info: TypeInfo) -> list[str] | None:
    """The fields of a record class as mypy's own plugins recorded them, else ``None``."""
    for key in ("attrs", "dataclass"):
        data = info.metadata.get(key)
        if data is not None:
            return [str(a["name"]) for a in data.get("attributes", [])]
    nt = info.metadata.get("namedtuple")
    if nt is not None:
        return [str(f) for f in nt.get("fields", [])]
    return None


def _field_type(record: Instance, name: str) -> Type | None:
    sym = record.type.get(name)
    if sym is None or not isinstance(sym.node, Var) or sym.node.type is None:
        return None
    var = sym.node
    owner = map_instance_to_supertype(record, var.info) if var.info else record
    return expand_type_by_instance(var.type, owner) if var.type is not None else None


def _lens_attribute(ctx: AttributeContext) -> Type:
    lenses_type = get_proper_type(ctx.type)
    if not isinstance(lenses_type, Instance) or not lenses_type.args:
        return ctx.default_attr_type
    record = get_proper_type(lenses_type.args[0])
    # A NamedTuple is a TupleType whose fallback Instance holds the class.
    instance = record.partial_fallback if isinstance(record, TupleType) else record
    if not isinstance(instance, Instance):
        return ctx.default_attr_type  # Any, a type variable...: nothing to look up
    name = _attribute_name(ctx)
    fields = _field_names(instance.type)
    if name is None or fields is None:
        return ctx.default_attr_type
    if name not in fields:
        listed = ", ".join(fields)
        ctx.api.fail(
            f'"{instance.type.name}" has no field "{name}" (fields: {listed})',
            ctx.context,
            code=ATTR_DEFINED,
        )
        return AnyType(TypeOfAny.from_error)
    if isinstance(record, TupleType):
        field_type: Type | None = record.items[fields.index(name)]
    else:
        field_type = _field_type(instance, name)
    if field_type is None:
        return ctx.default_attr_type
    default = get_proper_type(ctx.default_attr_type)
    if not isinstance(default, Instance) or default.type.fullname != _LENS:
        return ctx.default_attr_type
    # __getattr__ returns Lens[S, Any]: keep its TypeInfo, fill in the field type.
    return default.copy_modified(args=[record, field_type])


def _record_of(t: Type) -> tuple[Instance, list[str]] | None:
    """The class Instance and field names of a record type (attrs, dataclass, NamedTuple)."""
    record = get_proper_type(t)
    instance = record.partial_fallback if isinstance(record, TupleType) else record
    if not isinstance(instance, Instance):
        return None
    fields = _field_names(instance.type)
    return None if fields is None else (instance, fields)


def _bvar_attribute(ctx: AttributeContext) -> Type:
    # `v.w` on a BVar[Record] is `v.view(lenses(Record).w)`: BVar[<field type>]
    bvar = get_proper_type(ctx.type)
    name = _attribute_name(ctx)
    if not isinstance(bvar, Instance) or not bvar.args or name is None:
        return ctx.default_attr_type
    if bvar.type.get(name) is not None:
        return ctx.default_attr_type  # BVar's own attribute (value, shape...)
    held = get_proper_type(bvar.args[0])
    found = _record_of(held)
    shown = format_type_bare(bvar, ctx.api.options)
    if found is None or name.startswith("_"):
        if found is None and not isinstance(held, Instance | TupleType):
            return ctx.default_attr_type  # Any, a type variable, a union...: nothing to check
        hint = (
            f"; read it with v.view(ad.lenses({found[0].type.name}).{name})"
            if found is not None and name in found[1]
            else " (v.<field> reads the fields of records: attrs classes, dataclasses, NamedTuples)"
        )
        ctx.api.fail(f'"{shown}" has no attribute "{name}"{hint}', ctx.context, code=ATTR_DEFINED)
        return AnyType(TypeOfAny.from_error)
    instance, fields = found
    if name not in fields:
        listed = ", ".join(fields)
        ctx.api.fail(
            f'"{instance.type.name}" has no field "{name}" (fields: {listed})',
            ctx.context,
            code=ATTR_DEFINED,
        )
        return AnyType(TypeOfAny.from_error)
    if isinstance(held, TupleType):
        field_type: Type | None = held.items[fields.index(name)]
    else:
        field_type = _field_type(instance, name)
    default = get_proper_type(ctx.default_attr_type)
    if field_type is None or not isinstance(default, Instance) or default.type.fullname != _BVAR:
        return ctx.default_attr_type
    # __getattr__ returns BVar[Any]: keep its TypeInfo, fill in the field type
    return default.copy_modified(args=[field_type])


def _attribute_name(ctx: AttributeContext) -> str | None:
    # The hook is registered per attribute name, but the context node carries it too.
    name = getattr(ctx.context, "name", None)
    return name if isinstance(name, str) else None


def _bvar_getitem(ctx: MethodContext) -> Type:
    # v[i] on a BVar[tuple[A, B]] with a literal i: BVar[A] or BVar[B] (the overloads of
    # BVar.__getitem__ can only say BVar[object] for a tuple of mixed types)
    bvar = get_proper_type(ctx.type)
    default = get_proper_type(ctx.default_return_type)
    if not (isinstance(bvar, Instance) and bvar.args and isinstance(default, Instance)):
        return ctx.default_return_type
    held = get_proper_type(bvar.args[0])
    if not isinstance(held, TupleType) or not ctx.arg_types or len(ctx.arg_types[0]) != 1:
        return ctx.default_return_type
    index = _int_literal(ctx.arg_types[0][0])
    n = len(held.items)
    if index is None:
        if _is_int(ctx.arg_types[0][0]) and default.type.fullname == _BVAR:
            return default.copy_modified(args=[AnyType(TypeOfAny.special_form)])
        return ctx.default_return_type
    if not -n <= index < n:
        ctx.api.fail(f"Tuple index out of range ({index} for {n} items)", ctx.context)
        return AnyType(TypeOfAny.from_error)
    if default.type.fullname != _BVAR:
        return ctx.default_return_type
    return default.copy_modified(args=[held.items[index]])


def _int_literal(t: Type) -> int | None:
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.last_known_value is not None:
        p = p.last_known_value
    if isinstance(p, LiteralType) and isinstance(p.value, int) and not isinstance(p.value, bool):
        return p.value
    return None


def _is_int(t: Type) -> bool:
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == "builtins.int"


def _sum_of_bvars(ctx: FunctionContext) -> Type:
    # sum(bvars, 0.0) is typeshed's `BVar[float] | float`: the start (a plain number, a
    # constant) only shows for an empty iterable, where it still acts as a constant BVar
    ret = get_proper_type(ctx.default_return_type)
    if not isinstance(ret, UnionType):
        return ctx.default_return_type
    bvars, others = [], []
    for t in ret.items:
        p = get_proper_type(t)
        if isinstance(p, Instance) and p.type.fullname == _BVAR:
            bvars.append(p)
        else:
            others.append(p)
    plain_numbers = all(
        isinstance(p, LiteralType | Instance)
        and (p.fallback if isinstance(p, LiteralType) else p).type.fullname
        in ("builtins.int", "builtins.float")
        for p in others
    )
    if len(bvars) == 1 and plain_numbers:
        return bvars[0]
    return ctx.default_return_type


# ----- transforms: the types of grad(f), derivative(f)... from f's own signature -----

_RUNNERS = "optic_ad.runners."
# an argnums that names no argument (what the transform raises ValueError for at run time)
ARGNUMS = ErrorCode("argnums", "argnums out of range for the function", "optic_ad")
_HIGHER = "optic_ad.higher."


def _strip(t: Type) -> Type:
    """The plain type of a value that a BVar-typed function would hand back: ``BVar[X]`` is
    ``X``, inside tuples and generic containers too (``tuple[BVar[float], BVar[Vec]]`` is
    ``tuple[float, Vec]``, ``T2[BVar[float], ...]`` is ``T2[float, ...]``)."""
    p = get_proper_type(t)
    if isinstance(p, Instance):
        if p.type.fullname == _BVAR and p.args:
            return _strip(p.args[0])
        if p.args:
            return p.copy_modified(args=[_strip(a) for a in p.args])
        return t
    if isinstance(p, TupleType):
        return p.copy_modified(items=[_strip(i) for i in p.items])
    if isinstance(p, UnionType):
        return UnionType.make_union([_strip(i) for i in p.items], p.line, p.column)
    return t


def _fn_of(ctx: FunctionContext) -> CallableType | None:
    """``f``'s callable type when every parameter is positional (no ``*args``)."""
    if not ctx.arg_types or not ctx.arg_types[0]:
        return None
    f = get_proper_type(ctx.arg_types[0][0])
    if isinstance(f, Instance):
        # a callable object (a lifted function such as anp.sin is a protocol instance)
        call = find_member("__call__", f, f)
        f = get_proper_type(call) if call is not None else f
    if isinstance(f, Overloaded) and len(f.items) == 1:
        f = f.items[0]
    if not isinstance(f, CallableType):
        return None
    if any(k not in (ARG_POS, ARG_OPT) for k in f.arg_kinds):
        return None
    return f


def _argnums(ctx: FunctionContext, name: str, n_args: int) -> list[int] | int | None:
    """``argnums`` as positions (an int, or a list for a tuple), ``None`` if not literal."""
    if name not in ctx.callee_arg_names:
        return 0
    i = ctx.callee_arg_names.index(name)
    if not ctx.arg_types[i]:
        return 0
    t = get_proper_type(ctx.arg_types[i][0])
    if isinstance(t, TupleType):
        nums = [_int_literal(x) for x in t.items]
        if any(k is None for k in nums):
            return None
        out = [k for k in nums if k is not None]
    else:
        k = _int_literal(t)
        if k is None:
            return None
        out = [k]
    for k in out:
        if not -n_args <= k < n_args:
            ctx.api.fail(
                f"argnums {k} out of range for a function of {n_args} argument(s)",
                ctx.context,
                code=ARGNUMS,
            )
            return None
    pos = [k % n_args for k in out]
    return pos if isinstance(t, TupleType) else pos[0]


def _tuple(ctx: FunctionContext, items: list[Type]) -> Type:
    return TupleType(
        items, ctx.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
    )


def _transformed(f: CallableType, args: list[Type], ret: Type) -> CallableType:
    # positional only and nameless (the transformed function takes *args); implicit=False: a
    # lambda's type is implicit, and calling one is an error under strict
    return f.copy_modified(
        arg_types=args,
        arg_names=[None] * len(args),
        ret_type=ret,
        implicit=False,
        name=None,
        definition=None,
    )


def _is(t: Type, fullname: str) -> bool:
    p = get_proper_type(t)
    return isinstance(p, Instance) and p.type.fullname == fullname


def _jacobian_type(x: Type, out: Type) -> Type:
    """The Jacobian of ``out`` with respect to ``x``, where the types say it simply."""
    if _is(out, "builtins.float"):
        return x  # a gradient
    if _is(x, "builtins.float"):
        return out  # a derivative
    if _is(x, "numpy.ndarray") and _is(out, "numpy.ndarray"):
        return out
    return AnyType(TypeOfAny.special_form)


def _hessian_block(a: Type, b: Type) -> Type:
    if _is(a, "builtins.float") and _is(b, "builtins.float"):
        return a
    if _is(a, "numpy.ndarray") and (_is(b, "numpy.ndarray") or _is(b, "builtins.float")):
        return a
    if _is(b, "numpy.ndarray") and _is(a, "builtins.float"):
        return b
    return AnyType(TypeOfAny.special_form)


def _transform_hook(kind: str) -> Callable[[FunctionContext], Type]:
    def hook(ctx: FunctionContext) -> Type:
        f = _fn_of(ctx)
        if f is None:
            return ctx.default_return_type
        args = [_strip(a) for a in f.arg_types]
        ret = _strip(f.ret_type)
        if kind == "derivative":
            if len(args) != 1:
                return ctx.default_return_type
            return _transformed(f, args, ret)
        nums = _argnums(ctx, "argnums", len(args))
        if nums is None:
            return ctx.default_return_type
        pos = [nums] if isinstance(nums, int) else nums
        if kind == "jacobian":
            blocks = [_jacobian_type(args[n], ret) for n in pos]
        elif kind == "hessian":
            blocks = [_hessian_block(args[n], args[n]) for n in pos]
            if not isinstance(nums, int):
                rows = [_tuple(ctx, [_hessian_block(args[m], args[n]) for n in pos]) for m in pos]
                return _transformed(f, args, _tuple(ctx, rows))
        else:
            blocks = [args[n] for n in pos]
        out = blocks[0] if isinstance(nums, int) else _tuple(ctx, blocks)
        if kind == "value_and_grad":
            out = _tuple(ctx, [ret, out])
        return _transformed(f, args, out)

    return hook


def _runner_hook(ctx: FunctionContext) -> Type:
    # backprop*, eval_bp*: the value is f's result with BVar[X] read as X (also inside
    # tuples, T2..., which the overloads cannot say)
    f = _fn_of(ctx)
    default = get_proper_type(ctx.default_return_type)
    if f is None:
        return ctx.default_return_type
    value = _strip(f.ret_type)
    if isinstance(default, TupleType) and len(default.items) == 2:
        return default.copy_modified(items=[value, default.items[1]])
    return ctx.default_return_type


_TRANSFORM_HOOKS = {
    _RUNNERS + "grad": _transform_hook("grad"),
    _RUNNERS + "value_and_grad": _transform_hook("value_and_grad"),
    _HIGHER + "derivative": _transform_hook("derivative"),
    _HIGHER + "jacobian": _transform_hook("jacobian"),
    _HIGHER + "hessian": _transform_hook("hessian"),
}
_VALUE_RUNNERS = {_RUNNERS + n for n in ("backprop", "backprop2", "backprop_with")}
_EVAL_RUNNERS = {_RUNNERS + n for n in ("eval_bp", "eval_bp2")}


def _backprop_n_hook(ctx: FunctionContext) -> Type:
    # (value, gradients): one gradient per argument, of that argument's type
    f = _fn_of(ctx)
    if f is None or len(ctx.arg_types) < 2 or not all(k == ARG_POS for k in ctx.arg_kinds[1]):
        return ctx.default_return_type
    xs = ctx.arg_types[1]
    if len(xs) != len(f.arg_types):
        return ctx.default_return_type
    return _tuple(ctx, [_strip(f.ret_type), _tuple(ctx, list(xs))])


def _eval_hook(ctx: FunctionContext) -> Type:
    f = _fn_of(ctx)
    return ctx.default_return_type if f is None else _strip(f.ret_type)


class OpticPlugin(Plugin):
    """Types the attributes of ``Lenses[Cls]`` (see the module docstring)."""

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        """The hooks for ``Lenses.<field>`` and ``BVar.<field>``; ``None`` for the rest."""
        if fullname.startswith(_LENSES + "."):
            return _lens_attribute
        if fullname.startswith(_BVAR + "."):
            return _bvar_attribute
        return None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        """The hooks for ``sum`` of BVars (``BVar[T]``, not ``BVar[T] | float``) and for the
        transforms and runners (their types from the function's signature)."""
        if fullname == "builtins.sum":
            return _sum_of_bvars
        if fullname in _TRANSFORM_HOOKS:
            return _TRANSFORM_HOOKS[fullname]
        if fullname == _RUNNERS + "backprop_n":
            return _backprop_n_hook
        if fullname in _VALUE_RUNNERS:
            return _runner_hook
        if fullname in _EVAL_RUNNERS:
            return _eval_hook
        return None

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        """The hook for ``BVar.__getitem__`` (a literal index into a BVar of a tuple)."""
        if fullname == _BVAR + ".__getitem__":
            return _bvar_getitem
        return None


def plugin(version: str) -> type[Plugin]:
    """The entry point mypy calls with its version."""
    return OpticPlugin
