"""The extension surface: how to add a differentiable function to optic_ad.

Everything a new function needs, in one small public module (as autograd's ``extend``):

* [`lift1`][optic_ad.numpy.core.lift1], [`lift2`][optic_ad.numpy.core.lift2], [`reduction`][optic_ad.numpy.core.reduction] make an elementwise unary, a
  broadcasting binary or a reducing function from a numpy forward and one
  vector-Jacobian product (VJP) per argument, ``vjp(g, ans, *args)``;
* [`Prim`][optic_ad.bvar.Prim] and [`lift`][optic_ad.bvar.lift] for anything else: ``Prim(name, forward, (vjp, ...))``
  applied with ``lift(prim, args, kwargs)`` records one node when an argument is a BVar and
  runs ``forward`` otherwise;
* [`unbroadcast`][optic_ad.numpy.core.unbroadcast] sums a broadcast cotangent back to an argument's shape;
* [`register_function`][optic_ad.numpy.dispatch.register_function] and [`register_ufunc`][optic_ad.numpy.dispatch.register_ufunc] make a numpy function or ufunc of
  someone else's (``scipy.special.erf``) called on a BVar record the lifted one.

Write a VJP with Python operators and ``optic_ad.numpy``: on plain arrays it computes
numbers, inside an outer runner it records, so the new function has second derivatives.
(numpy's own functions dispatch to the lifted ones on BVars too, but only those optic_ad
lifts.) Say ``batch_safe=True`` on a ``Prim`` only when
every VJP accepts extra leading dimensions on ``g`` (negative axes, ``...`` indexing): then
``jacobian`` and ``hessian`` pull a whole Jacobian back in one pass.

Examples:
    >>> import optic_ad as ad
    >>> from optic_ad import extend
    >>> import numpy as np
    >>> cube = extend.lift1("cube", lambda x: x**3, lambda g, ans, x: g * 3.0 * x * x)
    >>> ad.grad_bp(cube, 2.0), ad.derivative(ad.derivative(cube))(2.0)
    (12.0, 12.0)
    >>> hypot = extend.lift2(
    ...     "hypot", np.hypot,
    ...     lambda g, ans, x, y: extend.unbroadcast(g * x / ans, np.shape(x), np.ndim(ans)),
    ...     lambda g, ans, x, y: extend.unbroadcast(g * y / ans, np.shape(y), np.ndim(ans)),
    ... )
    >>> ad.grad_bp2(lambda a, b: hypot(a, b), 3.0, 4.0)
    (0.6, 0.8)
"""

from optic_ad.bvar import Prim as Prim
from optic_ad.bvar import lift as lift
from optic_ad.numpy.core import lift1 as lift1
from optic_ad.numpy.core import lift2 as lift2
from optic_ad.numpy.core import reduction as reduction
from optic_ad.numpy.core import unbroadcast as unbroadcast
from optic_ad.numpy.dispatch import register_function as register_function
from optic_ad.numpy.dispatch import register_ufunc as register_ufunc

__all__ = [
    "Prim",
    "lift",
    "lift1",
    "lift2",
    "reduction",
    "register_function",
    "register_ufunc",
    "unbroadcast",
]
