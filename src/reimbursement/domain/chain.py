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
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from json.encoder import encode_basestring
from typing import Any

import attrs

__all__ = [
    "ChainBreak",
    "Fields",
    "canonical_event",
    "chain_of",
    "digest_of",
    "event_digest",
]

Fields = tuple[
    int, str, str, str, str, datetime, str, str, str | None, tuple[str, ...], str, str | None
]
"""An event's fields in :func:`canonical_event`'s order, enums by value (``data`` flat)."""


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


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
    prev_hash: str | None,
) -> bytes:
    """The RFC 8785 bytes of one event, from its fields (``data`` flat: key, value, …).

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
        f'"from_state":{encode_basestring(from_state)},"prev":{_text(prev_hash)},'
        f'"reason":{_text(reason)},"role":{encode_basestring(role)},"seq":{int(seq)},'
        f'"to_state":{encode_basestring(to_state)},"type":{encode_basestring(type_)},'
        f'"visibility":{encode_basestring(visibility)}}}'
    ).encode()


def event_digest(*fields: object) -> str:
    """SHA-256 (hex) of :func:`canonical_event` of ``fields``: what the next event links to."""
    return hashlib.sha256(canonical_event(*fields)).hexdigest()  # type: ignore[arg-type]


def digest_of(event: Any) -> str:
    """The digest of ``event`` (an :class:`~reimbursement.domain.events.Event`)."""
    return event_digest(
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


def _memo(memo: dict[str, str], text: str) -> str:
    quoted = memo[text] = encode_basestring(text)
    return quoted


def _day(days: dict[int, str], ordinal: int) -> str:
    text = days[ordinal] = date.fromordinal(ordinal).isoformat()
    return text


# chain_of hashes exactly canonical_event's bytes (the tests compare the two, and
# both with rfc8785, on arbitrary events), with less work per event, since
# verifying a desk's claims hashes millions of them (benchmarks/audit.py): every
# string a claim repeats (its id, actors, states, roles, types, data keys) is
# escaped once per call, the date of an instant is formatted once per day, and a
# link that matches is a hex digest made here, which needs no escaping.


def chain_of(
    events: Iterable[Fields], recorded: Mapping[int, str] | None = None
) -> tuple[list[str], ChainBreak | None]:
    """Each of ``events``' digest, in order, and the first broken link (``None``: intact).

    ``recorded``: digests to take instead of hashing, by ``seq`` (erased events).
    """
    memo: dict[str, str] = {}
    days: dict[int, str] = {}
    get, day_of, quote, sha256 = memo.get, days.get, encode_basestring, hashlib.sha256
    digests: list[str] = []
    broken, expected, hashed = None, None, False
    for (
        seq,
        type_,
        claim_id,
        actor,
        role,
        at,
        source,
        dest,
        reason,
        data,
        visibility,
        prev,
    ) in events:
        if prev is not None and prev == expected:
            link = f'"{prev}"' if hashed else quote(prev)  # a digest made here: hex digits
        else:
            link = "null" if prev is None else quote(prev)
            if broken is None and prev != expected:
                broken = ChainBreak(seq, expected, prev)
        if recorded is not None and seq in recorded:
            expected, hashed = recorded[seq], False
            digests.append(expected)
            continue
        pairs = ",".join(
            f"[{get(data[i]) or _memo(memo, data[i])},{quote(data[i + 1])}]"
            for i in range(0, len(data), 2)
        )
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        day = at.toordinal()
        expected, hashed = (
            sha256(
                f'{{"actor":{get(actor) or _memo(memo, actor)},'
                f'"at":"{day_of(day) or _day(days, day)}T'
                f'{at.time().isoformat("microseconds")}+00:00",'
                f'"claim_id":{get(claim_id) or _memo(memo, claim_id)},"data":[{pairs}],'
                f'"from_state":{get(source) or _memo(memo, source)},"prev":{link},'
                f'"reason":{"null" if reason is None else quote(reason)},'
                f'"role":{get(role) or _memo(memo, role)},"seq":{int(seq)},'
                f'"to_state":{get(dest) or _memo(memo, dest)},'
                f'"type":{get(type_) or _memo(memo, type_)},'
                f'"visibility":{get(visibility) or _memo(memo, visibility)}}}'.encode()
            ).hexdigest(),
            True,
        )
        digests.append(expected)
    return digests, broken


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
