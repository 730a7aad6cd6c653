"""A realistic synthetic year of claims, made by driving the real desk on in-memory adapters.

Customers draft, attach receipts and submit; reviewers return, reject or
approve (in part); finance approves the payment runs, which send the
money at their cut-off times; the bank confirms; about a
third of the customers give feedback that reflects what happened to them.
Half-way through (``change_at``) the insurer improves its process: fewer
returns, faster reviews and payments, so before/after comparisons have
something to find. Every random draw comes from one seeded generator, and
the clock is a :class:`~reimbursement.adapters.memory.ManualClock` moved
forward event by event: the same seed gives the same year.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Generator, Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from ..adapters.memory import InMemoryPaymentGateway, ManualClock
from ..bootstrap import in_memory_desk
from ..domain.accounts import iban_for
from ..domain.actors import SYSTEM, Actor
from ..domain.claim import Claim, LineDecision
from ..domain.feedback import Feedback, FeedbackStage
from ..domain.frozen import frozen_map
from ..domain.inputs import ClaimPatch, LineInput, LinePatch
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..domain.reasons import ReasonCatalogue
from ..payments.runs import PaymentRuns, RunSchedule
from ..ports import CustomerProfile
from ..service.adapters import DeskSettings
from ..service.desk import ReimbursementDesk

__all__ = ["SimulationSettings", "SyntheticYear", "simulate_year"]

_PDF = b"%PDF-1.4\n% synthetic receipt\n"
_CATEGORIES = (  # name, weight, median amount in EUR
    ("medical", 45, 90.0),
    ("pharmacy", 20, 25.0),
    ("dental", 15, 220.0),
    ("optical", 10, 180.0),
    ("physiotherapy", 10, 70.0),
)
_REGIONS = (("north", 3), ("south", 3), ("east", 2), ("west", 2))
_TEAMS = ("team-a", "team-b", "team-c")
_RETURN_CODES = (
    "missing_receipt",
    "unreadable_document",
    "amount_mismatch",
    "missing_bank_details",
    "missing_medical_report",
)
_REJECT_CODES = ("expense_not_covered", "duplicate_expense", "incurred_outside_cover")
_COMPLAINTS = (
    "I had to send the same receipt twice.",
    "Nobody told me what was happening with my claim.",
    "The money took far too long to arrive.",
    "The review took weeks for a simple receipt.",
    "I did not understand why my claim came back.",
)


@attrs.frozen
class SimulationSettings:
    """The shape of the synthetic year; defaults make about 5,500 claims."""

    start: datetime = datetime(2025, 1, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    days: int = 365
    claims_per_day: float = 15.0
    customers: int = 2000
    reviewers: int = 9
    feedback_rate: float = 0.35
    change_after_days: int = 182
    payment_runs: RunSchedule = attrs.field(factory=RunSchedule)
    """When payment runs close (default: 10:00 and 15:00 every day, instant on closed days)."""


@attrs.frozen(eq=False)
class SyntheticYear:
    """The simulated claims with what the analyses need to slice them."""

    claims: tuple[Claim, ...]
    regions: Mapping[str, str] = attrs.field(converter=frozen_map)
    teams: Mapping[str, str] = attrs.field(converter=frozen_map)
    start: datetime
    end: datetime
    change_at: datetime
    desk: ReimbursementDesk

    def region_of(self, claim: Claim) -> str:
        """The region of the claim's customer."""
        return self.regions[claim.customer_id]

    def team_of(self, reviewer: str) -> str:
        """The team of a reviewer (``"unknown"`` for anyone else)."""
        return self.teams.get(reviewer, "unknown")

    def variant_of(self, claim: Claim) -> str:
        """``"before"`` or ``"after"`` the process change, by first submission."""
        submitted = claim.submitted_at
        return "after" if submitted is not None and submitted >= self.change_at else "before"


Life = Generator[float, None, None]
"""A claim's story: each ``yield`` is the number of hours until its next step."""


