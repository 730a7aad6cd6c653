"""What every page handler shares: the desk, the signed-in actor, forms, rendering, refusals."""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import attrs
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..domain.actors import Actor, Role
from ..errors import (
    AuthorizationError,
    ConcurrencyError,
    NotFoundError,
    ReimbursementError,
    ValidationError,
)
from ..notify.ports import InboxStore
from ..service.desk import ReimbursementDesk
from ._i18n import LANGUAGES, Catalogue, catalogue, chosen_language
from ._identity import DemoIdentities, DemoIdentity, Identify
from .security import SignInLimiter, SignInLimits, check_csrf, csrf_token

if TYPE_CHECKING:
    from ..adapters.passkeys import Passkeys

__all__ = ["Portal", "Posted", "SignInRequired", "by_method", "posted", "status_of"]

T = TypeVar("T")


class SignInRequired(Exception):
    """The request has no signed-in actor (pages redirect to sign in; the API answers 401)."""


def status_of(error: ReimbursementError) -> int:
    """The HTTP status of a refusal: 403, 404, 409 or 422."""
    if isinstance(error, AuthorizationError):
        return 403
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, ValidationError):
        return 422
    if isinstance(error, ConcurrencyError):
        return 409
    return 409


Endpoint = Callable[[Request], Awaitable[Response]]


def by_method(path: str, get: Endpoint, post: Endpoint) -> Route:
    """One route for a path read with GET and changed with POST (so a 405 lists both)."""

    async def endpoint(request: Request) -> Response:
        return await (post if request.method == "POST" else get)(request)

    endpoint.__doc__ = get.__doc__
    return Route(path, endpoint, methods=["GET", "POST"])


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reimbursement.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the package's templates do not change under a running server
    )
    return env


