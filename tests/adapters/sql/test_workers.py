"""Many worker processes on one PostgreSQL database, and workers killed mid-flight.

Real processes (not threads), each with its own desk and connections, race
on the same claims with conflicting commands, repeated request ids and
duplicate payment callbacks. Afterwards nothing is lost, nothing is paid or
delivered twice, and the reviewers' loads are what the stored claims say.
The crash tests ``kill -9`` a process at the worst moments and restart.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from reimbursement import ClaimState
from reimbursement.adapters import sql
from reimbursement.adapters.memory import ManualClock
from reimbursement.claims import EventType, PaymentStatus
from reimbursement.domain.routing import holders
from reimbursement.service.desk import ReimbursementDesk

from . import workload

pytestmark = pytest.mark.postgres

PROCESSES = 8
CLAIMS = 50
SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture
def database(postgresql_url: str, tmp_path: Path) -> tuple[str, Path]:
    sql.upgrade(postgresql_url)
    workload.create_test_tables(postgresql_url)
    return postgresql_url, tmp_path / "documents"


def _rows(url: str, table: sa.Table) -> list[sa.Row[tuple[object, ...]]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        # in the order written: concurrent inserts need not lie in the table in that order
        rows = list(connection.execute(sa.select(table).order_by(*table.primary_key)))
    engine.dispose()
    return rows


def _every_claim(desk: ReimbursementDesk) -> list[object]:
    return list(desk.claims_in(workload.FINANCE[0], ClaimState, limit=1_000).items)


def test_eight_processes_racing_on_fifty_claims_lose_nothing_and_do_nothing_twice(
    database: tuple[str, Path],
) -> None:
    url, documents = database
    with workload.desk_on(url, documents, "parent") as desk:
        ids = workload.file_claims(desk, CLAIMS)
    with ProcessPoolExecutor(PROCESSES, mp_context=SPAWN) as pool:
        runs = [
            pool.submit(workload.race, url, str(documents), p, ids, 5) for p in range(PROCESSES)
        ]
        accepted = [line for run in runs for line in run.result(timeout=600)]
    with workload.desk_on(url, documents, "parent") as desk:
        while desk.dispatch_notifications(500):
            pass
        claims = {c.id: c for c in _every_claim(desk)}  # type: ignore[attr-defined]
        loads = desk.open_reviews()
        left = desk.adapters.outbox.pending_count()
    assert set(claims) == set(ids)
    # no lost update: versions have no gaps, and every accepted command is in the events
    for claim in claims.values():
        assert [e.seq for e in claim.events] == list(range(1, claim.version + 1))
    notes = Counter(line for line in accepted if ":note-" in line)
    for line, count in notes.items():
        claim_id, note = line.split(":")
        posted = [m for m in claims[claim_id].messages if m.body == note.replace("-", " ")]
        assert len(posted) == 1, f"{line} accepted {count} times, posted {len(posted)} times"
    for line in accepted:
        claim_id, what = line.split(":")
        kinds = {e.type for e in claims[claim_id].events}
        expected = {
            "approved": EventType.APPROVED,
            "payment_approved": EventType.PAYMENT_APPROVED,
            "sent": EventType.PAYMENT_SENT,
            "paid": EventType.PAID,
        }.get(what)
        assert expected is None or expected in kinds, line
    # each decision was accepted once, whoever tried it (a replayed pay answers again: its
    # request id returns what the first call did, and the gateway's count shows it paid once)
    decisions = Counter(line for line in accepted if ":note-" not in line and ":sent" not in line)
    assert max(decisions.values()) == 1
    sent = {c for c in claims.values() if any(e.type is EventType.PAYMENT_SENT for e in c.events)}
    assert all(sum(e.type is EventType.PAYMENT_SENT for e in c.events) == 1 for c in sent)
    # no payment made twice
    payouts = Counter(row.claim_id for row in _rows(url, workload.PAYOUTS))
    assert max(payouts.values()) == 1
    paid = [c for c in claims.values() if c.state is ClaimState.PAID]
    assert paid, "the race should get some claims all the way to paid"
    assert all(payouts[c.id] == 1 for c in paid)
    # every notification delivered, and once: the leases keep dispatchers apart
    assert left == 0
    sends = Counter(row.key for row in _rows(url, workload.SENDS))
    queued = {
        f"{c.id}#{e.seq}"
        for c in claims.values()
        for e in c.events
        if e.customer_visible and e.type in desk.texts.notified
    }
    assert set(sends) == queued
    assert max(sends.values()) == 1
    # each claim's notifications went out in the order of its events
    order = [row.key for row in _rows(url, workload.SENDS)]
    for claim_id in ids:
        mine = [int(k.split("#")[1]) for k in order if k.startswith(f"{claim_id}#")]
        assert mine == sorted(mine)
    # the loads are what the stored claims say
    held: Counter[str] = Counter()
    for claim in claims.values():
        held.update(holders(claim))  # type: ignore[arg-type]
    assert loads == dict(+held)


def _kill_when(
    target: Callable[..., None], args: tuple[object, ...], ready: Callable[[], bool]
) -> None:
    """Start ``target`` in a process and ``kill -9`` it once ``ready()`` holds."""
    process = SPAWN.Process(target=target, args=args)
    process.start()
    deadline = time.monotonic() + 60
    try:
        while not ready():
            assert process.is_alive(), "the process ended before it could be killed"
            assert time.monotonic() < deadline, "the process never got there"
            time.sleep(0.05)
    finally:
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    assert process.exitcode == -signal.SIGKILL


def _restarted(url: str, documents: Path) -> ReimbursementDesk:
    """A new process's desk, after the dead one's leases ended."""
    desk = workload.desk_on(url, documents, "restarted")
    clock = desk.adapters.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=2))
    return desk


def test_a_worker_killed_between_commit_and_delivery_loses_no_notification(
    database: tuple[str, Path],
) -> None:
    url, documents = database
    engine = sa.create_engine(url)

    def committed() -> bool:
        with engine.connect() as connection:
            return bool(connection.execute(sa.text("SELECT count(*) FROM rb_outbox")).scalar())

    _kill_when(workload.submit_and_hang, (url, str(documents)), committed)
    engine.dispose()
    assert _rows(url, workload.SENDS) == []
    with _restarted(url, documents) as desk:
        (claim,) = _every_claim(desk)
        assert claim.state is ClaimState.IN_REVIEW  # type: ignore[attr-defined]
        assert desk.dispatch_notifications() == 1
        assert desk.adapters.outbox.pending_count() == 0
    assert [row.key for row in _rows(url, workload.SENDS)] == [f"{claim.id}#2"]  # type: ignore[attr-defined]


def test_a_worker_killed_between_leasing_and_marking_delivers_again_once(
    database: tuple[str, Path],
) -> None:
    url, documents = database
    with workload.desk_on(url, documents, "parent") as desk:
        (claim_id,) = workload.file_claims(desk, 1)
    _kill_when(
        workload.deliver_and_hang,
        (url, str(documents)),
        lambda: bool(_rows(url, workload.SENDS)),
    )
    with _restarted(url, documents) as desk:
        assert desk.adapters.outbox.pending_count() == 1  # leased and sent, never marked
        assert desk.dispatch_notifications() == 1
        assert desk.dispatch_notifications() == 0
    sends = [(row.key, row.process) for row in _rows(url, workload.SENDS)]
    # at least once: the dead worker's delivery, and one more; the dedupe key is the same
    assert sends == [(f"{claim_id}#2", "hanging"), (f"{claim_id}#2", "restarted")]


def test_a_worker_killed_after_the_money_moved_never_pays_twice(
    database: tuple[str, Path],
) -> None:
    url, documents = database
    with workload.desk_on(url, documents, "parent") as desk:
        (claim_id,) = workload.file_claims(desk, 1)
        reviewer = desk.get(workload.FINANCE[0], claim_id).assignee
        assert reviewer is not None
        desk.approve(workload.Actor.reviewer(reviewer), claim_id)
        desk.approve_payment(workload.FINANCE[1], claim_id)
    _kill_when(
        workload.pay_and_hang,
        (url, str(documents), claim_id),
        lambda: bool(_rows(url, workload.PAYOUTS)),
    )
    with _restarted(url, documents) as desk:
        assert desk.get(workload.FINANCE[0], claim_id).state is ClaimState.PAYMENT_APPROVED
        sent = desk.pay(workload.FINANCE[0], claim_id, request_id=f"{claim_id}-pay")
        assert sent.payment is not None
        assert sent.payment.status is PaymentStatus.SENT
    assert len(_rows(url, workload.PAYOUTS)) == 1