class _World:
    def __init__(self, seed: int, settings: SimulationSettings) -> None:
        self.rng = random.Random(seed)
        self.s = settings
        self.tz = settings.start.tzinfo
        self.clock = ManualClock(settings.start)
        self.change_at = settings.start + timedelta(days=settings.change_after_days)
        rng = self.rng
        regions = [r for r, _ in _REGIONS]
        weights = [w for _, w in _REGIONS]
        self.regions = {
            f"customer-{i:05d}": rng.choices(regions, weights)[0]
            for i in range(1, settings.customers + 1)
        }
        profiles = [
            CustomerProfile(
                cid,
                f"Customer {cid[-5:]}",
                f"POL-{cid[-5:]}",
                "EUR",
                language=rng.choice(("en", "en", "zh-CN")),
                payee_account=iban_for("DE", f"{rng.randrange(10**19, 10**20) % 10**18:018d}"),
                region=region,
            )
            for cid, region in self.regions.items()
        ]
        reviewers = [f"reviewer-{i}" for i in range(1, settings.reviewers + 1)]
        self.teams = {r: _TEAMS[i % len(_TEAMS)] for i, r in enumerate(reviewers)}
        ids = itertools.count(1)
        self.desk = in_memory_desk(
            reviewers=reviewers,
            customers=profiles,
            clock=self.clock,
            settings=DeskSettings(finance_approval_threshold=Money("150", "EUR")),
            settle_immediately=False,
            new_id=lambda: f"C{next(ids):06d}",
        )
        self.finance = [Actor.finance(f"finance-{i}") for i in (1, 2, 3)]
        self.runs = PaymentRuns(self.desk, settings.payment_runs)
        self.last_run: datetime | None = None
        self.reasons = ReasonCatalogue.default()

    # -- time ------------------------------------------------------------------

    def hours(self, median: float, sigma: float = 0.8) -> float:
        return median * math.exp(self.rng.gauss(0, sigma))

    def working(self, at: datetime, hours: float) -> float:
        """Hours from ``at`` until ``hours`` later, moved into office hours (Mon–Fri 8–18)."""
        when = (at + timedelta(hours=hours)).astimezone(self.tz)
        while when.weekday() >= 5 or not 8 <= when.hour < 18:
            if when.hour >= 18 or when.weekday() >= 5:
                when = (when + timedelta(days=1)).replace(hour=8, minute=0)
            else:
                when = when.replace(hour=8, minute=0)
            when += timedelta(minutes=self.rng.randrange(0, 120))
        return (when - at).total_seconds() / 3600

    # -- one claim ---------------------------------------------------------------

    def lines(self) -> list[LineInput]:
        rng = self.rng
        today = self.clock.now().astimezone(self.tz).date()
        result = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            name, _, median = rng.choices(_CATEGORIES, [c[1] for c in _CATEGORIES])[0]
            cents = max(100, int(median * math.exp(rng.gauss(0, 0.6)) * 100))
            result.append(
                LineInput(
                    name,
                    today - timedelta(days=rng.randrange(0, 30)),
                    f"{name.title()} provider {rng.randrange(1, 60)}",
                    Money(Decimal(cents).scaleb(-2), "EUR"),
                )
            )
        return result

    def life(self, customer: Actor) -> Life:
        desk, rng = self.desk, self.rng
        draft = desk.start_draft(customer, self.lines())
        cid = draft.id
        yield rng.uniform(0.02, 0.2)
        for line in draft.lines:
            draft = desk.attach(customer, cid, f"receipt-{line.id}.pdf", _PDF)
        changes = tuple(
            LinePatch(line.id, attachment_ids=(doc.id,))
            for line, doc in zip(draft.lines, draft.attachments, strict=True)
        )
        desk.update_draft(customer, cid, ClaimPatch(change_lines=changes))
        yield rng.uniform(0.01, 0.1)
        desk.submit(customer, cid)
        improved = self.clock.now() >= self.change_at
        returns, review_hours = 0, 0.0
        while True:
            wait = self.working(self.clock.now(), self.hours(14 if improved else 22))
            review_hours += wait
            yield wait
            claim = desk.get(SYSTEM, cid)  # staff read the whole claim: who holds it
            reviewer = Actor.reviewer(claim.assignee or "")
            roll = rng.random()
            p_return = (0.11 if improved else 0.2) * (0.5**returns)
            if roll < p_return:
                code = rng.choice(_RETURN_CODES)
                desk.return_for_correction(reviewer, cid, [code])
                returns += 1
                yield self.hours(30, 1.0)
                mine = desk.attach(customer, cid, "new-receipt.pdf", _PDF)
                fix = LinePatch(mine.lines[0].id, attachment_ids=(mine.attachments[-1].id,))
                desk.resubmit(customer, cid, ClaimPatch(change_lines=(fix,)))
                continue
            if roll < p_return + 0.07:
                claim = desk.reject(reviewer, cid, rng.choice(_REJECT_CODES))
            elif roll < p_return + 0.17 and len(claim.lines) > 1:
                cut = claim.lines[-1]
                lowered = Money(
                    (cut.claimed.amount * Decimal("0.5")).quantize(Decimal("0.01")), "EUR"
                )
                decision = LineDecision(cut.id, lowered, "above the policy's limit for this item")
                claim = desk.approve(reviewer, cid, [decision])
            else:
                claim = desk.approve(reviewer, cid)
            break
        pay_hours = None
        if claim.state is not ClaimState.REJECTED:
            approved_at = self.clock.now()
            yield from self.payment(cid, claim, improved)
            pay_hours = (self.clock.now() - approved_at).total_seconds() / 3600
        if rng.random() < self.s.feedback_rate:
            yield self.hours(20, 1.0)
            yield from self.feedback(customer, cid, returns, review_hours, pay_hours)

    def payment(self, cid: str, claim: Claim, improved: bool) -> Life:
        rng = self.rng
        finance = rng.choice(self.finance)
        slow = rng.random() < (0.06 if improved else 0.25)  # the bank's confirmation
        yield from self.next_run(finance)
        claim = self.desk.get(finance, cid)
        reference = claim.payment.gateway_reference if claim.payment else None
        gateway = self.desk.adapters.payments
        assert isinstance(gateway, InMemoryPaymentGateway)
        if rng.random() < 0.02 and reference:
            yield self.hours(6)
            refused = "the receiving bank refused the transfer"
            gateway.fail(reference, refused)  # the gateway's word, then its callback
            self.desk.fail_payment(SYSTEM, cid, reference, refused)
            yield self.working(self.clock.now(), self.hours(8))
            self.desk.retry_payment(finance, cid)
            yield from self.next_run(finance)
            claim = self.desk.get(finance, cid)
            reference = claim.payment.gateway_reference if claim.payment else None
        yield self.hours(30 if slow else 4, 0.5)
        gateway.settle(reference or "")
        self.desk.confirm_payment(SYSTEM, cid, reference or "")

    def next_run(self, finance: Actor) -> Life:
        """Wait for the next payment run; the first claim there runs it for all.

        Finance approves the run as a whole at its cut-off (weekends too: a rota).
        """
        now = self.clock.now()
        cutoff = self.runs.schedule.next_cutoff(now)
        yield (cutoff - now).total_seconds() / 3600
        if self.last_run != cutoff:
            self.last_run = cutoff
            run = self.runs.collect(cutoff)
            self.runs.approve(finance, run)
            self.runs.release(run)

    def feedback(
        self, customer: Actor, cid: str, returns: int, review_h: float, pay_h: float | None
    ) -> Life:
        rng = self.rng
        late = pay_h is not None and pay_h > 24
        slow = review_h > 48

        def score(base: float, penalty: float) -> int:
            return max(1, min(5, round(base - penalty + rng.gauss(0, 0.7))))

        ratings = {
            FeedbackStage.SUBMISSION: score(4.4, 0.9 * returns),
            FeedbackStage.REVIEW: score(4.2, 0.8 * returns + (1.2 if slow else 0)),
            FeedbackStage.COMMUNICATION: score(4.1, 0.7 * returns + (0.8 if slow or late else 0)),
        }
        if pay_h is not None:
            ratings[FeedbackStage.PAYMENT] = score(4.5, 1.8 if late else 0)
        pain = returns + slow + 1.5 * late
        problems = []
        if returns and rng.random() < 0.6:
            problems.append("asked_same_document_twice")
        if returns and rng.random() < 0.3:
            problems.append("unclear_return_reason")
        if (slow or late) and rng.random() < 0.5:
            problems.append("did_not_know_status")
        if late and rng.random() < 0.7:
            problems.append("payment_late")
        if slow and rng.random() < 0.5:
            problems.append("slow_review")
        text = ""
        if min(ratings.values()) <= 2 and rng.random() < 0.6:
            text = rng.choice(_COMPLAINTS)
        elif rng.random() < 0.1:
            text = "Quick and easy, thank you."
        feedback = Feedback(
            self.clock.now(),
            ratings,
            ces=max(1, min(7, round(2 + 1.3 * pain + rng.gauss(0, 1)))),
            nps=max(0, min(10, round(9.3 - 1.6 * pain + rng.gauss(0, 1.2)))),
            problems=tuple(problems),
            text=text,
            channel=rng.choices(("app", "web", "phone"), (5, 4, 1))[0],
        )
        self.give(customer, cid, feedback)
        yield 0.0

    def give(self, customer: Actor, cid: str, feedback: Feedback) -> None:
        self.desk.give_feedback(
            customer,
            cid,
            ratings=feedback.ratings,
            ces=feedback.ces,
            nps=feedback.nps,
            problems=feedback.problems,
            text=feedback.text,
            channel=feedback.channel,
        )


