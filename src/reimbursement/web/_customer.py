"""The customer's pages: claims, a draft, documents, submission, tracking, messages, the inbox.

Which forms a page shows follows the claim's ``customer_actions``; what a
form does is always a desk call, and the desk's refusal is what the
customer reads.
"""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..domain.checklist import Checklist
from ..domain.feedback import FeedbackStage
from ..domain.inputs import ClaimPatch
from ..errors import ReimbursementError, ValidationError
from ..ports import CustomerProfile
from ..service.views import ClaimTracking
from ._forms import feedback_answers, field, line_input, optional_int
from ._passkeys import draft_payload, fix_of, fix_payload, signing
from ._portal import Portal, by_method, posted

__all__ = ["routes"]


def _portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def _claim_url(claim_id: str) -> str:
    return f"/claims/{claim_id}"


async def claims(request: Request) -> Response:
    """The customer's claims, newest last, with their stage."""
    portal = _portal(request)
    actor = portal.customer(request)
    lang = portal.language(request)
    page = await portal.read(portal.desk.claims_of, actor, limit=50, language=lang)
    return portal.render(request, "claims.html", claims=page.items)


async def new_claim(request: Request) -> Response:
    """Start a draft pre-filled from the customer's profile and last claim."""
    portal = _portal(request)
    await portal.form(request)
    actor = portal.customer(request)
    try:
        draft = await portal.call(portal.desk.start_draft, actor)
    except ReimbursementError as error:
        request.session["flash"] = {"kind": "error", "text": str(error)}
        return RedirectResponse("/claims", status_code=303)
    return RedirectResponse(_claim_url(draft.id), status_code=303)


async def claim_page(request: Request) -> Response:
    """One claim: where it is, what comes next, and the forms its state allows."""
    portal = _portal(request)
    actor = portal.customer(request)
    claim_id = request.path_params["claim_id"]
    desk = portal.desk
    lang = portal.language(request)  # the timeline in the page's language, not the profile's

    # one read: one hop when it leaves the loop
    def read() -> tuple[ClaimTracking, Checklist, CustomerProfile]:
        tracking = desk.track(actor, claim_id, language=lang)
        return tracking, desk.checklist(actor, claim_id), desk.adapters.directory.profile(actor.id)

    tracking, checklist, profile = await portal.read(read)
    return portal.render(
        request,
        "claim.html",
        depends_on=(tracking, checklist, profile),  # the rest is the desk's fixed settings
        claim=tracking,
        checklist=checklist,
        profile=profile,
        stages=list(FeedbackStage),
        problems=portal.desk.settings.problems,
    )


async def add_line(request: Request) -> Response:
    """Add an expense line to the draft."""
    p = await posted(request, customer=True)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id

    def call() -> object:
        currency = portal.desk.adapters.directory.profile(actor.id).policy_currency
        patch = ClaimPatch(add_lines=[line_input(form, currency)])
        return portal.desk.update_draft(actor, claim_id, patch)

    return await p.act(request, _claim_url(claim_id), call)


async def upload(request: Request) -> Response:
    """Attach photos or PDFs (to a line when one is chosen); the body was bounded as it came."""
    p = await posted(request, customer=True)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id
    files = [f for f in form.getlist("document") if isinstance(f, UploadFile) and f.filename]
    line_id = field(form, "line_id", required=False, limit=40) or None
    kind = field(form, "kind", required=False, limit=40) or "receipt"
    contents = [(f.filename or "document", await f.read()) for f in files]

    def call() -> object:
        if not contents:
            raise ValidationError.at("document", "choose a photo or a PDF to upload")
        for name, content in contents:
            portal.desk.attach(actor, claim_id, name, content, line_id=line_id, kind=kind)
        return None

    return await p.act(request, _claim_url(claim_id), call)


def _declared(form: FormData) -> None:
    """The customer accepts the declaration (and, with passkeys, signs it: ``_passkeys``)."""
    if form.get("declaration") != "yes":
        raise ValidationError.at("declaration", "tick the declaration to sign and submit")


