"""The record a store keeps of each request key: what the command produced, to replay it."""

from __future__ import annotations

import attrs

from ..domain.claim import Claim
from ..domain.events import EventType

__all__ = ["RequestRecord", "erases_personal_data"]


@attrs.frozen
class RequestRecord:
    """What a command sent with a request id produced, kept with the claims.

    ``key`` is the desk's request key (the actor and the request id, made
    collision-free); ``fingerprint`` hashes the command and its arguments,
    so that a replay with other arguments can be refused. ``version`` is the
    claim's version once the command committed (``None`` for a record kept
    before SQL schema version 9) and ``answer`` the claim as the command left
    it, at that version: what a replay answers. A store keeps the answer with
    the key, in the same transaction, until the claim's personal data is
    erased (then ``None``, as for a record kept before SQL schema version 13:
    a replay answers the claim as it is).
    """

    key: str
    fingerprint: str
    claim_id: str
    version: int | None = None
    answer: Claim | None = attrs.field(default=None, repr=False)


def erases_personal_data(claim: Claim, after: int) -> bool:
    """True when the events of ``claim`` after version ``after`` erase its personal data.

    A store that saves such a claim drops the answers its request records keep
    for it (``RequestRecord.answer`` becomes ``None``), in the same
    transaction: an answer kept from before would still hold the data.
    """
    # filtered on the stored rows: every save asks, and no Event need be built for it
    return bool(claim.events_since(after, types=_ERASED))


_ERASED = frozenset({EventType.PERSONAL_DATA_ERASED})
