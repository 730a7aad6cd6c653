"""Payment runs: approved payments gathered at cut-off times and sent together.

A :class:`RunSchedule` says when runs close: the ``cutoffs`` times of day,
every day, in the bank calendar's zone. On a bank working day a run is a
SEPA credit transfer executed that day; on a weekend or bank holiday it is
sent as SEPA Instant (``instant_on_closed_days``, on by default), which
banks execute on any day, so that no approval waits for Monday. With the
default cut-offs (10:00 and 15:00) no payment waits more than 19 hours
for its run, inside the 24-hour promise.

:class:`PaymentRuns` works through the desk, so every rule of the desk
holds: finance approves a run as a whole (:meth:`PaymentRuns.approve`), and
the desk's four-eyes check refuses, claim by claim, whoever approved the
claim itself; payments above ``review_above`` are left for finance to
approve one by one (``desk.approve_payment``). :meth:`PaymentRuns.release`
sends every approved payment of the run through the desk's gateway; with a
:class:`~reimbursement.payments.bankfile.BankFileGateway` that is one
``pain.001`` file for the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import attrs
from dateutil.rrule import YEARLY, rrule

from ..domain.actors import SYSTEM, Actor
from ..domain.claim import Claim, PaymentStatus
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..domain.sla.calendar import BusinessCalendar
from ..errors import ReimbursementError
from ..service._payments import payment_instruction
from ..service.desk import ReimbursementDesk

if TYPE_CHECKING:
    from .bankfile import BankFile, BankFileGateway
    from .iso20022 import PostalAddress

__all__ = ["PaymentRun", "PaymentRuns", "RunOutcome", "RunSchedule", "target2_calendar"]

_WORKDAY = ((time(0), time(23, 59, 59)),)


def target2_calendar(zone: str = "Europe/Berlin") -> BusinessCalendar:
    """The euro area's bank calendar (T2): Monday to Friday, closed on 1 January,
    Good Friday, Easter Monday, 1 May, 25 and 26 December."""
    start = datetime(2000, 1, 1)  # noqa: DTZ001 - rrule dates, compared as days
    holidays = [
        rrule(YEARLY, bymonth=1, bymonthday=1, dtstart=start),
        rrule(YEARLY, byeaster=-2, dtstart=start),
        rrule(YEARLY, byeaster=1, dtstart=start),
        rrule(YEARLY, bymonth=5, bymonthday=1, dtstart=start),
        rrule(YEARLY, bymonth=12, bymonthday=25, dtstart=start),
        rrule(YEARLY, bymonth=12, bymonthday=26, dtstart=start),
    ]
    return BusinessCalendar(zone, dict.fromkeys(range(5), _WORKDAY), holidays)


def _cutoffs(value: Sequence[time]) -> tuple[time, ...]:
    given = tuple(value)  # checked before sorting: a naive and an aware time do not compare
    if not given or any(not isinstance(t, time) or t.tzinfo is not None for t in given):
        raise ValueError("cutoffs must be one or more naive datetime.time values")
    return tuple(sorted(set(given)))


@attrs.frozen
class RunSchedule:
    """When payment runs close; see the module docs. The default is T2 in Europe/Berlin."""

    calendar: BusinessCalendar = attrs.field(factory=target2_calendar)
    cutoffs: tuple[time, ...] = attrs.field(default=(time(10), time(15)), converter=_cutoffs)
    instant_on_closed_days: bool = True

    def is_bank_day(self, day: date) -> bool:
        """True when the bank calendar has working hours on ``day``."""
        zone = self.calendar.zone
        start = datetime.combine(day, time(0), zone)
        return next(self.calendar.intervals(start, start + timedelta(days=1)), None) is not None

    def cutoffs_between(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """The cut-offs after ``start`` up to and including ``end`` (aware datetimes)."""
        zone = self.calendar.zone
        day = start.astimezone(zone).date()
        while True:
            for t in self.cutoffs:
                at = datetime.combine(day, t, zone)
                if at > end:
                    return
                if at > start and (self.instant_on_closed_days or self.is_bank_day(day)):
                    yield at
            day += timedelta(days=1)

    def next_cutoff(self, after: datetime) -> datetime:
        """The first cut-off strictly after ``after``."""
        return next(self.cutoffs_between(after, after + timedelta(days=400)))

    def execution(self, cutoff: datetime) -> tuple[date, bool]:
        """The execution date of the run closing at ``cutoff``, and whether it is instant."""
        day = cutoff.astimezone(self.calendar.zone).date()
        return day, not self.is_bank_day(day)


@attrs.frozen
class PaymentRun:
    """The payments open at a cut-off: ``to_approve`` wait for finance, ``to_send`` are ready."""

    id: str
    cutoff: datetime
    execution_date: date
    instant: bool
    to_approve: tuple[str, ...]
    to_send: tuple[str, ...]
    one_by_one: tuple[str, ...]
    """Claims above the review threshold: finance approves each with ``approve_payment``."""


@attrs.frozen
class RunOutcome:
    """What a run call did: claim ids done, and refused ones with the desk's reason."""

    done: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = ()
    file: BankFile | None = None
    """The :class:`~reimbursement.payments.bankfile.BankFile` written, if any."""


