"""A claim from the wire or from storage keeps the invariants of one the desk built.

Every claim the commands build passes ``check_claim`` and reads back from its
JSON; a claim with one field broken is refused with a ValidationError that
names the claim and the field, and never with any other exception.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from cattrs import errors as cattrs_errors
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Actor, Claim, ClaimPatch, LineDecision, LineInput, LinePatch, Money
from reimbursement.claims import Attachment, Visibility, check_claim, claim_problems
from reimbursement.domain import commands as cmd
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.commands import privacy
from reimbursement.domain.feedback_rules import (
    FeedbackPolicy,
    ProblemCatalogue,
    edit_feedback,
    give_feedback,
)
from reimbursement.errors import FieldProblem, ValidationError
from reimbursement.feedback import Feedback, FeedbackStage
from reimbursement.serialization import from_data, from_json, to_data, to_json
from reimbursement.testing import (
    AT,
    approved,
    assigned,
    draft,
    in_review,
    paid,
    rejected,
    resubmitted,
    returned,
    rich_claim,
    submitted,
    withdrawn,
)

RICH = rich_claim("claim-1")  # a USD line, a document, messages, a partial approval, a payment
PAID = paid(approved(assigned(submitted(draft("claim-2", lines=(("taxi", "20.00"),))))))
CUSTOMER = Actor.customer("cust-1")
FINANCE = Actor.finance("fin-9")
REVIEWER = Actor.reviewer("rev-1")


def problems_of(data: Any) -> tuple[FieldProblem, ...]:
    with pytest.raises(ValidationError) as caught:
        from_data(data, Claim)
    with pytest.raises(ValidationError):
        from_json(json.dumps(data), Claim)
    return caught.value.problems


def refused_at(data: Any, path: str) -> str:
    """The message of the problem at ``path``; fails unless there is one."""
    found = {p.path: p.message for p in problems_of(data)}
    assert path in found, f"no problem at {path}: {found}"
    return found[path]


def rich() -> dict[str, Any]:
    return copy.deepcopy(RICH_DATA)


def paid_data() -> dict[str, Any]:
    return copy.deepcopy(PAID_DATA)


RICH_DATA: dict[str, Any] = to_data(RICH)
PAID_DATA: dict[str, Any] = to_data(PAID)


# --- what the issue found -------------------------------------------------------------------


def test_a_state_that_contradicts_the_events_is_refused() -> None:
    data = rich()
    data["state"] = "paid"
    assert refused_at(data, "state") == (
        "claim claim-1: is paid, but its events leave it payment_requested"
    )


def test_a_claim_without_events_is_refused() -> None:
    data = rich()
    data["events"] = []
    assert "at least its draft_started event" in refused_at(data, "events")


def test_a_claimed_amount_unlike_the_line_amount_is_refused() -> None:
    data = paid_data()
    data["lines"][0]["claimed"]["amount"] = "999999.00"
    assert refused_at(data, "lines[0].claimed") == (
        "claim claim-2: is 999999.00 EUR, the line's amount is 20.00 EUR"
    )


def test_lines_in_another_currency_than_the_claim_are_refused_not_left_to_crash() -> None:
    data = paid_data()
    data["lines"][0]["claimed"] = {"amount": "20.00", "currency": "USD"}
    assert refused_at(data, "lines[0].claimed") == (
        "claim claim-2: is in USD, the claim is in EUR"
    )


@pytest.mark.parametrize("currency", ["EURO", "eur", "", "XXX"])
def test_a_claim_currency_that_is_not_an_iso_code_is_refused(currency: str) -> None:
    data = paid_data()
    data["currency"] = currency
    assert refused_at(data, "currency").endswith("is not an ISO 4217 currency code")


def test_duplicate_line_ids_are_refused() -> None:
    data = rich()
    data["lines"][1]["id"] = data["lines"][0]["id"]
    assert "the id of another line" in refused_at(data, "lines[1].id")


def test_a_negative_amount_is_refused() -> None:
    data = paid_data()
    for field in ("amount", "claimed"):
        data["lines"][0][field]["amount"] = "-20.00"
    assert "must be above zero" in refused_at(data, "lines[0].amount")


def test_a_payment_larger_than_the_approval_is_refused() -> None:
    data = paid_data()
    data["payments"][0]["amount"]["amount"] = "2000.00"
    assert refused_at(data, "payments[0].amount") == (
        "claim claim-2: is 2000.00 EUR, but the claim's approval is 20.00 EUR"
    )


def test_a_gap_in_the_event_numbers_is_refused() -> None:
    data = paid_data()
    data["events"][2]["seq"] = 4
    assert "numbered 1, 2, … without gaps" in refused_at(data, "events[2].seq")


def test_an_event_that_goes_back_in_time_is_refused_naming_the_claim_and_event() -> None:
    data = paid_data()
    earlier = AT - timedelta(minutes=5)
    data["events"][3]["at"] = earlier.isoformat()
    message = refused_at(data, "events[3].at")
    assert message.startswith("claim claim-2: event 4 (")
    assert f"is at {earlier.isoformat()}, before event 3" in message
    assert "never go back in time" in message


def test_events_at_the_same_instant_are_valid() -> None:
    claim = submitted(draft("claim-3"), at=AT)  # the draft and its submission at one instant
    assert claim.events[0].at == claim.events[-1].at
    check_claim(claim)


def test_the_commands_refuse_to_append_an_event_before_the_last_one() -> None:
    claim = draft("claim-4")
    with pytest.raises(ValidationError, match=r"before event 1 of claim claim-4.*back in time"):
        cmd.post_message(claim, CUSTOMER, AT - timedelta(seconds=1), "hello")


def test_events_of_another_claim_are_refused() -> None:
    data = paid_data()
    data["events"][1]["claim_id"] = "claim-9"
    assert refused_at(data, "events[1].claim_id") == (
        "claim claim-2: is an event of claim 'claim-9'"
    )


def test_a_negative_document_size_is_refused() -> None:
    data = rich()
    data["attachments"][0]["size"] = -1
    assert "at least one byte" in refused_at(data, "attachments[0].size")


def test_an_nps_of_99_is_refused() -> None:
    data = to_data(with_feedback(PAID))
    data["feedback"]["nps"] = 99
    assert refused_at(data, "feedback.nps") == (
        "claim claim-2: is 99; likelihood to recommend is 0 to 10"
    )


def test_an_empty_id_is_refused() -> None:
    data = paid_data()
    data["id"] = ""
    for event in data["events"]:
        event["claim_id"] = ""
    assert refused_at(data, "id") == "claim '': the id is empty"


# --- siblings -------------------------------------------------------------------------------


def test_a_partial_approval_of_an_unknown_line_is_refused() -> None:
    data = rich()
    data["decisions"][0]["lines"][1]["line_id"] = "L9"
    assert "decides every line" in refused_at(data, "decisions[0].lines")


def test_an_approved_amount_above_the_claimed_one_is_refused() -> None:
    data = rich()
    data["decisions"][0]["lines"][1]["approved"]["amount"] = "9000.00"
    message = refused_at(data, "decisions[0].lines[1].approved")
    assert "is 9000.00 EUR: it is from 0 to the claimed" in message


def test_a_payment_in_another_currency_is_refused() -> None:
    data = paid_data()
    data["payments"][0]["amount"] = {"amount": "20.00", "currency": "USD"}
    assert "is in USD, the claim is in EUR" in refused_at(data, "payments[0].amount")


def test_a_state_the_lifecycle_cannot_reach_is_refused() -> None:
    data = to_data(draft("claim-3"))
    data["events"][0]["to_state"] = "paid"
    data["state"] = "paid"
    assert "cannot lead from draft to paid" in refused_at(data, "events[0].to_state")


def test_an_event_type_that_does_not_make_its_state_change_is_refused() -> None:
    data = paid_data()
    submitted_event = data["events"][1]
    assert submitted_event["type"] == "submitted"
    submitted_event["type"] = "message_posted"
    message = refused_at(data, "events[1].to_state")
    assert message.endswith("a message_posted event cannot lead from draft to submitted")


def test_an_event_that_starts_elsewhere_than_the_last_one_ended_is_refused() -> None:
    data = paid_data()
    data["events"][2]["from_state"] = "returned"
    assert "the claim was submitted" in refused_at(data, "events[2].from_state")


def test_decisions_without_their_events_are_refused() -> None:
    data = paid_data()
    data["decisions"] = []
    assert "are not the decisions" in refused_at(data, "decisions")


def test_payments_without_their_events_are_refused() -> None:
    data = to_data(approved(assigned(submitted(draft("claim-4")))))
    data["payments"] = copy.deepcopy(PAID_DATA["payments"])
    assert "its events requested or retried 0" in refused_at(data, "payments")


def test_a_paid_claim_whose_payment_is_still_requested_is_refused() -> None:
    data = paid_data()
    data["payments"][0]["status"] = "requested"
    assert "which a claim paid cannot have" in refused_at(data, "payments[0].status")


def test_a_wrong_idempotency_key_is_refused() -> None:
    data = paid_data()
    data["payments"][0]["idempotency_key"] = "claim-1:payment:1"
    assert refused_at(data, "payments[0].idempotency_key").startswith("claim claim-2: is ")


def test_a_line_rate_that_does_not_give_its_claimed_amount_is_refused() -> None:
    data = rich()
    assert data["lines"][1]["fx_rate"] == "0.9173"
    data["lines"][1]["fx_rate"] = "1.5"
    assert "at 1.5 is" in refused_at(data, "lines[1].claimed")
    data["lines"][1]["fx_rate"] = None
    assert "needs a positive rate" in refused_at(data, "lines[1].fx_rate")


def test_documents_and_messages_come_with_their_events() -> None:
    data = rich()
    data["attachments"] = []
    assert "attachment_added events" in refused_at(data, "attachments")
    data = rich()
    data["messages"][0]["id"] = "M7"
    assert "message_posted events" in refused_at(data, "messages")


def test_a_submitted_claim_links_only_documents_it_has() -> None:
    data = rich()
    data["lines"][0]["attachment_ids"] = ["doc-404"]
    assert "no document 'doc-404'" in refused_at(data, "lines[0].attachment_ids[0]")


def test_the_number_is_that_of_the_submitted_event() -> None:
    data = paid_data()
    data["number"] = "CLM-OTHER"
    assert "its submitted event gave another" in refused_at(data, "number")
    data = to_data(draft("claim-5"))
    data["number"] = "CLM-1"
    assert "never submitted" in refused_at(data, "number")


def test_feedback_without_its_event_is_refused() -> None:
    data = paid_data()
    data["feedback"] = to_data(Feedback(AT, {FeedbackStage.REVIEW: 4}))
    assert "feedback_given event" in refused_at(data, "feedback.given_at")


def test_a_document_with_a_bad_digest_or_type_is_refused() -> None:
    data = rich()
    data["attachments"][0]["sha256"] = "XYZ"
    data["attachments"][0]["media_type"] = "text/html"
    found = {p.path for p in problems_of(data)}
    assert {"attachments[0].sha256", "attachments[0].media_type"} <= found


def test_a_line_incurred_after_the_claims_last_event_is_refused() -> None:
    data = paid_data()
    data["lines"][0]["incurred_on"] = (AT + timedelta(days=30)).date().isoformat()
    assert "after the claim's last event" in refused_at(data, "lines[0].incurred_on")


def test_every_broken_invariant_is_listed_at_once_and_names_the_claim() -> None:
    data = paid_data()
    data["state"] = "draft"
    data["events"][1]["claim_id"] = "other"
    data["attachments"] = []
    problems = problems_of(data)
    assert [p.path for p in problems] == ["events[1].claim_id", "state", "payments[0].status"]
    assert all(p.message.startswith("claim claim-2: ") for p in problems)


def test_a_list_of_claims_names_the_bad_one_by_index() -> None:
    data = [paid_data(), paid_data()]
    data[1]["state"] = "payment_approved"
    with pytest.raises(ValidationError) as caught:
        from_data(data, list[Claim])  # type: ignore[arg-type]
    assert [p.path for p in caught.value.problems] == ["[1].state", "[1].payments[0].status"]


def test_check_claim_on_a_claim_made_in_python() -> None:
    import attrs

    broken = attrs.evolve(PAID, currency="EURO")
    with pytest.raises(ValidationError, match="claim claim-2 is not a valid claim: currency"):
        check_claim(broken)
    assert list(claim_problems(PAID)) == []


# --- properties -----------------------------------------------------------------------------


def with_feedback(claim: Claim, *, edit: bool = False) -> Claim:
    at = claim.events[-1].at + timedelta(minutes=5)
    feedback = Feedback(at, {FeedbackStage.REVIEW: 4}, ces=2, nps=9, problems=("slow_review",))
    policy, catalogue = FeedbackPolicy(), ProblemCatalogue.default()
    claim = give_feedback(claim, CUSTOMER, at, feedback, policy, catalogue)
    if edit:
        later = at + timedelta(hours=1)
        claim = edit_feedback(claim, CUSTOMER, later, feedback, policy, catalogue)
    return claim


def _usd(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    if money.currency == currency:
        return money, None
    rate = Decimal("0.9173")
    return money.convert(currency, rate), rate


def _step_at(claim: Claim) -> Any:
    return claim.events[-1].at + timedelta(minutes=3)


_Step = Callable[[Claim], Claim]
_STEPS: dict[str, _Step] = {
    "message": lambda c: cmd.post_message(c, CUSTOMER, _step_at(c), "any news?"),
    "note": lambda c: cmd.post_message(c, REVIEWER, _step_at(c), "checked", Visibility.INTERNAL),
    "attach": lambda c: cmd.add_attachment(
        c,
        CUSTOMER,
        _step_at(c),
        Attachment(f"doc-{c.version}", "r.pdf", "application/pdf", 10, "ab" * 32),
        c.lines[0].id if c.lines else None,
    ),
    "edit": lambda c: cmd.update_draft(
        c,
        CUSTOMER,
        _step_at(c),
        ClaimPatch(
            add_lines=(LineInput("hotel", date(2026, 2, 20), "Inn", Money("80.00", "USD")),),
            change_lines=(LinePatch(c.lines[0].id, amount=Money("15.00", "EUR")),),
        ),
        _usd,
    ),
    "submit": lambda c: submitted(c, at=_step_at(c)),
    "assign": lambda c: assigned(c, at=_step_at(c)),
    "return": lambda c: returned(c, at=_step_at(c)),
    "resubmit": lambda c: resubmitted(c, at=_step_at(c)),
    "approve": lambda c: approved(c, at=_step_at(c)),
    "approve_in_part": lambda c: cmd.approve(
        c, REVIEWER, _step_at(c), [LineDecision(c.lines[0].id, Money("1.00", "EUR"), "cap")]
    ),
    "reject": lambda c: rejected(c, at=_step_at(c)),
    "withdraw": lambda c: withdrawn(c, at=_step_at(c)),
    "request": lambda c: cmd.request_payment(c, SYSTEM, _step_at(c)),
    "approve_payment": lambda c: cmd.approve_payment(c, FINANCE, _step_at(c)),
    "send": lambda c: cmd.send_payment(c, SYSTEM, _step_at(c), f"GW-{c.version}"),
    "confirm": lambda c: cmd.confirm_payment(c, SYSTEM, _step_at(c)),
    "fail": lambda c: cmd.fail_payment(c, SYSTEM, _step_at(c), "account closed"),
    "retry": lambda c: cmd.retry_payment(c, FINANCE, _step_at(c)),
    "cancel": lambda c: cmd.cancel_payment(c, FINANCE, _step_at(c), "no news from the bank"),
    "change_payee": lambda c: cmd.change_payee(c, FINANCE, _step_at(c), "NL91 ABNA 0417 1643"),
    "customer_payee": lambda c: cmd.change_payee(c, CUSTOMER, _step_at(c), "DE12 5001 0517"),
    "late": lambda c: cmd.report_discrepancy(
        c, SYSTEM, _step_at(c), c.payments[0].gateway_reference or "none"
    ),
    "feedback": with_feedback,
    "feedback_edited": lambda c: with_feedback(c, edit=True),
    # retention and erasure: the claim keeps its state (erasure only once it is final)
    "delete_documents": lambda c: privacy.delete_documents(c, SYSTEM, _step_at(c), "retention"),
    "erase": lambda c: privacy.erase(c, SYSTEM, _step_at(c)),
}


_PATHS = (
    ("submit", "assign", "approve", "request", "approve_payment", "send", "confirm"),
    (
        *("submit", "assign", "approve_in_part", "request", "approve_payment", "send"),
        *("fail", "retry", "send", "fail", "retry", "send", "confirm"),
    ),
    ("submit", "assign", "return", "resubmit", "assign", "approve", "request", "withdraw"),
    ("submit", "assign", "return", "resubmit", "assign", "reject"),
    (
        *("submit", "assign", "approve", "request", "approve_payment", "send", "cancel"),
        *("change_payee", "late", "approve_payment", "send", "fail", "customer_payee"),
        *("approve_payment", "send", "confirm", "late"),
    ),
    ("edit", "attach", "submit", "withdraw"),
)
_ASIDES = (
    *("message", "note", "attach", "edit", "feedback", "feedback_edited"),
    *("delete_documents", "erase"),
)


@st.composite
def desk_claims(draw: st.DrawFn) -> Claim:
    """A claim taken some way along a lifecycle path, with random commands on the side;
    a command the claim's state refuses is skipped, as the desk would refuse it."""
    claim = draft("claim-7")
    path = draw(st.sampled_from(_PATHS))
    steps: list[str] = []
    for step in path[: draw(st.integers(0, len(path)))]:
        steps += draw(st.lists(st.sampled_from(_ASIDES), max_size=2))
        steps.append(step)
    steps += draw(st.lists(st.sampled_from(_ASIDES), max_size=2))  # after the last step too
    for name in steps:
        try:
            claim = _STEPS[name](claim)
        except (ValidationError, AssertionError, LookupError, ValueError):
            continue  # refused in this state: the claim is unchanged
    return claim


