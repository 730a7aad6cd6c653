"""The wire format's limits, and the checks that hold input to them before it is read.

Every limit is a named constant; :mod:`reimbursement.serialization` exports
them and ``docs/serialization.md`` documents them. The checks here never
recurse, so no input and no depth of the caller's own stack can make them
raise ``RecursionError``: the depth of JSON text is measured on its
brackets before ``json`` parses it, and the depth of data by a loop with
its own stack before ``cattrs`` structures it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, Final, NoReturn

from .._show import show
from ..domain.limits import MAX_STORED_TEXT
from ..errors import FieldProblem, ValidationError

__all__ = [
    "MAX_DECIMAL_DIGITS",
    "MAX_DEPTH",
    "MAX_INTEGER",
    "MAX_JSON_SIZE",
    "MAX_STRING_LENGTH",
    "check_depth",
    "check_int",
    "check_string",
    "check_written",
    "parse_json",
]

MAX_JSON_SIZE: Final = 16 * 1024 * 1024
"""The longest JSON text ``from_json`` reads, in bytes of UTF-8 (16 MiB)."""
MAX_DEPTH: Final = 32
"""How deep arrays and objects may nest: ``[]`` is 1 deep, ``[[]]`` 2 (a claim needs 6)."""
MAX_STRING_LENGTH: Final = MAX_STORED_TEXT
"""The longest string (a value or a key), in characters (65,536): every text the desk's
``ClaimLimits`` let it build fits (``reimbursement.domain.limits.MAX_STORED_TEXT``)."""
MAX_INTEGER: Final = 2**63 - 1
"""The largest integer in magnitude (2**63 - 1): what a signed 64-bit column holds."""
MAX_DECIMAL_DIGITS: Final = 28
"""The most digits of a decimal string (both sides of the point): ``Decimal``'s precision."""

_INTEGER_CHARACTERS: Final = len(str(MAX_INTEGER)) + 1  # and a minus sign
# a JSON string; an unterminated one runs to the end, as json reads it
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)', re.DOTALL)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _STEP)


