"""The SLA sweeper: finds warnings and breaches, records them once, escalates.

The claim's own events remember which crossings were recorded, so a sweep
that runs twice, or in two processes at once, records each crossing once:
the second writer's save fails on the claim's version and its next look
finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

import attrs

from ..domain.claim import Claim
from ..domain.lifecycle import ClaimState
from ..domain.sla import CrossingKind, SlaCrossing, SlaPolicy, record_crossings
from ..errors import ConcurrencyError
from ..ports import Notification, UnitOfWork

__all__ = ["Escalation", "SweepReport", "sweep"]

_OPEN = frozenset(s for s in ClaimState if not s.is_final and s is not ClaimState.DRAFT)


class Escalation(Protocol):
    """What to do when a stage's clock breaches: reassign, alert a lead…"""

    def escalate(self, claim: Claim, crossing: SlaCrossing, at: datetime) -> Claim:
        """``claim`` with the escalation applied and recorded on its timeline.

        Called inside the sweeper's unit of work, only for breaches of a
        stage that is still running. Raising an error leaves the claim as it
        was (the crossing is then recorded on the next sweep).
        """
        ...

    def undo(self, before: Claim, after: Claim) -> None:
        """Take back what :meth:`escalate` did outside the claim (loads, alerts)
        when the sweeper could not save ``after`` (another process got there first)."""
        ...


@attrs.frozen
class SweepReport:
    """What one sweep did."""

    at: datetime
    recorded: tuple[SlaCrossing, ...] = ()
    escalated: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    """Claims changed by someone else during the sweep: the next sweep takes them."""


def sweep(
    unit_of_work: Callable[[], UnitOfWork],
    policy: SlaPolicy,
    now: datetime,
    escalation: Escalation | None,
    notify: Callable[[Claim, Claim], Iterable[Notification]],
) -> tuple[SweepReport, list[Notification]]:
    """Record every unrecorded crossing up to ``now`` on every open claim."""
    with unit_of_work() as uow:
        candidates = [c.id for c in uow.claims.find(_OPEN) if policy.crossings(c, now)]
    recorded: list[SlaCrossing] = []
    escalated: list[str] = []
    skipped: list[str] = []
    notifications: list[Notification] = []
    for claim_id in candidates:
        with unit_of_work() as uow:
            claim = uow.claims.get(claim_id)
            found = policy.crossings(claim, now)
            if not found:
                continue
            new = record_crossings(claim, found, now)
            breaches = [c for c in found if c.kind is CrossingKind.BREACH and c.active]
            if escalation is not None and breaches:
                new = escalation.escalate(new, breaches[-1], now)
            try:
                uow.claims.save(new, claim.version)
                sent = list(notify(claim, new))
                for notification in sent:
                    uow.outbox.add(notification)
                uow.commit()
            except ConcurrencyError:
                if escalation is not None and breaches:
                    escalation.undo(claim, new)
                skipped.append(claim_id)
                continue
        recorded.extend(found)
        notifications.extend(sent)
        if escalation is not None and breaches:
            escalated.append(claim_id)
    return SweepReport(now, tuple(recorded), tuple(escalated), tuple(skipped)), notifications
