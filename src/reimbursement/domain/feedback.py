"""Customer feedback on a claim: the data recorded.

One :class:`Feedback` per claim, given by the claim's customer after a
decision. Scales: CSAT 1–5 per :class:`FeedbackStage`, customer effort
(CES) 1–7, likelihood to recommend (NPS) 0–10. The rules (who may give
it, when, how long it can be edited, the checks of every scale and problem
code) are in :mod:`reimbursement.domain.feedback_rules`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from .frozen import FrozenMap, frozen_map

__all__ = ["Feedback", "FeedbackStage"]


class FeedbackStage(enum.StrEnum):
    """The stages of a claim a customer rates (the SLA clocks have their own ``SlaStage``)."""

    SUBMISSION = "submission"
    REVIEW = "review"
    PAYMENT = "payment"
    COMMUNICATION = "communication"


@attrs.frozen
class Feedback:
    """What the customer said about one claim.

    ``ratings`` maps a stage to its CSAT score (1–5); stages not rated are
    absent. ``ces`` (1–7) and ``nps`` (0–10) are optional. ``problems`` are
    codes from the insurer's problem catalogue. ``channel`` is where the
    feedback was given (``"app"``, ``"web"``, ``"phone"``…). ``ratings`` is kept
    as an immutable copy of the mapping given.
    """

    given_at: datetime
    ratings: Mapping[FeedbackStage, int] = attrs.field(factory=FrozenMap, converter=frozen_map)
    ces: int | None = None
    nps: int | None = None
    problems: tuple[str, ...] = ()
    text: str = ""
    channel: str = "web"
    edited_at: datetime | None = None
