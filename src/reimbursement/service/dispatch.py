"""The outbox dispatcher: leases pending notifications and delivers them, at least once.

It works on the :class:`~reimbursement.ports.OutboxQueue` port, outside any
claim's unit of work, so any number of processes may run it at once: a
message is leased to one of them at a time, a claim's messages go out in
order, a failed delivery waits with backoff and is parked after its last
attempt, and the notifier's dedupe key absorbs the rare redelivery after a
crash. A notifier that raises :class:`~reimbursement.errors.DeliveryDeferred`
has its message put back until the time it names; it is never parked for
that. A receiver's ``Retry-After`` holds the claim's line (the outbox counts
it among the message's attempts); the customer's quiet hours do not
(``holds_line=False``: :meth:`~reimbursement.ports.OutboxQueue.defer`), so
an urgent message queued behind a held one is not kept waiting for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import attrs

from ..domain.checks import require_count
from ..errors import DeliveryDeferred, ValidationError
from ..ports import Clock, Notification, Notifier, OutboxQueue

__all__ = ["DeliveryPolicy", "Dispatcher"]


def _positive(_: object, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
    if value <= timedelta(0):
        raise ValidationError.at(f"delivery.{attribute.name}", f"must be above zero, got {value}")


@attrs.frozen
class DeliveryPolicy:
    """How notifications are delivered: leases, retries with backoff, when to give up.

    - ``lease``: how long a dispatcher holds a message it took; a dispatcher
      that dies lets it go when the lease ends, and another delivers it.
    - ``first_retry``, ``backoff`` and ``max_delay``: the n-th failed
      attempt waits ``first_retry * backoff**(n-1)``, at most ``max_delay``.
    - ``max_attempts``: after that many failed attempts the message is
      parked (see :meth:`~reimbursement.ports.OutboxQueue.parked`).
    """

    lease: timedelta = attrs.field(default=timedelta(minutes=5), validator=_positive)
    first_retry: timedelta = attrs.field(default=timedelta(seconds=30), validator=_positive)
    backoff: int = 2
    max_delay: timedelta = attrs.field(default=timedelta(hours=1), validator=_positive)
    max_attempts: int = 10

    def __attrs_post_init__(self) -> None:
        if self.backoff < 1:
            raise ValidationError.at("delivery.backoff", f"must be 1 or more, got {self.backoff}")
        if self.max_attempts < 1:
            raise ValidationError.at(
                "delivery.max_attempts", f"must be 1 or more, got {self.max_attempts}"
            )

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        delay: timedelta = self.first_retry * self.backoff ** max(attempts - 1, 0)
        return min(delay, self.max_delay)


class Dispatcher:
    """Delivers what the outbox holds through ``notifier``, under ``policy``."""

    def __init__(
        self, queue: OutboxQueue, notifier: Notifier, clock: Clock, policy: DeliveryPolicy
    ) -> None:
        self.queue = queue
        self.notifier = notifier
        self.clock = clock
        self.policy = policy

    def dispatch(self, limit: int = 100) -> int:
        """Deliver up to ``limit`` messages due now; returns how many were delivered."""
        require_count("limit", limit)
        delivered = 0
        while delivered < limit:
            now = self.clock.now()
            batch = self.queue.claim_batch(
                min(limit - delivered, 100), now=now, lease=self.policy.lease
            )
            if not batch:
                break
            delivered += self._deliver(
                [m.notification for m in batch], [m.attempts for m in batch]
            )
        return delivered

    def deliver_leased(self, notifications: Sequence[Notification]) -> int:
        """Deliver what a commit leased to this process, in order; returns how many.

        ``notifications`` is a unit of work's ``outbox.leased`` after
        :meth:`~reimbursement.ports.Outbox.lease_on_commit`: no second
        transaction leases them, whatever the store.
        """
        return self._deliver(notifications, None) if notifications else 0

    def _deliver(self, notifications: Sequence[Notification], tried: Sequence[int] | None) -> int:
        """Send each in order; ``tried``: the failed attempts each has behind it (none: 0)."""
        delivered: list[str] = []
        stopped: set[str] = set()  # claims whose line stopped at a failure
        for i, notification in enumerate(notifications):
            if notification.claim_id in stopped:
                continue  # behind a failed one of its claim: it waits, in order
            try:
                self.notifier.send(notification)
            except DeliveryDeferred as deferred:  # not now: back until then
                reason = f"deferred: {deferred}"[:2000]
                if not deferred.holds_line:  # quiet hours: the claim's next ones may go
                    self.queue.defer(notification.key, reason, until=deferred.until)
                    continue
                self.queue.record_failure(notification.key, reason, retry_at=deferred.until)
                stopped.add(notification.claim_id)
                continue
            except Exception as error:  # any channel failure: retry later, never lose it
                attempts = (tried[i] if tried is not None else 0) + 1
                self._failed(notification.key, attempts, f"{type(error).__name__}: {error}")
                stopped.add(notification.claim_id)
                continue
            delivered.append(notification.key)
        if delivered:
            self.queue.mark_delivered(delivered)
        return len(delivered)

    def _failed(self, key: str, attempts: int, reason: str) -> None:
        if attempts >= self.policy.max_attempts:
            self.queue.park(key, reason[:2000])
            return
        retry_at = self.clock.now() + self.policy.delay(attempts)
        self.queue.record_failure(key, reason[:2000], retry_at=retry_at)
