"""Shared pytest configuration: Hypothesis profiles.

``ci`` (selected when the ``CI`` environment variable is set) has no deadline, a fixed
example budget and derandomized generation, so CI never flakes on timing or luck;
``dev`` is the default for local runs.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
