"""Lifted ``scipy``: differentiable ``special``, ``stats``, ``signal``, ``linalg`` and ``integrate``.

An optional extra (``pip install 'optic_ad[scipy]'``): scipy is imported only when this
package is. Functions take the same arguments as scipy's and work on plain values and on
BVars; their rules are written with lifted functions, so they differentiate again.
"""

from optic_ad.scipy import integrate, linalg, signal, special, stats

__all__ = ["integrate", "linalg", "signal", "special", "stats"]
