"""The desk's Merkle log: every event's digest, in one append-only RFC 9162 tree.

:meth:`MerkleLog.record` appends the digests of a claim's events the log
does not hold yet; :meth:`MerkleLog.checkpoint` signs the tree's size and
root (:mod:`.checkpoint`); :meth:`MerkleLog.receipt` gives the customer an
inclusion proof of their event against a checkpoint, and
:meth:`MerkleLog.consistency` an auditor the proof that a later
checkpoint extends an earlier one. Checking either needs only the
checkpoint key: :func:`verify_receipt`, :func:`verify_extension`.

A claim store appends the digests of the events it commits: in memory in
the commit itself; on SQL as pending entries that a sealer appends in
batches (``SqlClaimStore.seal``, the worker). A store with pending entries
seals them at the start of every :meth:`LogStore.transaction`, so every
method here sees each event committed before it was called, and never
reports one as missing from the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import attrs

from ..domain.claim import Claim
from ..domain.events import Event, event_id
from ..errors import ProofError
from ._chain import ChainReport, chain_report, claim_digests, digest
from ._memory import MemoryLogStore
from .checkpoint import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint
from .merkle import (
    MerkleTree,
    NodeStore,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "LogReport",
    "LogStore",
    "LogWrites",
    "MemoryLogStore",
    "MerkleLog",
    "Receipt",
    "append_entries",
    "new_entries",
    "verify_extension",
    "verify_receipt",
]


class LogWrites(NodeStore, Protocol):
    """One transaction on a log's store: its tree's nodes, and which leaf holds which event."""

    def index_of(self, event_id: str) -> int | None:
        """The leaf that holds ``event_id``'s digest, if the log has it."""
        ...

    def bind(self, event_id: str, index: int) -> None:
        """Remember that leaf ``index`` holds ``event_id``'s digest."""
        ...


class LogStore(Protocol):
    """Where a log lives. ``transaction()`` writes all or nothing; appends are serialized.

    A store whose writers leave entries pending (the SQL store's commits)
    appends them at the start of each transaction, before the block reads.
    Raises :class:`~reimbursement.errors.ConcurrencyError` when another
    writer appended the same leaf first (the caller retries).
    """

    def transaction(self) -> AbstractContextManager[LogWrites]:
        """A transaction: committed when the block ends without an error."""
        ...


def new_entries(claim: Claim, version: int) -> list[tuple[str, str]]:
    """``(event id, digest)`` of ``claim``'s events after its first ``version``, in order.

    What a unit of work appends to the log when it commits ``claim`` read at
    ``version`` (0 for a claim it added).
    """
    hashes = claim.events.digests_since(version)
    return [(event_id(claim.id, version + i), h) for i, h in enumerate(hashes, 1)]


def append_entries(writes: LogWrites, entries: Iterable[tuple[str, str]]) -> list[int]:
    """Append each ``(event id, digest)`` of ``entries`` to the tree in ``writes``: the leaves."""
    tree = MerkleTree(writes)
    added = []
    for event, hex_digest in entries:
        index = tree.append(bytes.fromhex(hex_digest))
        writes.bind(event, index)
        added.append(index)
    return added


@attrs.frozen
class Receipt:
    """The customer's proof that their event is in the desk's log, under a signed checkpoint."""

    event_id: str
    digest: str
    index: int
    proof: tuple[bytes, ...]
    checkpoint: str


@attrs.frozen
class LogReport:
    """A claim checked against the log: its chain, and events the log lacks or holds otherwise."""

    chain: ChainReport
    unlogged: tuple[int, ...] = ()
    changed: tuple[int, ...] = ()

    @property
    def intact(self) -> bool:
        """True when the chain holds and the log holds every event as it is."""
        return self.chain.intact and not self.unlogged and not self.changed


