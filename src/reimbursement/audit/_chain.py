"""``verify(claim)``: recompute a claim's hash chain and report the first broken link."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from ..domain.chain import ChainBreak, digest_of, first_break
from ..domain.claim import Claim
from ..domain.events import Event, EventType

__all__ = ["ChainReport", "digest", "verify"]


def digest(event: Event) -> str:
    """The SHA-256 (hex) of ``event``'s canonical bytes (:mod:`reimbursement.domain.chain`)."""
    return digest_of(event)


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
    redacted: tuple[int, ...] = ()
    """Events whose personal text was erased: checked by the digest recorded at erasure."""

    @property
    def intact(self) -> bool:
        """True when every event links to the one before it."""
        return self.broken is None

    def __str__(self) -> str:
        if self.broken is None:
            return f"claim {self.claim_id}: {self.events} events, chain intact"
        return f"claim {self.claim_id}: chain broken: {self.broken}"


def _recorded(events: Sequence[Event]) -> dict[int, str]:
    """The digests an erasure recorded of the events it redacted (by seq)."""
    found: dict[int, str] = {}
    for event in events:
        if event.type is EventType.PERSONAL_DATA_ERASED:
            for item in filter(None, event.data.get("redacted", "").split(",")):
                seq, _, value = item.partition(":")
                if seq.isdigit() and int(seq) < event.seq:
                    found[int(seq)] = value
    return found


def digests(events: Iterable[Event]) -> list[str]:
    """The digest of each of ``events``, in order (a redacted event's: as recorded)."""
    listed = list(events)
    recorded = _recorded(listed)
    return [recorded.get(event.seq) or digest(event) for event in listed]


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
        tuple(sorted(_recorded(events))),
    )
