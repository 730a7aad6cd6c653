"""The wire format's scalar hooks, each strict about what it reads.

Strings, numbers, ``Decimal``, ``Money``, datetimes, dates, times,
durations, zones and enums; :mod:`reimbursement.serialization` documents the
format and registers these on its converter. Each reads one grammar, in
ASCII digits only (``re``'s ``\\d`` would take Arabic-Indic and full-width
digits too), and refuses what it cannot keep exactly rather than round it.
"""

from __future__ import annotations

import contextlib
import decimal
import enum
import math
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .._show import show
from ..domain.currencies import MINOR_UNITS
from ..domain.money import Money
from ..errors import FieldProblem, ValidationError
from ._limits import MAX_DECIMAL_DIGITS, MAX_STRING_LENGTH, check_int, check_string

T = TypeVar("T")

_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_DECIMAL_CHARACTERS = MAX_DECIMAL_DIGITS + 2  # a sign and a point
_DURATION = re.compile(
    r"(-)?P(?!$)(?:([0-9]{1,9})D)?"
    r"(?:T(?=[0-9])(?:([0-9]{1,12})H)?(?:([0-9]{1,12})M)?(?:([0-9]{1,12}(?:\.[0-9]{1,6})?)S)?)?"
)
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
_DATETIME = re.compile(f"{_DATE}T{_TIME}(?:Z|[+-][0-9]{{2}}:[0-9]{{2}}(?::[0-9]{{2}})?)")
_FINE_SECONDS = re.compile(r":[0-9]{2}\.[0-9]{7}")
_DATE_ONLY = re.compile(_DATE)
_TIME_ONLY = re.compile(_TIME)
_ZONE = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+){0,3}")
_ZONE_LENGTH = 64
_ISO_LENGTH = 40  # the longest datetime is 35 characters


def bad(message: str) -> ValidationError:
    return ValidationError.at("", message)


def structure_str(value: object, cls: type[Any]) -> Any:
    if cls is not str:  # a str subclass: StrEnum lands here through singledispatch
        return structure_enum(value, cls)
    if type(value) is not str:
        raise bad(f"expected a string, got {show(value)}")
    if len(value) > MAX_STRING_LENGTH or "\x00" in value or not value.isascii():
        check_string(value)
    return value


def structure_int(value: object, cls: type[Any]) -> Any:
    if cls is not int:  # IntEnum, as for str
        return structure_enum(value, cls)
    if type(value) is not int:
        raise bad(f"expected an integer, got {show(value)}")
    return check_int(value)


def structure_float(value: object, _: type[Any]) -> float:
    if type(value) is int:
        return float(check_int(value))
    if type(value) is not float or not math.isfinite(value):
        raise bad(f"expected a number, got {show(value)}")
    return value


def unstructure_float(value: float) -> float:
    if not math.isfinite(value):
        raise bad(f"cannot write {value!r}: JSON has no such number")
    return value


def structure_bool(value: object, _: type[Any]) -> bool:
    if not isinstance(value, bool):
        raise bad(f"expected true or false, got {show(value)}")
    return value


def structure_enum(value: object, cls: type[Any]) -> Any:
    if not issubclass(cls, enum.Enum):
        raise bad(f"expected a {cls.__name__}, got {show(value)}")
    try:
        return cls(value)
    except (ValueError, TypeError):  # TypeError: an unhashable value
        allowed = ", ".join(str(m.value) for m in cls)
        raise bad(f"{show(value)} is not one of: {allowed}") from None


def enum_value(member: enum.Enum) -> Any:
    return member.value


def _digits(text: str) -> int:
    return len(text) - text.startswith("-") - ("." in text)


def parse_decimal(value: object) -> Decimal:
    if type(value) is int:
        return Decimal(check_int(value))
    if type(value) is float:
        if not math.isfinite(value):
            raise bad(f'expected a decimal number as a string, e.g. "12.30", got {value!r}')
        raise bad(
            f"{value!r} is a JSON number with a fraction: send it as a string, "
            f'e.g. "{value}", so that no digit is lost'
        )
    if type(value) is str and len(value) <= _DECIMAL_CHARACTERS and _DECIMAL.fullmatch(value):
        if _digits(value) > MAX_DECIMAL_DIGITS:
            raise bad(f"{show(value)} has more than {MAX_DECIMAL_DIGITS} digits")
        return Decimal(value)
    if type(value) is str and _DECIMAL.fullmatch(value[: _DECIMAL_CHARACTERS * 2]):
        raise bad(f"{show(value)} has more than {MAX_DECIMAL_DIGITS} digits")
    raise bad(f'expected a decimal number as a string, e.g. "12.30", got {show(value)}')


def unstructure_decimal(value: Decimal) -> str:
    text = format(value, "f")
    if not value.is_finite() or _digits(text) > MAX_DECIMAL_DIGITS:
        raise bad(
            f"cannot write {show(value)}: the format's decimals are finite, "
            f"of at most {MAX_DECIMAL_DIGITS} digits"
        )
    return text


