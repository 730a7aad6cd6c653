"""The contract of a claim store that commits with a Merkle log, run on every such store.

What the desk's receipts and an auditor's checkpoints rely on: every
committed event reaches the store's log once, nothing else does, the log
only grows, and an event edited in storage is caught. Needs the
``[testing]`` and ``[audit]`` extras.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ..adapters.signing import Ed25519Signer
from ..audit import LogStore, MerkleLog, NoteSigner, verify_extension
from ..domain import commands
from ..domain.actors import SYSTEM
from ..domain.claim import Claim
from ..domain.events import Visibility, event_id
from ..errors import ConcurrencyError
from ._builders import approved, assigned, draft, paid, submitted
from ._helpers import UnitOfWorkFactory, add, save, save_and_commit, stored

__all__ = ["EditEvent", "StoreLogContract"]

_SEAL = Ed25519Signer.generate("seal")
_KEYS = {"claims.example.org": _SEAL.public_bytes}

EditEvent = Callable[[str, int, str], None]
"""Sets the ``reason`` of a stored event (claim id, seq, text), past the store's own code;
the store's next read sees the edit (drop any cache of decoded claims, as a process
started afresh would have none)."""


class _Rollback(Exception):
    pass


def _add_then_fail(unit_of_work: UnitOfWorkFactory, claim: Claim) -> None:
    with unit_of_work() as uow:
        uow.claims.add(claim)
        raise _Rollback


def _note(claim: Claim) -> Claim:
    return commands.post_message(claim, SYSTEM, claim.events[-1].at, "a note", Visibility.INTERNAL)


class StoreLogContract:
    """What every claim store with a Merkle log must do.

    Provide the fixtures ``unit_of_work`` (as for ``ClaimRepositoryContract``:
    units of work on one fresh, empty store), ``log_store`` (that store's
    :class:`~reimbursement.audit.LogStore`, ``store.log``) and ``edit_event``
    (an :data:`EditEvent` writing to the store's storage directly). A store
    that appends to its log after the commit, not in it, overrides ``seal``:
    a zero-argument function that appends what was committed so far.
    """

    @pytest.fixture
    def seal(self) -> Callable[[], None]:
        """Appends to the log what is committed and not in it yet (default: nothing to do)."""
        return lambda: None

    @pytest.fixture
    def log(self, log_store: LogStore) -> MerkleLog:
        signer = NoteSigner("claims.example.org", _SEAL, _SEAL.public_bytes)
        return MerkleLog(log_store, "claims.example.org/log", signer)

    def test_every_committed_event_is_in_the_log_exactly_once(
        self, unit_of_work: UnitOfWorkFactory, log: MerkleLog, seal: Callable[[], None]
    ) -> None:
        first, second = submitted(draft("c-1")), approved(assigned(submitted(draft("c-2"))))
        add(unit_of_work, first, second)
        save(unit_of_work, _note(stored(unit_of_work, "c-1")))
        save(unit_of_work, paid(stored(unit_of_work, "c-2")))
        seal()
        claims = [stored(unit_of_work, "c-1"), stored(unit_of_work, "c-2")]
        leaves = []
        with log.store.transaction() as writes:
            for claim in claims:
                leaves += [writes.index_of(event_id(claim.id, e.seq)) for e in claim.events]
        held = sorted(leaf for leaf in leaves if leaf is not None)
        assert held == list(range(log.size)) == list(range(len(leaves)))  # each once, no other
        assert all(log.verify(claim).intact for claim in claims)

    def test_a_unit_of_work_rolled_back_or_refused_leaves_nothing_in_the_log(
        self, unit_of_work: UnitOfWorkFactory, log: MerkleLog, seal: Callable[[], None]
    ) -> None:
        add(unit_of_work, submitted(draft("c-1")))
        seal()
        size, before = log.size, log.checkpoint()
        with unit_of_work() as uow:
            uow.claims.add(submitted(draft("c-2")))  # never committed
        with pytest.raises(_Rollback):
            _add_then_fail(unit_of_work, submitted(draft("c-3")))
        stale = stored(unit_of_work, "c-1")
        save(unit_of_work, _note(stale))
        with pytest.raises(ConcurrencyError), unit_of_work() as uow:  # over a version gone by
            save_and_commit(uow, approved(assigned(stale)), stale.version)
        seal()
        assert log.size == size + 1  # the note alone
        assert log.verify(submitted(draft("c-2"))).unlogged == (1, 2)
        verify_extension(before, log.checkpoint(), log.consistency(size, size + 1), _KEYS)

    def test_a_later_checkpoint_is_consistent_with_an_earlier_one(
        self, unit_of_work: UnitOfWorkFactory, log: MerkleLog, seal: Callable[[], None]
    ) -> None:
        add(unit_of_work, submitted(draft("c-1")))
        seal()
        old, old_size = log.checkpoint(), log.size
        add(unit_of_work, approved(assigned(submitted(draft("c-2")))))
        save(unit_of_work, _note(stored(unit_of_work, "c-1")))
        seal()
        new = log.checkpoint()
        first, second = verify_extension(old, new, log.consistency(old_size, log.size), _KEYS)
        assert (first.size, second.size) == (old_size, old_size + 5)

    @pytest.mark.parametrize("seq", [2, 4])
    def test_an_event_edited_in_storage_is_caught_the_last_one_too(
        self,
        unit_of_work: UnitOfWorkFactory,
        log: MerkleLog,
        seal: Callable[[], None],
        edit_event: EditEvent,
        seq: int,
    ) -> None:
        add(unit_of_work, approved(assigned(submitted(draft("c-1")))))
        seal()
        assert log.verify(stored(unit_of_work, "c-1")).intact
        edit_event("c-1", seq, "chosen by hand")
        read = stored(unit_of_work, "c-1")
        assert read.events[seq - 1].reason == "chosen by hand"  # the store reads it happily
        report = log.verify(read)
        assert not report.intact
        assert report.changed == (seq,)  # its leaf holds the event as it was
        if seq < read.version:  # and the next event's link breaks
            assert report.chain.broken is not None
            assert report.chain.broken.seq == seq + 1
