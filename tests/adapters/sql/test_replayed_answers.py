"""A request replayed answers with the claim as its first call left it, on every store.

For every desk call that takes a request id (derived from the desk, so a
new one fails here until it is listed): make the call with a key, let the
claim move on (the next steps of its process, staff's internal note and the
customer's message), replay the key, and the answer is the first answer,
shaped the same (the customer's part to the customer), while the claim
stays as the later calls left it. On the in-memory store, SQLite and
PostgreSQL.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from reimbursement import (
    Actor,
    ClaimPatch,
    LinePatch,
    Money,
    ReimbursementDesk,
    Role,
    in_memory_desk,
    sql_desk,
)
from reimbursement.adapters import sql
from reimbursement.adapters.memory import (
    InMemoryDocumentStore,
    InMemoryPaymentGateway,
    ManualClock,
)
from reimbursement.feedback import FeedbackStage
from reimbursement.service import CustomerClaim, DeskSettings
from reimbursement.straight_through import (
    AuditOutcome,
    AutoApprovalRule,
    StraightThroughReview,
    StraightThroughRules,
)
from support import ANA, FINANCE, PDF, PROFILES, REVIEWER, START, pharmacy, ready_draft, whole
from support import submitted as submitted_claim

FINANCE_2 = Actor.finance("fin-2")
BANK = Actor("bank-callback", Role.SYSTEM)  # the system: payment requests, the bank's word
NEW_ACCOUNT = "DE36 5001 0517 0000 0005 17"
KEY = "req-1"
PRIVACY = Actor("dpo", Role.SYSTEM, "data protection")


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def desk(request: pytest.FixtureRequest) -> Iterator[ReimbursementDesk]:
    """A desk whose gateway answers "pending", and whose approvals request no payment."""
    options: dict[str, Any] = {
        "customers": PROFILES,
        "clock": ManualClock(START),
        "reviewers": [REVIEWER.id],
        "payments": InMemoryPaymentGateway(settle_immediately=False),
        "settings": DeskSettings(auto_request_payment=False),
        # taxi fares of up to 20.00 are approved automatically, and every one is drawn for
        # audit; the other cases' pharmacy lines all go to the reviewer
        "straight_through": StraightThroughReview(
            StraightThroughRules(
                "replays", (AutoApprovalRule("taxi", Money("20.00", "EUR"), ["taxi"]),), Decimal(1)
            )
        ),
    }
    if request.param == "memory":
        yield in_memory_desk(**options)
        return
    url = str(request.getfixturevalue(f"{request.param}_url"))
    sql.upgrade(url)
    with sql_desk(url, documents=InMemoryDocumentStore(), **options) as opened:
        yield opened


def _gateway(desk: ReimbursementDesk) -> InMemoryPaymentGateway:
    gateway = desk.adapters.payments
    assert isinstance(gateway, InMemoryPaymentGateway)
    return gateway


# -- claims in the states the calls need ---------------------------------------------------


def _draft(d: ReimbursementDesk) -> str:
    return d.start_draft(ANA, [pharmacy()]).id


def _in_review(d: ReimbursementDesk) -> str:
    return submitted_claim(d).id


def _returned(d: ReimbursementDesk) -> str:
    claim_id = _in_review(d)
    d.return_for_correction(REVIEWER, claim_id, ["missing_receipt"], "Add the receipt.")
    return claim_id


def _requested(d: ReimbursementDesk) -> str:
    claim_id = d.approve(REVIEWER, _in_review(d)).id
    return d.request_payment(BANK, claim_id).id


def _payment_approved(d: ReimbursementDesk) -> str:
    return d.approve_payment(FINANCE, _requested(d)).id


def _reference(d: ReimbursementDesk, claim_id: str) -> str:
    payment = whole(d, claim_id).payment
    assert payment is not None
    assert payment.gateway_reference is not None
    return payment.gateway_reference


def _first_reference(d: ReimbursementDesk, claim_id: str) -> str:
    """The reference of the claim's first attempt (the call and its replay fail that one)."""
    reference = whole(d, claim_id).payments[0].gateway_reference
    assert reference is not None
    return reference


