"""The hash chain over a claim's events: the byte form hashed, and its check.

Every event carries ``prev_hash``, the SHA-256 (lowercase hex) of the
canonical bytes of the event before it (``None`` on a claim's first event),
and those bytes include that event's own ``prev_hash``: changing, removing
or reordering any event breaks the link of the one after it. The last event
is anchored outside the claim, in the desk's Merkle log
(:mod:`reimbursement.audit`).

The canonical bytes of an event are the UTF-8 of its JSON Canonicalization
Scheme form (RFC 8785), an object with these members, in this order (which
is RFC 8785's key order)::

    {"actor":"r-7","at":"2026-01-05T09:00:00.000000+00:00","claim_id":"c-1",
     "data":[["number","CLM-2026-000001"]],"from_state":"draft","prev":null,
     "reason":null,"role":"reviewer","seq":2,"to_state":"submitted",
     "type":"submitted","visibility":"customer"}

``at`` is the instant in UTC with six fraction digits; ``data`` is the
event's details as ``[key, value]`` pairs in the event's order; ``prev`` and
``reason`` are ``null`` when absent. Any RFC 8785 library (``rfc8785`` in
Python, ``canonicalize`` in JavaScript) gives the same bytes from that
object, so a claim's JSON export can be checked without this library. The
values are strings and a small integer only, so the form is written here
with the standard library (the core has no RFC 8785 dependency); the tests
compare it with ``rfc8785`` byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from typing import Any, Final

import attrs

__all__ = [
    "ChainBreak",
    "Chained",
    "Fields",
    "Redaction",
    "canonical_event",
    "chain_of",
    "chained",
    "digest_of",
    "event_bytes",
    "event_digest",
    "row_bytes",
]

Fields = tuple[
    int,
    str,
    str,
    str,
    str,
    datetime,
    str,
    str,
    str | None,
    tuple[str, ...],
    str,
    bytes | str | None,
]
"""An event's fields in :func:`canonical_event`'s order, enums by value (``data`` flat),
the link as its 32 bytes (a ``str`` when it is not a digest's lowercase hex)."""


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _link(value: bytes | str | None) -> str:
    """A link in JSON: a digest kept as its 32 bytes is written as its lowercase hex."""
    return f'"{value.hex()}"' if isinstance(value, bytes) else _text(value)


def canonical_event(
    seq: int,
    type_: str,
    claim_id: str,
    actor: str,
    role: str,
    at: datetime,
    from_state: str,
    to_state: str,
    reason: str | None,
    data: tuple[str, ...],
    visibility: str,
    prev_hash: bytes | str | None,
) -> bytes:
    """The RFC 8785 bytes of one event, from its fields (``data`` flat: key, value, …).

    ``prev_hash`` is the hex of the link, or its 32 bytes (as an event log keeps it).

    Raises :class:`UnicodeEncodeError` for a string holding a lone surrogate,
    which RFC 8785 (and the wire format) refuses.
    """
    pairs = ",".join(
        f"[{encode_basestring(data[i])},{encode_basestring(data[i + 1])}]"
        for i in range(0, len(data), 2)
    )
    instant = (at if at.tzinfo is UTC else at.astimezone(UTC)).isoformat(timespec="microseconds")
    return (
        f'{{"actor":{encode_basestring(actor)},"at":"{instant}",'
        f'"claim_id":{encode_basestring(claim_id)},"data":[{pairs}],'
        f'"from_state":{encode_basestring(from_state)},"prev":{_link(prev_hash)},'
        f'"reason":{_text(reason)},"role":{encode_basestring(role)},"seq":{int(seq)},'
        f'"to_state":{encode_basestring(to_state)},"type":{encode_basestring(type_)},'
        f'"visibility":{encode_basestring(visibility)}}}'
    ).encode()


def event_digest(*fields: object) -> str:
    """SHA-256 (hex) of :func:`canonical_event` of ``fields``: what the next event links to."""
    return hashlib.sha256(canonical_event(*fields)).hexdigest()  # type: ignore[arg-type]


def event_bytes(event: Any) -> bytes:
    """The canonical bytes of ``event`` (an :class:`~reimbursement.domain.events.Event`)."""
    return canonical_event(
        event.seq,
        event.type,
        event.claim_id,
        event.actor,
        event.role,
        event.at,
        event.from_state,
        event.to_state,
        event.reason,
        event._data,  # the flat tuple the event keeps (key, value, ...), not a copy
        event.visibility,
        event.prev_hash,
    )


def digest_of(event: Any) -> str:
    """The digest of ``event`` (an :class:`~reimbursement.domain.events.Event`)."""
    return hashlib.sha256(event_bytes(event)).hexdigest()


class _Texts(dict[Any, str]):
    """JSON text made from a value once, then looked up (a dict subscript costs no call).

    Holds at most ``_KEPT`` values: past that it starts afresh, so a store of
    millions of customers (each an actor) costs a bounded memory.
    """

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: Any) -> str:
        text = self._make(key)
        if len(self) >= _KEPT:
            self.clear()
        self[key] = text
        return text


