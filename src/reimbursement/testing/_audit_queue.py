"""The contract of the claim store's audit queue (part of the repository contract)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest

from ..domain import commands
from ..domain.actors import SYSTEM, Actor
from ..domain.audit_review import AuditOutcome, record_audit
from ..domain.claim import Claim
from ..domain.events import Visibility
from ..domain.money import Money
from ..domain.straight_through import AutoApprovalRule, CustomerHistory, StraightThroughRules
from ..errors import ValidationError
from ..ports import ClaimRepository
from ..service.straight_through import StraightThroughReview
from ._builders import after, draft, submitted
from ._helpers import UnitOfWorkFactory, add, save, stored

__all__ = ["AuditQueueContract"]

_AUDITOR = Actor.reviewer("audit-1")
_ANY = (AutoApprovalRule("any", Money("1000", "EUR")),)


class _NoHistory:
    def history(self, claim: Claim, claims: ClaimRepository) -> CustomerHistory:
        return CustomerHistory(0, 0)


def _screened(
    unit_of_work: UnitOfWorkFactory, claim_id: str, minutes: float, *, share: str = "1"
) -> Claim:
    """A claim approved straight through at ``minutes``, drawn for audit when ``share`` is 1."""
    rules = StraightThroughRules("2026-03", _ANY, audit_share=Decimal(share))
    review = StraightThroughReview(rules, history=_NoHistory())
    claim = submitted(draft(claim_id, at=after(minutes=minutes)))
    with unit_of_work() as uow:
        screened = review.screen(claim, claim.events[-1].at, uow.claims, request_payment=False)
        uow.claims.add(screened)
        uow.commit()
    return screened


def _audited(claim: Claim, outcome: AuditOutcome = AuditOutcome.CONFIRMED) -> Claim:
    at = claim.events[-1].at + timedelta(hours=1)
    return record_audit(claim, _AUDITOR, at, outcome, "receipt matches", max_reason=1000)


def _queue(unit_of_work: UnitOfWorkFactory) -> list[str]:
    with unit_of_work() as uow:
        return [summary.id for summary in uow.claims.audit_queue()]


class AuditQueueContract:
    """What ``audit_queue`` of every store must do. Uses the ``unit_of_work`` fixture."""

    def test_the_queue_lists_drawn_claims_oldest_drawn_first_and_nothing_else(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        _screened(unit_of_work, "late", 30)
        _screened(unit_of_work, "not-drawn", 10, share="0")
        _screened(unit_of_work, "early", 5)
        add(unit_of_work, submitted(draft("manual")))  # never decided by the rules
        with unit_of_work() as uow:
            page = uow.claims.audit_queue()
            assert [(s.id, s.state, s.number) for s in page] == [
                ("early", "approved", "CLM-early"),
                ("late", "approved", "CLM-late"),
            ]
            assert page.next_cursor is None

    def test_pages_follow_their_cursors_to_the_end(self, unit_of_work: UnitOfWorkFactory) -> None:
        for i in range(5):
            _screened(unit_of_work, f"claim-{i}", 10)  # drawn at one instant: added order
        pages, cursor = [], None
        with unit_of_work() as uow:
            for _ in range(10):
                page = uow.claims.audit_queue(after=cursor, limit=2)
                pages.append([s.id for s in page])
                if (cursor := page.next_cursor) is None:
                    break
        assert pages == [["claim-0", "claim-1"], ["claim-2", "claim-3"], ["claim-4"]]

    def test_a_recorded_audit_takes_the_claim_out_once_committed(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        one, two = _screened(unit_of_work, "one", 1), _screened(unit_of_work, "two", 2)
        with unit_of_work() as uow:
            uow.claims.save(_audited(one), one.version)
            assert [s.id for s in uow.claims.audit_queue()] == ["two"]  # its own write
            uow.rollback()
        assert _queue(unit_of_work) == ["one", "two"]
        save(unit_of_work, _audited(two, AuditOutcome.FINDING))
        assert _queue(unit_of_work) == ["one"]

    def test_a_drawn_claim_stays_queued_while_it_moves_on(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = _screened(unit_of_work, "claim-1", 1)
        requested = commands.request_payment(claim, SYSTEM, after(hours=2))
        with unit_of_work() as uow:  # saved over a version this unit of work did not read
            uow.claims.save(requested, claim.version)
            uow.commit()
        noted = commands.post_message(
            requested, SYSTEM, after(hours=3), "checked", Visibility.INTERNAL
        )
        save(unit_of_work, noted)
        with unit_of_work() as uow:
            (summary,) = uow.claims.audit_queue()
        assert (summary.id, summary.state, summary.version) == (
            "claim-1",
            "payment_requested",
            noted.version,
        )
        save(unit_of_work, _audited(stored(unit_of_work, "claim-1")))
        assert _queue(unit_of_work) == []

    def test_a_claim_added_in_this_unit_of_work_is_queued_on_commit_only(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        rules = StraightThroughRules("2026-03", _ANY, audit_share=Decimal(1))
        review = StraightThroughReview(rules, history=_NoHistory())
        claim = submitted(draft("claim-1"))
        with unit_of_work() as uow:
            screened = review.screen(claim, after(hours=1), uow.claims, request_payment=False)
            uow.claims.add(screened)
            assert [s.id for s in uow.claims.audit_queue()] == ["claim-1"]
            uow.rollback()
        assert _queue(unit_of_work) == []

    def test_the_queue_survives_a_restart(
        self, unit_of_work: UnitOfWorkFactory, reopen: Callable[[], UnitOfWorkFactory]
    ) -> None:
        _screened(unit_of_work, "claim-1", 1)
        assert _queue(reopen()) == ["claim-1"]

    @pytest.mark.parametrize("limit", [0, 1001])
    def test_a_bad_limit_or_a_cursor_not_of_this_list_is_refused(
        self, unit_of_work: UnitOfWorkFactory, limit: int
    ) -> None:
        for i in range(3):
            _screened(unit_of_work, f"claim-{i}", i)
        with unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.claims.audit_queue(limit=limit)
            other = uow.claims.for_customer("cust-1", limit=1).next_cursor
            assert other is not None
            for cursor in (other, "not a cursor"):
                with pytest.raises(ValidationError) as raised:
                    uow.claims.audit_queue(after=cursor)
                assert [p.path for p in raised.value.problems] == ["after"]
