"""The demo: a realistic morning at an insurer, on the embedded default.

Run it with ``python -m reimbursement demo``. Three customers, four claims:
one paid in full, one returned for a missing receipt then resubmitted and
paid, one partly approved, one rejected; one payment fails and is retried
to a corrected account. Each claim's timeline and final state are printed.

By default the claims go to a SQLite file, ``reimbursement-demo.db`` in
the current folder (documents beside it): run it twice and the second run
lists the first run's claims before it adds its own. ``--database URL``
takes another database (PostgreSQL too), ``--database memory`` keeps
everything in memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from .adapters.memory import InMemoryFxRates, InMemoryPaymentGateway, ManualClock
from .bootstrap import DeskOptions, in_memory_desk, sql_desk
from .domain.actors import Actor
from .domain.claim import Claim, LineDecision
from .domain.feedback import FeedbackStage
from .domain.inputs import ClaimPatch, LineInput, LinePatch
from .domain.lifecycle import ClaimState
from .domain.money import Money
from .domain.sla import BusinessCalendar, SlaPolicy, weekly
from .ports import CustomerProfile
from .service.adapters import DeskSettings
from .service.desk import ReimbursementDesk
from .service.views import CustomerClaim

__all__ = ["run"]

PDF = b"%PDF-1.7\n% a scanned receipt\n"
JPEG = b"\xff\xd8\xff\xe0 a photo of an invoice"

CUSTOMERS = [
    CustomerProfile(
        "C-1001",
        "Mei Chen",
        "HK-HEALTH-0042",
        "EUR",
        "mei@example.org",
        "en",
        "DE89 3704 0044 0532 0130 00",
        "DE-BY",
    ),
    CustomerProfile(
        "C-1002",
        "Lukas Berger",
        "DE-TRAVEL-7781",
        "EUR",
        "lukas@example.org",
        "en",
        "DE12 5001 0517 0648 4898 90",
        "DE-BE",
    ),
    CustomerProfile(
        "C-1003",
        "Amara Okafor",
        "DE-HEALTH-1138",
        "EUR",
        "amara@example.org",
        "en",
        "DE44 5001 0517 5407 3249 31",
        "DE-HH",
    ),
]


def _documented(desk: ReimbursementDesk, who: Actor, claim: CustomerClaim) -> CustomerClaim:
    """Attach a receipt to every line that has none (a phone photo or a PDF scan)."""
    for line in claim.lines:
        if not line.attachment_ids:
            claim = desk.attach(who, claim.id, f"receipt-{line.id}.pdf", PDF, line_id=line.id)
    return claim


DEFAULT_DATABASE = "sqlite:///reimbursement-demo.db"
"""Where ``python -m reimbursement demo`` keeps its claims unless told otherwise."""


def build_desk(database: str | None = None) -> tuple[ReimbursementDesk, ManualClock]:
    """The demo's desk: a fixed start time, in memory (``None``) or on ``database``.

    In memory the ids are reproducible (``claim-1``, …); on a database they
    are random, so that runs add claims beside the earlier ones. The demo
    creates or upgrades the database schema itself, as a deployment step
    would (``python -m reimbursement db upgrade``).
    """
    clock = ManualClock(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    options: DeskOptions = {
        "reviewers": ["R-rita", "R-raj"],
        "settings": DeskSettings(finance_approval_threshold=Money("100.00", "EUR")),
        # review within two business days in the Berlin office, paid within 24 hours
        "sla": SlaPolicy.standard(BusinessCalendar("Europe/Berlin", weekly((time(9), time(17))))),
    }
    rates = {("USD", "EUR", date(2026, 11, 13)): Decimal("0.9210")}
    if database is None:
        counter = itertools.count(1)
        options["new_id"] = lambda: f"claim-{next(counter)}"
        desk = in_memory_desk(customers=CUSTOMERS, clock=clock, fx_rates=rates, **options)
        return desk, clock
    from .adapters import sql

    sql.upgrade(database)
    desk = sql_desk(
        database, customers=CUSTOMERS, clock=clock, fx_rates=InMemoryFxRates(rates), **options
    )
    return desk, clock


def _earlier_claims(desk: ReimbursementDesk, out: Callable[[str], object]) -> None:
    staff = Actor.finance("F-fiona", "Fiona")
    found = desk.claims_in(staff, ClaimState, limit=1_000)
    if not found.items:
        return
    out(f"This database already holds {len(found.items)} claims from earlier runs:")
    for claim in found.items:
        out(f"  {claim.number or '(draft)'}  {claim.claimant.name}  {claim.state}")
    out("")


def run(out: Callable[[str], object] = print, database: str | None = None) -> list[Claim]:
    """Play the scenario on ``database`` (default: in memory); returns the claims at the end."""
    desk, clock = build_desk(database)
    with desk:
        _earlier_claims(desk, out)
        return _play(desk, clock, out)


def _play(
    desk: ReimbursementDesk, clock: ManualClock, out: Callable[[str], object]
) -> list[Claim]:
    mei_claim, lukas_claim, amara_claim, amara_spa = _submit(desk)
    _promises(desk, out, (mei_claim, lukas_claim, amara_claim, amara_spa))
    clock.advance(timedelta(hours=2))
    _review(desk, mei_claim, lukas_claim, amara_claim, amara_spa)
    _correct(desk, clock, lukas_claim)
    _pay(desk, clock, (mei_claim.id, lukas_claim.id, amara_claim.id), amara_claim.id)
    _feedback(desk, mei_claim, amara_spa)
    finance = Actor.finance("F-fiona", "Fiona")
    claims = [desk.get(finance, c.id) for c in (mei_claim, lukas_claim, amara_claim, amara_spa)]
    _report(desk, out, claims)
    return claims


_MEI, _LUKAS, _AMARA = (Actor.customer(c.customer_id, c.name) for c in CUSTOMERS)
_REVIEWERS = {"R-rita": Actor.reviewer("R-rita", "Rita"), "R-raj": Actor.reviewer("R-raj", "Raj")}


def _holder(desk: ReimbursementDesk, claim_id: str) -> Actor:
    """The reviewer who holds the claim now (staff read the whole claim; customers never)."""
    return _REVIEWERS[desk.get(Actor.finance("F-fiona", "Fiona"), claim_id).assignee or ""]


def _submit(
    desk: ReimbursementDesk,
) -> tuple[CustomerClaim, CustomerClaim, CustomerClaim, CustomerClaim]:
    """Three customers submit four claims."""
    mei, lukas, amara = _MEI, _LUKAS, _AMARA
    # Mei: a pharmacy bill and a physiotherapy session, paid in full.
    mei_claim = desk.start_draft(
        mei,
        [
            LineInput("pharmacy", date(2026, 11, 20), "Stadt-Apotheke", Money("38.90", "EUR")),
            LineInput(
                "physiotherapy", date(2026, 11, 21), "Physio am Park", Money("85.00", "EUR")
            ),
        ],
    )
    # a request id makes a retried call safe: sent twice, it submits once
    mei_claim = desk.submit(
        mei, _documented(desk, mei, mei_claim).id, request_id=f"submit-{mei_claim.id}"
    )

    # Lukas: a hotel abroad in dollars; he forgets the receipt of the taxi.
    lukas_claim = desk.start_draft(
        lukas,
        [
            LineInput(
                "accommodation",
                date(2026, 11, 14),
                "Harbor Hotel Boston",
                Money("412.00", "USD"),
                "Two nights after the flight was cancelled",
            ),
            LineInput("transport", date(2026, 11, 14), "Yellow Cab", Money("46.00", "EUR")),
        ],
    )
    lukas_claim = _documented(desk, lukas, lukas_claim)
    lukas_claim = desk.submit(lukas, lukas_claim.id)

    # Amara: a dental bill (partly covered) and a spa visit (not covered).
    amara_claim = desk.start_draft(
        amara,
        [
            LineInput("dental", date(2026, 11, 18), "Zahnarzt Dr. Roth", Money("640.00", "EUR")),
        ],
    )
    amara_claim = desk.submit(amara, _documented(desk, amara, amara_claim).id)
    amara_spa = desk.start_draft(
        amara,
        [
            LineInput("wellness", date(2026, 11, 19), "Thermen Spa", Money("120.00", "EUR")),
        ],
    )
    amara_spa = desk.submit(amara, _documented(desk, amara, amara_spa).id)

    return mei_claim, lukas_claim, amara_claim, amara_spa


def _promises(
    desk: ReimbursementDesk, out: Callable[[str], object], claims: tuple[CustomerClaim, ...]
) -> None:
    """What each customer is told at submission: the due time and the expected completion."""
    out("What each customer is promised at submission:")
    for claim in claims:
        view = desk.track(Actor.customer(claim.customer_id), claim.id)
        assert view.due is not None
        assert view.expected_completion is not None
        out(
            f"  {view.number}: {view.stage.lower()}, review due {view.due:%a %H:%M %Z}, "
            f"paid by {view.expected_completion:%a %H:%M %Z} at the latest"
        )


def _review(
    desk: ReimbursementDesk,
    mei_claim: CustomerClaim,
    lukas_claim: CustomerClaim,
    amara_claim: CustomerClaim,
    amara_spa: CustomerClaim,
) -> None:
    """The reviewers decide: an approval, a return, a partial approval, a rejection."""
    desk.approve(_holder(desk, mei_claim.id), mei_claim.id)
    desk.post_message(
        _holder(desk, lukas_claim.id),
        lukas_claim.id,
        "Taxi receipt is the hotel's again; ask for the cab's.",
        internal=True,
    )
    desk.return_for_correction(
        _holder(desk, lukas_claim.id),
        lukas_claim.id,
        ["The taxi receipt is missing: the file attached is the hotel invoice again."],
    )
    desk.approve(
        _holder(desk, amara_claim.id),
        amara_claim.id,
        [
            LineDecision("L1", Money("480.00", "EUR"), "Your policy covers 75 % of dental costs."),
        ],
    )
    desk.reject(
        _holder(desk, amara_spa.id),
        amara_spa.id,
        "expense_not_covered",
        "Wellness treatments are not covered by your health policy.",
    )


def _correct(desk: ReimbursementDesk, clock: ManualClock, lukas_claim: CustomerClaim) -> None:
    """Lukas adds the missing receipt, and only that; his claim is approved."""
    lukas, later = _LUKAS, clock.advance
    later(timedelta(hours=1))
    lukas_claim = desk.attach(lukas, lukas_claim.id, "taxi.jpg", JPEG)
    taxi = lukas_claim.attachments[-1].id
    desk.post_message(lukas, lukas_claim.id, "Sorry, here is the taxi receipt.")
    desk.resubmit(
        lukas,
        lukas_claim.id,
        ClaimPatch(
            change_lines=(LinePatch("L2", attachment_ids=(taxi,)),),
        ),
    )
    later(timedelta(minutes=40))
    desk.approve(_holder(desk, lukas_claim.id), lukas_claim.id)


def _pay(
    desk: ReimbursementDesk, clock: ManualClock, claim_ids: tuple[str, ...], amara_id: str
) -> None:
    """Finance approves and pays; one account was closed, so that payment is retried."""
    finance, later = Actor.finance("F-fiona", "Fiona"), clock.advance
    gateway = desk.adapters.payments
    assert isinstance(gateway, InMemoryPaymentGateway)
    # Finance approves what is above the threshold and pays; Amara's bank
    # account was closed, so her payment fails: she gives her new account,
    # which finance checks and approves before paying into it.
    later(timedelta(hours=1))
    gateway.failing_accounts[CUSTOMERS[2].payee_account] = "account closed"
    for claim_id in claim_ids:
        if desk.get(finance, claim_id).state == "payment_requested":
            desk.approve_payment(finance, claim_id)
        desk.pay(finance, claim_id)
    later(timedelta(minutes=30))
    desk.change_payee_account(_AMARA, amara_id, "DE02 1203 0000 0000 2020 51")
    later(timedelta(minutes=10))
    desk.approve_payment(finance, amara_id)
    desk.pay(finance, amara_id)


def _feedback(desk: ReimbursementDesk, mei_claim: CustomerClaim, amara_spa: CustomerClaim) -> None:
    """Customers say how it went."""
    mei, amara = _MEI, _AMARA
    # Customers say how it went: Mei is delighted, Amara is not.
    desk.give_feedback(
        mei,
        mei_claim.id,
        ratings={FeedbackStage.SUBMISSION: 5, FeedbackStage.PAYMENT: 5},
        nps=10,
        ces=1,
    )
    desk.give_feedback(
        amara,
        amara_spa.id,
        ratings={FeedbackStage.REVIEW: 2, FeedbackStage.COMMUNICATION: 3},
        nps=4,
        ces=5,
        problems=["did_not_know_status"],
        text="I did not know wellness was excluded.",
    )


def _report(desk: ReimbursementDesk, out: Callable[[str], object], claims: list[Claim]) -> None:
    """Each claim's timeline, as its customer sees it."""
    gateway = desk.adapters.payments
    assert isinstance(gateway, InMemoryPaymentGateway)
    for claim in claims:
        view = desk.track(Actor.customer(claim.customer_id), claim.id)
        out("")
        out(
            f"{view.number}  {claim.claimant.name}  {view.stage}: claimed {view.claimed}, "
            f"approved {view.approved}, paid {view.paid}"
        )
        for entry in view.timeline:
            detail = f" - {entry.detail}" if entry.detail else ""
            out(f"  {entry.at:%a %H:%M}  {entry.title}{detail}")
        for message in view.messages:
            out(f"  message from {message.role}: {message.body}")
        for guidance in view.guidance:
            out(f"  why: {guidance.title}. {guidance.explanation}")
            out(f"  what you can do: {' '.join(guidance.steps)}")
        if view.feedback is not None:
            out(f"  feedback: NPS {view.feedback.nps}, effort {view.feedback.ces}/7")
    out("")
    out(
        f"{len(desk.adapters.notifier.sent)} notifications sent"  # type: ignore[attr-defined]
        f", {len(gateway.payouts)} payouts made"
    )
