"""What every claim satisfies: the invariants the commands keep, checked on a claim from outside.

A claim the desk builds is valid by construction: each command checks its input and
appends its event. A claim read from the wire or from storage was built by nobody we
know, so :func:`check_claim` checks it against the same rules; the library's converter
calls it on every claim it reads (:func:`~reimbursement.serialization.from_data`, hence
every adapter that stores claims as JSON). It refuses, naming the claim and the field:

- identity: a non-blank id, an ISO 4217 currency, a claimant with a customer id;
- the timeline: at least one event, the first ``draft_started`` at ``created_at``;
  events numbered 1, 2, … of this claim, each by a named actor, none earlier than the
  one before it, each starting in the state the previous one left; every state change
  one the lifecycle allows, by the event type that makes it; the claim in the state its
  last event reached;
- lines: unique ids, never the id of a line removed before (nor above
  ``last_line_number``, when it is kept), a category and a provider, an amount above
  zero, a claimed amount in the claim's currency equal to the amount (same currency, no
  rate) or to the amount at its rate (another currency), never incurred after the
  claim's last event (its date in UTC+14:00, the latest "today"); once submitted,
  documents that exist;
- documents and messages: one per ``attachment_added`` / ``message_posted`` event, in
  order, with unique ids, an accepted media type, a size of at least one byte, a sha256
  of 64 hex digits, a message body within ``MAX_MESSAGE_LENGTH``;
- number and submission time: those of the ``submitted`` event, absent before;
- decisions: one per deciding event (returned, approved, partially approved, rejected),
  by its actor, at its time; a partial approval lists every line in claim order, each
  between zero and the claimed amount, with a reason when lower, for less than claimed
  in total;
- payments: one per ``payment_requested``, ``payment_retried`` or ``payee_changed``
  event, numbered with their idempotency keys, each for the approved amount in the
  claim's currency, the earlier ones failed or cancelled, the current one in the status
  the claim's state says; a staff member's account change names them; each reported
  discrepancy names an attempt that was over, and a reference;
- pre-filled fields: known claimant fields, each from ``directory`` or ``last_claim``;
- feedback: present exactly when ``feedback_given`` is, given and edited at those
  events' times, within its scales (CSAT 1–5, CES 1–7, NPS 0–10).

Event times never go back: the desk stamps a call no earlier than the claim's last event
(when its host's clock is behind the host that wrote that event, the call takes the last
event's time), so a claim written by hosts whose clocks differ a little stays valid.
Equal times are allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal

from .._show import QUOTE_LENGTH, cut, show
from ..errors import FieldProblem, ValidationError
from ._ids import last_number
from ._payment_invariants import decision_problems, payment_problems
from .checks import latest_today
from .claim import Claim
from .commands.drafts import FROM_DIRECTORY, FROM_LAST_CLAIM, PREFILLED_FIELDS
from .commands.messages import MAX_MESSAGE_LENGTH
from .commands.privacy import FINAL_STATES
from .currencies import MINOR_UNITS
from .documents import ACCEPTED_MEDIA_TYPES
from .events import Event, EventType
from .feedback_rules import CES_SCALE, CSAT_SCALE, MAX_FEEDBACK_TEXT, NPS_SCALE
from .lifecycle import LIFECYCLE, Action, ClaimState
from .money import Money
from .tax import tax_problem

__all__ = ["check_claim", "claim_problems"]

_E = EventType
_S = ClaimState
# the lifecycle action each state-changing event type records
_ACTION_OF: dict[EventType, Action] = {
    _E.DRAFT_UPDATED: Action.UPDATE_DRAFT,
    _E.SUBMITTED: Action.SUBMIT,
    _E.ASSIGNED: Action.START_REVIEW,
    _E.RETURNED: Action.RETURN_FOR_CORRECTION,
    _E.RESUBMITTED: Action.RESUBMIT,
    _E.APPROVED: Action.APPROVE,
    _E.PARTIALLY_APPROVED: Action.APPROVE_PARTIALLY,
    _E.REJECTED: Action.REJECT,
    _E.WITHDRAWN: Action.WITHDRAW,
    _E.PAYMENT_REQUESTED: Action.REQUEST_PAYMENT,
    _E.PAYMENT_APPROVED: Action.APPROVE_PAYMENT,
    _E.PAYMENT_SENT: Action.SEND_PAYMENT,
    _E.PAID: Action.CONFIRM_PAYMENT,
    _E.PAYMENT_FAILED: Action.FAIL_PAYMENT,
    _E.PAYMENT_RETRIED: Action.RETRY_PAYMENT,
    _E.PAYMENT_CANCELLED: Action.CANCEL_PAYMENT,
    _E.PAYEE_CHANGED: Action.CHANGE_PAYEE,
}
# event types that leave the state as it is, and the states they happen in (None: any)
_STAYS: dict[EventType, frozenset[ClaimState] | None] = {
    _E.ASSIGNED: frozenset({_S.IN_REVIEW}),  # a further step of a parallel plan
    _E.ATTACHMENT_ADDED: frozenset({_S.DRAFT, _S.RETURNED}),
    _E.REASSIGNED: frozenset({_S.IN_REVIEW}),
    _E.ESCALATED: frozenset({_S.IN_REVIEW}),
    _E.REVIEW_STEP_DECIDED: frozenset({_S.IN_REVIEW}),
    _E.MESSAGE_POSTED: None,
    _E.SLA_WARNING: None,
    _E.SLA_BREACHED: None,
    _E.FEEDBACK_GIVEN: None,
    _E.FEEDBACK_EDITED: None,
    # a settlement of an attempt that was over: reported in any state after one
    _E.PAYMENT_DISCREPANCY: frozenset(
        {_S.PAYMENT_REQUESTED, _S.PAYMENT_APPROVED, _S.PAID, _S.PAYMENT_FAILED}
    ),
    _E.STRAIGHT_THROUGH_DECIDED: frozenset({_S.SUBMITTED}),
    _E.DUPLICATE_CONFIRMED: frozenset({_S.IN_REVIEW}),
    _E.AUDIT_REVIEWED: None,  # looks back at an automatic approval, in whatever state
    _E.DOCUMENT_DELETED: None,  # retention runs out in any state
    _E.PERSONAL_DATA_ERASED: FINAL_STATES,
}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PHASH = re.compile(r"[0-9a-f]{16}")


def check_claim(claim: Claim) -> None:
    """Raise :class:`~reimbursement.errors.ValidationError` unless ``claim`` keeps every
    invariant of a claim the desk builds (see the module docstring).

    Each problem names the claim and the broken invariant, at the path of the
    field (``lines[1].claimed.currency``, ``events[3].seq``).
    """
    problems = list(claim_problems(claim))
    if problems:
        raise ValidationError(f"claim {_name(claim)} is not a valid claim", problems)


def claim_problems(claim: Claim) -> Iterator[FieldProblem]:
    """Every broken invariant of ``claim``, each at its path (empty when it is valid)."""
    events = tuple(claim.events)
    found = [
        *_identity(claim),
        *_timeline(claim, events),
        *_lines(claim, events),
        *_documents(claim, events),
        *_messages(claim, events),
        *_submission(claim, events),
        *decision_problems(claim, events),
        *payment_problems(claim, events),
        *_feedback(claim, events),
        *_prefilled(claim),
    ]
    if found:  # named only when there is something to say
        name = f"claim {_name(claim)}"
        yield from (FieldProblem(path, f"{name}: {message}") for path, message in found)


_Problems = Iterator[tuple[str, str]]


def _name(claim: Claim) -> str:
    return cut(claim.id, QUOTE_LENGTH) if claim.id.strip() else repr(claim.id)


def _blank(text: str) -> bool:
    return not text.strip()


def _identity(claim: Claim) -> _Problems:
    if _blank(claim.id):
        yield "id", "the id is empty"
    if claim.currency not in MINOR_UNITS:
        yield "currency", f"{show(claim.currency)} is not an ISO 4217 currency code"
    if _blank(claim.claimant.customer_id):
        yield "claimant.customer_id", "the customer id is empty"


def _timeline(claim: Claim, events: Sequence[Event]) -> _Problems:
    if not events:
        yield "events", "a claim has at least its draft_started event"
        return
    first = events[0]
    if first.type is not _E.DRAFT_STARTED or first.at != claim.created_at:
        yield "events[0]", "the first event is draft_started, at the claim's created_at"
    state = _S.DRAFT
    previous = first
    for i, event in enumerate(events):
        path = f"events[{i}]"
        if event.at < previous.at:
            yield (
                f"{path}.at",
                f"event {event.seq} ({event.type}) is at {event.at.isoformat()}, before "
                f"event {previous.seq} at {previous.at.isoformat()}: events never go back in time",
            )
        previous = event
        if event.seq != i + 1:
            yield f"{path}.seq", f"is {event.seq}: events are numbered 1, 2, … without gaps"
        if event.claim_id != claim.id:
            yield f"{path}.claim_id", f"is an event of claim {show(event.claim_id)}"
        if _blank(event.actor):
            yield f"{path}.actor", "names nobody"
        if event.from_state is not state:
            yield f"{path}.from_state", f"is {event.from_state}: the claim was {state}"
        elif not _allowed(event, i):
            yield (
                f"{path}.to_state",
                f"a {event.type} event cannot lead from {event.from_state} to {event.to_state}",
            )
        state = event.to_state
    if claim.state is not state:
        yield "state", f"is {claim.state}, but its events leave it {state}"


def _legal_steps() -> frozenset[tuple[EventType, ClaimState, ClaimState]]:
    """Every (event type, from, to) a claim's events after the first may show."""
    steps = {
        (type_, source, LIFECYCLE.target("", source, action))
        for type_, action in _ACTION_OF.items()
        for source in ClaimState
        if LIFECYCLE.can(source, action)
    }
    for type_, states in _STAYS.items():
        steps |= {(type_, state, state) for state in states or ClaimState}
    return frozenset(steps)


