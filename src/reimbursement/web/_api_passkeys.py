"""The JSON API's passkey routes: register a passkey, and submit a draft signed with one.

Only with ``create_app(passkeys=...)`` (404 otherwise). An API client keeps
no session, so the registration's challenge travels with the options as a
``challenge_token`` the portal signed (its session key, five minutes, bound
to the customer), and comes back with the browser's answer. A submission is
signed as the pages sign it: the options' challenge is ``SHA-256`` of the
submission's canonical bytes, and the assertion is accepted (its counter
moved on) before the desk, whose verifier checks it again, records it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import SignatureError, ValidationError
from ._api import _json, _writable, tracking_data
from ._portal import Portal

if TYPE_CHECKING:
    from ..adapters.passkeys import Passkeys

__all__ = ["routes"]

_TOKEN_AGE = 300
"""Seconds a registration's challenge token is good for."""


def _parts(request: Request) -> tuple[Portal, Passkeys, URLSafeTimedSerializer]:
    portal: Portal = request.app.state.portal
    if portal.passkeys is None:
        raise HTTPException(404, "this portal signs without passkeys")
    tokens = URLSafeTimedSerializer(portal.secret_key, salt="reimbursement.api.passkey")
    return portal, portal.passkeys, tokens


def _text_or_object(body: dict[str, Any], name: str) -> str:
    """A field holding the browser's ``credential.toJSON()``, as an object or its JSON text."""
    value = body.get(name)
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, str) and value:
        return value
    raise ValidationError.at(name, "must be the credential's JSON (credential.toJSON())")


def _declarations(body: dict[str, Any]) -> list[str]:
    given = body.get("declarations")
    if not isinstance(given, list) or not given or not all(isinstance(d, str) for d in given):
        raise ValidationError.at("declarations", "must be the texts the customer declared")
    if sum(len(d) for d in given) > 10_000:
        raise ValidationError.at("declarations", "are longer than 10,000 characters")
    return list(given)


async def registration_options(request: Request) -> Response:
    """POST /api/v1/passkeys/options: the options of ``navigator.credentials.create``."""
    portal, passkeys, tokens = _parts(request)
    actor = portal.customer(request)
    _writable(request)

    def call() -> dict[str, object]:
        name = portal.desk.adapters.directory.profile(actor.id).name
        return passkeys.registration_options(actor.id, name)

    options = await portal.call(call)
    token = tokens.dumps([actor.id, options["challenge"]])
    body = {"options": options, "challenge_token": token}
    return JSONResponse(body, headers={"cache-control": "no-store"})


async def register(request: Request) -> Response:
    """POST /api/v1/passkeys: check the new credential against its token's challenge; keep it."""
    portal, passkeys, tokens = _parts(request)
    actor = portal.customer(request)
    _writable(request)
    body = await _json(request)
    answer = _text_or_object(body, "credential")
    try:
        owner, challenge = tokens.loads(str(body.get("challenge_token", "")), max_age=_TOKEN_AGE)
    except (BadSignature, ValueError, TypeError):
        raise SignatureError.at(
            "challenge_token", "is not one this portal gave, or expired: ask for options again"
        ) from None
    if owner != actor.id:
        raise SignatureError.at("challenge_token", "was given to another customer")
    name = body.get("name", "")
    label = name[:200] if isinstance(name, str) else ""
    made = await portal.call(
        passkeys.register, actor.id, answer, challenge, portal.now(), name=label
    )
    found = {"credential_id": made.credential_id, "name": made.name}
    return JSONResponse(found, status_code=201)


async def submission_options(request: Request) -> Response:
    """POST /api/v1/claims/{claim_id}/submit/options: the options that sign the submission."""
    portal, passkeys, _ = _parts(request)
    actor = portal.customer(request)
    _writable(request)
    declarations = _declarations(await _json(request))
    claim_id = request.path_params["claim_id"]

    def call() -> dict[str, object]:
        payload = portal.desk.submission_to_sign(actor, claim_id, declarations=declarations)
        return passkeys.request_options(actor.id, payload)

    options = await portal.call(call)
    return JSONResponse({"options": options}, headers={"cache-control": "no-store"})


async def submit(request: Request) -> Response:
    """POST /api/v1/claims/{claim_id}/submit: submit the draft with the passkey's assertion."""
    portal, passkeys, _ = _parts(request)
    actor = portal.customer(request)
    _writable(request)
    body = await _json(request)
    declarations = _declarations(body)
    signature = passkeys.signature_of(_text_or_object(body, "assertion"))
    claim_id = request.path_params["claim_id"]

    def call() -> dict[str, Any]:
        payload = portal.desk.submission_to_sign(actor, claim_id, declarations=declarations)
        passkeys.accept(payload, signature)
        portal.desk.submit(actor, claim_id, signature=signature, declarations=declarations)
        return tracking_data(portal.desk.track(actor, claim_id))

    return JSONResponse(await portal.call(call))


def routes() -> list[Route]:
    """The passkey routes of the API (404 when the portal has no passkeys)."""
    post = ["POST"]
    return [
        Route("/api/v1/passkeys/options", registration_options, methods=post),
        Route("/api/v1/passkeys", register, methods=post),
        Route("/api/v1/claims/{claim_id}/submit/options", submission_options, methods=post),
        Route("/api/v1/claims/{claim_id}/submit", submit, methods=post),
    ]
