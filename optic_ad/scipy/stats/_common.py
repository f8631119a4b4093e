"""Helpers shared by the distributions of `optic_ad.scipy.stats`."""

from __future__ import annotations

from typing import Any

import numpy as np

from optic_ad import numpy as anp
from optic_ad.bvar import BVar
from optic_ad.extend import unbroadcast

__all__ = ["KW", "any_bvar", "array", "constant", "log_scale", "standardize", "ub"]

# the keywords of a call without keywords: shared, never mutated
KW: dict[str, Any] = {}


def any_bvar(*args: Any) -> bool:
    """Whether any argument is a BVar (else scipy is called directly)."""
    return any(type(a) is BVar for a in args)


def ub(g: Any, x: Any, ans: Any) -> Any:
    """Sum ``g`` (the cotangent of the broadcast result ``ans``) back to ``x``'s shape."""
    sx = anp.shape(x)
    so = anp.shape(ans)
    if sx == so:
        return g
    return unbroadcast(g, sx, len(so))


def constant(where: str, what: str, v: Any) -> None:
    """Raise ``TypeError`` if ``v``, an argument without a gradient rule, is a BVar."""
    if type(v) is BVar:
        msg = (
            f"scipy.stats.{where}: the {what} is a constant here (its gradient is not "
            "implemented); pass a plain value"
        )
        raise TypeError(msg)


def _is(v: Any, c: float) -> bool:
    return type(v) in (int, float) and v == c


def standardize(x: Any, loc: Any, scale: Any) -> Any:
    """``(x - loc) / scale``, as scipy computes it (skipping a plain 0 and 1)."""
    z = x if _is(loc, 0.0) else x - loc
    return z if _is(scale, 1.0) else z / scale


def log_scale(scale: Any) -> Any:
    """``log(scale)``: 0 for a plain 1."""
    return 0.0 if _is(scale, 1.0) else anp.log(scale)


def array(v: Any) -> Any:
    """A list or tuple as a float array; BVars, arrays and scalars as they are."""
    return np.asarray(v, dtype=np.float64) if isinstance(v, list | tuple) else v