_LEGAL_STEPS = _legal_steps()


def _allowed(event: Event, index: int) -> bool:
    if index == 0:
        return event.type is _E.DRAFT_STARTED and event.from_state is event.to_state is _S.DRAFT
    return (event.type, event.from_state, event.to_state) in _LEGAL_STEPS


def _of_type(events: Sequence[Event], *types: EventType) -> list[Event]:
    return [e for e in events if e.type in types]


def _removed_lines(events: Sequence[Event]) -> set[str]:
    removed: set[str] = set()
    for event in events:
        if (ids := event.data.get("lines_removed")) is not None:
            removed.update(ids.split(","))
    return removed


def _line_numbers(claim: Claim, events: Sequence[Event]) -> _Problems:
    given = claim.last_line_number
    if given < 0:
        yield "last_line_number", f"is {given}: no line has a negative number"
    highest = last_number("L", claim.lines)
    if given and highest > given:
        yield "last_line_number", f"is {given}, but the claim has a line L{highest}"
    removed = _removed_lines(events)
    for i, line in enumerate(claim.lines):
        if line.id in removed:
            yield f"lines[{i}].id", f"{show(line.id)} is the id of a removed line: never reused"


def _lines(claim: Claim, events: Sequence[Event]) -> _Problems:
    created_day = latest_today(claim.created_at)
    submitted = any(e.type is _E.SUBMITTED for e in events)
    attached = {a.id for a in claim.attachments}
    seen: set[str] = set()
    yield from _line_numbers(claim, events)
    for i, line in enumerate(claim.lines):
        path = f"lines[{i}]"
        if _blank(line.id) or line.id in seen:
            yield f"{path}.id", f"{show(line.id)} is empty or the id of another line"
        seen.add(line.id)
        for field in ("category", "provider"):
            if _blank(getattr(line, field)):
                yield f"{path}.{field}", "is empty"
        if line.amount.amount <= 0:
            yield f"{path}.amount", f"must be above zero, is {line.amount}"
        yield from _claimed(claim, path, line.amount, line.claimed, line.fx_rate)
        taxed = tax_problem(f"{path}.tax", line.tax, line.amount)
        if taxed is not None:
            yield taxed
        if line.incurred_on > created_day and line.incurred_on > _last_day(claim, events):
            yield f"{path}.incurred_on", f"{line.incurred_on} is after the claim's last event"
        if submitted:
            for j, ref in enumerate(line.attachment_ids):
                if ref not in attached:
                    yield f"{path}.attachment_ids[{j}]", f"no document {show(ref)} on the claim"