def unstructure_money(money: Money) -> dict[str, str]:
    return {"amount": format(money.amount, "f"), "currency": money.currency}


def structure_money(value: object, _: type[Any]) -> Money:
    if type(value) is not dict:
        raise bad(
            f'expected an object {{"amount": "12.30", "currency": "EUR"}}, got {show(value)}'
        )
    problems = [FieldProblem(k, "missing") for k in ("amount", "currency") if k not in value]
    problems += [
        FieldProblem(str(k), "unknown field; Money has: amount, currency")
        for k in value
        if k not in ("amount", "currency")
    ]
    amount: Decimal | None = None
    if "amount" in value:
        try:
            amount = parse_decimal(value["amount"])
        except ValidationError as error:
            problems.append(FieldProblem("amount", error.problems[0].message))
    currency = value.get("currency")
    money = None
    if "currency" in value and type(currency) is not str:
        problems.append(
            FieldProblem("currency", f"expected a currency code, got {show(currency)}")
        )
    if isinstance(currency, str):
        try:
            # Money checks the currency (and rounds); probe it even when the amount is
            # bad so that one answer lists both problems.
            money = Money(Decimal(0) if amount is None else amount, currency)
        except ValidationError as error:
            problems.extend(error.problems)
        except decimal.InvalidOperation:  # more digits than Decimal's 28 once rounded
            problems.append(FieldProblem("amount", f"{show(value['amount'])} is too large"))
        if money is not None and amount is not None and money.amount != amount:
            places = MINOR_UNITS[currency]
            problems.append(
                FieldProblem(
                    "amount",
                    f"{show(value['amount'])} has more decimals than {currency} has "
                    f"({places}): round it before sending, the format never rounds",
                )
            )
    if problems:
        raise ValidationError("invalid money", problems)
    assert money is not None, "a str currency without problems made a Money"
    return money


def unstructure_datetime(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise bad(
            f"cannot write the naive datetime {value.isoformat()}: "
            "give it a time zone (the library keeps aware datetimes only)"
        )
    if offset.microseconds:
        raise bad(f"cannot write {value.isoformat()}: a UTC offset is whole seconds")
    return value.isoformat()


def structure_datetime(value: object, _: type[Any]) -> datetime:
    if type(value) is str and len(value) <= _ISO_LENGTH and _DATETIME.fullmatch(value):
        with contextlib.suppress(ValueError):  # a day or an hour out of range
            return datetime.fromisoformat(value)
    if type(value) is str and _FINE_SECONDS.search(value[:_ISO_LENGTH]):
        raise bad(
            f"{show(value)} has more than 6 decimals of a second: the format keeps "
            "microseconds and never cuts a time short"
        )
    raise bad(
        "expected an ISO 8601 datetime with a UTC offset, such as "
        f"2026-03-02T09:30:00+01:00, got {show(value)}"
    )


def structure_date(value: object, _: type[Any]) -> date:
    return _from_iso(value, _DATE_ONLY, date.fromisoformat, "an ISO 8601 date (YYYY-MM-DD)")


def unstructure_time(value: time) -> str:
    if value.utcoffset() is not None:
        raise bad(f"cannot write {value.isoformat()}: a time of day travels without an offset")
    return value.isoformat()


def structure_time(value: object, _: type[Any]) -> time:
    return _from_iso(value, _TIME_ONLY, time.fromisoformat, "an ISO 8601 time (HH:MM:SS)")


def _from_iso(
    value: object, grammar: re.Pattern[str], parse: Callable[[str], T], expected: str
) -> T:
    if type(value) is str and len(value) <= _ISO_LENGTH and grammar.fullmatch(value):
        with contextlib.suppress(ValueError):  # a day or an hour out of range
            return parse(value)
    raise bad(f"expected {expected}, got {show(value)}")


def unstructure_timedelta(value: timedelta) -> str:
    sign, value = ("-", -value) if value < timedelta(0) else ("", value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n) + (
        f"{seconds}{fraction}S" if seconds or fraction else ""
    )
    days = f"{value.days}D" if value.days else ""
    if not days and not clock:
        clock = "0S"
    return f"{sign}P{days}{'T' + clock if clock else ''}"


def structure_timedelta(value: object, _: type[Any]) -> timedelta:
    match = _DURATION.fullmatch(value) if type(value) is str else None
    if match is None:
        raise bad(f'expected an ISO 8601 duration such as "P1DT2H30M", got {show(value)}')
    sign, days, hours, minutes, seconds = match.groups()
    whole, _point, fraction = (seconds or "0").partition(".")
    try:
        result = timedelta(
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=int(whole),
            microseconds=int(fraction.ljust(6, "0")),  # exact: no float on the way
        )
    except OverflowError:
        raise bad(f"{show(value)} is beyond {timedelta.max.days:,} days") from None
    return -result if sign else result


def structure_zone(value: object, _: type[Any]) -> ZoneInfo:
    if type(value) is str and len(value) <= _ZONE_LENGTH and _ZONE.fullmatch(value):
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise bad(f"expected an IANA time zone such as 'Europe/Paris', got {show(value)}")
