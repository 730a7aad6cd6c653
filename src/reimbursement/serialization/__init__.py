"""The library's one ``cattrs`` converter: every public record to JSON-ready data and back.

:func:`make_converter` builds it; :func:`to_data` / :func:`from_data` and
:func:`to_json` / :func:`from_json` use one converter built at import. Data is
JSON-ready: only ``dict``, ``list``, ``str``, ``int``, ``bool`` and ``None``.

Wire format (the contract SQL adapters, APIs and stored claims rely on):

- ``Decimal``: a string in positional notation that keeps every digit
  (``"12.30"``, never ``12.3`` or ``"1.23E+1"``); read from a string or an
  int, never from a float (a float has already lost digits).
- ``Money``: ``{"amount": "12.30", "currency": "EUR"}``. Reading goes through
  ``Money(amount, currency)``, so the currency is checked against ISO 4217 and
  the amount rounded to its minor unit; a float amount is refused.
- ``datetime``: ISO 8601 with its UTC offset (``"2026-03-02T09:30:00+01:00"``).
  Naive datetimes are refused both ways: writing one raises, and so does
  reading a string without an offset. Only the offset travels, not the zone
  name: the instant read back is equal to the one written.
- ``date`` and ``time``: ISO 8601 (``"2026-03-02"``, ``"09:30:00"``).
- ``timedelta``: an ISO 8601 duration of days, hours, minutes and seconds
  (``"P1DT2H30M"``, ``"-PT15M"`` for a negative one, ``"PT0S"``).
- ``ZoneInfo``: its IANA key (``"Europe/Paris"``).
- Enums: by value (``"in_review"``), read back by value.
- Tuples, lists, sequences and sets: JSON lists, read back only from lists.
- Mappings (``Event.data``, ``Feedback.ratings`` keyed by the ``FeedbackStage`` enum):
  JSON objects, keys written like any other value (an enum key by its value).
- ``None``: ``null``; ``X | None`` fields read ``null`` as ``None``.
- attrs classes: objects keyed by field name, every field written (defaults
  included, so a reader never needs our defaults). Any frozen attrs class
  built from these types works without new code.
- Scalars are strict: a string field refuses ``5``, an int field refuses
  ``"5"``, ``5.0`` and ``true``. cattrs' defaults would call ``str()`` and
  ``int()`` on anything and hide a client's bug. A ``float`` (never money)
  is a JSON number; NaN and infinities are refused, JSON has no such numbers.
- Extra keys are refused (``forbid_extra_keys``): a misspelt optional field
  (``"payee_acount"``) would otherwise be dropped without a word and the
  default used instead; refusing it tells the sender at once.

Bad input raises :class:`~reimbursement.errors.ValidationError` whose
``problems`` name each bad field by its path (``lines[1].amount.currency``)
with a message a person can act on.

Built on a plain ``cattrs.Converter`` rather than
``cattrs.preconf.json.make_converter``: the preconf's datetime hooks accept
naive datetimes, its union passthrough lets floats through, and its bytes,
set and counter choices do not apply, so every hook it adds would be
replaced. A plain converter with the hooks below says the whole format in
one place and its output suits any JSON library (``json``, ``orjson``, a
database's JSON column).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import attrs
import cattrs
from cattrs.errors import (
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)

from ..domain.money import Money
from ..errors import FieldProblem, ValidationError
from ._containers import attrs_hooks, event_hooks, mapping_hooks, sequence_hooks
from ._scalars import (
    enum_value,
    parse_decimal,
    structure_bool,
    structure_date,
    structure_datetime,
    structure_enum,
    structure_float,
    structure_int,
    structure_money,
    structure_str,
    structure_time,
    structure_timedelta,
    structure_zone,
    unstructure_datetime,
    unstructure_decimal,
    unstructure_float,
    unstructure_money,
    unstructure_timedelta,
)

__all__ = ["from_data", "from_json", "make_converter", "to_data", "to_json"]

T = TypeVar("T")


def make_converter() -> cattrs.Converter:
    """A new converter speaking the library's wire format (see the module docstring).

    Each call builds a fresh converter (register your own hooks on it freely);
    :func:`to_data` and :func:`from_data` share one built at import.
    """
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    # Order matters: hooks registered later take precedence.
    attrs_hooks(converter)
    mapping_hooks(converter)
    sequence_hooks(converter)
    for scalar, structure in (
        (str, structure_str),
        (int, structure_int),
        (float, structure_float),
        (bool, structure_bool),
        (Decimal, lambda v, _: parse_decimal(v)),
        (datetime, structure_datetime),
        (date, structure_date),
        (time, structure_time),
        (timedelta, structure_timedelta),
        (ZoneInfo, structure_zone),
        (Money, structure_money),
    ):
        converter.register_structure_hook(scalar, structure)
    converter.register_structure_hook_factory(
        lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum),
        lambda cls: structure_enum,
    )
    for enum_base in (enum.Enum, enum.StrEnum, enum.IntEnum):
        converter.register_unstructure_hook(enum_base, enum_value)
    converter.register_unstructure_hook(float, unstructure_float)
    converter.register_unstructure_hook(Decimal, unstructure_decimal)
    converter.register_unstructure_hook(Money, unstructure_money)
    converter.register_unstructure_hook(datetime, unstructure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(time, time.isoformat)
    converter.register_unstructure_hook(timedelta, unstructure_timedelta)
    converter.register_unstructure_hook(ZoneInfo, str)
    event_hooks(converter)  # last: it builds on every hook above
    return converter


def _join(path: str, step: str) -> str:
    if not path or not step:
        return path or step
    return path + step if step.startswith("[") else f"{path}.{step}"


def _problems(error: BaseException, path: str) -> Iterator[FieldProblem]:
    """Each bad field of a structuring error, with its path from the root of the input."""
    if isinstance(error, ClassValidationError):
        with_notes, others = error.group_exceptions()
        # a private attribute travels under its alias (Event._data is "data")
        wire = {a.name: a.alias for a in attrs.fields(error.cl)} if attrs.has(error.cl) else {}
        for sub, note in with_notes:
            yield from _problems(sub, _join(path, wire.get(note.name, note.name)))
        for sub in others:
            yield from _problems(sub, path)
    elif isinstance(error, IterableValidationError):
        with_index, others = error.group_exceptions()
        for sub, index_note in with_index:
            yield from _problems(sub, _join(path, f"[{index_note.index}]"))
        for sub in others:
            yield from _problems(sub, path)
    elif isinstance(error, ValidationError):
        for problem in error.problems or (FieldProblem("", str(error)),):
            yield FieldProblem(_join(path, problem.path), problem.message)
    elif isinstance(error, ForbiddenExtraKeysError):
        known = ", ".join(a.alias for a in attrs.fields(error.cl) if a.init)
        for key in sorted(error.extra_fields):
            yield FieldProblem(
                _join(path, key), f"unknown field; {error.cl.__name__} has: {known}"
            )
    elif isinstance(error, KeyError):
        yield FieldProblem(path, "missing")
    else:
        yield FieldProblem(path, str(error) or type(error).__name__)


_CONVERTER = make_converter()


def to_data(obj: Any) -> Any:
    """``obj`` as JSON-ready data (dicts, lists, strings, ints, booleans, ``None``).

    Raises :class:`~reimbursement.errors.ValidationError` for a naive datetime.
    """
    return _CONVERTER.unstructure(obj)


def from_data(data: Any, cls: type[T]) -> T:
    """A ``cls`` read from JSON-ready ``data`` (what :func:`to_data` gives).

    Raises :class:`~reimbursement.errors.ValidationError` listing every bad
    field by its path (``lines[1].amount.currency``) with what is wrong.
    """
    try:
        return _CONVERTER.structure(data, cls)
    except (BaseValidationError, ForbiddenExtraKeysError, ValueError, TypeError) as error:
        # ValueError and TypeError (ValidationError among them) come straight from a
        # top-level hook or constructor (an attrs validator); nested ones come grouped.
        name = getattr(cls, "__name__", str(cls))
        raise ValidationError(f"invalid {name}", tuple(_problems(error, ""))) from error


def to_json(obj: Any) -> str:
    """``obj`` as JSON text (compact, UTF-8 characters kept as they are)."""
    return json.dumps(to_data(obj), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str | bytes, cls: type[T]) -> T:
    """A ``cls`` read from JSON text; raises ``ValidationError`` for bad JSON or bad fields."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationError.at(
            "", f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    return from_data(data, cls)
