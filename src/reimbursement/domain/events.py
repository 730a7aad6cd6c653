"""Events: the immutable record of everything that happened to a claim.

The list of a claim's events is its timeline (what the customer sees), its
audit trail and the input of the analytics. Every state change produces
exactly one event whose ``from_state`` differs from its ``to_state``; other
events (a message, a payment sent) carry the unchanged state in both.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, NoReturn, overload

import attrs

from ._event_data import EventData, flatten_data
from ._replace import trusted_builder
from ._vector import appended, vector
from .actors import Actor, Role
from .chain import ChainBreak, Chained, Redaction, chain_of, chained
from .event_types import EventType, Visibility
from .lifecycle import ClaimState

__all__ = [
    "NO_DATA",
    "Event",
    "EventData",
    "EventLog",
    "EventType",
    "Visibility",
    "event_id",
    "flatten_data",
]


def event_id(claim_id: str, seq: int) -> str:
    """The id of a claim's event number ``seq``: ``"<claim id>#<seq>"``."""
    return f"{claim_id}#{seq}"


NO_DATA: Mapping[str, str] = EventData()
"""The empty, shared ``data`` of an event that carries none."""


@attrs.frozen
class Event:
    """One thing that happened to one claim, by whom, when.

    ``seq`` numbers a claim's events from 1 without gaps, so ``id``
    (``"<claim id>#<seq>"``) is unique and stable: notifications use it as
    their dedupe key. ``data`` holds details as strings (``"12.30 EUR"``), for
    JSON and analytics; ``prev_hash`` links to the event before (:mod:`.chain`).
    """

    seq: int
    type: EventType
    claim_id: str
    actor: str
    role: Role
    at: datetime
    from_state: ClaimState
    to_state: ClaimState
    reason: str | None = None
    _data: tuple[str, ...] = attrs.field(default=NO_DATA, converter=flatten_data, alias="data")
    visibility: Visibility = Visibility.CUSTOMER
    prev_hash: str | None = None

    @property
    def data(self) -> Mapping[str, str]:
        """Event-specific details, strings to strings (read-only)."""
        return EventData._view(self._data)

    @property
    def id(self) -> str:
        """Unique, stable id: ``"<claim id>#<seq>"``."""
        return event_id(self.claim_id, self.seq)

    @property
    def changes_state(self) -> bool:
        """True for the one event of each state change."""
        return self.from_state is not self.to_state

    @property
    def customer_visible(self) -> bool:
        """True when the customer sees this event on their timeline."""
        return self.visibility is Visibility.CUSTOMER


_Text = str | None
_Row = Chained
# How an event log keeps an event: the fields of Event in order, enums by value,
# plain strings, ints and a datetime, the link as 32 raw bytes (a str only when it is
# not a digest's lowercase hex: kept as given), then the SHA-256 of the event's canonical
# bytes (.chain.chained), made from those fields when the row is made and never apart
# from them, so verifying a claim checks the digests of exactly the fields its state is
# read from, without making them again (docs/audit.md); the next event's link is the
# same 32-byte object. Nothing in it is a container the garbage collector must
# track, so a store holding millions of events costs it nothing (an Event each would
# be traversed on every full collection). Only this module reads it.
_TYPE: Final = 1
_AT: Final = 5
_DATA: Final = 9
_VISIBILITY: Final = 10
_PREV: Final = 11
_DIGEST: Final = 12

# an Event from a row's values as they are (what that buys: see _replace)
_event_of_fields = trusted_builder(Event)
_TYPES: Mapping[str, EventType] = {t.value: t for t in EventType}
_ROLES: Mapping[str, Role] = {r.value: r for r in Role}
_STATES: Mapping[str, ClaimState] = {s.value: s for s in ClaimState}
_VISIBILITIES: Mapping[str, Visibility] = {v.value: v for v in Visibility}


def _raw_link(prev: str | None) -> bytes | str | None:
    """A link as a row keeps it: a digest's lowercase hex as its 32 bytes, else as given.

    32 bytes are 65 of memory where the hex is 113, seven times per claim of the
    lifecycle (docs/performance.md, "Issue 11, second session").
    """
    if prev is None or len(prev) != 64:
        return prev
    try:
        raw = bytes.fromhex(prev)
    except ValueError:
        return prev
    return raw if raw.hex() == prev else prev


def _hex_link(prev: bytes | str | None) -> str | None:
    """A row's link as an event carries it (lowercase hex)."""
    return prev.hex() if type(prev) is bytes else prev  # type: ignore[return-value]


def _as_row(event: Event) -> _Row:
    # _value_ rather than .value: the enum descriptor costs on a hot path
    return chained(
        event.seq,
        event.type._value_,
        event.claim_id,
        event.actor,
        event.role._value_,
        event.at,
        event.from_state._value_,
        event.to_state._value_,
        event.reason,
        event._data,
        event.visibility._value_,
        _raw_link(event.prev_hash),
    )


def _from_row(row: _Row) -> Event:
    # rows were checked when the event was made: set the fields directly, as
    # attrs' own __init__ would, without converting them again
    seq, type_, claim_id, actor, role, at, source, dest, reason, data, visibility, prev, _ = row
    return _event_of_fields(
        seq,
        _TYPES[type_],
        claim_id,
        actor,
        _ROLES[role],
        at,
        _STATES[source],
        _STATES[dest],
        reason,
        data,
        _VISIBILITIES[visibility],
        _hex_link(prev),
    )


