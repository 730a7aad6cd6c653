"""A customer's personal data: the export, erasure that keeps the record verifiable, retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from reimbursement import Actor, Claim, ReimbursementDesk, Role, from_json, to_json
from reimbursement.adapters.memory import ManualClock
from reimbursement.audit import MemoryLogStore, MerkleLog, verify
from reimbursement.claims import EventType, check_claim
from reimbursement.errors import AuthorizationError, DocumentNotFoundError, ValidationError
from support import ANA, BEN, FINANCE, REVIEWER, paid, submitted

DPO = Actor("dpo", Role.SYSTEM, "data protection")


def test_a_customer_exports_their_own_data_without_internal_notes(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    desk.post_message(ANA, claim.id, "Where is my money?")
    desk.post_message(REVIEWER, claim.id, "Customer called twice", internal=True)
    export = desk.export_personal_data(ANA, "cust-ana")
    assert export["format"] == "reimbursement-personal-data/1"
    assert [c["id"] for c in export["claims"]] == [claim.id]
    assert [m["body"] for m in export["messages"]] == ["Where is my money?"]
    assert [d["file_name"] for d in export["documents"]] == ["receipt.pdf"]
    json.dumps(export)  # JSON as it is
    everything = desk.export_personal_data(DPO, "cust-ana")
    assert len(everything["messages"]) == 2


@pytest.mark.parametrize("who", [BEN, REVIEWER, FINANCE])
def test_nobody_else_exports_a_customers_data(desk: ReimbursementDesk, who: Actor) -> None:
    submitted(desk)
    with pytest.raises(AuthorizationError):
        desk.export_personal_data(who, "cust-ana")


def test_erasure_waits_for_every_claim_to_be_closed_and_is_systems_alone(
    desk: ReimbursementDesk,
) -> None:
    open_claim = submitted(desk)
    with pytest.raises(AuthorizationError):
        desk.erase_personal_data(REVIEWER, "cust-ana")
    with pytest.raises(ValidationError, match="open claims") as refused:
        desk.erase_personal_data(DPO, "cust-ana")
    assert open_claim.id in str(refused.value.problems)
    assert desk.get(REVIEWER, open_claim.id) == open_claim


def test_erasure_keeps_amounts_and_a_record_that_still_verifies(desk: ReimbursementDesk) -> None:
    claim = paid(desk)
    desk.post_message(ANA, claim.id, "Thanks, Ana Lima, DE89 3704 0044")
    before = desk.get(REVIEWER, claim.id)
    log = MerkleLog(MemoryLogStore(), "claims.example.org/log")
    log.record(before)
    assert desk.erase_personal_data(DPO, "cust-ana") == [claim.id]
    erased = desk.get(REVIEWER, claim.id)
    text = json.dumps(desk.export_personal_data(DPO, "cust-ana"))
    for personal in (
        "Ana Lima",
        "DE89 3704 0044 0532 0130 00",
        "receipt.pdf",
        "Thanks",
        "City Pharmacy",
    ):
        assert personal not in text
    assert erased.claimed_total == before.claimed_total
    assert erased.paid_total == before.paid_total
    assert [a.sha256 for a in erased.attachments] == [a.sha256 for a in before.attachments]
    report = verify(erased)
    assert report.intact, str(report)
    assert report.redacted  # the attachment event held the file name
    log.record(erased)  # the erasure event joins the log; the others are there as they were
    assert log.verify(erased).intact
    assert erased.events[-1].type is EventType.PERSONAL_DATA_ERASED
    assert desk.erase_personal_data(DPO, "cust-ana") == []  # done already


def test_documents_are_deleted_after_the_retention_period_with_an_event(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    claim = paid(desk)
    document = claim.attachments[0].id
    with pytest.raises(ValidationError, match="less than"):
        desk.delete_expired_documents(DPO, claim.id, timedelta(days=3650))
    assert desk.adapters.documents.get(document)
    clock.advance(timedelta(days=3651))
    kept = desk.delete_expired_documents(DPO, claim.id, timedelta(days=3650))
    assert kept.events[-1].type is EventType.DOCUMENT_DELETED
    assert kept.attachments == claim.attachments  # hash and size stay
    with pytest.raises(DocumentNotFoundError):
        desk.adapters.documents.get(document)
    with pytest.raises(ValidationError, match="deleted"):
        desk.delete_expired_documents(DPO, claim.id, timedelta(days=3650))
    with pytest.raises(AuthorizationError):
        desk.delete_expired_documents(REVIEWER, claim.id, timedelta(days=1))
    assert verify(kept).intact


def test_an_erased_claim_with_its_documents_deleted_is_still_a_valid_claim_on_the_wire(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    # a store reads claims back through check_claim: erasure and retention must not make
    # a claim that no store can read again
    claim = paid(desk)
    clock.advance(timedelta(days=3651))
    desk.delete_expired_documents(DPO, claim.id, timedelta(days=3650))
    desk.erase_personal_data(DPO, "cust-ana")
    erased = desk.get(REVIEWER, claim.id)
    assert {EventType.DOCUMENT_DELETED, EventType.PERSONAL_DATA_ERASED} <= {
        e.type for e in erased.events
    }
    check_claim(erased)
    assert from_json(to_json(erased), Claim) == erased


def _erased(desk: ReimbursementDesk) -> Claim:
    claim = paid(desk)
    desk.erase_personal_data(DPO, "cust-ana")
    return desk.get(REVIEWER, claim.id)


_PERSONAL_CALLS = {
    "customer message": lambda d, c: d.post_message(ANA, c, "Ana Lima, call me on 0170 123"),
    "staff message": lambda d, c: d.post_message(REVIEWER, c, "Spoke to Ana Lima"),
    "internal note": lambda d, c: d.post_message(REVIEWER, c, "Ana Lima again", internal=True),
    "feedback text": lambda d, c: d.give_feedback(ANA, c, ces=2, text="Ana Lima was happy"),
}


@pytest.mark.parametrize("call", sorted(_PERSONAL_CALLS))
def test_an_erased_claim_refuses_personal_input_and_stays_as_it_was(
    desk: ReimbursementDesk, call: str
) -> None:
    erased = _erased(desk)
    with pytest.raises(ValidationError, match="was erased: it takes no personal data") as refused:
        _PERSONAL_CALLS[call](desk, erased.id)
    assert "open a new claim" in str(refused.value)
    assert desk.get(REVIEWER, erased.id) == erased
    assert "Ana Lima" not in json.dumps(desk.export_personal_data(DPO, "cust-ana"))


def test_an_erased_claim_still_takes_feedback_without_text_and_edits_without_it(
    desk: ReimbursementDesk,
) -> None:
    erased = _erased(desk)
    desk.give_feedback(ANA, erased.id, ces=2)
    with pytest.raises(ValidationError, match=r"\(feedback.text\)"):
        desk.edit_feedback(ANA, erased.id, ces=3, text="Ana Lima again")
    assert desk.edit_feedback(ANA, erased.id, ces=3).feedback is not None
    assert verify(desk.get(REVIEWER, erased.id)).intact


def test_retention_still_deletes_an_erased_claims_documents(
    desk: ReimbursementDesk, clock: ManualClock
) -> None:
    """The insurer's own processes (``system``) write no personal data: retention passes."""
    erased = _erased(desk)
    clock.advance(timedelta(days=3651))
    kept = desk.delete_expired_documents(DPO, erased.id, timedelta(days=3650))
    assert kept.events[-1].type is EventType.DOCUMENT_DELETED
