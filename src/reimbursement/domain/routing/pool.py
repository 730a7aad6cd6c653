"""Reviewers, their availability, and the pool that knows how loaded each one is.

The pool keeps one *segment* per combination of team and skills that a
policy has asked about (built once, on first use) and, in each segment, a
heap of ``(open claims, pool order, id)``. Finding the least-loaded member
of a segment is then a heap peek, and changing a reviewer's load costs a
few heap pushes: assignment cost grows with the logarithm of the pool size,
not with the pool size.

Heap entries are refreshed lazily: when a reviewer's load goes *up* nothing
is pushed (an entry whose load is lower than the reviewer's real load is
corrected when it reaches the top); when it goes *down*, a new entry is
pushed at once into every segment the reviewer belongs to, because an entry
that is too high would hide them. Every member therefore always has an
entry at or below their real load, which is what makes the peek correct.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date

import attrs

from ...errors import DuplicateError, NotFoundError, ValidationError
from ..checks import require_text
from ..limits import MAX_ID_LENGTH
from ..money import Money

__all__ = ["Absence", "Reviewer", "ReviewerPool", "Segment", "SegmentKey"]


def _names(values: Iterable[str]) -> frozenset[str]:
    if isinstance(values, str):
        # a bare string would become a set of its letters
        return frozenset((values,))
    return frozenset(values)


@attrs.frozen
class Absence:
    """A period away, both days included, and who takes the work meanwhile.

    Raises :class:`~reimbursement.errors.ValidationError` when ``end`` is before ``start``.
    """

    start: date
    end: date
    delegate: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError.at("absence.end", f"{self.end} is before the start {self.start}")

    def covers(self, day: date) -> bool:
        """True when ``day`` falls within the absence."""
        return self.start <= day <= self.end


def _absences(values: Iterable[Absence]) -> tuple[Absence, ...]:
    return tuple(values)


@attrs.frozen
class Reviewer:
    """Someone who reviews claims: teams, skills, authority, capacity and absences.

    ``authority_limit`` is the largest amount they may approve (``None``: no
    limit); ``capacity`` the most open claims they may hold at once. Skills
    are the expense ``categories``, the customer ``languages`` and the
    ``regions`` they cover. Raises :class:`~reimbursement.errors.ValidationError`
    for an empty id, a negative capacity or a reviewer delegating to themself.
    """

    id: str
    teams: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    categories: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    languages: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    regions: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    authority_limit: Money | None = None
    capacity: int = 50
    absences: tuple[Absence, ...] = attrs.field(default=(), converter=_absences)

    def __attrs_post_init__(self) -> None:
        require_text("reviewer.id", self.id, MAX_ID_LENGTH, empty=False)  # what stores hold
        if self.capacity < 0:
            raise ValidationError.at(
                "reviewer.capacity", f"must be 0 or more, got {self.capacity}"
            )
        for i, absence in enumerate(self.absences):
            if absence.delegate == self.id:
                raise ValidationError.at(
                    f"reviewer.absences[{i}].delegate", f"{self.id} cannot delegate to themself"
                )

    def away_on(self, day: date) -> Absence | None:
        """The absence covering ``day``, or ``None`` when working."""
        for absence in self.absences:
            if absence.covers(day):
                return absence
        return None

    def may_approve(self, amount: Money | None) -> bool:
        """True when ``amount`` is within the authority limit (``None`` needs no authority)."""
        return amount is None or self.authority_limit is None or self.authority_limit >= amount


@attrs.frozen
class SegmentKey:
    """Which reviewers a segment holds: a ``None`` field matches everyone."""

    team: str | None = None
    category: str | None = None
    language: str | None = None
    region: str | None = None

    def matches(self, reviewer: Reviewer) -> bool:
        """True when ``reviewer`` belongs to the segment."""
        return (
            (self.team is None or self.team in reviewer.teams)
            and (self.category is None or self.category in reviewer.categories)
            and (self.language is None or self.language in reviewer.languages)
            and (self.region is None or self.region in reviewer.regions)
        )

    def describe(self) -> str:
        """``team sales, category medical`` (``everyone`` when nothing is required)."""
        parts = [
            f"{name} {value}"
            for name, value in (
                ("team", self.team),
                ("category", self.category),
                ("language", self.language),
                ("region", self.region),
            )
            if value is not None
        ]
        return ", ".join(parts) or "everyone"


_Entry = tuple[int, int, str]


class Segment:
    """A group of reviewers of one pool, in pool order, with a load heap.

    Built by :meth:`ReviewerPool.segment` (kept up to date by the pool) or
    :meth:`ReviewerPool.subset` (a one-off group, for custom filters).
    """

    __slots__ = ("_heap", "_pool", "_positions", "key", "members")

    def __init__(self, pool: ReviewerPool, key: SegmentKey | None, members: tuple[str, ...]):
        self._pool = pool
        self.key = key
        self.members = members
        self._positions = {rid: i for i, rid in enumerate(members)}
        self._heap: list[_Entry] = []
        self._rebuild()

    def __len__(self) -> int:
        return len(self.members)

    def __contains__(self, reviewer_id: object) -> bool:
        return reviewer_id in self._positions

    def _rebuild(self) -> None:
        load, rank = self._pool._load, self._pool._rank
        self._heap = [(load[rid], rank[rid], rid) for rid in self.members]
        heapq.heapify(self._heap)

    def _push(self, entry: _Entry) -> None:
        heapq.heappush(self._heap, entry)
        if len(self._heap) > 4 * len(self.members) + 16:
            self._rebuild()

    def least_loaded(self, eligible: Callable[[str], bool]) -> str | None:
        """The eligible member with the fewest open claims (earliest in pool order on a tie)."""
        heap, load = self._heap, self._pool._load
        skipped: list[_Entry] = []
        found: str | None = None
        while heap:
            entry = heap[0]
            count, rank, rid = entry
            current = load.get(rid)
            if current is None or rid not in self._positions:
                heapq.heappop(heap)  # left the pool
            elif count < current:
                heapq.heapreplace(heap, (current, rank, rid))
            elif count > current:
                heapq.heappop(heap)  # a newer, lower entry exists
            elif eligible(rid):
                found = rid
                break
            else:
                skipped.append(heapq.heappop(heap))
        for entry in skipped:
            heapq.heappush(heap, entry)
        return found

    def first(self, eligible: Callable[[str], bool], after: str | None = None) -> str | None:
        """The first eligible member in pool order, starting after ``after`` and wrapping round.

        ``after`` need not be a member (it may have left): the search then
        starts where it would have stood in pool order.
        """
        n = len(self.members)
        if n == 0:
            return None
        start = 0
        if after is not None:
            pos = self._positions.get(after)
            if pos is None:
                pos = self._insertion_point(after) - 1
            start = pos + 1
        for i in range(n):
            rid = self.members[(start + i) % n]
            if eligible(rid):
                return rid
        return None

    def _insertion_point(self, reviewer_id: str) -> int:
        rank = self._pool._rank.get(reviewer_id)
        if rank is None:
            return 0
        ranks = self._pool._rank
        lo, hi = 0, len(self.members)
        while lo < hi:
            mid = (lo + hi) // 2
            if ranks[self.members[mid]] < rank:
                lo = mid + 1
            else:
                hi = mid
        return lo


class ReviewerPool:
    """The reviewers who may be assigned claims, and how many open claims each holds.

    Mutable on purpose: a router counts each claim it assigns
    (:meth:`open`, :meth:`close`, each in O(log n)); the desk first takes
    the loads the store holds (:meth:`sync`), so that every process routes
    on the same counts. ``leads`` maps a team to its lead (the escalation
    target). Pool order, the order reviewers were given in, breaks every tie.
    Raises :class:`~reimbursement.errors.DuplicateError` for a repeated id.
    """

    def __init__(
        self,
        reviewers: Iterable[Reviewer],
        *,
        leads: Mapping[str, str] | None = None,
        open_claims: Mapping[str, int] | None = None,
    ) -> None:
        self._reviewers: dict[str, Reviewer] = {}
        self._rank: dict[str, int] = {}
        self._load: dict[str, int] = {}
        self._next_rank = 0
        self._segments: dict[SegmentKey, Segment] = {}
        self._segments_of: dict[str, list[Segment]] = {}
        self._synced: dict[str, int] = {}  # the loads given at the last sync
        self._touched: set[str] = set()  # reviewers whose count changed here since
        self.leads: dict[str, str] = dict(leads or {})
        for reviewer in reviewers:
            self._insert(reviewer)
        for rid, count in (open_claims or {}).items():
            self.get(rid)
            if count < 0:
                raise ValidationError.at(f"open_claims[{rid}]", "must be 0 or more")
            self._load[rid] = count
            self._touched.add(rid)

    def _insert(self, reviewer: Reviewer) -> None:
        if reviewer.id in self._reviewers:
            raise DuplicateError(f"reviewer {reviewer.id!r} is already in the pool")
        self._reviewers[reviewer.id] = reviewer
        self._rank[reviewer.id] = self._next_rank
        self._next_rank += 1
        self._load[reviewer.id] = 0
        self._touched.add(reviewer.id)
        self._segments_of[reviewer.id] = []

    def __len__(self) -> int:
        return len(self._reviewers)

    def __contains__(self, reviewer_id: object) -> bool:
        return reviewer_id in self._reviewers

    def __iter__(self) -> Iterator[Reviewer]:
        return iter(self._reviewers.values())

    def get(self, reviewer_id: str) -> Reviewer:
        """The reviewer ``reviewer_id``; raises :class:`~reimbursement.errors.NotFoundError`."""
        try:
            return self._reviewers[reviewer_id]
        except KeyError:
            raise NotFoundError(f"no reviewer {reviewer_id!r} in the pool") from None

    def load(self, reviewer_id: str) -> int:
        """How many open claims ``reviewer_id`` holds."""
        self.get(reviewer_id)
        return self._load[reviewer_id]

    def loads(self) -> dict[str, int]:
        """Open claims per reviewer: a copy to store and give back as ``open_claims``."""
        return dict(self._load)

    def sync(self, loads: Mapping[str, int]) -> None:
        """Take every member's load from ``loads`` (missing: 0), as read from the store.

        The desk calls it inside each unit of work before it routes, so the
        pool's counts are what the stored claims say in every process. It
        looks only at counts that changed in ``loads`` since the last sync or
        here since: its cost follows the changes, not the size of the pool.
        """
        current = self._load
        changed = {reviewer_id for reviewer_id, _ in loads.items() ^ self._synced.items()}
        for reviewer_id in changed | self._touched:
            load = current.get(reviewer_id)
            if load is None:
                continue  # not (or no longer) in the pool
            stored = loads.get(reviewer_id, 0)
            if stored == load:
                continue
            current[reviewer_id] = stored
            if stored < load:  # an entry that is too high would hide them: push one now
                entry = (stored, self._rank[reviewer_id], reviewer_id)
                for segment in self._segments_of[reviewer_id]:
                    segment._push(entry)
        self._synced = dict(loads)
        self._touched = set()

    def lead_of(self, team: str) -> str | None:
        """The lead of ``team``, if one is named."""
        return self.leads.get(team)

    def open(self, reviewer_id: str, count: int = 1) -> None:
        """Record ``count`` more open claims held by ``reviewer_id``."""
        self.get(reviewer_id)
        self._load[reviewer_id] += count
        self._touched.add(reviewer_id)

    def close(self, reviewer_id: str, count: int = 1) -> None:
        """Record that ``reviewer_id`` closed ``count`` claims (decided or handed over).

        Raises :class:`~reimbursement.errors.ValidationError` if that would go below zero.
        """
        self.get(reviewer_id)
        load = self._load[reviewer_id] - count
        if load < 0:
            raise ValidationError.at(
                "count", f"{reviewer_id} holds {self._load[reviewer_id]} open claims, not {count}"
            )
        self._load[reviewer_id] = load
        self._touched.add(reviewer_id)
        entry = (load, self._rank[reviewer_id], reviewer_id)
        for segment in self._segments_of[reviewer_id]:
            segment._push(entry)

    def add(self, reviewer: Reviewer) -> None:
        """Add a reviewer (last in pool order); raises :class:`DuplicateError`."""
        self._insert(reviewer)
        self._forget_segments()

    def replace(self, reviewer: Reviewer) -> None:
        """Change a reviewer's skills, teams, limits or absences; their load and order stay."""
        self.get(reviewer.id)
        self._reviewers[reviewer.id] = reviewer
        self._forget_segments()

    def remove(self, reviewer_id: str) -> Reviewer:
        """Take a reviewer out of the pool (hand their open work over first)."""
        reviewer = self.get(reviewer_id)
        del self._reviewers[reviewer_id], self._load[reviewer_id], self._segments_of[reviewer_id]
        self._forget_segments()
        return reviewer

    def _forget_segments(self) -> None:
        # membership changes are rare (staff changes); rebuilding lazily is simpler than patching
        self._segments.clear()
        for segments in self._segments_of.values():
            segments.clear()

    def segment(self, key: SegmentKey) -> Segment:
        """The reviewers matching ``key``, indexed and kept up to date (built on first use)."""
        segment = self._segments.get(key)
        if segment is None:
            members = tuple(r.id for r in self._reviewers.values() if key.matches(r))
            segment = Segment(self, key, members)
            self._segments[key] = segment
            for rid in members:
                self._segments_of[rid].append(segment)
        return segment

    def subset(self, reviewer_ids: Iterable[str]) -> Segment:
        """A one-off segment of the given reviewers (in pool order), for custom filters."""
        wanted = set(reviewer_ids)
        members = tuple(rid for rid in self._reviewers if rid in wanted)
        return Segment(self, None, members)