BUILT = [
    RICH,
    PAID,
    with_feedback(PAID, edit=True),
    withdrawn(draft("claim-w")),
    rejected(in_review("claim-r")),
    resubmitted(returned(in_review("claim-s"))),
]


@pytest.mark.parametrize("claim", BUILT, ids=lambda c: f"{c.id}-{c.state}")
def test_claims_the_builders_make_are_valid_and_read_back(claim: Claim) -> None:
    check_claim(claim)
    assert from_json(to_json(claim), Claim) == claim


@given(desk_claims())
def test_every_claim_the_commands_build_is_valid_and_reads_back(claim: Claim) -> None:
    check_claim(claim)
    assert from_json(to_json(claim), Claim) == claim


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _leaves(v, (*path, k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _leaves(v, (*path, i))]
    return [path]


def _set(data: Any, path: tuple[Any, ...], value: object) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63), 10**5000, -1, 0, 99]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", " ", "\ud800", "a\x00", "x" * 70_000, "EUR", "USD", "paid", "draft"]),
    st.sampled_from(["2026-01-01T00:00:00+00:00", "12.30", "-1.00", "1e9", "١٢"]),
    st.just([]),
    st.just({}),
    st.just([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]),
)


@given(claim=desk_claims(), data=st.data())
def test_a_claim_with_a_field_broken_is_refused_with_a_validation_error_only(
    claim: Claim, data: st.DataObject
) -> None:
    wire = to_data(claim)
    path = data.draw(st.sampled_from(_leaves(wire)), label="path")
    value = data.draw(hostile, label="value")
    _set(wire, path, value)
    back = _read(wire)
    if isinstance(back, ValidationError):
        assert back.problems
        assert all(p.message.strip() for p in back.problems)
        str(back).encode("utf-8")  # a message can always be logged
        assert len(str(back)) < 15_000
    else:
        check_claim(back)  # accepted only when still a valid claim
        assert from_json(to_json(back), Claim) == back


