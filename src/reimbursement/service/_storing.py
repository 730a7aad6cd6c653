"""Calls that store a document's bytes: the store is outside the claim's transaction."""

from __future__ import annotations

from collections.abc import Callable

from ..domain.actors import Actor
from ..domain.claim import Attachment, Claim
from ._core import DeskCore, Request, Step
from .views import CustomerClaim

__all__ = ["Put", "StoringCalls", "stored_ids"]

Put = Callable[[bytes, str, str], str]
"""Stores ``(content, file name, media type)`` in the document store; the new document's id."""


def stored_ids(attachment: Attachment) -> list[str]:
    """The stored documents of ``attachment``: the original and its reviewers' copies."""
    ids = (attachment.id, attachment.reviewer_copy_id, attachment.thumbnail_id)
    return [i for i in ids if i is not None]


class StoringCalls(DeskCore):
    """What ``attach`` and ``add_einvoice`` share: documents stored once the claim takes them."""

    def _run_storing(
        self,
        actor: Actor,
        claim_id: str,
        request: Request | None,
        decide: Callable[[Claim, Step, Put], Claim],
    ) -> CustomerClaim:
        """``_run`` for a call that adds one attachment: ``put`` stores a document's bytes.

        The document store is outside the transaction, so the documents kept
        are those of the claim's last attachment (the original, a reviewer's
        copy, a thumbnail); any other ``put`` stored, by a pass that failed,
        lost a race or was replayed, is deleted again.
        """
        documents = self.adapters.documents
        stored: list[str] = []

        def put(content: bytes, file_name: str, media_type: str) -> str:
            document_id = documents.put(content, file_name=file_name, media_type=media_type).id
            stored.append(document_id)
            return document_id

        try:
            claim = self._customers(
                self._run(actor, claim_id, request, lambda c, s: decide(c, s, put))
            )
        except BaseException:
            for document_id in stored:
                documents.delete(document_id)
            raise
        kept = set(stored_ids(claim.attachments[-1])) if claim.attachments else set()
        for document_id in stored:
            if document_id not in kept:
                documents.delete(document_id)
        return claim
