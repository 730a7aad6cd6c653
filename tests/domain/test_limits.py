"""Every limit holds at its boundary: the limit is accepted, one more is refused, naming the field.

The defaults are the ones a desk runs with (``docs/inputs.md`` lists them);
a refused command leaves the claim as it was (commands are pure: the claim
given is never changed, so a refusal is checked by the error alone).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reimbursement import Claim, ClaimPatch, LineDecision, LineInput, LinePatch, Money
from reimbursement.claims import Attachment, Visibility
from reimbursement.domain import commands as cmd
from reimbursement.domain.actors import SYSTEM, Actor
from reimbursement.domain.documents import DocumentRules
from reimbursement.domain.limits import ClaimLimits
from reimbursement.errors import ValidationError
from reimbursement.testing import AT, after, assigned, draft, submitted

LIMITS = ClaimLimits()
CUSTOMER = Actor.customer("cust-1")
REVIEWER = Actor.reviewer("rev-1")
DAY = date(2026, 2, 27)


def no_conversion(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    return money, None


def line(
    category: str = "pharmacy", provider: str = "City Pharmacy", description: str = ""
) -> LineInput:
    return LineInput(category, DAY, provider, Money("10.00", "EUR"), description)


def refused(path: str, run: object) -> None:
    """``run()`` raises a ValidationError with a problem at ``path``."""
    assert callable(run)
    with pytest.raises(ValidationError) as caught:
        run()
    paths = [p.path for p in caught.value.problems]
    assert path in paths, paths


def start(*lines: LineInput, limits: ClaimLimits = LIMITS) -> Claim:
    return cmd.start_draft(
        "C-1", draft("x").claimant, "EUR", CUSTOMER, AT, lines, no_conversion, limits=limits
    )


def in_review(lines: int = 1) -> Claim:
    return assigned(submitted(draft("C-2", lines=[("pharmacy", "10.00")] * lines)))


# -- counts per claim --------------------------------------------------------------------------


def test_a_claim_holds_at_most_max_lines() -> None:
    claim = start(*[line()] * LIMITS.max_lines)
    assert len(claim.lines) == 1_000
    refused("lines", lambda: start(*[line()] * (LIMITS.max_lines + 1)))
    refused(
        "add_lines",
        lambda: cmd.update_draft(
            claim, CUSTOMER, AT, ClaimPatch(add_lines=(line(),)), no_conversion
        ),
    )
    # a line removed makes room for one added in the same patch
    patch = ClaimPatch(add_lines=(line(),), remove_lines=("L1",))
    fuller = cmd.update_draft(claim, CUSTOMER, AT, patch, no_conversion)
    assert len(fuller.lines) == LIMITS.max_lines
    assert fuller.lines[-1].id == "L1001"


def test_a_claim_holds_at_most_max_attachments() -> None:
    claim = draft("C-3")
    for i in range(LIMITS.max_attachments):
        document = Attachment(f"doc-{i}", "r.pdf", "application/pdf", 10, "ab" * 32)
        claim = cmd.add_attachment(claim, CUSTOMER, AT, document)
    assert len(claim.attachments) == 1_000
    extra = Attachment("doc-x", "r.pdf", "application/pdf", 10, "ab" * 32)
    refused("attachments", lambda: cmd.add_attachment(claim, CUSTOMER, AT, extra))
    refused("attachments", lambda: cmd.check_attachable(claim))  # before bytes are stored


def test_a_thread_holds_at_most_max_messages_but_the_librarys_notes_still_go_on() -> None:
    claim = draft("C-4")
    for _ in range(LIMITS.max_messages):
        claim = cmd.post_message(claim, CUSTOMER, AT, "Any news?")
    assert len(claim.messages) == 1_000
    assert claim.messages[-1].id == "M1000"
    refused("messages", lambda: cmd.post_message(claim, CUSTOMER, AT, "And now?"))
    refused("messages", lambda: cmd.post_message(claim, REVIEWER, AT, "note", Visibility.INTERNAL))
    noted = cmd.post_message(claim, SYSTEM, AT, "Escalation found nobody", Visibility.INTERNAL)
    assert noted.messages[-1].id == "M1001"


def test_a_line_names_at_most_max_attachments_documents_each_once() -> None:
    ids = tuple(f"doc-{i}" for i in range(LIMITS.max_attachments + 1))
    ok = LineInput("pharmacy", DAY, "Shop", Money("1", "EUR"), attachment_ids=ids[:-1])
    assert start(ok)
    too_many = LineInput("pharmacy", DAY, "Shop", Money("1", "EUR"), attachment_ids=ids)
    refused("lines[0].attachment_ids", lambda: start(too_many))
    twice = LineInput("pharmacy", DAY, "Shop", Money("1", "EUR"), attachment_ids=("d", "d"))
    refused("lines[0].attachment_ids", lambda: start(twice))


def test_counts_follow_the_limits_a_desk_is_given() -> None:
    small = ClaimLimits(max_lines=2)
    assert start(line(), line(), limits=small)
    refused("lines", lambda: start(line(), line(), line(), limits=small))


def test_a_return_gives_at_most_max_reasons() -> None:
    claim = in_review()
    reasons = [f"reason {i}" for i in range(LIMITS.max_reasons)]
    assert cmd.return_for_correction(claim, REVIEWER, after(hours=1), reasons)
    refused(
        "reasons",
        lambda: cmd.return_for_correction(claim, REVIEWER, after(hours=1), [*reasons, "one more"]),
    )


def test_an_approval_names_no_more_decisions_than_the_claim_has_lines() -> None:
    claim = in_review(lines=2)
    decisions = [LineDecision("L1", Money("10.00", "EUR"))] * 3
    refused("lines", lambda: cmd.approve(claim, REVIEWER, after(hours=1), decisions))


# -- lengths -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("category", LIMITS.max_name_length),
        ("provider", LIMITS.max_name_length),
        ("description", LIMITS.max_description_length),
    ],
)
def test_a_line_text_may_be_as_long_as_its_limit_and_no_longer(field: str, limit: int) -> None:
    # zh-CN counts one character per character, as every language does
    assert start(line(**{field: "药" * limit}))
    refused(f"lines[0].{field}", lambda: start(line(**{field: "药" * (limit + 1)})))


def test_a_patch_is_held_to_the_same_lengths_as_a_new_line() -> None:
    claim = start(line())
    long = "x" * (LIMITS.max_description_length + 1)
    patch = ClaimPatch(change_lines=(LinePatch("L1", description=long),))
    refused(
        "change_lines[L1].description",
        lambda: cmd.update_draft(claim, CUSTOMER, AT, patch, no_conversion),
    )
    account = ClaimPatch(payee_account="D" * (LIMITS.max_name_length + 1))
    refused(
        "payee_account",
        lambda: cmd.update_draft(claim, CUSTOMER, AT, account, no_conversion),
    )


def test_a_message_may_be_as_long_as_the_limit_and_no_longer() -> None:
    claim = draft("C-5")
    posted = cmd.post_message(claim, CUSTOMER, AT, "请" * LIMITS.max_message_length)
    assert len(posted.messages[-1].body) == 4_000
    refused(
        "body",
        lambda: cmd.post_message(claim, CUSTOMER, AT, "请" * (LIMITS.max_message_length + 1)),
    )


def test_review_texts_are_held_to_their_limits() -> None:
    claim = in_review()
    later = after(hours=1)
    note = "n" * LIMITS.max_note_length
    assert cmd.reject(claim, REVIEWER, later, "not_covered", note)
    refused("note", lambda: cmd.reject(claim, REVIEWER, later, "not_covered", note + "n"))
    code = "c" * (LIMITS.max_id_length + 1)
    refused("reason_code", lambda: cmd.reject(claim, REVIEWER, later, code))
    reason = "r" * (LIMITS.max_reason_length + 1)
    refused("reasons[0]", lambda: cmd.return_for_correction(claim, REVIEWER, later, [reason]))
    lowered = LineDecision("L1", Money("5.00", "EUR"), reason)
    refused("lines[0].reason", lambda: cmd.approve(claim, REVIEWER, later, [lowered]))
    refused("reason", lambda: cmd.withdraw(claim, CUSTOMER, later, reason))


def test_a_line_amount_has_at_most_twelve_digits_before_the_point() -> None:
    # sums of a claim's lines then stay exact within Decimal's 28 digits
    top = Money("999999999999.99", "EUR")
    assert start(LineInput("hospital", DAY, "Clinic", top))
    over = LineInput("hospital", DAY, "Clinic", Money("1000000000000", "EUR"))
    refused("lines[0].amount", lambda: start(over))


# -- characters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["\x00", "\x1b[31m", "\x7f", "\x85", "\u202e", "\u2066", "\ud800", "\u2028"]
)
def test_one_line_names_refuse_control_characters(bad: str) -> None:
    refused("lines[0].category", lambda: start(line(category=f"taxi{bad}")))
    refused("lines[0].provider", lambda: start(line(provider=f"Cab{bad}Co")))


def test_multi_line_texts_keep_line_breaks_and_tabs_but_refuse_other_controls() -> None:
    text = "Two visits:\n\tMonday\r\n\tFriday"
    assert start(line(description=text)).lines[0].description == text
    assert cmd.post_message(draft("C-6"), CUSTOMER, AT, text).messages[-1].body == text
    refused("lines[0].description", lambda: start(line(description="a\x00b")))
    refused("body", lambda: cmd.post_message(draft("C-6"), CUSTOMER, AT, "a\x1bb"))
    refused("lines[0].category", lambda: start(line(category="two\nlines")))


# -- documents ---------------------------------------------------------------------------------

PDF = b"%PDF-1.7"


def test_a_file_name_may_be_as_long_as_the_limit_and_no_longer() -> None:
    rules = DocumentRules()
    assert rules.check("a" * 251 + ".pdf", PDF)[0] == "application/pdf"
    refused("file_name", lambda: rules.check("a" * 252 + ".pdf", PDF))
    assert DocumentRules(max_file_name_length=10).check("scan.pdf", PDF)
    refused("file_name", lambda: DocumentRules(max_file_name_length=7).check("scan.pdf", PDF))


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "C:\\Users\\ana\\scan.pdf",
        "..",
        ".",
        "scan\x00.pdf",
        "inv\u202efdp.exe",
    ],
)
def test_a_file_name_is_a_name_not_a_path_nor_a_disguise(name: str) -> None:
    refused("file_name", lambda: DocumentRules().check(name, PDF))


def test_a_document_may_be_as_large_as_the_limit_and_no_larger() -> None:
    rules = DocumentRules(max_size=16)
    assert rules.check("scan.pdf", PDF.ljust(16, b" "))
    refused("content", lambda: rules.check("scan.pdf", PDF.ljust(17, b" ")))
    assert DocumentRules().max_size == 20 * 1024 * 1024


def test_content_must_be_bytes() -> None:
    refused("content", lambda: DocumentRules().check("scan.pdf", "%PDF-1.7"))
    assert DocumentRules().check("scan.pdf", bytearray(PDF))[0] == "application/pdf"
