"""The wire format's grammar and limits, each tested at its boundary: the limit passes, one
more is refused, and every refusal is a ValidationError naming the field."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Claim, Money
from reimbursement.claims import Attachment, Claimant, Event, PaymentRecord
from reimbursement.errors import MAX_PROBLEMS, FieldProblem, ValidationError
from reimbursement.feedback import Feedback
from reimbursement.serialization import (
    MAX_DECIMAL_DIGITS,
    MAX_DEPTH,
    MAX_INTEGER,
    MAX_JSON_SIZE,
    MAX_STRING_LENGTH,
    from_data,
    from_json,
    parse_json,
    to_data,
    to_json,
)
from reimbursement.serialization._limits import check_written
from reimbursement.testing import rich_claim

T = TypeVar("T")

CLAIM = rich_claim("claim-1")
ATTACHMENT = CLAIM.attachments[0]


def refused(read: Callable[[], object]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        read()
    return caught.value


def problem(read: Callable[[], object]) -> FieldProblem:
    (only,) = refused(read).problems
    return only


def claim_data() -> dict[str, Any]:
    data: dict[str, Any] = to_data(CLAIM)
    return data


def nested(depth: int, inner: object = None) -> Any:
    """``depth`` lists, one inside the other, around ``inner`` (``None``: nothing)."""
    value: Any = [] if inner is None else [inner]
    for _ in range(depth - 1):
        value = [value]
    return value


# --- nesting -------------------------------------------------------------------------------


def test_json_text_nested_to_the_limit_is_parsed_and_one_more_level_is_refused() -> None:
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert problem(lambda: from_json(at_limit, Claim)).message.startswith(
        "expected an object (Claim)"  # parsed, then refused as not being a claim
    )
    deeper = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert problem(lambda: from_json(deeper, Claim)).message == (
        f"arrays and objects nest {MAX_DEPTH + 1} deep; the limit is {MAX_DEPTH}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "[" * 1000 + "]" * 1000,
        '{"a":' * 1000 + "1" + "}" * 1000,
        "[" * 100_000,  # unbalanced: json would recurse before it saw the missing end
        '{"id": ' + "[" * 5000 + "]" * 5000 + "}",
    ],
    ids=["lists", "objects", "unbalanced", "inside-a-field"],
)
def test_deep_json_is_refused_without_recursion_whatever_the_callers_stack(text: str) -> None:
    def at_depth(frames_left: int) -> ValidationError:
        if frames_left > 80:  # leave the call 80 frames of the interpreter's limit
            return at_depth(frames_left - 1)
        return refused(lambda: from_json(text, Claim))

    error = at_depth(sys.getrecursionlimit() - len(_stack()))
    assert "deep; the limit is 32" in str(error)


def _stack() -> list[object]:
    frames, frame = [], sys._getframe()
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back  # type: ignore[assignment]
    return frames


def test_data_nested_to_the_limit_is_read_and_one_more_level_is_refused_with_its_path() -> None:
    data = claim_data()
    data["lines"][0]["amount"]["amount"] = nested(MAX_DEPTH - 4)  # claim, lines, line, amount
    assert problem(lambda: from_data(data, Claim)).message.startswith("expected a decimal number")
    data["lines"][0]["amount"]["amount"] = nested(MAX_DEPTH - 3)
    found = problem(lambda: from_data(data, Claim))
    assert found.path == "lines[0].amount.amount" + "[0]" * (MAX_DEPTH - 4)
    assert found.message == f"nested deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize("field", ["amount", "currency"])
def test_data_nested_a_thousand_deep_in_money_is_a_validation_error(field: str) -> None:
    data = claim_data()
    data["lines"][0]["amount"][field] = nested(1000)
    found = problem(lambda: from_data(data, Claim))
    assert found.path.startswith(f"lines[0].amount.{field}[0]")


def test_data_that_holds_itself_is_refused() -> None:
    loop: list[object] = []
    loop.append(loop)
    assert "nested deeper" in problem(lambda: from_data(loop, Claim)).message


# --- size ----------------------------------------------------------------------------------


def test_json_text_up_to_the_size_limit_is_parsed_and_one_byte_more_is_refused() -> None:
    at_limit = '"' + "a" * (MAX_JSON_SIZE - 2) + '"'
    assert "characters long" in problem(lambda: from_json(at_limit, str)).message
    too_large = f"{at_limit} "
    assert problem(lambda: from_json(too_large, str)).message == (
        f"the JSON text is {MAX_JSON_SIZE + 1:,} bytes; the limit is {MAX_JSON_SIZE:,}"
    )
    assert "bytes; the limit" in problem(lambda: from_json(too_large.encode(), str)).message


def test_the_size_limit_counts_bytes_of_utf8_not_characters() -> None:
    two_byte_chars = (MAX_JSON_SIZE - 2) // 2  # "é" is two bytes of UTF-8
    at_limit = '"' + "é" * two_byte_chars + '"'
    assert "characters long" in problem(lambda: from_json(at_limit, str)).message
    over = '"' + "é" * (two_byte_chars + 1) + '"'
    assert len(over) < MAX_JSON_SIZE
    assert "bytes; the limit" in problem(lambda: from_json(over, str)).message


def test_bytes_that_are_not_utf8_are_refused() -> None:
    assert problem(lambda: from_json(b'"caf\xe9"', str)).message == (
        "not UTF-8 text: byte 4 cannot be decoded"
    )
    assert from_json('"café"'.encode(), str) == "café"
    assert "not valid JSON" in problem(lambda: from_json(b'\xef\xbb\xbf"x"', str)).message


def test_json_text_must_be_text() -> None:
    assert "expected JSON text" in problem(lambda: from_json(12, str)).message  # type: ignore[arg-type]


# --- strings -------------------------------------------------------------------------------


def test_a_string_up_to_the_length_limit_is_read_and_one_character_more_is_refused() -> None:
    data = to_data(CLAIM.claimant)
    data["name"] = "x" * MAX_STRING_LENGTH
    assert from_data(data, Claimant).name == data["name"]
    data["name"] += "x"
    assert problem(lambda: from_data(data, Claimant)) == FieldProblem(
        "name", f"{MAX_STRING_LENGTH + 1:,} characters long; the limit is {MAX_STRING_LENGTH:,}"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"name": "\\ud800"}', "holds a lone surrogate ('\\ud800') at position 0"),
        ('{"name": "ab\\udfff"}', "holds a lone surrogate ('\\udfff') at position 2"),
        ('{"name": "a\\u0000"}', "holds a NUL character at position 1"),
    ],
)
def test_strings_that_cannot_be_stored_are_refused(text: str, message: str) -> None:
    found = problem(lambda: from_json(_claimant_json(text), Claimant))
    assert found.path == "name"
    assert found.message.startswith(message)


def _claimant_json(name_json: str) -> str:
    body = to_json(CLAIM.claimant)
    value = name_json.split(":", 1)[1].strip()[:-1]
    return body.replace('"name":"Customer cust-1"', f'"name":{value}')


def test_a_pair_of_surrogates_is_one_character_and_is_kept() -> None:
    assert from_json(_claimant_json('{"name": "\\ud83d\\ude00"}'), Claimant).name == "😀"


def test_a_lone_surrogate_given_from_python_is_refused_too() -> None:
    data = to_data(CLAIM.claimant)
    data["email"] = "a\ud800@example.org"
    assert problem(lambda: from_data(data, Claimant)).path == "email"
    assert problem(lambda: from_json(to_json(data), Claimant)).path == "email"


# --- integers ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [MAX_INTEGER, -MAX_INTEGER, 0])
def test_integers_up_to_the_limit_are_read(size: int) -> None:
    data = to_data(ATTACHMENT)
    data["size"] = size
    assert from_data(data, Attachment).size == size
    assert from_json(to_json(data), Attachment).size == size


@pytest.mark.parametrize(
    "size", [MAX_INTEGER + 1, -MAX_INTEGER - 1, 10**5000], ids=["max+1", "-max-1", "10**5000"]
)
def test_integers_beyond_the_limit_are_refused_with_their_path(size: int) -> None:
    data = to_data(ATTACHMENT)
    data["size"] = size
    found = problem(lambda: from_data(data, Attachment))
    assert found.path == "size"
    assert found.message.endswith(f"is beyond the limit of {MAX_INTEGER:,} in magnitude")
    assert len(found.message) < 120


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (CLAIM.events[0], "seq"),
        (ATTACHMENT, "size"),
        (CLAIM.payments[0], "attempt"),
        (Feedback(CLAIM.created_at, nps=9), "nps"),
    ],
    ids=["Event.seq", "Attachment.size", "PaymentRecord.attempt", "Feedback.nps"],
)
@pytest.mark.parametrize("digits", [4301, 5000])
def test_a_json_integer_of_thousands_of_digits_is_refused_with_its_path(
    record: object, field: str, digits: int
) -> None:
    text = to_json(record)
    value = str(to_data(record)[field])
    huge = text.replace(f'"{field}":{value}', f'"{field}":{"9" * digits}', 1)
    found = problem(lambda: from_json(huge, type(record)))
    assert found == FieldProblem(
        field,
        f"an integer of {digits:,} digits; integers are at most {MAX_INTEGER:,} in size",
    )
    data = to_data(record)
    data[field] = 10**digits
    assert problem(lambda: from_data(data, type(record))).path == field


def test_every_int_field_refuses_what_a_64_bit_column_cannot_hold() -> None:
    for record, field in ((CLAIM.events[0], "seq"), (CLAIM.payments[0], "attempt")):
        data = to_data(record)
        data[field] = 2**63
        assert problem(lambda data=data, r=record: from_data(data, type(r))).path == field


def test_a_json_integer_of_twenty_characters_is_read_and_checked_against_the_limit() -> None:
    assert from_json(str(-MAX_INTEGER), int) == -MAX_INTEGER
    assert "beyond the limit" in problem(lambda: from_json(str(-MAX_INTEGER - 1), int)).message


def test_json_nan_and_infinity_are_refused_with_their_path() -> None:
    text = to_json(CLAIM.claimant).replace('"language":"en"', '"language":NaN')
    assert problem(lambda: from_json(text, Claimant)) == FieldProblem(
        "language", "NaN is not a JSON number"
    )
    assert problem(lambda: from_json("[1, -Infinity]", list[int])).path == "[1]"


# --- decimals and money --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["1" * MAX_DECIMAL_DIGITS, "0." + "1" * (MAX_DECIMAL_DIGITS - 1), "-12.30", "007"]
)
def test_decimals_of_up_to_the_digit_limit_are_read_exactly(text: str) -> None:
    assert from_data(text, Decimal) == Decimal(text)


@pytest.mark.parametrize(
    "text",
    ["1" * (MAX_DECIMAL_DIGITS + 1), "0." + "1" * MAX_DECIMAL_DIGITS, "9" * 300_000],
    ids=["29-integer-digits", "29-digits", "300000-digits"],
)
def test_decimals_of_more_digits_are_refused(text: str) -> None:
    found = problem(lambda: from_data(text, Decimal))
    assert found.message.endswith(f"has more than {MAX_DECIMAL_DIGITS} digits")
    assert len(found.message) < 150


@pytest.mark.parametrize(
    "amount",
    [
        "١٢.٣٠",  # Arabic-Indic digits
        "１２.３０",  # full-width digits
        "𝟏𝟐.𝟑𝟎",  # mathematical bold digits
        " 12.30",
        "12.30 ",
        "1_000",
        "+12.30",
        "12.",
        ".5",
        "1e3",
        "12,30",
        "NaN",
        "Infinity",
        "",
    ],
)
def test_an_amount_is_ascii_digits_with_an_optional_sign_and_point_and_nothing_else(
    amount: str,
) -> None:
    found = problem(lambda: from_data({"amount": amount, "currency": "EUR"}, Money))
    assert found.path == "amount"
    assert found.message.startswith('expected a decimal number as a string, e.g. "12.30"')


def test_writing_refuses_a_decimal_that_reading_would_refuse() -> None:
    for value in (Decimal("NaN"), Decimal("Infinity"), Decimal("1E+30"), Decimal("1E-30")):
        with pytest.raises(ValidationError, match="the format's decimals are finite"):
            to_data(value)
    assert to_data(Decimal("1" * MAX_DECIMAL_DIGITS)) == "1" * MAX_DECIMAL_DIGITS


def test_an_amount_more_precise_than_its_currency_is_refused_not_rounded() -> None:
    found = problem(lambda: from_data({"amount": "12.345", "currency": "EUR"}, Money))
    assert found.path == "amount"
    assert "more decimals than EUR has (2)" in found.message
    assert from_data({"amount": "12.340", "currency": "EUR"}, Money) == Money("12.34", "EUR")
    assert from_data({"amount": "1500.00", "currency": "JPY"}, Money) == Money("1500", "JPY")
    assert from_data({"amount": "12.3", "currency": "EUR"}, Money) == Money("12.30", "EUR")


@pytest.mark.parametrize("currency", ["EURO", "eur", "", "XXX", "E" * 300_000, "EUR\ud800"])
def test_a_currency_is_an_iso_4217_code_and_the_message_quotes_a_short_prefix(
    currency: str,
) -> None:
    found = problem(lambda: from_data({"amount": "1", "currency": currency}, Money))
    assert found.path == "currency"
    assert found.message.endswith("is not an ISO 4217 currency code")
    assert len(found.message) < 140
    found.message.encode("utf-8")  # a message is always writable, whatever it quotes


# --- duplicate keys ------------------------------------------------------------------------


def test_a_key_given_twice_is_refused_with_its_path() -> None:
    text = to_json(CLAIM.claimant).replace('"language":"en"', '"language":"en","name":"Eve"')
    assert problem(lambda: from_json(text, Claimant)) == FieldProblem(
        "name", "given twice in one object"
    )
    deep = to_json(CLAIM).replace('"currency":"USD"', '"currency":"USD","currency":"EUR"', 1)
    assert problem(lambda: from_json(deep, Claim)) == FieldProblem(
        "lines[1].amount.currency", "given twice in one object"
    )


def test_every_key_given_twice_is_listed() -> None:
    text = '{"amount": "1", "amount": "2", "currency": "EUR", "currency": "EUR"}'
    assert [p.path for p in refused(lambda: from_json(text, Money)).problems] == [
        "amount",
        "currency",
    ]


# --- datetimes, dates, times, durations, zones ---------------------------------------------

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T09:30:00+01:00", datetime(2026, 3, 2, 9, 30, tzinfo=PARIS)),
        ("2026-03-02T08:30:00Z", datetime(2026, 3, 2, 9, 30, tzinfo=PARIS)),
        ("2026-03-02T09:30:00.5+01:00", datetime(2026, 3, 2, 9, 30, 0, 500_000, tzinfo=PARIS)),
        (
            "2026-03-02T09:30:00.123456-05:00",
            datetime(2026, 3, 2, 14, 30, 0, 123456, tzinfo=UTC),
        ),
    ],
)
def test_the_datetimes_the_format_reads(text: str, expected: datetime) -> None:
    assert from_data(text, datetime) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02 09:30:00+01:00",  # a space for the T
        "2026-03-02t09:30:00+01:00",
        "2026-03-02T09:30:00",  # no offset
        "2026-03-02T09:30+01:00",  # no seconds
        "20260302T093000+0100",
        "2026-W10-1T09:30:00+01:00",
        "٢٠٢٦-03-02T09:30:00+01:00",
        "2026-03-02T09:30:00+24:00",
        "2026-02-30T09:30:00+01:00",
        "2026-03-02T09:30:00+01:00" + " " * 100_000,
    ],
)
def test_datetimes_outside_the_grammar_are_refused(text: str) -> None:
    found = problem(lambda: from_data(text, datetime))
    assert found.message.startswith("expected an ISO 8601 datetime with a UTC offset")
    assert len(found.message) < 200


def test_more_than_six_decimals_of_a_second_are_refused_not_cut() -> None:
    assert from_data("2026-03-02T09:30:00.123456+01:00", datetime).microsecond == 123456
    found = problem(lambda: from_data("2026-03-02T09:30:00.1234567+01:00", datetime))
    assert "more than 6 decimals of a second" in found.message
    data = to_data(CLAIM)
    data["events"][0]["at"] = "2026-03-02T09:00:00.123456789+00:00"
    assert problem(lambda: from_data(data, Claim)).path == "events[0].at"


def test_an_offset_of_seconds_round_trips() -> None:
    # Paris kept its local mean time, 9 minutes 21 seconds ahead of Greenwich, until 1911
    then = datetime(1900, 1, 1, 12, 0, tzinfo=PARIS)
    assert to_data(then) == "1900-01-01T12:00:00+00:09:21"
    assert from_data(to_data(then), datetime) == then


def test_writing_refuses_an_offset_of_a_fraction_of_a_second() -> None:
    odd = datetime(2026, 1, 1, tzinfo=timezone(timedelta(microseconds=1)))
    with pytest.raises(ValidationError, match="a UTC offset is whole seconds"):
        to_data(odd)


@pytest.mark.parametrize("text", ["20260302", "2026-W10-1", "2026-3-2", "2026-03-02T00:00:00"])
def test_a_date_is_yyyy_mm_dd_only(text: str) -> None:
    assert from_data("2026-03-02", date) == date(2026, 3, 2)
    assert "ISO 8601 date (YYYY-MM-DD)" in problem(lambda: from_data(text, date)).message


@pytest.mark.parametrize("text", ["09:30", "0930", "09:30:00+01:00", "9:30:00", "09:30:00Z"])
def test_a_time_is_hh_mm_ss_without_offset(text: str) -> None:
    assert from_data("09:30:00.25", time) == time(9, 30, 0, 250_000)
    assert "ISO 8601 time (HH:MM:SS)" in problem(lambda: from_data(text, time)).message


def test_writing_refuses_a_time_with_an_offset() -> None:
    with pytest.raises(ValidationError, match="a time of day travels without an offset"):
        to_data(time(9, 30, tzinfo=UTC))


def test_durations_are_ascii_and_bounded() -> None:
    assert from_data("P999999999D", timedelta) == timedelta(days=999_999_999)
    assert (
        "beyond 999,999,999 days"
        in problem(lambda: from_data("PT99999999999H", timedelta)).message
    )
    for text in ("P1000000000D", "P١D", "PT１H"):
        assert "ISO 8601 duration" in problem(lambda t=text: from_data(t, timedelta)).message
    assert from_data("PT0.000001S", timedelta) == timedelta(microseconds=1)


@pytest.mark.parametrize("text", ["../etc/passwd", "/etc/passwd", "Europe/" + "x" * 100, ""])
def test_a_zone_is_an_iana_key(text: str) -> None:
    assert from_data("America/Argentina/Buenos_Aires", ZoneInfo).key.endswith("Buenos_Aires")
    assert "IANA time zone" in problem(lambda: from_data(text, ZoneInfo)).message


# --- how much an error says ----------------------------------------------------------------


def test_a_hundred_thousand_unknown_keys_give_a_short_message_and_a_count() -> None:
    data = to_data(CLAIM.claimant)
    data.update({f"k{i}": 1 for i in range(100_000)})
    error = refused(lambda: from_data(data, Claimant))
    assert len(error.problems) == MAX_PROBLEMS
    assert error.omitted == 100_000 - MAX_PROBLEMS
    assert str(error).endswith(f"… and {100_000 - MAX_PROBLEMS:,} more problems")
    assert len(str(error)) < 5_000


def test_a_huge_bad_value_is_quoted_by_a_short_prefix() -> None:
    data = claim_data()
    data["lines"][0]["amount"]["currency"] = "E" * 300_000
    data["state"] = "x" * 300_000
    error = refused(lambda: from_data(data, Claim))
    assert len(str(error)) < 1_000
    assert "(300,000 characters)" in str(error)


def test_unknown_keys_of_any_length_give_bounded_paths() -> None:
    data = to_data(CLAIM.claimant)
    data["k" * MAX_STRING_LENGTH] = 1
    found = problem(lambda: from_data(data, Claimant))
    assert len(found.path) <= 200


def test_a_record_read_can_always_be_written_back() -> None:
    for record in (CLAIM, *CLAIM.events, *CLAIM.lines, CLAIM.payments[0], ATTACHMENT):
        text = to_json(record)
        back = from_json(text, type(record))
        assert to_json(back).encode("utf-8") == text.encode("utf-8")


def test_the_payment_record_reads_its_attempt_strictly() -> None:
    data = to_data(CLAIM.payments[0])
    data["attempt"] = 10**5000
    assert problem(lambda: from_data(data, PaymentRecord)).path == "attempt"
    data["attempt"] = True
    assert (
        problem(lambda: from_data(data, PaymentRecord)).message == "expected an integer, got True"
    )


def test_an_event_of_the_claim_reads_back() -> None:
    assert from_json(to_json(CLAIM.events[0]), Event) == CLAIM.events[0]


def test_parse_json_is_the_text_half_of_from_json() -> None:
    assert parse_json('{"a": [1, "x"]}') == {"a": [1, "x"]}
    for text in ("[" * (MAX_DEPTH + 1), '{"a": 1, "a": 2}', "[NaN]", "{oops", b"\xff"):
        with pytest.raises(ValidationError):
            parse_json(text)


@pytest.mark.parametrize(
    "name",
    ["[" * 100, "]" * 100 + "{" * 50, '\\"' + "[" * 100, "\\\\" + "]" * 100 + '\\"'],
    ids=["openers", "closers", "after-an-escaped-quote", "after-an-escaped-backslash"],
)
def test_brackets_inside_strings_are_text_not_nesting(name: str) -> None:
    text = _claimant_json(f'{{"name": "{name}"}}')
    assert from_json(text, Claimant).name == json.loads(f'"{name}"')
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    hidden = f'["{name}", {deep}]'  # closers in a string do not hide nesting after it
    assert "deep; the limit" in problem(lambda: from_json(hidden, list[Any])).message


def test_a_refused_value_after_clean_text_is_found_at_its_path() -> None:
    text = to_json(CLAIM).replace('"seq":8,', '"seq":' + "7" * 30 + ",", 1)
    assert problem(lambda: from_json(text, Claim)).path == "events[7].seq"


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"name": "a\x00b"}, "name", "holds a NUL character at position 1"),
        ({"email": "\ud800"}, "email", "holds a lone surrogate ('\\ud800') at position 0"),
        ({"policy_number": "x" * (MAX_STRING_LENGTH + 1)}, "policy_number", "characters long"),
    ],
    ids=["nul", "surrogate", "too-long"],
)
def test_writing_refuses_a_string_reading_would_refuse(
    change: dict[str, str], path: str, message: str
) -> None:
    import attrs

    record = attrs.evolve(CLAIM.claimant, **change)
    with pytest.raises(ValidationError) as caught:
        to_data(record)
    (found,) = caught.value.problems
    assert found.path == path
    assert found.message.startswith("cannot write it: ")
    assert message in found.message
    assert to_data(attrs.evolve(CLAIM.claimant, name="x" * MAX_STRING_LENGTH))


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("a\x00b", "holds a NUL character at position 1"),
        ("\ud800", "holds a lone surrogate"),
        ("x" * (MAX_STRING_LENGTH + 1), "characters long"),
        (MAX_INTEGER + 1, "beyond the limit"),
    ],
    ids=["nul", "surrogate", "too-long", "huge-int"],
)
def test_writing_refuses_a_key_reading_would_refuse(key: Any, message: str) -> None:
    # keys are checked together (joined): each bad one is still found, among good ones
    data = {"ok": 1, key: 2, "é": 3}
    with pytest.raises(ValidationError) as caught:
        check_written({"outer": [data]})
    (found,) = caught.value.problems
    assert found.path.startswith("outer[0]")
    assert message in found.message
    check_written({"outer": [{"ok": 1, "x" * MAX_STRING_LENGTH: 2, "é": 3, 5: 4}]})


def test_writing_refuses_an_integer_reading_would_refuse() -> None:
    import attrs

    with pytest.raises(ValidationError) as caught:
        to_json(attrs.evolve(ATTACHMENT, size=10**5000))
    assert caught.value.problems[0].path == "size"
    assert to_data(attrs.evolve(ATTACHMENT, size=MAX_INTEGER))["size"] == MAX_INTEGER
    with pytest.raises(ValidationError):
        to_data(attrs.evolve(ATTACHMENT, size=MAX_INTEGER + 1))


_JSON_NOISE = st.text(alphabet='[]{}",:\\0123456789.-eEtruefalsnNaIfiy \ud800\x00é', max_size=12)


@given(data=st.data())
def test_json_text_cut_or_spliced_anywhere_is_read_or_refused_with_a_validation_error(
    data: st.DataObject,
) -> None:
    text = to_json(CLAIM)
    start = data.draw(st.integers(0, len(text)), label="start")
    end = data.draw(st.integers(start, min(len(text), start + 40)), label="end")
    spliced = text[:start] + data.draw(_JSON_NOISE, label="noise") + text[end:]
    try:
        claim = from_json(spliced, Claim)
    except ValidationError as error:
        str(error).encode("utf-8")
        return
    assert to_json(claim)  # what was read can be written
