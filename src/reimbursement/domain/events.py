"""Events: the immutable record of everything that happened to a claim.

The list of a claim's events is its timeline (what the customer sees), its
audit trail and the input of the analytics. Every state change produces
exactly one event whose ``from_state`` differs from its ``to_state``; other
events (a message, a payment sent) carry the unchanged state in both.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from datetime import datetime

import attrs

from .actors import Role
from .lifecycle import ClaimState

__all__ = [
    "NO_DATA",
    "Event",
    "EventData",
    "EventRow",
    "EventType",
    "Visibility",
    "event_id",
    "event_type",
    "flatten_data",
]


class Visibility(enum.StrEnum):
    """Who may see an event or a message."""

    CUSTOMER = "customer"
    """The customer and staff."""
    INTERNAL = "internal"
    """Staff only: internal notes never reach the customer."""


class EventType(enum.StrEnum):
    """What happened."""

    DRAFT_STARTED = "draft_started"
    DRAFT_UPDATED = "draft_updated"
    ATTACHMENT_ADDED = "attachment_added"
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    PAYMENT_REQUESTED = "payment_requested"
    PAYMENT_APPROVED = "payment_approved"
    PAYMENT_SENT = "payment_sent"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_RETRIED = "payment_retried"
    MESSAGE_POSTED = "message_posted"
    REASSIGNED = "reassigned"
    ESCALATED = "escalated"
    REVIEW_STEP_DECIDED = "review_step_decided"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    FEEDBACK_GIVEN = "feedback_given"
    FEEDBACK_EDITED = "feedback_edited"


def flatten_data(items: Mapping[str, str] | None) -> tuple[str, ...]:
    """``items`` as one flat tuple ``(key, value, key, value, …)`` of strings."""
    if type(items) is EventData:
        return items._flat
    if not items:
        return ()
    flat: list[str] = []
    for key, value in items.items():
        if type(key) is not str or type(value) is not str:
            raise TypeError(f"event data maps str to str, got {key!r}: {value!r}")
        flat += (key, value)
    return tuple(flat)


class EventData(Mapping[str, str]):
    """The details of an event: an immutable mapping of strings to strings.

    A view over the flat tuple the event stores: a plain tuple of strings is
    a third of the memory of a small ``dict``, and the garbage collector stops
    tracking it, which matters when a store keeps every event of every claim.
    """

    __slots__ = ("_flat",)

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._flat = flatten_data(items)

    @classmethod
    def _view(cls, flat: tuple[str, ...]) -> EventData:
        data = object.__new__(cls)
        data._flat = flat
        return data

    def __getitem__(self, key: str) -> str:
        flat = self._flat
        for i in range(0, len(flat), 2):
            if flat[i] == key:
                return flat[i + 1]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._flat[::2])

    def __len__(self) -> int:
        return len(self._flat) // 2

    def __repr__(self) -> str:
        return f"EventData({dict(self)!r})"

    def __hash__(self) -> int:
        return hash(self._flat)


def event_type(value: str) -> EventType:
    """The event type a stored row holds as ``value`` (a dictionary look-up, no enum call)."""
    return _TYPES[value]


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
    their dedupe key. ``data`` holds event-specific details as strings
    (amounts as ``"12.30 EUR"``), ready for JSON and for analytics.
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

    def as_row(self) -> EventRow:
        """The event as the plain tuple a claim stores (see :data:`EventRow`)."""
        # _value_ rather than .value: the enum descriptor costs on a hot path
        return (
            self.seq,
            self.type._value_,
            self.claim_id,
            self.actor,
            self.role._value_,
            self.at,
            self.from_state._value_,
            self.to_state._value_,
            self.reason,
            self._data,
            self.visibility._value_,
        )

    @classmethod
    def from_row(cls, row: EventRow) -> Event:
        """The event a stored row holds."""
        # rows were checked when the event was made: set the fields directly,
        # as attrs' own __init__ would, without converting them again
        seq, type_, claim_id, actor, role, at, source, dest, reason, data, visibility = row
        event = object.__new__(cls)
        _seq(event, seq)
        _type(event, _TYPES[type_])
        _claim_id(event, claim_id)
        _actor(event, actor)
        _role(event, _ROLES[role])
        _at(event, at)
        _from_state(event, _STATES[source])
        _to_state(event, _STATES[dest])
        _reason(event, reason)
        _data(event, data)
        _visibility(event, _VISIBILITIES[visibility])
        return event


EventRow = tuple[int, str, str, str, str, datetime, str, str, str | None, tuple[str, ...], str]
"""How a claim stores an event: a plain tuple of strings, ints and a datetime.

The fields of :class:`Event` in order, enums by value. Nothing in it is a
container the garbage collector must track, so a store holding millions of
events costs the collector nothing (an ``Event`` object each would be
traversed on every full collection).
"""

# Event is frozen: its slots are set through their descriptors, which costs
# less than object.__setattr__ field by field
_seq = Event.__dict__["seq"].__set__
_type = Event.__dict__["type"].__set__
_claim_id = Event.__dict__["claim_id"].__set__
_actor = Event.__dict__["actor"].__set__
_role = Event.__dict__["role"].__set__
_at = Event.__dict__["at"].__set__
_from_state = Event.__dict__["from_state"].__set__
_to_state = Event.__dict__["to_state"].__set__
_reason = Event.__dict__["reason"].__set__
_data = Event.__dict__["_data"].__set__
_visibility = Event.__dict__["visibility"].__set__
_TYPES: Mapping[str, EventType] = {t.value: t for t in EventType}
_ROLES: Mapping[str, Role] = {r.value: r for r in Role}
_STATES: Mapping[str, ClaimState] = {s.value: s for s in ClaimState}
_VISIBILITIES: Mapping[str, Visibility] = {v.value: v for v in Visibility}
