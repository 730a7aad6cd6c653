"""What is done with documents: attach them, see the checklist, ask for more, confirm twins."""

from __future__ import annotations

from ..documents.checks import CheckedDocument, check_content
from ..documents.duplicates import confirm_duplicate, find_duplicates
from ..domain import commands as cmd
from ..domain._replace import replace
from ..domain.actors import Actor, Role
from ..domain.authorization import authorize
from ..domain.checklist import Checklist, check_kind, checklist
from ..domain.checks import require_text
from ..domain.claim import Attachment, Claim
from ..domain.document_records import DocumentRequest
from ..domain.lifecycle import Action, ClaimState
from ..errors import ValidationError
from ..ports import ClaimRepository
from ._core import Step
from ._review_calls import ReviewCalls
from ._storing import Put, StoringCalls
from .adapters import DeskSettings
from .views import CustomerClaim

__all__ = ["DocumentCalls", "flag_duplicates"]

MISSING_DOCUMENT = "missing_document"
"""The return reason of a reviewer's request for one more document."""


def flag_duplicates(claim: Claim, claims: ClaimRepository, settings: DeskSettings) -> Claim:
    """``claim`` with the duplicate flags the store's look-ups find now (warnings only)."""
    flags = find_duplicates(claim, claims, settings.duplicates)
    return replace(claim, duplicate_flags=flags) if flags != claim.duplicate_flags else claim


def _stored(
    put: Put, checked: CheckedDocument, content: bytes, name: str, kind: str
) -> Attachment:
    """Store the document and, for an image, its reviewer copy and thumbnail."""
    kept = put(content, name, checked.media_type)
    image = checked.image
    copy = thumb = None
    if image is not None:
        copy = put(image.reviewer_copy, name, image.copy_media_type)
        thumb = put(image.thumbnail, name, image.copy_media_type)
    return Attachment(
        kept,
        name,
        checked.media_type,
        len(content),
        checked.sha256,
        kind,
        checked.flags,
        None if image is None else image.phash,
        copy,
        thumb,
    )


class DocumentCalls(ReviewCalls, StoringCalls):
    """Documents: attach, the checklist, a reviewer's request for more, confirmed duplicates."""

    def attach(
        self,
        actor: Actor,
        claim_id: str,
        file_name: str,
        content: bytes,
        *,
        line_id: str | None = None,
        kind: str = "receipt",
        request_id: str | None = None,
    ) -> CustomerClaim:
        """Attach a document (PDF, JPEG, PNG, HEIC, TIFF, WebP, judged by content).

        With ``line_id`` the document is also linked to that expense line;
        ``kind`` says what it is (``"invoice"``, ``"prescription"``: see
        ``settings.requirements``). Allowed on a draft or a returned claim,
        by its customer. Returns the claim; the new attachment is
        ``claim.attachments[-1]``. The bytes (and, for a photo, the
        reviewers' copy and thumbnail) are stored only once the claim
        accepts the document, and removed again when the call fails to
        commit. ``file_name`` is shown, never a path. ``settings.documents``,
        ``settings.content_checks`` and ``settings.limits`` say what is
        refused (ValidationError).
        """
        kind = check_kind(kind)
        checked = check_content(
            self.settings.documents, self.settings.content_checks, file_name, content
        )
        content = bytes(content)  # a bytearray could change after its check
        limits = self.settings.limits

        def decide(claim: Claim, step: Step, put: Put) -> Claim:
            authorize(actor, claim, Action.UPDATE_DRAFT)
            cmd.check_attachable(claim, line_id, limits=limits)  # before the bytes are stored
            attachment = _stored(put, checked, content, file_name, kind)
            return cmd.add_attachment(claim, actor, step.now, attachment, line_id, limits=limits)

        request = self._request(actor, request_id, self.attach, file_name, content, line_id, kind)
        return self._run_storing(actor, claim_id, request, decide)

    def checklist(self, actor: Actor, claim_id: str) -> Checklist:
        """The documents the claim needs and which are still missing (``.missing``).

        From ``settings.requirements`` and the reviewers' requests; for the
        claim's customer (who sees ``"reviewer"`` as the requester, never a
        staff id) and staff (:class:`~reimbursement.errors.AuthorizationError`
        for anyone else). ``track()`` shows the customer's checklist too.
        """
        claim = self._viewed(actor, claim_id)
        found = checklist(claim, self.settings.requirements)
        return found.for_customer() if actor.role is Role.CUSTOMER else found

    def request_document(
        self,
        actor: Actor,
        claim_id: str,
        kind: str,
        *,
        line_id: str | None = None,
        note: str = "",
        step: str | None = None,
        request_id: str | None = None,
    ) -> Claim:
        """Return the claim to its customer asking for one more document of ``kind``.

        The request joins the claim's checklist (for line ``line_id``, or the
        whole claim) and the return's reason is ``"missing_document"``; a
        resubmission without the document is refused with
        :class:`~reimbursement.errors.MissingDocumentsError`. For the
        reviewer who holds the claim, or a step of its approval plan
        (``step`` names it among several): like
        :meth:`return_for_correction`, a plan step's return waits for the
        steps running with it, and the customer gets the claim back once,
        with every reason; the request is on the checklist from now on.
        """
        kind = check_kind(kind)
        self._check_step(step)
        limits = self.settings.limits
        note = require_text("note", note, limits.max_note_length, multiline=True)
        words = note or f"Please attach the {kind.replace('_', ' ')}."

        def decide(claim: Claim, s: Step) -> Claim:
            plan = self.reviews.authorize_review(actor, claim, Action.RETURN_FOR_CORRECTION)
            if line_id is not None and all(line.id != line_id for line in claim.lines):
                raise ValidationError.at("line_id", f"no line {line_id!r} on the claim")
            asked = DocumentRequest(kind, line_id, actor.id, s.now, len(claim.attachments), note)
            asking = replace(claim, requested_documents=(*claim.requested_documents, asked))
            return self._returned(actor, asking, s, plan, (MISSING_DOCUMENT,), words, step)

        call = self.request_document
        request = self._request(actor, request_id, call, kind, line_id, note, step)
        return self._staffs(self._run(actor, claim_id, request, decide))

    def confirm_duplicate(
        self, actor: Actor, claim_id: str, flag: int, *, request_id: str | None = None
    ) -> Claim:
        """Confirm the claim's duplicate flag number ``flag``: its line is never paid.

        The line can then only be approved at zero. For the reviewer who may
        decide the claim, while it is in review. Raises
        :class:`~reimbursement.errors.ValidationError` for a flag the claim
        does not have.
        """

        def decide(claim: Claim, step: Step) -> Claim:
            self.reviews.authorize_review(actor, claim, Action.APPROVE)
            if claim.state is not ClaimState.IN_REVIEW:
                raise ValidationError.at(
                    "state", f"claim {claim.id} is {claim.state}: confirm duplicates in review"
                )
            return confirm_duplicate(claim, actor, step.now, flag)

        request = self._request(actor, request_id, self.confirm_duplicate, flag)
        return self._staffs(self._run(actor, claim_id, request, decide))
