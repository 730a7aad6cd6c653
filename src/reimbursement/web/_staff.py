"""The staff workbench: the work queue, a claim with its documents, decisions, payment runs.

Every read and every action is a desk call made as the signed-in staff
actor: the desk refuses a customer, a reviewer on a claim assigned to
someone else, or anyone on their own claim, and the page shows why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..audit.signatures import SignatureStatus
from ..domain.claim import Claim
from ..domain.lifecycle import ClaimState
from ..domain.sla import SlaStatus
from ..errors import NotFoundError
from ..payments.runs import PaymentRuns
from ..ports import ClaimSummary
from ._forms import field, line_decisions
from ._i18n import catalogue
from ._portal import Portal, posted

__all__ = ["queue_status", "routes"]


def _portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def _url(claim_id: str) -> str:
    return f"/staff/claims/{claim_id}"


_BADGES = {SlaStatus.ON_TRACK: "ok", SlaStatus.WARNING: "warning", SlaStatus.BREACHED: "breach"}


def queue_status(summary: ClaimSummary, now: datetime) -> str:
    """``"breach"`` past the due time, ``"warning"`` past the policy's warning, else ``"ok"``."""
    return _BADGES.get(summary.sla_status(now), "ok")


class _QueueRow(NamedTuple):
    """One line of the work queue as the page shows it: every text of ``_queue_row.html``,
    so that equal rows are the same HTML (:meth:`Portal.fragment`)."""

    id: str
    number: str
    customer: str
    state: str
    due_iso: str
    due: str
    status: str
    sla: str


@lru_cache(maxsize=4096)  # a queue shows the same rows on every request until a claim moves
def _queue_row(s: ClaimSummary, status: str, language: str, when: Callable[..., str]) -> _QueueRow:
    """The row of ``s`` (compared by value: a claim that moves has a new version) with its SLA
    ``status``, in ``language``, its time shown by ``when`` (the portal's time zone)."""
    t, due = catalogue(language), s.due_at
    return _QueueRow(
        s.id,
        s.number or s.id,
        s.customer_id,
        t("state." + s.state.value),
        due.isoformat() if due else "",
        when(due),
        status,
        t("sla." + status),
    )


async def queue(request: Request) -> Response:
    """The signed-in reviewer's claims in review, soonest due first."""
    portal = _portal(request)
    actor = portal.actor(request)
    page = await portal.read(portal.desk.work_queue, actor, limit=50)
    now, lang, when = portal.now(), portal.language(request), portal.templates.filters["when"]
    rows = tuple(_queue_row(s, queue_status(s, now), lang, when) for s in page.items)
    return portal.render(request, "queue.html", depends_on=rows, rows=rows)


def _reasons(portal: Portal, language: str) -> list[tuple[str, str]]:
    catalogue = portal.desk.settings.reasons
    return [(code, catalogue.explain(code, language).title) for code in catalogue]


async def claim_page(request: Request) -> Response:
    """The whole claim for staff: the signature's check, lines, documents with previews, and
    the thread with internal notes."""
    portal = _portal(request)
    actor = portal.actor(request)
    claim_id = request.path_params["claim_id"]

    # one read: one hop when it leaves the loop
    def read() -> tuple[Claim, SignatureStatus | None]:
        claim = portal.desk.get(actor, claim_id)
        drafted = claim.state is ClaimState.DRAFT
        return claim, None if drafted else portal.desk.signature_status(actor, claim_id)

    claim, signature = await portal.read(read)
    return portal.render(
        request,
        "staff_claim.html",
        claim=claim,
        signature=signature,
        reasons=_reasons(portal, portal.language(request)),
        attachments={a.id: a for a in claim.attachments},
    )


