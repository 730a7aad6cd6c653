"""A claim as rows and back: one ``rb_claims`` row, one ``rb_events`` row per event and
one ``rb_claim_items`` row per line, document and message (see ``_items``).

The claim's JSON (without its events) and each event's JSON come from the
library's converter (:mod:`reimbursement.serialization`). Reading rebuilds
the claim from both and checks it: a row that cannot be read back as a
valid claim raises :class:`~reimbursement.errors.StoredDataError` naming the
claim; a row in a record format newer than this library raises
:class:`~reimbursement.errors.SchemaVersionError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa

from ...domain.claim import Claim
from ...errors import SchemaVersionError, StorageError, StoredDataError, ValidationError
from ...ports import ClaimSchedule
from ...serialization import from_data, parse_json, to_data
from ._body import VECTORS, body_text
from ._items import ITEMS_OF_MANY, ITEMS_OF_ONE
from ._schema import CLAIMS, EVENTS, AnyRow, JsonText

__all__ = [
    "RECORD_FORMAT",
    "answer_text",
    "claim_columns",
    "claim_values",
    "event_values",
    "load_answer",
    "load_claims",
]

RECORD_FORMAT: Final = 3
"""The format of ``rb_claims.body`` this library writes (and the newest it reads).

2: expense lines have a ``tax`` (a library that reads only format 1 would
refuse the key; this one reads both, a format-1 line's tax being unknown).
3: ``lines``, ``attachments`` and ``messages`` are the number of their
items, rows of ``rb_claim_items`` (schema version 15 moved them there);
a request's answer still holds them inline."""

_RETRIES: Final = 3
"""Reads of a claim whose item rows a later commit moved on, before it is called corrupt."""


class _Unsettled(Exception):
    """The item rows read do not match the claim row read (moved on, or corrupt)."""


def _utc(instant: datetime | None) -> datetime | None:
    return None if instant is None else instant.astimezone(UTC)


def claim_values(claim: Claim, schedule: ClaimSchedule) -> dict[str, Any]:
    """The ``rb_claims`` columns of ``claim`` (without ``position``)."""
    return {
        "id": claim.id,
        "number": claim.number,
        "customer_id": claim.customer_id,
        "state": claim.state.value,
        "due_at": _utc(schedule.due_at),
        "next_check_at": _utc(schedule.next_check_at),
        "version": claim.version,
        "format": RECORD_FORMAT,
        # the claim's own fields, its lists counted (their items are rows of their own)
        "body": body_text(claim, counted=True),
    }


def event_values(claim: Claim, after: int = 0) -> list[dict[str, Any]]:
    """The ``rb_events`` rows of the claim's events after version ``after`` (all: 0)."""
    return [
        {
            "claim_id": claim.id,
            "seq": event.seq,
            "type": event.type.value,
            "at": _utc(event.at),
            "body": to_data(event),
        }
        for event in claim.events_since(after)
    ]


def _document(claim_id: str, what: str, raw: Any) -> Any:
    """The data of a stored JSON text, read as strictly as the wire reads it."""
    try:
        return parse_json(raw)  # its limits too: a hostile row gets no more than a request
    except ValidationError as error:
        raise StoredDataError(
            f"claim {claim_id}: its stored {what} is not valid JSON within the wire "
            f"format's limits ({error}); restore the row from a backup"
        ) from None


def _claim(row: AnyRow, events: Sequence[AnyRow], items: Sequence[AnyRow]) -> Claim:
    try:
        return _decoded(row, events, items)
    except StorageError as error:
        error.claim_id = row.id  # which one of a page: a sweeper skips it, not the page
        raise


def _decoded(row: AnyRow, events: Sequence[AnyRow], items: Sequence[AnyRow]) -> Claim:
    _check_format(row.id, row.format)
    data = _document(row.id, "claim", row.body)
    if row.format >= 3 and isinstance(data, dict):
        data = _joined(row, data, items)
    return _built(row.id, row.version, data, events)


def _joined(row: AnyRow, data: dict[str, Any], items: Sequence[AnyRow]) -> dict[str, Any]:
    """The claim's data with its lists' items (``items``: its ``rb_claim_items`` rows)."""
    lists: dict[str, list[AnyRow]] = {field: [] for field in VECTORS}
    for item in items:
        if item.list not in lists:
            raise StoredDataError(f"claim {row.id}: it has items of no list {item.list!r}")
        if item.version > row.version:
            raise _Unsettled(f"its {item.list} were written at version {item.version}")
        lists[item.list].append(item)
    joined = dict(data)
    for field, rows in lists.items():
        count = data.get(field)
        if type(count) is not int:
            raise StoredDataError(
                f"claim {row.id}: its stored record is not a valid claim: {field}: not the "
                f"number of its items (record format {row.format})"
            )
        if [r.idx for r in rows] != list(range(count)):
            raise _Unsettled(
                f"its stored {field} are {len(rows)} rows, not the {count} its record counts"
            )
        joined[field] = [_document(row.id, f"{field}[{r.idx}]", r.body) for r in rows]
    return joined


def _check_format(claim_id: str, found: int) -> None:
    if found > RECORD_FORMAT:
        raise SchemaVersionError(
            f"claim {claim_id} is stored in record format {found}, newer than this "
            f"library's {RECORD_FORMAT}: upgrade the reimbursement library to read it"
        )


def _built(claim_id: str, version: int, data: Any, events: Sequence[AnyRow]) -> Claim:
    """The claim ``claim_id`` at ``version`` from its stored data and event rows, checked."""
    if not isinstance(data, dict):
        raise StoredDataError(f"claim {claim_id}: its stored claim is not a JSON object")
    data = {**data, "events": [_document(claim_id, f"event {e.seq}", e.body) for e in events]}
    try:
        claim = from_data(data, Claim)
    except ValidationError as error:
        raise StoredDataError(
            f"claim {claim_id}: its stored record is not a valid claim: {error}"
        ) from error
    if claim.id != claim_id or claim.version != version:
        raise StoredDataError(
            f"claim {claim_id}: the stored record says claim {claim.id} at version "
            f"{claim.version}, its row says version {version}"
        )
    if [e.seq for e in events] != list(range(1, len(events) + 1)):
        raise StoredDataError(f"claim {claim_id}: its stored events are not numbered 1, 2, …")
    return claim


def answer_text(answer: Claim | None) -> JsonText | None:
    """A request's answer as ``rb_requests.answer`` holds it: its record format and the
    claim without its events (they are the claim's first events, kept in ``rb_events``)."""
    if answer is None:
        return None
    return JsonText(f'{{"format":{RECORD_FORMAT},"claim":{body_text(answer).text}}}')


def load_answer(connection: sa.Connection, claim_id: str, version: int, raw: Any) -> Claim:
    """The answer a request record keeps (``answer_text``): the claim at ``version``,
    with its events up to it, checked as a stored claim is."""
    data = _document(claim_id, f"request answer at version {version}", raw)
    if not (type(data) is dict and data.keys() == {"format", "claim"}):
        raise StoredDataError(f"claim {claim_id}: a request's stored answer is not one")
    if type(data["format"]) is not int:
        raise StoredDataError(f"claim {claim_id}: a request's stored answer has no format")
    _check_format(claim_id, data["format"])
    # events are only appended: those up to its version are as they were then
    events = connection.execute(_EVENTS_UP_TO, {"claim_id": claim_id, "version": version}).all()
    try:
        return _built(claim_id, version, data["claim"], events)
    except StorageError as error:
        error.claim_id = claim_id
        raise


_EVENT_COLUMNS = (EVENTS.c.claim_id, EVENTS.c.seq, EVENTS.c.body)
_EVENTS_OF_ONE: Final = (
    sa.select(*_EVENT_COLUMNS)
    .where(EVENTS.c.claim_id == sa.bindparam("claim_id"))
    .order_by(EVENTS.c.seq)
)
_EVENTS_UP_TO: Final = _EVENTS_OF_ONE.where(EVENTS.c.seq <= sa.bindparam("version"))
_ONE_ROW: Final = sa.select(CLAIMS.c.id, CLAIMS.c.version, CLAIMS.c.format, CLAIMS.c.body).where(
    CLAIMS.c.id == sa.bindparam("claim_id")
)
_EVENTS_OF_MANY: Final = (
    sa.select(*_EVENT_COLUMNS)
    .where(EVENTS.c.claim_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(EVENTS.c.claim_id, EVENTS.c.seq)
)


def load_claims(connection: sa.Connection, rows: Iterable[AnyRow]) -> list[Claim]:
    """The claims of ``rows`` (``rb_claims`` rows), in their order, with their events and
    items."""
    claim_rows = list(rows)
    if not claim_rows:
        return []
    events, items = _children(connection, claim_rows)
    claims = []
    for row in claim_rows:
        try:
            claims.append(_claim(row, events[row.id], items[row.id]))
        except _Unsettled:
            claims.append(_read_again(connection, row.id))
    return claims


def _children(
    connection: sa.Connection, claim_rows: Sequence[AnyRow]
) -> tuple[dict[str, list[AnyRow]], dict[str, list[AnyRow]]]:
    """The event rows and item rows of the claims of ``claim_rows``, by claim."""
    ids = [row.id for row in claim_rows]
    events: dict[str, list[AnyRow]] = {claim_id: [] for claim_id in ids}
    items: dict[str, list[AnyRow]] = {claim_id: [] for claim_id in ids}
    versions = {row.id: row.version for row in claim_rows}
    if len(ids) == 1:  # one claim (every desk call): no expanding IN to render
        found = connection.execute(_EVENTS_OF_ONE, {"claim_id": ids[0]})
        stored = connection.execute(ITEMS_OF_ONE, {"claim_id": ids[0]})
    else:
        found = connection.execute(_EVENTS_OF_MANY, {"ids": ids})
        stored = connection.execute(ITEMS_OF_MANY, {"ids": ids})
    for event in found:
        # under READ COMMITTED this second read may see events a later commit appended
        # after the row was read: the row's version is the snapshot, the rest is not ours
        if event.seq <= versions[event.claim_id]:
            events[event.claim_id].append(event)
    for item in stored:
        items[item.claim_id].append(item)
    return events, items


def _read_again(connection: sa.Connection, claim_id: str) -> Claim:
    """The claim ``claim_id`` read again: its items moved on after its row was read (a
    later commit), or they do not match it (corrupt, after :data:`_RETRIES` reads)."""
    problem = ""
    for _ in range(_RETRIES):
        row = connection.execute(_ONE_ROW, {"claim_id": claim_id}).first()
        if row is None:
            break
        events, items = _children(connection, [row])
        try:
            return _claim(row, events[claim_id], items[claim_id])
        except _Unsettled as unsettled:
            problem = str(unsettled)
    error = StoredDataError(
        f"claim {claim_id}: {problem or 'its row is gone'}; restore the claim from a backup"
    )
    error.claim_id = claim_id
    raise error


def claim_columns() -> Sequence[sa.Column[Any]]:
    """The columns :func:`load_claims` needs from ``rb_claims``."""
    return (CLAIMS.c.id, CLAIMS.c.version, CLAIMS.c.format, CLAIMS.c.body)
