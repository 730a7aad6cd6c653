"""The wire format: every record to JSON-ready data and back, and bad input named by path."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement.domain import actors, claim, events, feedback, inputs
from reimbursement.domain import commands as cmd
from reimbursement.domain.actors import SYSTEM, Actor
from reimbursement.domain.claim import (
    Attachment,
    Claim,
    Claimant,
    LineDecision,
)
from reimbursement.domain.currencies import MINOR_UNITS
from reimbursement.domain.events import Visibility
from reimbursement.domain.feedback import Feedback, FeedbackStage
from reimbursement.domain.feedback_rules import FeedbackPolicy, ProblemCatalogue, give_feedback
from reimbursement.domain.inputs import ClaimPatch, LineInput, LinePatch
from reimbursement.domain.lifecycle import ClaimState
from reimbursement.domain.money import Money
from reimbursement.errors import FieldProblem, ReimbursementError, ValidationError
from reimbursement.serialization import from_data, from_json, make_converter, to_data, to_json

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=PARIS)
CUSTOMER = Actor.customer("C-7", "Zoë Martin")
REVIEWER = Actor.reviewer("R-1", "Ravi")
FINANCE = Actor.finance("F-1", "Fran")
CLAIMANT = Claimant("C-7", "Zoë Martin", "POL-1", "DE89 3704 0044 0532 0130 00", "z@example.org")


def same_currency(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    return money, None


def usd_to_eur(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    """A fixed rate, standing in for the FxRates port."""
    if money.currency == currency:
        return money, None
    rate = Decimal("0.9215")
    return money.convert(currency, rate), rate


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def draft(lines: list[LineInput] | None = None) -> Claim:
    lines = lines or [
        LineInput(
            "taxi", date(2026, 3, 1), "Taxi Berlin", Money("12.30", "EUR"), "airport", ("A1",)
        ),
        LineInput("hotel", date(2026, 2, 28), "Hilton NYC", Money("240.00", "USD"), "", ("A2",)),
    ]
    prefilled = {"name": "directory", "payee_account": "last_claim", "currency": "directory"}
    claim_ = cmd.start_draft(
        "CL-1", CLAIMANT, "EUR", CUSTOMER, T0, lines, usd_to_eur, prefilled=prefilled
    )
    for ref in ("A1", "A2"):
        claim_ = cmd.add_attachment(
            claim_,
            CUSTOMER,
            at(0.1),
            Attachment(ref, f"{ref}.pdf", "application/pdf", 1234, "0" * 64),
        )
    return claim_


def paid_claim() -> Claim:
    """A claim through its whole life: review, partial approval, payment, feedback."""
    c = cmd.submit(draft(), CUSTOMER, at(1), "2026-000123")
    c = cmd.assign(c, SYSTEM, at(1), "R-1", "round_robin", "next in the pool")
    c = cmd.post_message(c, REVIEWER, at(2), "Checking the hotel bill", Visibility.INTERNAL)
    c = cmd.post_message(c, CUSTOMER, at(3), "Any news?")
    hotel = c.lines[1]
    c = cmd.approve(
        c, REVIEWER, at(4), [LineDecision(hotel.id, Money("200.00", "EUR"), "minibar excluded")]
    )
    c = cmd.request_payment(c, SYSTEM, at(4))
    c = cmd.approve_payment(c, FINANCE, at(5))
    c = cmd.send_payment(c, SYSTEM, at(6), "GW-991")
    c = cmd.confirm_payment(c, SYSTEM, at(30))
    feedback = Feedback(
        at(31),
        {FeedbackStage.REVIEW: 4, FeedbackStage.PAYMENT: 5},
        ces=2,
        nps=9,
        problems=("slow_review",),
    )
    policy, catalogue = FeedbackPolicy(), ProblemCatalogue.default()
    return give_feedback(c, CUSTOMER, at(31), feedback, policy, catalogue)


def returned_and_retried_claim() -> Claim:
    """Returned, fixed by a patch, approved, a failed payment, a new account from finance,
    and a late settlement of the failed attempt."""
    c = cmd.submit(draft(), CUSTOMER, at(1), "2026-000124")
    c = cmd.assign(c, SYSTEM, at(1), "R-1", "least_loaded", "fewest open claims")
    c = cmd.return_for_correction(c, REVIEWER, at(2), ["receipt unreadable"], "scan it again")
    patch = ClaimPatch(
        change_lines=(LinePatch("L1", amount=Money("11.90", "EUR"), description="fixed"),),
        payee_account="FR76 3000 6000 0112 3456 7890 189",
    )
    c = cmd.resubmit(c, CUSTOMER, at(3), patch, usd_to_eur)
    c = cmd.assign(c, SYSTEM, at(3), "R-1", "least_loaded", "same reviewer")
    c = cmd.approve(c, REVIEWER, at(4))
    c = cmd.request_payment(c, SYSTEM, at(4))
    c = cmd.approve_payment(c, SYSTEM, at(4), automatic=True)
    c = cmd.send_payment(c, SYSTEM, at(5), "GW-1")
    c = cmd.fail_payment(c, SYSTEM, at(6), "account closed")
    c = cmd.change_payee(c, FINANCE, at(7), "NL91 ABNA 0417 1643 00")
    return cmd.report_discrepancy(c, SYSTEM, at(8), "GW-1")


def rejected_claim() -> Claim:
    c = cmd.submit(draft(), CUSTOMER, at(1), "2026-000125")
    c = cmd.assign(c, SYSTEM, at(1), "R-1", "skills", "speaks German")
    return cmd.reject(c, REVIEWER, at(2), "NOT_COVERED", "dental is not in the policy")


PAID = paid_claim()
RETRIED = returned_and_retried_claim()
REJECTED = rejected_claim()

RECORDS: list[object] = [
    Money("12.30", "EUR"),
    Money("1500", "JPY"),
    Money("-0.125", "KWD"),
    PAID,
    RETRIED,
    REJECTED,
    draft(),
    CLAIMANT,
    PAID.lines[1],
    PAID.attachments[0],
    PAID.messages[0],
    PAID.decisions[0],
    PAID.decisions[0].lines[1],
    RETRIED.decisions[0],
    REJECTED.decisions[0],
    PAID.payments[0],
    RETRIED.payments[0],
    RETRIED.payment_discrepancies[0],
    PAID.events[0],
    PAID.events[-1],
    PAID.feedback,
    Feedback(T0),
    CUSTOMER,
    SYSTEM,
    LineInput("taxi", date(2026, 3, 1), "Taxi", Money("9.90", "EUR")),
    LinePatch("L1"),
    LinePatch("L2", "meal", date(2026, 1, 31), "Café", Money("4.50", "EUR"), "lunch", ("A9",)),
    ClaimPatch(),
    ClaimPatch(
        add_lines=(LineInput("bus", date(2026, 3, 1), "BVG", Money("3.20", "EUR")),),
        change_lines=(LinePatch("L1", description="corrected"),),
        remove_lines=("L2",),
        payee_account="DE02 1203 0000 0000 2020 51",
    ),
]


def assert_json_ready(
    data: Any, path: str = "", scalars: tuple[type, ...] = (str, int, bool)
) -> None:
    """Only plain JSON types, exactly: no tuple, no StrEnum, no Decimal, no datetime."""
    if type(data) is dict:
        for key, value in data.items():
            assert type(key) is str, f"{path}: key {key!r}"
            assert_json_ready(value, f"{path}.{key}", scalars)
    elif type(data) is list:
        for i, value in enumerate(data):
            assert_json_ready(value, f"{path}[{i}]", scalars)
    else:
        assert data is None or type(data) in scalars, f"{path}: {data!r}"


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_every_record_round_trips_through_plain_data(record: object) -> None:
    data = to_data(record)
    assert_json_ready(data)
    assert from_data(data, type(record)) == record
    assert from_json(to_json(record), type(record)) == record


def test_every_public_record_of_the_domain_is_covered() -> None:
    modules = (actors, claim, events, feedback, inputs)
    public = {
        getattr(m, name) for m in modules for name in m.__all__ if attrs.has(getattr(m, name))
    }
    covered = {type(r) for r in RECORDS} | {Money}
    assert public <= covered, f"add an example of {public - covered} to RECORDS"


def test_the_claims_cover_every_part() -> None:
    assert PAID.state is ClaimState.PAID
    assert (len(PAID.messages), len(PAID.decisions), len(PAID.payments)) == (2, 1, 1)
    assert PAID.lines[1].fx_rate == Decimal("0.9215")
    assert [p.status.value for p in RETRIED.payments] == ["failed", "requested"]
    assert RETRIED.claimant.payee_account.startswith("NL91")
    assert RETRIED.payments[1].payee_changed_by == FINANCE.id
    assert [d.reference for d in RETRIED.payment_discrepancies] == ["GW-1"]
    assert PAID.prefilled == {
        "name": "directory",
        "payee_account": "last_claim",
        "currency": "directory",
    }


def test_the_wire_format_of_a_line() -> None:
    assert to_data(PAID.lines[1]) == {
        "id": "L2",
        "category": "hotel",
        "incurred_on": "2026-02-28",
        "provider": "Hilton NYC",
        "amount": {"amount": "240.00", "currency": "USD"},
        "claimed": {"amount": "221.16", "currency": "EUR"},
        "description": "",
        "attachment_ids": ["A2"],
        "fx_rate": "0.9215",
        "tax": None,
    }


def test_the_wire_format_of_an_event_and_of_feedback() -> None:
    event = PAID.events[-2]  # the payment confirmed, before the feedback
    data = to_data(event)
    assert data["type"] == "paid"
    assert data["role"] == "system"
    assert (data["from_state"], data["to_state"]) == ("payment_approved", "paid")
    assert data["at"] == "2026-03-03T15:30:00+01:00"
    assert data["data"] == {"amount": "212.30 EUR", "reference": "GW-991"}
    assert to_data(PAID.feedback)["ratings"] == {"review": 4, "payment": 5}


def test_datetimes_keep_their_offset_and_come_back_as_the_same_instant() -> None:
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=PARIS)
    assert to_data(summer) == "2026-07-01T12:00:00+02:00"
    back = from_data("2026-07-01T12:00:00+02:00", datetime)
    assert back == summer
    assert back.utcoffset() == timedelta(hours=2)
    assert from_data("2026-07-01T10:00:00Z", datetime) == summer


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.30"), "12.30"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.0000001"), "0.0000001"),
        (Decimal("-3.5"), "-3.5"),
    ],
)
def test_decimals_are_written_in_positional_notation_without_losing_a_digit(
    value: Decimal, text: str
) -> None:
    assert to_data(value) == text
    assert from_data(text, Decimal) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(days=1, hours=2, minutes=30), "P1DT2H30M"),
        (timedelta(hours=24), "P1D"),
        (-timedelta(minutes=15), "-PT15M"),
        (timedelta(seconds=1, microseconds=500), "PT1.0005S"),
    ],
)
def test_durations_are_iso_8601(value: timedelta, text: str) -> None:
    assert to_data(value) == text
    assert from_data(text, timedelta) == value


@pytest.mark.parametrize("text", ["P", "PT", "1H", "PT1.5H", "P1W", "PT1H30"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="ISO 8601 duration"):
        from_data(text, timedelta)


@attrs.frozen
class SlaView:
    """A record of the kind later parts add: any mix of the supported field types."""

    stage: FeedbackStage
    due: datetime
    remaining: timedelta
    opens: time
    zone: ZoneInfo
    day: date
    limit: Money | None
    share: float
    breached: bool
    stages: tuple[FeedbackStage, ...]
    totals: Mapping[str, Decimal]
    counts: list[int]
    tags: frozenset[str]
    pair: tuple[int, str]
    per_stage: Mapping[FeedbackStage, tuple[Money, ...]] = attrs.field(factory=dict)
    note: str | None = None


def test_a_new_record_built_from_the_supported_types_needs_no_new_code() -> None:
    view = SlaView(
        FeedbackStage.REVIEW,
        T0,
        timedelta(hours=-3),
        time(8, 30),
        PARIS,
        date(2026, 3, 2),
        Money("1000", "EUR"),
        0.25,
        True,
        (FeedbackStage.REVIEW, FeedbackStage.PAYMENT),
        {"EUR": Decimal("10.50")},
        [1, 2],
        frozenset({"vip"}),
        (3, "x"),
        {FeedbackStage.PAYMENT: (Money("1", "EUR"),)},
    )
    data = to_data(view)
    assert_json_ready(data, scalars=(str, int, bool, float))
    assert data["zone"] == "Europe/Paris"
    assert data["opens"] == "08:30:00"
    assert data["remaining"] == "-PT3H"
    assert from_data(data, SlaView) == view


def test_make_converter_builds_independent_converters_and_leaves_the_global_one_alone() -> None:
    first, second = make_converter(), make_converter()
    assert first is not second
    first.register_unstructure_hook(Money, lambda m: str(m))
    assert second.unstructure(Money("1", "EUR")) == {"amount": "1.00", "currency": "EUR"}
    assert to_data(Money("1", "EUR")) == {"amount": "1.00", "currency": "EUR"}
    assert cattrs.unstructure(Decimal("1.5")) == Decimal("1.5")
    assert cattrs.unstructure(T0) == T0


# --- strategies ---------------------------------------------------------------------------

currencies = st.sampled_from(sorted(MINOR_UNITS))
amounts = st.decimals(
    min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False, places=6
)
moneys = st.builds(Money, amounts, currencies)
# what a claim may hold: no control characters, line breaks or bidi controls (docs/inputs.md)
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
texts = st.text(
    st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters=_BIDI
    ),
    max_size=30,
)
names = texts.filter(lambda s: s.strip() != "")
line_inputs = st.builds(
    LineInput,
    category=names,
    incurred_on=st.dates(date(2020, 1, 1), T0.date()),
    provider=names,
    amount=st.builds(
        Money,
        st.decimals(min_value=Decimal("1.00"), max_value=10**6, places=2),
        st.sampled_from(["EUR", "USD"]),
    ),
    description=texts,
)


@st.composite
def claims(draw: st.DrawFn) -> Claim:
    """A submitted claim with random lines, approved in part or in full, then paid."""
    lines = draw(st.lists(line_inputs, min_size=1, max_size=5))
    c = cmd.start_draft("CL-9", CLAIMANT, "EUR", CUSTOMER, T0, lines, usd_to_eur)
    c = cmd.submit(c, CUSTOMER, at(1), "N-9", require_receipts=False)
    c = cmd.assign(c, SYSTEM, at(1), "R-1", "round_robin", "next")
    cut = draw(st.sampled_from([Decimal(1), Decimal("0.5")]))
    decisions = [LineDecision(line.id, line.claimed * cut, "capped") for line in c.lines]
    c = cmd.approve(c, REVIEWER, at(2), decisions if cut != 1 else [])
    if draw(st.booleans()):
        c = cmd.post_message(c, CUSTOMER, at(3), draw(names))
    return cmd.request_payment(c, SYSTEM, at(4))


@given(moneys)
def test_money_round_trips_exactly(money: Money) -> None:
    data = to_data(money)
    assert data["currency"] == money.currency
    assert Decimal(data["amount"]).as_tuple() == money.amount.as_tuple()
    assert from_data(data, Money) == money


@given(claims())
def test_claims_with_random_lines_round_trip(claim_: Claim) -> None:
    assert from_data(to_data(claim_), Claim) == claim_
    assert from_json(to_json(claim_), Claim) == claim_


# --- refusals ----------------------------------------------------------------------------


def problems_of(data: Any, cls: type[Any]) -> tuple[FieldProblem, ...]:
    with pytest.raises(ValidationError) as caught:
        from_data(data, cls)
    return caught.value.problems


def test_a_naive_datetime_is_refused_when_written() -> None:
    event = attrs.evolve(PAID.events[0], at=datetime(2026, 1, 1, 10, 0))
    with pytest.raises(ValidationError, match="naive datetime 2026-01-01T10:00:00"):
        to_data(event)


def test_a_datetime_without_offset_is_refused_when_read() -> None:
    data = to_data(PAID)
    data["events"][0]["at"] = "2026-01-01T10:00"
    assert problems_of(data, Claim) == (
        FieldProblem(
            "events[0].at",
            "expected an ISO 8601 datetime with a UTC offset, such as "
            "2026-03-02T09:30:00+01:00, got '2026-01-01T10:00'",
        ),
    )


def test_a_float_amount_is_refused() -> None:
    data = to_data(PAID)
    data["lines"][1]["amount"]["amount"] = 240.0
    (problem,) = problems_of(data, Claim)
    assert problem.path == "lines[1].amount.amount"
    assert "send it as a string" in problem.message
    (top,) = problems_of({"amount": 0.1, "currency": "EUR"}, Money)
    assert top.path == "amount"


def test_a_bad_currency_is_refused_by_money_with_its_path() -> None:
    data = to_data(PAID)
    data["lines"][1]["amount"]["currency"] = "EURO"
    assert problems_of(data, Claim) == (
        FieldProblem("lines[1].amount.currency", "'EURO' is not an ISO 4217 currency code"),
    )


def test_a_bad_amount_and_a_bad_currency_are_both_reported() -> None:
    assert problems_of({"amount": "12,30", "currency": "EURO"}, Money) == (
        FieldProblem(
            "amount", "expected a decimal number as a string, e.g. \"12.30\", got '12,30'"
        ),
        FieldProblem("currency", "'EURO' is not an ISO 4217 currency code"),
    )


def test_a_missing_field_is_named() -> None:
    data = to_data(PAID)
    del data["claimant"]["payee_account"]
    del data["payments"][0]["amount"]["currency"]
    assert problems_of(data, Claim) == (
        FieldProblem("claimant.payee_account", "missing"),
        FieldProblem("payments[0].amount.currency", "missing"),
    )


def test_an_extra_key_is_refused() -> None:
    data = to_data(PAID)
    data["lines"][0]["colour"] = "red"
    (problem,) = problems_of(data, Claim)
    assert problem.path == "lines[0].colour"
    assert problem.message.startswith("unknown field; ExpenseLine has: id, category,")


def test_a_wrong_type_deep_inside_a_list_is_named() -> None:
    data = to_data(PAID)
    data["lines"][1]["attachment_ids"] = ["A2", 7]
    data["events"][3]["data"] = {"reviewer": None}
    data["feedback"]["ratings"] = {"reviews": 4}
    assert problems_of(data, Claim) == (
        FieldProblem("lines[1].attachment_ids[1]", "expected a string, got 7"),
        FieldProblem("events[3].data[reviewer]", "expected a string, got None"),
        FieldProblem(
            "feedback.ratings[reviews]",
            "'reviews' is not one of: submission, review, payment, communication",
        ),
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", 123, "expected a string, got 123"),
        ("state", "done", "'done' is not one of: draft, submitted,"),
        ("lines", "L1", "expected a list, got 'L1'"),
        ("claimant", ["C-7"], "expected an object (Claimant), got ['C-7']"),
        ("submitted_at", "2026-02-30T10:00:00+00:00", "expected an ISO 8601 datetime"),
    ],
)
def test_scalars_are_strict(field: str, value: object, message: str) -> None:
    data = to_data(PAID)
    data[field] = value
    (problem,) = problems_of(data, Claim)
    assert problem.path == field
    assert problem.message.startswith(message)


@pytest.mark.parametrize(
    ("value", "message"),
    [("9", "expected an integer, got '9'"), (True, "expected an integer, got True")],
)
def test_integers_are_strict(value: object, message: str) -> None:
    data = to_data(PAID)
    data["events"][0]["seq"] = value
    (problem,) = problems_of(data, Claim)
    assert problem.path == "events[0].seq"
    assert problem.message.startswith(message)


def test_the_error_is_the_library_validation_error_and_reads_well() -> None:
    with pytest.raises(ValidationError) as caught:
        from_data({"id": "CL-1"}, Claim)
    error = caught.value
    assert isinstance(error, ReimbursementError)
    assert isinstance(error, ValueError)
    assert {p.path for p in error.problems} == {
        "claimant",
        "currency",
        "state",
        "created_at",
    }
    assert str(error).startswith("invalid Claim: claimant: missing;")


def test_not_an_object_at_the_top() -> None:
    assert problems_of([1], Claim) == (FieldProblem("", "expected an object (Claim), got [1]"),)


def test_bad_json_text_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"not valid JSON: .*line 1, column 2"):
        from_json("{oops", Claim)


def test_json_text_is_compact_and_keeps_accents() -> None:
    text = to_json(CLAIMANT)
    assert "Zoë" in text
    assert ", " not in text
    assert json.loads(text)["policy_number"] == "POL-1"
    assert from_json(text.encode(), Claimant) == CLAIMANT


def test_a_list_of_claims_reports_the_index_first() -> None:
    data = [to_data(PAID), to_data(REJECTED)]
    data[1]["decisions"][0]["outcome"] = "maybe"
    (problem,) = problems_of(data, list[Claim])  # type: ignore[arg-type]
    assert problem.path == "[1].decisions[0].outcome"
    assert from_data(data[:1], list[Claim]) == [PAID]  # type: ignore[arg-type]


def test_an_amount_too_large_for_its_currency_is_a_problem_not_a_crash() -> None:
    # 28 digits are a decimal the format reads; two more decimals for EUR are too many
    (problem,) = problems_of({"amount": "9" * 28, "currency": "EUR"}, Money)
    assert problem.path == "amount"
    assert problem.message.endswith("is too large for an amount of money")


@attrs.frozen
class Window:
    """A record whose constructor checks its own fields, as later records may."""

    start: int = attrs.field(validator=attrs.validators.ge(0))
    end: int = 0

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError.at("end", "must not be before start")


@attrs.frozen
class Schedule:
    windows: tuple[Window, ...]


def test_errors_raised_by_a_constructor_get_the_path_of_the_record() -> None:
    data = {"windows": [{"start": 1, "end": 2}, {"start": 5, "end": 3}, {"start": -1}]}
    problems = problems_of(data, Schedule)
    assert problems[0] == FieldProblem("windows[1].end", "must not be before start")
    assert problems[1].path == "windows[2]"
    assert "'start' must be >= 0: -1" in problems[1].message
    assert problems_of({"start": 5, "end": 3}, Window) == (
        FieldProblem("end", "must not be before start"),
    )


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    LOW = 1


@pytest.mark.parametrize(("member", "value"), [(Colour.RED, "red"), (Level.LOW, 1)])
def test_plain_and_int_enums_travel_by_value_too(member: enum.Enum, value: object) -> None:
    data = to_data(member)
    assert type(data) is type(value)
    assert data == value
    assert from_data(value, type(member)) is member
    (problem,) = problems_of(str(value) * 2 if isinstance(value, str) else 2, type(member))
    assert problem.message.endswith(f"is not one of: {value}")
