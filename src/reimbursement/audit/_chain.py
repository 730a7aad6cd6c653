"""``verify(claim)``: recompute a claim's hash chain and report the first broken link."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ..domain.chain import ChainBreak, event_digest, first_break
from ..domain.claim import Claim
from ..domain.events import Event

__all__ = ["ChainReport", "digest", "verify"]


def digest(event: Event) -> str:
    """The SHA-256 (hex) of ``event``'s canonical bytes (:mod:`reimbursement.domain.chain`)."""
    return event_digest(
        event.seq,
        event.type,
        event.claim_id,
        event.actor,
        event.role,
        event.at,
        event.from_state,
        event.to_state,
        event.reason,
        tuple(part for pair in event.data.items() for part in pair),
        event.visibility,
        event.prev_hash,
    )


@attrs.frozen
class ChainReport:
    """What :func:`verify` found: the claim's head digest and its first broken link, if any.

    ``head`` is the digest of the last event: what the desk's Merkle log
    holds for the claim, and what a receipt proves.
    """

    claim_id: str
    events: int
    head: str | None
    broken: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        """True when every event links to the one before it."""
        return self.broken is None

    def __str__(self) -> str:
        if self.broken is None:
            return f"claim {self.claim_id}: {self.events} events, chain intact"
        return f"claim {self.claim_id}: chain broken: {self.broken}"


def digests(events: Iterable[Event]) -> list[str]:
    """The digest of each of ``events``, in order."""
    return [digest(event) for event in events]


def verify(claim: Claim) -> ChainReport:
    """Recompute ``claim``'s hash chain: the first event whose link does not match, if any.

    Reads nothing but the claim: the same on a claim from any store, or
    from its JSON. An event changed in the store breaks the link of the
    event after it; the last event is checked against the Merkle log
    (:meth:`reimbursement.audit.MerkleLog.prove`), not here.
    """
    events = tuple(claim.events)
    hashes = digests(events)
    return ChainReport(
        claim.id,
        len(events),
        hashes[-1] if hashes else None,
        first_break(events, hashes),
    )