def simulate_year(seed: int = 0, settings: SimulationSettings | None = None) -> SyntheticYear:
    """A year of claims from ``settings`` (defaults: about 5,500 claims from 2025-01-01).

    Claims still open at the end of the year stay where they are, as in a
    real snapshot. Takes a few seconds per thousand claims.
    """
    s = settings if settings is not None else SimulationSettings()
    world = _World(seed, s)
    rng = world.rng
    end = s.start + timedelta(days=s.days)
    queue: list[tuple[datetime, int, Life]] = []
    order = itertools.count()
    customers = list(world.regions)
    for day in range(s.days):
        midnight = (s.start + timedelta(days=day)).astimezone(world.tz)
        weekday = midnight.weekday()
        expected = s.claims_per_day * (0.45 if weekday >= 5 else 1.2)
        for _ in range(_poisson(rng, expected)):
            at = midnight + timedelta(hours=rng.uniform(7, 23))
            customer = Actor.customer(rng.choice(customers))
            heapq.heappush(queue, (at, next(order), world.life(customer)))
    while queue:
        at, _, life = heapq.heappop(queue)
        if at >= end:
            continue
        world.clock.set(at)
        try:
            delay = next(life)
        except StopIteration:
            continue
        heapq.heappush(queue, (at + timedelta(hours=delay), next(order), life))
    claims = tuple(sorted(_every_claim(world.desk), key=lambda c: c.id))
    return SyntheticYear(
        claims, world.regions, world.teams, s.start, end, world.change_at, world.desk
    )


def _every_claim(desk: ReimbursementDesk) -> Iterator[Claim]:
    """Every claim the desk's store holds, read page by page."""
    after = None
    while True:
        with desk.adapters.unit_of_work() as uow:
            page = uow.claims.in_states(ClaimState, after=after, limit=1_000)
        yield from page.items
        if page.next_cursor is None:
            return
        after = page.next_cursor


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small daily means used here.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