async def document(request: Request) -> Response:
    """A document of a claim the actor may read whole: ``?view=thumbnail|copy|original``."""
    portal = _portal(request)
    actor = portal.actor(request)
    claim: Claim = await portal.call(portal.desk.get, actor, request.path_params["claim_id"])
    wanted = request.path_params["document_id"]
    found = next((a for a in claim.attachments if a.id == wanted), None)
    if found is None:
        raise NotFoundError(f"claim {claim.id} has no document {wanted}")
    view = request.query_params.get("view", "original")
    stored = {"thumbnail": found.thumbnail_id, "copy": found.reviewer_copy_id}.get(view)
    document_id = stored or found.id
    documents = portal.desk.adapters.documents
    content = await portal.call(documents.get, document_id)
    media_type = (await portal.call(documents.info, document_id)).media_type
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": "inline", "cache-control": "private, no-store"},
    )


async def approve(request: Request) -> Response:
    """Approve in full, or line by line with the amounts and reasons entered."""
    p = await posted(request, customer=False)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id

    def call() -> object:
        claim = portal.desk.get(actor, claim_id)
        decisions = line_decisions(form, {line.id: line.claimed for line in claim.lines})
        return portal.desk.approve(actor, claim_id, decisions)

    return await p.act(request, _url(claim_id), call, done="/staff/queue")


async def return_claim(request: Request) -> Response:
    """Return the claim with reasons from the catalogue and a note to the customer."""
    p = await posted(request, customer=False)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id
    reasons = [r for r in form.getlist("reasons") if isinstance(r, str)]

    def call() -> object:
        note = field(form, "note", required=False)
        return portal.desk.return_for_correction(actor, claim_id, reasons, note)

    return await p.act(request, _url(claim_id), call, done="/staff/queue")


async def reject(request: Request) -> Response:
    """Reject the claim with a catalogue reason and a note."""
    p = await posted(request, customer=False)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id

    def call() -> object:
        code = field(form, "reason", limit=100)
        return portal.desk.reject(actor, claim_id, code, field(form, "note", required=False))

    return await p.act(request, _url(claim_id), call, done="/staff/queue")


async def note(request: Request) -> Response:
    """An internal note (staff only) or a message to the customer."""
    p = await posted(request, customer=False)
    portal, form, actor, claim_id = p.portal, p.form, p.actor, p.claim_id
    internal = form.get("internal") == "yes"

    def call() -> object:
        body = field(form, "body", limit=10_000)
        return portal.desk.post_message(actor, claim_id, body, internal=internal)

    return await p.act(request, _url(claim_id), call)


async def payments(request: Request) -> Response:
    """The payment run closing now: what waits for finance and what is ready to send."""
    portal = _portal(request)
    actor = portal.actor(request)
    run = await portal.call(PaymentRuns(portal.desk).collect, portal.now(), actor)
    return portal.render(request, "payments.html", run=run)


async def approve_run(request: Request) -> Response:
    """Finance approves the run (claim by claim, four-eyes holding) and sends it."""
    portal = _portal(request)
    await portal.form(request)
    actor = portal.actor(request)
    runs = PaymentRuns(portal.desk)
    t = portal.t(request)

    def call() -> tuple[int, list[str]]:
        run = runs.collect(portal.now(), actor)
        approved = runs.approve(actor, run)
        sent = runs.release(run, actor)
        refused = [f"{cid}: {why}" for cid, why in approved.refused + sent.refused]
        return len(sent.done), refused

    done, refused = await portal.call(call)
    text = t("payments.sent", count=done) + "".join(f" {r}" for r in refused)
    request.session["flash"] = {"kind": "error" if refused else "ok", "text": text}
    return RedirectResponse("/staff/payments", status_code=303)


def routes() -> list[Route]:
    """The staff routes (the dashboard is in ``_dashboard``)."""
    post = ["POST"]
    return [
        Route("/staff/queue", queue),
        Route("/staff/claims/{claim_id}", claim_page),
        Route("/staff/claims/{claim_id}/documents/{document_id}", document),
        Route("/staff/claims/{claim_id}/approve", approve, methods=post),
        Route("/staff/claims/{claim_id}/return", return_claim, methods=post),
        Route("/staff/claims/{claim_id}/reject", reject, methods=post),
        Route("/staff/claims/{claim_id}/notes", note, methods=post),
        Route("/staff/payments", payments),
        Route("/staff/payments/approve", approve_run, methods=post),
    ]