async def submit(request: Request) -> Response:
    """Accept the declaration, sign (with passkeys: the assertion) and submit the draft."""
    p = await posted(request, customer=True)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id

    def call() -> object:
        _declared(form)
        signed = signing(portal, request, form, actor, draft_payload)
        return portal.desk.submit(actor, claim_id, **signed)

    return await p.act(request, _claim_url(claim_id), call)


async def resubmit(request: Request) -> Response:
    """Fix a returned claim with only what changed, and send it back."""
    p = await posted(request, customer=True)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id

    def call() -> object:
        _declared(form)
        signed = signing(portal, request, form, actor, fix_payload)
        patch = fix_of(portal.desk, actor, claim_id, form)
        return portal.desk.resubmit(actor, claim_id, patch, **signed)

    return await p.act(request, _claim_url(claim_id), call)


async def message(request: Request) -> Response:
    """Post a message to the claims team; with htmx, answer with the thread alone."""
    p = await posted(request, customer=True)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id
    body = form.get("body")

    def call() -> object:
        return portal.desk.post_message(actor, claim_id, body if isinstance(body, str) else "")

    if request.headers.get("hx-request") != "true":
        return await p.act(request, _claim_url(claim_id), call)
    error = None
    try:
        await portal.call(call)
    except ReimbursementError as refused:
        error = str(refused)
    lang = portal.language(request)
    tracking = await portal.read(portal.desk.track, actor, claim_id, language=lang)
    return portal.render(request, "_thread.html", claim=tracking, error=error)


async def payee(request: Request) -> Response:
    """Corrected bank details after a failed payment."""
    p = await posted(request, customer=True)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id

    def call() -> object:
        account = field(form, "payee_account", limit=64)
        return portal.desk.change_payee_account(actor, claim_id, account)

    return await p.act(request, _claim_url(claim_id), call)


async def feedback(request: Request) -> Response:
    """Rate each stage of a decided claim (CSAT), the effort (CES) and NPS."""
    p = await posted(request, customer=True)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id

    def call() -> object:
        return portal.desk.give_feedback(
            actor,
            claim_id,
            ratings=feedback_answers(form),
            ces=optional_int(form, "ces"),
            nps=optional_int(form, "nps"),
            problems=[p for p in form.getlist("problems") if isinstance(p, str)],
            text=field(form, "text", required=False),
        )

    return await p.act(request, _claim_url(claim_id), call)


async def inbox(request: Request) -> Response:
    """The customer's in-app inbox, newest first."""
    portal = _portal(request)
    actor = portal.customer(request)
    items = () if portal.inbox is None else portal.inbox.page(actor.id, limit=50).items
    return portal.render(request, "inbox.html", items=items)


async def inbox_read(request: Request) -> Response:
    """Mark every item of the inbox read."""
    portal = _portal(request)
    await portal.form(request)
    actor = portal.customer(request)
    if portal.inbox is not None:
        keys = [item.key for item in portal.inbox.page(actor.id, limit=50, unread_only=True).items]
        portal.inbox.mark_read(actor.id, keys, portal.now())
    return RedirectResponse("/inbox", status_code=303)


def routes() -> list[Route]:
    """The customer's routes."""
    post = ["POST"]
    return [
        by_method("/claims", claims, new_claim),
        Route("/claims/{claim_id}", claim_page),
        Route("/claims/{claim_id}/lines", add_line, methods=post),
        Route("/claims/{claim_id}/documents", upload, methods=post),
        Route("/claims/{claim_id}/submit", submit, methods=post),
        Route("/claims/{claim_id}/resubmit", resubmit, methods=post),
        Route("/claims/{claim_id}/messages", message, methods=post),
        Route("/claims/{claim_id}/payee", payee, methods=post),
        Route("/claims/{claim_id}/feedback", feedback, methods=post),
        Route("/inbox", inbox),
        Route("/inbox/read", inbox_read, methods=post),
    ]
