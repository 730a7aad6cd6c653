"""Assignment policies: who, among the reviewers allowed to, gets the claim.

One protocol, :class:`AssignmentPolicy`: given a request and its
:class:`Candidates` (the reviewers allowed to take it), return a
:class:`Choice` or ``None``. Filters (:class:`CandidateFilter`) narrow the
candidates and say why; :class:`Pipeline` chains filters and a final
policy (filter → rank → pick); :class:`FirstOf` falls back from one policy
to the next. Every built-in policy is deterministic given its inputs (the
pool's loads and order, and for :class:`RoundRobin` its cursor).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs

from ...errors import ValidationError
from .constraints import AssignmentRequest
from .pool import Reviewer, ReviewerPool, Segment, SegmentKey

__all__ = [
    "AssignmentPolicy",
    "CandidateFilter",
    "Candidates",
    "Choice",
    "FirstOf",
    "InTeam",
    "LeastLoaded",
    "Pipeline",
    "RankBy",
    "RoundRobin",
    "SkillsMatch",
    "Where",
]

_FIELDS = ("team", "category", "language", "region")
_SKILLS = ("category", "language", "region")


class Candidates:
    """The reviewers a policy may choose from for one request.

    Only eligible reviewers are ever returned: the eligibility rule (rules
    of :mod:`~reimbursement.domain.routing.constraints`, availability and
    capacity) is applied by every method, so a policy cannot pick someone
    it must not.
    """

    __slots__ = ("_eligible", "pool", "segment")

    def __init__(self, pool: ReviewerPool, segment: Segment, eligible: Callable[[str], bool]):
        self.pool = pool
        self.segment = segment
        self._eligible = eligible

    def __len__(self) -> int:
        """How many reviewers, eligible or not, are in the group."""
        return len(self.segment)

    def eligible(self, reviewer_id: str) -> bool:
        """True when ``reviewer_id`` is in the group and may take the request now."""
        return reviewer_id in self.segment and self._eligible(reviewer_id)

    def ids(self) -> tuple[str, ...]:
        """The eligible reviewers, in pool order (a scan: prefer the methods below)."""
        return tuple(rid for rid in self.segment.members if self._eligible(rid))

    def any(self) -> bool:
        """True when at least one reviewer of the group may take the request."""
        return self.segment.first(self._eligible) is not None

    def first(self, after: str | None = None) -> str | None:
        """The first eligible reviewer in pool order after ``after``, wrapping round."""
        return self.segment.first(self._eligible, after)

    def least_loaded(self) -> str | None:
        """The eligible reviewer with the fewest open claims, earliest in pool order on a tie."""
        return self.segment.least_loaded(self._eligible)

    def narrowed(
        self,
        *,
        team: str | None = None,
        category: str | None = None,
        language: str | None = None,
        region: str | None = None,
    ) -> Candidates:
        """Those who also match the given team and skills (``None``: no requirement), indexed."""
        wanted = {"team": team, "category": category, "language": language, "region": region}
        key = self.segment.key
        if key is None:
            probe = SegmentKey(team, category, language, region)
            return self._subset(
                rid for rid in self.segment.members if probe.matches(self.pool.get(rid))
            )
        merged: dict[str, Any] = {}
        for name in _FIELDS:
            mine, theirs = getattr(key, name), wanted[name]
            if mine is not None and theirs is not None and mine != theirs:
                return self._subset(())
            merged[name] = theirs if mine is None else mine
        return Candidates(self.pool, self.pool.segment(SegmentKey(**merged)), self._eligible)

    def where(self, predicate: Callable[[Reviewer], bool]) -> Candidates:
        """Those for whom ``predicate`` holds (a scan of the group: for custom filters)."""
        return self._subset(rid for rid in self.segment.members if predicate(self.pool.get(rid)))

    def _subset(self, ids: Any) -> Candidates:
        return Candidates(self.pool, self.pool.subset(ids), self._eligible)

    def describe(self) -> str:
        """The group in words, for reasons."""
        key = self.segment.key
        return key.describe() if key is not None else f"a group of {len(self)}"


@attrs.frozen
class Choice:
    """A policy's pick and the human reason for it (``policy`` names a sub-policy that chose)."""

    reviewer: str
    reason: str
    policy: str | None = None


