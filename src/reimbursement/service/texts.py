"""What the customer reads: stage names, next steps, timeline details and notices.

One :class:`CustomerTexts` is the wording of one language; its
``translations`` hold the others (Simplified Chinese, ``zh-CN``, by
default) and :meth:`CustomerTexts.for_language` picks the one for a
claimant's BCP 47 tag, falling back to the base language (``zh-TW`` ->
``zh``) and then to the texts themselves (English by default). An insurer
can pass its own :class:`CustomerTexts` to the desk.

Nothing the customer reads carries staff data: no reviewer or finance ids,
no routing reasons (policies, team names, loads), no internal notes. A
detail says what was decided for the customer: amounts, the reason
catalogue's words for a code (in the claimant's language), a line's
description instead of its id, what a reviewer wrote to the customer, and
why a payment failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from ..domain.actors import Role
from ..domain.claim import Claim, ExpenseLine
from ..domain.events import Event, EventType
from ..domain.frozen import frozen_map
from ..domain.lifecycle import ClaimState
from ..domain.payment import account_ending
from ..domain.reasons import ReasonCatalogue, language_chain, normalise_language
from . import _texts_zh as zh

__all__ = ["DEFAULT_TEXTS", "ZH_CN_TEXTS", "CustomerTexts"]

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
        "We could not pay into your account. Check your bank details and give us a "
        "corrected account if needed; we will retry.",
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
    E.PAYMENT_CANCELLED: "Payment stopped",
    E.PAYEE_CHANGED: "Payment account changed",
    E.PAYMENT_DISCREPANCY: "Payment being reconciled",  # internal: staff only
    E.MESSAGE_POSTED: "New message",
    E.REASSIGNED: "Reviewer changed",
    E.ESCALATED: "Review escalated",
    E.REVIEW_STEP_DECIDED: "Review step completed",
    E.SLA_WARNING: "Review taking longer than usual",
    E.SLA_BREACHED: "Review overdue",
    E.FEEDBACK_GIVEN: "Thank you for your feedback",
    E.FEEDBACK_EDITED: "Feedback updated",
    E.STRAIGHT_THROUGH_DECIDED: "Checked against the straight-through rules",
    E.DUPLICATE_CONFIRMED: "Duplicate expense confirmed",
    E.PERSONAL_DATA_ERASED: "Your personal details were erased",
    E.DOCUMENT_DELETED: "Your documents were deleted after the retention period",
    E.AUDIT_REVIEWED: "Automatic approval audited",  # internal: staff only
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
        E.PAYEE_CHANGED,
        E.MESSAGE_POSTED,
        E.SLA_BREACHED,
    }
)


_PHRASES: Mapping[str, str] = {
    "submitted": "Claim number {number}, {claimed}",
    "decision": "{approved} of {claimed} approved",
    "line": "{provider} ({date})",
    "list": "; ",
    "label": ": ",
    "stop": ". ",
    "space": " ",
    "outcome.approved": "approved",
    "outcome.returned": "returned",
    "outcome.rejected": "rejected",
    "stage.review": "review",
    "stage.finance_approval": "finance approval",
    "stage.payment": "payment",
    "overdue.finance_approval": "Payment approval overdue",
    "overdue.payment": "Payment overdue",
    "breach": "Your claim's {stage} is taking longer than we promised.",
    "escalated": "It has been escalated.",
    "expected": "We now expect to finish by {when}.",
    "when": "%d %b %Y %H:%M %Z",
    "paid_to": "{amount} to the account ending {ending}",
    "payee.customer": (
        "Your payment will go to the account ending {ending}; we check it, then pay."
    ),
    "payee.staff": (
        "We changed the account for your payment to the account ending {ending}. "
        "If you did not ask for this, contact us."
    ),
    "progress": "{done} of {total} reviews done",
    "more_notes": "notes on {count} more lines (see your claim)",
}
"""Phrases of the details and notices, by key; ``{name}`` fields are filled in."""

# What the detail of each event type says; an event type not listed has no
# detail (an assignment's routing reason, a hand-over's or an escalation's,
# or why finance approved a payment, is for staff).
_DETAILS: Mapping[EventType, str] = {
    E.APPROVED: "decision",
    E.PARTIALLY_APPROVED: "decision",
    E.PAYMENT_REQUESTED: "amount",
    E.PAYMENT_APPROVED: "amount",
    E.PAYMENT_SENT: "amount",
    E.PAID: "paid",
    E.PAYEE_CHANGED: "payee",
    E.SUBMITTED: "submitted",
    E.RETURNED: "reasons",
    E.REJECTED: "reasons",
    E.PAYMENT_FAILED: "reasons",  # why the customer's account could not be paid
    E.WITHDRAWN: "own_words",
}

_JOINED = "; "  # how the claim commands join several reasons into an event's reason
_LINE_SEP = ": "  # and a line's id to its reason
_STOPS = frozenset(".?!。？！")
_NAMED_LENGTH = 100  # a line's name in a list of notes: a description may run to pages


def _shortened(name: str) -> str:
    """A line's name cut to ``_NAMED_LENGTH`` characters (an ellipsis where it was cut),
    so that a detail naming lines stays a short text whatever their descriptions."""
    return name if len(name) <= _NAMED_LENGTH else f"{name[: _NAMED_LENGTH - 1].rstrip()}…"


def _languages(value: Mapping[str, CustomerTexts]) -> Mapping[str, CustomerTexts]:
    return frozen_map({normalise_language(tag): texts for tag, texts in value.items()})


def _translations() -> dict[str, CustomerTexts]:
    return {"zh-CN": ZH_CN_TEXTS}


@attrs.frozen
class CustomerTexts:
    """Customer-facing wording in one ``language``; ``stages`` maps a state to (name, next step).

    ``phrases`` word the details and notices (see ``_PHRASES`` for the
    keys; a key left out reads as in English); ``translations`` maps a
    BCP 47 tag to the wording of that language. Subclass it and override
    :meth:`title`, :meth:`detail` or :meth:`next_step` to word events your
    own way: :meth:`for_language` keeps your class.
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
    language: str = attrs.field(default="en", converter=normalise_language)
    phrases: Mapping[str, str] = attrs.field(default=_PHRASES, converter=frozen_map)
    translations: Mapping[str, CustomerTexts] = attrs.field(
        factory=_translations, converter=_languages
    )
    reader: str | None = None
    """The tag :meth:`for_language` chose these texts for: reasons' titles are in it."""

    def for_language(self, language: str) -> CustomerTexts:
        """The wording for a reader of ``language`` (these texts when none fits)."""
        for tag in language_chain(language):
            if tag == self.language:
                return self if self.reader == language else attrs.evolve(self, reader=language)
            found = self.translations.get(tag)
            if found is not None:
                return attrs.evolve(
                    self,
                    stages=found.stages,
                    titles=found.titles,
                    staff_label=found.staff_label,
                    customer_label=found.customer_label,
                    language=found.language,
                    phrases=found.phrases,
                    reader=language,
                )
        return self if self.reader == language else attrs.evolve(self, reader=language)

    def phrase(self, key: str, default: str | None = None) -> str:
        """The phrase ``key``: these texts', else the English one, else ``default`` or ``key``."""
        found = self.phrases.get(key, _PHRASES.get(key))
        return found if found is not None else (default if default is not None else key)

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

    def line(self, line: ExpenseLine) -> str:
        """What the customer calls an expense line: its description, else its provider and date."""
        return line.description.strip() or self.phrase("line").format(
            provider=line.provider, date=line.incurred_on.isoformat(), category=line.category
        )

    def reason(
        self, text: str, claim: Claim | None = None, reasons: ReasonCatalogue | None = None
    ) -> str:
        """One reason as the customer reads it: a code's title in ``reasons``, else as written.

        The title is in the reader's language (:meth:`for_language`), else the
        claimant's when ``claim`` is given.
        """
        if reasons is None or text not in reasons:
            return text
        language = self.reader or (claim.claimant.language if claim is not None else self.language)
        return reasons.explain(text, language).title

    def outcome(self, value: str) -> str:
        """A review step's outcome (``approved``, ``returned``, ``rejected``) in words."""
        return self.phrase(f"outcome.{value}", value)

    def detail(
        self, event: Event, claim: Claim | None = None, reasons: ReasonCatalogue | None = None
    ) -> str:
        """One line of detail for the timeline and notices (amounts, reasons), never staff data.

        With the ``claim``, a line is named by :meth:`line` rather than its
        id; with the reason catalogue ``reasons``, a code reads as its title.
        """
        kind, data, reason = _DETAILS.get(event.type), event.data, event.reason or ""
        if kind == "submitted":
            number, claimed = data.get("number", ""), data.get("claimed", "")
            return self.phrase("submitted").format(number=number, claimed=claimed)
        if kind == "decision":
            approved, claimed = data.get("approved", ""), data.get("claimed", "")
            text = self.phrase("decision").format(approved=approved, claimed=claimed)
            said = self._said(reason, claim, reasons)
            more = data.get("more_notes")
            if said and more:  # the event repeats the first notes only (commands.review)
                count = self.phrase("more_notes").format(count=more)
                said = f"{said}{self.phrase('list')}{count}"
            return f"{text}{self.phrase('label')}{said}" if said else text
        if kind == "amount":
            return data.get("amount", "")
        if kind == "paid" or kind == "payee":
            return self._payee(kind, event, claim)
        if kind == "reasons":
            return self._with_note(self._said(reason, claim, reasons), data.get("note", ""))
        if kind == "own_words" and event.role is Role.CUSTOMER:
            return reason
        return ""

    def notice(
        self, event: Event, claim: Claim | None = None, reasons: ReasonCatalogue | None = None
    ) -> tuple[str, str]:
        """The subject and body of the notification telling the customer of ``event``.

        The body is what happens next and the event's :meth:`detail`.
        """
        body = self.next_step(event.to_state)
        detail = self.detail(event, claim, reasons)
        return self.title(event), f"{body}{self.phrase('space')}{detail}" if detail else body

    def breach_notice(
        self, event: Event, expected: datetime | None, escalated: bool
    ) -> tuple[str, str]:
        """The subject and body telling the customer that the SLA_BREACHED ``event``'s
        promise is broken, and when the claim is now ``expected`` to finish."""
        stage = event.data.get("stage", "review")
        subject = self.title(event)
        if stage != "review":
            subject = self.phrase(f"overdue.{stage}", subject)
        words = self.phrase(f"stage.{stage}", stage.replace("_", " "))
        parts = [self.phrase("breach").format(stage=words)]
        if escalated:
            parts.append(self.phrase("escalated"))
        if expected is not None:
            when = expected.strftime(self.phrase("when"))
            parts.append(self.phrase("expected").format(when=when))
        return subject, self.phrase("space").join(parts)

    def _said(self, joined: str, claim: Claim | None, reasons: ReasonCatalogue | None) -> str:
        """An event's joined reasons in words: codes as titles, ``L1: ...`` as the line's name."""
        if not joined:
            return ""
        parts = joined.split(_JOINED)
        # an approval's notes read "<line id>: <reason>" (see commands.review)
        named = claim is not None and any(_LINE_SEP in part for part in parts)
        lines = {line.id: line for line in claim.lines} if claim is not None and named else {}
        said = []
        for part in parts:
            line_id, sep, rest = part.partition(_LINE_SEP)
            line = lines.get(line_id) if sep else None
            if line is None:
                said.append(self.reason(part, claim, reasons))
            else:
                text = self.reason(rest, claim, reasons)
                name = _shortened(self.line(line))
                said.append(f"{name}{self.phrase('label')}{text}")
        return self.phrase("list").join(said)

    def _payee(self, kind: str, event: Event, claim: Claim | None) -> str:
        """Where the money goes, as the customer may read it: the account's last characters."""
        data = event.data
        if kind == "payee":
            by = "customer" if event.role is Role.CUSTOMER else "staff"
            return self.phrase(f"payee.{by}").format(ending=data.get("account_ending", ""))
        amount, reference = data.get("amount", ""), data.get("reference")
        paid = [p for p in claim.payments if p.gateway_reference == reference] if claim else []
        if not paid:
            return amount
        ending = account_ending(paid[0].payee_account)
        return self.phrase("paid_to").format(amount=amount, ending=ending)

    def _with_note(self, text: str, note: str) -> str:
        """``text`` and then the reviewer's ``note`` to the customer, as two sentences."""
        if not note.strip() or not text:
            return text or note
        stop = self.phrase("space") if text[-1] in _STOPS else self.phrase("stop")
        return f"{text}{stop}{note}"


ZH_CN_TEXTS = CustomerTexts(
    zh.STAGES,
    zh.TITLES,
    staff_label=zh.STAFF_LABEL,
    customer_label=zh.CUSTOMER_LABEL,
    language="zh-CN",
    phrases=zh.PHRASES,
    translations={},
)
"""The default wording in Simplified Chinese: :data:`DEFAULT_TEXTS`'s ``zh-CN`` translation."""

DEFAULT_TEXTS = CustomerTexts()
"""The default wording: English, with :data:`ZH_CN_TEXTS` for claimants who read ``zh-CN``."""
