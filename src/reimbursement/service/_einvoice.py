"""E-invoices on the desk: one call reads the invoice, adds its line and attaches it."""

from __future__ import annotations

import hashlib

from ..domain import commands as cmd
from ..domain.actors import Actor
from ..domain.authorization import authorize
from ..domain.checks import require_text
from ..domain.claim import Attachment, Claim
from ..domain.inputs import ClaimPatch
from ..domain.lifecycle import Action
from ..errors import ValidationError
from ._core import Step
from ._storing import Put, StoringCalls
from .views import CustomerClaim

__all__ = ["EInvoiceCalls"]

_XML = "application/xml"


class EInvoiceCalls(StoringCalls):
    """What the customer does with a structured e-invoice (the ``[einvoice]`` extra)."""

    def add_einvoice(
        self,
        actor: Actor,
        claim_id: str,
        file_name: str,
        content: bytes,
        *,
        category: str,
        description: str | None = None,
        request_id: str | None = None,
    ) -> CustomerClaim:
        """Add the expense line an e-invoice fills in, with the invoice as its receipt.

        ``content`` is a Factur-X/ZUGFeRD PDF, an XRechnung/UBL XML or a
        数电票 XML (see :func:`reimbursement.einvoice.read_einvoice`). The new
        line (``claim.lines[-1]``) takes the seller as provider, the issue
        day, the total with tax in the invoice's currency, and ``category``;
        its description names the invoice and its tax unless ``description``
        is given. The document (``claim.attachments[-1]``) is its receipt, and
        the ``attachment_added`` event records where each value came from and
        whether the seller's tax id is valid (read them back with
        :func:`reimbursement.einvoice.line_sources`).
        One unit of work on a draft: nothing is added when any part is refused.
        Raises :class:`~reimbursement.errors.ValidationError` and
        :class:`~reimbursement.errors.MissingExtraError` without ``[einvoice]``.
        """
        from ..einvoice import read_einvoice

        limits = self.settings.limits
        require_text("category", category, limits.max_id_length, empty=False)
        media_type, sha256 = self._einvoice_checked(file_name, content)
        content = bytes(content)  # a bytearray could change after its check
        invoice = read_einvoice(content, file_name)
        line = invoice.line(category, description)
        sources = invoice.sources()

        def decide(claim: Claim, step: Step, put: Put) -> Claim:
            authorize(actor, claim, Action.UPDATE_DRAFT)
            cmd.check_attachable(claim, limits=limits)  # before the bytes are stored
            patch = ClaimPatch(add_lines=(line,))
            added = cmd.update_draft(claim, actor, step.now, patch, self._convert, limits=limits)
            stored = put(content, file_name, media_type)
            attachment = Attachment(stored, file_name, media_type, len(content), sha256)
            line_id = added.lines[-1].id
            return cmd.add_attachment(
                added,
                actor,
                step.now,
                attachment,
                line_id,
                limits=limits,
                details=sources,
            )

        request = self._request(
            actor, request_id, self.add_einvoice, file_name, content, category, description
        )
        return self._run_storing(actor, claim_id, request, decide)

    def _einvoice_checked(self, file_name: str, content: bytes) -> tuple[str, str]:
        """The media type and sha256 of an e-invoice: a PDF as any document, XML by its size."""
        rules = self.settings.documents
        if isinstance(content, bytes | bytearray) and bytes(content[:5]) != b"%PDF-":
            rules.check_name(file_name)
            if len(content) > rules.max_size:
                limit = f"the limit is {rules.max_size:,}"
                raise ValidationError.at(
                    "content", f"{file_name} is {len(content):,} bytes; {limit}"
                )
            return _XML, hashlib.sha256(content).hexdigest()
        return rules.check(file_name, content)
