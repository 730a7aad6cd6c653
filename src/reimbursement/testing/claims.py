"""The contract of :class:`~reimbursement.ports.ClaimRepository` and its unit of work."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from ..domain.claim import Claim
from ..domain.lifecycle import ClaimState
from ..errors import ClaimNotFoundError, ConcurrencyError, DuplicateError
from ..ports import UnitOfWork
from ._builders import draft, edited, rich_claim, submitted

__all__ = ["ClaimRepositoryContract", "UnitOfWorkFactory"]

UnitOfWorkFactory = Callable[[], UnitOfWork]
"""Makes a new unit of work; every one it makes works on the same store."""


class _Boom(Exception):
    pass


def _add(unit_of_work: UnitOfWorkFactory, *claims: Claim) -> None:
    """Add each claim in its own committed unit of work, in order."""
    for claim in claims:
        with unit_of_work() as uow:
            uow.claims.add(claim)
            uow.commit()


def _save(unit_of_work: UnitOfWorkFactory, claim: Claim) -> None:
    """Save ``claim`` over the version stored now, and commit."""
    with unit_of_work() as uow:
        uow.claims.save(claim, uow.claims.get(claim.id).version)
        uow.commit()


# A store may refuse a write at once or only on commit: these run both, so
# that ``pytest.raises`` around one call accepts either design.


def _add_and_commit(uow: UnitOfWork, claim: Claim) -> None:
    uow.claims.add(claim)
    uow.commit()


def _save_and_commit(uow: UnitOfWork, claim: Claim, expected_version: int) -> None:
    uow.claims.save(claim, expected_version)
    uow.commit()


def _stored(unit_of_work: UnitOfWorkFactory, claim_id: str) -> Claim:
    with unit_of_work() as uow:
        return uow.claims.get(claim_id)


def _absent(unit_of_work: UnitOfWorkFactory, claim_id: str) -> bool:
    with unit_of_work() as uow:
        try:
            uow.claims.get(claim_id)
        except ClaimNotFoundError:
            return True
        return False


class ClaimRepositoryContract:
    """What every :class:`~reimbursement.ports.UnitOfWork` and its ``claims`` must do.

    Subclass it as ``class TestMyStore(ClaimRepositoryContract)`` and provide a
    fixture ``unit_of_work`` returning a zero-argument factory of new units of
    work, all on one store that is fresh and empty for each test.

    A step that a store may refuse either at once or on commit is checked
    around both, so both designs pass. Two units of work of the same test
    never write the same row while both are open, so a database that locks
    rows on write does not wait for itself in a single-threaded test.
    """

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
        assert _stored(unit_of_work, "claim-1") == claim

    def test_get_of_an_unknown_claim_raises_claim_not_found(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        _add(unit_of_work, draft("claim-1"))
        with unit_of_work() as uow, pytest.raises(ClaimNotFoundError):
            uow.claims.get("claim-404")

    def test_an_added_claim_is_invisible_to_others_until_commit(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            assert _absent(unit_of_work, "claim-1")
            uow.commit()
        assert not _absent(unit_of_work, "claim-1")

    def test_adding_an_existing_id_raises_duplicate_and_keeps_the_first(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        first = draft("claim-1", "cust-1")
        _add(unit_of_work, first)
        with unit_of_work() as uow, pytest.raises(DuplicateError):
            _add_and_commit(uow, draft("claim-1", "cust-2"))
        assert _stored(unit_of_work, "claim-1") == first

    def test_adding_the_same_id_twice_in_one_unit_of_work_raises_duplicate(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as uow:
            uow.claims.add(draft("claim-1", "cust-1"))
            with pytest.raises(DuplicateError):
                _add_and_commit(uow, draft("claim-1", "cust-2"))
        assert _absent(unit_of_work, "claim-1")

    def test_of_two_units_of_work_adding_one_id_the_first_committed_wins(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        first = draft("claim-1", "cust-1")
        with unit_of_work() as one, unit_of_work() as two:
            _add_and_commit(one, first)
            with pytest.raises(DuplicateError):
                _add_and_commit(two, draft("claim-1", "cust-2"))
        assert _stored(unit_of_work, "claim-1") == first

    # -- save ----------------------------------------------------------------------------

    def test_a_save_is_visible_to_others_only_after_commit(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        _add(unit_of_work, claim)
        new = edited(claim, "after commit")
        with unit_of_work() as uow:
            read = uow.claims.get("claim-1")
            assert read == claim
            uow.claims.save(new, read.version)
            assert uow.claims.get("claim-1") == new  # its own writes, before commit
            assert _stored(unit_of_work, "claim-1") == claim
            uow.commit()
        assert _stored(unit_of_work, "claim-1") == new

    def test_saves_chain_and_a_version_may_grow_by_several_events(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        _add(unit_of_work, claim)
        v2 = edited(claim, "one")
        _save(unit_of_work, v2)
        with unit_of_work() as uow:  # two saves in one unit of work
            read = uow.claims.get("claim-1")
            v3 = edited(read, "two")
            uow.claims.save(v3, read.version)
            v5 = submitted(edited(v3, "three"), "CLM-2026-000001")  # two commands, one save
            uow.claims.save(v5, v3.version)
            uow.commit()
        assert _stored(unit_of_work, "claim-1") == v5
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
        assert _stored(unit_of_work, "claim-1") == new

    def test_a_stale_save_raises_concurrency_error_and_the_first_save_stays(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        _add(unit_of_work, claim)
        with unit_of_work() as first, unit_of_work() as second:
            mine, theirs = first.claims.get("claim-1"), second.claims.get("claim-1")
            assert mine.version == theirs.version == claim.version
            winner = edited(mine, "first")
            _save_and_commit(first, winner, mine.version)
            # the loser's other writes must not survive its refused commit
            second.claims.add(draft("claim-2"))
            second.claims.remember_request("request-2", "claim-2")
            with pytest.raises(ConcurrencyError):
                _save_and_commit(second, edited(theirs, "second"), theirs.version)
        assert _stored(unit_of_work, "claim-1") == winner
        assert _absent(unit_of_work, "claim-2"), "a refused unit of work wrote a claim"
        with unit_of_work() as uow:
            assert uow.claims.claim_for_request("request-2") is None

    @pytest.mark.parametrize("offset", [-1, 1, 4])
    def test_a_save_over_a_version_not_stored_raises_concurrency_error(
        self, unit_of_work: UnitOfWorkFactory, offset: int
    ) -> None:
        claim = draft("claim-1")
        _add(unit_of_work, claim)
        with unit_of_work() as uow, pytest.raises(ConcurrencyError):
            _save_and_commit(uow, edited(claim, "wrong base"), claim.version + offset)
        assert _stored(unit_of_work, "claim-1") == claim

    def test_a_save_that_adds_no_event_raises_concurrency_error(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        _add(unit_of_work, claim)
        changed = edited(claim, "no event")
        unchanged_version = attrs.evolve(changed, events=claim.events)
        with unit_of_work() as uow, pytest.raises(ConcurrencyError):
            _save_and_commit(uow, unchanged_version, claim.version)
        assert _stored(unit_of_work, "claim-1") == claim

    def test_saving_a_claim_never_added_raises_claim_not_found(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-404")
        with unit_of_work() as uow, pytest.raises(ClaimNotFoundError):
            _save_and_commit(uow, edited(claim, "never added"), claim.version)

    # -- rollback ------------------------------------------------------------------------

    def test_leaving_without_commit_writes_nothing(self, unit_of_work: UnitOfWorkFactory) -> None:
        claim = draft("claim-1")
        _add(unit_of_work, claim)
        with unit_of_work() as uow:
            self._write_some(uow, claim)
        self._assert_untouched(unit_of_work, claim)

    def test_rollback_writes_nothing(self, unit_of_work: UnitOfWorkFactory) -> None:
        claim = draft("claim-1")
        _add(unit_of_work, claim)
        with unit_of_work() as uow:
            self._write_some(uow, claim)
            uow.rollback()
        self._assert_untouched(unit_of_work, claim)

    def test_an_error_inside_the_block_propagates_and_writes_nothing(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        _add(unit_of_work, claim)

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
        uow.claims.remember_request("request-2", "claim-2")

    @staticmethod
    def _assert_untouched(unit_of_work: UnitOfWorkFactory, claim: Claim) -> None:
        assert _stored(unit_of_work, claim.id) == claim
        assert _absent(unit_of_work, "claim-2")
        with unit_of_work() as uow:
            assert uow.claims.claim_for_request("request-2") is None

    # -- queries -------------------------------------------------------------------------

    def test_for_customer_lists_their_claims_oldest_first_and_nobody_elses(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        a1, b1 = draft("a-1", "cust-a", minutes=0), draft("b-1", "cust-b", minutes=1)
        a2, a3 = draft("a-2", "cust-a", minutes=2), draft("a-3", "cust-a", minutes=3)
        _add(unit_of_work, a1, b1, a2, a3)
        a2 = edited(a2, "latest version")
        _save(unit_of_work, a2)
        with unit_of_work() as uow:
            assert list(uow.claims.for_customer("cust-a")) == [a1, a2, a3]
            assert list(uow.claims.for_customer("cust-b")) == [b1]
            assert list(uow.claims.for_customer("cust-nobody")) == []

    def test_latest_for_customer_is_their_most_recently_started_claim(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        a1, b1 = draft("a-1", "cust-a", minutes=0), draft("b-1", "cust-b", minutes=1)
        a2 = draft("a-2", "cust-a", minutes=2)
        _add(unit_of_work, a1, b1, a2)
        a1 = edited(a1, "a newer version of an older claim")
        _save(unit_of_work, a1)
        with unit_of_work() as uow:
            assert uow.claims.latest_for_customer("cust-a") == a2
            assert uow.claims.latest_for_customer("cust-b") == b1
            assert uow.claims.latest_for_customer("cust-nobody") is None
        a2 = edited(a2, "latest version")
        _save(unit_of_work, a2)
        with unit_of_work() as uow:
            assert uow.claims.latest_for_customer("cust-a") == a2

    def test_find_returns_every_claim_or_those_in_the_states_asked(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        kept, one, two = draft("claim-d"), draft("claim-s1"), draft("claim-s2", "cust-2")
        _add(unit_of_work, kept, one, two)
        one, two = submitted(one, "CLM-1"), submitted(two, "CLM-2")
        _save(unit_of_work, one)
        _save(unit_of_work, two)
        with unit_of_work() as uow:
            everything = list(uow.claims.find())
            assert len(everything) == 3
            assert {c.id: c for c in everything} == {c.id: c for c in (kept, one, two)}
            in_submitted = list(uow.claims.find([ClaimState.SUBMITTED]))
            assert sorted(c.id for c in in_submitted) == ["claim-s1", "claim-s2"]
            assert [c.id for c in uow.claims.find({ClaimState.DRAFT})] == ["claim-d"]
            states = iter([ClaimState.DRAFT, ClaimState.SUBMITTED])  # any iterable, once
            assert len(list(uow.claims.find(states))) == 3
            assert list(uow.claims.find([ClaimState.PAID])) == []
            assert list(uow.claims.find([])) == []

    def test_every_read_sees_the_unit_of_works_own_writes(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        older = draft("a-1", "cust-a", minutes=0)
        _add(unit_of_work, older)
        newer = draft("a-2", "cust-a", minutes=1)
        with unit_of_work() as uow:
            uow.claims.add(newer)
            changed = submitted(uow.claims.get("a-1"), "CLM-1")
            uow.claims.save(changed, older.version)
            uow.claims.remember_request("request-1", "a-2")
            assert uow.claims.get("a-1") == changed
            assert uow.claims.get("a-2") == newer
            assert list(uow.claims.for_customer("cust-a")) == [changed, newer]
            assert uow.claims.latest_for_customer("cust-a") == newer
            assert [c.id for c in uow.claims.find([ClaimState.SUBMITTED])] == ["a-1"]
            assert [c.id for c in uow.claims.find([ClaimState.DRAFT])] == ["a-2"]
            assert uow.claims.claim_for_request("request-1") == "a-2"
            uow.rollback()
        assert _stored(unit_of_work, "a-1") == older
        assert _absent(unit_of_work, "a-2")

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

    def test_next_number_never_repeats_even_after_rollback(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        seen = []
        with unit_of_work() as uow:
            seen.append(uow.claims.next_number("CLM-2026"))
        with unit_of_work() as one, unit_of_work() as two:
            seen.append(one.claims.next_number("CLM-2026"))
            one.rollback()
            seen.append(two.claims.next_number("CLM-2026"))
        with unit_of_work() as uow:
            seen.append(uow.claims.next_number("CLM-2026"))
            uow.commit()
        assert len(set(seen)) == len(seen), f"a number was handed out twice: {seen}"
        assert seen[-1] > max(seen[:-1])

    def test_a_request_key_is_remembered_from_commit_on(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as uow:
            uow.claims.add(draft("claim-1"))
            uow.claims.remember_request("request-1", "claim-1")
            with unit_of_work() as other:
                assert other.claims.claim_for_request("request-1") is None
            uow.commit()
        with unit_of_work() as uow:
            assert uow.claims.claim_for_request("request-1") == "claim-1"
            assert uow.claims.claim_for_request("request-404") is None