def _sent(d: ReimbursementDesk) -> str:
    return d.pay(FINANCE_2, _payment_approved(d)).id


def _settled(d: ReimbursementDesk) -> str:
    claim_id = _sent(d)
    _gateway(d).settle(_reference(d, claim_id))
    return claim_id


def _paid(d: ReimbursementDesk) -> str:
    claim_id = _settled(d)
    d.confirm_payment(BANK, claim_id, _reference(d, claim_id))
    return claim_id


def _failed(d: ReimbursementDesk) -> str:
    return d.cancel_payment(FINANCE, _sent(d), "no news from the bank").id


def _cancelled_at_the_bank(d: ReimbursementDesk) -> str:
    claim_id = _sent(d)
    payment = whole(d, claim_id).payment
    assert payment is not None
    _gateway(d).cancel(payment.idempotency_key)
    return claim_id


def _drawn_for_audit(d: ReimbursementDesk) -> str:
    """A taxi fare approved automatically and drawn for audit review."""
    return d.submit(ANA, ready_draft(d, ANA, ("taxi", "12.00")).id).id


def _flagged(d: ReimbursementDesk) -> str:
    """A claim in review whose line repeats another claim's receipt (duplicate flag 0)."""
    submitted_claim(d)
    return d.submit(ANA, ready_draft(d).id).id


# -- what happens after the call: the claim moves on ---------------------------------------


def _onwards(*steps: Callable[[ReimbursementDesk, str], object]) -> Callable[..., None]:
    def go(d: ReimbursementDesk, claim_id: str) -> None:
        for step in steps:
            step(d, claim_id)
        d.post_message(REVIEWER, claim_id, "internal: checked", internal=True)
        d.post_message(ANA, claim_id, "Any news?")

    return go


def _attach(line_id: str | None = None) -> Callable[[ReimbursementDesk, str], object]:
    return lambda d, c: d.attach(ANA, c, "more.pdf", PDF + b" more", line_id=line_id)


def _submit(d: ReimbursementDesk, c: str) -> object:
    return d.submit(ANA, c)


def _approve(d: ReimbursementDesk, c: str) -> object:
    return d.approve(REVIEWER, c)


def _approve_payment(d: ReimbursementDesk, c: str) -> object:
    return d.approve_payment(FINANCE, c)


def _pay(d: ReimbursementDesk, c: str) -> object:
    return d.pay(FINANCE_2, c)


def _confirm(d: ReimbursementDesk, c: str) -> object:
    _gateway(d).settle(_reference(d, c))
    return d.confirm_payment(BANK, c, _reference(d, c))


@functools.cache
def _invoice_pdf() -> bytes:
    """One e-invoice for the call and its replay (each made file differs)."""
    makers = pytest.importorskip("einvoice.makers")
    return bytes(makers.facturx_pdf())


def _einvoice(d: ReimbursementDesk, c: str, key: str) -> object:
    pdf = _invoice_pdf()
    return d.add_einvoice(ANA, c, "invoice.pdf", pdf, category="pharmacy", request_id=key)


@attrs.frozen
class Case:
    """A claim to call on, the call (with a request id), and what happens to the claim next."""

    scene: Callable[[ReimbursementDesk], str]
    call: Callable[[ReimbursementDesk, str, str], object]
    onwards: Callable[[ReimbursementDesk, str], None]


