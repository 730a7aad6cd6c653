"""Checks of values that come from outside: their Python type, length and characters.

Everything a caller hands the library is hostile until checked: a float
where ``Money`` belongs, a string where a list of lines belongs, a text of a
million characters, a NUL byte in a file name. Each check here raises a
:class:`~reimbursement.errors.ValidationError` at the path of the value
(``lines[2].amount``), with a message a person can act on, or returns the
value as the library keeps it (a plain ``str``, a ``tuple``).

Texts: one-line values (names, ids, codes, reasons) refuse every control
character, line breaks included; multi-line texts (descriptions, messages,
notes) allow line feed, carriage return and tab. Both refuse lone
surrogates (no store can encode them) and the Unicode bidirectional
embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069),
which can make ``invoice\u202efdp.exe`` read as ``invoiceexe.pdf``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from ..errors import FieldProblem, ValidationError

__all__ = [
    "latest_today",
    "optional_text",
    "require_aware",
    "require_bool",
    "require_count",
    "require_date",
    "require_items",
    "require_iterable",
    "require_text",
    "require_texts",
    "require_type",
    "text_problem",
    "type_name",
]

T = TypeVar("T")

_BIDI_AND_SURROGATES = "\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_AND_SURROGATES}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI_AND_SURROGATES}]")


def type_name(value: object) -> str:
    """How a message names the type of ``value``."""
    return "None" if value is None else type(value).__name__


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def text_problem(
    path: str, value: str, max_length: int, *, multiline: bool = False
) -> FieldProblem | None:
    """What is wrong with the text ``value`` (not its type), or ``None``."""
    if len(value) > max_length:
        return FieldProblem(
            path, f"is {len(value):,} characters long; the limit is {max_length:,}"
        )
    if value.isascii() and value.isprintable():
        return None  # U+0020-U+007E only: none of the characters below (ids, codes)
    found = (_MULTI_LINE if multiline else _ONE_LINE).search(value)
    if found is not None:
        code = f"U+{ord(found.group()):04X}"
        return FieldProblem(
            path, f"contains the control character {code} at position {found.start()}; remove it"
        )
    return None


def require_text(
    path: str, value: object, max_length: int, *, multiline: bool = False, empty: bool = True
) -> str:
    """``value`` as a plain ``str``, once it is a text within the limits.

    Blank texts are refused unless ``empty``.
    """
    if not isinstance(value, str):
        raise ValidationError.at(path, f"must be a str, got {type_name(value)} {_shown(value)}")
    plain = str.__str__(value)  # a subclass's own methods never run again
    problem = text_problem(path, plain, max_length, multiline=multiline)
    if problem is not None:
        raise ValidationError("invalid input", [problem])
    if not empty and not plain.strip():
        raise ValidationError.at(path, "is empty")
    return plain


def optional_text(path: str, value: object, max_length: int) -> str | None:
    """``None``, or a one-line non-blank text (see :func:`text`)."""
    return None if value is None else require_text(path, value, max_length, empty=False)


def require_type(
    path: str, value: object, kind: type[T] | tuple[type[T], ...], described: str
) -> T:
    """``value`` itself when it is a ``kind`` (or one of them); else a ValidationError."""
    if not isinstance(value, kind):
        raise ValidationError.at(
            path, f"must be {described}, got {type_name(value)} {_shown(value)}"
        )
    return value


def require_bool(path: str, value: object) -> bool:
    """``value`` when it is ``True`` or ``False`` (not a truthy string or a number)."""
    if type(value) is not bool:
        raise ValidationError.at(path, f"must be True or False, got {type_name(value)}")
    return value


def require_count(path: str, value: object) -> int:
    """``value`` when it is a whole number of 1 or more (a limit, a size, a batch), not a bool."""
    if type(value) is not int or value < 1:
        raise ValidationError.at(path, f"must be a whole number of 1 or more, got {_shown(value)}")
    return value


def require_date(path: str, value: object) -> date:
    """``value`` when it is a ``date`` and not a ``datetime`` (which compares with no date)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError.at(
            path, f"must be a datetime.date, got {type_name(value)} {_shown(value)}"
        )
    return value


def require_items(path: str, value: object, kind: type[T], described: str) -> tuple[T, ...]:
    """``value`` as a tuple, when it is a list, tuple or other sequence of ``kind``.

    A ``str`` (a sequence of characters), ``bytes``, a mapping, a set
    (whose order is arbitrary) and ``None`` are refused, as is any item of
    another type, at ``path[i]``.
    """
    if (
        type(value) is not tuple
        and type(value) is not list
        and (  # the usual two: no ABC checks
            value is None
            or isinstance(value, str | bytes | bytearray | memoryview | Mapping)
            or not isinstance(value, Sequence)
        )
    ):
        raise ValidationError.at(
            path, f"must be a list or tuple of {described}, got {type_name(value)}"
        )
    result = tuple(value)
    for i, item in enumerate(result):
        if not isinstance(item, kind):
            raise ValidationError.at(
                f"{path}[{i}]", f"must be {described}, got {type_name(item)} {_shown(item)}"
            )
    return result


def require_texts(path: str, value: object, max_length: int) -> tuple[str, ...]:
    """``value`` as a tuple of plain one-line texts (see :func:`items` and :func:`text`)."""
    found: tuple[Any, ...] = require_items(path, value, str, "texts (str)")
    return tuple(require_text(f"{path}[{i}]", item, max_length) for i, item in enumerate(found))


def require_iterable(path: str, value: object, described: str) -> Iterable[object]:
    """``value`` when it is an iterable that is not a text or bytes."""
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Iterable):
        raise ValidationError.at(
            path, f"must be a collection of {described}, got {type_name(value)}"
        )
    return value


def require_aware(path: str, value: object, source: str) -> datetime:
    """``value`` when it is a timezone-aware ``datetime``; ``source`` says where it came from."""
    if not isinstance(value, datetime):
        raise ValidationError.at(
            path, f"{source} gave {type_name(value)} {_shown(value)}, not a datetime"
        )
    if value.utcoffset() is None:
        raise ValidationError.at(
            path,
            f"{source} gave {value.isoformat()}, a datetime without a time zone; "
            "give an aware one (tzinfo=UTC, ZoneInfo(...))",
        )
    return value


_LATEST_ZONE = timedelta(hours=14)  # UTC+14:00 (Line Islands, Kiribati): the Earth's latest


def latest_today(at: datetime) -> date:
    """The latest date it is anywhere on Earth at ``at``: the date in UTC+14:00.

    An expense dated after it is in the future for every customer; one dated
    on it may be "today" where the customer is (07:00 in Shanghai is still
    yesterday in UTC). The library does not know a customer's time zone, so
    this is the documented default of the future-date check.
    """
    return (at.astimezone(UTC) + _LATEST_ZONE).date()
