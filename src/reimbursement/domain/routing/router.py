"""The router: applies a policy to a request under the rules, and keeps the pool's loads.

This is the one place where a choice becomes an assignment: the policy sees
only eligible candidates, its choice is checked again (a custom policy that
returns someone it must not is refused with a typed error), and the
reviewer's open-claim count goes up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

import attrs

from ...errors import NoEligibleReviewerError, ValidationError
from ..claim import Claim, main_category
from .constraints import (
    NO_CONFLICTS,
    AssignmentRequest,
    ConflictOfInterest,
    check_may_review,
    review_refusal,
)
from .plans import ReviewPlan
from .policies import AssignmentPolicy, Candidates, LeastLoaded, Pipeline, SkillsMatch
from .pool import ReviewerPool, SegmentKey

__all__ = ["Assignment", "PolicyRouter", "request_for"]


@attrs.frozen
class Assignment:
    """Who got a claim (or a plan step), by which policy, and why: what goes on the timeline."""

    claim_id: str
    reviewer: str
    policy: str
    reason: str
    step_id: str | None = None


_NOBODY: frozenset[str] = frozenset()
_EVERYONE = SegmentKey()


def request_for(
    claim: Claim,
    at: datetime,
    *,
    plan: ReviewPlan | None = None,
    step_id: str | None = None,
    team: str | None = None,
    region: str | None = None,
    excluded: Iterable[str] = (),
) -> AssignmentRequest:
    """The assignment request for ``claim`` (or one step of its ``plan``) at ``at``.

    Without a plan the reviewer must be allowed to approve the whole claimed
    amount and the category is the largest line's. With ``plan`` and
    ``step_id`` the step says the team, category and authority needed, and
    the deciders of the step's other levels are excluded. Raises
    :class:`~reimbursement.errors.ValidationError` for a naive ``at``.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError.at(
            "at", f"{at.isoformat()} has no time zone; give an aware datetime"
        )
    if plan is not None and step_id is not None:
        step = plan.step(step_id)
        return AssignmentRequest(
            claim.id,
            claim.claimant.customer_id,
            at.date(),
            required_authority=step.required_authority,
            category=step.category or main_category(claim),
            language=claim.claimant.language or None,
            region=region,
            team=step.team or team,
            step_id=step.id,
            excluded=plan.excluded_for(step_id) | frozenset(excluded),
        )
    return AssignmentRequest(
        claim.id,
        claim.claimant.customer_id,
        at.date(),
        required_authority=claim.claimed_total,
        category=main_category(claim),
        language=claim.claimant.language or None,
        region=region,
        team=team,
        excluded=frozenset(excluded) if excluded else _NOBODY,
    )


