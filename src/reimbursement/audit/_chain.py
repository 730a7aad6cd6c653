"""``verify(claim)``: recompute a claim's hash chain and report the first broken link."""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from ..domain.chain import ChainBreak, Redaction, digest_of
from ..domain.claim import Claim
from ..domain.events import Event, EventType

__all__ = ["ChainReport", "chain_report", "claim_digests", "digest", "verify"]


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
    """Events whose personal data was erased: each checked against the digest erasure
    recorded of its redacted form, and linked by its digest from before."""

    @property
    def intact(self) -> bool:
        """True when every event links to the one before it."""
        return self.broken is None

    def __str__(self) -> str:
        if self.broken is None:
            return f"claim {self.claim_id}: {self.events} events, chain intact"
        return f"claim {self.claim_id}: chain broken: {self.broken}"


_DIGEST = re.compile("[0-9a-f]{64}")
_ERASURES = frozenset({EventType.PERSONAL_DATA_ERASED})


def _recorded(events: Iterable[Event]) -> dict[int, Redaction]:
    """What an erasure recorded of each event it redacted (by seq): digests after and before.

    An item is ``"<seq>:<before>:<after>"`` (``"<seq>:<before>"`` from
    erasures that did not record the digest after). Only SHA-256 hex digests
    are taken: anything else in the record is not a digest this library
    wrote, and the event it names is hashed as it is (so its link breaks).
    """
    found: dict[int, Redaction] = {}
    for event in events:
        if event.type is EventType.PERSONAL_DATA_ERASED:
            for item in filter(None, event.data.get("redacted", "").split(",")):
                seq, _, digests = item.partition(":")
                before, _, after = digests.partition(":")
                if (
                    seq.isdigit()
                    and int(seq) < event.seq
                    and _DIGEST.fullmatch(before)
                    and (not after or _DIGEST.fullmatch(after))
                ):
                    found[int(seq)] = (after or None, before)
    return found


def _chain(claim: Claim) -> tuple[list[str], ChainBreak | None, dict[int, Redaction]]:
    log = claim.events
    hashes, broken = log.chain()
    if broken is None:  # nothing redacted changed a link: no erasure record to read
        return hashes, None, {}
    recorded = _recorded(log.since(0, _ERASURES))  # builds the erasure events only
    if recorded:
        hashes, broken = log.chain(recorded)
    return hashes, broken, recorded


def claim_digests(claim: Claim) -> list[str]:
    """The digest of each of ``claim``'s events, in order (a redacted event's: as recorded)."""
    return _chain(claim)[0]


def verify(claim: Claim) -> ChainReport:
    """Recompute ``claim``'s hash chain: the first event whose link does not match, if any.

    Reads nothing but the claim: the same on a claim from any store, or
    from its JSON. An event changed in the store breaks the link of the
    event after it; the last event is checked against the Merkle log
    (:meth:`reimbursement.audit.MerkleLog.prove`), not here.
    """
    return chain_report(claim)[0]


def chain_report(claim: Claim) -> tuple[ChainReport, list[str]]:
    """:func:`verify`'s report, and the digest of each event it hashed (in order)."""
    hashes, broken, recorded = _chain(claim)
    report = ChainReport(
        claim.id, len(hashes), hashes[-1] if hashes else None, broken, tuple(sorted(recorded))
    )
    return report, hashes
