"""A mypy plugin typing ``lenses(Cls).<field>`` as ``Lens[Cls, <field type>]``.

Enable it in your mypy configuration, as for attrs or pydantic::

    # pyproject.toml
    [tool.mypy]
    plugins = ["optic_ad.mypy"]

    # or mypy.ini / setup.cfg
    [mypy]
    plugins = optic_ad.mypy

``lenses(Cls)`` returns a ``Lenses[Cls]`` whose ``__getattr__`` gives ``Lens[Cls, Any]``.
mypy asks a plugin's attribute hook about every attribute reached through a
``__getattr__``; this one looks the field up on ``Cls`` (an attrs class, dataclass or
NamedTuple, generic or not) and returns ``Lens[Cls, <field type>]``, or reports an unknown
field as an ``attr-defined`` error. Without the plugin the same code type-checks with
``Any`` fields. Nothing here is imported by ``optic_ad`` itself.
"""

from __future__ import annotations

from collections.abc import Callable

import mypy.checker  # noqa: F401  (loads mypy in its own order; maptype alone cycles)
from mypy.errorcodes import ATTR_DEFINED
from mypy.expandtype import expand_type_by_instance
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import TypeInfo, Var
from mypy.plugin import AttributeContext, Plugin
from mypy.types import AnyType, Instance, TupleType, Type, TypeOfAny, get_proper_type

__all__ = ["OpticPlugin", "plugin"]

_LENSES = "optic_ad.optics.Lenses"
_LENS = "optic_ad.optics.Lens"


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


def _attribute_name(ctx: AttributeContext) -> str | None:
    # The hook is registered per attribute name, but the context node carries it too.
    name = getattr(ctx.context, "name", None)
    return name if isinstance(name, str) else None


class OpticPlugin(Plugin):
    """Types the attributes of ``Lenses[Cls]`` (see the module docstring)."""

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        """The hook for ``Lenses.<field>``; ``None`` for every other attribute."""
        if fullname.startswith(_LENSES + "."):
            return _lens_attribute
        return None


def plugin(version: str) -> type[Plugin]:
    """The entry point mypy calls with its version."""
    return OpticPlugin
