"""Read models: what the customer sees of a claim."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TypeVar

import attrs

from ..domain._claimed import ClaimedLines
from ..domain._ids import position
from ..domain._vector import vector
from ..domain.actors import Actor, Role
from ..domain.authorization import ROLE_ACTIONS
from ..domain.checklist import Checklist
from ..domain.claim import Attachment, Claim, Claimant, ExpenseLine, Message, PaymentStatus
from ..domain.events import Event, EventType, Visibility
from ..domain.feedback import Feedback
from ..domain.frozen import FrozenMap, frozen_map
from ..domain.lifecycle import LIFECYCLE, ClaimState
from ..domain.money import Money
from ..domain.reasons import Guidance, ReasonCatalogue, explain_decision
from ..domain.routing import ReviewPlan
from ..domain.sla import ClaimSla, SlaStatus
from ..ports import ClaimSummary, Page
from .texts import CustomerTexts

__all__ = [
    "ClaimTracking",
    "CustomerClaim",
    "ThreadMessage",
    "TimelineEntry",
    "posted_message",
    "tracking",
]


def _lines(items: Sequence[ExpenseLine]) -> Sequence[ExpenseLine]:
    return vector(items)  # a claim's own vector is kept as it is: nothing copied


def _documents(items: Sequence[Attachment]) -> Sequence[Attachment]:
    return vector(items)


@attrs.frozen
class CustomerClaim(ClaimedLines):
    """What a customer's call answers with: the customer's own part of the claim.

    ``start_draft``, ``update_draft``, ``attach``, ``submit``, ``resubmit``,
    ``withdraw``, ``give_feedback`` and ``edit_feedback`` return it instead of
    the whole :class:`~reimbursement.Claim`, which holds internal notes,
    staff ids, routing reasons and internal events. It holds only what the
    customer gave (claimant details, lines, documents, feedback) and where
    the claim stands (number, state, version), so it never carries staff
    data, and making it costs the same on any claim. The thread, the
    timeline and the decision, in the customer's words, come from
    ``track()``; staff read whole claims with ``get()``.
    """

    id: str
    number: str | None
    state: ClaimState
    currency: str
    claimant: Claimant
    created_at: datetime
    submitted_at: datetime | None
    lines: Sequence[ExpenseLine] = attrs.field(converter=_lines)
    attachments: Sequence[Attachment] = attrs.field(converter=_documents)
    feedback: Feedback | None = attrs.field()
    version: int = attrs.field()
    prefilled: Mapping[str, str] = attrs.field(factory=FrozenMap, converter=frozen_map)
    """Where each pre-filled field came from (see :attr:`Claim.prefilled`)."""

    @classmethod
    def of(cls, claim: Claim) -> CustomerClaim:
        """The customer's part of ``claim`` (its line and document vectors shared, not copied)."""
        return cls(
            claim.id,
            claim.number,
            claim.state,
            claim.currency,
            claim.claimant,
            claim.created_at,
            claim.submitted_at,
            claim.lines,
            claim.attachments,
            claim.feedback,
            claim.version,
            claim.prefilled,
        )


def posted_message(
    claim: Claim, actor: Actor, version: int | None, body: str, visibility: Visibility
) -> Message:
    """The message ``actor``'s ``post_message`` posted: what that call returns.

    ``version`` is the claim's version once the call committed (a replay
    gives the first call's, so it answers the message the first call posted,
    whatever was posted since). ``None`` comes from a request kept before
    stores held the version: then the actor's latest message with this
    ``body`` (stripped, as posted) and ``visibility`` (the request's
    fingerprint binds both).
    """
    events = claim.events
    for seq in range(min(version or 0, len(events)), 0, -1):  # the call's own event is last
        event = events[seq - 1]
        if event.type is EventType.MESSAGE_POSTED and event.actor == actor.id:
            wanted = event.data["message_id"]
            messages = claim.messages
            if messages and messages[-1].id == wanted:  # the call just posted it: no search
                return messages[-1]
            index = position(messages, "M", wanted)
            if index is not None:
                return messages[index]
            break
    for message in reversed(claim.messages):
        posted = (message.author, message.body, message.visibility)
        if posted == (actor.id, body.strip(), visibility):
            return message
    raise LookupError(f"no message of {actor.id} on claim {claim.id}")  # pragma: no cover


@attrs.frozen
class TimelineEntry:
    """One step of the customer's timeline."""

    at: datetime
    event: EventType
    title: str
    detail: str


@attrs.frozen
class ThreadMessage:
    """A message of the claim's thread as the customer sees it: never a staff id.

    ``author`` is ``"You"`` for the customer's own messages and the texts'
    ``staff_label`` (``"Claims team"``) for everyone else's.
    """

    id: str
    author: str
    role: str
    body: str
    posted_at: datetime


def _thread_message(message: Message, texts: CustomerTexts) -> ThreadMessage:
    mine = message.role == Role.CUSTOMER.value
    author = texts.customer_label if mine else texts.staff_label
    return ThreadMessage(message.id, author, message.role, message.body, message.posted_at)


