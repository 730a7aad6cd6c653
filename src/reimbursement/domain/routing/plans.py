"""Approval plans: the review steps a claim goes through, built by rules, as immutable data.

Steps with the same ``stage`` run in parallel (department reviews at the
same time); stages run one after the other. A rejection in any step rejects
the plan at once. A return waits for the other steps of its stage, so the
customer gets the claim back once, with every reason gathered.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from ...errors import FourEyesError, ValidationError
from ..claim import Claim
from ..money import Money

__all__ = [
    "ApprovalRules",
    "AuthorityChain",
    "CategoryReview",
    "ParallelReviews",
    "PlanOutcome",
    "PlanRule",
    "ReviewPlan",
    "ReviewStep",
    "StepOutcome",
]


class StepOutcome(enum.StrEnum):
    """What one step decided."""

    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"


class PlanOutcome(enum.StrEnum):
    """Where the whole plan stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"


def _aware(at: datetime, path: str = "at") -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError.at(
            path, f"{at.isoformat()} has no time zone; give an aware datetime"
        )


def _steps(values: Iterable[ReviewStep]) -> tuple[ReviewStep, ...]:
    return tuple(values)


def _limits(values: Iterable[Money]) -> tuple[Money, ...]:
    return tuple(values)


def _teams(values: Iterable[str]) -> tuple[str, ...]:
    return (values,) if isinstance(values, str) else tuple(values)


@attrs.frozen
class ReviewStep:
    """One review of a plan: what it needs, who holds it, and once decided who, when, what.

    ``chain`` groups the levels of one approval chain (one person per
    level); ``escalation_to`` names who takes it over on an SLA breach.
    """

    id: str
    title: str
    stage: int = 0
    team: str | None = None
    category: str | None = None
    required_authority: Money | None = None
    chain: str | None = None
    escalation_to: str | None = None
    assignee: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    outcome: StepOutcome | None = None
    reasons: tuple[str, ...] = ()

    @property
    def is_decided(self) -> bool:
        """True once someone has decided the step."""
        return self.outcome is not None