class Pages:
    """The rendered pages kept by :meth:`Portal.render`: the ``size`` used last."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, str] = OrderedDict()

    def get(self, key: Hashable) -> str | None:
        """The page kept under ``key``, now the last used; ``None`` when there is none.

        The kept key stays (an equal one is not swapped in): what the request
        brought dies with it instead of living on in the cache.
        """
        page = self._kept.get(key)
        if page is not None:
            self._kept.move_to_end(key)
        return page

    def keep(self, key: Hashable, page: str) -> None:
        """Keep ``page`` under ``key``, forgetting the one used longest ago when full."""
        if len(self._kept) >= self.size:
            self._kept.popitem(last=False)
        self._kept[key] = page


class _Key:
    """A key of :class:`Pages` hashed once: a kept page is looked up and moved to the end, and
    the desk's views in the key (a claim's whole tracking) are dear to hash."""

    __slots__ = ("_hash", "parts")

    def __init__(self, parts: tuple[object, ...]) -> None:
        self.parts = parts
        self._hash = hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self._hash == other._hash and self.parts == other.parts


def _whole_from_zero(_: object, field: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError.at(field.name, f"{value!r} is not a whole number >= 0")


@attrs.define
class Portal:
    """The portal's parts: the desk, the identify hook, the inbox, templates and limits.

    ``max_upload_bytes`` bounds each request body; with ``passkeys`` the
    customers sign their submissions with a passkey. ``desk_threads`` desk
    calls run at once, each in a worker thread (the rest wait their turn),
    or, with ``0``, each on the event loop itself; with ``reads_on_loop``
    the small reads behind the pages (:meth:`read`) run on the loop and
    only the rest go to the threads. ``secret_key`` signs what the portal
    hands out to come back (the session).
    """

    desk: ReimbursementDesk
    identify: Identify
    inbox: InboxStore | None = None
    max_upload_bytes: int = 10 * 1024 * 1024
    sign_in_limiter: SignInLimits = attrs.field(factory=SignInLimiter)
    time_zone: str = "UTC"
    templates: Environment = attrs.field(factory=_environment)
    passkeys: Passkeys | None = None
    desk_threads: int = attrs.field(default=1, validator=_whole_from_zero)
    reads_on_loop: bool = False
    secret_key: str = attrs.field(factory=lambda: secrets.token_urlsafe(32), repr=False)
    _desk_threads: ThreadPoolExecutor | None = attrs.field(init=False, repr=False)
    _pages: Pages = attrs.field(factory=lambda: Pages(512), init=False, repr=False)
    # stands for the CSRF token in a kept page: random, so that no content can contain it
    _csrf_mark: str = attrs.field(factory=lambda: secrets.token_hex(16), init=False, repr=False)
    _fragments: Callable[[str, tuple[object, ...]], Markup] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        # not bound to an event loop: one app served by several loops keeps one limit
        self._desk_threads = (
            ThreadPoolExecutor(self.desk_threads, thread_name_prefix="desk")
            if self.desk_threads
            else None
        )
        zone = ZoneInfo(self.time_zone)

        @lru_cache(maxsize=4096)  # the same due times come back on every page of a queue
        def when(at: datetime | None) -> str:
            return "" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

        self.templates.filters["when"] = when  # every time on a page in one zone

        @lru_cache(maxsize=4096)
        def fragment(name: str, row: tuple[object, ...]) -> Markup:
            return Markup(self.templates.get_template(name).render(r=row))

        self._fragments = fragment
        self.templates.globals["fragment"] = self.fragment  # queue.html: its rows

    def fragment(self, name: str, row: tuple[object, ...]) -> Markup:
        """Template ``name`` rendered with ``r=row``, once per distinct ``row``.

        For the rows of a long table: ``row`` holds every value the fragment
        shows (a NamedTuple of texts), so a row seen before is the same HTML,
        and a page of forty rows costs forty lookups, not forty renders.
        """
        return self._fragments(name, row)

    @property
    def demo(self) -> DemoIdentities | None:
        """The demo identities when the portal signs people in itself, else ``None``."""
        return self.identify if isinstance(self.identify, DemoIdentities) else None

    def now(self) -> datetime:
        """The desk's clock (the core and its pages agree on what time it is)."""
        return self.desk.adapters.clock.now()

    def actor(self, request: Request) -> Actor:
        """The signed-in actor; raises :class:`SignInRequired` when there is none."""
        found = self.identify(request)
        if found is None:
            raise SignInRequired
        return found

    def customer(self, request: Request) -> Actor:
        """The actor, acting as a customer (a staff member at home uses their customer id)."""
        actor = self.actor(request)
        return actor if actor.role is Role.CUSTOMER else Actor.customer(actor.id)

    def language(self, request: Request) -> str:
        """The page language: the session's choice, else the browser's, else English."""
        return chosen_language(
            request.session.get("lang"), request.headers.get("accept-language", "")
        )

    def t(self, request: Request) -> Catalogue:
        """The message catalogue of the request's language."""
        return catalogue(self.language(request))

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a desk call off the event loop (desk calls block on the database).

        At most ``desk_threads`` at once: desk calls hold the GIL most of
        their time, so forty threads (anyio's default) run no faster than
        one on SQLite; they only fight for the GIL and the engine's
        connection pool, and that contention cost more CPU than the calls.
        The calls wait their turn in the portal's own pool of ``desk_threads``
        threads, which no event loop owns, so the limit holds however many
        loops serve the app; the pool is a plain executor on asyncio's loop
        (the portal runs on asyncio, as uvicorn does), cheaper per call than
        anyio's worker threads behind a capacity limiter.

        With ``desk_threads=0`` the call runs on the event loop itself, with
        no hand-over to a thread and back: the cheapest for SQLite on a
        local file, whose calls take a fraction of a millisecond, but the
        loop serves nobody else until the call returns.
        """
        if self._desk_threads is None:
            return fn(*args, **kwargs)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._desk_threads, partial(fn, *args, **kwargs))

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a small desk read: on the event loop with ``reads_on_loop``, else as :meth:`call`.

        For what a page shows of one claim, or one page of at most fifty
        rows: on SQLite in WAL mode such a read never waits for a writer and
        takes a fraction of a millisecond, less than handing it to a thread
        and back costs. Writes, reports and document bytes go through
        :meth:`call`: a write may wait for another process's lock, and the
        loop would serve nobody while it waits.
        """
        if self.reads_on_loop:
            return fn(*args, **kwargs)
        return await self.call(fn, *args, **kwargs)

    async def form(self, request: Request) -> FormData:
        """The posted form, refused (403) unless it carries the session's CSRF token."""
        form = await request.form(max_files=4, max_fields=200)
        given = form.get("csrf") or request.headers.get("x-csrf-token")
        if not check_csrf(request.session, given):
            raise HTTPException(403, self.t(request)("error.csrf"))
        return form

    def render(
        self,
        request: Request,
        name: str,
        status: int = 200,
        *,
        depends_on: tuple[object, ...] | None = None,
        **values: Any,
    ) -> Response:
        """Render template ``name`` with what every page needs.

        With ``depends_on`` (hashable values, compared by value, that
        determine ``values``: the desk's view of a claim, the rows of a
        queue) the page is rendered once per distinct ``depends_on``,
        language and viewer, and a later request with equal values gets the
        same text; the session's CSRF token is put into it on every request,
        and a page with a message to flash is always rendered anew.
        """
        t = self.t(request)
        demo = self.demo
        identity = demo.identity(request) if demo is not None else None
        if demo is None:
            signed_in = self.identify(request)
        else:  # the demo's identify hook is its identity's actor: one look-up, not two
            signed_in = identity.actor if identity is not None else None
        csrf = csrf_token(request.session)
        flash = request.session.pop("flash", None)
        path = request.url.path
        if depends_on is not None and flash is None:
            key = _Key((name, t.language, signed_in, identity, path, depends_on))
            page = self._pages.get(key)
            if page is None:
                page = self._render(
                    name, t, self._csrf_mark, signed_in, identity, None, path, values
                )
                self._pages.keep(key, page)
            return HTMLResponse(page.replace(self._csrf_mark, csrf), status_code=status)
        page = self._render(name, t, csrf, signed_in, identity, flash, path, values)
        return HTMLResponse(page, status_code=status)

    def _render(
        self,
        name: str,
        t: Catalogue,
        csrf: str,
        signed_in: Actor | None,
        identity: DemoIdentity | None,
        flash: object,
        path: str,
        values: dict[str, Any],
    ) -> str:
        return self.templates.get_template(name).render(
            t=t,
            lang=t.language,
            languages=LANGUAGES,
            csrf=csrf,
            actor=signed_in,
            identity=identity,
            is_staff=signed_in is not None and signed_in.role is not Role.CUSTOMER,
            flash=flash,
            path=path,
            passkeys=self.passkeys is not None,
            **values,
        )

    async def act(
        self, request: Request, back: str, call: Callable[[], object], done: str | None = None
    ) -> Response:
        """Run ``call`` (a desk call); on a refusal, go ``back`` showing the desk's message."""
        t = self.t(request)
        try:
            await self.call(call)
        except ReimbursementError as error:
            request.session["flash"] = {"kind": "error", "text": str(error)}
            return RedirectResponse(back, status_code=303)
        request.session["flash"] = {"kind": "ok", "text": t("flash.done")}
        return RedirectResponse(done or back, status_code=303)


@attrs.frozen
class Posted:
    """A form posted about one claim: the portal, the form (CSRF checked), the actor, the claim."""

    portal: Portal
    form: FormData
    actor: Actor
    claim_id: str

    async def act(
        self, request: Request, back: str, call: Callable[[], object], done: str | None = None
    ) -> Response:
        """:meth:`Portal.act` for this form."""
        return await self.portal.act(request, back, call, done)


async def posted(request: Request, *, customer: bool) -> Posted:
    """The form posted to a claim's page; the actor as a customer when ``customer``."""
    portal: Portal = request.app.state.portal
    form = await portal.form(request)
    actor = portal.customer(request) if customer else portal.actor(request)
    return Posted(portal, form, actor, request.path_params["claim_id"])
