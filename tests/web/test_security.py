"""The portal's security properties over HTTP: cookies, CSRF, headers, escaping, limits."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from itsdangerous import TimestampSigner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from reimbursement import Actor
from reimbursement.web import create_app
from reimbursement.web._demo import DemoPortal
from reimbursement.web.security import CONTENT_SECURITY_POLICY, SecurityHeaders, SignInLimiter

from .conftest import Visitor, flash

PAGES = ["/signin", "/claims", "/inbox", "/help", "/help?q=receipt"]
STAFF_PAGES = ["/staff/queue", "/staff/payments", "/staff/dashboard"]


def test_every_page_has_the_security_headers_and_no_inline_script_or_style(
    visit: Any,
) -> None:
    mei, rita = visit(), visit()
    mei.sign_in("C-1001")
    claim_url = mei.post("/claims").headers["location"]
    rita.sign_in("R-rita")
    pages = [mei.get(p) for p in [*PAGES, claim_url]] + [rita.get(p) for p in STAFF_PAGES]
    for page in pages:
        assert page.status_code == 200, page.url
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "DENY"
        for script in re.findall(r"<script[^>]*>", page.text):
            assert 'src="/static/' in script, script  # no inline script, no CDN
        assert " style=" not in page.text
        assert re.search(r"\son[a-z]+=", page.text) is None  # no inline event handlers


def test_a_security_header_the_host_sets_itself_is_kept_and_the_others_added() -> None:
    async def framed(request: Request) -> Response:
        return PlainTextResponse("ok", headers={"X-Frame-Options": "SAMEORIGIN"})

    host = SecurityHeaders(Starlette(routes=[Route("/", framed)]))
    for base, hsts in (("http://host.test", False), ("https://host.test", True)):
        answer = Visitor(host, base)  # type: ignore[arg-type]
        try:
            headers = answer.get("/").headers
        finally:
            answer.close()
        assert headers.get_list("x-frame-options") == ["SAMEORIGIN"]
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert ("strict-transport-security" in headers) is hsts


def test_the_session_cookie_is_signed_httponly_and_samesite_and_secure_over_https(
    visit: Any,
) -> None:
    plain = visit()
    plain.get("/signin")
    cookie = plain.post("/signin", {"who": "C-1001"}).headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    secure = visit("https://portal.test")
    secure.get("/signin")
    answer = secure.post("/signin", {"who": "C-1001"})
    assert "; Secure" in answer.headers["set-cookie"]
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_a_forged_session_cookie_signs_nobody_in(visit: Any) -> None:
    forger = visit()
    forger.get("/signin")
    value = forger.client.cookies["portal"]
    signature = value.partition(".")[2]
    forged = json.dumps({"who": "R-rita"}).encode()
    forger.client.cookies.set(
        "portal", base64.urlsafe_b64encode(forged).decode() + "." + signature
    )
    answer = forger.get("/staff/queue")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin"


def test_a_session_signed_with_the_same_key_elsewhere_signs_in_and_another_key_does_not(
    visit: Any,
) -> None:
    """The portal signs as itsdangerous does: a cookie from another process of the site (or
    from before an upgrade) with the same key is the same session; another key's is none."""
    payload = base64.urlsafe_b64encode(json.dumps({"who": "R-rita"}).encode())
    for key, status in (("test", 200), ("another key", 303)):
        signer = TimestampSigner(key, salt="reimbursement.web.session")
        visitor = visit()
        visitor.client.cookies.set("portal", signer.sign(payload).decode())
        assert visitor.get("/staff/queue").status_code == status


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    visit: Any, demo: DemoPortal
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    before = demo.desk.claims_of(Actor.customer("C-1001")).items
    for token in (None, "not-the-token"):
        refused = mei.post("/claims", {"csrf": token})
        assert refused.status_code == 403
        assert "expired" in refused.text
    assert demo.desk.claims_of(Actor.customer("C-1001")).items == before


