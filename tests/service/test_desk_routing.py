"""Routing on the desk: the pool, loads, four-eyes, approval plans, escalation, hand-over."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import (
    Actor,
    Claim,
    CustomerProfile,
    LineDecision,
    Money,
    ReimbursementDesk,
    in_memory_desk,
)
from reimbursement.adapters.memory import ManualClock
from reimbursement.claims import EventType
from reimbursement.domain.actors import Role
from reimbursement.domain.lifecycle import ClaimState as S
from reimbursement.domain.routing import (
    Absence,
    ApprovalRules,
    AuthorityChain,
    ConflictRegister,
    ParallelReviews,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
    current_plan,
)
from reimbursement.domain.sla import BusinessCalendar, SlaPolicy, weekly
from reimbursement.errors import (
    AuthorizationError,
    FourEyesError,
    InvalidTransitionError,
    NoEligibleReviewerError,
    ReimbursementError,
    ValidationError,
)
from reimbursement.service.adapters import DeskSettings
from reimbursement.service.routers import RoundRobinRouter, RoutingEscalation
from support import ANA, FINANCE, PROFILES, START, submitted, whole

IBAN = "DE89 3704 0044 0532 0130 00"

ADMIN = Actor("ops-1", Role.REVIEWER)


def eur(amount: str | int) -> Money:
    return Money(amount, "EUR")


def reviewer(rid: str) -> Actor:
    return Actor.reviewer(rid)


def loads(desk: ReimbursementDesk) -> dict[str, int]:
    """Each reviewer's open work, as the store counts it (what routing reads)."""
    return desk.open_reviews()


def assigned(claim: Claim) -> list[tuple[str | None, str]]:
    return [
        (e.data.get("step"), e.data["reviewer"])
        for e in claim.events
        if e.type is EventType.ASSIGNED
    ]


PARALLEL = ApprovalRules(ParallelReviews(("medical", "fraud")))


@pytest.fixture
def team_pool() -> ReviewerPool:
    return ReviewerPool(
        [
            Reviewer("mo", teams={"medical"}),
            Reviewer("max", teams={"medical"}),
            Reviewer("fay", teams={"fraud"}),
        ]
    )


@pytest.fixture
def plan_desk(
    make_desk: Callable[..., ReimbursementDesk], team_pool: ReviewerPool
) -> ReimbursementDesk:
    return make_desk(pool=team_pool, approval_rules=PARALLEL)


# -- one reviewer per claim, through the pool ---------------------------------------------


