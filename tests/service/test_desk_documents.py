"""The desk's documents: kinds, the checklist, a reviewer's request, duplicates on submission."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from PIL import Image

from documents import files
from reimbursement import (
    Actor,
    Claim,
    ClaimPatch,
    DeskSettings,
    LineDecision,
    LineInput,
    LinePatch,
    Money,
    ReimbursementDesk,
    in_memory_desk,
    sql_desk,
)
from reimbursement.adapters import sql
from reimbursement.adapters.memory import ManualClock
from reimbursement.claims import EventType
from reimbursement.documents import (
    ContentChecks,
    DocumentRequirements,
    DocumentRule,
    DuplicateKind,
    DuplicatePolicy,
    find_duplicates,
)
from reimbursement.domain.routing import ApprovalRules, ParallelReviews, Reviewer, ReviewerPool
from reimbursement.domain.straight_through import (
    AutoApprovalRule,
    RandomSampler,
    StraightThroughRules,
)
from reimbursement.errors import AuthorizationError, MissingDocumentsError, ValidationError
from reimbursement.ports import ClaimRepository
from reimbursement.service.straight_through import StraightThroughReview
from support import ANA, BEN, PDF, PROFILES, REVIEWER, ready_draft, submitted, whole

MEDICAL = DocumentRequirements(
    (
        DocumentRule(
            "medical", ("invoice", "itemised_bill", "prescription"), Money("1000", "EUR")
        ),
        DocumentRule("*", ("invoice",)),
    )
)


def _medical(desk: ReimbursementDesk, amount: str = "1200.00") -> Claim:
    line = LineInput("medical", date(2026, 3, 1), "Clinic Nord", Money(amount, "EUR"))
    return desk.start_draft(ANA, [line])


def _attach(desk: ReimbursementDesk, claim: Claim, kind: str, content: bytes = PDF) -> Claim:
    return desk.attach(ANA, claim.id, f"{kind}.pdf", content, line_id=claim.lines[0].id, kind=kind)


@pytest.fixture
def ruled(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    return make_desk(settings=DeskSettings(requirements=MEDICAL))


def test_the_draft_shows_what_each_expense_still_needs(ruled: ReimbursementDesk) -> None:
    claim = _attach(ruled, _medical(ruled), "invoice")
    checklist = ruled.checklist(ANA, claim.id)
    assert [(i.kind, i.line_id, i.done) for i in checklist.items] == [
        ("invoice", "L1", True),
        ("itemised_bill", "L1", False),
        ("prescription", "L1", False),
    ]
    assert [i.kind for i in checklist.missing] == ["itemised_bill", "prescription"]
    small = _medical(ruled, "80.00")
    assert [i.kind for i in ruled.checklist(ANA, small.id).items] == ["invoice"]


def test_a_submit_with_documents_missing_is_refused_with_the_list(
    ruled: ReimbursementDesk,
) -> None:
    claim = _attach(ruled, _medical(ruled), "invoice")
    with pytest.raises(MissingDocumentsError) as raised:
        ruled.submit(ANA, claim.id)
    assert [str(p) for p in raised.value.problems] == [
        "lines[0].documents: attach the itemised bill to this expense",
        "lines[0].documents: attach the prescription to this expense",
    ]
    assert ruled.get(REVIEWER, claim.id).state == "draft"  # nothing changed
    for kind in ("itemised_bill", "prescription"):
        claim = _attach(ruled, claim, kind)
    assert ruled.submit(ANA, claim.id).number is not None


def test_the_checklist_is_for_the_claims_customer_and_staff(ruled: ReimbursementDesk) -> None:
    claim = _medical(ruled)
    assert ruled.checklist(REVIEWER, claim.id).missing
    with pytest.raises(AuthorizationError):
        ruled.checklist(BEN, claim.id)


def test_a_bad_kind_is_refused_before_anything_is_stored(ruled: ReimbursementDesk) -> None:
    claim = _medical(ruled)
    with pytest.raises(ValidationError, match="kind"):
        ruled.attach(ANA, claim.id, "x.pdf", PDF, kind="in voice/../")
    assert len(ruled.adapters.documents) == 0  # type: ignore[arg-type]


def test_a_reviewer_asks_for_one_more_document_as_a_return_reason(
    desk: ReimbursementDesk,
) -> None:
    claim = submitted(desk)
    returned = desk.request_document(
        REVIEWER, claim.id, "prescription", line_id="L1", note="The doctor's prescription, please."
    )
    assert returned.state == "returned"
    assert returned.decision is not None
    assert returned.decision.reasons == ("missing_document",)
    assert [i.kind for i in desk.checklist(ANA, claim.id).missing] == ["prescription"]
    assert desk.track(ANA, claim.id).guidance[0].code == "missing_document"
    with pytest.raises(MissingDocumentsError, match="prescription to this expense"):
        desk.resubmit(ANA, claim.id)
    # an old document of that kind does not meet a request made after it
    desk.attach(ANA, claim.id, "rx.pdf", PDF, line_id="L1", kind="prescription")
    assert desk.resubmit(ANA, claim.id).state != "returned"
    assert desk.checklist(ANA, claim.id).complete


def test_the_same_file_on_another_customers_claim_is_flagged_with_a_link(
    desk: ReimbursementDesk,
) -> None:
    first = submitted(desk, ANA)
    bens = ready_draft(desk, BEN)
    bens = desk.update_draft(BEN, bens.id, ClaimPatch(payee_account="DE85 0000 0000 0000 0022 22"))
    second = whole(desk, desk.submit(BEN, bens.id).id)
    kinds = {f.kind for f in second.duplicate_flags}
    assert kinds == {DuplicateKind.SAME_FILE, DuplicateKind.SAME_EXPENSE}
    same_file = next(f for f in second.duplicate_flags if f.kind is DuplicateKind.SAME_FILE)
    assert (same_file.other_claim_id, same_file.other_claim_number) == (first.id, first.number)
    assert same_file.line_id == "L1"
    assert second.state == "in_review"  # a warning, not a block
    assert desk.get(REVIEWER, second.id).duplicate_flags == second.duplicate_flags
    assert first.duplicate_flags == ()


def test_the_same_expense_within_the_tolerance_is_flagged(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settings=DeskSettings(duplicates=DuplicatePolicy(Decimal("1.00"), days=1)))
    submitted(desk, ANA, "42.50")
    claim = desk.start_draft(
        BEN, [LineInput("pharmacy", date(2026, 3, 2), "CITY  pharmacy", Money("43.00", "EUR"))]
    )
    claim = desk.attach(BEN, claim.id, "other.pdf", PDF + b" other", line_id="L1")
    claim = desk.update_draft(
        BEN, claim.id, ClaimPatch(payee_account="DE85 0000 0000 0000 0022 22")
    )
    flags = whole(desk, desk.submit(BEN, claim.id).id).duplicate_flags
    assert [f.kind for f in flags] == [DuplicateKind.SAME_EXPENSE]


def test_a_confirmed_duplicate_can_never_be_paid(desk: ReimbursementDesk) -> None:
    submitted(desk, ANA, "42.50")
    claim = ready_draft(desk, ANA, "42.50", "10.00")
    # the second line gets a receipt of its own, so only the first is the same file
    claim = desk.attach(ANA, claim.id, "taxi.pdf", PDF + b" taxi")
    patch = ClaimPatch(change_lines=(LinePatch("L2", attachment_ids=(claim.attachments[-1].id,)),))
    claim = whole(desk, desk.submit(ANA, desk.update_draft(ANA, claim.id, patch).id).id)
    index = next(i for i, f in enumerate(claim.duplicate_flags) if f.line_id == "L1")
    confirmed = desk.confirm_duplicate(REVIEWER, claim.id, index)
    assert confirmed.duplicate_flags[index].confirmed_by == REVIEWER.id
    assert confirmed.last_event is not None
    assert confirmed.last_event.type is EventType.DUPLICATE_CONFIRMED
    with pytest.raises(ValidationError, match="confirmed duplicate"):
        desk.approve(REVIEWER, claim.id)
    with pytest.raises(ValidationError, match="confirmed duplicate"):
        desk.approve(REVIEWER, claim.id, [LineDecision("L1", Money("1.00", "EUR"), "part")])
    approved = desk.approve(
        REVIEWER, claim.id, [LineDecision("L1", Money("0.00", "EUR"), "already paid")]
    )
    assert approved.approved_total == Money("10.00", "EUR")


def test_a_confirmation_needs_a_flag_and_the_reviewer(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    with pytest.raises(ValidationError, match="no duplicate flag 0"):
        desk.confirm_duplicate(REVIEWER, claim.id, 0)
    with pytest.raises(AuthorizationError):
        desk.confirm_duplicate(ANA, claim.id, 0)


def test_a_photo_attached_with_content_checks_has_reviewer_copies_and_a_hash(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(settings=DeskSettings(content_checks=ContentChecks(enabled=True)))
    claim = desk.start_draft(
        ANA, [LineInput("pharmacy", date(2026, 3, 1), "P", Money("5", "EUR"))]
    )
    claim = desk.attach(ANA, claim.id, "photo.jpg", files.jpeg_with_gps(), line_id="L1")
    photo = claim.attachments[-1]
    assert photo.phash is not None
    assert photo.reviewer_copy_id is not None
    assert photo.thumbnail_id is not None
    copy = desk.adapters.documents.get(photo.reviewer_copy_id)
    assert b"Exif" not in copy
    assert desk.adapters.documents.get(photo.id) == files.jpeg_with_gps()
    # the same paper again, held the same way (the first photo's EXIF turns it upright)
    upright = files.receipt((600, 400), shade=10).transpose(Image.Transpose.ROTATE_270)
    again = files.encoded(upright, "JPEG", quality=60)
    claim = whole(desk, desk.submit(ANA, claim.id).id)
    other = desk.start_draft(BEN, [LineInput("taxi", date(2026, 2, 25), "T", Money("9", "EUR"))])
    other = desk.attach(BEN, other.id, "same.jpg", again, line_id="L1")
    other = desk.update_draft(
        BEN, other.id, ClaimPatch(payee_account="DE85 0000 0000 0000 0022 22")
    )
    flags = whole(desk, desk.submit(BEN, other.id).id).duplicate_flags
    assert [(f.kind, f.other_claim_id) for f in flags] == [(DuplicateKind.SIMILAR_IMAGE, claim.id)]
    assert 0 <= flags[0].distance <= 8


def test_flags_and_a_confirmation_are_stored_and_read_back_from_sqlite(
    tmp_path: Path, clock: ManualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    sql.upgrade(url)
    with sql_desk(url, reviewers=["rev-1"], customers=PROFILES, clock=clock) as desk:
        first = submitted(desk, ANA)
        second = submitted(desk, ANA)
        assert {f.other_claim_id for f in second.duplicate_flags} == {first.id}
        confirmed = desk.confirm_duplicate(REVIEWER, second.id, 0)
    with sql_desk(url, reviewers=["rev-1"], customers=PROFILES, clock=clock) as desk:
        assert desk.get(REVIEWER, second.id) == confirmed
        with pytest.raises(ValidationError, match="confirmed duplicate"):
            desk.approve(REVIEWER, second.id)


def test_a_request_for_a_line_the_customer_removes_goes_with_it(
    desk: ReimbursementDesk,
) -> None:
    claim = submitted(desk, ANA, "42.50", "10.00")
    desk.request_document(REVIEWER, claim.id, "invoice", line_id="L2")
    with pytest.raises(MissingDocumentsError):
        desk.resubmit(ANA, claim.id)
    fixed = desk.resubmit(ANA, claim.id, ClaimPatch(remove_lines=("L2",)))
    assert [line.id for line in fixed.lines] == ["L1"]
    assert desk.checklist(ANA, claim.id).items == ()


def test_the_customer_tracks_the_checklist_without_the_reviewers_id(
    ruled: ReimbursementDesk,
) -> None:
    claim = _attach(ruled, _medical(ruled), "invoice")
    view = ruled.track(ANA, claim.id)
    assert [(i.kind, i.done) for i in view.checklist.items] == [
        ("invoice", True),
        ("itemised_bill", False),
        ("prescription", False),
    ]
    for kind in ("itemised_bill", "prescription"):
        claim = _attach(ruled, claim, kind)
    ruled.submit(ANA, claim.id)
    ruled.request_document(REVIEWER, claim.id, "medical_report", line_id="L1")
    asked = ruled.track(ANA, claim.id).checklist.missing
    assert [(i.kind, i.requested_by) for i in asked] == [("medical_report", "reviewer")]
    assert [i.requested_by for i in ruled.checklist(ANA, claim.id).missing] == ["reviewer"]
    # staff see who asked
    assert [i.requested_by for i in ruled.checklist(REVIEWER, claim.id).missing] == ["rev-1"]
    assert "rev-1" not in repr(ruled.track(ANA, claim.id))


def test_a_plan_step_asks_for_a_document_and_the_claim_goes_back_once_decided() -> None:
    mo, fay = Actor.reviewer("mo"), Actor.reviewer("fay")
    pool = ReviewerPool([Reviewer("mo", teams={"medical"}), Reviewer("fay", teams={"fraud"})])
    desk = in_memory_desk(
        pool=pool,
        approval_rules=ApprovalRules(ParallelReviews(("medical", "fraud"))),
        customers=PROFILES,
    )
    claim = submitted(desk)
    waiting = desk.request_document(mo, claim.id, "medical_report", line_id="L1")
    assert waiting.state == "in_review"  # the fraud review is still running
    assert [i.kind for i in desk.checklist(ANA, claim.id).missing] == ["medical_report"]
    back = desk.approve(fay, claim.id)
    assert back.state == "returned"
    assert back.decision is not None
    assert back.decision.reasons == ("missing_document",)
    with pytest.raises(MissingDocumentsError, match="medical report to this expense"):
        desk.resubmit(ANA, claim.id)
    desk.attach(ANA, claim.id, "report.pdf", PDF, line_id="L1", kind="medical_report")
    assert desk.resubmit(ANA, claim.id).state == "in_review"
    assert desk.checklist(ANA, claim.id).complete


def test_a_document_request_on_a_plan_is_only_for_who_holds_a_step() -> None:
    pool = ReviewerPool([Reviewer("mo", teams={"medical"}), Reviewer("fay", teams={"fraud"})])
    desk = in_memory_desk(
        pool=pool,
        approval_rules=ApprovalRules(ParallelReviews(("medical",))),
        customers=PROFILES,
    )
    claim = submitted(desk)
    with pytest.raises(AuthorizationError):
        desk.request_document(Actor.reviewer("fay"), claim.id, "medical_report")
    assert whole(desk, claim.id).requested_documents == ()


def _alike(desk: ReimbursementDesk, actor: Actor, lines: int, receipt: bytes) -> Claim:
    """A submitted claim of ``lines`` lines of the same pharmacy expense, one receipt."""
    claim = desk.start_draft(
        actor,
        [
            LineInput("pharmacy", date(2026, 3, 1), "City Pharmacy", Money("42.50", "EUR"))
            for _ in range(lines)
        ],
    )
    claim = desk.attach(actor, claim.id, "receipt.pdf", receipt)
    doc = claim.attachments[-1].id
    patch = ClaimPatch(
        change_lines=tuple(LinePatch(line.id, attachment_ids=(doc,)) for line in claim.lines),
        payee_account="DE85 0000 0000 0000 0022 22" if actor is BEN else None,
    )
    claim = desk.update_draft(actor, claim.id, patch)
    return whole(desk, desk.submit(actor, claim.id).id)


def test_the_flags_on_one_claim_are_bounded_and_confirmations_kept(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    policy = DuplicatePolicy(limit=2, max_flags=3)
    desk = make_desk(settings=DeskSettings(duplicates=policy))
    _alike(desk, ANA, 5, PDF + b" ana")
    bens = _alike(desk, BEN, 4, PDF + b" ben")
    # four lines each like two of Ana's five (the limit per look-up), three flags kept
    assert [(f.kind, f.line_id) for f in bens.duplicate_flags] == [
        (DuplicateKind.SAME_EXPENSE, "L1"),
        (DuplicateKind.SAME_EXPENSE, "L1"),
        (DuplicateKind.SAME_EXPENSE, "L2"),
    ]
    # a confirmation found again past the budget is kept: that line is never paid
    last = find_duplicates(bens, desk_claims(desk), DuplicatePolicy(limit=2, max_flags=8))[-1]
    assert last.line_id == "L4"
    confirmed = attrs.evolve(last, confirmed_by="rev-1")
    again = find_duplicates(
        attrs.evolve(bens, duplicate_flags=(confirmed,)), desk_claims(desk), policy
    )
    assert len(again) == 3
    assert again[-1] == confirmed
    assert [f.confirmed_by for f in again[:2]] == [None, None]


def desk_claims(desk: ReimbursementDesk) -> ClaimRepository:
    """The desk's store as a repository, read in a unit of work of its own."""
    with desk.adapters.unit_of_work() as uow:
        return uow.claims