class EventLog(Sequence[Event]):
    """A claim's events, oldest first: an immutable sequence of :class:`Event`.

    It keeps each event as a plain tuple (the only place that form exists)
    and builds the ``Event`` when it is read; the filters below pick events
    before they are built, which is what the desk asks after every command.
    The rows are a tuple while the log is short and a
    :class:`~reimbursement.domain._vector.Vector` past it, so appending an
    event costs the same on a claim of any length.
    """

    __slots__ = ("_rows", "length")
    _rows: tuple[_Row, ...]
    length: int
    """How many events: the claim's version (an attribute, read on every save)."""

    def __init__(self, events: Iterable[Event] = ()) -> None:
        rows = vector(tuple(map(_as_row, events)))
        object.__setattr__(self, "_rows", rows)
        object.__setattr__(self, "length", len(rows))

    @classmethod
    def _of(cls, rows: Sequence[_Row]) -> EventLog:
        log = object.__new__(cls)
        object.__setattr__(log, "_rows", rows)
        object.__setattr__(log, "length", len(rows))
        return log

    @classmethod
    def _of_fields(cls, fields: Iterable[Sequence[Any]]) -> EventLog:
        return cls._of(vector(tuple(chained(*f) for f in fields)))

    def __reduce__(self) -> tuple[Any, tuple[tuple[Sequence[Any], ...]]]:
        # the fields alone: the digests are made again from them (never taken as given)
        return (EventLog._of_fields, (tuple(row[:_DIGEST] for row in self._rows),))

    def __setattr__(self, name: str, value: object = None) -> NoReturn:
        raise AttributeError(f"a claim's events cannot change ({name!r})")

    __delattr__ = __setattr__

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Event]:
        return map(_from_row, self._rows)

    @overload
    def __getitem__(self, index: int) -> Event: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Event, ...]: ...

    def __getitem__(self, index: int | slice) -> Event | tuple[Event, ...]:
        if isinstance(index, slice):
            return tuple(map(_from_row, self._rows[index]))
        return _from_row(self._rows[index])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventLog) and other._rows == self._rows

    def __hash__(self) -> int:
        return hash(self._rows)

    def __repr__(self) -> str:
        return f"EventLog({len(self._rows)} events)"

    def since(
        self,
        version: int,
        types: Collection[EventType] | None = None,
        visibility: Visibility | None = None,
    ) -> tuple[Event, ...]:
        """The events after the first ``version``, only ``types`` and ``visibility`` if given."""
        rows = self._rows[version:]
        if types is None and visibility is None:
            return tuple(map(_from_row, rows))
        wanted = []
        for row in rows:
            # a StrEnum equals its value, which is what a row holds
            if types is not None and row[_TYPE] not in types:
                continue
            if visibility is not None and row[_VISIBILITY] != visibility:
                continue
            wanted.append(_from_row(row))
        return tuple(wanted)

    def details_since(
        self, version: int, types: Collection[EventType]
    ) -> list[tuple[EventType, Mapping[str, str]]]:
        """The type and data of each event of ``types`` after the first ``version``.

        For readers that need no more of an event (who holds a claim): no
        ``Event`` is built.
        """
        return [
            (_TYPES[row[_TYPE]], EventData._view(row[_DATA]))
            for row in self._rows[version:]
            if row[_TYPE] in types
        ]

    def last_index_of(self, types: Collection[EventType]) -> int | None:
        """The position of the latest event of one of ``types`` (``None``: there is none)."""
        rows = self._rows
        for i in range(len(rows) - 1, -1, -1):
            if rows[i][_TYPE] in types:
                return i
        return None

    def chain(
        self, recorded: Mapping[int, Redaction] | None = None
    ) -> tuple[list[str], ChainBreak | None]:
        """Each event's digest in order and the first broken link (:func:`.chain.chain_of`).

        Read from the rows as they are: no ``Event`` is built (verifying a
        store's claims reads millions). ``recorded``: what erasure recorded of
        the events it redacted, by ``seq``.
        """
        return chain_of(self._rows, recorded)

    def digests_since(self, version: int) -> list[str]:
        """The digest (hex) of each event after the first ``version`` (what a commit logs).

        Each was made when its event entered the log: nothing is hashed here.
        """
        return [row[_DIGEST].hex() for row in self._rows[version:]]

    def raw_digests_since(self, version: int) -> bytes:
        """The 32-byte digest of each event after the first ``version``, joined (in order):
        :meth:`digests_since` as the in-memory log appends them."""
        return b"".join([row[_DIGEST] for row in self._rows[version:]])

    def last_at(self) -> datetime | None:
        """When the latest event happened."""
        return self._rows[-1][_AT] if self._rows else None

    def append(
        self,
        type_: EventType,
        claim_id: str,
        actor: Actor,
        at: datetime,
        from_state: ClaimState,
        to_state: ClaimState,
        reason: str | None,
        data: Mapping[str, str] | None,
        visibility: Visibility,
    ) -> EventLog:
        """A new log with the next event (numbered after the last) appended."""
        row = chained(
            self.length + 1,
            type_._value_,
            claim_id,
            actor.id,
            actor.role._value_,
            at,
            from_state._value_,
            to_state._value_,
            reason,
            flatten_data(data),
            visibility._value_,
            self._rows[-1][_DIGEST] if self._rows else None,
        )
        return EventLog._of(appended(self._rows, row))