@attrs.frozen
class ClaimTracking:
    """The customer's view of one claim: where it is, what comes next, what happened.

    ``customer_actions`` are the actions the customer can take now (for
    example ``resubmit`` and ``withdraw`` when it was returned).
    ``return_reasons`` are the reviewer's comments of the latest return,
    a catalogued code as its title in the customer's language.
    With an SLA policy on the desk, ``due`` is when the current stage is
    promised to finish, ``on_time`` how it stands against that promise, and
    ``expected_completion`` when the claim should be paid (or decided).
    With an approval plan, while the claim is in review, ``reviews_done``
    of ``reviews_total`` reviews are done and ``open_reviews`` names those
    running now (``"medical review"``), never who holds them. ``guidance``
    explains each catalogued reason of the latest return or rejection, with
    what to do, in the customer's language; ``feedback`` is what the
    customer said about the claim, if anything. ``prefilled`` maps each field
    the draft was pre-filled with to where it came from (``"directory"``,
    ``"last_claim"``), so a form can say "from your profile".
    """

    claim_id: str
    number: str | None
    state: ClaimState
    stage: str
    next_step: str
    claimed: Money
    approved: Money
    paid: Money
    payment_status: PaymentStatus | None
    customer_actions: tuple[str, ...]
    return_reasons: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]
    messages: tuple[ThreadMessage, ...]
    lines: tuple[ExpenseLine, ...] = ()
    due: datetime | None = None
    on_time: SlaStatus | None = None
    expected_completion: datetime | None = None
    reviews_done: int = 0
    reviews_total: int = 0
    open_reviews: tuple[str, ...] = ()
    guidance: tuple[Guidance, ...] = ()
    feedback: Feedback | None = None
    prefilled: Mapping[str, str] = attrs.field(factory=FrozenMap, converter=frozen_map)
    review_progress: str = ""
    """``"2 of 3 reviews done"`` (``"已完成 2/3 项审核"``) while an approval plan runs, else
    ``""``: the texts' ``progress`` phrase, in the customer's language."""
    checklist: Checklist = attrs.field(factory=Checklist)
    """The documents the claim needs and which are still missing (``checklist.missing``):
    the insurer's rules and the reviewers' requests, a request naming no reviewer."""


# who took a claim over, and why, names staff: the customer sees only that it happened
_STAFF_DETAIL = frozenset({EventType.REASSIGNED, EventType.ESCALATED, EventType.ASSIGNED})


def _detail(
    event: Event,
    texts: CustomerTexts,
    titles: dict[str, str],
    claim: Claim,
    reasons: ReasonCatalogue | None,
) -> str:
    step = event.data.get("step")
    title = titles.get(step, step.replace("-", " ")) if step is not None else ""
    if event.type is EventType.REVIEW_STEP_DECIDED and step is not None:
        outcome = texts.outcome(event.data.get("outcome", ""))
        return f"{title}{texts.phrase('label')}{outcome}"
    if event.type in _STAFF_DETAIL:
        return title  # the plan step, never who holds it or why
    return texts.detail(event, claim, reasons)


def tracking(
    claim: Claim,
    texts: CustomerTexts,
    sla: ClaimSla | None = None,
    plan: ReviewPlan | None = None,
    reasons: ReasonCatalogue | None = None,
    checklist: Checklist | None = None,
    language: str | None = None,
) -> ClaimTracking:
    """The customer's view of ``claim``, in ``language`` (default: the claimant's): no staff data.

    Internal notes and events, staff ids and routing reasons are left out
    (``docs/lifecycle.md``). ``plan`` is the claim's approval plan in review, if any;
    ``reasons`` turns return or rejection codes into titles and guidance; ``checklist`` is the
    claim's required documents as the customer sees them
    (:meth:`~reimbursement.domain.checklist.Checklist.for_customer`).
    """
    tag = claim.claimant.language if language is None else language
    texts = texts.for_language(tag)
    titles = {s.id: s.title for s in plan.steps} if plan is not None else {}
    timeline = tuple(
        TimelineEntry(e.at, e.type, texts.title(e), _detail(e, texts, titles, claim, reasons))
        for e in claim.visible_events()
    )
    decision = claim.decision
    returned = decision.reasons if claim.state is ClaimState.RETURNED and decision else ()
    returned = tuple(texts.reason(r, claim, reasons) for r in returned)
    customer = ROLE_ACTIONS[Role.CUSTOMER]
    payment = claim.payment
    done = sum(1 for s in plan.steps if s.is_decided) if plan is not None else 0
    total = len(plan.steps) if plan is not None else 0
    progress = texts.phrase("progress").format(done=done, total=total) if total else ""
    current = next((s for s in reversed(sla.stages) if s.open), None) if sla else None
    return ClaimTracking(
        claim.id,
        claim.number,
        claim.state,
        texts.stage(claim.state),
        texts.next_step(claim.state),
        claim.claimed_total,
        claim.approved_total,
        claim.paid_total,
        payment.status if payment is not None else None,
        tuple(a.value for a in LIFECYCLE.allowed(claim.state) if a in customer),
        returned,
        timeline,
        tuple(_thread_message(m, texts) for m in claim.visible_messages()),
        tuple(claim.lines),
        current.due if current else None,
        current.status if current else None,
        sla.expected_completion if sla else None,
        done,
        total,
        tuple(s.title for s in plan.open_steps()) if plan is not None else (),
        explain_decision(claim, reasons, tag) if reasons is not None else (),
        claim.feedback,
        claim.prefilled,
        progress,
        Checklist() if checklist is None else checklist.for_customer(),
    )


_Listed = TypeVar("_Listed", Claim, ClaimSummary)


def others_claims(page: Page[_Listed], actor: Actor) -> Page[_Listed]:
    """``page`` without the claims ``actor`` submitted: on their own claim a member of staff
    is its customer, who reads it with ``track()`` (the page may hold fewer than asked)."""
    kept = tuple(c for c in page.items if c.customer_id != actor.id)
    return page if len(kept) == len(page.items) else Page(kept, page.next_cursor)
