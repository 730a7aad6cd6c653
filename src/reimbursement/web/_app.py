"""The ASGI application: routes, middleware, sign-in, the language switch, refusals as pages."""

from __future__ import annotations

import secrets
from importlib import resources
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import ReimbursementError
from ..notify.ports import InboxStore
from ..service.desk import ReimbursementDesk
from . import _api, _api_passkeys, _customer, _dashboard, _passkeys, _staff
from ._i18n import LANGUAGES
from ._identity import Identify
from ._portal import Portal, SignInRequired, by_method, status_of
from .security import SecurityHeaders, SessionCookie, SignInLimiter, SignInLimits, UploadLimit

if TYPE_CHECKING:
    from ..adapters.passkeys import Passkeys

__all__ = ["create_app"]


def _portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def home(request: Request) -> Response:
    """Where a signed-in person starts: their claims, or the work queue for staff."""
    portal = _portal(request)
    actor = portal.identify(request)
    if actor is None:
        return RedirectResponse("/signin", status_code=303)
    staff = actor.role.value != "customer"
    return RedirectResponse("/staff/queue" if staff else "/claims", status_code=303)


async def sign_in_page(request: Request) -> Response:
    """The demo sign-in: choose who you are (a platform signs people in itself)."""
    portal = _portal(request)
    demo = portal.demo
    identities = list(demo.by_key.values()) if demo is not None else []
    return portal.render(request, "signin.html", identities=identities)


async def sign_in(request: Request) -> Response:
    """Sign in as a demo identity; at most ``SignInLimiter.attempts`` a minute per address."""
    portal = _portal(request)
    client = request.client.host if request.client else "unknown"
    if not portal.sign_in_limiter.allow(client):
        return PlainTextResponse(
            portal.t(request)("signin.limited"), status_code=429, headers={"retry-after": "60"}
        )
    form = await portal.form(request)
    demo = portal.demo
    key = form.get("who")
    if demo is None or not isinstance(key, str) or key not in demo.by_key:
        request.session["flash"] = {"kind": "error", "text": portal.t(request)("signin.unknown")}
        return RedirectResponse("/signin", status_code=303)
    csrf = request.session.get("csrf")
    request.session.clear()  # a new session at sign-in: nothing carried over but the token
    request.session.update({"who": key, "csrf": csrf, "lang": demo.by_key[key].language})
    return RedirectResponse("/", status_code=303)


async def sign_out(request: Request) -> Response:
    """Forget the session."""
    await _portal(request).form(request)
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)


async def language(request: Request) -> Response:
    """Switch the page language (en, zh-CN) and go back where the person was."""
    portal = _portal(request)
    form = await portal.form(request)
    chosen = form.get("lang")
    if isinstance(chosen, str) and chosen in LANGUAGES:
        request.session["lang"] = chosen
    back = form.get("back")
    safe = isinstance(back, str) and back.startswith("/") and not back.startswith("//")
    return RedirectResponse(back if safe and isinstance(back, str) else "/", status_code=303)


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, ReimbursementError)
    status = status_of(error)
    if _is_api(request):
        return JSONResponse(_api.error_body(error), status_code=status)
    return _portal(request).render(request, "error.html", status=status, message=str(error))


async def _signed_out(request: Request, error: Exception) -> Response:
    if _is_api(request):
        body = {"error": "sign in first: send Authorization: Bearer <token>", "problems": []}
        return JSONResponse(body, status_code=401, headers={"www-authenticate": "Bearer"})
    return RedirectResponse("/signin", status_code=303)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if _is_api(request):
        body = {"error": str(error.detail), "problems": []}
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)
    page = _portal(request).render(
        request, "error.html", status=error.status_code, message=str(error.detail)
    )
    page.headers.update(error.headers or {})  # 405 says which methods are allowed
    return page


def _routes() -> list[BaseRoute]:
    static = StaticFiles(directory=str(resources.files(__package__).joinpath("static")))
    return [
        Route("/", home),
        by_method("/signin", sign_in_page, sign_in),
        Route("/signout", sign_out, methods=["POST"]),
        Route("/language", language, methods=["POST"]),
        *_passkeys.routes(),
        *_customer.routes(),
        *_staff.routes(),
        *_dashboard.routes(),
        *_api.routes(),
        *_api_passkeys.routes(),
        Mount("/static", static, name="static"),
    ]


def create_app(
    desk: ReimbursementDesk,
    *,
    identify: Identify,
    secret_key: str | None = None,
    inbox: InboxStore | None = None,
    max_upload_bytes: int = 10 * 1024 * 1024,
    sign_in_limiter: SignInLimits | None = None,
    time_zone: str = "UTC",
    passkeys: Passkeys | None = None,
    desk_threads: int = 1,
    reads_on_loop: bool = False,
) -> Starlette:
    """The portal and workbench over ``desk`` as an ASGI application.

    ``identify`` is the host's authentication hook (a request to its
    :class:`~reimbursement.Actor`, or ``None``); pass
    :class:`~reimbursement.web.DemoIdentities` for the demo sign-in page.
    ``secret_key`` signs the session cookie (default: a random key, so
    sessions end when the process does; give every process of one site the
    same key). ``inbox`` is the customers' in-app inbox store;
    ``sign_in_limiter`` counts sign-in attempts (:class:`~reimbursement.web.security.SignInLimits`;
    default: 10 a minute per address, per process). Pages show
    times in ``time_zone`` (an IANA name, such as ``Europe/Berlin``).
    With ``passkeys`` (:class:`~reimbursement.adapters.passkeys.Passkeys`, the
    ``[passkey]`` extra) customers register a passkey and sign every
    submission with it; give the desk the same object as its verifier
    (``Adapters.verifier``), so that it checks what the portal accepted.
    ``desk_threads`` desk calls run at once in worker threads (one suits
    SQLite, whose calls hold the GIL; more for PostgreSQL; ``0``: all on the
    event loop). ``reads_on_loop`` runs the pages' small reads on the loop
    and the rest in the threads, as ``serve`` does on SQLite (docs/portal.md).
    """
    secret_key = secret_key or secrets.token_urlsafe(32)
    limiter = sign_in_limiter if sign_in_limiter is not None else SignInLimiter()
    portal = Portal(
        desk,
        identify,
        inbox,
        max_upload_bytes,
        limiter,
        time_zone,
        passkeys=passkeys,
        desk_threads=desk_threads,
        reads_on_loop=reads_on_loop,
        secret_key=secret_key,
    )
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(UploadLimit, max_bytes=max_upload_bytes),
        Middleware(SessionCookie, secret_key=secret_key),
    ]
    refusals = {
        ReimbursementError: _refused,
        SignInRequired: _signed_out,
        HTTPException: _http_error,
    }
    app = Starlette(routes=_routes(), middleware=middleware, exception_handlers=refusals)
    app.state.portal = portal
    return app
