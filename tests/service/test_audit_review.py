"""The audit review of sampled automatic approvals on the desk: the queue and its outcomes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from reimbursement import Actor, ClaimState, Money, ReimbursementDesk
from reimbursement.claims import EventType
from reimbursement.errors import AuthorizationError, FourEyesError, ValidationError
from reimbursement.straight_through import (
    AuditOutcome,
    AutoApprovalRule,
    RandomSampler,
    StraightThroughReview,
    StraightThroughRules,
    awaiting_audit,
)
from support import ANA, FINANCE, whole

from .test_straight_through import distinct

MakeDesk = Callable[..., ReimbursementDesk]
AUDITOR = Actor.reviewer("audit-1")


def _desk(make_desk: MakeDesk, share: str = "1") -> ReimbursementDesk:
    rules = StraightThroughRules(
        "2026-12",
        (AutoApprovalRule("small", Money("50.00", "EUR"), categories=["pharmacy"]),),
        audit_share=Decimal(share),
    )
    return make_desk(straight_through=StraightThroughReview(rules, sampler=RandomSampler(3)))


def _ids(desk: ReimbursementDesk, actor: Actor = AUDITOR, **paging: object) -> list[str]:
    return [s.id for s in desk.audit_queue(actor, **paging)]  # type: ignore[arg-type]


def test_drawn_approvals_wait_in_the_queue_until_audited(make_desk: MakeDesk) -> None:
    desk = _desk(make_desk)
    first, second = distinct(desk, "12.00"), distinct(desk, "13.00")
    reviewed = distinct(desk, "99.00")  # over the rule: a reviewer decides, nothing is drawn
    assert first.state is second.state is ClaimState.PAYMENT_REQUESTED
    assert reviewed.state is ClaimState.IN_REVIEW
    assert _ids(desk) == [first.id, second.id]
    page = desk.audit_queue(AUDITOR, limit=1)
    assert [s.id for s in page] == [first.id]
    assert _ids(desk, after=page.next_cursor) == [second.id]

    audited = desk.record_audit(AUDITOR, first.id, AuditOutcome.CONFIRMED)
    assert audited.state is ClaimState.PAYMENT_REQUESTED  # the payment goes on
    event = audited.events[-1]
    assert (event.type, event.visibility, event.data["outcome"]) == (
        EventType.AUDIT_REVIEWED,
        "internal",
        "confirmed",
    )
    assert awaiting_audit(audited) is None
    assert _ids(desk) == [second.id]
    found = desk.record_audit(AUDITOR, second.id, "finding", reason="the receipt is a copy")
    assert found.events[-1].reason == "the receipt is a copy"
    assert _ids(desk) == []
    timeline = desk.track(ANA, found.id).timeline
    assert all("audit" not in str(entry).lower() for entry in timeline)


def test_a_claim_stays_queued_once_paid(make_desk: MakeDesk) -> None:
    desk = _desk(make_desk)
    claim = distinct(desk, "12.00")
    desk.approve_payment(FINANCE, claim.id)
    assert whole(desk, claim.id).state is not ClaimState.PAYMENT_REQUESTED
    assert _ids(desk) == [claim.id]


def test_refusals_change_nothing(make_desk: MakeDesk) -> None:
    desk = _desk(make_desk)
    claim, reviewed = distinct(desk, "12.00"), distinct(desk, "99.00")
    with pytest.raises(ValidationError) as raised:
        desk.record_audit(AUDITOR, claim.id, AuditOutcome.FINDING)
    assert [p.path for p in raised.value.problems] == ["reason"]
    with pytest.raises(ValidationError) as raised:
        desk.record_audit(AUDITOR, claim.id, "fine")
    assert [p.path for p in raised.value.problems] == ["outcome"]
    with pytest.raises(ValidationError, match="awaits no audit review"):
        desk.record_audit(AUDITOR, reviewed.id, AuditOutcome.CONFIRMED)
    for actor in (ANA, FINANCE):
        with pytest.raises(AuthorizationError):
            desk.audit_queue(actor)
        with pytest.raises(AuthorizationError):
            desk.record_audit(actor, claim.id, AuditOutcome.CONFIRMED)
    own = Actor.reviewer(ANA.id)  # Ana as a reviewer: never on her own claim
    with pytest.raises(FourEyesError):
        desk.record_audit(own, claim.id, AuditOutcome.CONFIRMED)
    assert _ids(desk, own) == []  # nor listed for her
    assert whole(desk, claim.id).version == claim.version
    desk.record_audit(AUDITOR, claim.id, AuditOutcome.CONFIRMED)
    with pytest.raises(ValidationError, match="awaits no audit review"):
        desk.record_audit(AUDITOR, claim.id, AuditOutcome.CONFIRMED)


def test_a_replayed_request_records_the_audit_once(make_desk: MakeDesk) -> None:
    desk = _desk(make_desk)
    claim = distinct(desk, "12.00")
    first = desk.record_audit(AUDITOR, claim.id, AuditOutcome.CONFIRMED, request_id="a-1")
    again = desk.record_audit(AUDITOR, claim.id, AuditOutcome.CONFIRMED, request_id="a-1")
    assert again.version == first.version
