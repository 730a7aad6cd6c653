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
- Mappings (``Event.data``, ``Feedback.ratings`` keyed by the ``Stage`` enum):
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

import contextlib
import decimal
import enum
import json
import math
import re
from collections.abc import (
    Callable,
    Iterator,
    Mapping,
    MutableMapping,
    MutableSequence,
    MutableSet,
    Sequence,
)
from collections.abc import Set as AbstractSet
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import cattrs
from cattrs.errors import (
    BaseValidationError,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .domain.claim import Claim
from .domain.events import Event
from .domain.money import Money
from .errors import FieldProblem, ValidationError

__all__ = ["from_data", "from_json", "make_converter", "to_data", "to_json"]

T = TypeVar("T")

_SEQUENCES: dict[Any, Callable[[list[Any]], Any]] = {
    tuple: tuple,
    Sequence: tuple,
    list: list,
    MutableSequence: list,
    frozenset: frozenset,
    AbstractSet: frozenset,
    set: set,
    MutableSet: set,
}
_MAPPINGS = frozenset({dict, Mapping, MutableMapping})
_DECIMAL = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
_DURATION = re.compile(
    r"(-)?P(?!$)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,6})?)S)?)?"
)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _bad(message: str) -> ValidationError:
    return ValidationError.at("", message)


def _structure_str(value: object, cls: type[Any]) -> Any:
    if cls is not str:  # a str subclass: StrEnum lands here through singledispatch
        return _structure_enum(value, cls)
    if type(value) is not str:
        raise _bad(f"expected a string, got {_show(value)}")
    return value


def _structure_int(value: object, cls: type[Any]) -> Any:
    if cls is not int:  # IntEnum, as for str
        return _structure_enum(value, cls)
    if type(value) is not int:
        raise _bad(f"expected an integer, got {_show(value)}")
    return value


def _structure_float(value: object, _: type[Any]) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise _bad(f"expected a number, got {_show(value)}")
    return float(value)


def _unstructure_float(value: float) -> float:
    if not math.isfinite(value):
        raise _bad(f"cannot write {value!r}: JSON has no such number")
    return value


def _structure_bool(value: object, _: type[Any]) -> bool:
    if not isinstance(value, bool):
        raise _bad(f"expected true or false, got {_show(value)}")
    return value


def _structure_enum(value: object, cls: type[Any]) -> Any:
    if not issubclass(cls, enum.Enum):
        raise _bad(f"expected a {cls.__name__}, got {_show(value)}")
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        raise _bad(f"{_show(value)} is not one of: {allowed}") from None


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _parse_decimal(value: object) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    if type(value) is float:
        raise _bad(
            f"{value!r} is a JSON number with a fraction: send it as a string, "
            f'e.g. "{value}", so that no digit is lost'
        )
    if type(value) is not str or not _DECIMAL.fullmatch(value):
        raise _bad(f'expected a decimal number as a string, e.g. "12.30", got {_show(value)}')
    return Decimal(value)


def _unstructure_decimal(value: Decimal) -> str:
    return format(value, "f")


def _unstructure_money(money: Money) -> dict[str, str]:
    return {"amount": format(money.amount, "f"), "currency": money.currency}


def _structure_money(value: object, _: type[Any]) -> Money:
    if type(value) is not dict:
        raise _bad(
            f'expected an object {{"amount": "12.30", "currency": "EUR"}}, got {_show(value)}'
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
            amount = _parse_decimal(value["amount"])
        except ValidationError as error:
            problems.append(FieldProblem("amount", error.problems[0].message))
    currency = value.get("currency")
    money = None
    if "currency" in value and type(currency) is not str:
        problems.append(
            FieldProblem("currency", f"expected a currency code, got {_show(currency)}")
        )
    if isinstance(currency, str):
        try:
            # Money checks the currency (and rounds); probe it even when the amount is
            # bad so that one answer lists both problems.
            money = Money(Decimal(0) if amount is None else amount, currency)
        except ValidationError as error:
            problems.extend(error.problems)
        except decimal.InvalidOperation:  # more digits than Decimal's 28 once rounded
            problems.append(FieldProblem("amount", f"{_show(value['amount'])} is too large"))
    if problems:
        raise ValidationError("invalid money", problems)
    assert money is not None, "a str currency without problems made a Money"
    return money


def _unstructure_datetime(value: datetime) -> str:
    if value.utcoffset() is None:
        raise _bad(
            f"cannot write the naive datetime {value.isoformat()}: "
            "give it a time zone (the library keeps aware datetimes only)"
        )
    return value.isoformat()


def _structure_datetime(value: object, _: type[Any]) -> datetime:
    result = None
    if type(value) is str:
        with contextlib.suppress(ValueError):
            result = datetime.fromisoformat(value)
    if result is None or result.utcoffset() is None:
        raise _bad(f"expected an ISO 8601 datetime with a UTC offset, got {_show(value)}")
    return result


def _structure_date(value: object, _: type[Any]) -> date:
    if type(value) is str:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(f"expected an ISO 8601 date (YYYY-MM-DD), got {_show(value)}")


def _structure_time(value: object, _: type[Any]) -> time:
    if type(value) is str:
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(f"expected an ISO 8601 time (HH:MM:SS), got {_show(value)}")


def _unstructure_timedelta(value: timedelta) -> str:
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


def _structure_timedelta(value: object, _: type[Any]) -> timedelta:
    match = _DURATION.fullmatch(value) if type(value) is str else None
    if match is None:
        raise _bad(f'expected an ISO 8601 duration such as "P1DT2H30M", got {_show(value)}')
    sign, days, hours, minutes, seconds = match.groups()
    result = timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=float(Decimal(seconds or 0)),
    )
    return -result if sign else result


def _structure_zone(value: object, _: type[Any]) -> ZoneInfo:
    if type(value) is str:
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise _bad(f"expected an IANA time zone such as 'Europe/Paris', got {_show(value)}")


def _element_types(cls: Any) -> tuple[Any, ...]:
    args = get_args(cls)
    return args if args else (Any,)


def _is_sequence(cls: Any) -> bool:
    return (get_origin(cls) or cls) in _SEQUENCES and cls is not str


def _is_mapping(cls: Any) -> bool:
    return (get_origin(cls) or cls) in _MAPPINGS


def _fail_items(cls: Any, errors: list[Exception]) -> IterableValidationError:
    return IterableValidationError(f"While structuring {cls!r}", errors, cls)


def _sequence_hooks(converter: cattrs.Converter) -> None:
    def unstructure_factory(cls: Any) -> Callable[[Any], list[Any]]:
        args = _element_types(cls)
        if (get_origin(cls) or cls) is tuple and args[-1] is not Ellipsis:
            hooks = [converter.get_unstructure_hook(a) for a in args]
            return lambda value: [h(x) for h, x in zip(hooks, value, strict=True)]
        hook = converter.get_unstructure_hook(args[0])
        if args[0] in (str, int, bool):
            return list
        return lambda value: [hook(x) for x in value]

    def structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        build = _SEQUENCES[get_origin(cls) or cls]
        args = _element_types(cls)
        fixed = build is tuple and len(args) > 1 and args[-1] is not Ellipsis
        args = args if fixed else args[:1]
        hooks = [converter.get_structure_hook(a) for a in args]

        def structure(value: Any, _: Any) -> Any:
            if type(value) not in (list, tuple):
                raise _bad(f"expected a list, got {_show(value)}")
            if fixed and len(value) != len(args):
                raise _bad(f"expected a list of {len(args)} items, got {len(value)}")
            items, errors = [], []
            for i, item in enumerate(value):
                arg = args[i] if fixed else args[0]
                try:
                    items.append((hooks[i] if fixed else hooks[0])(item, arg))
                except Exception as error:
                    error.add_note(IterableValidationNote(f"@ index {i}", i, arg))
                    errors.append(error)
            if errors:
                raise _fail_items(cls, errors)
            return build(items)

        return structure

    converter.register_unstructure_hook_factory(_is_sequence, unstructure_factory)
    converter.register_structure_hook_factory(_is_sequence, structure_factory)


def _mapping_hooks(converter: cattrs.Converter) -> None:
    def types(cls: Any) -> tuple[Any, Any]:
        args = get_args(cls)
        return (args[0], args[1]) if len(args) == 2 else (Any, Any)

    def unstructure_factory(cls: Any) -> Callable[[Any], dict[Any, Any]]:
        key_hook, value_hook = (converter.get_unstructure_hook(t) for t in types(cls))
        return lambda value: {key_hook(k): value_hook(v) for k, v in value.items()}

    def structure_factory(cls: Any) -> Callable[[Any, Any], dict[Any, Any]]:
        key_type, value_type = types(cls)
        key_hook = converter.get_structure_hook(key_type)
        value_hook = converter.get_structure_hook(value_type)

        def structure(value: Any, _: Any) -> dict[Any, Any]:
            if type(value) is not dict:
                raise _bad(f"expected an object, got {_show(value)}")
            result, errors = {}, []
            for key, item in value.items():
                try:
                    result[key_hook(key, key_type)] = value_hook(item, value_type)
                except Exception as error:
                    error.add_note(IterableValidationNote(f"@ key {key!r}", key, value_type))
                    errors.append(error)
            if errors:
                raise _fail_items(cls, errors)
            return result

        return structure

    converter.register_unstructure_hook_factory(_is_mapping, unstructure_factory)
    converter.register_structure_hook_factory(_is_mapping, structure_factory)


def _attrs_hooks(converter: cattrs.Converter) -> None:
    def structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        generated = converter.gen_structure_attrs_fromdict(cls)
        expected = f"expected an object ({cls.__name__}), got "

        def structure(value: Any, _: Any) -> Any:
            if type(value) is not dict:
                raise _bad(expected + _show(value))
            return generated(value, cls)

        return structure

    converter.register_structure_hook_factory(attrs.has, structure_factory)


def _stored_as(
    converter: cattrs.Converter,
    cls: type[Any],
    field: str,
    key: str,
    unstructure: Callable[[Any], Any],
    structure: Callable[[Any, Any], Any],
) -> None:
    """Hooks for ``cls`` whose private ``field`` is stored in one form and sent as ``key``."""
    out: dict[str, Any] = {field: override(rename=key, unstruct_hook=unstructure)}
    into: dict[str, Any] = {field: override(rename=key, struct_hook=structure)}
    unstructure_cls = make_dict_unstructure_fn(cls, converter, **out)
    generated = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True, **into
    )
    expected = f"expected an object ({cls.__name__}), got "

    def structure_cls(value: Any, target: Any) -> Any:
        if type(value) is not dict:
            raise _bad(expected + _show(value))
        return generated(value, target)

    converter.register_unstructure_hook(cls, unstructure_cls)
    converter.register_structure_hook(cls, structure_cls)


