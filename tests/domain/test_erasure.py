"""Erasure: every personal field of every event is classified, erased, and the record verifies.

The keys events carry are read from claims the commands build (the invariants'
strategy: every lifecycle path with side steps), and from the recorders of the
events those paths do not reach; an event type reached by neither is listed in
``_NOT_SAMPLED``, so a new type or a new key fails here until it is classified.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from hypothesis import given, settings

from domain.test_invariants import _ASIDES, _PATHS, _STEPS, BUILT, desk_claims
from reimbursement.audit import MemoryLogStore, MerkleLog, verify
from reimbursement.audit.signatures import signature_record
from reimbursement.claims import EventType
from reimbursement.domain.actors import SYSTEM, Actor
from reimbursement.domain.claim import Claim
from reimbursement.domain.commands import privacy
from reimbursement.domain.limits import MAX_STORED_TEXT
from reimbursement.domain.routing.delegation import Reassignment
from reimbursement.domain.routing.escalation import Escalation
from reimbursement.domain.routing.recording import record_escalation, record_reassignment
from reimbursement.domain.sla.records import CrossingKind, SlaCrossing, SlaStage
from reimbursement.errors import ValidationError
from reimbursement.ports import Signature
from reimbursement.testing import (
    AT,
    approved,
    assigned,
    draft,
    paid,
    rejected,
    rich_claim,
    submitted,
)

# reached by no builder here: their keys are classified from their recorders' code
_NOT_SAMPLED = frozenset(
    {
        EventType.REVIEW_STEP_DECIDED,
        EventType.STRAIGHT_THROUGH_DECIDED,
        EventType.DUPLICATE_CONFIRMED,
        EventType.AUDIT_REVIEWED,
        EventType.PAYEE_CHANGED,
    }
)


def _classified(key: str) -> bool:
    return (
        key in privacy.PERSONAL_EVENT_DATA
        or key in privacy.KEPT_EVENT_DATA
        or key.startswith(privacy.KEPT_EVENT_DATA_PREFIXES)
    )


def _recorded_elsewhere() -> list[tuple[EventType, list[str]]]:
    """Events the lifecycle paths do not make, from the functions that record them."""
    claim = assigned(submitted(draft("c-9")))
    at = claim.events[-1].at
    moved = record_reassignment(
        claim, SYSTEM, at, Reassignment(claim.id, "rev-1", "rev-2", "hand_over", "holiday", "s1")
    )
    escalated = record_escalation(
        claim, SYSTEM, at, Escalation(claim.id, "rev-1", "rev-3", "sla_breached", "late")
    )
    crossing = SlaCrossing(claim.id, SlaStage.REVIEW, 1, CrossingKind.BREACH, AT, AT, True)
    warning = attrs.evolve(crossing, kind=CrossingKind.WARNING, due=None)
    signed = Signature("ed25519", "key-1", b"sig", b"authdata", b"{}")
    return [
        (EventType.REASSIGNED, list(moved.events[-1].data)),
        (EventType.ESCALATED, [*escalated.events[-1].data, "passed_over"]),
        (EventType.SLA_BREACHED, list(crossing.event_data())),
        (EventType.SLA_WARNING, list(warning.event_data())),
        (EventType.SUBMITTED, list(signature_record(signed, b"payload", 3, ["I declare"]))),
    ]


def _walked() -> list[Claim]:
    """Each lifecycle path walked to its end, every side step tried after each step."""
    walked = []
    for path in _PATHS:
        claim = draft("claim-7")
        for name in [*path, *_ASIDES]:
            for step in (name, *_ASIDES):
                try:
                    claim = _STEPS[step](claim)
                except (ValidationError, AssertionError, LookupError, ValueError):
                    continue  # refused in this state
        walked.append(claim)
    return walked


def _keys(claims: list[Claim]) -> list[tuple[EventType, list[str]]]:
    return [(e.type, list(e.data)) for c in claims for e in c.events] + _recorded_elsewhere()


@settings(max_examples=300)
@given(desk_claims())
def test_every_key_of_every_event_is_personal_or_kept(claim: Claim) -> None:
    for type_, names in _keys([claim, *BUILT]):
        for name in names:
            assert _classified(name), f"classify {type_}'s {name!r} in commands.privacy"


def test_every_event_type_is_sampled_or_listed_as_classified_from_its_code() -> None:
    sampled = _keys([*_walked(), *BUILT])
    assert all(_classified(name) for _, names in sampled for name in names)
    assert set(EventType) - {type_ for type_, _ in sampled} - _NOT_SAMPLED == set()


@settings(max_examples=100)
@given(desk_claims())
def test_erasure_leaves_no_personal_value_and_both_proofs_verify(claim: Claim) -> None:
    if claim.state not in privacy.FINAL_STATES:
        return  # erasure refuses it
    log = MerkleLog(MemoryLogStore(), "erasure")
    log.record(claim)
    done = any(e.type is EventType.PERSONAL_DATA_ERASED for e in claim.events)
    erased = claim if done else privacy.erase(claim, SYSTEM, claim.events[-1].at)
    last = erased.events.last_index_of({EventType.PERSONAL_DATA_ERASED})
    assert last is not None
    for event in erased.events[:last]:  # those after it were recorded since: not erased
        assert event.reason in (None, privacy.ERASED)
        for key in privacy.PERSONAL_EVENT_DATA & set(event.data):
            assert event.data[key] == privacy.ERASED
    report = verify(erased)
    assert report.intact
    log.record(erased)
    assert log.verify(erased).intact
    kept = [k for k in erased.events[:-1] if k.seq in report.redacted and k.data]
    if kept:  # what erasure kept of a redacted event is still checked
        event = kept[0]
        key = next(iter(event.data))
        events = list(erased.events)
        events[event.seq - 1] = attrs.evolve(event, data={**event.data, key: "changed"})
        assert not verify(attrs.evolve(erased, events=events)).intact


def test_a_claim_erased_after_a_rejection_with_a_reason_still_verifies() -> None:
    claim = rejected(assigned(submitted(draft("c-1"))))
    assert claim.events[-1].reason is not None  # the last event is redacted too
    log = MerkleLog(MemoryLogStore(), "erasure")
    log.record(claim)
    erased = privacy.erase(claim, SYSTEM, claim.events[-1].at)
    assert erased.events[-1].prev_hash == verify(claim).head  # linked to it as it was
    assert verify(erased).intact
    log.record(erased)
    assert log.verify(erased).intact


def _changes(erased: Claim) -> dict[str, Claim]:
    """What a command could make of an erased claim that holds personal data again."""
    customer = Actor.customer(erased.customer_id, "Ana")
    later = erased.events[-1].at
    payment = erased.payments[0] if erased.payments else None
    return {
        "claimant": attrs.evolve(erased, claimant=attrs.evolve(erased.claimant, name="Ana Lima")),
        "line": attrs.evolve(
            erased, lines=[attrs.evolve(erased.lines[0], description="for Ana Lima")]
        ),
        "reason": attrs.evolve(
            erased, events=erased.with_next_event(EventType.MESSAGE_POSTED, customer, later,
                                                  reason="Ana Lima's reason")
        ),
        f"event data of {EventType.MESSAGE_POSTED}": attrs.evolve(
            erased, events=erased.with_next_event(EventType.MESSAGE_POSTED, customer, later,
                                                  data={"note": "Ana Lima"})
        ),
        **({} if payment is None else {"payee_account": attrs.evolve(
            erased, payments=(attrs.evolve(payment, payee_account="DE02 1203 0000"),)
        )}),
        "file_name": attrs.evolve(erased, attachments=[*erased.attachments, attrs.evolve(
            rich_claim("c-2").attachments[0], file_name="ana-lima.pdf")]),
    }  # fmt: skip


@pytest.mark.parametrize("close", [rejected, lambda c: paid(approved(c))])
def test_every_personal_field_a_command_adds_to_an_erased_claim_is_refused(
    close: Callable[[Claim], Claim],
) -> None:
    closed = close(assigned(submitted(draft("c-1"))))
    assert closed.payments or close is rejected
    erased = privacy.erase(closed, SYSTEM, closed.events[-1].at)
    for field, changed in _changes(erased).items():
        with pytest.raises(ValidationError, match="was erased") as refused:
            privacy.refuse_personal_input(erased, changed)
        assert [p.path for p in refused.value.problems] == [field]
    before = attrs.evolve(erased, events=list(erased.events)[:-1])  # not erased yet
    for changed in _changes(erased).values():
        privacy.refuse_personal_input(before, changed)  # a claim not erased takes anything
    at = erased.events[-1].at
    retention = erased.with_next_event(EventType.DOCUMENT_DELETED, SYSTEM, at, reason="kept 10y")
    privacy.refuse_personal_input(erased, attrs.evolve(erased, events=retention))


def _with_documents(claim: Claim, ids: list[str]) -> Claim:
    document = rich_claim("c-2").attachments[0]
    return attrs.evolve(claim, attachments=[attrs.evolve(document, id=i) for i in ids])


def _deleted_lists(claim: Claim, ids: list[str]) -> list[str]:
    closed = _with_documents(claim, ids)
    after = privacy.delete_documents(closed, SYSTEM, closed.events[-1].at, "kept 10 years")
    events = after.events.since(closed.version)
    assert {e.type for e in events} == {EventType.DOCUMENT_DELETED}
    assert verify(after).intact
    return [e.data["attachment_ids"] for e in events]


def test_deleted_documents_are_listed_in_events_each_within_the_stored_text_limit() -> None:
    closed = rejected(assigned(submitted(draft("c-1"))))
    # ids that fill one text exactly: 1,024 ids of 63 characters and their commas
    exact = [f"{i:063d}" for i in range(MAX_STORED_TEXT // 64)]
    assert len(",".join(exact)) == MAX_STORED_TEXT - 1
    assert _deleted_lists(closed, [*exact[:-1], exact[-1] + "x"]) == [",".join(exact) + "x"]
    # one character more: a second event takes the last id
    over = [*exact[:-1], exact[-1] + "xy"]
    lists = _deleted_lists(closed, over)
    assert [len(t) for t in lists] == [MAX_STORED_TEXT - 65, 65]
    assert ",".join(lists).split(",") == over  # every id once, in order
    assert _deleted_lists(closed, []) == [""]  # no documents: one event says so
