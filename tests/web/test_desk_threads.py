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


@pytest.mark.parametrize("reads_on_loop", [False, True])
def test_only_reads_run_on_the_event_loop_with_reads_on_loop(
    demo: DemoPortal, reads_on_loop: bool
) -> None:
    app = create_app(
        demo.desk, identify=demo.identities, secret_key="t", reads_on_loop=reads_on_loop
    )
    portal = app.state.portal

    async def where() -> tuple[int, int, int]:
        read = await portal.read(threading.get_ident)
        return threading.get_ident(), read, await portal.call(threading.get_ident)

    loop_thread, read_thread, call_thread = anyio.run(where)
    assert (read_thread == loop_thread) is reads_on_loop
    assert call_thread != loop_thread  # a write may wait on a lock: never on the loop


def test_a_page_reads_on_the_loop_and_its_form_writes_in_a_desk_thread(
    demo: DemoPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``python -m reimbursement serve`` runs on SQLite: the claim page's reads on the
    loop, the message its form posts in the desk thread."""
    from .conftest import Visitor, submitted

    app = create_app(demo.desk, identify=demo.identities, secret_key="t", reads_on_loop=True)
    ran_in: dict[str, list[str]] = {"track": [], "post_message": []}
    for name, seen in ran_in.items():
        original = getattr(demo.desk, name)

        def recorded(*args: object, _call=original, _seen=seen, **kwargs: object) -> object:
            _seen.append(threading.current_thread().name)
            return _call(*args, **kwargs)

        monkeypatch.setattr(demo.desk, name, recorded)
    customer = Visitor(app)
    try:
        customer.sign_in("C-1001")
        claim_url = submitted(customer)
        ran_in["track"].clear()
        assert customer.get(claim_url).status_code == 200
        sent = customer.post(f"{claim_url}/messages", {"body": "Is anything missing?"})
        assert sent.status_code == 303
    finally:
        customer.close()
    assert ran_in["track"]
    assert not any(n.startswith("desk") for n in ran_in["track"])
    assert ran_in["post_message"]
    assert all(n.startswith("desk") for n in ran_in["post_message"])
