"""What keeps the portal safe: the session cookie, CSRF, headers, upload and sign-in limits.

Each piece is plain ASGI or a small function, so that a platform embedding
the pages in its own Starlette application can take them one by one
(``docs/portal.md``, "Embedding").
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import MutableMapping
from typing import Any, Protocol

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, want_bytes
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "BodyTooLarge",
    "SecurityHeaders",
    "SessionCookie",
    "SignInLimiter",
    "SignInLimits",
    "UploadLimit",
    "check_csrf",
    "csrf_token",
]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""No inline script or style anywhere: htmx and the portal's script are files of ``/static``."""

_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(self), geolocation=(), microphone=()",
    "cross-origin-opener-policy": "same-origin",
}


_RAW_HEADERS = tuple((name.encode(), value.encode()) for name, value in _HEADERS.items())
_HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """Adds the security headers to every response; HSTS too when the request came over HTTPS.

    A header the application set itself (a page's own CSP) is left as it is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = (*_RAW_HEADERS, _HSTS) if scope.get("scheme") == "https" else _RAW_HEADERS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in wanted if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class _SessionSigner(TimestampSigner):
    """itsdangerous's timestamp signer, its signing key derived once instead of on every call
    (the same key, so the same signatures)."""

    def __init__(self, secret_key: str, salt: str) -> None:
        super().__init__(secret_key, salt=salt)
        derive = super().derive_key
        self._derived = {key: derive(key) for key in self.secret_keys}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        return self._derived.get(key) or super().derive_key(key)


class SessionCookie:
    """A signed session cookie (itsdangerous): HttpOnly, SameSite=Lax, Secure over HTTPS.

    The session is a small JSON object in ``scope["session"]``; it is signed,
    not encrypted, so it holds who signed in, the language and the CSRF
    token, nothing secret. Behind a TLS-terminating proxy, run the server
    with the proxy's headers trusted (``uvicorn --proxy-headers``) so that
    the scheme is ``https`` and the cookie is marked Secure.
    """

    def __init__(
        self, app: ASGIApp, secret_key: str, *, name: str = "portal", max_age: int = 8 * 3600
    ) -> None:
        self.app = app
        self.signer: TimestampSigner = _SessionSigner(secret_key, salt="reimbursement.web.session")
        self.name = name
        self.max_age = max_age

    def _load(self, scope: Scope) -> dict[str, Any]:
        raw = Request(scope).cookies.get(self.name)
        if not raw:
            return {}
        try:
            data = self.signer.unsign(raw.encode("ascii"), max_age=self.max_age)
            loaded = json.loads(base64.urlsafe_b64decode(data))
        except (BadSignature, SignatureExpired, ValueError, UnicodeError):
            return {}  # a forged, expired or garbled cookie is no session
        return loaded if isinstance(loaded, dict) else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = self._load(scope)
        before = dict(session)
        scope["session"] = session

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["session"] != before:
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", self._cookie(scope))
            await send(message)

        await self.app(scope, receive, with_cookie)

    def _cookie(self, scope: Scope) -> str:
        session = scope["session"]
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        if not session:
            return f"{self.name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
        payload = base64.urlsafe_b64encode(json.dumps(session).encode())
        value = self.signer.sign(payload).decode("ascii")
        return (
            f"{self.name}={value}; Path=/; Max-Age={self.max_age}; HttpOnly; SameSite=Lax{secure}"
        )


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use (a hidden field of every form)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def check_csrf(session: MutableMapping[str, Any], given: object) -> bool:
    """Whether ``given`` (the form field or the ``X-CSRF-Token`` header) is the session's token."""
    token = session.get("csrf")
    return (
        isinstance(token, str)
        and isinstance(given, str)
        and hmac.compare_digest(token.encode(), given.encode())
    )


class BodyTooLarge(Exception):
    """The request body went past the upload limit while it was being read."""


class UploadLimit:
    """Refuses a request body over ``max_bytes``, counted as it streams in (413).

    A declared ``Content-Length`` over the limit is refused before anything
    is read; a body without one (chunked) is cut off at the first chunk that
    passes it, so a large upload never reaches memory or the disk.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Request(scope).headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _too_large(send, self.max_bytes)


async def _too_large(send: Send, limit: int) -> None:
    text = f"The upload is larger than {limit // (1024 * 1024)} MB: send a smaller file.".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(text)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text})


class SignInLimits(Protocol):
    """What ``create_app(sign_in_limiter=...)`` takes: one count of sign-in attempts.

    Give one that keeps its count where every worker reads it (your Redis or
    database) when several processes serve one site and one limit must hold
    for all of them; the default :class:`SignInLimiter` counts per process.
    """

    def allow(self, client: str) -> bool:
        """Count one sign-in attempt of ``client`` (an address); whether it may go on."""
        ...


class SignInLimiter:
    """At most ``attempts`` sign-ins per client address in ``window`` seconds (this process).

    Several server processes each keep their own count, so N workers allow
    up to N times the limit: for the demo sign-in, which checks no password,
    that bounds nothing a guess could win. A platform whose sign-in checks
    secrets puts one count in front of all workers (the proxy's limit, or its
    own :class:`SignInLimits` on shared storage).
    """

    def __init__(self, attempts: int = 10, window: float = 60.0) -> None:
        self.attempts = attempts
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Count one attempt of ``client``; whether it is within the limit."""
        now = time.monotonic()  # a rate, not a business time: the desk's clock is not for this
        with self._lock:
            seen = self._seen.setdefault(client, deque())
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.attempts:
                return False
            seen.append(now)
            return True
