"""The wire format's scalar hooks, each strict about what it reads.

Strings, numbers, ``Decimal``, ``Money``, datetimes, dates, times,
durations, zones and enums; :mod:`reimbursement.serialization` documents the
format and registers these on its converter.
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

from ..domain.money import Money
from ..errors import FieldProblem, ValidationError

T = TypeVar("T")

_DECIMAL = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_DURATION = re.compile(
    r"(-)?P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,6})?)S)?)?"
)


def show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def bad(message: str) -> ValidationError:
    return ValidationError.at("", message)


def structure_str(value: object, cls: type[Any]) -> Any:
    if cls is not str:  # a str subclass: StrEnum lands here through singledispatch
        return structure_enum(value, cls)
    if type(value) is not str:
        raise bad(f"expected a string, got {show(value)}")
    return value


def structure_int(value: object, cls: type[Any]) -> Any:
    if cls is not int:  # IntEnum, as for str
        return structure_enum(value, cls)
    if type(value) is not int:
        raise bad(f"expected an integer, got {show(value)}")
    return value


def structure_float(value: object, _: type[Any]) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise bad(f"expected a number, got {show(value)}")
    return float(value)


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
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        raise bad(f"{show(value)} is not one of: {allowed}") from None


def enum_value(member: enum.Enum) -> Any:
    return member.value


def parse_decimal(value: object) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    if type(value) is float:
        raise bad(
            f"{value!r} is a JSON number with a fraction: send it as a string, "
            f'e.g. "{value}", so that no digit is lost'
        )
    if type(value) is not str or not _DECIMAL.fullmatch(value):
        raise bad(f'expected a decimal number as a string, e.g. "12.30", got {show(value)}')
    return Decimal(value)


def unstructure_decimal(value: Decimal) -> str:
    return format(value, "f")


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
    if problems:
        raise ValidationError("invalid money", problems)
    assert money is not None, "a str currency without problems made a Money"
    return money


def unstructure_datetime(value: datetime) -> str:
    if value.utcoffset() is None:
        raise bad(
            f"cannot write the naive datetime {value.isoformat()}: "
            "give it a time zone (the library keeps aware datetimes only)"
        )
    return value.isoformat()


def structure_datetime(value: object, _: type[Any]) -> datetime:
    result = None
    if type(value) is str:
        with contextlib.suppress(ValueError):
            result = datetime.fromisoformat(value)
    if result is None or result.utcoffset() is None:
        raise bad(f"expected an ISO 8601 datetime with a UTC offset, got {show(value)}")
    return result


def structure_date(value: object, _: type[Any]) -> date:
    return _from_iso(value, date.fromisoformat, "an ISO 8601 date (YYYY-MM-DD)")


def structure_time(value: object, _: type[Any]) -> time:
    return _from_iso(value, time.fromisoformat, "an ISO 8601 time (HH:MM:SS)")


def _from_iso(value: object, parse: Callable[[str], T], expected: str) -> T:
    if type(value) is str:
        with contextlib.suppress(ValueError):
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
    result = timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=float(Decimal(seconds or 0)),
    )
    return -result if sign else result


def structure_zone(value: object, _: type[Any]) -> ZoneInfo:
    if type(value) is str:
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise bad(f"expected an IANA time zone such as 'Europe/Paris', got {show(value)}")
