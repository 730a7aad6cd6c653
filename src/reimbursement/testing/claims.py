"""The contract of :class:`~reimbursement.ports.ClaimRepository` and its unit of work.

Needs the ``[testing]`` extra (pytest).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
import pytest

from ..audit import verify
from ..domain import commands
from ..domain.actors import SYSTEM
from ..domain.claim import Claim
from ..domain.events import Visibility
from ..domain.routing.delegation import Reassignment
from ..domain.routing.holdings import holders
from ..domain.routing.recording import record_reassignment
from ..errors import ClaimNotFoundError, ConcurrencyError, DuplicateError
from ..ports import NO_SCHEDULE, ClaimSchedule, UnitOfWork
from ._audit_queue import AuditQueueContract
from ._builders import AT, after, approved, draft, edited, in_review, rich_claim, submitted
from ._duplicates import DuplicateLookupsContract
from ._helpers import (
    UnitOfWorkFactory,
    absent,
    add,
    add_and_commit,
    record,
    save,
    save_and_commit,
    stored,
)
from ._interleaved import InterleavedContract
from ._queries import ClaimQueriesContract, _at

__all__ = ["ClaimRepositoryContract", "UnitOfWorkFactory"]


class _Boom(Exception):
    pass


def _note(claim: Claim, at: datetime) -> Claim:
    return commands.post_message(claim, SYSTEM, at, "a note", Visibility.INTERNAL)


def _moved(claim: Claim, at: datetime, source: str, target: str) -> Claim:
    move = Reassignment(claim.id, source, target, "hand_over", "holiday")
    return record_reassignment(claim, SYSTEM, at, move)


class ClaimRepositoryContract(
    ClaimQueriesContract, InterleavedContract, DuplicateLookupsContract, AuditQueueContract
):
    """What every :class:`~reimbursement.ports.UnitOfWork` and its ``claims`` must do.

    Subclass it as ``class TestMyStore(ClaimRepositoryContract)`` and provide a
    fixture ``unit_of_work`` returning a zero-argument factory of new units of
    work, all on one store that is fresh and empty for each test.

    A durable store also overrides the fixture ``reopen``: a zero-argument
    callable that closes the store and opens it again on the same database,
    returning the new store's factory of units of work; the suite then checks
    that everything committed survives. By default ``reopen`` gives back the
    same factory (a store that lives in the process).

    A step that a store may refuse either at once or on commit is checked
    around both, so both designs pass. Two units of work of the same test
    never both hold uncommitted writes, so a database with one writer
    (SQLite) or row locks does not wait for itself in a single-threaded test.
    """

    @pytest.fixture
    def reopen(self, unit_of_work: UnitOfWorkFactory) -> Callable[[], UnitOfWorkFactory]:
        """Close the store and open it again; by default the same store goes on."""
        return lambda: unit_of_work

    # -- add and get ---------------------------------------------------------------------

    @pytest.mark.parametrize("build", [draft, rich_claim], ids=["draft", "rich"])
    def test_an_added_claim_reads_back_equal_after_commit(
        self, unit_of_work: UnitOfWorkFactory, build: Callable[[str], Claim]
    ) -> None:
        claim = build("claim-1")
        with unit_of_work() as uow:
            uow.claims.add(claim)
            assert uow.claims.get("claim-1") == claim  # its own writes, before commit
            uow.commit()
        assert stored(unit_of_work, "claim-1") == claim

    def test_a_claim_read_back_keeps_its_hash_chain(
        self, unit_of_work: UnitOfWorkFactory, reopen: Callable[[], UnitOfWorkFactory]
    ) -> None:
        claim = rich_claim("claim-1")
        add(unit_of_work, claim)
        report = verify(stored(reopen(), "claim-1"))
        assert report.intact, str(report)
        assert report.head == verify(claim).head  # the bytes hashed survive the store

    def test_get_of_an_unknown_claim_raises_claim_not_found(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        add(unit_of_work, draft("claim-1"))
        with unit_of_work() as uow, pytest.raises(ClaimNotFoundError):
            uow.claims.get("claim-404")

    def test_an_added_claim_is_invisible_to_others_until_commit(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            assert absent(unit_of_work, "claim-1")
            uow.commit()
        assert not absent(unit_of_work, "claim-1")

    def test_adding_an_existing_id_raises_duplicate_and_keeps_the_first(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        first = draft("claim-1", "cust-1")
        add(unit_of_work, first)
        with unit_of_work() as uow, pytest.raises(DuplicateError):
            add_and_commit(uow, draft("claim-1", "cust-2"))
        assert stored(unit_of_work, "claim-1") == first

    def test_adding_the_same_id_twice_in_one_unit_of_work_raises_duplicate(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as uow:
            uow.claims.add(draft("claim-1", "cust-1"))
            with pytest.raises(DuplicateError):
                add_and_commit(uow, draft("claim-1", "cust-2"))
        assert absent(unit_of_work, "claim-1")

    def test_of_two_units_of_work_adding_one_id_the_first_committed_wins(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        first = draft("claim-1", "cust-1")
        with unit_of_work() as one, unit_of_work() as two:
            add_and_commit(one, first)
            with pytest.raises(DuplicateError):
                add_and_commit(two, draft("claim-1", "cust-2"))
        assert stored(unit_of_work, "claim-1") == first

    # -- save ----------------------------------------------------------------------------

    def test_a_save_is_visible_to_others_only_after_commit(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        new = edited(claim, "after commit")
        with unit_of_work() as uow:
            read = uow.claims.get("claim-1")
            assert read == claim
            uow.claims.save(new, read.version)
            assert uow.claims.get("claim-1") == new  # its own writes, before commit
            assert stored(unit_of_work, "claim-1") == claim
            uow.commit()
        assert stored(unit_of_work, "claim-1") == new

    def test_saves_chain_and_a_version_may_grow_by_several_events(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        v2 = edited(claim, "one")
        save(unit_of_work, v2)
        with unit_of_work() as uow:  # two saves in one unit of work
            read = uow.claims.get("claim-1")
            v3 = edited(read, "two")
            uow.claims.save(v3, read.version)
            v5 = submitted(edited(v3, "three"), "CLM-2026-000001")  # two commands, one save
            uow.claims.save(v5, v3.version)
            uow.commit()
        assert stored(unit_of_work, "claim-1") == v5
        assert v5.version == claim.version + 4

    def test_a_claim_added_and_saved_in_one_unit_of_work_commits_its_last_version(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        new = edited(claim, "second thoughts")
        with unit_of_work() as uow:
            uow.claims.add(claim)
            uow.claims.save(new, claim.version)
            uow.commit()
        assert stored(unit_of_work, "claim-1") == new

    @pytest.mark.parametrize("offset", [-1, 1, 4])
    def test_a_save_over_a_version_not_stored_raises_concurrency_error(
        self, unit_of_work: UnitOfWorkFactory, offset: int
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        with unit_of_work() as uow, pytest.raises(ConcurrencyError):
            save_and_commit(uow, edited(claim, "wrong base"), claim.version + offset)
        assert stored(unit_of_work, "claim-1") == claim

    def test_a_save_that_adds_no_event_raises_concurrency_error(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        changed = edited(claim, "no event")
        unchanged_version = attrs.evolve(changed, events=claim.events)
        with unit_of_work() as uow, pytest.raises(ConcurrencyError):
            save_and_commit(uow, unchanged_version, claim.version)
        assert stored(unit_of_work, "claim-1") == claim

    def test_saving_a_claim_never_added_raises_claim_not_found(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-404")
        with unit_of_work() as uow, pytest.raises(ClaimNotFoundError):
            save_and_commit(uow, edited(claim, "never added"), claim.version)

    # -- rollback ------------------------------------------------------------------------

    def test_leaving_without_commit_writes_nothing(self, unit_of_work: UnitOfWorkFactory) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        with unit_of_work() as uow:
            self._write_some(uow, claim)
        self._assert_untouched(unit_of_work, claim)

    def test_rollback_writes_nothing(self, unit_of_work: UnitOfWorkFactory) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        with unit_of_work() as uow:
            self._write_some(uow, claim)
            uow.rollback()
        self._assert_untouched(unit_of_work, claim)

    def test_an_error_inside_the_block_propagates_and_writes_nothing(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)

        def fail_midway() -> None:
            with unit_of_work() as uow:
                self._write_some(uow, claim)
                raise _Boom

        with pytest.raises(_Boom):
            fail_midway()
        self._assert_untouched(unit_of_work, claim)

    @staticmethod
    def _write_some(uow: UnitOfWork, claim: Claim) -> None:
        uow.claims.save(edited(uow.claims.get(claim.id), "forgotten"), claim.version)
        uow.claims.add(draft("claim-2"))
        uow.claims.remember_request(record("request-2", "claim-2"))

    @staticmethod
    def _assert_untouched(unit_of_work: UnitOfWorkFactory, claim: Claim) -> None:
        assert stored(unit_of_work, claim.id) == claim
        assert absent(unit_of_work, "claim-2")
        with unit_of_work() as uow:
            assert uow.claims.request("request-2") is None

    # -- sequences and request keys ------------------------------------------------------

    def test_next_number_counts_from_one_per_scope(self, unit_of_work: UnitOfWorkFactory) -> None:
        with unit_of_work() as uow:
            numbers = [uow.claims.next_number("CLM-2026") for _ in range(3)]
            uow.commit()
        assert numbers[0] == 1
        assert numbers == sorted(set(numbers)), "numbers must increase and never repeat"
        with unit_of_work() as uow:
            assert uow.claims.next_number("CLM-2027") == 1
            assert uow.claims.next_number("CLM-2026") > numbers[-1]
            uow.commit()

    def test_a_number_a_unit_of_work_committed_is_never_handed_out_again(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        # a unit of work that rolls back may give its number back (it was never used)
        # or leave a gap; one that commits keeps its number for good
        committed = []
        with unit_of_work() as uow:
            uow.claims.next_number("CLM-2026")  # left without commit
        with unit_of_work() as one:
            committed.append(one.claims.next_number("CLM-2026"))
            one.commit()
        with unit_of_work() as one, unit_of_work() as two:
            one.claims.next_number("CLM-2026")
            one.rollback()
            committed.append(two.claims.next_number("CLM-2026"))
            two.commit()
        with unit_of_work() as uow:
            committed += [uow.claims.next_number("CLM-2026") for _ in range(2)]
            uow.commit()
        assert committed == sorted(set(committed)), f"a number was handed out twice: {committed}"

    def test_a_request_key_is_remembered_from_commit_on(
        self, unit_of_work: UnitOfWorkFactory, reopen: Callable[[], UnitOfWorkFactory]
    ) -> None:
        # with the claim version its call produced (a replay answers as the first call
        # did); a record kept before stores held versions has none, and reads back so
        with unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            uow.claims.remember_request(record("request-1", "claim-1", version=3))
            uow.claims.remember_request(record("request-2", "claim-1", "fp-2"))
            with unit_of_work() as other:
                assert other.claims.request("request-1") is None
            uow.commit()
        with reopen()() as uow:
            assert uow.claims.request("request-1") == record("request-1", "claim-1", version=3)
            assert uow.claims.request("request-2") == record("request-2", "claim-1", "fp-2")
            assert uow.claims.request("request-404") is None

    def test_a_request_key_is_seen_by_its_own_unit_of_work_before_commit(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            uow.claims.remember_request(record("request-1", "claim-1", "fp-9"))
            assert uow.claims.request("request-1") == record("request-1", "claim-1", "fp-9")
            uow.rollback()
        with unit_of_work() as uow:
            assert uow.claims.request("request-1") is None

    # -- holdings ------------------------------------------------------------------------

    def test_loads_and_queues_follow_saves_that_keep_change_or_end_the_holders(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        add(unit_of_work, in_review("claim-1", "rev-a"), schedule=_at(2))
        add(unit_of_work, in_review("claim-2", "rev-a", at=after(minutes=1)), schedule=_at(1))
        at = AT + timedelta(minutes=5)
        steps: list[tuple[Callable[[Claim], Claim], ClaimSchedule, list[str], list[str]]] = [
            (lambda c: _note(c, at), _at(0), ["claim-1", "claim-2"], []),  # due first now
            (lambda c: _moved(c, at, "rev-a", "rev-b"), _at(0), ["claim-2"], ["claim-1"]),
            (approved, _at(4), ["claim-2"], []),  # held by nobody
            # still by nobody (an hour on: after the approval, events never go back)
            (lambda c: _note(c, at + timedelta(hours=1)), NO_SCHEDULE, ["claim-2"], []),
        ]
        for change, schedule, queue_a, queue_b in steps:
            save(unit_of_work, change(stored(unit_of_work, "claim-1")), schedule)
            with unit_of_work() as uow:
                claims = [uow.claims.get("claim-1"), uow.claims.get("claim-2")]
                loads = Counter(name for claim in claims for name in holders(claim))
                assert dict(uow.claims.open_work()) == loads
                assert [c.id for c in uow.claims.work_queue(["rev-a"])] == queue_a
                assert [c.id for c in uow.claims.work_queue(["rev-b"])] == queue_b

    def test_a_save_over_a_version_this_unit_of_work_did_not_read_keeps_loads_right(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = in_review("claim-1", "rev-a")
        add(unit_of_work, claim)
        at = AT + timedelta(minutes=5)
        with unit_of_work() as uow:
            assert uow.claims.get("claim-1") == claim  # seen here while rev-a holds it
            away = _moved(claim, at, "rev-a", "rev-b")
            save(unit_of_work, away)  # another unit of work: rev-b holds it now
            back = _moved(away, at + timedelta(minutes=1), "rev-b", "rev-a")
            uow.claims.save(back, away.version)  # over the version the other one wrote
            uow.commit()
        with unit_of_work() as uow:
            assert dict(uow.claims.open_work()) == {"rev-a": 1}
            assert [c.id for c in uow.claims.work_queue(["rev-b"])] == []

    # -- surviving a restart -------------------------------------------------------------

    def test_everything_committed_survives_reopening_the_store(
        self, unit_of_work: UnitOfWorkFactory, reopen: Callable[[], UnitOfWorkFactory]
    ) -> None:
        rich, held = rich_claim("claim-1"), in_review("claim-2", "rev-a", "rev-b", "rev-b")
        due = ClaimSchedule(AT + timedelta(hours=4), AT + timedelta(hours=1))
        with unit_of_work() as uow:
            uow.claims.add(rich)
            uow.claims.add(held, due)
            taken = [uow.claims.next_number("CLM-2026") for _ in range(2)]
            uow.claims.remember_request(record("request-1", "claim-2"))
            uow.commit()
        with unit_of_work() as uow:
            uow.claims.next_number("CLM-2026")
            uow.rollback()
        reopened = reopen()
        with reopened() as uow:
            assert uow.claims.get("claim-1") == rich
            assert uow.claims.by_number("CLM-claim-2") == held
            assert uow.claims.request("request-1") == record("request-1", "claim-2")
            assert uow.claims.next_number("CLM-2026") > max(taken)
            assert dict(uow.claims.open_work()) == {"rev-a": 1, "rev-b": 2}
            assert [c.id for c in uow.claims.work_queue(["rev-a"])] == [held.id]
            assert list(uow.claims.due_for_check(AT + timedelta(hours=1))) == [held]
            assert list(uow.claims.for_customer("cust-1")) == [rich, held]
            uow.commit()
