"""Review routing: who gets each claim, in what order the reviews run, who takes over.

Run: ``python examples/routing_policies.py``. Sets up a small claims office,
routes a morning's claims with skills → least loaded, compares it with a
plain round robin, runs one large medical claim through an approval plan
with parallel reviews and a two-level chain, then sends a reviewer on
leave and escalates a late claim, printing the claim's timeline; last, runs
a parallel plan on the desk, as a customer and the reviewers see it.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from reimbursement import (
    Actor,
    Claim,
    CustomerProfile,
    DeskSettings,
    LineDecision,
    LineInput,
    Money,
    in_memory_desk,
)
from reimbursement.adapters.memory import ManualClock
from reimbursement.claims import Claimant
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.commands import approve, start_draft, submit
from reimbursement.routing import (
    Absence,
    ApprovalRules,
    AssignmentPolicy,
    AuthorityChain,
    CategoryReview,
    ConflictRegister,
    LeastLoaded,
    ParallelReviews,
    Pipeline,
    PlanOutcome,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
    RoundRobin,
    SkillsMatch,
    StepOutcome,
    escalate,
    hand_over,
    record_assignment,
    record_escalation,
    record_reassignment,
    record_step_decision,
    request_for,
)

MORNING = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TODAY = MORNING.date()


def eur(amount: str | int) -> Money:
    return Money(amount, "EUR")


def office() -> ReviewerPool:
    return ReviewerPool(
        [
            Reviewer("ana", teams={"claims"}, categories={"medical", "dental"},
                     languages={"fr", "en"}, authority_limit=eur(1_000)),
            Reviewer("ben", teams={"claims"}, categories={"medical"}, languages={"en"},
                     authority_limit=eur(5_000)),
            Reviewer("cy", teams={"claims"}, categories={"travel"}, languages={"en", "nl"},
                     authority_limit=eur(20_000)),
            Reviewer("dee", teams={"claims"}, categories={"travel", "dental"}, languages={"nl"},
                     authority_limit=eur(1_000)),
            Reviewer("mo", teams={"doctors"}, categories={"medical"}, languages={"en", "fr"}),
            Reviewer("fay", teams={"fraud"}, languages={"en"}),
            Reviewer("lee", teams={"claims", "leads"}, languages={"en"}),
        ],
        leads={"claims": "lee"},
    )  # fmt: skip


def new_claim(number: int, customer: str, lines: list[tuple[str, str]], language: str) -> Claim:
    claimant = Claimant(
        customer, customer.title(), "POL-1", "NL91ABNA0417164300", language=language
    )
    actor = Actor.customer(customer)
    draft = start_draft(
        f"C-{number}",
        claimant,
        "EUR",
        actor,
        MORNING,
        [
            LineInput(cat, TODAY - timedelta(days=2), "Provider", eur(amount))
            for cat, amount in lines
        ],
        convert=lambda money, currency, day: (money, None),
    )
    return submit(draft, actor, MORNING, f"2026-{number:06d}", require_receipts=False)


def morning_claims(rng: random.Random) -> list[Claim]:
    return [
        new_claim(
            n,
            f"cust-{n % 7}",
            [(rng.choice(["medical", "dental", "travel"]), str(rng.randint(20, 900)))],
            rng.choice(["en", "fr", "nl"]),
        )
        for n in range(1, 21)
    ]


def route_morning(title: str, policy: AssignmentPolicy) -> None:
    router = PolicyRouter(office(), ConflictRegister([("ben", "cust-3")]), policy)
    print(f"\n== {title}: {router.policy.name}")
    for claim in morning_claims(random.Random(7)):
        assignment = router.assign(request_for(claim, MORNING))
        if int(claim.id[2:]) <= 4:
            print(f"  {claim.id} {claim.lines[0].category:<8} -> {assignment.reviewer:<4}"
                  f" {assignment.reason}")  # fmt: skip
    loads = Counter({r.id: router.pool.load(r.id) for r in router.pool})
    print("  open claims:", ", ".join(f"{rid} {n}" for rid, n in sorted(loads.items())))


def approval_plan() -> None:
    print("\n== A large medical claim: parallel reviews, then two approval levels")
    rules = ApprovalRules(
        CategoryReview("medical", team="doctors", stage=1),
        ParallelReviews(("fraud",), stage=1, applies=lambda c: c.claimed_total > eur(2_000)),
        AuthorityChain((eur(1_000), eur(10_000)), stage=2, team="claims"),
    )
    router = PolicyRouter(office())
    policy = Pipeline(SkillsMatch(), pick=LeastLoaded())
    claim = new_claim(100, "cust-9", [("medical", "3800"), ("travel", "260")], "fr")
    plan = rules.plan_for(claim)
    print("  plan:", "; ".join(f"stage {s.stage}: {s.title}" for s in plan.steps))
    at = MORNING
    while plan.outcome is PlanOutcome.PENDING:
        stage = plan.open_steps()  # parallel steps: all assigned at once
        for step in stage:
            assignment = router.assign(request_for(claim, at, plan=plan, step_id=step.id), policy)
            claim = record_assignment(claim, SYSTEM, at, assignment)
            plan = plan.assign(step.id, assignment.reviewer)
        for minutes, step in zip((50, 95, 30), stage, strict=False):
            reviewer = plan.step(step.id).assignee or ""
            decided_at = at + timedelta(minutes=minutes)
            plan = plan.record(step.id, reviewer, StepOutcome.APPROVED, decided_at)
            claim = record_step_decision(
                claim, Actor.reviewer(reviewer), decided_at, plan, step.id
            )
            router.release(reviewer)
        at = max(s.decided_at for s in plan.steps if s.decided_at is not None)
    claim = approve(claim, Actor.reviewer(plan.steps[-1].decided_by or ""), at)
    for event in claim.events[2:]:
        who = event.data.get("reviewer", event.actor)
        print(f"  {event.at:%H:%M} {event.type:<20} {who:<4} {event.data.get('step', '')}"
              f" {event.reason or ''}")  # fmt: skip
    print(f"  plan {plan.outcome} at {at:%H:%M}: {(at - MORNING).seconds // 60} minutes in all")


def leave_and_escalation() -> None:
    print("\n== ben goes on leave (delegate: ana); then the claim breaches its SLA")
    pool = office()
    router = PolicyRouter(pool)
    claim = new_claim(200, "cust-4", [("medical", "450")], "en")
    turns = RoundRobin({"claims": "ana"})  # a cursor restored from storage: ben is next
    assignment = router.assign(request_for(claim, MORNING, team="claims"), turns)
    claim = record_assignment(claim, SYSTEM, MORNING, assignment)
    leave = Absence(TODAY, TODAY + timedelta(days=7), delegate="ana")
    pool.replace(Reviewer("ben", teams={"claims"}, categories={"medical"}, languages={"en"},
                          authority_limit=eur(5_000), absences=[leave]))  # fmt: skip
    later = MORNING + timedelta(hours=2)
    work = [request_for(claim, later, team="claims")]
    (move,) = hand_over(router, assignment.reviewer, work, LeastLoaded())
    claim = record_reassignment(claim, SYSTEM, later, move)
    breach = MORNING + timedelta(days=2)
    up = escalate(router, request_for(claim, breach, team="claims"), claim.assignee)
    claim = record_escalation(claim, SYSTEM, breach, up)
    for event in claim.events[2:]:
        print(f"  {event.at:%a %H:%M} {event.type:<12} {event.data.get('reviewer', ''):<4}"
              f" [{event.data.get('policy', '')}] {event.reason or ''}")  # fmt: skip
    print("  open claims:", ", ".join(f"{rid} {n}" for rid, n in pool.loads().items() if n))


def on_the_desk() -> None:
    print("\n== the same on the desk: a parallel plan decided through desk.approve / return")
    departments = ReviewerPool(
        [
            Reviewer("mo", teams={"medical"}),
            Reviewer("fay", teams={"fraud"}),
            Reviewer("fred", teams={"fraud"}),
        ]
    )
    kim = Actor.customer("cust-1")
    desk = in_memory_desk(
        pool=departments,
        approval_rules=ApprovalRules(ParallelReviews(("medical", "fraud"))),
        customers=[
            CustomerProfile(
                "cust-1", "Kim", "POL-1", "EUR", payee_account="NL91 ABNA 0417 1643 00"
            )
        ],
        clock=ManualClock(MORNING),
        settings=DeskSettings(require_receipts=False),
    )

    def file(amount: str) -> Claim:
        line = LineInput("medical", TODAY, "Clinic", eur(amount))
        return desk.submit(kim, desk.start_draft(kim, [line]).id)

    approved, returned = file("300"), file("120")
    desk.approve(Actor.reviewer("mo"), approved.id, [LineDecision("L1", eur("250"), "tariff")])
    print(f"  {approved.number}: {desk.track(kim, approved.id).review_progress}")
    desk.approve(Actor.reviewer("fay"), approved.id)
    desk.return_for_correction(Actor.reviewer("mo"), returned.id, ["Attach the prescription"])
    desk.return_for_correction(Actor.reviewer("fred"), returned.id, ["Which trip?"])
    for claim_id in (approved.id, returned.id):
        view = desk.track(kim, claim_id)
        print(f"  {view.number}: {view.stage}, approved {view.approved}")
        for entry in view.timeline[1:]:
            print(f"    {entry.title:<32} {entry.detail}")
    print("  open claims:", departments.loads())


def main() -> None:
    route_morning("Skills, then least loaded", Pipeline(SkillsMatch(), pick=LeastLoaded()))
    route_morning("Plain round robin", RoundRobin(per_team=False))
    approval_plan()
    leave_and_escalation()
    on_the_desk()


if __name__ == "__main__":
    main()
