"""How many desk calls the portal runs at once (``create_app(desk_threads=...)``)."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from reimbursement.errors import ValidationError
from reimbursement.web import create_app
from reimbursement.web._demo import DemoPortal


def _most_at_once(demo: DemoPortal, threads: int | None, calls: int = 6) -> int:
    extra = {} if threads is None else {"desk_threads": threads}
    app = create_app(demo.desk, identify=demo.identities, secret_key="t", **extra)
    portal = app.state.portal
    lock = threading.Lock()
    running = most = 0

    def desk_call() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)  # a call waiting on the database
        with lock:
            running -= 1

    async def many() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(calls):
                group.start_soon(portal.call, desk_call)

    anyio.run(many)
    return most


@pytest.mark.parametrize(("threads", "expected"), [(None, 1), (0, 1), (1, 1), (3, 3)])
def test_at_most_desk_threads_calls_run_at_once(
    demo: DemoPortal, threads: int | None, expected: int
) -> None:
    assert _most_at_once(demo, threads) == expected


@pytest.mark.parametrize("threads", [-1, True, 2.0, "4"])
def test_a_count_of_desk_threads_that_is_not_a_whole_number_is_refused(
    demo: DemoPortal, threads: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        create_app(demo.desk, identify=demo.identities, desk_threads=threads)  # type: ignore[arg-type]
    assert refused.value.problems[0].path == "desk_threads"


@pytest.mark.parametrize(("threads", "on_the_loop"), [(0, True), (1, False), (2, False)])
def test_a_desk_call_runs_on_the_event_loop_only_with_no_desk_threads(
    demo: DemoPortal, threads: int, on_the_loop: bool
) -> None:
    app = create_app(demo.desk, identify=demo.identities, secret_key="t", desk_threads=threads)
    portal = app.state.portal

    async def where() -> tuple[int, int]:
        return threading.get_ident(), await portal.call(threading.get_ident)

    loop_thread, call_thread = anyio.run(where)
    assert (call_thread == loop_thread) is on_the_loop


def test_one_app_serves_several_event_loops_at_once(demo: DemoPortal) -> None:
    """Two servers' loops (threads) share one app: the limit holds across them, none fails."""
    app = create_app(demo.desk, identify=demo.identities, secret_key="t", desk_threads=2)
    portal = app.state.portal
    lock = threading.Lock()
    running = most = done = 0
    failures: list[BaseException] = []

    def desk_call() -> None:
        nonlocal running, most, done
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
            done += 1

    async def many() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(portal.call, desk_call)

    def loop() -> None:
        try:
            anyio.run(many)
        except BaseException as error:  # the test reports what a loop raised
            failures.append(error)

    loops = [threading.Thread(target=loop) for _ in range(3)]
    for thread in loops:
        thread.start()
    for thread in loops:
        thread.join(timeout=20)  # a limiter bound to one loop left the others waiting forever
    assert not any(thread.is_alive() for thread in loops)
    assert failures == []
    assert done == 18
    assert most == 2
