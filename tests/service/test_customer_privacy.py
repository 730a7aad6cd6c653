"""Nothing a customer reads carries staff data, whatever staff and customers did.

Claims are driven through random desk calls (submissions, messages and
internal notes, returns, partial approvals, rejections, hand-overs, SLA
sweeps with escalation to a team lead, payments that fail and are retried,
feedback); calls the claim's state refuses are skipped. After each run,
every ``track()`` view of each customer (serialized whole), every
notification they were sent and everything their own calls returned
(drafts, documents, submissions, messages, feedback) is searched for each staff id, each team name,
each internal note, and the words routing and escalation use for staff.
"""

from __future__ import annotations

import contextlib
from datetime import time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reimbursement import (
    Actor,
    ClaimPatch,
    CustomerProfile,
    DeskSettings,
    LineDecision,
    LineInput,
    Money,
    ReimbursementDesk,
    in_memory_desk,
    to_json,
)
from reimbursement.adapters.memory import InMemoryNotifier, ManualClock
from reimbursement.domain.actors import Role
from reimbursement.domain.routing import (
    ApprovalRules,
    ParallelReviews,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
)
from reimbursement.domain.sla import BusinessCalendar, SlaPolicy, weekly
from reimbursement.errors import ReimbursementError
from reimbursement.feedback import FeedbackStage
from reimbursement.service.routers import RoutingEscalation
from support import PDF, START, gateway

REVIEWERS = ("rv-quokka", "rv-wombat", "rv-dingo", "rv-bilby")
FINANCE = Actor.finance("fi-numbat", "Nina Numbat")
OPS = Actor("ops-koala", Role.REVIEWER, "Kim Koala")
TEAMS = ("team-platypus", "team-echidna")
NOTE = "INTERNAL-NOTE"
# words that only routing, hand-overs and escalations write, about staff
STAFF_WORDS = ("next in turn", "open claims", "lead of team", "matched on", "found nobody")
SECRETS = (*REVIEWERS, FINANCE.id, OPS.id, "Numbat", "Koala", *TEAMS, NOTE, *STAFF_WORDS)

CUSTOMERS = (
    CustomerProfile(
        "cu-ana",
        "Ana Lima",
        "POL-1",
        "EUR",
        "ana@example.org",
        "en",
        "DE89 3704 0044 0532 0130 00",
    ),
    CustomerProfile(
        "cu-li", "Li Wei", "POL-2", "EUR", "li@example.cn", "zh-CN", "DE02 1203 0000 0000 2020 51"
    ),
)
OFFICE = BusinessCalendar("Europe/Berlin", weekly((time(9), time(17))))
SLA = SlaPolicy.standard(OFFICE, review=timedelta(hours=4), payment=timedelta(hours=24))


def _desk(plans: bool, clock: ManualClock) -> ReimbursementDesk:
    if plans:  # department reviews: their names are the customer's to see, not who holds them
        teams: tuple[str, ...] = ("medical", "fraud")
        rules: ApprovalRules | None = ApprovalRules(ParallelReviews(teams))
    else:
        teams, rules = TEAMS, None
    pool = ReviewerPool(
        [Reviewer(rid, teams={teams[i % 2]}) for i, rid in enumerate(REVIEWERS)],
        leads={teams[0]: REVIEWERS[2], teams[1]: REVIEWERS[3]},
    )
    router = PolicyRouter(pool)
    options = {"approval_rules": rules} if rules is not None else {}
    return in_memory_desk(
        router=router,
        customers=CUSTOMERS,
        clock=clock,
        sla=SLA,
        escalation=RoutingEscalation(router, rules),
        settings=DeskSettings(finance_approval_threshold=Money("50", "EUR")),
        settle_immediately=False,
        **options,  # type: ignore[arg-type]
    )


ANSWERS: list[object] = []
"""What every customer call of the current run returned: none may carry staff data."""


def _mine(answer: object) -> None:
    ANSWERS.append(answer)


def _file(desk: ReimbursementDesk, customer: Actor, amount: str) -> str:
    line = LineInput(
        "pharmacy", START.date() - timedelta(days=2), "City Pharmacy", Money(amount, "EUR")
    )
    claim = desk.start_draft(customer, [line])
    _mine(claim)
    _mine(desk.attach(customer, claim.id, "receipt.pdf", PDF, line_id=claim.lines[0].id))
    submitted = desk.submit(customer, claim.id)
    _mine(submitted)
    return submitted.id


def _as_staff(desk: ReimbursementDesk, call: str, claim_id: str, *args: object) -> None:
    """``call`` by each reviewer in turn: the one holding the claim (or a step) succeeds."""
    for rid in REVIEWERS:
        try:
            getattr(desk, call)(Actor.reviewer(rid), claim_id, *args)
        except ReimbursementError:
            continue
        return


