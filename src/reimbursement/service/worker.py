"""The background worker: seals the Merkle log, delivers the outbox and sweeps SLA clocks.

Run as many as you like, on as many hosts as you like, against one
database: each round seals the events committed since the last one into
the desk's Merkle log (one sealer at a time; the others skip it), leases
its own outbox messages and skips the claims another sweeper holds, so
nothing is sent twice past its dedupe key, each SLA crossing is recorded
once and each event is sealed once. An event waits at most about one
``interval`` to be sealed while a worker runs (the log's maximum merge
delay), and a read of the log seals what is pending first. A worker stops between two rounds when
asked (SIGTERM or SIGINT from the command line, :meth:`Worker.stop` from
code), so a deployment can roll it without losing work: whatever it leased
and did not finish is leased again by another worker when the lease ends.

A scheduler the insurer already has can drive the same calls instead:
``desk.seal_log()``, ``desk.dispatch_notifications()`` and ``desk.sweep()``
(or one :meth:`Worker.run_once`) every few seconds.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import attrs

from ..domain.checks import require_count
from ..errors import ReimbursementError, ValidationError
from .desk import ReimbursementDesk

__all__ = ["Round", "Worker"]

log = logging.getLogger("reimbursement.worker")

_SEALS_PER_DELIVERY = 10  # events sealed per notification delivered, at most, in a round


@attrs.frozen
class Round:
    """What one round of a worker did."""

    delivered: int = 0
    recorded: int = 0
    """SLA crossings recorded."""
    sealed: int = 0
    """Events appended to the Merkle log."""
    failed: str | None = None
    """Why the round stopped early (the database went away, say); the next one tries again."""


class Worker:
    """Runs ``desk``'s sealer, dispatcher (and SLA sweeper, with a policy) every ``interval``.

    ``batch`` bounds the notifications one round delivers (and a round seals
    at most ten times as many events). Raises
    :class:`~reimbursement.errors.ValidationError` for an interval of zero or
    less or a batch below 1.
    """

    def __init__(
        self,
        desk: ReimbursementDesk,
        *,
        interval: timedelta = timedelta(seconds=5),
        batch: int = 500,
    ) -> None:
        if interval <= timedelta(0):
            raise ValidationError.at("interval", f"must be above zero, got {interval}")
        require_count("batch", batch)
        self.desk = desk
        self.interval = interval
        self.batch = batch
        self._stopping = threading.Event()

    def run_once(self) -> Round:
        """One round: seal, deliver what is due, then sweep. Never raises a library error."""
        delivered = recorded = sealed = 0
        try:
            sealed = self.desk.seal_log(self.batch * _SEALS_PER_DELIVERY, wait=False)
            delivered = self.desk.dispatch_notifications(self.batch)
            if self.desk.sla is not None:
                recorded = len(self.desk.sweep().recorded)
        except ReimbursementError as error:  # a bad row or a lost connection: log, go on
            log.warning("worker round stopped early: %s", error)
            return Round(delivered, recorded, sealed=sealed, failed=str(error))
        return Round(delivered, recorded, sealed=sealed)

    def run(self) -> None:
        """Run rounds until :meth:`stop` is called; a round that found work is followed at once."""
        while not self._stopping.is_set():
            done = self.run_once()
            if done.failed is None and (
                done.delivered >= self.batch or done.sealed >= self.batch * _SEALS_PER_DELIVERY
            ):
                continue  # more is waiting: no pause
            self._stopping.wait(self.interval.total_seconds())

    def stop(self) -> None:
        """Finish the current round, then return from :meth:`run` (safe from a signal handler)."""
        self._stopping.set()