def _utf8_size(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _as_text(raw: object) -> str:
    if isinstance(raw, bytes | bytearray):
        if len(raw) > MAX_JSON_SIZE:
            raise _too_large(len(raw))
        try:
            return bytes(raw).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError.at(
                "", f"not UTF-8 text: byte {error.start} cannot be decoded"
            ) from None
    if not isinstance(raw, str):
        raise ValidationError.at("", f"expected JSON text (str or bytes), got {show(raw)}")
    if len(raw) > MAX_JSON_SIZE or (
        len(raw) * 4 > MAX_JSON_SIZE and _utf8_size(raw) > MAX_JSON_SIZE
    ):
        raise _too_large(_utf8_size(raw))
    return raw


def _too_large(size: int) -> ValidationError:
    return ValidationError.at(
        "", f"the JSON text is {size:,} bytes; the limit is {MAX_JSON_SIZE:,}"
    )


def _outside_strings(text: str) -> str:
    """The JSON text without its strings: its syntax, numbers and literals."""
    if '\\"' in text or "\\\\" in text:  # an escaped quote: strings need a real scanner
        return _STRINGS.sub("", text)
    # the common case: quotes alternate outside/inside, so split on them (C speed)
    return "".join(text.split('"')[::2])


def _depth(outside: str) -> int:
    """How deep the arrays and objects of ``outside`` nest: an upper bound of what
    ``json`` recurses into (it stops at the first error)."""
    nesting = outside.encode("utf-8", "surrogatepass").translate(None, _NOT_BRACKETS)
    if len(nesting) <= MAX_DEPTH:
        return len(nesting) and 1  # shallow at any rate; the exact figure is not needed
    return max(accumulate(map(_STEP.__getitem__, nesting)))


class _Unreadable:
    """What the decoder leaves where JSON holds a value the format refuses.

    ``json`` cannot say where a value is, so the problem waits in the data
    until :func:`_located` finds it with its path.
    """

    __slots__ = ("problem",)

    def __init__(self, problem: str) -> None:
        self.problem = problem


class _Duplicated(dict[str, Any]):
    """An object that gave some keys twice (the value kept is the last one)."""

    __slots__ = ("twice",)
    twice: list[str]


def _parse_int(digits: str) -> int | _Unreadable:
    if len(digits) <= _INTEGER_CHARACTERS:
        return int(digits)  # checked against MAX_INTEGER where an int is read
    return _Unreadable(
        f"an integer of {len(digits.lstrip('-')):,} digits; integers are at most "
        f"{MAX_INTEGER:,} in size"
    )


def _parse_constant(name: str) -> _Unreadable:
    return _Unreadable(f"{name} is not a JSON number")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    twice = _Duplicated(result)
    seen: set[str] = set()
    twice.twice = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
    return twice


class _Refused(Exception):
    """Raised by the checking decoder's hooks: the text holds what the format refuses."""


def _checked_int(digits: str) -> int:
    if len(digits) > _INTEGER_CHARACTERS:
        raise _Refused
    return int(digits)  # checked against MAX_INTEGER where an int is read


def _checked_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused
    return result


def _refuse(_: str) -> NoReturn:
    raise _Refused


# reads clean text at once; at the first refused value it gives up, and _STRICT reads
# the text again, leaving _Unreadable values and _Duplicated objects for _located to find
_CHECKED = json.JSONDecoder(
    object_pairs_hook=_checked_object, parse_int=_checked_int, parse_constant=_refuse
)
_STRICT = json.JSONDecoder(
    object_pairs_hook=_object, parse_int=_parse_int, parse_constant=_parse_constant
)


def _located(data: Any) -> Iterator[FieldProblem]:
    """Every refused value the decoder left in ``data``, with its path (depth-first)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, _Unreadable):
            yield FieldProblem(path, value.problem)
        elif isinstance(value, dict):
            if isinstance(value, _Duplicated):
                for key in value.twice:
                    yield FieldProblem(_key(path, key), "given twice in one object")
            stack.extend((_key(path, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_json(raw: str | bytes) -> Any:
    """The data of JSON text, held to the wire format's limits before and after parsing.

    Raises :class:`~reimbursement.errors.ValidationError` for text over
    :data:`MAX_JSON_SIZE`, bytes that are not UTF-8, nesting deeper than
    :data:`MAX_DEPTH`, invalid JSON, and (each with its path) a key given
    twice in one object, an integer of more than 20 characters, or
    ``NaN``/``Infinity`` (which ``json`` accepts and JSON does not have).
    """
    text = _as_text(raw)
    depth = _depth(_outside_strings(text))
    if depth > MAX_DEPTH:
        raise ValidationError.at(
            "", f"arrays and objects nest {depth:,} deep; the limit is {MAX_DEPTH}"
        )
    try:
        try:
            return _CHECKED.decode(text)
        except _Refused:
            data = _STRICT.decode(text)
    except json.JSONDecodeError as error:
        raise ValidationError.at(
            "", f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    raise ValidationError("invalid JSON", _located(data))


# what no string of the format holds: NUL (PostgreSQL can store it neither in text nor
# in jsonb) and lone surrogates (UTF-8 cannot encode them, so nothing could write them)
_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")


def check_string(value: str) -> None:
    """Raise unless ``value`` is a string the format can carry (length, characters)."""
    if len(value) <= MAX_STRING_LENGTH and "\x00" not in value and value.isascii():
        return  # nearly every string: no regex needed
    if len(value) > MAX_STRING_LENGTH:
        raise ValidationError.at(
            "", f"{len(value):,} characters long; the limit is {MAX_STRING_LENGTH:,}"
        )
    found = _UNWRITABLE.search(value)
    if found is not None:
        char = found.group()
        what = "a NUL character" if char == "\x00" else f"a lone surrogate ({char!r})"
        raise ValidationError.at(
            "", f"holds {what} at position {found.start()}, which cannot be stored"
        )


def check_int(value: int) -> int:
    """``value``, unless it is beyond :data:`MAX_INTEGER` in magnitude."""
    if -MAX_INTEGER <= value <= MAX_INTEGER:
        return value
    raise ValidationError.at(
        "", f"{show(value)} is beyond the limit of {MAX_INTEGER:,} in magnitude"
    )


def check_written(data: Any) -> None:
    """Raise :class:`~reimbursement.errors.ValidationError` (at the path) unless the data
    ``to_data`` made is within the limits reading holds it to: writing refuses what
    reading would refuse, so a record written can always be read back."""
    if not _writable(data):
        stack: list[tuple[str, Any, int]] = [("", data, 1)]
        while stack:
            path, value, depth = stack.pop()
            try:
                _check_one(value, depth)
            except ValidationError as error:
                message = f"cannot write it: {error.problems[0].message}"
                raise ValidationError.at(path, message) from None
            if type(value) is dict:
                stack.extend((_key(path, str(k)), v, depth + 1) for k, v in value.items())
                stack.extend((path, k, depth + 1) for k in value)
            elif type(value) is list:
                stack.extend((f"{path}[{i}]", v, depth + 1) for i, v in enumerate(value))


def _check_one(value: Any, depth: int) -> None:
    kind = type(value)
    if kind is str:
        check_string(value)
    elif kind is int:
        check_int(value)
    elif (kind is dict or kind is list) and depth > MAX_DEPTH:
        raise ValidationError.at("", f"nested deeper than {MAX_DEPTH} levels")


def _writable(data: Any) -> bool:
    """True when ``data`` is within the limits (one lean pass: containers are pushed,
    scalars checked where they are met)."""
    if type(data) is not dict and type(data) is not list:
        return _scalar_ok(data)
    stack = [(data, 1)]
    push, pop = stack.append, stack.pop
    surrogates, longest, largest = _UNWRITABLE.search, MAX_STRING_LENGTH, MAX_INTEGER
    while stack:
        value, depth = pop()
        if depth > MAX_DEPTH:
            return False
        if type(value) is dict and value and not _keys_ok(value):
            return False
        for item in value.values() if type(value) is dict else value:
            kind = type(item)
            if kind is str:
                if len(item) > longest or "\x00" in item:
                    return False
                if not item.isascii() and surrogates(item):
                    return False
            elif kind is int:
                if item > largest or item < -largest:
                    return False
            elif kind is dict or kind is list:
                push((item, depth + 1))
    return True


def _keys_ok(value: dict[Any, Any]) -> bool:
    """True when the keys of ``value`` (not empty) are within the limits: strings checked
    joined, in a few C-level passes (a key at a time cost a third of a claim's write checks)."""
    try:
        joined = "".join(value)
    except TypeError:  # a key that is not a string: each on its own
        return all(map(_scalar_ok, value))
    # a surrogate stays one when joined (a str is code points), and so does a NUL
    if "\x00" in joined or (not joined.isascii() and _UNWRITABLE.search(joined)):
        return False
    return len(joined) <= MAX_STRING_LENGTH or max(map(len, value)) <= MAX_STRING_LENGTH


def _scalar_ok(value: Any) -> bool:
    try:
        _check_one(value, 1)
    except ValidationError:
        return False
    return True


_CONTAINERS = (dict, list, tuple)
# a container met on the way down: (value, depth, parent entry, step from the parent)
_Entry = tuple[Any, int, Any, Any]


def check_depth(data: Any) -> None:
    """Raise :class:`~reimbursement.errors.ValidationError` if lists, tuples and dicts
    in ``data`` nest deeper than :data:`MAX_DEPTH` (or hold themselves), naming the path."""
    kind = type(data)
    if kind is not dict and kind is not list and kind is not tuple:
        return
    stack = [(data, 1)]
    push, pop = stack.append, stack.pop
    while stack:  # the common case, kept lean: containers only, no paths
        value, depth = pop()
        if depth > MAX_DEPTH:
            return _too_deep(data)
        for item in value.values() if type(value) is dict else value:
            kind = type(item)
            if kind is dict or kind is list or kind is tuple:
                push((item, depth + 1))


def _too_deep(data: Any) -> None:
    stack: list[_Entry] = [(data, 1, None, None)]
    while stack:
        entry = stack.pop()
        value, depth = entry[0], entry[1]
        for step, item in value.items() if type(value) is dict else enumerate(value):
            if type(item) in _CONTAINERS:
                if depth >= MAX_DEPTH:
                    raise ValidationError.at(
                        _path_of(entry, step), f"nested deeper than {MAX_DEPTH} levels"
                    )
                stack.append((item, depth + 1, entry, step))


def _path_of(entry: _Entry, step: Any) -> str:
    steps = [step]
    while entry[2] is not None:
        steps.append(entry[3])
        entry = entry[2]
    path = ""
    for s in reversed(steps):
        path = (
            f"{path}[{s}]" if type(s) is int else _key(path, show(s) if type(s) is not str else s)
        )
    return path
