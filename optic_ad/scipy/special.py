"""Lifted ``scipy.special``: the same names and signatures as scipy's, differentiable on BVars."""

from __future__ import annotations

__all__: list[str] = []
