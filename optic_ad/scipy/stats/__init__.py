"""Lifted ``scipy.stats``: distributions' densities and their logs, differentiable on BVars."""

from __future__ import annotations

__all__: list[str] = []
