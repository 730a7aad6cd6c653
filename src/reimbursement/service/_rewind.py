"""A claim as an earlier call left it, rebuilt from the claim now and its timeline.

A request replayed (same key, same call) answers what its first call
answered: the claim at the version that call committed
(:attr:`~reimbursement.ports.RequestRecord.version`), not the claim as
later calls left it. The store keeps only the latest claim, so the desk
undoes, newest first, what each later event did. Every later event of the
types in :data:`_UNDONE` is undone exactly: its message, document (and the
line's link to it), decision, payment attempt or payment step, review
assignment, submission number or first feedback goes, and the state is the
one the first call's last event reached.

A later event outside them changed what the timeline does not record in
full (a line edited or removed by a patch, a resubmission, edited
feedback, a confirmed duplicate, personal data erased or documents
deleted): the claim cannot be rebuilt as it was, and the replay answers
the claim as it is now, as it does for a request key kept before stores
held its version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from ..domain._replace import replace
from ..domain.claim import Claim, ExpenseLine, PaymentRecord, PaymentStatus
from ..domain.events import Event, EventLog, EventType
from ..domain.lifecycle import ClaimState

__all__ = ["as_committed"]

_T = TypeVar("_T")

_E = EventType
_DECIDING = frozenset({_E.RETURNED, _E.APPROVED, _E.PARTIALLY_APPROVED, _E.REJECTED})
_PAYING = frozenset({_E.PAYMENT_REQUESTED, _E.PAYMENT_RETRIED, _E.PAYEE_CHANGED})
# what each step of an attempt makes its status (the attempt's own fields: see _attempt)
_STEPS = {
    _E.PAYMENT_APPROVED: PaymentStatus.APPROVED,
    _E.PAYMENT_SENT: PaymentStatus.SENT,
    _E.PAID: PaymentStatus.PAID,
    _E.PAYMENT_FAILED: PaymentStatus.FAILED,
    _E.PAYMENT_CANCELLED: PaymentStatus.CANCELLED,
}
_HOLDERS = frozenset({_E.ASSIGNED, _E.REASSIGNED, _E.ESCALATED})
_UNDONE = frozenset(
    {
        _E.MESSAGE_POSTED,
        _E.ATTACHMENT_ADDED,
        _E.SUBMITTED,
        _E.APPROVED,
        _E.PARTIALLY_APPROVED,
        _E.REJECTED,
        _E.WITHDRAWN,
        _E.REVIEW_STEP_DECIDED,
        _E.STRAIGHT_THROUGH_DECIDED,
        _E.SLA_WARNING,
        _E.SLA_BREACHED,
        _E.PAYMENT_DISCREPANCY,
        _E.FEEDBACK_GIVEN,
        *_PAYING,
        *_STEPS,
        *_HOLDERS,
    }
)
"""The later events whose change the desk can undo from the event alone."""


def as_committed(claim: Claim, version: int | None) -> Claim:
    """``claim`` as it stood at ``version`` (see the module docstring).

    ``claim`` itself for ``None`` (a request kept before its version was
    stored), for its own version, and after a later event the timeline
    cannot undo. Costs what the later events cost, not the claim's size.
    """
    if version is None or version >= claim.version or version < 1:
        return claim
    events = claim.events
    later = events[version:]
    if any(e.type not in _UNDONE for e in later):
        return claim
    kinds = [e.type for e in later]
    kept_payments = len(claim.payments) - sum(k in _PAYING for k in kinds)
    changes: dict[str, object] = {
        "events": EventLog(events[:version]),
        "state": events[version - 1].to_state,
        "messages": _kept(claim.messages, kinds.count(_E.MESSAGE_POSTED)),
        "attachments": _kept(claim.attachments, kinds.count(_E.ATTACHMENT_ADDED)),
        "decisions": _kept(claim.decisions, sum(k in _DECIDING for k in kinds)),
        "payments": _payments(claim, events, version, kept_payments, later),
    }
    linked = {e.data["attachment_id"] for e in later if e.data.get("line_id") is not None}
    if linked:
        changes["lines"] = tuple(_unlinked(line, linked) for line in claim.lines)
    if _E.PAYEE_CHANGED in kinds:  # the account of the attempt current then, or of the first
        account = claim.payments[max(kept_payments, 1) - 1].payee_account
        changes["claimant"] = replace(claim.claimant, payee_account=account)
    if _E.SUBMITTED in kinds:  # submitted later: a draft then, which no look-up had flagged
        changes.update(number=None, submitted_at=None, duplicate_flags=())
    if _E.FEEDBACK_GIVEN in kinds:
        changes["feedback"] = None
    if _HOLDERS & set(kinds):
        changes["assignee"] = _assignee(events[:version])
    return replace(claim, **changes)


def _kept(items: Sequence[_T], added_later: int) -> Sequence[_T]:
    return items[: len(items) - added_later] if added_later else items


def _unlinked(line: ExpenseLine, later: set[str]) -> ExpenseLine:
    ids = tuple(i for i in line.attachment_ids if i not in later)
    return line if len(ids) == len(line.attachment_ids) else replace(line, attachment_ids=ids)


def _payments(
    claim: Claim, events: EventLog, version: int, kept: int, later: Sequence[Event]
) -> tuple[PaymentRecord, ...]:
    payments = claim.payments[:kept]
    if not payments or not any(e.type in _STEPS for e in later):
        return payments
    return (*payments[:-1], _attempt(payments[-1], events, version))


def _attempt(record: PaymentRecord, events: EventLog, version: int) -> PaymentRecord:
    """The current attempt as its events up to ``version`` left it (newest first to its start)."""
    steps = []
    seq = version
    while events[seq - 1].type not in _PAYING:  # the attempt's own event starts it
        if events[seq - 1].type in _STEPS:
            steps.append(events[seq - 1])
        seq -= 1
    retried = events[seq - 1].type is _E.PAYMENT_RETRIED  # approved by whom retried it
    status = PaymentStatus.APPROVED if retried else PaymentStatus.REQUESTED
    approved_by = record.approved_by if retried else None
    reference = reason = None
    for step in reversed(steps):
        status = _STEPS[step.type]
        if step.type is _E.PAYMENT_APPROVED:
            approved_by = step.actor
        elif step.type is _E.PAYMENT_SENT:
            reference = step.data["reference"]
        elif step.type in (_E.PAYMENT_FAILED, _E.PAYMENT_CANCELLED):
            reason = step.reason
    return replace(
        record,
        status=status,
        approved_by=approved_by,
        gateway_reference=reference,
        failure_reason=reason,
    )


def _assignee(events: Sequence[Event]) -> str | None:
    """Who held the claim after ``events``, by the routing rules of ``domain.routing``."""
    holder: str | None = None
    for event in events:
        if event.type not in _HOLDERS:
            continue
        to = event.data["reviewer"]
        if event.type is _E.ASSIGNED:
            holder = to if event.from_state is ClaimState.SUBMITTED else holder
        elif holder in (None, event.data.get("from") or None):
            holder = to
    return holder
