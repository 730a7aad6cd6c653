"""The contract of :class:`~reimbursement.audit.LogStore`, run on every log store.

Needs the ``[testing]`` and ``[audit]`` extras.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from ..adapters.signing import Ed25519Signer
from ..audit import LogStore, MerkleLog, NoteSigner, verify_extension, verify_receipt
from ..domain import commands
from ..domain.actors import SYSTEM
from ..domain.events import Visibility
from ..errors import ProofError
from ._builders import _next, approved, assigned, draft, submitted

__all__ = ["LogStoreContract"]

_SEAL = Ed25519Signer.generate("seal")
KEYS = {"claims.example.org": _SEAL.public_bytes}
"""The checkpoint key the contract's logs sign with, by name."""


class LogStoreContract:
    """What every :class:`~reimbursement.audit.LogStore` must do.

    Provide a fixture ``log_store``: a zero-argument factory returning a
    store on one fresh, empty log for each test (called again, it gives the
    same log, reopened where the store is durable).
    """

    @pytest.fixture
    def log(self, log_store: Callable[[], LogStore]) -> Callable[[], MerkleLog]:
        signer = NoteSigner("claims.example.org", _SEAL, _SEAL.public_bytes)
        return lambda: MerkleLog(log_store(), "claims.example.org/log", signer)

    def test_a_receipt_proves_an_event_under_a_signed_checkpoint(
        self, log: Callable[[], MerkleLog]
    ) -> None:
        first, second = approved(assigned(submitted(draft("c-1")))), submitted(draft("c-2"))
        assert log().record(first) == [0, 1, 2, 3]
        assert log().record(second) == [4, 5]
        receipt = log().receipt(first.events[1])
        checkpoint = verify_receipt(receipt, KEYS, "claims.example.org/log")
        assert (checkpoint.size, receipt.index) == (6, 1)

    def test_recording_a_claim_again_appends_only_its_new_events(
        self, log: Callable[[], MerkleLog]
    ) -> None:
        claim = submitted(draft("c-1"))
        log().record(claim)
        assert log().record(claim) == []
        later = commands.post_message(claim, SYSTEM, _next(claim), "a note", Visibility.INTERNAL)
        assert log().record(later) == [2]
        assert log().size == 3

    def test_a_later_checkpoint_extends_an_earlier_one(self, log: Callable[[], MerkleLog]) -> None:
        log().record(submitted(draft("c-1")))
        old = log().checkpoint()
        log().record(approved(assigned(submitted(draft("c-2")))))
        new = log().checkpoint()
        first, second = verify_extension(old, new, log().consistency(2, 6), KEYS)
        assert (first.size, second.size) == (2, 6)
        with pytest.raises(ProofError):
            verify_extension(old, new, log().consistency(2, 6)[:-1], KEYS)

    def test_an_event_changed_after_it_was_logged_is_caught_even_the_last(
        self, log: Callable[[], MerkleLog]
    ) -> None:
        claim = approved(assigned(submitted(draft("c-1"))))
        log().record(claim)
        assert log().verify(claim).intact
        events = list(claim.events)
        events[-1] = attrs.evolve(events[-1], data=events[-1].data, actor="rev-mallory")
        report = log().verify(attrs.evolve(claim, events=events))
        assert report.chain.intact  # the chain alone cannot see a changed last event
        assert report.changed == (4,)
        assert not report.intact
        unlogged = commands.post_message(claim, SYSTEM, _next(claim), "late", Visibility.INTERNAL)
        assert log().verify(unlogged).unlogged == (5,)

    def test_a_failed_append_leaves_the_log_as_it_was(
        self, log: Callable[[], MerkleLog], log_store: Callable[[], LogStore]
    ) -> None:
        log().record(submitted(draft("c-1")))
        before = log().checkpoint()

        def fail() -> None:
            with log_store().transaction() as writes:
                writes.add(0, 2, b"\x00" * 32)
                writes.bind("c-9#1", 2)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            fail()
        assert log().size == 2
        assert log().checkpoint() == before