_KEPT: Final = 4096
_q = encode_basestring
# the constant text between the values of canonical_event's object, joined to the value
# it follows or precedes, for the values verifying a store repeats (actors, days, data
# keys, states, roles, types: a few hundred among millions of events)
_HEADS = _Texts(lambda actor: f'{{"actor":{_q(actor)},"at":"')
_DAYS = _Texts(lambda ordinal: f"{date.fromordinal(ordinal).isoformat()}T")
_KEYS = _Texts(lambda key: f"[{_q(key)},")
_FROMS = _Texts(lambda state: f'],"from_state":{_q(state)},"prev":')
_NO_REASON = _Texts(lambda role: f',"reason":null,"role":{_q(role)},"seq":')
_ROLES = _Texts(lambda role: f',"role":{_q(role)},"seq":')
_CLAIMS = _Texts(lambda claim_id: f'+00:00","claim_id":{_q(claim_id)},"data":[')
_TAILS = _Texts(lambda t: f',"to_state":{_q(t[0])},"type":{_q(t[1])},"visibility":{_q(t[2])}}}')


def _pairs(data: tuple[str, ...]) -> str:
    """The inside of ``data``'s JSON array of pairs (the two short cases written out)."""
    n, keys = len(data), _KEYS
    if n == 2:
        return f"{keys[data[0]]}{_q(data[1])}]"
    if n == 4:
        return f"{keys[data[0]]}{_q(data[1])}],{keys[data[2]]}{_q(data[3])}]"
    return ",".join([f"{keys[data[i]]}{_q(data[i + 1])}]" for i in range(0, n, 2)])


# row_bytes gives exactly canonical_event's bytes (the tests compare the two, and both
# with rfc8785, on arbitrary events), with less work per event, since every event an
# event log holds is made into bytes once (appended, or read from a store): the
# constant text of the object is joined to the values it sits between, made once per
# value (_Texts) rather than once per event; an instant's date is formatted once per day.


def row_bytes(fields: Fields) -> bytes:
    """:func:`canonical_event` of ``fields`` (an event log's row, enums by value).

    Raises :class:`UnicodeEncodeError` for a string holding a lone surrogate.
    """
    seq, type_, claim_id, actor, role, at, source, dest, reason, data, visibility, prev = fields
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    time = at.time().isoformat()
    if len(time) == 8:  # no fraction when the microseconds are 0
        time += ".000000"
    link = _link(prev)
    return (
        f"{_HEADS[actor]}{_DAYS[at.toordinal()]}{time}{_CLAIMS[claim_id]}"
        f"{_pairs(data) if data else ''}{_FROMS[source]}{link}"
        f"{_NO_REASON[role] if reason is None else f',{_REASON}{_q(reason)}{_ROLES[role]}'}"
        f"{int(seq)}{_TAILS[dest, type_, visibility]}"
    ).encode()


Redaction = tuple[str | None, str]
"""What an erasure recorded of an event it redacted: its digest after (``None``: not
recorded, by erasures before it was), and its digest before, which the next event links to."""

Chained = tuple[
    int,
    str,
    str,
    str,
    str,
    datetime,
    str,
    str,
    str | None,
    tuple[str, ...],
    str,
    bytes | str | None,
    bytes,
]
"""An event as an event log keeps it: its :data:`Fields`, then the SHA-256 (32 bytes) of
their :func:`row_bytes`."""


def chained(*fields: Any) -> Chained:
    """The row of ``fields`` (an event's, in :data:`Fields` order), with their digest.

    The digest is made here from the fields' canonical bytes, and a row is
    only ever made here: a row's digest is the hash of exactly its fields.
    The bytes are not kept (about 330 bytes an event; 32 for the digest).
    """
    return (*fields, _sha256(row_bytes(fields)).digest())


_sha256 = hashlib.sha256


def chain_of(
    events: Iterable[Chained], recorded: Mapping[int, Redaction] | None = None
) -> tuple[list[str], ChainBreak | None]:
    """Each of ``events``' digest, in order, and the first broken link (``None``: intact).

    Compares each event's digest (:func:`chained` hashed the event's
    canonical bytes, made from its fields, when the event entered its log)
    with the next event's link. ``recorded``: by ``seq``, events redacted by
    erasure. Such an event whose digest is the one recorded after redaction
    counts as its digest from before; one changed since keeps its own, so
    the next link breaks.
    """
    digests: list[str] = []
    add = digests.append
    broken = None
    expected: str | None = None
    raw: bytes | None = None  # expected's 32 bytes (b"": it is not a digest's hex)
    for seq, _, _, _, _, _, _, _, _, _, _, prev, digest in events:
        # a link is 32 bytes, or a str (never equal to bytes): one of the two compares
        if prev != raw and prev != expected and broken is None:
            found = prev.hex() if isinstance(prev, bytes) else prev
            broken = ChainBreak(seq, expected, found)
        raw = digest
        expected = raw.hex()
        if recorded is not None and seq in recorded:
            after, before = recorded[seq]
            if after is None or after == expected:  # else the next link breaks: changed since
                expected, raw = before, _raw(before)
        add(expected)
    return digests, broken


_REASON: Final = '"reason":'


def _raw(text: str) -> bytes:
    """The 32 bytes whose lowercase hex ``text`` is (``b""``: it is no digest's hex)."""
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        return b""
    return raw if len(raw) == 32 and raw.hex() == text else b""


@attrs.frozen
class ChainBreak:
    """The first event whose link does not match the event before it.

    ``expected`` is the digest of the event before (``None``: the first
    event, which links to nothing); ``found`` is what the event carries.
    """

    seq: int
    expected: str | None
    found: str | None

    def __str__(self) -> str:
        if self.expected is None:
            return f"event {self.seq} is the claim's first but links to {self.found}"
        if self.found is None:
            return f"event {self.seq} carries no link to event {self.seq - 1}"
        return (
            f"event {self.seq} links to {self.found[:16]}…, but event {self.seq - 1} "
            f"hashes to {self.expected[:16]}…: event {self.seq - 1} (or an earlier one) "
            "was changed after it was recorded"
        )
