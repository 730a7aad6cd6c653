"""The store's cache of decoded claims: reused while the stored version is the same, never stale.

Each store is its own process here: another store on the same database
saving a claim gives it a new version, and the next read by id or number
sees that version. A claim a unit of work wrote is kept only once it is
committed. No timing is asserted; the reuse is seen in the statements sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.adapters.sql._cache import ClaimCache
from reimbursement.domain.claim import Claim
from reimbursement.errors import ValidationError
from reimbursement.testing._builders import assigned, draft, edited, submitted


@pytest.fixture
def other(store: sql.SqlClaimStore) -> Iterator[sql.SqlClaimStore]:
    """A second store on the same database, with a cache of its own: another process."""
    with sql.create(store.engine) as opened:
        yield opened


@pytest.fixture
def tables_read(store: sql.SqlClaimStore) -> Iterator[list[str]]:
    """The claim tables (``rb_claims``, ``rb_events``) of the SELECT statements sent."""
    read: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        found = re.match(
            r"\s*SELECT\s.*?\sFROM\s+\"?(rb_claims|rb_events)\b", statement, re.DOTALL
        )
        if found:
            read.append(found.group(1))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    yield read
    sa.event.remove(store.engine, "before_cursor_execute", record)


def _add(store: sql.SqlClaimStore, claim: Claim) -> None:
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()


def _save(store: sql.SqlClaimStore, claim: Claim, *, commit: bool = True) -> None:
    with store.unit_of_work() as uow:
        uow.claims.save(claim, uow.claims.get(claim.id).version)
        if commit:
            uow.commit()


def _get(store: sql.SqlClaimStore, claim_id: str) -> Claim:
    with store.unit_of_work() as uow:
        return uow.claims.get(claim_id)


def test_a_claim_read_again_at_its_version_is_not_decoded_again(
    store: sql.SqlClaimStore, tables_read: list[str]
) -> None:
    claim = submitted(draft("claim-1"), "CLM-1")
    _add(store, claim)  # committed: kept
    assert _get(store, "claim-1") == claim
    with store.unit_of_work() as uow:
        assert uow.claims.by_number("CLM-1") == claim
    assert tables_read == ["rb_claims", "rb_claims"]  # the rows only, no events
    assert _get(store, "claim-1") is _get(store, "claim-1")  # one shared, immutable object


def test_another_stores_save_is_seen_at_once_by_id_and_by_number(
    store: sql.SqlClaimStore, other: sql.SqlClaimStore, tables_read: list[str]
) -> None:
    claim = submitted(draft("claim-1"), "CLM-claim-1")
    _add(store, claim)
    assert _get(other, "claim-1") == claim
    newer = assigned(claim, "rev-a")  # the same claim one event on, saved elsewhere
    assert newer.version == claim.version + 1
    _save(other, newer)
    assert _get(store, "claim-1") == newer
    with store.unit_of_work() as uow:
        assert uow.claims.by_number("CLM-claim-1") == newer
    assert "rb_events" in tables_read  # the new version was read and decoded
    tables_read.clear()
    assert _get(store, "claim-1") == newer  # and is now the one kept
    assert tables_read == ["rb_claims"]


@pytest.mark.parametrize("read_back", [False, True], ids=["saved", "saved and read back"])
def test_a_save_that_rolled_back_is_never_kept(
    store: sql.SqlClaimStore, other: sql.SqlClaimStore, read_back: bool
) -> None:
    claim = draft("claim-1")
    _add(store, claim)
    mine, theirs = edited(claim, "rolled back"), edited(claim, "committed elsewhere")
    assert mine.version == theirs.version
    assert mine != theirs
    with store.unit_of_work() as uow:
        uow.claims.save(mine, claim.version)
        if read_back:  # a unit of work reads its own write, from its uncommitted rows
            assert uow.claims.get("claim-1") == mine
        uow.rollback()
    _save(other, theirs)  # the same version, other content, committed by another process
    assert _get(store, "claim-1") == theirs
    with store.unit_of_work() as uow:
        assert uow.claims.get("claim-1") == theirs


def test_a_claim_committed_here_is_kept_at_its_committed_version(
    store: sql.SqlClaimStore, other: sql.SqlClaimStore, tables_read: list[str]
) -> None:
    claim = draft("claim-1")
    _add(other, claim)
    newer = edited(claim, "saved here")
    _save(store, newer)
    tables_read.clear()
    assert _get(store, "claim-1") == newer
    assert tables_read == ["rb_claims"]
    assert _get(other, "claim-1") == newer


def test_a_store_without_a_cache_decodes_every_read(
    database_url: str, store: sql.SqlClaimStore, tables_read: list[str]
) -> None:
    with sql.create(store.engine, cache_size=0) as uncached:
        _add(uncached, draft("claim-1"))
        for _ in range(2):
            assert _get(uncached, "claim-1") == draft("claim-1")
        assert len(uncached.cache) == 0
    assert tables_read == ["rb_claims", "rb_events"] * 2


def test_the_cache_keeps_the_claims_used_last_and_forgets_their_numbers_with_them() -> None:
    cache = ClaimCache(2)
    one, two, three = (submitted(draft(f"claim-{i}"), f"CLM-{i}") for i in (1, 2, 3))
    cache.put(one)
    cache.put(two)
    assert cache.get("claim-1") == one  # used: two is now the oldest
    cache.put(three)
    assert (cache.get("claim-2"), cache.numbered("CLM-2")) == (None, None)
    assert (cache.get("claim-1"), cache.numbered("CLM-3")) == (one, three)
    newer = edited(draft("claim-1"), "a later version")
    cache.put(newer)
    assert cache.get("claim-1") == newer
    assert len(cache) == 2
    cache.clear()
    assert (len(cache), cache.numbered("CLM-1")) == (0, None)
    nothing = ClaimCache(0)
    nothing.put(one)
    assert nothing.get("claim-1") is None


@pytest.mark.parametrize("size", [-1, 1.5, True, "10"])
def test_a_cache_size_that_is_not_a_whole_number_is_refused(size: object) -> None:
    with pytest.raises(ValidationError, match="cache_size"):
        ClaimCache(size)  # type: ignore[arg-type]
