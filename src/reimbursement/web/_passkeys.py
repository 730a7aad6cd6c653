"""Passkeys in the portal: a customer registers one, then signs each (re)submission with it.

Only with ``create_app(passkeys=...)`` (``docs/portal.md``, "Signing with a
passkey"). The pages ask for WebAuthn options with a POST of the form
itself (``static/passkey.js``, no inline script); the options to sign a
submission have ``SHA-256`` of its canonical bytes as their challenge, so
the assertion the browser returns signs exactly what the desk will
record. The submit and resubmit handlers pass it through
:meth:`~reimbursement.adapters.passkeys.Passkeys.accept` (which moves the
sign counter on) and on to the desk, whose verifier checks it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..audit.signatures import Signing
from ..domain.actors import Actor
from ..domain.inputs import ClaimPatch
from ..errors import ReimbursementError, SignatureError
from ..service.desk import ReimbursementDesk
from ._forms import field, line_patches
from ._portal import Portal, by_method, status_of

if TYPE_CHECKING:
    from ..adapters.passkeys import Passkeys

__all__ = ["draft_payload", "fix_of", "fix_payload", "routes", "signing"]

_CHALLENGE = "passkey_challenge"
"""The session key of the registration's challenge, kept from the options to the answer."""


def _portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def _passkeys(portal: Portal) -> Passkeys:
    if portal.passkeys is None:
        raise HTTPException(404, "this portal signs without passkeys")
    return portal.passkeys


async def page(request: Request) -> Response:
    """The customer's passkeys, and the form that adds one."""
    portal = _portal(request)
    passkeys = _passkeys(portal)
    actor = portal.customer(request)
    found = await portal.call(passkeys.store.of_customer, actor.id)
    return portal.render(request, "passkeys.html", credentials=found)


async def registration_options(request: Request) -> Response:
    """The options of ``navigator.credentials.create``; its fresh challenge kept in the session."""
    portal = _portal(request)
    passkeys = _passkeys(portal)
    await portal.form(request)
    actor = portal.customer(request)
    name = await portal.call(lambda: portal.desk.adapters.directory.profile(actor.id).name)
    options = await portal.call(passkeys.registration_options, actor.id, name)
    request.session[_CHALLENGE] = options["challenge"]
    return JSONResponse(options, headers={"cache-control": "no-store"})


async def register(request: Request) -> Response:
    """Check the browser's new credential against the session's challenge, and keep it."""
    portal = _portal(request)
    passkeys = _passkeys(portal)
    form = await portal.form(request)
    actor = portal.customer(request)
    kept = request.session.pop(_CHALLENGE, None)  # one answer per challenge

    def call() -> object:
        if not isinstance(kept, str):
            raise SignatureError.at("passkey", "the registration expired: add the passkey again")
        answer = field(form, "passkey", limit=64 * 1024)
        label = field(form, "name", required=False, limit=200)
        return passkeys.register(actor.id, answer, kept, portal.now(), name=label)

    return await portal.act(request, "/passkeys", call)


Payload = Callable[[ReimbursementDesk, Actor, str, FormData, list[str]], bytes]
"""What a form signs: the desk, the customer, the claim, the form and the declarations to bytes."""


def fix_of(desk: ReimbursementDesk, actor: Actor, claim_id: str, form: FormData) -> ClaimPatch:
    """The fix form of a returned claim as the patch it sends (only what changed)."""
    return line_patches(form, desk.track(actor, claim_id))


def draft_payload(
    desk: ReimbursementDesk, actor: Actor, claim_id: str, form: FormData, declarations: list[str]
) -> bytes:
    """The bytes that submitting the draft signs."""
    return desk.submission_to_sign(actor, claim_id, declarations=declarations)


def fix_payload(
    desk: ReimbursementDesk, actor: Actor, claim_id: str, form: FormData, declarations: list[str]
) -> bytes:
    """The bytes that sending the returned claim back, fixed as the form says, signs."""
    patch = fix_of(desk, actor, claim_id, form)
    return desk.submission_to_sign(actor, claim_id, patch, declarations=declarations)


def _declarations(portal: Portal, request: Request) -> list[str]:
    return [portal.t(request)("claim.declaration")]  # the text the customer ticked, as shown


def signing(
    portal: Portal, request: Request, form: FormData, actor: Actor, payload: Payload
) -> Signing:
    """What the desk's submit or resubmit takes to be signed; nothing without passkeys.

    Reads the browser's assertion from the form's ``passkey`` field and
    :meth:`~reimbursement.adapters.passkeys.Passkeys.accept` s it over the
    bytes ``payload`` gives (a refusal is a :class:`~reimbursement.errors.SignatureError`).
    Runs off the event loop (it reads the claim).
    """
    if portal.passkeys is None:
        return {}
    answer = form.get("passkey")
    if not isinstance(answer, str) or not answer:
        raise SignatureError.at("passkey", "sign with your passkey first")
    signature = portal.passkeys.signature_of(answer)
    declarations = _declarations(portal, request)
    claim_id = request.path_params["claim_id"]
    portal.passkeys.accept(payload(portal.desk, actor, claim_id, form, declarations), signature)
    return {"signature": signature, "declarations": declarations}


def _options(payload: Payload) -> Callable[[Request], Awaitable[Response]]:
    async def options(request: Request) -> Response:
        """The options of ``navigator.credentials.get`` that sign what the form would send."""
        portal = _portal(request)
        passkeys = _passkeys(portal)
        form = await portal.form(request)
        actor = portal.customer(request)
        claim_id = request.path_params["claim_id"]
        declarations = _declarations(portal, request)

        def call() -> dict[str, object]:
            signed = payload(portal.desk, actor, claim_id, form, declarations)
            return passkeys.request_options(actor.id, signed)

        try:
            found = await portal.call(call)
        except ReimbursementError as error:
            return JSONResponse({"error": str(error)}, status_code=status_of(error))
        return JSONResponse(found, headers={"cache-control": "no-store"})

    return options


def routes() -> list[Route]:
    """The passkey routes (answering 404 when the portal has no passkeys)."""
    post = ["POST"]
    return [
        by_method("/passkeys", page, register),
        Route("/passkeys/options", registration_options, methods=post),
        Route("/claims/{claim_id}/submit/options", _options(draft_payload), methods=post),
        Route("/claims/{claim_id}/resubmit/options", _options(fix_payload), methods=post),
    ]