def _read(wire: Any) -> Claim | ValidationError:
    """The claim, or the ValidationError refusing it (any other exception fails the test)."""
    try:
        return from_data(wire, Claim)
    except ValidationError as error:
        return error


@given(claim=desk_claims(), data=st.data())
def test_a_claim_with_a_key_removed_or_a_list_emptied_is_refused_or_still_valid(
    claim: Claim, data: st.DataObject
) -> None:
    wire = to_data(claim)
    path = data.draw(st.sampled_from(_leaves(wire)), label="path")
    parent: Any = wire
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.clear()
    back = _read(wire)
    if not isinstance(back, ValidationError):
        check_claim(back)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["lines"][1].update(fx_rate="9" * 28),
        lambda d: d["lines"][0].update(claimed={"amount": "1.00", "currency": "USD"}),
        lambda d: d["decisions"][0]["lines"][0].update(
            approved={"amount": "1.00", "currency": "USD"}
        ),
        lambda d: d.update(currency="USD"),
    ],
    ids=["huge-rate", "line-in-usd", "decision-in-usd", "claim-in-usd"],
)
def test_broken_money_is_reported_as_problems_not_raised_from_the_check(
    change: Callable[[dict[str, Any]], None],
) -> None:
    data = rich()
    change(data)
    claim = _structured_without_check(data)
    problems = list(claim_problems(claim))  # never raises, whatever the amounts
    assert problems
    assert all(p.message.startswith("claim claim-1: ") for p in problems)