def _event_hooks(converter: cattrs.Converter) -> None:
    # An event keeps its data as a flat tuple (see EventData), and a claim its
    # events as rows (see EventRow); on the wire each is what it reads as.
    _stored_as(
        converter,
        Event,
        "_data",
        "data",
        lambda flat: dict(zip(flat[::2], flat[1::2], strict=True)),
        lambda value, _: converter.structure(value, dict[str, str]),
    )
    unstructure_event = converter.get_unstructure_hook(Event)
    _stored_as(
        converter,
        Claim,
        "_events",
        "events",
        lambda rows: [unstructure_event(Event.from_row(row)) for row in rows],
        lambda value, _: converter.structure(value, tuple[Event, ...]),
    )


def make_converter() -> cattrs.Converter:
    """A new converter speaking the library's wire format (see the module docstring).

    Each call builds a fresh converter (register your own hooks on it freely);
    :func:`to_data` and :func:`from_data` share one built at import.
    """
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    # Order matters: hooks registered later take precedence.
    _attrs_hooks(converter)
    _mapping_hooks(converter)
    _sequence_hooks(converter)
    for scalar, structure in (
        (str, _structure_str),
        (int, _structure_int),
        (float, _structure_float),
        (bool, _structure_bool),
        (Decimal, lambda v, _: _parse_decimal(v)),
        (datetime, _structure_datetime),
        (date, _structure_date),
        (time, _structure_time),
        (timedelta, _structure_timedelta),
        (ZoneInfo, _structure_zone),
        (Money, _structure_money),
    ):
        converter.register_structure_hook(scalar, structure)
    converter.register_structure_hook_factory(
        lambda cls: isinstance(cls, type) and issubclass(cls, enum.Enum),
        lambda cls: _structure_enum,
    )
    for enum_base in (enum.Enum, enum.StrEnum, enum.IntEnum):
        converter.register_unstructure_hook(enum_base, _enum_value)
    converter.register_unstructure_hook(float, _unstructure_float)
    converter.register_unstructure_hook(Decimal, _unstructure_decimal)
    converter.register_unstructure_hook(Money, _unstructure_money)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(time, time.isoformat)
    converter.register_unstructure_hook(timedelta, _unstructure_timedelta)
    converter.register_unstructure_hook(ZoneInfo, str)
    _event_hooks(converter)  # last: it builds on every hook above
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
