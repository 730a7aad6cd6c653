"""The background worker: it delivers the outbox, sweeps SLA clocks and stops when asked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from reimbursement import DeskSettings, ReimbursementDesk, assemble, in_memory_desk, sql_desk
from reimbursement.__main__ import main
from reimbursement.adapters import memory, sql
from reimbursement.adapters.memory import InMemoryClaimStore, InMemoryNotifier, ManualClock
from reimbursement.audit import MerkleLog
from reimbursement.errors import StorageError, ValidationError
from reimbursement.ports import OutboxMessage, OutboxQueue
from reimbursement.service.worker import Worker
from reimbursement.sla import BusinessCalendar, SlaPolicy, weekly
from support import PROFILES, START, submitted

SLA = SlaPolicy.standard(BusinessCalendar("UTC", weekly((time(9), time(17)))))


def _desk(clock: ManualClock, notifier: InMemoryNotifier) -> ReimbursementDesk:
    return in_memory_desk(
        customers=PROFILES,
        clock=clock,
        notifier=notifier,
        sla=SLA,
        settings=DeskSettings(dispatch_immediately=False),
    )


def test_a_round_delivers_what_is_pending_and_records_sla_crossings() -> None:
    clock, notifier = ManualClock(START), InMemoryNotifier()
    desk = _desk(clock, notifier)
    claim = submitted(desk)
    worker = Worker(desk)
    done = worker.run_once()
    assert (done.delivered, done.recorded, done.failed) == (1, 0, None)
    assert [n.claim_id for n in notifier.sent] == [claim.id]
    clock.advance(timedelta(days=5))  # the review is late now: a warning and a breach
    later = worker.run_once()
    assert later.recorded == 2
    assert later.failed is None


class _FlakyQueue:
    """The store's outbox queue, unreachable for the first ``outages`` leases."""

    def __init__(self, queue: OutboxQueue, outages: int) -> None:
        self._queue = queue
        self.outages = outages

    def __getattr__(self, name: str) -> object:
        return getattr(self._queue, name)

    def claim_batch(self, limit: int, **kwargs: Any) -> Sequence[OutboxMessage]:
        if self.outages:
            self.outages -= 1
            raise StorageError("the database at sqlite:///x.db went away")
        return self._queue.claim_batch(limit, **kwargs)


def test_a_round_that_fails_says_why_and_the_next_one_goes_on() -> None:
    store, notifier = InMemoryClaimStore(), InMemoryNotifier()
    adapters = memory.create(
        clock=ManualClock(START), notifier=notifier, customers=PROFILES, store=store
    )
    flaky = attrs.evolve(adapters, outbox=_FlakyQueue(store.queue, outages=1))
    desk = assemble(flaky, settings=DeskSettings(dispatch_immediately=False))
    submitted(desk)
    worker = Worker(desk)
    failed = worker.run_once()
    assert failed.delivered == 0
    assert failed.failed is not None
    assert "went away" in failed.failed
    assert worker.run_once().delivered == 1
    assert len(notifier.sent) == 1


def test_run_returns_after_stop_between_two_rounds() -> None:
    desk = _desk(ManualClock(START), InMemoryNotifier())
    worker = Worker(desk, interval=timedelta(milliseconds=10))
    runner = threading.Thread(target=worker.run)
    runner.start()
    worker.stop()
    runner.join(timeout=10)
    assert not runner.is_alive()


@pytest.mark.parametrize(("interval", "batch"), [(timedelta(0), 1), (timedelta(seconds=1), 0)])
def test_a_worker_refuses_a_bad_interval_or_batch(interval: timedelta, batch: int) -> None:
    desk = _desk(ManualClock(START), InMemoryNotifier())
    with pytest.raises(ValidationError):
        Worker(desk, interval=interval, batch=batch)


def test_the_worker_command_runs_one_round_on_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    sql.upgrade(url)
    assert main(["worker", "--database", url, "--once"]) == 0
    assert "delivered 0, recorded 0 SLA crossings" in capsys.readouterr().out


def test_a_round_on_a_database_seals_the_events_committed_since_the_last(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    sql.upgrade(url)
    with sql_desk(url, customers=PROFILES, settings=DeskSettings(require_receipts=False)) as desk:
        claim = submitted(desk)
        worker = Worker(desk)
        assert worker.run_once().sealed == len(claim.events)
        assert worker.run_once().sealed == 0  # each event once
        assert desk.seal_log() == 0
    with sql.create(url) as store, store.unit_of_work() as uow:
        assert (
            MerkleLog(store.log, "claims.example.org/log").verify(uow.claims.get(claim.id)).intact
        )


def test_an_in_memory_desk_logs_at_commit_and_has_nothing_to_seal() -> None:
    store = InMemoryClaimStore()
    desk = assemble(memory.create(customers=PROFILES, store=store))
    claim = submitted(desk)
    assert MerkleLog(store.log, "claims.example.org/log").size == len(claim.events)
    assert desk.seal_log() == 0
    assert Worker(desk).run_once().sealed == 0


def test_the_worker_command_refuses_a_desk_function_that_builds_no_desk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    sql.upgrade(url)
    assert main(["worker", "--database", url, "--once", "--desk", "os.path:basename"]) == 2
    assert "not a desk" in capsys.readouterr().err


def test_the_worker_command_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    sql.upgrade(url)
    process = subprocess.Popen(
        [sys.executable, "-m", "reimbursement", "worker", "--database", url, "--interval", "0.1"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    assert "worker running on sqlite:///" in process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "worker stopped" in out


def test_the_worker_command_names_a_database_it_cannot_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"  # no schema: never upgraded
    assert main(["worker", "--database", url, "--once"]) == 1
    assert "db upgrade" in capsys.readouterr().err