class AssignmentPolicy(Protocol):
    """Chooses one reviewer among the candidates, or ``None`` when none fits.

    Must be deterministic given the request, the candidates and its own
    stored state, and must only return a reviewer the candidates offer
    (the router refuses anyone else with a typed error).
    """

    @property
    def name(self) -> str:
        """Short, stable name recorded on the timeline (``"least_loaded"``)."""
        ...

    def choose(self, request: AssignmentRequest, candidates: Candidates) -> Choice | None:
        """The chosen reviewer and why, or ``None``."""
        ...


class CandidateFilter(Protocol):
    """Narrows the candidates for a request and says how, for the reason on the timeline."""

    @property
    def name(self) -> str:
        """Short, stable name (``"skills_match"``)."""
        ...

    def narrow(self, request: AssignmentRequest, candidates: Candidates) -> tuple[Candidates, str]:
        """The narrower group and a human reason."""
        ...


@attrs.frozen
class LeastLoaded:
    """The candidate holding the fewest open claims; pool order breaks ties. O(log n)."""

    name: str = "least_loaded"

    def choose(self, request: AssignmentRequest, candidates: Candidates) -> Choice | None:
        """The least-loaded eligible candidate."""
        rid = candidates.least_loaded()
        if rid is None:
            return None
        return Choice(rid, f"fewest open claims ({candidates.pool.load(rid)})")


class RoundRobin:
    """Takes turns, per team: the next eligible reviewer after the last one chosen.

    The cursor (team → last reviewer chosen; ``"*"`` when the request has no
    team) is plain data: store :meth:`cursor` and give it back to the
    constructor after a restart, and turns continue where they stopped.
    Reviewers who are away, full or not allowed are skipped, not queued.
    """

    name = "round_robin"

    def __init__(self, cursor: Mapping[str, str] | None = None, *, per_team: bool = True):
        self._last: dict[str, str] = dict(cursor or {})
        self.per_team = per_team

    def cursor(self) -> dict[str, str]:
        """A copy of the cursor, to store."""
        return dict(self._last)

    def choose(self, request: AssignmentRequest, candidates: Candidates) -> Choice | None:
        """The next eligible team member in turn (advances the cursor)."""
        team = request.team if self.per_team else None
        if team is not None:
            candidates = candidates.narrowed(team=team)
        key = team or "*"
        rid = candidates.first(after=self._last.get(key))
        if rid is None:
            return None
        self._last[key] = rid
        where = f" in team {team}" if team is not None else ""
        return Choice(rid, f"next in turn{where}")


@attrs.frozen
class SkillsMatch:
    """Keeps candidates covering the request's category, language and region.

    When nobody eligible covers all three, requirements are dropped one by
    one in ``relax`` order (by default region, then language, then
    category) and the reason says which; ``relax=()`` never falls back.
    Raises :class:`~reimbursement.errors.ValidationError` for a name in ``relax``
    that is not a skill.
    """

    relax: tuple[str, ...] = ("region", "language", "category")
    name: str = "skills_match"

    def __attrs_post_init__(self) -> None:
        for i, field in enumerate(self.relax):
            if field not in _SKILLS:
                raise ValidationError.at(
                    f"relax[{i}]", f"{field!r} is not a skill; use {', '.join(_SKILLS)}"
                )

    def narrow(self, request: AssignmentRequest, candidates: Candidates) -> tuple[Candidates, str]:
        """The candidates with the skills, or the closest fallback."""
        wanted = {
            "category": request.category,
            "language": request.language,
            "region": request.region,
        }
        attempt = {k: v for k, v in wanted.items() if v is not None}
        if not attempt:
            return candidates, "no skill asked for"
        dropped: list[str] = []
        while True:
            group = candidates.narrowed(**attempt)
            if group.any():
                break
            drop = next((field for field in self.relax if field in attempt), None)
            if drop is None:
                break
            dropped.append(f"{drop} {attempt.pop(drop)}")
            if not attempt:
                group = candidates
                break
        matched = ", ".join(f"{k} {v}" for k, v in attempt.items()) or "no skill"
        if dropped:
            return group, f"nobody free covers {' and '.join(dropped)}; matched on {matched}"
        return group, f"matches {matched}"


