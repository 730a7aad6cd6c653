"""The portal on the demo's in-memory desk at a fixed time, and visitors that talk to it over HTTP.

A :class:`Visitor` is one browser: an ``httpx`` client on the ASGI
transport, with its own cookies, that signs in through the sign-in form
and sends each form with the CSRF token of the page it came from. The
helpers below are the walks many tests share: a customer's draft with a
line, a receipt uploaded, a submitted claim, and the reviewer who holds a
claim with its page open.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import anyio.from_thread
import httpx
import pytest
from starlette.applications import Starlette

from reimbursement.adapters.memory import ManualClock
from reimbursement.web import create_app
from reimbursement.web._demo import FINANCE, DemoPortal, demo_portal, receipt_pdf

START = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # a Monday, before the Berlin office opens
PDF = receipt_pdf()


class Visitor:
    """One browser on the portal: cookies kept, forms sent with their CSRF token."""

    def __init__(self, app: Starlette, base_url: str = "http://portal.test") -> None:
        self._blocking = anyio.from_thread.start_blocking_portal()
        self._loop = self._blocking.__enter__()
        transport = httpx.ASGITransport(app=app)
        self.client = httpx.AsyncClient(transport=transport, base_url=base_url)
        self.csrf = ""

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        call = functools.partial(self.client.request, method, url, **kwargs)
        response: httpx.Response = self._loop.call(call)
        found = re.search(r'name="csrf" value="([^"]+)"', response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """POST a form with the CSRF token of the last page (``csrf=None`` leaves it out)."""
        form = {"csrf": self.csrf, **(data or {})}
        form = {k: v for k, v in form.items() if v is not None}
        return self.request("POST", url, data=form, **kwargs)

    def follow(self, response: httpx.Response) -> httpx.Response:
        """The page a 303 after a form leads to."""
        assert response.status_code == 303, response.text
        return self.get(response.headers["location"])

    def sign_in(self, who: str) -> httpx.Response:
        self.get("/signin")
        return self.follow(self.post("/signin", {"who": who}))

    def close(self) -> None:
        self._loop.call(self.client.aclose)
        self._blocking.__exit__(None, None, None)


def flash(page: httpx.Response) -> str:
    """The message the page shows after a form (the desk's refusal, or "Done.")."""
    found = re.search(r'<p class="flash flash-\w+" role="\w+">([^<]*)</p>', page.text)
    return found.group(1) if found else ""


def claim_id_of(claim_url: str) -> str:
    """The claim id at the end of a claim page's path."""
    return claim_url.rsplit("/", 1)[1]


def draft_with_line(
    customer: Visitor,
    amount: str = "38.90",
    category: str = "pharmacy",
    provider: str = "Stadt-Apotheke",
) -> str:
    """A new draft with one line; returns the claim page's path (that page's token in hand)."""
    claim_url = customer.post("/claims").headers["location"]
    line = {"category": category, "incurred_on": "2026-11-20", "provider": provider}
    added = customer.post(f"{claim_url}/lines", {**line, "amount": amount})
    page = customer.follow(added)
    assert 'class="flash flash-ok"' in page.text, flash(page)
    return claim_url


def upload(
    visitor: Visitor,
    claim_url: str,
    line_id: str = "L1",
    name: str = "r.pdf",
    content: bytes = PDF,
) -> httpx.Response:
    """Post one document to the claim (to line ``line_id``); the 303 the form answers."""
    return visitor.post(
        f"{claim_url}/documents",
        {"line_id": line_id},
        files={"document": (name, content, "application/pdf")},
    )


def submitted(
    customer: Visitor,
    amount: str = "38.90",
    category: str = "pharmacy",
    *,
    name: str = "r.pdf",
    content: bytes = PDF,
) -> str:
    """A claim with one line and its receipt, signed and submitted; its page's path."""
    claim_url = draft_with_line(customer, amount, category)
    customer.follow(upload(customer, claim_url, name=name, content=content))
    page = customer.follow(customer.post(f"{claim_url}/submit", {"declaration": "yes"}))
    assert "state-in_review" in page.text, flash(page)
    return claim_url


def holder(visit: Any, demo: DemoPortal, claim_id: str) -> Visitor:
    """The reviewer holding ``claim_id``, signed in, its staff page open (its token in hand)."""
    reviewer: Visitor = visit()
    reviewer.sign_in(demo.desk.get(FINANCE, claim_id).assignee or "")
    assert reviewer.get(f"/staff/claims/{claim_id}").status_code == 200
    return reviewer


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def demo(clock: ManualClock) -> Iterator[DemoPortal]:
    portal = demo_portal(None, clock=clock)
    yield portal
    portal.close()


@pytest.fixture
def app(demo: DemoPortal) -> Starlette:
    return create_app(demo.desk, identify=demo.identities, inbox=demo.inbox, secret_key="test")


@pytest.fixture
def visit(app: Starlette) -> Iterator[Any]:
    """``visit()`` opens a new browser on the portal (each with its own cookies)."""
    opened: list[Visitor] = []

    def open_one(base_url: str = "http://portal.test") -> Visitor:
        visitor = Visitor(app, base_url)
        opened.append(visitor)
        return visitor

    yield open_one
    for visitor in opened:
        visitor.close()
