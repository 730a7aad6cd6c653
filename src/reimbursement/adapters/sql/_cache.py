"""Decoded claims, by id, shared by a store's units of work: an optimisation of reads by key.

A claim's content is identified by its id and version. Events are only ever
appended (``rb_events`` rows are never updated), the version is the number
of events, and a save moves the stored version on or is refused, so every
committed version of a claim has one content, in every process. A unit of
work that reads a claim by id or number sends the version it holds here
with the query; when the row still has that version the database leaves out
its body, and the events are not read or decoded again. When any process
has saved the claim since, the row has another version: the claim is read
and decoded as usual, and kept here in place of the old one.

Only what a read decoded from committed rows, or what a unit of work saved
and then committed, is kept: never a claim a unit of work wrote and has not
committed (it may yet roll back). Lists, the SLA sweep and anything that
checks stored rows read the rows themselves. Claims are immutable, so one
object is safely shared by every thread.

What it trusts is that the store alone writes claims: a row edited by hand
without a new version, or a database restored to an earlier point while
processes run (a version then gets written a second time, with other
content), is not seen by ``get`` while the old content is kept here. Clear
the cache (``store.cache.clear()``) or restart the processes after either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Final

from ...domain.claim import Claim
from ...errors import ValidationError

__all__ = ["CACHED_CLAIMS", "ClaimCache"]

CACHED_CLAIMS: Final = 2048
"""How many decoded claims a store keeps by default (the least recently used go first)."""


class ClaimCache:
    """At most ``size`` claims (0: none), each at the last version read or committed here."""

    def __init__(self, size: int = CACHED_CLAIMS) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValidationError.at("cache_size", "must be a whole number of 0 or more")
        self.size = size
        self._claims: OrderedDict[str, Claim] = OrderedDict()
        self._numbers: dict[str, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._claims)

    def get(self, claim_id: str) -> Claim | None:
        """The claim ``claim_id`` as last kept (any version: the caller checks it)."""
        with self._lock:
            claim = self._claims.get(claim_id)
            if claim is not None:
                self._claims.move_to_end(claim_id)
            return claim

    def numbered(self, number: str) -> Claim | None:
        """The claim kept under ``number``, if any (any version: the caller checks it)."""
        with self._lock:
            claim_id = self._numbers.get(number)
            claim = None if claim_id is None else self._claims.get(claim_id)
            if claim is not None:
                self._claims.move_to_end(claim.id)
            return claim

    def put(self, claim: Claim) -> None:
        """Keep ``claim``, committed at its version, in place of the one kept (the last wins)."""
        if not self.size:
            return
        with self._lock:
            self._claims[claim.id] = claim
            self._claims.move_to_end(claim.id)
            if claim.number is not None:
                self._numbers[claim.number] = claim.id
            while len(self._claims) > self.size:
                _, evicted = self._claims.popitem(last=False)
                if evicted.number is not None and self._numbers.get(evicted.number) == evicted.id:
                    del self._numbers[evicted.number]

    def clear(self) -> None:
        """Forget every claim: after rows were edited by hand or the database restored."""
        with self._lock:
            self._claims.clear()
            self._numbers.clear()