def _last_day(claim: Claim, events: Sequence[Event]) -> date:
    last = events[-1].at if events else claim.created_at  # events never go back in time
    return latest_today(last)


def _claimed(
    claim: Claim, path: str, amount: Money, claimed: Money, rate: Decimal | None
) -> _Problems:
    if claimed.currency != claim.currency:
        yield f"{path}.claimed", f"is in {claimed.currency}, the claim is in {claim.currency}"
        return
    if amount.currency == claim.currency:
        if rate is not None:
            yield f"{path}.fx_rate", "a line in the claim's currency has no rate"
        elif claimed != amount:
            yield f"{path}.claimed", f"is {claimed}, the line's amount is {amount}"
        return
    if rate is None or not rate.is_finite() or rate <= 0:
        yield f"{path}.fx_rate", f"a line in {amount.currency} needs a positive rate"
        return
    try:
        expected = amount.convert(claim.currency, rate)
    except ValidationError:  # a rate so large the amount is past Decimal's precision
        yield f"{path}.fx_rate", f"{rate} is not a rate an amount can be converted at"
        return
    if claimed != expected:
        yield f"{path}.claimed", f"is {claimed}, but {amount} at {rate} is {expected}"


def _documents(claim: Claim, events: Sequence[Event]) -> _Problems:
    added = [e.data.get("attachment_id") for e in _of_type(events, _E.ATTACHMENT_ADDED)]
    if [a.id for a in claim.attachments] != added:
        yield "attachments", "are not the documents its attachment_added events added"
    for i, doc in enumerate(claim.attachments):
        path = f"attachments[{i}]"
        if _blank(doc.file_name):
            yield f"{path}.file_name", "is empty"
        if doc.media_type not in ACCEPTED_MEDIA_TYPES:
            yield f"{path}.media_type", f"{show(doc.media_type)} is not an accepted type"
        if doc.size < 1:
            yield f"{path}.size", f"is {doc.size}: a document has at least one byte"
        if not _SHA256.fullmatch(doc.sha256):
            yield f"{path}.sha256", "is not 64 lower-case hex digits"
        if doc.phash is not None and not _PHASH.fullmatch(doc.phash):
            yield f"{path}.phash", "is not 16 lower-case hex digits"


