"""The audit review of sampled automatic approvals: which claims await it, and its outcome.

A share of the claims approved straight through is drawn for an audit
review afterwards: their ``straight_through_decided`` event says
``outcome: approved`` and ``sampled: yes``. Such a claim awaits its audit
review, whatever its state (approved, paid, …), until an auditor records
the outcome with :func:`record_audit`: one internal ``audit_reviewed``
event, ``confirmed`` (the rules decided rightly) or a ``finding`` with its
reason. The claim's state does not change: the audit looks back at a
decision, and what a finding leads to (a recovery, new rules) is the
insurer's to follow up.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Final

from ..errors import ValidationError
from ._replace import replace
from .actors import Actor
from .checks import require_text
from .claim import Claim
from .events import EventType, Visibility

__all__ = ["AuditOutcome", "audit_entry_changed", "awaiting_audit", "record_audit"]

_E = EventType
_AUDIT_EVENTS: Final = frozenset({_E.STRAIGHT_THROUGH_DECIDED, _E.AUDIT_REVIEWED})
_DRAWN: Final = ("approved", "yes")  # the decision's outcome and sampled, when drawn


class AuditOutcome(enum.StrEnum):
    """What an auditor found when reviewing an automatic approval."""

    CONFIRMED = "confirmed"
    """The automatic approval was right."""
    FINDING = "finding"
    """Something was wrong: the reason says what."""


def awaiting_audit(claim: Claim) -> datetime | None:
    """When ``claim`` was drawn for audit review, while it awaits one; else ``None``.

    Reads only the claim's straight-through and audit events (filtered
    before they are built), so it costs what those are, not the timeline.
    """
    drawn = None
    for event in claim.events_since(0, types=_AUDIT_EVENTS):
        if event.type is _E.AUDIT_REVIEWED:
            drawn = None
        else:
            data = event.data
            drawn = event.at if (data.get("outcome"), data.get("sampled")) == _DRAWN else None
    return drawn


def audit_entry_changed(before: Claim, claim: Claim) -> bool:
    """Whether the events ``claim`` added since ``before`` may change :func:`awaiting_audit`.

    For stores that index the audit queue: a save adding neither a
    straight-through decision nor an audit leaves the entry as it is.
    """
    return bool(claim.events_since(before.version, types=_AUDIT_EVENTS))


def _outcome(value: object) -> AuditOutcome:
    if isinstance(value, str) and value in AuditOutcome._value2member_map_:
        return AuditOutcome(value)
    raise ValidationError.at("outcome", f"must be one of {', '.join(AuditOutcome)}")


def record_audit(
    claim: Claim,
    actor: Actor,
    at: datetime,
    outcome: AuditOutcome | str,
    reason: str = "",
    *,
    max_reason: int,
) -> Claim:
    """``claim`` with ``actor``'s audit review recorded: it leaves the audit queue.

    ``reason`` says what the auditor found (required for a ``finding``, at
    most ``max_reason`` characters). Raises
    :class:`~reimbursement.errors.ValidationError` for a claim that does
    not await an audit review (never drawn, or audited already), an unknown
    outcome, or a finding without a reason. Authorization is the caller's.
    """
    found = _outcome(outcome)
    words = require_text("reason", reason, max_reason, multiline=True).strip()
    if found is AuditOutcome.FINDING and not words:
        raise ValidationError.at("reason", "say what the audit found")
    if awaiting_audit(claim) is None:
        raise ValidationError.at(
            "claim",
            f"claim {claim.id} awaits no audit review: it was not drawn for one, "
            "or its review is recorded already",
        )
    events = claim.with_next_event(
        _E.AUDIT_REVIEWED,
        actor,
        at,
        reason=words or None,
        data={"outcome": found.value},
        visibility=Visibility.INTERNAL,
    )
    return replace(claim, events=events)
