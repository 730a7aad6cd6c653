"""Pages per second of the portal against the desk calls behind them, on SQLite over loopback.

The portal (uvicorn, one process) serves the demo on a SQLite file with
``--claims`` extra claims in review for one reviewer. A load generator in
another process asks for one page for ``--seconds`` seconds over
``--clients`` HTTP/1.1 keep-alive connections (50 by default): ``wrk`` when
it is on the PATH (C, two threads: it leaves the CPU to the server), else a
Python one on asyncio streams that does what wrk does (``--python`` forces it):

- the claim-tracking page ``/claims/{id}`` (``desk.track`` and ``desk.checklist``
  behind it), as the claim's customer;
- the work-queue page ``/staff/queue`` (``desk.work_queue``), as the reviewer.

In this process, in the same run, the desk calls behind each page run alone
on the same database for as long: ``track_desk_per_s`` (``track`` then
``checklist``, what the page calls) and ``queue_desk_per_s``. The target is
each page's rate at least 1/3 of its desk rate (the web layer costs at most
twice the work it serves), with no error. p50 and p95 latencies are the load
generator's, per page, in milliseconds. Beside the rates it prints the CPU
time per page the server process used and per desk call (Linux ``/proc``):
their ratio is the same comparison by work done, which other jobs on a
shared machine disturb far less than the wall-clock rates.

The server runs its desk calls as ``python -m reimbursement serve`` does on
SQLite: the pages' small reads on the event loop, everything else in one
worker thread (``create_app(desk_threads=1, reads_on_loop=True)``);
``--reads-in-threads`` sends the reads to the thread too (``create_app``'s
default), ``--desk-threads N`` measures N threads, and ``--desk-threads 0``
every call on the loop.

Usage: python benchmarks/portal.py [--clients 50] [--seconds 5] [--claims 40] [--python]
       [--desk-threads 1] [--reads-in-threads]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reimbursement import Actor, ClaimState, LineInput, Money
from reimbursement.web._demo import FINANCE, demo_portal, receipt_pdf, seed

CUSTOMER = "C-1002"


def _prepare(database: str, claims: int) -> tuple[str, str]:
    """Seed the demo and ``claims`` more claims of one customer; (a claim id, its reviewer)."""
    demo = demo_portal(database)
    try:
        seed(demo.desk)
        who = Actor.customer(CUSTOMER)
        for i in range(claims):
            line = LineInput("pharmacy", date(2026, 11, 20), f"Apotheke {i}", Money("20", "EUR"))
            draft = demo.desk.start_draft(who, [line])
            demo.desk.attach(who, draft.id, "r.pdf", receipt_pdf(), line_id="L1")
            demo.desk.submit(who, draft.id)
        in_review = demo.desk.claims_in(FINANCE, [ClaimState.IN_REVIEW], limit=1000).items
        claim = next(c for c in in_review if c.customer_id == CUSTOMER)
        return claim.id, claim.assignee or ""
    finally:
        demo.close()


def _desk_rate(
    database: str, call: str, claim_id: str, reviewer: str, seconds: float
) -> tuple[float, float]:
    """Desk calls per second alone in this process, and the CPU milliseconds of each."""
    demo = demo_portal(database)
    try:
        desk, done = demo.desk, 0
        who, staff = Actor.customer(CUSTOMER), Actor.reviewer(reviewer)
        end = time.perf_counter() + seconds
        start, cpu = time.perf_counter(), time.process_time()
        while time.perf_counter() < end:
            if call == "track":
                desk.track(who, claim_id)
                desk.checklist(who, claim_id)
            else:
                desk.work_queue(staff, limit=50)
            done += 1
        used = time.process_time() - cpu
        return done / (time.perf_counter() - start), used * 1000 / done
    finally:
        demo.close()


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process ``pid`` has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(database: str, port: int, desk_threads: int, reads_on_loop: bool) -> None:
    """The portal on ``database`` at 127.0.0.1:``port`` (the server process)."""
    import uvicorn

    from reimbursement.web import create_app

    demo = demo_portal(database)
    app = create_app(
        demo.desk,
        identify=demo.identities,
        inbox=demo.inbox,
        desk_threads=desk_threads,
        reads_on_loop=reads_on_loop,
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One GET on a kept-alive connection; returns the status (the body is read and dropped)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _load(url: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` connections asking for ``url`` in a loop, as wrk does (HTTP/1.1 keep-alive).

    A minimal client on asyncio streams: a full HTTP library in the load
    generator would cost more CPU per request than the page it measures.
    """
    parts = urlsplit(url)
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds

    async def one_client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < end:
                start = time.perf_counter()
                try:
                    ok = await _get(reader, writer, request) == 200
                except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError):
                    ok = False
                latencies.append(time.perf_counter() - start)
                errors += not ok
                if not ok:
                    return
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "per_s": len(latencies) / elapsed,
        "seconds": elapsed,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "errors": errors,
    }


_WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p95_ms": %.3f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, e.connect + e.read + e.write + e.status + e.timeout))
end
"""
"""wrk's report as one JSON line (its Lua ``done`` hook; a status other than 2xx or 3xx
counts as an error, as it does for the Python generator)."""


def _wrk(wrk: str, url: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` connections of ``wrk`` (two threads) asking for ``url``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_REPORT)
    try:
        run = [wrk, "-t2", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
        run += ["-H", f"Authorization: Bearer {token}", "-s", script.name, url]
        out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    found: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    found["per_s"] = found.pop("requests") / found["seconds"]
    return found


def load(url: str, token: str, clients: int, seconds: float) -> None:
    """The load generator process: prints one JSON line."""
    print(json.dumps(asyncio.run(_load(url, token, clients, seconds))))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int) -> None:
    for _ in range(200):  # 20 s at most
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the portal did not start")


def _measure_pages(database: str, args: argparse.Namespace, paths: dict[str, tuple[str, str]]):
    port = _free_port()
    me = [sys.executable, __file__]
    reads = "loop" if args.reads_on_loop else "threads"
    server = subprocess.Popen([*me, "--serve", database, str(port), str(args.desk_threads), reads])
    try:
        _wait_for(port)
        found = {}
        wrk = None if args.python else shutil.which("wrk")
        for name, (path, token) in paths.items():
            url = f"http://127.0.0.1:{port}{path}"
            before = _cpu_seconds(server.pid)
            if wrk is not None:
                found[name] = _wrk(wrk, url, token, args.clients, args.seconds)
            else:
                run = [*me, "--load", url, token, str(args.clients), str(args.seconds)]
                out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
                found[name] = json.loads(out.strip().splitlines()[-1])
            served = found[name]["per_s"] * found[name]["seconds"]
            found[name]["cpu_ms"] = (_cpu_seconds(server.pid) - before) * 1000 / served
        found["generator"] = "wrk" if wrk is not None else "python (asyncio streams)"
        return found
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("--python", action="store_true", help="the Python load generator")
    parser.add_argument(
        "--desk-threads",
        type=int,
        default=1,
        help="worker threads for desk calls; 0: on the event loop",
    )
    parser.add_argument(
        "--reads-in-threads",
        dest="reads_on_loop",
        action="store_false",
        help="the pages' reads in the desk threads too (create_app(reads_on_loop=False))",
    )
    parser.add_argument("--serve", nargs=4, metavar=("DATABASE", "PORT", "DESK_THREADS", "READS"))
    parser.add_argument("--load", nargs=4, metavar=("URL", "TOKEN", "CLIENTS", "SECONDS"))
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), int(args.serve[2]), args.serve[3] == "loop")
        return 0
    if args.load:
        load(args.load[0], args.load[1], int(args.load[2]), float(args.load[3]))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'portal.db'}"
        claim_id, reviewer = _prepare(database, args.claims)
        track_desk, track_cpu = _desk_rate(database, "track", claim_id, reviewer, args.seconds)
        queue_desk, queue_cpu = _desk_rate(database, "queue", claim_id, reviewer, args.seconds)
        paths = {"track": (f"/claims/{claim_id}", CUSTOMER), "queue": ("/staff/queue", reviewer)}
        pages = _measure_pages(database, args, paths)
    result = {
        "track_pages_per_s": round(pages["track"]["per_s"], 1),
        "track_desk_per_s": round(track_desk, 1),
        "queue_pages_per_s": round(pages["queue"]["per_s"], 1),
        "queue_desk_per_s": round(queue_desk, 1),
        "track_p95_ms": round(pages["track"]["p95_ms"], 1),
        "queue_p95_ms": round(pages["queue"]["p95_ms"], 1),
        "errors": pages["track"]["errors"] + pages["queue"]["errors"],
    }
    cpu = {"track": track_cpu, "queue": queue_cpu}
    for name in ("track", "queue"):
        page, desk = result[f"{name}_pages_per_s"], result[f"{name}_desk_per_s"]
        print(
            f"{name}: {page:,.0f} pages/s with {args.clients} clients "
            f"(p50 {pages[name]['p50_ms']:.1f} ms, p95 {pages[name]['p95_ms']:.1f} ms), "
            f"desk alone {desk:,.0f} calls/s: ratio {page / desk:.2f} (target >= 0.33)"
        )
        # CPU per request does not depend on what else the machine runs: the same ratio,
        # measured by the work done rather than the wall-clock rate
        print(
            f"  CPU: {pages[name]['cpu_ms']:.2f} ms per page in the server, "
            f"{cpu[name]:.2f} ms per desk call: ratio {cpu[name] / pages[name]['cpu_ms']:.2f}"
        )
    reads = "on the loop" if args.reads_on_loop else "in the desk threads"
    print(f"load generator: {pages['generator']}, desk threads: {args.desk_threads}")
    print(f"reads {reads}")
    print(f"errors: {result['errors']}, cores: {os.cpu_count()}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
