"""At the desk's Python boundary, a wrong value is a typed error naming the argument.

Nothing of a refused call is written: the claim keeps its version, and no
document stays in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from einvoice.makers import zugferd_xml
from reimbursement import (
    Actor,
    ClaimPatch,
    DeskSettings,
    LineDecision,
    LineInput,
    Money,
    ReimbursementDesk,
    in_memory_desk,
)
from reimbursement.adapters.filesystem import FileSystemDocumentStore
from reimbursement.adapters.memory import InMemoryDocumentStore, InMemoryInbox, ManualClock
from reimbursement.claims import EventType
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.lifecycle import ClaimState
from reimbursement.domain.routing import ApprovalRules, ParallelReviews, Reviewer, ReviewerPool
from reimbursement.errors import ReimbursementError, ValidationError
from reimbursement.service import ClaimLimits, DocumentRules
from reimbursement.sla import BusinessCalendar, SlaPolicy, weekly
from support import ANA, FINANCE, PDF, PROFILES, REVIEWER, START, pharmacy, submitted

INVOICE = zugferd_xml()

POLICY = SlaPolicy.standard(
    BusinessCalendar(ZoneInfo("Europe/Berlin"), weekly((time(9), time(17)))),
    review=timedelta(hours=16),
)


def refused_at(run: Callable[[], object]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        run()
    return [p.path for p in caught.value.problems]


def documents(desk: ReimbursementDesk) -> InMemoryDocumentStore:
    store = desk.adapters.documents
    assert isinstance(store, InMemoryDocumentStore)
    return store


# -- the findings of the issue -----------------------------------------------------------------


class NaiveClock:
    """A custom clock that forgets the time zone."""

    def now(self) -> datetime:
        return datetime(2026, 3, 2, 9, 0)


def test_a_clock_giving_naive_datetimes_is_refused_at_once_naming_the_clock() -> None:
    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES, clock=NaiveClock())
    with pytest.raises(ValidationError, match=r"clock: the desk's clock \(NaiveClock.now\(\)\)"):
        desk.start_draft(ANA, [pharmacy()])
    assert desk.claims_of(ANA).items == ()  # nothing was stored


def test_a_clock_giving_something_else_than_a_datetime_is_refused() -> None:
    class DayClock:
        def now(self) -> date:
            return date(2026, 3, 2)

    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES, clock=DayClock())  # type: ignore[arg-type]
    assert refused_at(lambda: desk.start_draft(ANA, [pharmacy()])) == ["clock"]


def test_sweep_refuses_a_naive_now(make_desk: Callable[..., ReimbursementDesk]) -> None:
    desk = make_desk(sla=POLICY)
    assert refused_at(lambda: desk.sweep(datetime(2026, 3, 2, 9))) == ["now"]


def test_lines_must_be_a_list_of_line_inputs(desk: ReimbursementDesk) -> None:
    assert refused_at(lambda: desk.start_draft(ANA, None)) == ["lines"]  # type: ignore[arg-type]
    assert refused_at(lambda: desk.start_draft(ANA, pharmacy())) == ["lines"]  # type: ignore[arg-type]
    assert refused_at(lambda: desk.start_draft(ANA, [pharmacy(), "x"])) == ["lines[1]"]  # type: ignore[list-item]
    assert desk.claims_of(ANA).items == ()


def test_an_upload_given_as_text_is_refused_and_nothing_is_stored(desk: ReimbursementDesk) -> None:
    claim = desk.start_draft(ANA, [pharmacy()])
    assert refused_at(lambda: desk.attach(ANA, claim.id, "scan.pdf", "%PDF-1.7")) == ["content"]  # type: ignore[arg-type]
    assert len(documents(desk)) == 0
    assert desk.get(REVIEWER, claim.id).version == claim.version


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "scan\x00.pdf", "x" * 1_000_000, "", "a/b.pdf"]
)
def test_a_bad_file_name_is_refused_before_any_byte_is_stored(
    desk: ReimbursementDesk, name: str
) -> None:
    claim = desk.start_draft(ANA, [pharmacy()])
    assert refused_at(lambda: desk.attach(ANA, claim.id, name, PDF)) == ["file_name"]
    assert len(documents(desk)) == 0


def test_a_description_of_a_million_characters_is_refused(desk: ReimbursementDesk) -> None:
    long = LineInput("pharmacy", date(2026, 3, 1), "City", Money("9.00", "EUR"), "x" * 10**6)
    assert refused_at(lambda: desk.start_draft(ANA, [long])) == ["lines[0].description"]


def test_a_file_name_never_becomes_a_path(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    store = FileSystemDocumentStore(root)
    # even a store given such a name directly keeps it as metadata alone
    kept = store.put(PDF, file_name="../../etc/passwd", media_type="application/pdf")
    assert store.info(kept.id).file_name == "../../etc/passwd"
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert all(path.parts[0] == "documents" for path in written)
    assert all(kept.id in path.name for path in written)


# -- the desk's other arguments ----------------------------------------------------------------


def test_an_actor_that_is_not_an_actor_is_refused_by_every_kind_of_call(
    desk: ReimbursementDesk,
) -> None:
    claim = desk.start_draft(ANA, [pharmacy()])
    for call in (
        lambda: desk.start_draft("cust-ana", [pharmacy()]),  # type: ignore[arg-type]
        lambda: desk.submit("cust-ana", claim.id),  # type: ignore[arg-type]
        lambda: desk.submit("cust-ana", claim.id, request_id="r-1"),  # type: ignore[arg-type]
        lambda: desk.track(None, claim.id),  # type: ignore[arg-type]
        lambda: desk.get("rev-1", claim.id),  # type: ignore[arg-type]
        lambda: desk.claims_of(3),  # type: ignore[arg-type]
        lambda: desk.work_queue("rev-1"),  # type: ignore[arg-type]
    ):
        assert refused_at(call) == ["actor"]


def test_ids_must_be_texts(desk: ReimbursementDesk) -> None:
    assert refused_at(lambda: desk.get(REVIEWER, ["c-1"])) == ["claim_id"]  # type: ignore[arg-type]
    assert refused_at(lambda: desk.track(ANA, {"id": 1})) == ["claim_id"]  # type: ignore[arg-type]
    assert refused_at(lambda: desk.by_number(REVIEWER, 7)) == ["number"]  # type: ignore[arg-type]
    assert refused_at(lambda: desk.approve_payment(FINANCE, ["c"])) == ["claim_id"]  # type: ignore[arg-type]
    assert refused_at(lambda: desk.work_queue(REVIEWER, team=["a"])) == ["team"]  # type: ignore[arg-type]
    assert refused_at(lambda: desk.hand_over(REVIEWER, ["rev-2"])) == ["reviewer_id"]  # type: ignore[arg-type]


def test_a_review_given_a_text_for_a_list_is_refused(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    assert refused_at(lambda: desk.approve(REVIEWER, claim.id, "L1")) == ["lines"]  # type: ignore[arg-type]
    assert refused_at(lambda: desk.approve(REVIEWER, claim.id, ["L1"])) == ["lines[0]"]  # type: ignore[list-item]
    assert refused_at(lambda: desk.approve(REVIEWER, claim.id, None)) == ["lines"]  # type: ignore[arg-type]
    # "fix it" would have been six reasons of one letter each
    assert refused_at(lambda: desk.return_for_correction(REVIEWER, claim.id, "fix it")) == [
        "reasons"
    ]
    assert desk.get(REVIEWER, claim.id).version == claim.version


def test_flags_must_be_booleans(desk: ReimbursementDesk) -> None:
    claim = desk.start_draft(ANA, [pharmacy()])
    # "no" is truthy: it would have made the message an internal note
    assert refused_at(lambda: desk.post_message(ANA, claim.id, "hi", internal="no")) == [  # type: ignore[arg-type]
        "internal"
    ]


def test_claims_in_takes_states_or_their_names(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    assert [c.id for c in desk.claims_in(REVIEWER, ["in_review"]).items] == [claim.id]
    assert refused_at(lambda: desk.claims_in(REVIEWER, "in_review")) == ["states"]
    assert refused_at(lambda: desk.claims_in(REVIEWER, ["under_review"])) == ["states[0]"]


# -- limits the desk applies -------------------------------------------------------------------


def test_documents_are_refused_past_the_limit_before_their_bytes_are_stored(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settings=DeskSettings(limits=ClaimLimits(max_attachments=2)))
    claim = desk.start_draft(ANA, [pharmacy()])
    for _ in range(2):
        claim = desk.attach(ANA, claim.id, "scan.pdf", PDF)
    assert refused_at(lambda: desk.attach(ANA, claim.id, "scan.pdf", PDF)) == ["attachments"]
    assert len(documents(desk)) == 2


def test_a_customer_cannot_grow_a_claims_timeline_past_the_limit(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settings=DeskSettings(limits=ClaimLimits(max_customer_events=3)))
    claim = desk.start_draft(ANA, [pharmacy()])
    for _ in range(2):
        desk.post_message(ANA, claim.id, "hello?")
    assert desk.get(REVIEWER, claim.id).version == 3
    assert refused_at(lambda: desk.update_draft(ANA, claim.id, ClaimPatch())) == ["claim"]
    # staff still reach the customer
    desk.post_message(REVIEWER, claim.id, "We are on it.")
    assert desk.get(REVIEWER, claim.id).version == 4


@given(st.sampled_from([a.name for a in attrs.fields(DeskSettings)]), st.data())
def test_a_setting_of_the_wrong_type_is_refused_naming_it(name: str, data: st.DataObject) -> None:
    value = data.draw(hostile)
    paths = [f"settings.{name}"]  # what a refusal must name; an accepted value names nothing
    try:
        DeskSettings(**{name: value})
    except ValidationError as error:
        paths = [p.path for p in error.problems]
    assert paths == [f"settings.{name}"]


def test_the_documents_rules_refuse_sizes_that_are_no_positive_whole_number() -> None:
    assert refused_at(lambda: DocumentRules(max_size=0)) == ["documents.max_size"]
    assert refused_at(lambda: DocumentRules(max_file_name_length="255")) == [  # type: ignore[arg-type]
        "documents.max_file_name_length"
    ]


# -- every call, any wrong-typed argument ------------------------------------------------------

hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=4),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.datetimes(),
    st.dates(),
    st.just(object()),
)

Call = Callable[[ReimbursementDesk, str, Any], object]
CALLS: dict[str, Call] = {
    "start_draft.lines": lambda d, c, v: d.start_draft(ANA, v),
    "update_draft.patch": lambda d, c, v: d.update_draft(ANA, c, v),
    "attach.file_name": lambda d, c, v: d.attach(ANA, c, v, PDF),
    "attach.content": lambda d, c, v: d.attach(ANA, c, "scan.pdf", v),
    "attach.line_id": lambda d, c, v: d.attach(ANA, c, "scan.pdf", PDF, line_id=v),
    "attach.kind": lambda d, c, v: d.attach(ANA, c, "scan.pdf", PDF, kind=v),
    "checklist.claim_id": lambda d, c, v: d.checklist(ANA, v),
    "request_document.kind": lambda d, c, v: d.request_document(REVIEWER, c, v),
    "request_document.line_id": lambda d, c, v: d.request_document(REVIEWER, c, "bill", line_id=v),
    "request_document.note": lambda d, c, v: d.request_document(REVIEWER, c, "bill", note=v),
    "confirm_duplicate.flag": lambda d, c, v: d.confirm_duplicate(REVIEWER, c, v),
    "resubmit.patch": lambda d, c, v: d.resubmit(ANA, c, v),
    "withdraw.reason": lambda d, c, v: d.withdraw(ANA, c, v),
    "post_message.body": lambda d, c, v: d.post_message(ANA, c, v),
    "post_message.internal": lambda d, c, v: d.post_message(ANA, c, "hi", internal=v),
    "submit.claim_id": lambda d, c, v: d.submit(ANA, v),
    "submit.request_id": lambda d, c, v: d.submit(ANA, c, request_id=v),
    "submit.signature": lambda d, c, v: d.submit(ANA, c, signature=v),
    "submit.declarations": lambda d, c, v: d.submit(ANA, c, declarations=v),
    "submission_to_sign.claim_id": lambda d, c, v: d.submission_to_sign(ANA, v),
    "submission_to_sign.patch": lambda d, c, v: d.submission_to_sign(ANA, c, v),
    "submission_to_sign.declarations": lambda d, c, v: d.submission_to_sign(ANA, c, None, v),
    "signature_status.claim_id": lambda d, c, v: d.signature_status(REVIEWER, v),
    "export_personal_data.customer_id": lambda d, c, v: d.export_personal_data(ANA, v),
    "submission_receipt.claim_id": lambda d, c, v: d.submission_receipt(ANA, v),
    "erase_personal_data.customer_id": lambda d, c, v: d.erase_personal_data(SYSTEM, v),
    "delete_expired_documents.kept_for": lambda d, c, v: d.delete_expired_documents(SYSTEM, c, v),
    "track.claim_id": lambda d, c, v: d.track(ANA, v),
    "track_number.number": lambda d, c, v: d.track_number(ANA, v),
    "claims_of.after": lambda d, c, v: d.claims_of(ANA, after=v),
    "claims_of.limit": lambda d, c, v: d.claims_of(ANA, limit=v),
    "inbox.after": lambda d, c, v: d.inbox(ANA, after=v),
    "inbox.limit": lambda d, c, v: d.inbox(ANA, limit=v),
    "inbox.unread_only": lambda d, c, v: d.inbox(ANA, unread_only=v),
    "mark_inbox_read.keys": lambda d, c, v: d.mark_inbox_read(ANA, v),
    "give_feedback.ratings": lambda d, c, v: d.give_feedback(ANA, c, ratings=v),
    "give_feedback.ces": lambda d, c, v: d.give_feedback(ANA, c, ces=v),
    "give_feedback.problems": lambda d, c, v: d.give_feedback(ANA, c, problems=v),
    "give_feedback.text": lambda d, c, v: d.give_feedback(ANA, c, text=v),
    "give_feedback.channel": lambda d, c, v: d.give_feedback(ANA, c, text="ok", channel=v),
    "approve.lines": lambda d, c, v: d.approve(REVIEWER, c, v),
    "approve.decision": lambda d, c, v: d.approve(REVIEWER, c, [LineDecision("L1", v)]),
    "approve.step": lambda d, c, v: d.approve(REVIEWER, c, step=v),
    "reject.reason_code": lambda d, c, v: d.reject(REVIEWER, c, v),
    "reject.note": lambda d, c, v: d.reject(REVIEWER, c, "not_covered", v),
    "return_for_correction.reasons": lambda d, c, v: d.return_for_correction(REVIEWER, c, v),
    "return_for_correction.note": lambda d, c, v: d.return_for_correction(REVIEWER, c, ["fix"], v),
    "work_queue.reviewer": lambda d, c, v: d.work_queue(REVIEWER, reviewer=v),
    "work_queue.limit": lambda d, c, v: d.work_queue(REVIEWER, limit=v),
    "claims_in.states": lambda d, c, v: d.claims_in(REVIEWER, v),
    "audit_queue.after": lambda d, c, v: d.audit_queue(REVIEWER, after=v),
    "audit_queue.limit": lambda d, c, v: d.audit_queue(REVIEWER, limit=v),
    "record_audit.outcome": lambda d, c, v: d.record_audit(REVIEWER, c, v),
    "record_audit.reason": lambda d, c, v: d.record_audit(REVIEWER, c, "finding", reason=v),
    "hand_over.leaving": lambda d, c, v: d.hand_over(REVIEWER, "rev-1", leaving=v),
    "approve_payment.claim_id": lambda d, c, v: d.approve_payment(FINANCE, v),
    "confirm_payment.reference": lambda d, c, v: d.confirm_payment(FINANCE, c, v),
    "fail_payment.reason": lambda d, c, v: d.fail_payment(FINANCE, c, "ref", v),
    "retry_payment.claim_id": lambda d, c, v: d.retry_payment(FINANCE, v),
    "cancel_payment.reason": lambda d, c, v: d.cancel_payment(FINANCE, c, v),
    "change_payee_account.account": lambda d, c, v: d.change_payee_account(ANA, c, v),
    "withdraw.actor": lambda d, c, v: d.withdraw(v, c),
    "dispatch_notifications.limit": lambda d, c, v: d.dispatch_notifications(v),
    "seal_log.limit": lambda d, c, v: d.seal_log(v),
    "sweep.now": lambda d, c, v: d.sweep(v),
    "add_einvoice.file_name": lambda d, c, v: d.add_einvoice(ANA, c, v, INVOICE, category="x"),
    "add_einvoice.content": lambda d, c, v: d.add_einvoice(ANA, c, "i.xml", v, category="x"),
    "add_einvoice.category": lambda d, c, v: d.add_einvoice(ANA, c, "i.xml", INVOICE, category=v),
    "add_einvoice.description": lambda d, c, v: d.add_einvoice(
        ANA, c, "i.xml", INVOICE, category="x", description=v
    ),
}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(CALLS)), value=hostile, in_review=st.booleans())
def test_any_wrong_value_gives_a_typed_error_and_changes_nothing(
    name: str, value: object, in_review: bool
) -> None:
    desk = in_memory_desk(
        reviewers=["rev-1"],
        customers=PROFILES,
        clock=ManualClock(START),
        sla=POLICY,
        settings=DeskSettings(require_receipts=False),
        inbox=InMemoryInbox(),
    )
    claim = desk.start_draft(ANA, [pharmacy()])
    if in_review:
        claim = desk.submit(ANA, claim.id)
    before = desk.get(REVIEWER, claim.id)
    try:
        CALLS[name](desk, claim.id, value)
    except ReimbursementError:
        assert desk.get(REVIEWER, claim.id) == before
    assert len(documents(desk)) == len(desk.get(REVIEWER, claim.id).attachments)


def test_every_public_call_of_the_desk_is_exercised_above() -> None:
    public = {
        name
        for name in dir(ReimbursementDesk)
        if not name.startswith("_") and callable(getattr(ReimbursementDesk, name))
    }
    covered = {name.split(".")[0] for name in CALLS}
    # calls with no argument of their own beyond the actor and the claim id (the
    # shared checks above cover those), edit_feedback (give_feedback's twin) and plumbing
    plain = {
        "by_number",
        "get",
        "pay",
        "request_payment",
        "open_reviews",
        "close",
        "edit_feedback",
    }
    assert public - covered - plain == set()


def test_a_plans_gathered_return_may_hold_more_than_one_return_allows() -> None:
    # each department's note and reasons are within the limits; together they are not,
    # and the stage must still end with the claim back with its customer
    pool = ReviewerPool([Reviewer("mo", teams={"medical"}), Reviewer("fay", teams={"fraud"})])
    limits = ClaimLimits(max_note_length=10, max_reasons=2)
    desk = in_memory_desk(
        pool=pool,
        approval_rules=ApprovalRules(ParallelReviews(("medical", "fraud"))),
        customers=PROFILES,
        settings=DeskSettings(limits=limits),
    )
    claim = submitted(desk)
    mo, fay = Actor.reviewer("mo"), Actor.reviewer("fay")
    desk.return_for_correction(mo, claim.id, ["a", "b"], "0123456789")
    back = desk.return_for_correction(fay, claim.id, ["c", "d"], "abcdefghij")
    assert back.state is ClaimState.RETURNED
    assert back.decision is not None
    assert back.decision.reasons == ("a", "b", "c", "d")
    assert back.events[-1].type is EventType.RETURNED
    assert back.events[-1].data["note"] == "0123456789\nabcdefghij"