class MerkleLog:
    """The desk's log of event digests over ``store``, its checkpoints named ``origin``."""

    def __init__(self, store: LogStore, origin: str, signer: NoteSigner | None = None) -> None:
        self.store = store
        self.origin = origin
        self.signer = signer

    def record(self, claim: Claim) -> list[int]:
        """Append the digests of ``claim``'s events the log does not hold: their leaves.

        Events are logged in their order; one logged already ends the search
        (those before it were logged with it).
        """
        hashes = claim_digests(claim)
        with self.store.transaction() as writes:
            start = len(hashes)
            while start and writes.index_of(event_id(claim.id, start)) is None:
                start -= 1
            return append_entries(
                writes,
                (
                    (event_id(claim.id, i), hashes[i - 1])
                    for i in range(start + 1, len(hashes) + 1)
                ),
            )

    @property
    def size(self) -> int:
        """The number of leaves."""
        with self.store.transaction() as writes:
            return writes.size()

    def checkpoint(self) -> str:
        """A signed note of the log as it is now (raises ProofError without a signer)."""
        if self.signer is None:
            raise ProofError("this log has no signer to sign checkpoints with")
        with self.store.transaction() as writes:
            tree = MerkleTree(writes)
            return sign_checkpoint(Checkpoint(self.origin, tree.size, tree.root()), self.signer)

    def receipt(self, event: Event) -> Receipt:
        """The customer's receipt: ``event``'s inclusion proof under a new signed checkpoint."""
        note = self.checkpoint()
        with self.store.transaction() as writes:
            index = writes.index_of(event.id)
            if index is None:
                raise ProofError(f"the log holds no event {event.id!r}: record its claim")
            size = int(note.split("\n")[1])
            proof = MerkleTree(writes).inclusion_proof(index, size)
        return Receipt(event.id, digest(event), index, tuple(proof), note)

    def consistency(self, old: int, new: int) -> list[bytes]:
        """The proof that the log at ``new`` leaves extends the log at ``old``."""
        with self.store.transaction() as writes:
            return MerkleTree(writes).consistency_proof(old, new)

    def verify(self, claim: Claim) -> LogReport:
        """``claim``'s chain, and each of its events against the leaf that holds it."""
        chain, hashes = chain_report(claim)
        unlogged, changed = [], []
        with self.store.transaction() as writes:
            for seq, hex_digest in enumerate(hashes, 1):
                index = writes.index_of(event_id(claim.id, seq))
                if index is None:
                    unlogged.append(seq)
                elif writes.node(0, index) != leaf_hash(bytes.fromhex(hex_digest)):
                    changed.append(seq)
        return LogReport(chain, tuple(unlogged), tuple(changed))


def verify_receipt(
    receipt: Receipt, keys: Mapping[str, bytes], origin: str | None = None
) -> Checkpoint:
    """Check a customer's receipt: its checkpoint is signed by one of ``keys`` and holds the event.

    Raises :class:`~reimbursement.errors.ProofError`.
    """
    checkpoint = open_checkpoint(receipt.checkpoint, keys, origin)
    try:
        leaf = bytes.fromhex(receipt.digest)
    except ValueError:
        raise ProofError("the receipt's digest is not hex") from None
    verify_inclusion(leaf, receipt.index, checkpoint.size, receipt.proof, checkpoint.root)
    return checkpoint


def verify_extension(
    old: str, new: str, proof: Sequence[bytes], keys: Mapping[str, bytes]
) -> tuple[Checkpoint, Checkpoint]:
    """Check, as an auditor, that checkpoint ``new`` extends checkpoint ``old`` of the same log.

    Raises :class:`~reimbursement.errors.ProofError` when either is not
    signed by ``keys``, the two are of different logs, or the log was
    rewritten or forked in between (same size, other root included).
    """
    first = open_checkpoint(old, keys)
    second = open_checkpoint(new, keys, first.origin)
    if second.size < first.size:
        raise ProofError("the later checkpoint is smaller: the log lost leaves")
    verify_consistency(first.size, second.size, first.root, second.root, proof)
    return first, second