def _structured_without_check(data: dict[str, Any]) -> Claim:
    """The claim the data describes, built as the converter would, without check_claim."""
    import reimbursement.serialization._containers as containers
    from reimbursement.serialization import make_converter

    original = containers.check_claim
    containers.check_claim = lambda claim: None  # type: ignore[assignment]
    try:
        return make_converter().structure(data, Claim)
    finally:
        containers.check_claim = original


@given(claim=desk_claims(), data=st.data())
def test_the_check_itself_never_raises_on_a_claim_whose_fields_read(
    claim: Claim, data: st.DataObject
) -> None:
    wire = to_data(claim)
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        path = data.draw(st.sampled_from(_leaves(wire)), label="path")
        _set(wire, path, data.draw(hostile, label="value"))
    try:
        broken = _structured_without_check(wire)
    except (ValidationError, cattrs_errors.BaseValidationError):
        return  # a field the converter refuses: no claim to check
    problems = list(claim_problems(broken))  # reported, never raised
    assert all(p.message.startswith("claim ") for p in problems)


@pytest.mark.parametrize(
    ("tax", "message"),
    [
        ({"amount": "1.00", "currency": "USD"}, "is in USD, the line's amount is in EUR"),
        ({"amount": "-1.00", "currency": "EUR"}, "must be zero or more, got -1.00 EUR"),
        (
            {"amount": "20.01", "currency": "EUR"},
            "20.01 EUR is more than the line's amount 20.00 EUR, which includes it",
        ),
    ],
)
def test_a_stored_tax_outside_its_line_amount_is_refused(
    tax: dict[str, str], message: str
) -> None:
    data = paid_data()
    data["lines"][0]["tax"] = tax
    assert refused_at(data, "lines[0].tax") == f"claim claim-2: {message}"


def test_a_line_stored_before_lines_had_a_tax_reads_back_with_none() -> None:
    data = paid_data()
    del data["lines"][0]["tax"]
    assert from_data(data, Claim).lines[0].tax is None