def _messages(claim: Claim, events: Sequence[Event]) -> _Problems:
    posted = _of_type(events, _E.MESSAGE_POSTED)
    if [m.id for m in claim.messages] != [e.data.get("message_id") for e in posted]:
        yield "messages", "are not the messages its message_posted events posted"
        posted = []
    for i, message in enumerate(claim.messages):
        path = f"messages[{i}]"
        if _blank(message.body) or len(message.body) > MAX_MESSAGE_LENGTH:
            yield f"{path}.body", f"is empty or longer than {MAX_MESSAGE_LENGTH} characters"
        if posted and (message.posted_at, message.author, message.visibility) != (
            posted[i].at,
            posted[i].actor,
            posted[i].visibility,
        ):
            yield path, "was not posted when, by whom or as its event says"


def _submission(claim: Claim, events: Sequence[Event]) -> _Problems:
    submitted = _of_type(events, _E.SUBMITTED)
    if not submitted:
        if claim.number is not None or claim.submitted_at is not None:
            yield "number", "a claim never submitted has no number and no submission time"
        return
    if claim.number is None or claim.number != submitted[0].data.get("number"):
        yield "number", f"is {show(claim.number)}, its submitted event gave another"
    if claim.submitted_at != submitted[0].at:
        yield "submitted_at", "is not the time of its submitted event"
    if claim.assignee is not None and _blank(claim.assignee):
        yield "assignee", "names nobody"


def _feedback(claim: Claim, events: Sequence[Event]) -> _Problems:
    given = _of_type(events, _E.FEEDBACK_GIVEN)
    feedback = claim.feedback
    if feedback is None:
        if given:
            yield "feedback", "is missing, though its feedback_given event is there"
        return
    if not given or feedback.given_at != given[0].at:
        yield "feedback.given_at", "is not the time of its feedback_given event"
    edits = _of_type(events, _E.FEEDBACK_EDITED)
    if feedback.edited_at != (edits[-1].at if edits else None):
        yield "feedback.edited_at", "is not the time of its last feedback_edited event"
    for stage, rating in feedback.ratings.items():
        if rating not in CSAT_SCALE:
            yield f"feedback.ratings[{stage}]", f"is {rating}; CSAT is 1 to 5"
    if feedback.ces is not None and feedback.ces not in CES_SCALE:
        yield "feedback.ces", f"is {feedback.ces}; the effort score is 1 to 7"
    if feedback.nps is not None and feedback.nps not in NPS_SCALE:
        yield "feedback.nps", f"is {feedback.nps}; likelihood to recommend is 0 to 10"
    if len(feedback.text) > MAX_FEEDBACK_TEXT:
        yield "feedback.text", f"is longer than {MAX_FEEDBACK_TEXT} characters"
    if _blank(feedback.channel):
        yield "feedback.channel", "is empty"
    if len(set(feedback.problems)) != len(feedback.problems) or any(
        _blank(p) for p in feedback.problems
    ):
        yield "feedback.problems", "holds an empty code or one code twice"


_PREFILLABLE = frozenset({*PREFILLED_FIELDS, "currency"})
_SOURCES = frozenset({FROM_DIRECTORY, FROM_LAST_CLAIM})


def _prefilled(claim: Claim) -> _Problems:
    for field, source in claim.prefilled.items():
        if field not in _PREFILLABLE or source not in _SOURCES:
            yield (
                f"prefilled[{show(field)}]",
                f"is {show(source)}: a pre-filled field is one of the claimant's, "
                f"from {FROM_DIRECTORY!r} or {FROM_LAST_CLAIM!r}",
            )
