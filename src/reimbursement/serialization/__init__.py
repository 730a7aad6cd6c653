"""The library's one ``cattrs`` converter: every public record to JSON-ready data and back.

:func:`make_converter` builds it; :func:`to_data` / :func:`from_data` and
:func:`to_json` / :func:`from_json` use one converter built at import;
:func:`parse_json` is the text half of :func:`from_json` (JSON text to data,
within the format's limits), for readers that structure the data themselves. Data is
JSON-ready: only ``dict``, ``list``, ``str``, ``int``, ``bool`` and ``None``.

Wire format (the contract SQL adapters, APIs and stored claims rely on):

- ``Decimal``: a string in positional notation that keeps every digit
  (``"12.30"``, never ``12.3`` or ``"1.23E+1"``); read only as ASCII
  ``-?D+(.D+)?`` of at most :data:`MAX_DECIMAL_DIGITS` digits or a JSON int,
  never from a float (a float has already lost digits).
- ``Money``: ``{"amount": "12.30", "currency": "EUR"}``. Reading goes through
  ``Money(amount, currency)``, so the currency is checked against ISO 4217;
  an amount with more decimals than its currency has is refused, not rounded.
  A patch's ``NO_TAX`` (the line's tax taken away) is ``"no_tax"``.
- ``datetime``: ISO 8601 with ``T``, seconds and a UTC offset
  (``"2026-03-02T09:30:00+01:00"``, at most 6 decimals of a second: more
  are refused, never cut). Naive datetimes are refused both ways. Only the
  offset travels, not the zone name: the instant read back is equal.
- ``date`` and ``time``: ``"2026-03-02"`` and ``"09:30:00"`` exactly (a time of
  day has no offset).
- ``timedelta``: an ISO 8601 duration of days, hours, minutes and seconds
  (``"P1DT2H30M"``, ``"-PT15M"`` for a negative one, ``"PT0S"``).
- ``ZoneInfo``: its IANA key (``"Europe/Paris"``).
- Enums: by value (``"in_review"``), read back by value.
- Tuples, lists, sequences and sets: JSON lists, read back only from lists.
- Mappings (``Event.data``, ``Feedback.ratings`` keyed by the ``FeedbackStage`` enum):
  JSON objects, keys written like any other value (an enum key by its value);
  a ``Mapping`` field reads back as an immutable ``FrozenMap``, a ``dict`` one
  as a ``dict``.
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
  default used instead; refusing it tells the sender at once. So is a key
  given twice in one JSON object (``json`` would keep the last silently).
- Limits (``docs/serialization.md`` has the table): integers within
  :data:`MAX_INTEGER`, strings of at most :data:`MAX_STRING_LENGTH`
  characters without NUL or a lone surrogate, nesting of at most
  :data:`MAX_DEPTH` (checked without recursion), JSON text of at most
  :data:`MAX_JSON_SIZE` bytes of UTF-8; ``NaN`` and ``Infinity`` are refused.

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

from .._show import QUOTE_LENGTH, show
from ..domain.inputs import NO_TAX, NoTax
from ..domain.money import Money
from ..errors import FieldProblem, ValidationError
from ._containers import attrs_hooks, event_hooks, mapping_hooks, sequence_hooks
from ._limits import (
    MAX_DECIMAL_DIGITS,
    MAX_DEPTH,
    MAX_INTEGER,
    MAX_JSON_SIZE,
    MAX_STRING_LENGTH,
    check_depth,
    check_written,
    parse_json,
)
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
    unstructure_time,
    unstructure_timedelta,
)

__all__ = [
    "MAX_DECIMAL_DIGITS",
    "MAX_DEPTH",
    "MAX_INTEGER",
    "MAX_JSON_SIZE",
    "MAX_STRING_LENGTH",
    "from_data",
    "from_json",
    "make_converter",
    "parse_json",
    "to_data",
    "to_json",
]

T = TypeVar("T")


def _patched_tax(value: object, _: type[Any]) -> Money | NoTax | None:
    """A patch's tax: kept (``null``), taken away (``"no_tax"``) or a new ``Money``."""
    if value is None or value == NO_TAX.value:
        return None if value is None else NO_TAX
    return structure_money(value, Money)


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
    converter.register_structure_hook(Money | NoTax | None, _patched_tax)
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
    converter.register_unstructure_hook(time, unstructure_time)
    converter.register_unstructure_hook(timedelta, unstructure_timedelta)
    converter.register_unstructure_hook(ZoneInfo, str)
    event_hooks(converter)  # last: it builds on every hook above
    return converter


def _join(path: str, step: str) -> str:
    if not path or not step:
        return path or step
    return path + step if step.startswith("[") else f"{path}.{step}"


def _step(index: object) -> object:
    """A list index or a mapping key as a path shows it: as it is when short, else quoted."""
    if type(index) is int and index.bit_length() <= 64:
        return index
    if type(index) is str and len(index) <= QUOTE_LENGTH:
        return index
    return show(index)


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
            yield from _problems(sub, _join(path, f"[{_step(index_note.index)}]"))
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

    Raises :class:`~reimbursement.errors.ValidationError` for what reading
    would refuse: a naive datetime, a string with NUL or a lone surrogate or
    over :data:`MAX_STRING_LENGTH`, an integer beyond :data:`MAX_INTEGER`,
    nesting deeper than :data:`MAX_DEPTH`.
    """
    data = _CONVERTER.unstructure(obj)
    check_written(data)  # what reading would refuse is not written
    return data


def from_data(data: Any, cls: type[T]) -> T:
    """A ``cls`` read from JSON-ready ``data`` (what :func:`to_data` gives).

    Raises :class:`~reimbursement.errors.ValidationError` listing every bad
    field by its path (``lines[1].amount.currency``) with what is wrong.
    """
    return _structure(data, cls, checked=False)


def _structure(data: Any, cls: type[T], *, checked: bool) -> T:
    try:
        if not checked:  # before cattrs: nothing below may recurse into the data unbounded
            check_depth(data)
        return _CONVERTER.structure(data, cls)
    except (BaseValidationError, ForbiddenExtraKeysError, ValueError, TypeError) as error:
        # ValueError and TypeError (ValidationError among them) come straight from a
        # top-level hook or constructor (an attrs validator); nested ones come grouped.
        name = getattr(cls, "__name__", str(cls))
        raise ValidationError(f"invalid {name}", _problems(error, "")) from error


def to_json(obj: Any) -> str:
    """``obj`` as JSON text (compact, UTF-8 characters kept as they are)."""
    return json.dumps(to_data(obj), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str | bytes, cls: type[T]) -> T:
    """A ``cls`` read from JSON text (``str``, or ``bytes`` of UTF-8).

    Raises :class:`~reimbursement.errors.ValidationError` for text the format
    refuses (over its limits, not UTF-8, invalid JSON, a key given twice)
    and, as :func:`from_data`, for bad fields.
    """
    return _structure(parse_json(text), cls, checked=True)  # its depth checked on the text