CASES: Mapping[str, Case] = {
    "start_draft": Case(
        lambda d: "",
        lambda d, c, k: d.start_draft(ANA, [pharmacy()], request_id=k),
        _onwards(_attach("L1"), _submit),
    ),
    "update_draft": Case(
        _draft,
        lambda d, c, k: d.update_draft(ANA, c, ClaimPatch(add_lines=(pharmacy(),)), request_id=k),
        _onwards(_attach("L1"), _attach("L2"), _submit),
    ),
    "attach": Case(
        _draft,
        lambda d, c, k: d.attach(ANA, c, "receipt.pdf", PDF, line_id="L1", request_id=k),
        _onwards(_submit),
    ),
    "add_einvoice": Case(_draft, _einvoice, _onwards(_attach())),
    "submit": Case(
        lambda d: ready_draft(d).id,
        lambda d, c, k: d.submit(ANA, c, request_id=k),
        _onwards(_approve),
    ),
    "resubmit": Case(
        _returned,
        lambda d, c, k: d.resubmit(ANA, c, ClaimPatch(), request_id=k),
        _onwards(_approve),
    ),
    "withdraw": Case(
        _in_review, lambda d, c, k: d.withdraw(ANA, c, "paid it myself", request_id=k), _onwards()
    ),
    "post_message": Case(
        _in_review,
        lambda d, c, k: d.post_message(ANA, c, "Anything missing?", request_id=k),
        _onwards(_approve),
    ),
    "request_document": Case(
        _in_review,
        lambda d, c, k: d.request_document(REVIEWER, c, "invoice", request_id=k),
        _onwards(_attach()),
    ),
    "return_for_correction": Case(
        _in_review,
        lambda d, c, k: d.return_for_correction(REVIEWER, c, ["missing_receipt"], request_id=k),
        _onwards(_attach("L1")),
    ),
    "confirm_duplicate": Case(
        _flagged,
        lambda d, c, k: d.confirm_duplicate(REVIEWER, c, 0, request_id=k),
        _onwards(lambda d, c: d.reject(REVIEWER, c, "duplicate_expense")),
    ),
    "record_audit": Case(
        _drawn_for_audit,
        lambda d, c, k: d.record_audit(REVIEWER, c, AuditOutcome.CONFIRMED, request_id=k),
        _onwards(lambda d, c: d.request_payment(BANK, c), _approve_payment),
    ),
    "approve": Case(
        _in_review,
        lambda d, c, k: d.approve(REVIEWER, c, request_id=k),
        _onwards(lambda d, c: d.request_payment(BANK, c), _approve_payment, _pay),
    ),
    "reject": Case(
        _in_review,
        lambda d, c, k: d.reject(REVIEWER, c, "duplicate_expense", request_id=k),
        _onwards(),
    ),
    "request_payment": Case(
        lambda d: d.approve(REVIEWER, _in_review(d)).id,
        lambda d, c, k: d.request_payment(BANK, c, request_id=k),
        _onwards(_approve_payment, _pay),
    ),
    "approve_payment": Case(
        _requested,
        lambda d, c, k: d.approve_payment(FINANCE, c, request_id=k),
        _onwards(_pay, _confirm),
    ),
    "pay": Case(
        _payment_approved,
        lambda d, c, k: d.pay(FINANCE_2, c, request_id=k),
        _onwards(_confirm),
    ),
    "confirm_payment": Case(
        _settled,
        lambda d, c, k: d.confirm_payment(BANK, c, _reference(d, c), request_id=k),
        _onwards(lambda d, c: d.give_feedback(ANA, c, ratings={FeedbackStage.REVIEW: 4})),
    ),
    "fail_payment": Case(
        _cancelled_at_the_bank,
        lambda d, c, k: d.fail_payment(
            FINANCE, c, _first_reference(d, c), "no news", request_id=k
        ),
        _onwards(lambda d, c: d.retry_payment(FINANCE, c), _pay),
    ),
    "cancel_payment": Case(
        _sent,
        lambda d, c, k: d.cancel_payment(FINANCE, c, "stop it", request_id=k),
        _onwards(lambda d, c: d.change_payee_account(ANA, c, NEW_ACCOUNT), _approve_payment, _pay),
    ),
    "retry_payment": Case(
        _failed,
        lambda d, c, k: d.retry_payment(FINANCE, c, request_id=k),
        _onwards(_pay, _confirm),
    ),
    "change_payee_account": Case(
        _failed,
        lambda d, c, k: d.change_payee_account(ANA, c, NEW_ACCOUNT, request_id=k),
        _onwards(_approve_payment, _pay),
    ),
    "give_feedback": Case(
        _paid,
        lambda d, c, k: d.give_feedback(ANA, c, ratings={FeedbackStage.REVIEW: 4}, request_id=k),
        _onwards(),
    ),
    "edit_feedback": Case(
        lambda d: (c := _paid(d), d.give_feedback(ANA, c, ratings={FeedbackStage.REVIEW: 2}))[0],
        lambda d, c, k: d.edit_feedback(ANA, c, ratings={FeedbackStage.REVIEW: 5}, request_id=k),
        _onwards(),
    ),
}


