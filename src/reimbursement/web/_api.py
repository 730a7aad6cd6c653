"""The HTTP JSON API beside the pages, described by the OpenAPI document at ``/api/openapi.json``.

The same identify hook names the actor (a platform sends its own bearer
token; the demo takes a demo identity's key). A call that changes
something and is authenticated by the session cookie instead needs the
``X-CSRF-Token`` header, as the pages' forms do.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..domain.inputs import LineInput
from ..domain.money import Money
from ..errors import AuthorizationError, ReimbursementError, ValidationError
from ..ports import ClaimSummary
from ..service.views import ClaimTracking
from ._portal import Portal, by_method
from ._spec import OPENAPI
from .security import check_csrf

__all__ = ["error_body", "routes"]


def _portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def _money(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def tracking_data(view: ClaimTracking) -> dict[str, Any]:
    """A claim as the customer sees it, as JSON (amounts as strings, ISO 8601 times)."""
    return {
        "id": view.claim_id,
        "number": view.number,
        "state": view.state.value,
        "stage": view.stage,
        "next_step": view.next_step,
        "claimed": _money(view.claimed),
        "approved": _money(view.approved),
        "paid": _money(view.paid),
        "expected_completion": None
        if view.expected_completion is None
        else view.expected_completion.isoformat(),
        "customer_actions": list(view.customer_actions),
        "return_reasons": list(view.return_reasons),
        "timeline": [
            {"at": e.at.isoformat(), "event": e.event.value, "title": e.title, "detail": e.detail}
            for e in view.timeline
        ],
        "messages": [
            {"author": m.author, "body": m.body, "posted_at": m.posted_at.isoformat()}
            for m in view.messages
        ],
    }


def _summary(item: ClaimSummary) -> dict[str, Any]:
    return {
        "id": item.id,
        "number": item.number,
        "customer_id": item.customer_id,
        "state": item.state.value,
        "due_at": None if item.due_at is None else item.due_at.isoformat(),
    }


def error_body(error: ReimbursementError) -> dict[str, Any]:
    """The JSON of a refusal: the desk's message and, for bad input, each field's problem."""
    problems = getattr(error, "problems", ())
    return {
        "error": str(error),
        "problems": [{"path": p.path, "message": p.message} for p in problems],
    }


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        loaded = json.loads(raw)
    except (ValueError, UnicodeError):
        raise ValidationError.at("body", "is not JSON") from None
    if not isinstance(loaded, dict):
        raise ValidationError.at("body", "must be a JSON object")
    return loaded


def _writable(request: Request) -> None:
    """A cookie-authenticated change needs the CSRF header (a bearer token does not)."""
    if "authorization" not in request.headers and not check_csrf(
        request.session, request.headers.get("x-csrf-token")
    ):
        raise AuthorizationError(
            "a change made with the session cookie needs the X-CSRF-Token header"
        )


def _line(data: object, index: int) -> LineInput:
    path = f"lines[{index}]"
    if not isinstance(data, dict):
        raise ValidationError.at(path, "must be an object")
    try:
        amount = data["amount"]
        day = date.fromisoformat(str(data["incurred_on"]))
        return LineInput(
            str(data["category"]),
            day,
            str(data["provider"]),
            Money(str(amount["amount"]), str(amount["currency"])),
            str(data.get("description", "")),
        )
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ValidationError):
            raise
        raise ValidationError.at(path, f"is incomplete or malformed ({error})") from None


async def list_claims(request: Request) -> Response:
    """GET /api/v1/claims: the customer's claims."""
    portal = _portal(request)
    actor = portal.customer(request)
    page = await portal.read(portal.desk.claims_of, actor, limit=50)
    return JSONResponse({"claims": [tracking_data(v) for v in page.items]})


async def start_claim(request: Request) -> Response:
    """POST /api/v1/claims: a pre-filled draft, with the lines given."""
    portal = _portal(request)
    actor = portal.customer(request)
    _writable(request)
    body = await _json(request)
    given = body.get("lines", [])
    if not isinstance(given, list):
        raise ValidationError.at("lines", "must be a list")
    lines = [_line(item, i) for i, item in enumerate(given)]
    draft = await portal.call(portal.desk.start_draft, actor, lines)
    view = await portal.read(portal.desk.track, actor, draft.id)
    return JSONResponse(tracking_data(view), status_code=201)


async def get_claim(request: Request) -> Response:
    """GET /api/v1/claims/{claim_id}: the claim as the customer sees it."""
    portal = _portal(request)
    actor = portal.customer(request)
    view = await portal.read(portal.desk.track, actor, request.path_params["claim_id"])
    return JSONResponse(tracking_data(view))


async def post_message(request: Request) -> Response:
    """POST /api/v1/claims/{claim_id}/messages: a message to the claims team."""
    portal = _portal(request)
    actor = portal.customer(request)
    _writable(request)
    body = (await _json(request)).get("body")
    if not isinstance(body, str):
        raise ValidationError.at("body", "must be a text")
    claim_id = request.path_params["claim_id"]
    posted = await portal.call(portal.desk.post_message, actor, claim_id, body)
    return JSONResponse(
        {"id": posted.id, "body": posted.body, "posted_at": posted.posted_at.isoformat()},
        status_code=201,
    )


async def work_queue(request: Request) -> Response:
    """GET /api/v1/queue: the staff member's claims in review, soonest due first."""
    portal = _portal(request)
    actor = portal.actor(request)
    page = await portal.read(portal.desk.work_queue, actor, limit=50)
    return JSONResponse({"claims": [_summary(s) for s in page.items]})


async def openapi(request: Request) -> Response:
    """GET /api/openapi.json: this API's OpenAPI 3.1 document."""
    return JSONResponse(OPENAPI)


def routes() -> list[Route]:
    """The API's routes."""
    post = ["POST"]
    return [
        Route("/api/openapi.json", openapi),
        by_method("/api/v1/claims", list_claims, start_claim),
        Route("/api/v1/claims/{claim_id}", get_claim),
        Route("/api/v1/claims/{claim_id}/messages", post_message, methods=post),
        Route("/api/v1/queue", work_queue),
    ]