class PolicyRouter:
    """Assigns requests to reviewers of ``pool`` with a policy, under the rules.

    ``conflicts`` is the conflict-of-interest port (default: nobody is
    linked); ``policy`` the default policy (skills, then least loaded).
    ``team_of`` and ``region_of`` say which team and region a claim belongs
    to, for :meth:`route`.
    """

    def __init__(
        self,
        pool: ReviewerPool,
        conflicts: ConflictOfInterest = NO_CONFLICTS,
        policy: AssignmentPolicy | None = None,
        *,
        team_of: Callable[[Claim], str | None] | None = None,
        region_of: Callable[[Claim], str | None] | None = None,
    ) -> None:
        self.pool = pool
        self.conflicts = conflicts
        self.policy: AssignmentPolicy = policy or Pipeline(SkillsMatch(), pick=LeastLoaded())
        self.team_of = team_of
        self.region_of = region_of

    def route(self, claim: Claim, loads: Mapping[str, int] | None = None) -> Assignment:
        """Assign a just submitted or resubmitted claim, as of its last event.

        With ``loads`` (each reviewer's open work, as the store counts it)
        the pool takes those counts first. A resubmitted claim goes back to
        the reviewer who returned it when they still may take it. Raises
        what :meth:`choose` raises.
        """
        if loads is not None:
            self.pool.sync(loads)
        at = claim.updated_at
        if at is None:
            raise ValidationError.at("events", f"claim {claim.id} has no event to date it by")
        request = request_for(
            claim,
            at,
            team=self.team_of(claim) if self.team_of else None,
            region=self.region_of(claim) if self.region_of else None,
        )
        previous = claim.assignee
        if previous is not None and previous in self.pool and self.eligible(request)(previous):
            self.pool.open(previous)
            return Assignment(
                claim.id, previous, "returning_reviewer", "back to the reviewer who returned it"
            )
        return self.assign(request)

    def eligible(self, request: AssignmentRequest) -> Callable[[str], bool]:
        """Who may take ``request`` now: allowed by the rules, working that day, below capacity."""
        pool, conflicts, day = self.pool, self.conflicts, request.day

        def eligible(reviewer_id: str) -> bool:
            reviewer = pool._reviewers[reviewer_id]
            if pool._load[reviewer_id] >= reviewer.capacity:
                return False
            if reviewer.absences and reviewer.away_on(day) is not None:
                return False
            return review_refusal(reviewer, request, conflicts) is None

        return eligible

    def candidates(self, request: AssignmentRequest) -> Candidates:
        """The candidates for ``request``: its team's members, or everyone when it names none."""
        key = _EVERYONE if request.team is None else SegmentKey(team=request.team)
        segment = self.pool.segment(key)
        return Candidates(self.pool, segment, self.eligible(request))

    def choose(
        self, request: AssignmentRequest, policy: AssignmentPolicy | None = None
    ) -> Assignment:
        """What ``policy`` (default: the router's) chooses for ``request``; not yet counted.

        Raises :class:`~reimbursement.errors.NoEligibleReviewerError` when nobody
        fits, :class:`~reimbursement.errors.FourEyesError` or
        :class:`~reimbursement.errors.AuthorizationError` when the policy returns
        someone the rules forbid.
        """
        policy = policy or self.policy
        choice = policy.choose(request, self.candidates(request))
        if choice is None:
            raise NoEligibleReviewerError(
                f"policy {policy.name} found nobody for claim {request.claim_id}"
                f"{_step_text(request)}: add reviewers with the skills or authority needed, "
                "raise capacities, or check absences and conflicts of interest"
            )
        self.check(request, choice.reviewer)
        return Assignment(
            request.claim_id,
            choice.reviewer,
            choice.policy or policy.name,
            choice.reason,
            request.step_id,
        )

    def assign(
        self, request: AssignmentRequest, policy: AssignmentPolicy | None = None
    ) -> Assignment:
        """Like :meth:`choose`, and counts the claim in the reviewer's open claims."""
        assignment = self.choose(request, policy)
        self.pool.open(assignment.reviewer)
        return assignment

    def check(self, request: AssignmentRequest, reviewer_id: str) -> None:
        """Raise unless the rules let ``reviewer_id`` take ``request`` (see ``check_may_review``).

        Also raises :class:`~reimbursement.errors.NotFoundError` for someone not in the pool.
        """
        check_may_review(self.pool.get(reviewer_id), request, self.conflicts)

    def route_step(
        self,
        claim: Claim,
        plan: ReviewPlan,
        step_id: str,
        at: datetime,
        *,
        excluded: Iterable[str] = (),
        previous: str | None = None,
    ) -> Assignment:
        """Assign the open step ``step_id`` of ``claim``'s ``plan`` at ``at``, and count it.

        ``previous`` (who held the step before the claim was returned) gets
        it back when they still may take it; ``excluded`` are people who may
        not take it besides the plan's own exclusions (the holders of the
        parallel steps, so that each department review gets its own person).
        Raises what :meth:`choose` raises.
        """
        request = request_for(
            claim,
            at,
            plan=plan,
            step_id=step_id,
            team=self.team_of(claim) if self.team_of else None,
            region=self.region_of(claim) if self.region_of else None,
            excluded=excluded,
        )
        if previous is not None and previous in self.pool and self.eligible(request)(previous):
            self.pool.open(previous)
            return Assignment(
                claim.id,
                previous,
                "returning_reviewer",
                "back to the reviewer who held this review",
                step_id,
            )
        return self.assign(request)

    def release(self, reviewer_id: str) -> None:
        """The reviewer finished (or handed over) one claim: one open claim less.

        Someone not in the pool, or holding no open claim (the count was lost
        in a restart), is left as is: a release never fails.
        """
        if reviewer_id in self.pool and self.pool.load(reviewer_id) > 0:
            self.pool.close(reviewer_id)


def _step_text(request: AssignmentRequest) -> str:
    return f" (step {request.step_id})" if request.step_id else ""
