"""What one in-memory unit of work sees of the claims: committed data plus its own writes."""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from ...domain.audit_review import awaiting_audit
from ...domain.claim import Claim
from ...domain.duplicates import ExpenseKey
from ...domain.lifecycle import ClaimState
from ...domain.routing import holders
from ...errors import ClaimNotFoundError, ConcurrencyError, DuplicateError, ValidationError
from ...ports import (
    NO_SCHEDULE,
    ClaimSchedule,
    ClaimSummary,
    DuplicateMatch,
    Page,
    RequestRecord,
    erases_personal_data,
)
from ..cursors import check_limit, decode_cursor, encode_cursor, page
from ._duplicates import Probe, staged_matches

if TYPE_CHECKING:
    from ._claims import InMemoryClaimStore

__all__ = ["Repository", "forget_answers"]


class Repository:
    """The claims of one unit of work: reads see committed data plus own writes.

    Its staging dictionaries are made on first write: most units of work
    read and save one claim, and every container made costs.
    """

    __slots__ = ("_store", "added", "requests", "saved", "schedules")

    def __init__(self, store: InMemoryClaimStore) -> None:
        self._store = store
        self.added: dict[str, Claim] | None = None
        # claim id -> (the claim to write, the stored version it was read at)
        self.saved: dict[str, tuple[Claim, int]] | None = None
        self.requests: dict[str, RequestRecord] | None = None
        self.schedules: dict[str, ClaimSchedule] | None = None

    def get(self, claim_id: str) -> Claim:
        if self.saved is not None and claim_id in self.saved:
            return self.saved[claim_id][0]
        if self.added is not None and claim_id in self.added:
            return self.added[claim_id]
        try:
            return self._store.claims[claim_id]
        except KeyError:
            raise ClaimNotFoundError(f"no claim {claim_id!r}") from None

    def by_number(self, number: str) -> Claim:
        for claim in self._staged():
            if claim.number == number:
                return claim
        claim_id = self._store.by_number.get(number)
        if claim_id is None:
            raise ClaimNotFoundError(f"no claim numbered {number!r}")
        return self.get(claim_id)

    def _staged(self) -> Iterator[Claim]:
        if self.added is not None:
            yield from self.added.values()
        if self.saved is not None:
            for claim, _ in self.saved.values():
                yield claim

    def add(self, claim: Claim, schedule: ClaimSchedule = NO_SCHEDULE) -> None:
        added = self.added
        if claim.id in self._store.claims or (added is not None and claim.id in added):
            raise DuplicateError(f"claim {claim.id!r} already exists")
        if added is None:
            added = self.added = {}
        added[claim.id] = claim
        self._schedule(claim.id, schedule)

    def save(
        self, claim: Claim, expected_version: int, schedule: ClaimSchedule = NO_SCHEDULE
    ) -> None:
        claim_id = claim.id
        current = self.get(claim_id)
        current_version = current.version
        if current_version != expected_version:
            raise ConcurrencyError(
                f"claim {claim_id} is at version {current_version}, not {expected_version} "
                "as read: someone changed it meanwhile; reload and retry"
            )
        if claim.version <= expected_version:
            raise ConcurrencyError(
                f"claim {claim_id}: the new version {claim.version} is not above "
                f"{expected_version}; every change appends an event"
            )
        self._schedule(claim_id, schedule)
        if self.added is not None and claim_id in self.added:
            self.added[claim_id] = claim
            return
        saved = self.saved
        if saved is None:
            self.saved = {claim_id: (claim, current_version)}
        else:
            read = saved[claim_id][1] if claim_id in saved else current_version
            saved[claim_id] = (claim, read)

    def reschedule(self, claim_id: str, schedule: ClaimSchedule) -> None:
        self.get(claim_id)
        if self.schedules is None:
            self.schedules = {}
        self.schedules[claim_id] = schedule

    def _schedule(self, claim_id: str, schedule: ClaimSchedule) -> None:
        if (
            schedule is NO_SCHEDULE
            and self.schedules is None
            and claim_id not in self._store.schedules
        ):
            return  # nothing scheduled before or now: nothing to stage
        if self.schedules is None:
            self.schedules = {}
        self.schedules[claim_id] = schedule

    def _schedule_of(self, claim_id: str) -> ClaimSchedule:
        if self.schedules is not None and claim_id in self.schedules:
            return self.schedules[claim_id]
        return self._store.schedules.get(claim_id, NO_SCHEDULE)

    def _ranked(self, claim_ids: Iterable[str]) -> list[tuple[int, str]]:
        """``(rank, id)`` pairs: committed claims by their order, staged ones after."""
        rank = self._store.rank
        staged = list(self.added or ())
        out = []
        for claim_id in claim_ids:
            order = rank.get(claim_id)
            if order is None:
                order = len(rank) + staged.index(claim_id)
            out.append((order, claim_id))
        return out

    def for_customer(
        self, customer_id: str, *, after: str | None = None, limit: int = 50
    ) -> Page[Claim]:
        ids = list(self._store.by_customer.get(customer_id, ()))
        if self.added is not None:
            ids.extend(c.id for c in self.added.values() if c.customer_id == customer_id)
        return self._by_rank(self._ranked(ids), after, limit)

    def latest_for_customer(self, customer_id: str) -> Claim | None:
        if self.added is not None:
            for claim in reversed(self.added.values()):
                if claim.customer_id == customer_id:
                    return claim
        ids = self._store.by_customer.get(customer_id)
        return self.get(ids[-1]) if ids else None

    def in_states(
        self, states: Iterable[ClaimState], *, after: str | None = None, limit: int = 50
    ) -> Page[Claim]:
        wanted = frozenset(states)
        ids = [*self._store.claims, *(self.added or ())]
        chosen = [claim_id for claim_id in ids if self.get(claim_id).state in wanted]
        return self._by_rank(self._ranked(chosen), after, limit)

    def _by_rank(
        self, ranked: list[tuple[int, str]], after: str | None, limit: int
    ) -> Page[Claim]:
        check_limit(limit)
        start = 0
        if after is not None:
            (last,) = decode_cursor(after, (int,))
            start = bisect.bisect_right([r for r, _ in ranked], last)
        chosen = ranked[start : start + limit + 1]
        return page(
            [self.get(claim_id) for _, claim_id in chosen],
            limit,
            lambda i: encode_cursor(chosen[i][0]),
        )

    def work_queue(
        self, reviewers: Iterable[str], *, after: str | None = None, limit: int = 50
    ) -> Page[ClaimSummary]:
        check_limit(limit)
        wanted = set(reviewers)
        ids = {
            claim_id for reviewer in wanted for claim_id in self._store.holdings.get(reviewer, {})
        }
        for claim in self._staged():
            held = set(holders(claim))
            if held & wanted:
                ids.add(claim.id)
            else:
                ids.discard(claim.id)
        keyed = [(self._due_key(claim_id, rank), claim_id) for rank, claim_id in self._ranked(ids)]
        return self._summaries(keyed, after, limit, 3)

    def _summaries(
        self,
        keyed: Sequence[tuple[tuple[int, ...], str]],
        after: str | None,
        limit: int,
        width: int,
    ) -> Page[ClaimSummary]:
        """A page of a queue: the claims of ``keyed`` by their sort keys (``width`` integers
        each, as its cursors hold them), after ``after``."""
        ordered = sorted(keyed)
        if after is not None:
            last = decode_cursor(after, (int,) * width)
            ordered = [item for item in ordered if item[0] > last]
        chosen = ordered[: limit + 1]
        return page(
            [self._summary(claim_id) for _, claim_id in chosen],
            limit,
            lambda i: encode_cursor(*chosen[i][0]),
        )

    def _summary(self, claim_id: str) -> ClaimSummary:
        claim = self.get(claim_id)
        schedule = self._schedule_of(claim_id)
        return ClaimSummary(
            claim.id,
            claim.number,
            claim.customer_id,
            claim.state,
            schedule.due_at,
            claim.version,
            schedule.next_check_at,
        )

    def _due_key(self, claim_id: str, rank: int) -> tuple[int, int, int]:
        due = self._schedule_of(claim_id).due_at
        if due is None:
            return (1, 0, rank)
        return (0, _micros(due), rank)

    def audit_queue(self, *, after: str | None = None, limit: int = 50) -> Page[ClaimSummary]:
        check_limit(limit)
        drawn = dict(self._store.audits)
        for claim in self._staged():
            if (at := awaiting_audit(claim)) is None:
                drawn.pop(claim.id, None)
            else:
                drawn[claim.id] = at
        keyed = [((_micros(drawn[i]), rank), i) for rank, i in self._ranked(drawn)]
        return self._summaries(keyed, after, limit, 2)

    def due_for_check(
        self,
        before: datetime,
        *,
        limit: int = 50,
        skip_locked: bool = False,
        excluding: Collection[str] = (),
    ) -> Sequence[Claim]:
        check_limit(limit)
        cutoff = _micros(before)
        schedules = dict(self._store.schedules)
        if self.schedules is not None:
            schedules.update(self.schedules)
        due = sorted(
            (_micros(s.next_check_at), claim_id)
            for claim_id, s in schedules.items()
            if s.next_check_at is not None
            and _micros(s.next_check_at) <= cutoff
            and claim_id not in excluding
        )
        return [self.get(claim_id) for _, claim_id in due[:limit]]

    def open_work(self, reviewers: Iterable[str] | None = None) -> Mapping[str, int]:
        holdings, loads = self._store.holdings, self._store.loads
        if self.added is None and self.saved is None:
            if reviewers is None:
                return dict(loads)
            return {r: loads[r] for r in reviewers if r in loads}
        counts = {r: dict(c) for r, c in holdings.items()}
        for claim in self._staged():
            for claims in counts.values():
                claims.pop(claim.id, None)
            for reviewer in holders(claim):
                mine = counts.setdefault(reviewer, {})
                mine[claim.id] = mine.get(claim.id, 0) + 1
        wanted = None if reviewers is None else set(reviewers)
        return {
            r: sum(c.values())
            for r, c in counts.items()
            if c and (wanted is None or r in wanted) and sum(c.values())
        }

    def next_number(self, scope: str) -> int:
        with self._store.lock:  # sequences never roll back, as in a database
            value = self._store.sequences.get(scope, 0) + 1
            self._store.sequences[scope] = value
        return value

    def request(self, key: str) -> RequestRecord | None:
        if self.requests is not None and key in self.requests:
            return self.requests[key]
        return self._store.requests.get(key)

    def remember_request(self, record: RequestRecord) -> None:
        if self.requests is None:
            self.requests = {}
        self.requests[record.key] = record

    def _duplicates(self, probe: Probe, limit: int) -> list[DuplicateMatch]:
        check_limit(limit)
        return staged_matches(self._store.duplicates, self._staged(), probe, limit)

    def same_file(self, sha256: str, *, limit: int = 20) -> Sequence[DuplicateMatch]:
        return self._duplicates(Probe(sha256=sha256), limit)

    def same_expense(
        self, key: ExpenseKey, *, tolerance: Decimal = Decimal(0), days: int = 0, limit: int = 20
    ) -> Sequence[DuplicateMatch]:
        return self._duplicates(Probe.of_expense(key, tolerance, days), limit)

    def same_expenses(
        self,
        keys: Sequence[ExpenseKey],
        *,
        tolerance: Decimal = Decimal(0),
        days: int = 0,
        limit: int = 20,
    ) -> Sequence[Sequence[DuplicateMatch]]:
        return [self.same_expense(k, tolerance=tolerance, days=days, limit=limit) for k in keys]

    def similar_images(
        self, phash: int, *, max_distance: int, limit: int = 20
    ) -> Sequence[DuplicateMatch]:
        return self._duplicates(Probe(phash=phash, max_distance=max_distance), limit)


def _micros(instant: datetime) -> int:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationError.at("before", f"{instant} has no time zone; give an aware datetime")
    return int((instant - _EPOCH) // timedelta(microseconds=1))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def forget_answers(
    requests: dict[str, RequestRecord], saved: Mapping[str, tuple[Claim, int]]
) -> None:
    """Drop the answers kept for the claims of ``saved`` whose save erased personal data
    (``ports.erases_personal_data``): a replay then answers the claim as it is."""
    erased = {i for i, (claim, read) in saved.items() if erases_personal_data(claim, read)}
    if not erased:  # every commit asks: most erase nothing
        return
    for key, record in list(requests.items()):
        if record.claim_id in erased and record.answer is not None:
            requests[key] = attrs.evolve(record, answer=None)