def test_the_api_needs_the_csrf_header_for_a_change_made_with_the_cookie(
    visit: Any,
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    refused = mei.request("POST", "/api/v1/claims", json={})
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["error"]
    done = mei.request("POST", "/api/v1/claims", json={}, headers={"x-csrf-token": mei.csrf})
    assert done.status_code == 201


def _multipart(csrf: str) -> bytes:
    return (
        f'--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
        '--b\r\nContent-Disposition: form-data; name="document"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()


async def _chunks(head: bytes, size: int) -> AsyncIterator[bytes]:
    """A well-formed upload that goes on and on, with no Content-Length."""
    yield head
    for _ in range(size // 65536 + 1):
        yield b"x" * 65536


@pytest.mark.parametrize("declared", [True, False])
def test_an_upload_over_the_limit_is_refused_while_it_streams(
    demo: DemoPortal, declared: bool
) -> None:
    app = create_app(demo.desk, identify=demo.identities, secret_key="t", max_upload_bytes=200_000)
    mei = Visitor(app)
    try:
        mei.sign_in("C-1001")
        claim_url = mei.post("/claims").headers["location"]
        head = _multipart(mei.csrf)
        body: Any = head + b"x" * 300_000 if declared else _chunks(head, 300_000)
        headers = {"content-type": "multipart/form-data; boundary=b"}
        answer = mei.request("POST", f"{claim_url}/documents", content=body, headers=headers)
        assert answer.status_code == 413
        assert "smaller file" in answer.text
        claim_id = claim_url.rsplit("/", 1)[1]
        assert demo.desk.checklist(Actor.customer("C-1001"), claim_id).items == ()
    finally:
        mei.close()


def test_sign_in_attempts_are_limited_per_address(demo: DemoPortal) -> None:
    limiter = SignInLimiter(attempts=3, window=60)
    app = create_app(demo.desk, identify=demo.identities, secret_key="t", sign_in_limiter=limiter)
    visitor = Visitor(app)
    try:
        visitor.get("/signin")
        answers = [visitor.post("/signin", {"who": "nobody"}) for _ in range(4)]
        assert [a.status_code for a in answers] == [303, 303, 303, 429]
        assert answers[-1].headers["retry-after"] == "60"
        assert "Too many sign-in attempts" in answers[-1].text
    finally:
        visitor.close()


class _SharedCount:
    """A host's limiter whose count lives outside the process (here: one dict two apps share)."""

    def __init__(self, attempts: int) -> None:
        self.attempts = attempts
        self.seen: dict[str, int] = {}

    def allow(self, client: str) -> bool:
        self.seen[client] = self.seen.get(client, 0) + 1
        return self.seen[client] <= self.attempts


def test_a_host_s_own_limiter_holds_one_count_across_workers(demo: DemoPortal) -> None:
    shared = _SharedCount(attempts=2)
    workers = [
        create_app(demo.desk, identify=demo.identities, secret_key="t", sign_in_limiter=shared)
        for _ in range(2)
    ]
    visitors = [Visitor(app) for app in workers]
    try:
        for visitor in visitors:
            visitor.get("/signin")
        answers = [v.post("/signin", {"who": "nobody"}).status_code for v in visitors * 2]
        assert answers == [303, 303, 429, 429]  # the second worker saw the first's attempts
    finally:
        for visitor in visitors:
            visitor.close()


def test_an_unknown_identity_is_not_signed_in(visit: Any) -> None:
    stranger = visit()
    stranger.get("/signin")
    page = stranger.follow(stranger.post("/signin", {"who": "admin"}))
    assert flash(page) == "Choose one of the people listed."
    assert stranger.get("/claims").status_code == 303


def test_the_language_switch_goes_back_only_to_a_page_of_the_portal(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    for back, expected in (("/help", "/help"), ("//evil.example/x", "/"), ("https://e.x", "/")):
        answer = mei.post("/language", {"lang": "zh-CN", "back": back})
        assert answer.headers["location"] == expected
    page = mei.get("/help")
    assert '<html lang="zh-CN">' in page.text
    assert "常见问题" in page.text


def test_the_browser_language_is_used_until_one_is_chosen(visit: Any) -> None:
    page = visit().get("/signin", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-CN">' in page.text
    assert "请选择您的身份" in page.text


def test_what_a_customer_types_is_escaped_on_every_page_it_reaches(
    visit: Any, demo: DemoPortal
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = mei.post("/claims").headers["location"]
    evil = '<img src=x onerror="alert(1)">'
    mei.post(
        f"{claim_url}/lines",
        {"category": "pharmacy", "incurred_on": "2026-11-20", "provider": evil, "amount": "5"},
    )
    page = mei.get(claim_url)
    assert evil not in page.text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page.text


def test_the_vendored_htmx_is_served_from_the_portal(app: Starlette, visit: Any) -> None:
    script = visit().get("/static/htmx.min.js")
    assert script.status_code == 200
    assert "htmx" in script.text[:2000]
