"""When a claim is due: what the desk stores beside a claim for work queues and the sweeper."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import attrs

__all__ = ["NO_SCHEDULE", "ClaimSchedule"]


@attrs.frozen
class ClaimSchedule:
    """When a stored claim is due, as the desk computed it from its SLA policy.

    ``due_at`` is when the running stage (review or payment) is due: work
    queues are ordered by it. ``next_check_at`` is the next instant the SLA
    sweeper must look at the claim (its next warning or breach); ``None``
    means never, until the claim changes (no SLA policy, a final state, or
    a clock paused while the customer answers).
    """

    due_at: datetime | None = None
    next_check_at: datetime | None = None


NO_SCHEDULE: Final = ClaimSchedule()
"""The schedule of a claim nothing is due on."""