def _reference(desk: ReimbursementDesk, claim_id: str) -> str:
    payment = desk.get(FINANCE, claim_id).payment
    return (payment.gateway_reference or "") if payment is not None else ""


def _step(desk: ReimbursementDesk, op: str, claim_id: str, customer: Actor, clock: ManualClock):
    if op == "note":
        desk.post_message(OPS, claim_id, f"{NOTE}: ask rv-dingo, ops-koala agrees", internal=True)
        desk.post_message(FINANCE, claim_id, f"{NOTE} from fi-numbat", internal=True)
    elif op == "say":
        desk.post_message(OPS, claim_id, "We are looking at your receipt.")
    elif op == "ask":
        _mine(desk.post_message(customer, claim_id, "Is anything missing?"))
    elif op == "fix":
        _mine(desk.attach(customer, claim_id, "scan.pdf", PDF))
    elif op == "return":
        reasons = ["missing_receipt", "Add the date of the visit", "amount_mismatch"]
        _as_staff(desk, "return_for_correction", claim_id, reasons, "Thank you.")
    elif op == "approve":
        _as_staff(desk, "approve", claim_id)
    elif op == "lower":
        line = desk.get(OPS, claim_id).lines[0]
        lower = line.claimed - Money("10.00", "EUR")  # 20 EUR: paid at once; 70 EUR: by finance
        lowered = LineDecision(line.id, lower, "expense_not_covered")
        _as_staff(desk, "approve", claim_id, [lowered])
    elif op == "reject":
        _as_staff(desk, "reject", claim_id, "duplicate_expense", "Seen on your last claim.")
    elif op == "resubmit":
        _mine(desk.resubmit(customer, claim_id, ClaimPatch()))
    elif op == "withdraw":
        _mine(desk.withdraw(customer, claim_id, "I paid it myself"))
    elif op == "hand_over":
        assignee = desk.get(OPS, claim_id).assignee
        if assignee is not None:
            desk.hand_over(OPS, assignee)
    elif op == "sweep":
        clock.advance(timedelta(hours=20))
        desk.sweep()
    elif op == "approve_payment":
        desk.approve_payment(FINANCE, claim_id)
    elif op == "pay":
        desk.pay(FINANCE, claim_id)
    elif op == "fail":  # the gateway's word first, then its callback
        gateway(desk).fail(_reference(desk, claim_id), "account closed")
        desk.fail_payment(FINANCE, claim_id, _reference(desk, claim_id), "account closed")
    elif op == "confirm":
        gateway(desk).settle(_reference(desk, claim_id))
        desk.confirm_payment(FINANCE, claim_id, _reference(desk, claim_id))
    elif op == "retry":
        desk.retry_payment(FINANCE, claim_id)
    elif op == "feedback":
        rating = {FeedbackStage.REVIEW: 2}
        _mine(desk.give_feedback(customer, claim_id, ratings=rating, text="slow"))
    elif op == "edit_feedback":
        _mine(desk.edit_feedback(customer, claim_id, ratings={FeedbackStage.REVIEW: 3}))


# the payment calls twice over, so that random runs reach them past the decisions
OPERATIONS = (
    "note", "say", "ask", "fix", "return", "approve", "lower", "reject", "resubmit", "withdraw",
    "hand_over", "sweep", "feedback", "edit_feedback",
    *(("approve_payment", "pay", "fail", "confirm", "retry") * 2),
)  # fmt: skip


@given(
    plans=st.booleans(),
    claims=st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from(["30.00", "80.00"])), min_size=1, max_size=3
    ),
    steps=st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 2)), max_size=30),
)
def test_no_staff_data_reaches_the_customer(
    plans: bool, claims: list[tuple[int, str]], steps: list[tuple[str, int]]
) -> None:
    clock = ManualClock(START)
    desk = _desk(plans, clock)
    ANSWERS.clear()
    owner_of = {}
    for who, amount in claims:
        customer = Actor.customer(CUSTOMERS[who].customer_id)
        owner_of[_file(desk, customer, amount)] = customer
    ids = list(owner_of)
    for op, index in steps:
        claim_id = ids[index % len(ids)]
        # a call the claim's state (or the actor) does not allow changes nothing: skip it
        with contextlib.suppress(ReimbursementError):
            _step(desk, op, claim_id, owner_of[claim_id], clock)

    notifier = desk.adapters.notifier
    assert isinstance(notifier, InMemoryNotifier)
    for owner in set(owner_of.values()):
        read = [to_json(desk.track(owner, i)) for i, whose in owner_of.items() if whose == owner]
        read += [to_json(view) for view in desk.claims_of(owner).items]
        read += [f"{n.subject}\n{n.body}" for n in notifier.to(owner.id)]
        read += [to_json(answer) for answer in ANSWERS]  # what their own calls returned
        for text in read:
            leaked = [secret for secret in SECRETS if secret in text]
            assert leaked == [], text
