"""The SLA sweeper: finds warnings and breaches, records them once, escalates.

It asks the store for the claims whose next check is due
(``ClaimRepository.due_for_check``, an indexed query) and works on each in
its own unit of work. A claim's own events remember which crossings were
recorded, so a sweep that runs twice, or on many hosts at once, records
each crossing once: on PostgreSQL the sweepers skip the claims another one
holds (``FOR UPDATE SKIP LOCKED``), and everywhere a second writer's save
fails on the claim's version and its next look finds nothing left to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Protocol

import attrs

from ..domain.claim import Claim
from ..domain.schedule import ClaimSchedule
from ..domain.sla import CrossingKind, SlaCrossing, SlaPolicy, record_crossings
from ..errors import ConcurrencyError, StorageError
from ..ports import Notification, UnitOfWork

__all__ = ["BreachEscalation", "SweepReport", "sweep"]

_LOG = logging.getLogger("reimbursement.sweeper")


class BreachEscalation(Protocol):
    """What to do when a stage's clock breaches: reassign, alert a lead…

    :class:`~reimbursement.routing.RoutingEscalation` is one, through the
    routing domain (whose :class:`~reimbursement.domain.routing.Escalation`
    records who takes a claim over).
    """

    def escalate(
        self, claim: Claim, crossing: SlaCrossing, at: datetime, loads: Mapping[str, int]
    ) -> Claim:
        """``claim`` with the escalation applied and recorded on its timeline.

        Called inside the sweeper's unit of work, only for breaches of a
        stage that is still running; ``loads`` is each reviewer's open work
        as the store counts it. Raising an error leaves the claim as it was
        (the crossing is then recorded on the next sweep).
        """
        ...


@attrs.frozen
class SweepReport:
    """What one sweep did."""

    at: datetime
    recorded: tuple[SlaCrossing, ...] = ()
    escalated: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    """Claims changed by someone else during the sweep: the next sweep takes them."""
    unreadable: tuple[str, ...] = ()
    """Due claims whose stored record cannot be read (logged with the error): the
    sweep went on with the others; each sweep looks again until the row is repaired."""


@attrs.frozen
class _Sweep:
    policy: SlaPolicy
    escalation: BreachEscalation | None
    notify: Callable[[Claim, Claim], Iterable[Notification]]
    lease: Callable[[], datetime] | None

    def later(self, claim: Claim, now: datetime) -> ClaimSchedule:
        """The claim's schedule after this sweep: nothing left due at ``now``."""
        schedule = self.policy.schedule(claim, now)
        check = schedule.next_check_at
        if check is not None and check <= now:
            return attrs.evolve(schedule, next_check_at=None)
        return schedule

    def one(
        self, uow: UnitOfWork, claim: Claim, now: datetime
    ) -> tuple[list[SlaCrossing], list[Notification], bool]:
        """Record the claim's crossings up to ``now`` in ``uow``; commits."""
        found = list(self.policy.crossings(claim, now))
        if not found:  # a stale schedule: look again when it is next due
            uow.claims.reschedule(claim.id, self.later(claim, now))
            uow.commit()
            return [], [], False
        at = max(now, claim.updated_at or now)  # a sweep's events never go back in time
        new = record_crossings(claim, found, at)
        breaches = [c for c in found if c.kind is CrossingKind.BREACH and c.active]
        escalated = self.escalation is not None and bool(breaches)
        if escalated:
            assert self.escalation is not None
            new = self.escalation.escalate(new, breaches[-1], at, uow.claims.open_work())
        uow.claims.save(new, claim.version, self.later(new, now))
        sent = list(self.notify(claim, new))
        for notification in sent:
            uow.outbox.add(notification)
        if sent and self.lease is not None:
            uow.outbox.lease_on_commit(self.lease())
        uow.commit()
        return found, list(uow.outbox.leased) if self.lease is not None else [], escalated


def sweep(
    unit_of_work: Callable[[], UnitOfWork],
    policy: SlaPolicy,
    now: datetime,
    escalation: BreachEscalation | None,
    notify: Callable[[Claim, Claim], Iterable[Notification]],
    *,
    limit: int = 1_000,
    lease: Callable[[], datetime] | None = None,
) -> tuple[SweepReport, list[Notification]]:
    """Record every unrecorded crossing up to ``now`` on up to ``limit`` due claims.

    With ``lease`` (when a lease taken now would end), each claim's
    notifications are leased to the caller in its commit
    (:meth:`~reimbursement.ports.Outbox.lease_on_commit`) and returned for
    delivery; without, they wait for a dispatcher and none are returned.
    """
    work = _Sweep(policy, escalation, notify, lease)
    recorded: list[SlaCrossing] = []
    escalated: list[str] = []
    skipped: list[str] = []
    notifications: list[Notification] = []
    seen: set[str] = set()
    unreadable: list[str] = []
    while len(seen) < limit:
        with unit_of_work() as uow:
            try:
                page = uow.claims.due_for_check(
                    now, limit=50, skip_locked=True, excluding=unreadable
                )
            except StorageError as error:
                if error.claim_id is None or error.claim_id in unreadable:
                    raise  # the store itself, not one row: nothing to go on with
                _LOG.error("the SLA sweep skips claim %s: %s", error.claim_id, error)
                unreadable.append(error.claim_id)
                continue
            due = [c for c in page if c.id not in seen]
            if not due:
                break
            claim = due[0]
            seen.add(claim.id)
            try:
                found, sent, raised = work.one(uow, claim, now)
            except ConcurrencyError:
                skipped.append(claim.id)
                continue
        recorded.extend(found)
        notifications.extend(sent)
        if raised:
            escalated.append(claim.id)
    done = (tuple(recorded), tuple(escalated), tuple(skipped), tuple(unreadable))
    return SweepReport(now, *done), notifications
