"""The claims of one SQL unit of work: reads and writes in its one transaction.

Writes go to the database at once (reads then see them, as the port asks);
a save is ``UPDATE … WHERE id = :id AND version = :expected``, so a stale
save changes no row and raises :class:`~reimbursement.errors.ConcurrencyError`.
Request keys are inserted on commit (see ``SqlUnitOfWork.commit``).

``get`` and ``by_number`` read through the store's cache of decoded claims
(``_cache``): the row comes without its body when its version is the one
cached. The repository remembers the claims it returned and wrote, so that
a save writes only the holdings that changed, and hands the ones it wrote
to the cache once the unit of work has committed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite

from ...domain.claim import Claim
from ...domain.lifecycle import ClaimState
from ...errors import ClaimNotFoundError, DuplicateError, ValidationError
from ...ports import (
    NO_SCHEDULE,
    ClaimSchedule,
    ClaimSummary,
    Page,
    RequestRecord,
    erases_personal_data,
)
from ..cursors import check_limit, decode_cursor, encode_cursor
from ._audit_queue import SUMMARY_COLUMNS, SqlAuditQueue, summary_page
from ._cache import ClaimCache
from ._codec import claim_columns, claim_values, load_answer, load_claims
from ._direct import Direct
from ._duplicates import SqlDuplicateLookups
from ._engine import is_postgres, refusal
from ._items import item_writes
from ._loads import loads_query
from ._schema import CLAIMS, HOLDINGS, REQUESTS, Instant
from ._writes import append, redate_holdings, update_claim

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork

__all__ = ["SqlClaimRepository"]


def _kind(prefix: str, parts: Iterable[str]) -> str:
    """The name of a list in its cursors: what it lists, hashed short."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{prefix}:{digest}"


_NOT_OURS = "is not a cursor of this list; pass a page's next_cursor as it is"


def _key_part(value: Any) -> int | str:
    """One part of a sort key, as a cursor holds it (an instant as ISO text, none as "")."""
    if value is None:
        return ""
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value


def _decode(kind: str, cursor: str, *types: type[Any]) -> tuple[Any, ...]:
    """The sort key after ``kind`` in a cursor of that list."""
    found, *key = decode_cursor(cursor, (str, *types))
    if found != kind:
        raise ValidationError.at("after", _NOT_OURS)
    return tuple(key)


def _key_instant(value: str) -> datetime | None:
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError.at("after", _NOT_OURS) from None
    if instant.tzinfo is None:
        raise ValidationError.at("after", _NOT_OURS)
    return instant


# The statements every desk call runs, built once (building a Core statement costs
# more than running it on SQLite) and executed with parameters. A read by key leaves
# the body out when the row is at the version the cache holds (see _cache).
_CACHED: Final = sa.and_(
    CLAIMS.c.id == sa.bindparam("cached_id", type_=sa.Text()),
    CLAIMS.c.version == sa.bindparam("cached_version", type_=sa.Integer()),
)
_BY_KEY: Final = sa.select(
    CLAIMS.c.id,
    CLAIMS.c.version,
    CLAIMS.c.format,
    sa.case((_CACHED, sa.null()), else_=CLAIMS.c.body).label("body"),
)
# the unique index of claim numbers, as each database names it in its refusal
_NUMBER_TAKEN: Final = re.compile(r"\brb_claims[._]number\b")
_BY_ID: Final = Direct(_BY_KEY.where(CLAIMS.c.id == sa.bindparam("value")))
_BY_NUMBER: Final = Direct(_BY_KEY.where(CLAIMS.c.number == sa.bindparam("value")))
# a new claim: on SQLite (one writer) it takes the next position, PostgreSQL numbers it
_ADDED: Final = {
    c.name: sa.bindparam(c.name, type_=c.type) for c in CLAIMS.c if c.name != "position"
}
_NEXT_POSITION: Final = sa.select(sa.func.coalesce(sa.func.max(CLAIMS.c.position), 0) + 1)
_ADD: Final = {
    "postgresql": postgresql.insert(CLAIMS)
    .values(_ADDED)
    .on_conflict_do_nothing(index_elements=["id"])
    .returning(CLAIMS.c.id),
    "sqlite": sqlite.insert(CLAIMS)
    .values({**_ADDED, "position": _NEXT_POSITION.scalar_subquery()})
    .on_conflict_do_nothing(index_elements=["id"])
    .returning(CLAIMS.c.id),
}
_RESCHEDULE: Final = (
    CLAIMS.update()
    .where(CLAIMS.c.id == sa.bindparam("claim_id"))
    .values(
        due_at=sa.bindparam("due", type_=Instant()),
        next_check_at=sa.bindparam("check", type_=Instant()),
    )
)
# a request key's record, and the answers kept for a claim (dropped when it is erased)
_REQUEST: Final = sa.select(
    REQUESTS.c.fingerprint, REQUESTS.c.claim_id, REQUESTS.c.version, REQUESTS.c.answer
).where(REQUESTS.c.key == sa.bindparam("key"))
_FORGET_ANSWERS: Final = (
    REQUESTS.update()
    .where(REQUESTS.c.claim_id == sa.bindparam("erased"), REQUESTS.c.answer.is_not(None))
    .values(answer=None)
)
# a reviewer's page: one range of rb_holdings_queue, joined to the claims' columns only
_QUEUE: Final = sa.select(*SUMMARY_COLUMNS, HOLDINGS.c.due_key, HOLDINGS.c.position).select_from(
    HOLDINGS.join(CLAIMS, CLAIMS.c.id == HOLDINGS.c.claim_id)
)


