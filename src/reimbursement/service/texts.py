"""What the customer reads: stage names, next steps and timeline titles.

Texts are keyed by language with English as the fallback; an insurer can
pass its own :class:`CustomerTexts` to the desk.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..domain.events import Event, EventType
from ..domain.frozen import frozen_map
from ..domain.lifecycle import ClaimState

__all__ = ["DEFAULT_TEXTS", "CustomerTexts"]

S = ClaimState
E = EventType

_STAGES: Mapping[ClaimState, tuple[str, str]] = {
    S.DRAFT: ("Draft", "Add your expenses and receipts, then submit."),
    S.SUBMITTED: ("Submitted", "Your claim is being passed to a reviewer."),
    S.IN_REVIEW: ("In review", "A reviewer is checking your claim. No action needed."),
    S.RETURNED: (
        "Needs your correction",
        "Read the reviewer's comments, correct what they ask, and resubmit.",
    ),
    S.APPROVED: ("Approved", "We are preparing your payment."),
    S.PARTIALLY_APPROVED: (
        "Partly approved",
        "Part of your claim was approved; we are preparing the payment.",
    ),
    S.REJECTED: ("Rejected", "Your claim was not approved. See the reason below."),
    S.PAYMENT_REQUESTED: ("Payment being approved", "Finance is approving your payment."),
    S.PAYMENT_APPROVED: ("Payment on its way", "Your payment is being sent to your account."),
    S.PAID: ("Paid", "The money has been paid to your account."),
    S.PAYMENT_FAILED: (
        "Payment failed",
        "We could not pay into your account. Check your bank details; we will retry.",
    ),
    S.WITHDRAWN: ("Withdrawn", "You withdrew this claim."),
}

_TITLES: Mapping[EventType, str] = {
    E.DRAFT_STARTED: "Draft started",
    E.DRAFT_UPDATED: "Draft updated",
    E.ATTACHMENT_ADDED: "Document added",
    E.SUBMITTED: "Claim submitted",
    E.ASSIGNED: "Review started",
    E.RETURNED: "Returned to you for correction",
    E.RESUBMITTED: "Corrected claim resubmitted",
    E.APPROVED: "Claim approved",
    E.PARTIALLY_APPROVED: "Claim partly approved",
    E.REJECTED: "Claim rejected",
    E.WITHDRAWN: "Claim withdrawn",
    E.PAYMENT_REQUESTED: "Payment requested",
    E.PAYMENT_APPROVED: "Payment approved",
    E.PAYMENT_SENT: "Payment sent",
    E.PAID: "Paid",
    E.PAYMENT_FAILED: "Payment failed",
    E.PAYMENT_RETRIED: "Payment being retried",
    E.MESSAGE_POSTED: "New message",
    E.REASSIGNED: "Reviewer changed",
    E.ESCALATED: "Review escalated",
    E.REVIEW_STEP_DECIDED: "Review step completed",
    E.SLA_WARNING: "Review taking longer than usual",
    E.SLA_BREACHED: "Review overdue",
    E.FEEDBACK_GIVEN: "Thank you for your feedback",
    E.FEEDBACK_EDITED: "Feedback updated",
}

# Events the customer is told about by notification (the timeline shows all
# customer-visible events; a notification for each would be noise).
NOTIFIED: frozenset[EventType] = frozenset(
    {
        E.SUBMITTED,
        E.RETURNED,
        E.APPROVED,
        E.PARTIALLY_APPROVED,
        E.REJECTED,
        E.WITHDRAWN,
        E.PAYMENT_SENT,
        E.PAID,
        E.PAYMENT_FAILED,
        E.MESSAGE_POSTED,
        E.SLA_BREACHED,
    }
)


_DETAILS: Mapping[EventType, str] = {
    E.APPROVED: "decision",
    E.PARTIALLY_APPROVED: "decision",
    E.PAYMENT_REQUESTED: "amount",
    E.PAYMENT_APPROVED: "amount",
    E.PAYMENT_SENT: "amount",
    E.PAID: "amount",
    E.SUBMITTED: "submitted",
    E.REJECTED: "rejected",
}


@attrs.frozen
class CustomerTexts:
    """Customer-facing wording; ``stages`` maps a state to (stage name, next step).

    Subclass it and override :meth:`title`, :meth:`detail` or
    :meth:`next_step` to word events your own way.
    """

    stages: Mapping[ClaimState, tuple[str, str]] = attrs.field(
        default=_STAGES, converter=frozen_map
    )
    titles: Mapping[EventType, str] = attrs.field(default=_TITLES, converter=frozen_map)
    notified: frozenset[EventType] = NOTIFIED
    staff_label: str = "Claims team"
    """Who a staff member's message is from, as the customer reads it (never their id)."""
    customer_label: str = "You"
    """Who the customer's own messages are from, on their view."""

    def stage(self, state: ClaimState) -> str:
        """The stage name the customer sees for ``state``."""
        return self.stages[state][0]

    def next_step(self, state: ClaimState) -> str:
        """What happens next, in the customer's words."""
        return self.stages[state][1]

    def title(self, event: Event) -> str:
        """The timeline title of ``event``."""
        title = self.titles.get(event.type)
        return title if title is not None else event.type.value.replace("_", " ").capitalize()

    def detail(self, event: Event) -> str:
        """One line of detail for the timeline (amounts, reasons), never staff ids."""
        return _detail(_DETAILS.get(event.type), event.reason, event.data)

    def notice(self, event: Event) -> tuple[str, str]:
        """The subject and body of the notification telling the customer of ``event``.

        The body is what happens next and the event's detail.
        """
        return self.title(event), _body(self.next_step(event.to_state), self.detail(event))


def _body(next_step: str, detail: str) -> str:
    return f"{next_step} {detail}".strip()


def _detail(kind: str | None, reason: str | None, data: Mapping[str, str]) -> str:
    """The detail line of an event whose detail is of ``kind`` (see ``_DETAILS``)."""
    if kind is None:
        return reason or ""
    if kind == "decision":
        text = f"{data.get('approved', '')} of {data.get('claimed', '')} approved"
        return f"{text}: {reason}" if reason else text
    if kind == "amount":
        return data.get("amount", "")
    if kind == "submitted":
        return f"Claim number {data.get('number', '')}, {data.get('claimed', '')}"
    return data.get("note") or reason or ""  # a rejection's note to the customer


DEFAULT_TEXTS = CustomerTexts()
