"""The portal served on loopback by uvicorn, and Debian's Chromium driven by Playwright.

The browser is the system's (``/usr/bin/chromium``; ``apt-get install
chromium``), never one Playwright downloads. Without it, or without
Playwright, the browser tests skip, saying so; with
``REIMBURSEMENT_REQUIRE_BROWSER`` set (``.ci/run`` sets it) a skipped
browser test fails instead, and so does a run that passed none.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reimbursement.adapters.memory import ManualClock
from reimbursement.web import create_app
from reimbursement.web._demo import DemoPortal, demo_portal

from ..conftest import START

CHROMIUM = "/usr/bin/chromium"
DOCS_SHOTS = Path(__file__).resolve().parents[3] / "docs" / "images" / "portal"
SHOTS = (
    DOCS_SHOTS
    if os.environ.get("REIMBURSEMENT_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "reimbursement-portal-screenshots"
)
"""Where the walks save their screenshots: ``docs/images/portal`` only when asked with
``REIMBURSEMENT_UPDATE_SCREENSHOTS=1``, so an ordinary run leaves the working tree clean."""
PHONE = {"width": 390, "height": 844}
"""A phone's viewport in CSS pixels (an iPhone 12–15)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(app: Any, port: int) -> Iterator[None]:
    """``app`` served by uvicorn on ``127.0.0.1:port`` until the block ends."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # bounded: 10 s at most
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served() -> Iterator[tuple[str, DemoPortal, ManualClock]]:
    """The demo portal on a loopback port, its desk and clock; stopped after the test."""
    clock = ManualClock(START)
    demo = demo_portal(None, clock=clock)
    app = create_app(
        demo.desk,
        identify=demo.identities,
        inbox=demo.inbox,
        secret_key="t",
        time_zone="Europe/Berlin",
    )
    port = free_port()
    with serving(app, port):
        yield f"http://127.0.0.1:{port}", demo, clock
    demo.close()