def test_the_pool_assigns_by_skills_then_least_loaded(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    pool = ReviewerPool(
        [
            Reviewer("ana", categories={"pharmacy"}),
            Reviewer("cy", categories={"travel"}),
            Reviewer("ben", categories={"pharmacy"}),
        ]
    )
    desk = make_desk(pool=pool)
    got = [submitted(desk, ANA, ("pharmacy", "10")).assignee for _ in range(3)]
    assert got == ["ana", "ben", "ana"]
    travel = submitted(desk, ANA, ("travel", "10"))
    assert travel.assignee == "cy"
    event = travel.events[-1]
    assert event.data["policy"] == "skills_match>least_loaded"
    assert event.reason == (
        "nobody free covers language en; matched on category travel; fewest open claims (0)"
    )
    assert loads(desk) == {"ana": 2, "ben": 1, "cy": 1}


def test_the_default_desk_is_a_round_robin_over_the_reviewer_ids(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(reviewers=["rev-1", "rev-2"])
    assert isinstance(desk.router, RoundRobinRouter)
    assert [submitted(desk).assignee for _ in range(3)] == ["rev-1", "rev-2", "rev-1"]
    assert loads(desk) == {"rev-1": 2, "rev-2": 1}


def test_a_router_and_a_pool_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="not both"):
        in_memory_desk(router=RoundRobinRouter(["a"]), pool=ReviewerPool([Reviewer("b")]))


def test_loads_are_released_when_a_claim_leaves_its_reviewer(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(reviewers=["rev-1"])
    rita = reviewer("rev-1")
    approved, rejected, returned, withdrawn = (submitted(desk) for _ in range(4))
    assert loads(desk) == {"rev-1": 4}
    desk.approve(rita, approved.id)
    desk.reject(rita, rejected.id, "not_covered")
    desk.return_for_correction(rita, returned.id, ["receipt unreadable"])
    desk.withdraw(ANA, withdrawn.id)
    assert loads(desk) == {}
    again = desk.resubmit(ANA, returned.id)
    assert whole(desk, again.id).assignee == "rev-1"
    assert loads(desk) == {"rev-1": 1}


def test_a_refused_submit_takes_its_assignments_back(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    nobody_in_fraud = ReviewerPool([Reviewer("mo", teams={"medical"})])
    desk = make_desk(pool=nobody_in_fraud, approval_rules=PARALLEL)
    with pytest.raises(NoEligibleReviewerError, match="fraud-review"):
        submitted(desk)
    assert loads(desk) == {}
    (draft,) = desk.adapters.unit_of_work().claims.for_customer(ANA.id)
    assert draft.state is S.DRAFT


# -- four-eyes and conflicts of interest ---------------------------------------------------


def test_a_linked_reviewer_is_never_assigned_and_may_not_decide(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    links = ConflictRegister([("rev-1", ANA.id)])
    desk = make_desk(reviewers=["rev-1", "rev-2"], conflicts=links)
    claim = submitted(desk)
    assert claim.assignee == "rev-2"
    links.link("rev-2", ANA.id)  # declared after the assignment
    with pytest.raises(FourEyesError, match="conflict of interest"):
        desk.approve(reviewer("rev-2"), claim.id)
    assert desk.get(ADMIN, claim.id) == claim


def test_payment_approval_refuses_the_linked_the_claimant_and_the_approver(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    links = ConflictRegister([(FINANCE.id, ANA.id)])
    settings = DeskSettings(finance_approval_threshold=eur("1"))
    desk = make_desk(reviewers=["rev-1"], conflicts=links, settings=settings)
    claim = desk.approve(reviewer("rev-1"), submitted(desk).id)
    assert claim.state is S.PAYMENT_REQUESTED
    for who, why in (
        (FINANCE, "conflict of interest"),
        (Actor.finance("rev-1"), "they approved it"),
        (Actor.finance(ANA.id), "they submitted it"),
    ):
        with pytest.raises(FourEyesError, match=why):
            desk.approve_payment(who, claim.id)
        assert desk.get(ADMIN, claim.id) == claim
    assert desk.approve_payment(Actor.finance("fin-2"), claim.id).state is S.PAYMENT_APPROVED


def test_nobody_decides_two_levels_of_one_chain(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    pool = ReviewerPool([Reviewer("ana", authority_limit=eur(10_000))])
    rules = ApprovalRules(AuthorityChain([eur(1_000), eur(10_000)]))
    settings = DeskSettings(finance_approval_threshold=eur("1"))
    desk = make_desk(pool=pool, approval_rules=rules, settings=settings)
    claim = submitted(desk, ANA, ("pharmacy", "5000"))
    assert assigned(claim) == [("approval-1", "ana")]
    with pytest.raises(NoEligibleReviewerError, match="approval-2"):
        desk.approve(reviewer("ana"), claim.id)
    assert desk.get(ADMIN, claim.id) == claim
    assert loads(desk) == {"ana": 1}
    pool.add(Reviewer("ben", authority_limit=eur(10_000)))
    at_level_2 = desk.approve(reviewer("ana"), claim.id)
    assert assigned(at_level_2)[-1] == ("approval-2", "ben")
    with pytest.raises(AuthorizationError, match="holds no open review step"):
        desk.approve(reviewer("ana"), claim.id)
    done = desk.approve(reviewer("ben"), claim.id)
    assert done.state is S.PAYMENT_REQUESTED
    assert loads(desk) == {}
    # ana decided a level: she may not approve the payment either, even as finance
    with pytest.raises(FourEyesError, match="ana approved"):
        desk.approve_payment(Actor.finance("ana"), claim.id)


# -- approval plans ------------------------------------------------------------------------


def test_the_review_progress_is_in_the_customer_s_language(
    make_desk: Callable[..., ReimbursementDesk], team_pool: ReviewerPool
) -> None:
    li = CustomerProfile("cust-li", "Li Wei", "POL-3", "EUR", "li@example.cn", "zh-CN", IBAN)
    desk = make_desk(pool=team_pool, approval_rules=PARALLEL, customers=[*PROFILES, li])
    claim = submitted(desk, Actor.customer("cust-li"), ("medical", "300"))
    assert desk.track(Actor.customer("cust-li"), claim.id).review_progress == "已完成 0/2 项审核"
    english = submitted(desk, ANA, ("medical", "300"))
    assert desk.track(ANA, english.id).review_progress == "0 of 2 reviews done"


def test_parallel_reviews_start_at_once_and_approve_when_both_do(
    plan_desk: ReimbursementDesk,
) -> None:
    claim = submitted(plan_desk, ANA, ("medical", "300"), ("pharmacy", "100"))
    assert claim.state is S.IN_REVIEW
    assert assigned(claim) == [("medical-review", "mo"), ("fraud-review", "fay")]
    view = plan_desk.track(ANA, claim.id)
    assert (view.review_progress, view.open_reviews) == (
        "0 of 2 reviews done",
        ("medical review", "fraud review"),
    )
    lowered = [LineDecision("L1", eur("250"), "above the tariff")]
    half = plan_desk.approve(reviewer("mo"), claim.id, lowered)
    assert half.state is S.IN_REVIEW
    assert loads(plan_desk) == {"fay": 1}
    view = plan_desk.track(ANA, claim.id)
    assert (view.review_progress, view.open_reviews) == ("1 of 2 reviews done", ("fraud review",))
    shown = " ".join(f"{e.title} {e.detail}" for e in view.timeline)
    assert "medical review: approved" in shown
    assert not {"mo", "fay", "max"} & set(shown.replace(":", " ").split())
    done = plan_desk.approve(
        reviewer("fay"), claim.id, [LineDecision("L1", eur("280"), "duplicate visit")]
    )
    assert done.state is S.PAYMENT_REQUESTED
    assert done.approved_total == eur("350")  # the lowest amount per line wins
    decision = done.decision
    assert decision is not None
    assert decision.lines[0].reason == "above the tariff; duplicate visit"
    assert loads(plan_desk) == {}
    steps = [e for e in done.events if e.type is EventType.REVIEW_STEP_DECIDED]
    assert [(e.data["step"], e.data["reviewer"]) for e in steps] == [
        ("medical-review", "mo"),
        ("fraud-review", "fay"),
    ]


def test_one_person_never_holds_two_parallel_reviews(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    pool = ReviewerPool(
        [Reviewer("both", teams={"medical", "fraud"}), Reviewer("fay", teams={"fraud"})]
    )
    desk = make_desk(pool=pool, approval_rules=PARALLEL)
    assert assigned(submitted(desk)) == [("medical-review", "both"), ("fraud-review", "fay")]


def test_a_return_waits_for_the_other_review_and_returns_once_with_every_reason(
    plan_desk: ReimbursementDesk,
) -> None:
    claim = submitted(plan_desk)
    waiting = plan_desk.return_for_correction(
        reviewer("mo"), claim.id, ["The receipt is unreadable"], "scan it again"
    )
    assert waiting.state is S.IN_REVIEW
    back = plan_desk.return_for_correction(reviewer("fay"), claim.id, ["Add the visit date"])
    assert back.state is S.RETURNED
    assert [e.type for e in back.events].count(EventType.RETURNED) == 1
    view = plan_desk.track(ANA, claim.id)
    assert view.return_reasons == ("The receipt is unreadable", "Add the visit date")
    assert back.events[-1].data["note"] == "scan it again"
    assert loads(plan_desk) == {}
    again = whole(plan_desk, plan_desk.resubmit(ANA, claim.id).id)
    assert assigned(again)[-2:] == [("medical-review", "mo"), ("fraud-review", "fay")]
    assert again.events[-1].data["policy"] == "returning_reviewer"


def test_a_return_and_an_approval_still_return_the_claim(plan_desk: ReimbursementDesk) -> None:
    claim = submitted(plan_desk)
    plan_desk.approve(reviewer("fay"), claim.id)
    back = plan_desk.return_for_correction(reviewer("mo"), claim.id, ["Which patient?"])
    assert back.state is S.RETURNED
    assert plan_desk.track(ANA, claim.id).return_reasons == ("Which patient?",)


def test_a_rejection_in_one_review_rejects_at_once(plan_desk: ReimbursementDesk) -> None:
    claim = submitted(plan_desk)
    rejected = plan_desk.reject(reviewer("fay"), claim.id, "fraud_suspected", "see the file")
    assert rejected.state is S.REJECTED
    assert [e.type for e in rejected.events[-2:]] == [
        EventType.REVIEW_STEP_DECIDED,
        EventType.REJECTED,
    ]
    assert loads(plan_desk) == {}  # mo's open review is released too
    with pytest.raises(InvalidTransitionError, match="is rejected"):
        plan_desk.approve(reviewer("mo"), claim.id)


def test_only_a_holder_decides_and_bad_input_changes_nothing(plan_desk: ReimbursementDesk) -> None:
    claim = submitted(plan_desk)
    with pytest.raises(AuthorizationError, match="max holds no open review step"):
        plan_desk.approve(reviewer("max"), claim.id)
    with pytest.raises(AuthorizationError, match="needs the role reviewer"):
        plan_desk.approve(ANA, claim.id)
    with pytest.raises(ValidationError, match="say why less is approved"):
        plan_desk.approve(reviewer("mo"), claim.id, [LineDecision("L1", eur("1"))])
    with pytest.raises(ValidationError, match="what the customer must correct"):
        plan_desk.return_for_correction(reviewer("mo"), claim.id, [" "])
    with pytest.raises(AuthorizationError, match="step 'fraud-review'"):
        plan_desk.approve(reviewer("mo"), claim.id, step="fraud-review")
    assert plan_desk.get(ADMIN, claim.id) == claim


def test_a_chain_grows_with_the_amount(make_desk: Callable[..., ReimbursementDesk]) -> None:
    pool = ReviewerPool(
        [
            Reviewer("ana", authority_limit=eur(1_000)),
            Reviewer("ben", authority_limit=eur(10_000)),
            Reviewer("cleo"),
        ]
    )
    rules = ApprovalRules(AuthorityChain([eur(1_000), eur(10_000)]))
    desk = make_desk(pool=pool, approval_rules=rules)
    small = submitted(desk, ANA, ("pharmacy", "500"))
    assert assigned(small) == [("approval-1", "ana")]
    assert desk.approve(reviewer("ana"), small.id).state is S.PAYMENT_REQUESTED
    large = submitted(desk, ANA, ("pharmacy", "50000"))
    assert assigned(large) == [("approval-1", "ana")]
    large = desk.approve(reviewer("ana"), large.id)
    assert assigned(large)[-1] == ("approval-2", "ben")
    assert desk.track(ANA, large.id).review_progress == "1 of 3 reviews done"
    large = desk.approve(reviewer("ben"), large.id)
    assert assigned(large)[-1] == ("approval-3", "cleo")
    assert desk.approve(reviewer("cleo"), large.id).state is S.PAYMENT_REQUESTED
    assert loads(desk) == {}


def test_approval_rules_need_a_router_that_assigns_steps() -> None:
    class Fixed:
        def route(self, claim: Claim) -> object:
            raise AssertionError

        def release(self, reviewer_id: str) -> None:
            pass

    with pytest.raises(ValidationError, match="cannot assign plan steps"):
        in_memory_desk(router=Fixed(), approval_rules=PARALLEL)  # type: ignore[arg-type]


# -- escalation and hand-over -----------------------------------------------------------------

OFFICE = BusinessCalendar("Europe/Berlin", weekly((time(9), time(17))))
SLA = SlaPolicy.standard(OFFICE, review=timedelta(hours=16))


def test_the_sweeper_escalates_a_late_claim_to_the_team_lead(clock: ManualClock) -> None:
    pool = ReviewerPool(
        [Reviewer("ana", teams={"claims"}), Reviewer("lee", teams={"claims"})],
        leads={"claims": "lee"},
    )
    router = PolicyRouter(pool)
    desk = in_memory_desk(
        router=router,
        customers=PROFILES,
        clock=clock,
        sla=SLA,
        escalation=RoutingEscalation(router),
    )
    claim = submitted(desk)
    assert claim.assignee == "ana"
    clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    assert desk.sweep().escalated == (claim.id,)
    late = desk.get(ADMIN, claim.id)
    escalated = late.events[-1]
    assert escalated.type is EventType.ESCALATED
    assert (escalated.data["from"], escalated.data["reviewer"]) == ("ana", "lee")
    assert escalated.reason == "sla breach: lead of team claims"
    assert late.assignee == "lee"
    assert loads(desk) == {"lee": 1}
    assert desk.approve(reviewer("lee"), claim.id).state is S.PAYMENT_REQUESTED
    assert loads(desk) == {}


def test_a_late_plan_escalates_the_open_review_only(clock: ManualClock) -> None:
    pool = ReviewerPool(
        [
            Reviewer("mo", teams={"medical"}),
            Reviewer("fay", teams={"fraud"}),
            Reviewer("fred", teams={"fraud"}),
        ],
        leads={"fraud": "fred"},
    )
    router = PolicyRouter(pool)
    desk = in_memory_desk(
        router=router,
        customers=PROFILES,
        clock=clock,
        sla=SLA,
        escalation=RoutingEscalation(router, PARALLEL),
        approval_rules=PARALLEL,
    )
    claim = submitted(desk)
    desk.approve(reviewer("mo"), claim.id)
    clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    desk.sweep()
    late = desk.get(ADMIN, claim.id)
    (escalated,) = [e for e in late.events if e.type is EventType.ESCALATED]
    assert (escalated.data["step"], escalated.data["reviewer"]) == ("fraud-review", "fred")
    assert desk.approve(reviewer("fred"), claim.id).state is S.PAYMENT_REQUESTED


def test_an_escalation_with_nobody_to_take_over_leaves_a_note(clock: ManualClock) -> None:
    router = PolicyRouter(ReviewerPool([Reviewer("ana")]))
    desk = in_memory_desk(
        router=router,
        customers=PROFILES,
        clock=clock,
        sla=SLA,
        escalation=RoutingEscalation(router),
    )
    claim = submitted(desk)
    clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    desk.sweep()
    late = desk.get(ADMIN, claim.id)
    assert late.assignee == "ana"
    assert "found nobody to take it over" in late.messages[-1].body
    assert not any(m.body.startswith("Escalation") for m in late.visible_messages())


def test_a_leaver_s_open_reviews_are_handed_over_one_claim_at_a_time(
    plan_desk: ReimbursementDesk,
) -> None:
    first, second = submitted(plan_desk), submitted(plan_desk)
    assert [assigned(c)[0] for c in (first, second)] == [
        ("medical-review", "mo"),
        ("medical-review", "max"),
    ]
    report = plan_desk.hand_over(ADMIN, "mo", leaving=True)
    assert [(m.claim_id, m.to_reviewer, m.step_id) for m in report.moved] == [
        (first.id, "max", "medical-review")
    ]
    moved = plan_desk.get(ADMIN, first.id)
    event = moved.events[-1]
    assert event.type is EventType.REASSIGNED
    assert (event.data["from"], event.data["reviewer"], event.actor) == ("mo", "max", "ops-1")
    assert "mo" not in plan_desk.track(ANA, first.id).timeline[-1].detail
    assert loads(plan_desk) == {"max": 2, "fay": 2}
    with pytest.raises(AuthorizationError):
        plan_desk.approve(reviewer("mo"), first.id)
    plan_desk.approve(reviewer("max"), first.id)
    assert loads(plan_desk) == {"max": 1, "fay": 2}


def test_work_nobody_can_take_stays_with_the_reviewer(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    pool = ReviewerPool([Reviewer("mo", teams={"medical"}), Reviewer("fay", teams={"fraud"})])
    desk = make_desk(pool=pool, approval_rules=PARALLEL)
    claim = submitted(desk)
    report = desk.hand_over(ADMIN, "mo", leaving=True)
    assert report.moved == ()
    ((refused_id, why),) = report.refused
    assert refused_id == claim.id
    assert "medical-review" in why
    assert desk.get(ADMIN, claim.id) == claim
    assert loads(desk) == {"mo": 1, "fay": 1}


def test_an_absent_reviewer_s_work_goes_to_the_delegate(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    today = START.date()
    pool = ReviewerPool(
        [
            Reviewer("ana", absences=[Absence(today, today + timedelta(days=5), delegate="ben")]),
            Reviewer("ben"),
            Reviewer("cy"),
        ]
    )
    desk = make_desk(pool=pool)
    pool.replace(Reviewer("ana"))  # ana takes a claim, then falls ill
    claim = submitted(desk)
    assert claim.assignee == "ana"
    pool.replace(Reviewer("ana", absences=[Absence(today, today + timedelta(days=5), "ben")]))
    report = desk.hand_over(ADMIN, "ana")
    (move,) = report.moved
    assert (move.to_reviewer, move.policy) == ("ben", "delegation")
    assert desk.get(ADMIN, claim.id).assignee == "ben"
    with pytest.raises(AuthorizationError, match="only staff"):
        desk.hand_over(ANA, "ben")


# -- the invariant: the loads are exactly who holds what, in every process -----------------


def test_another_process_routes_on_the_loads_the_store_holds(
    plan_desk: ReimbursementDesk,
) -> None:
    first, second = submitted(plan_desk), submitted(plan_desk)
    plan_desk.approve(reviewer("mo"), first.id)
    assert plan_desk.open_reviews() == {"max": 1, "fay": 2}
    # a second worker on the same store, with a pool that has counted nothing itself
    fresh = ReviewerPool(
        [
            Reviewer(r, teams={t})
            for r, t in (("mo", "medical"), ("max", "medical"), ("fay", "fraud"), ("fi", "fraud"))
        ]
    )
    other = ReimbursementDesk(
        plan_desk.adapters, router=PolicyRouter(fresh), approval_rules=PARALLEL
    )
    assert other.open_reviews() == {"max": 1, "fay": 2}
    other.approve(reviewer("max"), second.id)
    assert plan_desk.open_reviews() == {"fay": 2}
    third = submitted(other)
    # the medical step goes to mo (0 open) over max (0) by pool order; fraud to fi (0), not fay (2)
    assert sorted(r for _, r in assigned(third)) == ["fi", "mo"]
    assert plan_desk.open_reviews() == {"fay": 2, "fi": 1, "mo": 1}


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["file", "approve", "return", "reject", "withdraw", "resubmit", "hand_over"]
        ),
        st.integers(0, 5),
    ),
    max_size=25,
)
STAFF = ["mo", "max", "fay", "fred"]


def open_holders(claim: Claim) -> list[str]:
    if claim.state is not S.IN_REVIEW:
        return []
    plan = current_plan(PARALLEL, claim)
    assert plan is not None
    return [s.assignee for s in plan.open_steps() if s.assignee is not None]


@given(ACTIONS)
def test_loads_always_equal_the_open_reviews_held(actions: list[tuple[str, int]]) -> None:
    pool = ReviewerPool(
        [
            Reviewer("mo", teams={"medical"}),
            Reviewer("max", teams={"medical"}),
            Reviewer("fay", teams={"fraud"}),
            Reviewer("fred", teams={"fraud"}),
        ]
    )
    desk = in_memory_desk(
        pool=pool, customers=PROFILES, clock=ManualClock(START), approval_rules=PARALLEL
    )
    ids: list[str] = []
    for action, pick in actions:
        if action == "file" or not ids:
            ids.append(submitted(desk).id)
            continue
        claim = desk.get(ADMIN, ids[pick % len(ids)])
        # mostly someone holding a review of it; sometimes someone who does not
        holders = open_holders(claim) or STAFF
        who = reviewer(holders[pick % len(holders)] if pick < 4 else STAFF[pick % 4])
        try:
            if action == "approve":
                desk.approve(who, claim.id)
            elif action == "return":
                desk.return_for_correction(who, claim.id, ["x"])
            elif action == "reject":
                desk.reject(who, claim.id, "no")
            elif action == "withdraw":
                desk.withdraw(ANA, claim.id)
            elif action == "hand_over":
                desk.hand_over(ADMIN, who.id)
            else:
                desk.resubmit(ANA, claim.id)
        except ReimbursementError:
            pass  # refused: the claim and the loads must be as they were
    held: Counter[str] = Counter()
    for claim_id in ids:
        held.update(open_holders(desk.get(ADMIN, claim_id)))
    assert desk.open_reviews() == +held


def test_an_escalation_that_is_not_saved_moves_no_load(clock: ManualClock) -> None:
    pool = ReviewerPool(
        [Reviewer("ana", teams={"claims"}), Reviewer("lee", teams={"claims"})],
        leads={"claims": "lee"},
    )
    router = PolicyRouter(pool)
    escalation = RoutingEscalation(router)
    desk = in_memory_desk(
        router=router, customers=PROFILES, clock=clock, sla=SLA, escalation=escalation
    )
    claim = submitted(desk)
    clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    with desk.adapters.unit_of_work() as uow:
        before = uow.claims.get(claim.id)
    crossing = SLA.crossings(before, clock.now())[-1]
    with desk.adapters.unit_of_work() as uow:
        after = escalation.escalate(before, crossing, clock.now(), uow.claims.open_work())
    assert after.assignee == "lee"
    assert loads(desk) == {"ana": 1}  # the sweeper's save lost its race: nothing to undo