class PaymentRuns:
    """Runs the desk's payments at the schedule's cut-offs (see the module docs).

    ``address_of`` gives a payee's structured postal address for the bank
    file (from the insurer's customer records); without it the file names
    payees without an address, which SEPA allows within the EEA.
    ``bank_files`` is the gateway that writes the run's ``pain.001``: the
    desk's gateway when it is a :class:`~reimbursement.payments.BankFileGateway`;
    give it when the desk's gateway wraps one (a gateway of your own).
    """

    def __init__(
        self,
        desk: ReimbursementDesk,
        schedule: RunSchedule | None = None,
        *,
        review_above: Money | None = None,
        address_of: Callable[[Claim], PostalAddress | None] | None = None,
        bank_files: BankFileGateway | None = None,
    ) -> None:
        self.desk = desk
        self.bank_files = bank_files
        self.schedule = schedule if schedule is not None else RunSchedule()
        self.review_above = review_above
        self._address_of = address_of

    def _open(self, actor: Actor) -> Iterator[Claim]:
        after = None
        states = [ClaimState.PAYMENT_REQUESTED, ClaimState.PAYMENT_APPROVED]
        while True:
            page = self.desk.claims_in(actor, states, after=after, limit=1000)
            yield from page.items
            if page.next_cursor is None:
                return
            after = page.next_cursor

    def _one_by_one(self, claim: Claim) -> bool:
        limit, payment = self.review_above, claim.payment
        return (
            limit is not None
            and payment is not None
            and payment.amount.currency == limit.currency
            and payment.amount > limit
        )

    def collect(self, cutoff: datetime, actor: Actor = SYSTEM) -> PaymentRun:
        """The run closing at ``cutoff``: every payment requested or approved and not yet sent."""
        to_approve: list[str] = []
        to_send: list[str] = []
        one_by_one: list[str] = []
        for claim in self._open(actor):
            payment = claim.payment
            if payment is None or payment.status is PaymentStatus.SENT:
                continue
            if claim.state is ClaimState.PAYMENT_APPROVED:
                to_send.append(claim.id)
            elif self._one_by_one(claim):
                one_by_one.append(claim.id)
            else:
                to_approve.append(claim.id)
        day, instant = self.schedule.execution(cutoff)
        run_id = f"RUN-{cutoff.astimezone(self.schedule.calendar.zone):%Y%m%d-%H%M}"
        return PaymentRun(
            run_id, cutoff, day, instant, tuple(to_approve), tuple(to_send), tuple(one_by_one)
        )

    def approve(self, finance: Actor, run: PaymentRun) -> RunOutcome:
        """Finance approves every payment of ``run`` waiting for it (not the one-by-one ones).

        Each claim goes through ``desk.approve_payment``: a claim ``finance``
        may not approve (four-eyes, conflict of interest) is refused alone
        and listed with the reason; the others are approved.
        """
        return self._each(run.to_approve, lambda cid: self.desk.approve_payment(finance, cid))

    def release(self, run: PaymentRun, actor: Actor = SYSTEM) -> RunOutcome:
        """Send every approved payment of ``run`` (re-read: approvals since collect count).

        With a bank-file gateway the run's keys are taken first, in one ledger
        write per chunk (:meth:`~reimbursement.payments.BankFileGateway.take`);
        each desk call then finds its key taken, and the keys of claims the desk
        refused are given back before the file is written. A run that stops
        between the two leaves its keys in the ledger's queue: the next file
        carries them, and each claim gets its receipt when the next run pays it
        (the same key, paid once).
        """
        from .bankfile import BankFileGateway, Payee  # the extra's module: only for files

        gateway = self.bank_files
        if gateway is None and isinstance(self.desk.adapters.payments, BankFileGateway):
            gateway = self.desk.adapters.payments
        ready = [c for c in self._open(actor) if _ready(c)]
        if gateway is not None:
            for claim in ready:
                address = None if self._address_of is None else self._address_of(claim)
                gateway.payee(claim.id, Payee(claim.claimant.name, address))
            # the run's keys in one ledger write per chunk, before any claim says sent
            gateway.take([payment_instruction(c, c.payment) for c in ready if c.payment])
        outcome = self._each([c.id for c in ready], lambda cid: self.desk.pay(actor, cid))
        if gateway is not None:
            gateway.untake()  # the claims the desk refused: their keys never pay
            written = gateway.write_file(
                run.id, run.cutoff, run.execution_date, instant=run.instant
            )
            return attrs.evolve(outcome, file=written)
        return outcome

    def run_at(self, cutoff: datetime, actor: Actor = SYSTEM) -> RunOutcome:
        """The scheduled job: collect the run closing at ``cutoff`` and release it."""
        return self.release(self.collect(cutoff, actor), actor)

    @staticmethod
    def _each(claim_ids: Sequence[str], call: Callable[[str], object]) -> RunOutcome:
        done: list[str] = []
        refused: list[tuple[str, str]] = []
        for claim_id in claim_ids:
            try:
                call(claim_id)
            except ReimbursementError as error:  # one refused claim never stops the run
                refused.append((claim_id, str(error)))
            else:
                done.append(claim_id)
        return RunOutcome(tuple(done), tuple(refused))


def _ready(claim: Claim) -> bool:
    payment = claim.payment
    return (
        claim.state is ClaimState.PAYMENT_APPROVED
        and payment is not None
        and payment.status is PaymentStatus.APPROVED
    )
