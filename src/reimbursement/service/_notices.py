"""The notifications a change of a claim gives its customer, worded in their language.

The desk stages them in the unit of work that made the change
(:meth:`~reimbursement.service._core.DeskCore._once`, the SLA sweep), so they
are committed with it and delivered from the outbox.
"""

from __future__ import annotations

from datetime import datetime

from ..domain.actors import Role
from ..domain.claim import Claim
from ..domain.events import EventType, Visibility, event_id
from ..domain.reasons import ReasonCatalogue
from ..domain.sla import SlaPolicy
from ..ports import Notification
from .texts import CustomerTexts

__all__ = ["breach_notices", "claim_notices"]


def claim_notices(
    texts: CustomerTexts, reasons: ReasonCatalogue, old: Claim, new: Claim
) -> list[Notification]:
    """A notification for each event ``new`` added to ``old`` that ``texts`` notify of.

    ``texts`` is the wording for the claimant's language (``for_language``).
    """
    claimant = new.claimant
    notified = texts.notified
    out = []
    number = new.number
    for event in new.events_since(old.version, types=notified, visibility=Visibility.CUSTOMER):
        if event.type is EventType.MESSAGE_POSTED and event.role is Role.CUSTOMER:
            continue  # nobody needs to be told about their own message
        title, body = texts.notice(event, new, reasons)
        out.append(
            Notification(
                event_id(new.id, event.seq),
                claimant.customer_id,
                new.id,
                number,
                event.type,
                claimant.language,
                f"{title} ({number})" if number else title,
                body,
            )
        )
    return out


def breach_notices(
    texts: CustomerTexts, sla: SlaPolicy, escalated: bool, old: Claim, new: Claim
) -> list[Notification]:
    """Tell the customer when a promise is broken, and what we now expect.

    ``texts`` is the wording for the claimant's language (``for_language``).
    """
    breaches = [e for e in new.events_since(old.version) if e.type is EventType.SLA_BREACHED]
    if not breaches:
        return []
    event = breaches[-1]
    expected: datetime | None = sla.evaluate(new, event.at).expected_completion
    if expected is not None:  # said on the clock of the calendar the promise was made on
        expected = expected.astimezone(sla.zone)
    subject, body = texts.breach_notice(event, expected, escalated)
    return [
        Notification(
            event.id,
            new.customer_id,
            new.id,
            new.number,
            EventType.SLA_BREACHED,
            new.claimant.language,
            f"{subject} ({new.number})",
            body,
        )
    ]
