"""Service levels: targets per stage, and where a claim stands against them.

An :class:`SlaPolicy` promises a duration for each stage (review in 16
business hours on a calendar, payment within 24 clock hours of approval),
with a warning threshold (80 % by default) and variants per claim kind,
segment or priority. :meth:`SlaPolicy.evaluate` replays the claim's events
into stage clocks (see :func:`clock_cycles`) and tells, at an instant, each
stage's due time, elapsed and remaining time, status, and when the claim as
a whole is expected to be complete. :meth:`SlaPolicy.crossings` lists the
warnings and breaches a sweeper has to record, leaving out those already
recorded as ``SLA_WARNING`` / ``SLA_BREACHED`` events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

import attrs

from ...errors import ValidationError
from ..actors import SYSTEM
from ..claim import Claim
from ..events import Event, EventType, Visibility
from ..lifecycle import ClaimState
from ..schedule import ClaimSchedule
from .calendar import AROUND_THE_CLOCK, WorkingTime
from .clock import ClockCycle, SlaStage, clock_cycles
from .records import ClaimSla, CrossingKind, SlaCrossing, SlaStatus, StageSla, Target
from .worktime import US, to_us

__all__ = ["SlaPolicy", "record_crossings", "recorded_crossings"]


def _fraction(value: Fraction | Decimal | str | float) -> Fraction:
    try:
        result = Fraction(str(value)) if not isinstance(value, Fraction) else value
    except ValueError:
        raise ValidationError.at("warn_at", f"{value!r} is not a number like 0.8") from None
    if not 0 < result < 1:
        raise ValidationError.at("warn_at", f"must be between 0 and 1 (exclusive), got {value}")
    return result


Targets = Mapping[SlaStage, Target]
Classifier = Callable[[Claim], str | None]


def _frozen_targets(value: Targets) -> Targets:
    return MappingProxyType(dict(value))


def _frozen_variants(value: Mapping[str, Targets]) -> Mapping[str, Targets]:
    return MappingProxyType({key: _frozen_targets(t) for key, t in value.items()})


_STAGES = frozenset(s.value for s in SlaStage)


def _u(t: datetime) -> int:
    # Python compares two datetimes of the same zone by wall clock, ignoring
    # ``fold``; comparing the instants keeps the repeated autumn hour in order.
    return to_us(t)


def recorded_crossings(events: Iterable[Event]) -> frozenset[tuple[SlaStage, CrossingKind, int]]:
    """The (stage, kind, cycle) of every crossing already recorded among ``events``.

    Reads ``SLA_WARNING`` / ``SLA_BREACHED`` events whose ``data`` has
    ``"stage"`` and ``"cycle"`` (as :meth:`SlaCrossing.event_data` writes);
    events without them are not crossings of this module and are skipped.
    """
    kinds = {
        EventType.SLA_WARNING: CrossingKind.WARNING,
        EventType.SLA_BREACHED: CrossingKind.BREACH,
    }
    found = set()
    for event in events:
        kind = kinds.get(event.type)
        stage, cycle = event.data.get("stage", ""), event.data.get("cycle", "")
        if kind is None or stage not in _STAGES or not cycle.isdigit():
            continue
        found.add((SlaStage(stage), kind, int(cycle)))
    return frozenset(found)


def _reached(cycle: ClockCycle, amount: timedelta, calendar: WorkingTime) -> datetime | None:
    """When ``cycle``'s clock reaches ``amount``, if it did or will while running.

    The clock must be running at that instant: a cycle paused or stopped
    exactly when it reaches ``amount`` has not crossed it.
    """
    before = timedelta(0)
    for seg in cycle.segments:
        if seg.end is None:
            return calendar.add(seg.start, amount - before)
        length = calendar.between(seg.start, seg.end)
        if before + length >= amount:
            instant = calendar.add(seg.start, amount - before)
            if _u(instant) < _u(seg.end):
                return instant
        before += length
    return None


def _elapsed(cycle: ClockCycle, now: datetime, calendar: WorkingTime) -> timedelta:
    return sum(
        (calendar.between(s.start, s.end if s.end is not None else now) for s in cycle.segments),
        timedelta(0),
    )


@attrs.frozen
class SlaPolicy:
    """Targets per stage, a warning threshold, and variants per claim kind or priority.

    ``variants`` maps a key (a claim kind, a segment, a priority: your
    choice) to targets that replace the defaults stage by stage; the key is
    passed to :meth:`evaluate` or found by ``classify(claim)``. Raises
    :class:`~reimbursement.errors.ValidationError` for a threshold outside (0, 1)
    or an unknown variant.
    """

    targets: Targets = attrs.field(converter=_frozen_targets)
    warn_at: Fraction = attrs.field(default=Fraction(4, 5), converter=_fraction)
    variants: Mapping[str, Targets] = attrs.field(factory=dict, converter=_frozen_variants)
    classify: Classifier | None = None

    @classmethod
    def standard(
        cls,
        calendar: WorkingTime,
        review: timedelta = timedelta(hours=16),
        payment: timedelta = timedelta(hours=24),
        *,
        warn_at: Fraction | Decimal | str | float = Fraction(4, 5),
        variants: Mapping[str, Targets] | None = None,
        classify: Classifier | None = None,
    ) -> SlaPolicy:
        """Review within ``review`` of business time on ``calendar`` (two 8-hour
        days by default), payment within ``payment`` of clock time after approval."""
        targets = {
            SlaStage.REVIEW: Target(review, calendar),
            SlaStage.PAYMENT: Target(payment, AROUND_THE_CLOCK),
        }
        return cls(targets, warn_at, variants or {}, classify)

    @property
    def zone(self) -> tzinfo:
        """Where its promises are made: the zone of its first target's calendar that has
        one, else UTC (what a notice of a due time is said in)."""
        for target in self.targets.values():
            zone = getattr(target.calendar, "zone", None)
            if isinstance(zone, tzinfo):
                return zone
        return UTC

    def targets_for(self, claim: Claim, variant: str | None = None) -> Targets:
        """The targets that apply to ``claim``: the defaults, overridden by its variant."""
        key = variant if variant is not None else (self.classify(claim) if self.classify else None)
        if key is None:
            return self.targets
        if key not in self.variants:
            known = ", ".join(sorted(self.variants)) or "none defined"
            raise ValidationError.at("variant", f"no SLA variant {key!r}; known: {known}")
        return {**self.targets, **self.variants[key]}

    def _measure(self, cycle: ClockCycle, target: Target, now: datetime) -> StageSla:
        cal, within = target.calendar, target.within
        warn_amount = (within // US * self.warn_at.numerator // self.warn_at.denominator) * US
        elapsed = _elapsed(cycle, now, cal)
        due = _reached(cycle, within, cal)
        warning_at = _reached(cycle, warn_amount, cal)
        if cycle.stopped_at is not None:
            missed = due is not None
            status = SlaStatus.MISSED if missed else SlaStatus.MET
            if due is None:
                last = cycle.segments[-1]
                before = elapsed - cal.between(last.start, last.end or cycle.stopped_at)
                due = cal.add(last.start, within - before)
        elif due is not None and _u(due) <= _u(now):
            status = SlaStatus.BREACHED
        elif warning_at is not None and _u(warning_at) <= _u(now):
            status = SlaStatus.WARNING
        else:
            status = SlaStatus.ON_TRACK
        return StageSla(
            cycle.stage,
            cycle.cycle,
            status,
            within,
            elapsed,
            within - elapsed,
            cycle.started_at,
            due,
            warning_at,
            cycle.stopped_at,
            cycle.paused,
        )

    def evaluate(self, claim: Claim, now: datetime, *, variant: str | None = None) -> ClaimSla:
        """Each stage's clock and the expected completion of ``claim`` at ``now``.

        Only events up to ``now`` count, so past instants can be replayed.
        Raises :class:`~reimbursement.errors.ValidationError` for a naive ``now``.
        """
        to_us(now, "now")
        targets = self.targets_for(claim, variant)
        stages = [
            self._measure(cycle, targets[stage], now)
            for stage in SlaStage
            if stage in targets
            for cycle in clock_cycles(claim.events, stage, now)
        ]
        state = _state_at(claim, now)
        waiting = state is ClaimState.RETURNED
        return ClaimSla(
            claim.id, now, tuple(stages), _expected(claim, state, stages, targets, now), waiting
        )

    def schedule(self, claim: Claim, now: datetime) -> ClaimSchedule:
        """When the claim's running stage is due, and when the sweeper must look next.

        ``next_check_at`` is the earliest warning or breach of a running
        stage not recorded yet (it may be ``now`` or earlier: the sweeper
        then records it on its next pass); ``None`` while every clock is
        paused or stopped.
        """
        done = recorded_crossings(claim.events)
        running = [s for s in self.evaluate(claim, now).stages if s.open and s.due is not None]
        checks = [
            at
            for s in running
            for kind, at in ((CrossingKind.WARNING, s.warning_at), (CrossingKind.BREACH, s.due))
            if (s.stage, kind, s.cycle) not in done
        ]
        return ClaimSchedule(_first(s.due for s in running), _first(checks))

    def crossings(
        self,
        claim: Claim,
        now: datetime,
        *,
        since: datetime | None = None,
        variant: str | None = None,
    ) -> tuple[SlaCrossing, ...]:
        """Warnings and breaches crossed in ``(since, now]`` and not yet recorded, oldest first.

        Without ``since``, every crossing up to ``now`` that the claim's
        events do not record yet: a sweeper that missed a run catches up,
        and one that runs twice finds nothing the second time once it has
        recorded the first run's crossings (see :func:`recorded_crossings`).
        """
        to_us(now, "now")
        if since is not None:
            to_us(since, "since")
        done = recorded_crossings(e for e in claim.events if _u(e.at) <= _u(now))
        found = []
        for stage_sla in self.evaluate(claim, now, variant=variant).stages:
            due = stage_sla.due
            for kind, at in (
                (CrossingKind.WARNING, stage_sla.warning_at),
                (CrossingKind.BREACH, due),
            ):
                if at is None or _u(at) > _u(now) or (since is not None and _u(at) <= _u(since)):
                    continue
                if kind is CrossingKind.BREACH and stage_sla.status is SlaStatus.MET:
                    continue
                if (stage_sla.stage, kind, stage_sla.cycle) in done:
                    continue
                found.append(
                    SlaCrossing(
                        claim.id, stage_sla.stage, stage_sla.cycle, kind, at, due, stage_sla.open
                    )
                )
        return tuple(sorted(found, key=lambda c: (_u(c.at), c.kind is CrossingKind.BREACH)))


def _first(instants: Iterable[datetime | None]) -> datetime | None:
    known = [t for t in instants if t is not None]
    return min(known, key=_u) if known else None


def record_crossings(claim: Claim, crossings: Iterable[SlaCrossing], at: datetime) -> Claim:
    """``claim`` with one internal ``SLA_WARNING``/``SLA_BREACHED`` event per crossing, at ``at``.

    A pure command for the sweeper: the events carry
    :meth:`SlaCrossing.event_data` and the system actor, leave the state as
    it is, and are staff-only (the customer sees the expected completion
    instead). Crossings of another claim, or already recorded, raise
    :class:`~reimbursement.errors.ValidationError`, so a replayed sweep cannot
    record one twice.
    """
    to_us(at, "at")
    done = set(recorded_crossings(claim.events))
    for crossing in crossings:
        if crossing.claim_id != claim.id:
            raise ValidationError.at(
                "crossings", f"a crossing of claim {crossing.claim_id} given for {claim.id}"
            )
        if crossing.key in done:
            raise ValidationError.at(
                "crossings",
                f"{crossing.kind} of {crossing.stage} cycle {crossing.cycle} is already recorded "
                f"on claim {claim.id}",
            )
        done.add(crossing.key)
        events = claim.with_next_event(
            crossing.event_type,
            SYSTEM,
            at,
            data=crossing.event_data(),
            visibility=Visibility.INTERNAL,
        )
        claim = attrs.evolve(claim, events=events)
    return claim


def _state_at(claim: Claim, now: datetime) -> ClaimState:
    state = ClaimState.DRAFT
    for event in claim.events:
        if _u(event.at) <= _u(now):
            state = event.to_state
    return state


_DONE = frozenset({ClaimState.PAID, ClaimState.REJECTED, ClaimState.WITHDRAWN})
_IN_REVIEW = frozenset({ClaimState.SUBMITTED, ClaimState.IN_REVIEW, ClaimState.RETURNED})


def _expected(
    claim: Claim,
    state: ClaimState,
    stages: list[StageSla],
    targets: Targets,
    now: datetime,
) -> datetime | None:
    if state is ClaimState.DRAFT:
        return None
    if state in _DONE:
        ends = [e.at for e in claim.events if _u(e.at) <= _u(now) and e.to_state is state]
        return max(ends, key=_u)

    def finish(stage: SlaStage) -> datetime | None:
        current = [s for s in stages if s.stage is stage and s.open]
        if not current:
            return None
        sla = current[-1]
        if sla.due is None:  # paused: assume the customer answers now
            return targets[stage].calendar.add(now, max(sla.remaining, timedelta(0)))
        return max(sla.due, now, key=_u)

    if state in _IN_REVIEW:
        decided = finish(SlaStage.REVIEW)
        payment = targets.get(SlaStage.PAYMENT)
        if decided is None or payment is None:
            return decided
        return payment.calendar.add(decided, payment.within)
    return finish(SlaStage.PAYMENT)