def test_every_call_taking_a_request_id_is_replayed_here() -> None:
    keyed = {
        name
        for name, function in inspect.getmembers(ReimbursementDesk, inspect.isfunction)
        if not name.startswith("_") and "request_id" in inspect.signature(function).parameters
    }
    assert keyed == set(CASES)


def _claim_id(answer: object, scene_id: str) -> str:
    return scene_id or str(getattr(answer, "id"))  # noqa: B009 (a Claim or a CustomerClaim)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_replay_answers_as_the_first_call_did(desk: ReimbursementDesk, name: str) -> None:
    case = CASES[name]
    scene_id = case.scene(desk)
    first = case.call(desk, scene_id, KEY)
    claim_id = _claim_id(first, scene_id)
    case.onwards(desk, claim_id)
    moved_on = whole(desk, claim_id)
    replayed = case.call(desk, scene_id, KEY)
    assert replayed == first
    assert type(replayed) is type(first)
    assert whole(desk, claim_id) == moved_on  # the replay changed nothing
    assert moved_on.version > getattr(first, "version", 0)


PatchedTwice = tuple[str, ClaimPatch, Any, Any]


def _patched_twice(desk: ReimbursementDesk) -> PatchedTwice:
    """A draft given a line under :data:`KEY`, then patched again without a key: its id,
    the keyed patch, the first call's answer and the draft's answer now."""
    claim_id = _draft(desk)
    add = ClaimPatch(add_lines=(pharmacy(),))
    first = desk.update_draft(ANA, claim_id, add, request_id=KEY)
    now = desk.update_draft(ANA, claim_id, ClaimPatch(remove_lines=("L1",)))
    return claim_id, add, first, now


def test_a_replay_after_the_draft_was_patched_again_answers_as_the_first_call_did(
    desk: ReimbursementDesk,
) -> None:
    """A patch's lines are not on the timeline: the answer is kept with the key."""
    claim_id, add, first, now = _patched_twice(desk)
    replayed = desk.update_draft(ANA, claim_id, add, request_id=KEY)
    assert replayed == first
    assert replayed != now


def _store(desk: ReimbursementDesk) -> Any:
    return desk.adapters.unit_of_work.__self__  # type: ignore[attr-defined]


def _forget_answers(desk: ReimbursementDesk) -> None:
    """The store as a key kept before answers were (schema version 12 or older) left it."""
    store = _store(desk)
    if isinstance(store, sql.SqlClaimStore):
        with store.engine.begin() as connection:
            connection.execute(sa.text("UPDATE rb_requests SET answer = NULL"))
        return
    for key, record in list(store.requests.items()):
        store.requests[key] = attrs.evolve(record, answer=None)


def test_a_key_kept_without_its_answer_replays_to_the_claim_as_it_is(
    desk: ReimbursementDesk,
) -> None:
    claim_id, add, first, now = _patched_twice(desk)
    _forget_answers(desk)
    replayed = desk.update_draft(ANA, claim_id, add, request_id=KEY)
    assert replayed == now
    assert replayed != first
    assert whole(desk, claim_id).version == now.version  # nothing done again


def test_an_erasure_drops_the_answers_that_hold_the_erased_data(desk: ReimbursementDesk) -> None:
    said = "for Ana Lima, born 1990-04-01"
    claim_id = ready_draft(desk).id
    desk.update_draft(ANA, claim_id, ClaimPatch(change_lines=(LinePatch("L1", description=said),)))
    first = desk.submit(ANA, claim_id, request_id=KEY)
    assert said in repr(first)
    desk.reject(REVIEWER, claim_id, "not_covered")
    assert desk.erase_personal_data(PRIVACY, ANA.id) == [claim_id]
    replayed = desk.submit(ANA, claim_id, request_id=KEY)
    assert said not in repr(replayed)
    assert replayed == CustomerClaim.of(whole(desk, claim_id))
    with desk.adapters.unit_of_work() as uow:  # nor does the store keep it
        record = uow.claims.request(json.dumps([ANA.id, KEY], separators=(",", ":")))
        assert record is not None
        assert record.answer is None
