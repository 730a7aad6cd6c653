"""The in-memory outbox queue keeps delivered keys compactly, and still refuses each again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reimbursement.adapters.memory import InMemoryOutboxQueue
from reimbursement.testing import notification

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
LEASE = timedelta(minutes=5)

# keys in the desk's "<claim id>#<seq>" form, near misses of it, and anything else
seqs = st.one_of(
    st.integers(1, 70).map(str),
    st.sampled_from(["0", "01", "007", "65535", "65536", "99999", "123456", "", "+1", "1.0"]),
    st.sampled_from(["٣", "²", "1e3"]),
)
claim_ids = st.sampled_from(["c1", "c2", "c#1", "c1#", ""])
keys = st.one_of(st.builds(lambda c, s: f"{c}#{s}", claim_ids, seqs), st.text(max_size=8))


def deliver(queue: InMemoryOutboxQueue, key: str, claim_id: str) -> None:
    queue.enqueue([notification(key, claim_id)])
    batch = queue.claim_batch(100, now=NOW, lease=LEASE)
    queue.mark_delivered([m.notification.key for m in batch])


@given(st.lists(st.tuples(keys, claim_ids), max_size=12), st.lists(keys, max_size=12))
def test_a_delivered_key_is_never_queued_again_and_no_other_key_is_refused(
    delivered: list[tuple[str, str]], others: list[str]
) -> None:
    queue = InMemoryOutboxQueue()
    for key, claim_id in delivered:
        deliver(queue, key, claim_id)
    assert queue.pending_count() == 0
    done = {key for key, _ in delivered}
    for key in done:  # under any claim id: the key alone is the dedupe identity
        queue.enqueue([notification(key, "c2"), notification(key, "other")])
    assert queue.pending_count() == 0
    fresh = {key for key in others if key not in done}
    for key in fresh:
        queue.enqueue([notification(key, "c9")])
    assert queue.pending_count() == len(fresh)


def test_a_claims_notifications_leave_its_line_in_order_whatever_is_delivered_first() -> None:
    queue = InMemoryOutboxQueue()
    queue.enqueue([notification(f"c1#{n}", "c1") for n in (1, 2, 3)])
    queue.park("c1#2", "poison")
    queue.mark_delivered(["c1#3"])  # out of order (a redelivery's acknowledgement)
    (head,) = queue.claim_batch(10, now=NOW, lease=LEASE)
    assert head.notification.key == "c1#1"
    queue.mark_delivered(["c1#1"])
    assert queue.claim_batch(10, now=NOW, lease=LEASE) == []
    queue.requeue("c1#2")
    (again,) = queue.claim_batch(10, now=NOW, lease=LEASE)
    assert again.notification.key == "c1#2"