@attrs.frozen
class ReviewPlan:
    """The review steps of one claim and their decisions.

    Never changes: :meth:`assign` and :meth:`record` return a new plan.
    Raises :class:`~reimbursement.errors.ValidationError` for no steps or a repeated step id.
    """

    claim_id: str
    customer_id: str
    steps: tuple[ReviewStep, ...] = attrs.field(converter=_steps)

    def __attrs_post_init__(self) -> None:
        if not self.steps:
            raise ValidationError.at("steps", f"the plan of claim {self.claim_id} has no step")
        seen: set[str] = set()
        for i, step in enumerate(self.steps):
            if step.id in seen:
                raise ValidationError.at(f"steps[{i}].id", f"{step.id!r} is used twice")
            seen.add(step.id)

    def step(self, step_id: str) -> ReviewStep:
        """The step ``step_id``; raises :class:`ValidationError` if unknown."""
        for step in self.steps:
            if step.id == step_id:
                return step
        known = ", ".join(s.id for s in self.steps)
        raise ValidationError.at("step_id", f"no step {step_id!r}; the plan has {known}")

    def _stages(self) -> list[list[ReviewStep]]:
        stages: dict[int, list[ReviewStep]] = {}
        for step in self.steps:
            stages.setdefault(step.stage, []).append(step)
        return [stages[k] for k in sorted(stages)]

    @property
    def outcome(self) -> PlanOutcome:
        """Pending, or the plan's result once it is known."""
        if any(s.outcome is StepOutcome.REJECTED for s in self.steps):
            return PlanOutcome.REJECTED
        for stage in self._stages():
            if not all(s.is_decided for s in stage):
                return PlanOutcome.PENDING
            if any(s.outcome is StepOutcome.RETURNED for s in stage):
                return PlanOutcome.RETURNED
        return PlanOutcome.APPROVED

    def open_steps(self) -> tuple[ReviewStep, ...]:
        """The steps waiting for a decision now: the undecided steps of the current stage."""
        if self.outcome is not PlanOutcome.PENDING:
            return ()
        for stage in self._stages():
            waiting = tuple(s for s in stage if not s.is_decided)
            if waiting:
                return waiting
        return ()  # pragma: no cover - a pending plan always has a waiting step

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every reason given by a returning or rejecting step, each once, in plan order."""
        seen: dict[str, None] = {}
        for step in self.steps:
            if step.outcome in (StepOutcome.RETURNED, StepOutcome.REJECTED):
                seen.update(dict.fromkeys(step.reasons))
        return tuple(seen)

    @property
    def finished_at(self) -> datetime | None:
        """When the plan reached its outcome (its last decision); ``None`` while pending."""
        if self.outcome is PlanOutcome.PENDING:
            return None
        times = [s.decided_at for s in self.steps if s.decided_at is not None]
        return max(times)

    def deciders(self, chain: str | None = None) -> frozenset[str]:
        """Everyone who decided a step (of ``chain`` only, when given)."""
        return frozenset(
            s.decided_by
            for s in self.steps
            if s.decided_by is not None and (chain is None or s.chain == chain)
        )

    def excluded_for(self, step_id: str) -> frozenset[str]:
        """Who may not take ``step_id``: the claimant, deciders of other levels of its chain."""
        step = self.step(step_id)
        others = (
            frozenset(
                s.decided_by
                for s in self.steps
                if s.chain == step.chain and s.id != step_id and s.decided_by is not None
            )
            if step.chain is not None
            else frozenset()
        )
        return others | {self.customer_id}

    def _replace(self, new: ReviewStep) -> ReviewPlan:
        steps = tuple(new if s.id == new.id else s for s in self.steps)
        return attrs.evolve(self, steps=steps)

    def _open(self, step_id: str) -> ReviewStep:
        step = self.step(step_id)
        if self.outcome is not PlanOutcome.PENDING:
            raise ValidationError.at("step_id", f"the plan is already {self.outcome}")
        if step not in self.open_steps():
            waiting = ", ".join(s.id for s in self.open_steps())
            state = "was decided" if step.is_decided else "is not open yet"
            raise ValidationError.at("step_id", f"step {step_id!r} {state}; open now: {waiting}")
        return step

    def assign(self, step_id: str, reviewer: str) -> ReviewPlan:
        """The plan with ``reviewer`` holding the open step ``step_id``."""
        step = self._open(step_id)
        return self._replace(attrs.evolve(step, assignee=reviewer))

    def record(
        self,
        step_id: str,
        reviewer: str,
        outcome: StepOutcome,
        at: datetime,
        reasons: Sequence[str] = (),
    ) -> ReviewPlan:
        """The plan with the decision of the open step ``step_id``.

        Raises :class:`~reimbursement.errors.FourEyesError` when ``reviewer`` is the
        claimant or already decided another level of the same chain, and
        :class:`~reimbursement.errors.ValidationError` for a step that is not open,
        a naive ``at``, or a return or rejection without reasons.
        """
        step = self._open(step_id)
        _aware(at)
        clean = tuple(r.strip() for r in reasons if r.strip())
        if outcome is not StepOutcome.APPROVED and not clean:
            raise ValidationError.at("reasons", f"say why step {step_id!r} is {outcome}")
        if reviewer == self.customer_id:
            raise FourEyesError(f"{reviewer} submitted claim {self.claim_id} and cannot review it")
        if reviewer in self.excluded_for(step_id):
            raise FourEyesError(
                f"{reviewer} already decided another level of {step.chain!r} on claim "
                f"{self.claim_id}; another person must decide {step_id!r}"
            )
        decided = attrs.evolve(
            step, decided_by=reviewer, decided_at=at, outcome=outcome, reasons=clean
        )
        return self._replace(decided)


class PlanRule(Protocol):
    """Says which review steps a claim needs (none when the rule does not apply)."""

    def steps(self, claim: Claim) -> Sequence[ReviewStep]:
        """The steps this rule adds for ``claim``."""
        ...


@attrs.frozen
class AuthorityChain:
    """Approval levels by amount: each level up to the first whose limit covers the claim.

    ``limits`` are ascending authority limits per level. A claim of 5,000
    with limits (1,000, 10,000) needs level 1 (someone allowed 1,000), then
    level 2 (someone allowed the full 5,000); above the last limit, a last
    level needs someone allowed the full amount. Levels run one after the
    other from ``stage``, each decided by a different person.
    """

    limits: tuple[Money, ...] = attrs.field(converter=_limits)
    stage: int = 10
    name: str = "approval"
    team: str | None = None
    escalation_to: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.limits:
            raise ValidationError.at("limits", "give at least one authority limit")
        if any(b <= a for a, b in itertools.pairwise(self.limits)):
            raise ValidationError.at("limits", "must be strictly ascending")

    def steps(self, claim: Claim) -> Sequence[ReviewStep]:
        """One step per level the claim's amount needs."""
        amount = claim.claimed_total
        needed: list[Money] = []
        for limit in self.limits:
            needed.append(limit)
            if limit >= amount:
                break
        else:
            needed.append(amount)
        needed[-1] = amount
        return [
            ReviewStep(
                f"{self.name}-{level}",
                f"{self.name} level {level}",
                stage=self.stage + level - 1,
                team=self.team,
                required_authority=required,
                chain=self.name,
                escalation_to=self.escalation_to,
            )
            for level, required in enumerate(needed, start=1)
        ]


@attrs.frozen
class CategoryReview:
    """A specialist review when any line is of ``category`` (medical lines → medical review)."""

    category: str
    team: str | None = None
    stage: int = 0
    escalation_to: str | None = None

    def steps(self, claim: Claim) -> Sequence[ReviewStep]:
        """One step, when the claim has a line of the category."""
        if not any(line.category == self.category for line in claim.lines):
            return ()
        return (
            ReviewStep(
                f"{self.category}-review",
                f"{self.category} review",
                stage=self.stage,
                team=self.team,
                category=self.category,
                escalation_to=self.escalation_to,
            ),
        )


@attrs.frozen
class ParallelReviews:
    """Department reviews that run at the same time, when ``applies(claim)`` holds.

    Every rule takes an optional ``escalation_to``: who takes its steps over
    on an SLA breach (before the team lead).
    """

    teams: tuple[str, ...] = attrs.field(converter=_teams)
    stage: int = 0
    applies: Callable[[Claim], bool] = attrs.field(default=lambda claim: True)
    escalation_to: str | None = None

    def steps(self, claim: Claim) -> Sequence[ReviewStep]:
        """One step per team, all in the same stage."""
        if not self.applies(claim):
            return ()
        return tuple(
            ReviewStep(
                f"{team}-review",
                f"{team} review",
                stage=self.stage,
                team=team,
                escalation_to=self.escalation_to,
            )
            for team in self.teams
        )


class ApprovalRules:
    """A rule set: :meth:`plan_for` gathers every rule's steps into one plan."""

    def __init__(self, *rules: PlanRule) -> None:
        self.rules = rules

    def plan_for(self, claim: Claim) -> ReviewPlan:
        """The plan for ``claim``; raises :class:`ValidationError` without steps."""
        steps = tuple(s for rule in self.rules for s in rule.steps(claim))
        return ReviewPlan(claim.id, claim.claimant.customer_id, steps)
