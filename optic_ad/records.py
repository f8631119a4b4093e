"""Records: the ``Numeric`` mixin for attrs classes and dataclasses.

``Numeric`` gives a record field-wise arithmetic (``+ - * /`` with a number or with a
record of the same class, unary ``-``), so a gradient step reads ``net - 0.1 * grad``.
The arithmetic reaches every numeric leaf, however deep (records, tuples, dicts, arrays
inside), and leaves static fields (``str``, ``int``, enums...) as they are; the result is
built without running ``__init__``.
It also has ``view``/``set``/``over`` methods taking a lens, so the same user code runs on
a plain record and on a ``BVar`` of one (which has the same methods).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, Self

from optic_ad.structure import field_names, map_numeric, rmap_numeric

__all__ = ["Numeric"]


def _check(x: Any) -> None:
    if field_names(type(x)) is None:
        msg = f"Numeric is for attrs classes and dataclasses; {type(x).__qualname__} is neither"
        raise TypeError(msg)


def _zip(op: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    _check(x)
    return map_numeric(op, x, y)


def _rzip(op: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    _check(x)
    return rmap_numeric(op, x, y)


class Numeric:
    """Field-wise arithmetic for an attrs class or dataclass (a mixin).

    Examples:
        >>> import attrs, numpy as np, optic_ad as ad
        >>> @attrs.frozen
        ... class P(ad.Numeric):
        ...     w: float
        ...     b: float
        >>> P(1.0, 2.0) - 0.5 * P(2.0, 2.0)
        P(w=0.0, b=1.0)
    """

    __slots__ = ()

    def __add__(self, other: Self | float) -> Self:
        return _zip(operator.add, self, other)  # type: ignore[no-any-return]

    def __radd__(self, other: float) -> Self:
        return _rzip(operator.add, self, other)  # type: ignore[no-any-return]

    def __sub__(self, other: Self | float) -> Self:
        return _zip(operator.sub, self, other)  # type: ignore[no-any-return]

    def __rsub__(self, other: float) -> Self:
        return _rzip(operator.sub, self, other)  # type: ignore[no-any-return]

    def __mul__(self, other: Self | float) -> Self:
        return _zip(operator.mul, self, other)  # type: ignore[no-any-return]

    def __rmul__(self, other: float) -> Self:
        return _rzip(operator.mul, self, other)  # type: ignore[no-any-return]

    def __truediv__(self, other: Self | float) -> Self:
        return _zip(operator.truediv, self, other)  # type: ignore[no-any-return]

    def __rtruediv__(self, other: float) -> Self:
        return _rzip(operator.truediv, self, other)  # type: ignore[no-any-return]

    def __neg__(self) -> Self:
        return _rzip(lambda _, a: -a, self, None)  # type: ignore[no-any-return]

    def view(self, optic: Any) -> Any:
        """The part at ``optic`` (same spelling as ``BVar.view``)."""
        return optic.view(self)

    def set(self, optic: Any, part: Any) -> Self:
        """A copy with the part at ``optic`` replaced."""
        return optic.set(self, part)  # type: ignore[no-any-return]

    def over(self, optic: Any, fn: Callable[[Any], Any]) -> Self:
        """A copy with ``fn`` applied to the part at ``optic``."""
        return optic.set(self, fn(optic.view(self)))  # type: ignore[no-any-return]