def test_max_flags_is_a_bounded_whole_number() -> None:
    for bad in (0, 1001, True, 2.0):
        with pytest.raises(ValidationError, match=r"duplicates\.max_flags"):
            DuplicatePolicy(max_flags=bad)  # type: ignore[arg-type]


def test_a_document_the_content_checks_flagged_keeps_the_claim_from_going_straight_through(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    rules = StraightThroughRules("v1", (AutoApprovalRule("any", Money("500.00", "EUR")),))
    desk = make_desk(
        straight_through=StraightThroughReview(rules, sampler=RandomSampler(3)),
        settings=DeskSettings(content_checks=ContentChecks(enabled=True)),
    )

    def submit(content: bytes, amount: str) -> Claim:
        line = LineInput("pharmacy", date(2026, 3, 1), "City Pharmacy", Money(amount, "EUR"))
        claim = desk.start_draft(ANA, [line])
        desk.attach(ANA, claim.id, "receipt.pdf", content, line_id="L1")
        return whole(desk, desk.submit(ANA, claim.id).id)

    assert submit(files.pdf(), "10.00").state == "payment_requested"
    flagged = submit(files.pdf(javascript=True), "11.00")
    assert flagged.state == "in_review"
    (decided,) = [e for e in flagged.events if e.type is EventType.STRAIGHT_THROUGH_DECIDED]
    assert "flagged document_pdf_javascript: receipt.pdf" in (decided.reason or "")
