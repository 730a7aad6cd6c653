"""The claim aggregate and its parts, as plain immutable data.

A :class:`Claim` never changes: every command returns a new one with the
new events appended (see :mod:`reimbursement.domain.commands`). Stored
claims share their unchanged parts, so a new version costs little.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from ..errors import ValidationError
from ._claimed import ClaimedLines
from ._vector import vector
from .actors import Actor
from .checks import require_type
from .document_records import DocumentRequest, DuplicateFlag
from .events import Event, EventLog, EventType, Visibility
from .feedback import Feedback
from .frozen import FrozenMap, frozen_map
from .lifecycle import ClaimState
from .money import Money
from .payment import PaymentDiscrepancy, PaymentRecord, PaymentStatus

__all__ = [
    "Attachment",
    "Claim",
    "Claimant",
    "ExpenseLine",
    "LineDecision",
    "Message",
    "Outcome",
    "PaymentDiscrepancy",
    "PaymentRecord",
    "PaymentStatus",
    "ReviewDecision",
    "main_category",
]


@attrs.frozen
class Claimant:
    """The customer who claims, and where the money goes."""

    customer_id: str
    name: str
    policy_number: str
    payee_account: str
    email: str = ""
    language: str = "en"


@attrs.frozen
class Attachment:
    """Metadata of a document attached to a claim; the bytes live in a ``DocumentStore``.

    ``media_type`` is what the content is (judged by its content), not what
    the file name claims; ``kind`` what the document is for (``"invoice"``,
    ``"prescription"``: see :mod:`reimbursement.documents`). With the
    ``[documents]`` extra, ``flags`` holds what the content checks found
    (``"pdf_javascript"``…), ``phash`` a photo's perceptual hash (16 hex
    digits), and ``reviewer_copy_id`` / ``thumbnail_id`` the documents
    reviewers see instead of the original (upright, without EXIF or GPS).
    """

    id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    kind: str = "receipt"
    flags: tuple[str, ...] = ()
    phash: str | None = None
    reviewer_copy_id: str | None = None
    thumbnail_id: str | None = None


@attrs.frozen
class ExpenseLine:
    """One expense: a receipt or an invoice.

    ``amount`` is as on the receipt, ``tax`` the tax it includes as stated (``None``:
    unknown). ``claimed`` is the amount in the policy's currency; when the two
    currencies differ, ``fx_rate`` is the rate of the day the expense was incurred
    (policy currency per unit of the receipt's currency).
    """

    id: str
    category: str
    incurred_on: date
    provider: str
    amount: Money
    claimed: Money
    description: str = ""
    attachment_ids: tuple[str, ...] = ()
    fx_rate: Decimal | None = None
    tax: Money | None = None


class Outcome(enum.StrEnum):
    """What a review decided."""

    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    REJECTED = "rejected"
    RETURNED = "returned"


def _decision_field(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if attribute.name == "approved":
        require_type("approved", value, Money, "Money, such as Money('12.50', 'EUR')")
    elif value is not None or attribute.name == "line_id":
        require_type(attribute.name, value, str, "a str")


@attrs.frozen
class LineDecision:
    """The amount approved for one line, with the reason when it is less than claimed.

    Raises :class:`~reimbursement.errors.ValidationError` for a field of the wrong type.
    """

    line_id: str = attrs.field(validator=_decision_field)
    approved: Money = attrs.field(validator=_decision_field)
    reason: str | None = attrs.field(default=None, validator=_decision_field)


@attrs.frozen
class ReviewDecision:
    """One reviewer's decision on the claim.

    ``lines`` holds the approved amount of every line of a partial approval.
    An approval in full lists none: its outcome says that every line is
    approved as claimed (:attr:`Claim.approved_lines` spells it out).
    """

    outcome: Outcome
    reviewer: str
    at: datetime
    lines: tuple[LineDecision, ...] = ()
    reason_code: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def approved_total(self) -> Money | None:
        """Sum of the approved line amounts (None for a decision without lines)."""
        if not self.lines:
            return None
        return Money.sum([d.approved for d in self.lines], self.lines[0].approved.currency)


_APPROVALS = frozenset({Outcome.APPROVED, Outcome.PARTIALLY_APPROVED})


@attrs.frozen
class Message:
    """A message on the claim's thread: customer-visible or an internal note."""

    id: str
    author: str
    role: str
    body: str
    posted_at: datetime
    visibility: Visibility = Visibility.CUSTOMER


def _event_log(events: Iterable[Event]) -> EventLog:
    return events if type(events) is EventLog else EventLog(events)


@attrs.frozen
class Claim(ClaimedLines):
    """An expense-reimbursement claim: the aggregate every command works on.

    ``currency`` is the policy's currency: every ``claimed`` and approved
    amount is in it. ``events`` is the whole timeline; ``version`` is its
    length, so it grows with every command (each appends at least one event)
    and optimistic concurrency needs no separate counter.
    ``requested_documents`` are reviewers' requests for more documents;
    ``duplicate_flags`` what the last submission found alike on other claims.
    ``last_line_number`` is the highest ``n`` of the ``L<n>`` ids the claim
    has given its lines, removed ones included: a line's id is never given
    again, so a decision or a document that named ``L3`` never attaches to
    a later line (0 on a claim stored before the number was kept: its
    lines' ids tell).
    """

    id: str
    claimant: Claimant
    currency: str
    state: ClaimState
    created_at: datetime
    number: str | None = None
    lines: Sequence[ExpenseLine] = attrs.field(default=(), converter=vector)
    attachments: Sequence[Attachment] = attrs.field(default=(), converter=vector)
    messages: Sequence[Message] = attrs.field(default=(), converter=vector)
    decisions: tuple[ReviewDecision, ...] = ()
    payments: tuple[PaymentRecord, ...] = ()
    _events: EventLog = attrs.field(
        factory=EventLog, converter=_event_log, alias="events", repr=False
    )
    assignee: str | None = None
    submitted_at: datetime | None = None
    feedback: Feedback | None = None
    prefilled: Mapping[str, str] = attrs.field(factory=FrozenMap, converter=frozen_map)
    """Where each field the draft was pre-filled with came from: ``"directory"``
    (the customer directory, the system of record) or ``"last_claim"`` (what
    the directory lacks, from the customer's previous claim)."""
    requested_documents: tuple[DocumentRequest, ...] = ()
    duplicate_flags: tuple[DuplicateFlag, ...] = ()
    last_line_number: int = 0

    @property
    def events(self) -> EventLog:
        """The whole timeline, oldest first (a sequence of :class:`Event`)."""
        return self._events

    def events_since(
        self,
        version: int,
        *,
        types: Collection[EventType] | None = None,
        visibility: Visibility | None = None,
    ) -> tuple[Event, ...]:
        """The events appended after ``version`` (the claim's version at some point).

        With ``types`` or ``visibility``, only those events (filtered before
        they are built: the desk asks this after every command).
        """
        return self._events.since(version, types, visibility)

    def events_after_last(
        self, *starts: EventType, types: Collection[EventType] | None = None
    ) -> tuple[Event, ...] | None:
        """The events after the latest one of ``starts`` (only ``types``, if given).

        ``None`` when no event is one of ``starts``.
        """
        index = self._events.last_index_of(starts)
        return None if index is None else self._events.since(index + 1, types)

    @property
    def updated_at(self) -> datetime | None:
        """When the latest event happened (``None`` for a claim without events)."""
        return self._events.last_at()

    @property
    def last_event(self) -> Event | None:
        """The latest event, if any."""
        return self._events[-1] if self._events else None

    def with_next_event(
        self,
        type_: EventType,
        actor: Actor,
        at: datetime,
        to_state: ClaimState | None = None,
        reason: str | None = None,
        data: Mapping[str, str] | None = None,
        visibility: Visibility = Visibility.CUSTOMER,
    ) -> EventLog:
        """The timeline with the claim's next event appended: pass it as ``events=``.

        The event is numbered after the last one and starts from the current
        state; ``to_state`` is where a state change leads (default: the state
        stays). An ``at`` before the last event's raises
        :class:`~reimbursement.errors.ValidationError`: a timeline never goes back.
        """
        last = self._events.last_at()
        if last is not None and at < last:
            raise ValidationError.at(
                "at",
                f"{at.isoformat()} is before event {self.version} of claim {self.id} "
                f"({last.isoformat()}): a claim's events never go back in time",
            )
        state = self.state
        return self._events.append(
            type_,
            self.id,
            actor,
            at,
            state,
            state if to_state is None else to_state,
            reason,
            data,
            visibility,
        )

    @property
    def version(self) -> int:
        """The number of events: grows with every command, used for optimistic concurrency."""
        return self._events.length

    @property
    def decision(self) -> ReviewDecision | None:
        """The latest review decision, if any."""
        return self.decisions[-1] if self.decisions else None

    @property
    def approved_total(self) -> Money:
        """What the latest approval granted (zero before approval or after a rejection)."""
        decision = self.decision
        if decision is None or decision.outcome not in _APPROVALS:
            return Money.zero(self.currency)
        total = decision.approved_total  # None for an approval in full: no line listed
        return self.claimed_total if total is None else total

    @property
    def approved_lines(self) -> tuple[LineDecision, ...]:
        """The latest approval, line by line in claim order (empty unless approved)."""
        decision = self.decision
        if decision is None or decision.outcome not in _APPROVALS:
            return ()
        decided = {d.line_id: d for d in decision.lines}
        return tuple(
            decided.get(line.id) or LineDecision(line.id, line.claimed) for line in self.lines
        )

    @property
    def approver(self) -> str | None:
        """Who approved the claim, if it was approved."""
        decision = self.decision
        return decision.reviewer if decision and decision.outcome in _APPROVALS else None

    @property
    def payment(self) -> PaymentRecord | None:
        """The current payment attempt, if payment was requested."""
        return self.payments[-1] if self.payments else None

    @property
    def payment_discrepancies(self) -> tuple[PaymentDiscrepancy, ...]:
        """Settlements of attempts that were over (failed, cancelled): for staff to reconcile.

        Never part of :attr:`paid_total`; each is an internal event too.
        """
        found = []
        for event in self._events.since(0, (EventType.PAYMENT_DISCREPANCY,)):
            payment = self.payments[int(event.data["attempt"]) - 1]
            found.append(
                PaymentDiscrepancy(
                    payment.attempt,
                    payment.idempotency_key,
                    event.data["reference"],
                    payment.amount,
                    payment.payee_account,
                    event.at,
                    event.actor,
                )
            )
        return tuple(found)

    @property
    def paid_total(self) -> Money:
        """What has actually been paid."""
        return Money.sum(
            (p.amount for p in self.payments if p.status is PaymentStatus.PAID), self.currency
        )

    def visible_events(self) -> Iterator[Event]:
        """The customer's timeline: events without internal notes."""
        return iter(self._events.since(0, visibility=Visibility.CUSTOMER))

    def visible_messages(self) -> Iterator[Message]:
        """Messages the customer sees."""
        return (m for m in self.messages if m.visibility is Visibility.CUSTOMER)


def main_category(claim: Claim) -> str | None:
    """The category of the claim's largest line (the first of equals), ``None`` without lines:
    what routing matches reviewers' skills on and analytics groups by."""
    best = None
    for line in claim.lines:
        # a claim's lines are all in its currency: compare the amounts alone
        if best is None or line.claimed.amount > best.claimed.amount:
            best = line
    return None if best is None else best.category
