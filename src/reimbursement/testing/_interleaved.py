"""Units of work that overlap, part of ``ClaimRepositoryContract``.

Two units of work open at once, in one thread or in two: the second stale
save is refused, never lost; a request key committed twice is refused at
commit and nothing of the second unit of work is written. In one thread,
two units of work never both hold uncommitted writes, so a single-writer
database (SQLite) does not wait for itself; the threaded test lets the
store make one writer wait for the other's lock.
"""

from __future__ import annotations

import contextlib
import threading

import pytest

from ..domain.claim import Claim
from ..errors import ConcurrencyError, DuplicateRequestError
from ..ports import RequestRecord, UnitOfWork
from ._builders import draft, edited
from ._helpers import UnitOfWorkFactory, absent, add, record, save_and_commit, stored

__all__ = ["InterleavedContract"]


def _remember_and_commit(uow: UnitOfWork, request: RequestRecord) -> None:
    # the port refuses the key on commit; a store may refuse it as soon as it is given
    uow.claims.remember_request(request)
    uow.commit()


def _lose_a_race(unit_of_work: UnitOfWorkFactory) -> Claim:
    """Two units of work read ``claim-1``; the first commits its save, the second's is refused.

    The second also added a claim and a request key, which must go with it.
    Returns the claim the first one saved.
    """
    claim = draft("claim-1")
    add(unit_of_work, claim)
    with unit_of_work() as first, unit_of_work() as second:
        mine, theirs = first.claims.get("claim-1"), second.claims.get("claim-1")
        assert mine.version == theirs.version == claim.version
        winner = edited(mine, "first writer")
        save_and_commit(first, winner, mine.version)
        second.claims.add(draft("claim-2"))
        second.claims.remember_request(record("request-2", "claim-2"))
        with pytest.raises(ConcurrencyError):
            save_and_commit(second, edited(theirs, "second writer"), theirs.version)
    return winner


class InterleavedContract:
    """Overlapping units of work (run as part of the claims suite)."""

    def test_of_two_units_of_work_committing_one_request_key_the_second_writes_nothing(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        with unit_of_work() as one, unit_of_work() as two:
            # two workers run the same request: neither sees the key before the other commits
            assert one.claims.request("request-1") is None
            assert two.claims.request("request-1") is None
            one.claims.add(draft("claim-1"))
            one.claims.remember_request(record("request-1", "claim-1"))
            one.commit()
            two.claims.add(draft("claim-2"))
            with pytest.raises(DuplicateRequestError):
                _remember_and_commit(two, record("request-1", "claim-2", "fp-2"))
        assert absent(unit_of_work, "claim-2"), "a refused unit of work wrote its claim"
        with unit_of_work() as uow:
            assert uow.claims.request("request-1") == record("request-1", "claim-1")

    def test_a_stale_save_raises_concurrency_error_and_the_first_save_stays(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        winner = _lose_a_race(unit_of_work)
        assert stored(unit_of_work, "claim-1") == winner
        assert absent(unit_of_work, "claim-2"), "a refused unit of work wrote a claim"
        with unit_of_work() as uow:
            assert uow.claims.request("request-2") is None

    def test_of_two_interleaved_read_modify_saves_the_second_is_refused_not_lost(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        _lose_a_race(unit_of_work)
        with unit_of_work() as uow:  # the refused one retries on what it reads now
            fresh = uow.claims.get("claim-1")
            retried = edited(fresh, "second writer, retried")
            save_and_commit(uow, retried, fresh.version)
        assert stored(unit_of_work, "claim-1") == retried

    def test_of_two_threads_saving_one_claim_at_once_exactly_one_commits(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        both_read, both_saved = threading.Barrier(2), threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def writer(name: str) -> None:
            try:
                with unit_of_work() as uow:
                    read = uow.claims.get("claim-1")
                    both_read.wait(timeout=60)
                    uow.claims.save(edited(read, name), read.version)
                    # both save before either commits, unless the store makes the second
                    # wait for the first one's lock: then the first goes on alone
                    with contextlib.suppress(threading.BrokenBarrierError):
                        both_saved.wait(timeout=2)
                    uow.commit()
                outcomes[name] = "committed"
            except ConcurrencyError:
                outcomes[name] = "refused"
            except Exception as error:  # reported below, with the thread's name
                outcomes[name] = repr(error)

        threads = [threading.Thread(target=writer, args=(n,)) for n in ("one", "two")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(outcomes.values()) == ["committed", "refused"], outcomes
        (winner,) = [name for name, outcome in outcomes.items() if outcome == "committed"]
        assert stored(unit_of_work, "claim-1") == edited(claim, winner)

    def test_interleaved_saves_of_different_claims_both_commit(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        add(unit_of_work, draft("claim-1"), draft("claim-2"))
        with unit_of_work() as first, unit_of_work() as second:
            one, two = first.claims.get("claim-1"), second.claims.get("claim-2")
            save_and_commit(first, edited(one, "one"), one.version)
            save_and_commit(second, edited(two, "two"), two.version)
        assert stored(unit_of_work, "claim-1") == edited(one, "one")
        assert stored(unit_of_work, "claim-2") == edited(two, "two")
