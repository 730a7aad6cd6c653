"""Test-wide set-up: Hypothesis profiles.

``dev`` (the default) keeps property runs quick on a laptop; ``ci`` runs
more examples, still bounded so the suite stays well under its time budget
on two cores. Choose with ``HYPOTHESIS_PROFILE=ci`` (``.ci/run`` does).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