@attrs.frozen
class InTeam:
    """Keeps the members of the request's team (all candidates when it names none)."""

    name: str = "in_team"

    def narrow(self, request: AssignmentRequest, candidates: Candidates) -> tuple[Candidates, str]:
        """The team's members."""
        if request.team is None:
            return candidates, "any team"
        return candidates.narrowed(team=request.team), f"team {request.team}"


@attrs.frozen
class Where:
    """A custom filter: keeps reviewers for whom ``predicate`` holds; ``why`` is the reason."""

    name: str
    predicate: Callable[[Reviewer], bool]
    why: str = ""

    def narrow(self, request: AssignmentRequest, candidates: Candidates) -> tuple[Candidates, str]:
        """The reviewers passing ``predicate``."""
        return candidates.where(self.predicate), self.why or self.name


@attrs.frozen
class RankBy:
    """A custom ranking: the eligible candidate with the smallest ``key`` wins.

    ``key(reviewer, open_claims)`` returns anything comparable; pool order
    breaks ties. It scans the candidates: fine for teams, slow for a whole
    large pool (narrow first).
    """

    name: str
    key: Callable[[Reviewer, int], Any]
    why: str = "ranked first"

    def choose(self, request: AssignmentRequest, candidates: Candidates) -> Choice | None:
        """The best-ranked eligible candidate."""
        pool = candidates.pool
        best: tuple[Any, int, str] | None = None
        for order, rid in enumerate(candidates.ids()):
            rank = (self.key(pool.get(rid), pool.load(rid)), order, rid)
            if best is None or rank[:2] < best[:2]:
                best = rank
        return None if best is None else Choice(best[2], self.why)


class Pipeline:
    """Filters, then a final policy: ``Pipeline(SkillsMatch(), pick=LeastLoaded())``.

    Its name joins the parts (``"skills_match>least_loaded"``) and its
    reason joins theirs, so the timeline shows each decision.
    """

    def __init__(
        self, *filters: CandidateFilter, pick: AssignmentPolicy, name: str | None = None
    ) -> None:
        self.filters = filters
        self.pick = pick
        self.name = name or ">".join([*(f.name for f in filters), pick.name])

    def choose(self, request: AssignmentRequest, candidates: Candidates) -> Choice | None:
        """The final policy's choice among the filtered candidates."""
        reasons = []
        for step in self.filters:
            candidates, reason = step.narrow(request, candidates)
            reasons.append(reason)
        choice = self.pick.choose(request, candidates)
        if choice is None:
            return None
        return Choice(choice.reviewer, "; ".join([*reasons, choice.reason]), choice.policy)


class FirstOf:
    """Tries each policy in turn; the first that chooses wins and is named on the timeline."""

    def __init__(self, *policies: AssignmentPolicy, name: str | None = None) -> None:
        self.policies = policies
        self.name = name or "first_of(" + ",".join(p.name for p in policies) + ")"

    def choose(self, request: AssignmentRequest, candidates: Candidates) -> Choice | None:
        """The first policy's choice that is not ``None``."""
        for policy in self.policies:
            choice = policy.choose(request, candidates)
            if choice is not None:
                return Choice(choice.reviewer, choice.reason, choice.policy or policy.name)
        return None
