"""Hypothesis properties of routing: the invariants the issue names."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from reimbursement.domain.routing import (
    AssignmentPolicy,
    AssignmentRequest,
    ConflictRegister,
    FirstOf,
    InTeam,
    LeastLoaded,
    Pipeline,
    PlanOutcome,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
    ReviewPlan,
    ReviewStep,
    RoundRobin,
    SkillsMatch,
    StepOutcome,
    delegate_for,
    review_refusal,
)
from reimbursement.errors import (
    DelegationLoopError,
    NoEligibleReviewerError,
    NotFoundError,
)

from .strategies import AT, DAY, REVIEWER_IDS, conflict_links, pools, requests

POLICIES: dict[str, Callable[[], AssignmentPolicy]] = {
    "least_loaded": LeastLoaded,
    "round_robin": RoundRobin,
    "round_robin_all": lambda: RoundRobin(per_team=False),
    "skills>least_loaded": lambda: Pipeline(SkillsMatch(), pick=LeastLoaded()),
    "strict_skills>round_robin": lambda: Pipeline(SkillsMatch(relax=()), pick=RoundRobin()),
    "team>skills>least_loaded": lambda: Pipeline(InTeam(), SkillsMatch(), pick=LeastLoaded()),
    "first_of": lambda: FirstOf(
        Pipeline(InTeam(), pick=LeastLoaded()), RoundRobin(per_team=False)
    ),
}
# these consider the whole pool in the end, so they fail only when nobody at all is eligible
COMPLETE = {"least_loaded", "round_robin_all", "skills>least_loaded", "first_of"}


def truly_eligible(pool: ReviewerPool, request: AssignmentRequest, links: frozenset) -> list[str]:
    """Who may take ``request``, computed from scratch (no index, no heap)."""
    return [
        r.id
        for r in pool
        if r.id != request.customer_id
        and (r.id, request.customer_id) not in links
        and (request.required_authority is None or r.authority_limit is None
             or r.authority_limit >= request.required_authority)
        and r.away_on(request.day) is None
        and (request.team is None or request.team in r.teams)
        and pool.load(r.id) < r.capacity
    ]  # fmt: skip


@given(
    pool=pools(),
    links=conflict_links,
    policy_name=st.sampled_from(sorted(POLICIES)),
    work=st.lists(st.integers(0, 10_000), min_size=1, max_size=20).flatmap(
        lambda ns: st.tuples(*(requests(n) for n in range(len(ns))))
    ),
)
def test_an_assignment_never_breaks_four_eyes_authority_availability_or_capacity(
    pool: ReviewerPool, links: frozenset, policy_name: str, work: tuple[AssignmentRequest, ...]
) -> None:
    router = PolicyRouter(pool, ConflictRegister(links))
    policy = POLICIES[policy_name]()
    for request in work:
        allowed = truly_eligible(pool, request, links)
        try:
            assignment = router.assign(request, policy)
        except NoEligibleReviewerError:
            assert policy_name not in COMPLETE or not allowed
            continue
        reviewer = pool.get(assignment.reviewer)
        assert assignment.reviewer in allowed
        assert assignment.reviewer != request.customer_id
        assert (assignment.reviewer, request.customer_id) not in links
        assert reviewer.may_approve(request.required_authority)
        assert review_refusal(reviewer, request, router.conflicts) is None
        assert pool.load(assignment.reviewer) <= reviewer.capacity


@given(
    pool=pools(),
    links=conflict_links,
    script=st.lists(
        st.tuples(st.booleans(), st.integers(0, 10_000), st.sampled_from(REVIEWER_IDS)),
        min_size=1,
        max_size=40,
    ),
    data=st.data(),
)
def test_least_loaded_never_picks_someone_busier_than_another_eligible_reviewer(
    pool: ReviewerPool,
    links: frozenset,
    script: list[tuple[bool, int, str]],
    data: st.DataObject,
) -> None:
    router = PolicyRouter(pool, ConflictRegister(links))
    order = [r.id for r in pool]
    for number, (assigning, _, closer) in enumerate(script):
        if not assigning:
            if closer in pool and pool.load(closer) > 0:
                router.release(closer)
            continue
        request = data.draw(requests(number))
        allowed = truly_eligible(pool, request, links)
        try:
            chosen = router.assign(request, LeastLoaded()).reviewer
        except NoEligibleReviewerError:
            assert not allowed
            continue
        load_then = pool.load(chosen) - 1
        assert all(load_then <= pool.load(other) for other in allowed if other != chosen)
        tied = [rid for rid in allowed if rid == chosen or pool.load(rid) == load_then]
        assert min(tied, key=order.index) == chosen  # ties go to the earliest in pool order


@given(
    k=st.integers(1, 8),
    n=st.integers(0, 60),
    restart_at=st.integers(0, 60),
    preload=st.lists(st.integers(0, 5), min_size=8, max_size=8),
)
def test_round_robin_gives_each_of_k_reviewers_floor_or_ceil_of_n_over_k(
    k: int, n: int, restart_at: int, preload: list[int]
) -> None:
    pool = ReviewerPool(
        [Reviewer(f"r{i}", teams="claims", capacity=10**6) for i in range(k)],
        open_claims={f"r{i}": preload[i] for i in range(k)},  # loads must not matter
    )
    router = PolicyRouter(pool)
    policy = RoundRobin()
    counts: Counter[str] = Counter()
    for i in range(n):
        if i == restart_at:
            policy = RoundRobin(policy.cursor())  # a restart with the stored cursor
        request = AssignmentRequest(f"C{i}", "cust-1", DAY, team="claims")
        counts[router.assign(request, policy).reviewer] += 1
    assert all(counts[f"r{i}"] in (n // k, -(-n // k)) for i in range(k))


@given(pool=pools(), offset=st.integers(-1, 4))
def test_delegation_never_loops(pool: ReviewerPool, offset: int) -> None:
    day = DAY + timedelta(days=offset)
    for reviewer in pool:
        try:
            delegation = delegate_for(pool, reviewer.id, day)
        except DelegationLoopError:
            seen, current = [], reviewer.id  # follow the chain by hand: it must revisit someone
            while current not in seen:
                seen.append(current)
                absence = pool.get(current).away_on(day)
                assert absence is not None
                assert absence.delegate in pool
                current = absence.delegate
            continue
        except (NoEligibleReviewerError, NotFoundError):
            continue
        path = delegation.path
        assert len(set(path)) == len(path)
        assert path[0] == reviewer.id
        assert pool.get(delegation.reviewer).away_on(day) is None
        for before, after in itertools.pairwise(path):
            absence = pool.get(before).away_on(day)
            assert absence is not None
            assert absence.delegate == after


@given(
    stage_sizes=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    returning=st.booleans(),
    data=st.data(),
)
def test_a_plan_with_parallel_steps_finishes_exactly_when_its_last_step_does(
    stage_sizes: list[int], returning: bool, data: st.DataObject
) -> None:
    steps = [
        ReviewStep(f"s{stage}-{i}", "review", stage=stage * 10)
        for stage, size in enumerate(stage_sizes)
        for i in range(size)
    ]
    plan = ReviewPlan("C1", "cust-1", steps)
    return_stage = data.draw(st.integers(0, len(stage_sizes) - 1)) if returning else None
    returned_stage_ids = {s.id for s in steps if s.stage == (return_stage or 0) * 10}
    returner = data.draw(st.sampled_from(sorted(returned_stage_ids))) if returning else None
    needed = len(steps) if return_stage is None else sum(stage_sizes[: return_stage + 1])
    for count in range(1, needed + 1):
        open_now = plan.open_steps()
        assert len({s.stage for s in open_now}) == 1  # only one stage runs at a time
        step = data.draw(st.sampled_from(open_now))
        at = AT + timedelta(minutes=count)
        if step.id == returner:
            plan = plan.record(step.id, f"rev{count}", StepOutcome.RETURNED, at, ["fix it"])
        else:
            plan = plan.record(step.id, f"rev{count}", StepOutcome.APPROVED, at)
        if count < needed:
            assert plan.outcome is PlanOutcome.PENDING
            assert plan.finished_at is None
    expected = PlanOutcome.APPROVED if return_stage is None else PlanOutcome.RETURNED
    assert plan.outcome is expected
    assert plan.finished_at == AT + timedelta(minutes=needed)
    assert plan.open_steps() == ()
    assert plan.reasons == (("fix it",) if returning else ())