class SqlClaimRepository(SqlDuplicateLookups, SqlAuditQueue):
    """:class:`~reimbursement.ports.ClaimRepository` on ``rb_claims`` and its tables.

    The duplicate look-ups come from :class:`SqlDuplicateLookups`, the audit queue
    from :class:`SqlAuditQueue`.
    """

    def __init__(self, uow: SqlUnitOfWork, cache: ClaimCache | None = None) -> None:
        self._uow = uow
        self._cache = cache
        self.requests: dict[str, RequestRecord] = {}
        self.seen: dict[str, Claim] = {}
        """The claims this unit of work read or wrote, at the last version it saw."""
        self.written: dict[str, Claim] = {}
        """The claims this unit of work added or saved, as last written."""
        self.read_at: dict[str, int] = {}
        """The version each written claim had before this unit of work (0: added)."""

    def forget(self) -> None:
        """The unit of work ended: what it saw and wrote is no longer its own."""
        self.requests.clear()
        self.seen.clear()
        self.written.clear()
        self.read_at.clear()

    # -- reads ---------------------------------------------------------------------------

    def _seen(self, claims: list[Claim]) -> list[Claim]:
        for claim in claims:
            self.seen[claim.id] = claim
        return claims

    def _one(self, query: Direct, value: str, cached: Claim | None, missing: str) -> Claim:
        parameters: dict[str, Any] = {"value": value, "cached_id": None, "cached_version": None}
        if cached is not None:
            parameters |= {"cached_id": cached.id, "cached_version": cached.version}
        with self._uow.reading("read a claim") as connection:
            row = query.run(connection, parameters).first()
            if row is None:
                raise ClaimNotFoundError(missing)
            if (
                cached is not None
                and row.body is None
                and (row.id, row.version) == (cached.id, cached.version)
            ):
                claim = cached  # the row is at the cached version: the same content
            else:
                claim = load_claims(connection, [row])[0]
                if self._cache is not None and claim.id not in self.written:
                    # committed rows only: this unit of work's own writes may roll back
                    self._cache.put(claim)
        self.seen[claim.id] = claim
        return claim

    def get(self, claim_id: str) -> Claim:
        cached = None if self._cache is None else self._cache.get(claim_id)
        return self._one(_BY_ID, claim_id, cached, f"no claim {claim_id!r}")

    def by_number(self, number: str) -> Claim:
        cached = None if self._cache is None else self._cache.numbered(number)
        return self._one(_BY_NUMBER, number, cached, f"no claim numbered {number!r}")

    def _page(
        self, query: sa.Select[Any], limit: int, kind: str, key: Sequence[sa.ColumnElement[Any]]
    ) -> Page[Claim]:
        with self._uow.reading("list claims") as connection:
            rows = connection.execute(query.add_columns(*key).limit(limit + 1)).all()
            claims = self._seen(load_claims(connection, rows[:limit]))
        if len(rows) <= limit:
            return Page(tuple(claims))
        last = rows[limit - 1]
        values = [last[len(last) - len(key) + i] for i in range(len(key))]
        return Page(tuple(claims), encode_cursor(kind, *map(_key_part, values)))

    def _by_position(
        self, condition: sa.ColumnElement[bool], kind: str, after: str | None, limit: int
    ) -> Page[Claim]:
        check_limit(limit)
        query = sa.select(*claim_columns()).where(condition)
        if after is not None:
            (position,) = _decode(kind, after, int)
            query = query.where(CLAIMS.c.position > position)
        return self._page(query.order_by(CLAIMS.c.position), limit, kind, [CLAIMS.c.position])

    def for_customer(
        self, customer_id: str, *, after: str | None = None, limit: int = 50
    ) -> Page[Claim]:
        condition = CLAIMS.c.customer_id == customer_id
        return self._by_position(condition, _kind("customer", [customer_id]), after, limit)

    def latest_for_customer(self, customer_id: str) -> Claim | None:
        with self._uow.reading("read a claim") as connection:
            query = (
                sa.select(*claim_columns())
                .where(CLAIMS.c.customer_id == customer_id)
                .order_by(CLAIMS.c.position.desc())
                .limit(1)
            )
            claims = self._seen(load_claims(connection, connection.execute(query).all()))
        return claims[0] if claims else None

    def in_states(
        self, states: Iterable[ClaimState], *, after: str | None = None, limit: int = 50
    ) -> Page[Claim]:
        check_limit(limit)
        wanted = sorted({ClaimState(s).value for s in states})
        kind = _kind("states", wanted)
        last = None if after is None else _decode(kind, after, int)[0]
        if not wanted:
            return Page(())
        # one index range per state, merged: an IN list with ORDER BY position would
        # leave the planner a choice between sorting and scanning all positions
        members = []
        for state in wanted:
            member = sa.select(*claim_columns(), CLAIMS.c.position).where(CLAIMS.c.state == state)
            if last is not None:
                member = member.where(CLAIMS.c.position > last)
            members.append(member.order_by(CLAIMS.c.position).limit(limit + 1).subquery())
        merged = sa.union_all(*(sa.select(*m.c) for m in members)).subquery()
        query = sa.select(merged.c.id, merged.c.version, merged.c.format, merged.c.body)
        return self._page(query.order_by(merged.c.position), limit, kind, [merged.c.position])

    def work_queue(
        self, reviewers: Iterable[str], *, after: str | None = None, limit: int = 50
    ) -> Page[ClaimSummary]:
        check_limit(limit)
        names = sorted(set(reviewers))
        kind = _kind("queue", names)
        if not names:
            return Page(())
        due_key, position = HOLDINGS.c.due_key, HOLDINGS.c.position
        query = _QUEUE.where(
            HOLDINGS.c.reviewer_id == names[0]
            if len(names) == 1
            else HOLDINGS.c.reviewer_id.in_(names)
        )
        if len(names) > 1:
            query = query.distinct()  # a claim two of them hold is listed once
        if after is not None:
            due_text, last_position = _decode(kind, after, str, int)
            last_due = _key_instant(due_text)
            if last_due is None:
                raise ValidationError.at("after", _NOT_OURS)
            bound = sa.tuple_(
                sa.literal(last_due, Instant()), sa.literal(last_position, sa.BigInteger())
            )
            query = query.where(sa.tuple_(due_key, position) > bound)
        query = query.order_by(due_key, position).limit(limit + 1)
        with self._uow.reading("list a work queue") as connection:
            rows = connection.execute(query).all()
        return summary_page(rows, limit, lambda r: (kind, _key_part(r.due_key), r.position))

    def due_for_check(
        self,
        before: datetime,
        *,
        limit: int = 50,
        skip_locked: bool = False,
        excluding: Collection[str] = (),
    ) -> Sequence[Claim]:
        check_limit(limit)
        check = CLAIMS.c.next_check_at
        query = (
            sa.select(*claim_columns())
            .where(check.is_not(None), check <= before.astimezone(UTC))
            .order_by(check, CLAIMS.c.position)
            .limit(limit)
        )
        if excluding:
            query = query.where(CLAIMS.c.id.not_in(sorted(excluding)))
        if skip_locked:
            if is_postgres(self._uow.engine):
                query = query.with_for_update(skip_locked=True)
            with self._uow.writing("lock claims for the SLA check") as connection:
                return self._seen(load_claims(connection, connection.execute(query).all()))
        with self._uow.reading("list claims due for a check") as connection:
            return self._seen(load_claims(connection, connection.execute(query).all()))

    def open_work(self, reviewers: Iterable[str] | None = None) -> Mapping[str, int]:
        query, parameters = loads_query(reviewers)  # routing reads them at every submission
        with self._uow.reading("count open work") as connection:
            return {name: int(count) for name, count in connection.execute(query, parameters)}

    def request(self, key: str) -> RequestRecord | None:
        if key in self.requests:
            return self.requests[key]
        with self._uow.reading("read a request key") as connection:
            row = connection.execute(_REQUEST, {"key": key}).first()
            if row is None:
                return None
            answer = None
            if row.answer is not None and row.version is not None:
                answer = load_answer(connection, row.claim_id, row.version, row.answer)
        return RequestRecord(key, row.fingerprint, row.claim_id, row.version, answer)

    # -- writes --------------------------------------------------------------------------

    def add(self, claim: Claim, schedule: ClaimSchedule = NO_SCHEDULE) -> None:
        values = claim_values(claim, schedule)
        items = item_writes(claim, None, added=True)  # encoded (and checked) before any write
        with self._uow.writing("add a claim") as connection:
            statement = _ADD[connection.dialect.name]
            try:
                if connection.execute(statement, values).first() is None:
                    raise DuplicateError(f"claim {claim.id!r} already exists")
                append(connection, claim, schedule, items)
            except exc.IntegrityError as error:
                raise self._refused(claim, "add a claim", error) from None
        self.seen[claim.id] = self.written[claim.id] = claim
        self.read_at.setdefault(claim.id, 0)

    def save(
        self, claim: Claim, expected_version: int, schedule: ClaimSchedule = NO_SCHEDULE
    ) -> None:
        with self._uow.writing("save a claim") as connection:
            try:
                update_claim(
                    connection, claim, expected_version, schedule, self.seen.get(claim.id)
                )
            except exc.IntegrityError as error:
                raise self._refused(claim, "save a claim", error) from None
            if erases_personal_data(claim, expected_version):  # the answers hold it too
                connection.execute(_FORGET_ANSWERS, {"erased": claim.id})
        self.seen[claim.id] = self.written[claim.id] = claim
        self.read_at.setdefault(claim.id, expected_version)

    def _refused(self, claim: Claim, action: str, error: exc.IntegrityError) -> Exception:
        """What a write of ``claim`` the database refused raises (the unit of work is over)."""
        self._uow.refuse()
        if _NUMBER_TAKEN.search(str(error.orig)):
            return DuplicateError(
                f"claim {claim.id}: its number {claim.number} is already used by another claim"
            )
        return refusal(self._uow.engine, f"{action} ({claim.id})", error)

    def reschedule(self, claim_id: str, schedule: ClaimSchedule) -> None:
        parameters = {
            "claim_id": claim_id,
            "due": schedule.due_at and schedule.due_at.astimezone(UTC),
            "check": schedule.next_check_at and schedule.next_check_at.astimezone(UTC),
        }
        with self._uow.writing("reschedule a claim") as connection:
            if connection.execute(_RESCHEDULE, parameters).rowcount != 1:
                raise ClaimNotFoundError(f"no claim {claim_id!r}")
            redate_holdings(connection, claim_id, schedule)

    def next_number(self, scope: str) -> int:
        return self._uow.next_number(scope)

    def remember_request(self, record: RequestRecord) -> None:
        self.requests.setdefault(record.key, record)
