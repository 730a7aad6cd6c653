"""What a claim keeps about its documents beyond the files: requests and duplicate flags.

:class:`DocumentRequest` is a reviewer's request for one more document
(see :mod:`reimbursement.domain.checklist`); :class:`DuplicateFlag` says
that a line's document or expense is also on another claim (see
:mod:`reimbursement.documents.duplicates`). Both are plain records kept on
the :class:`~reimbursement.domain.claim.Claim`.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

__all__ = ["DocumentRequest", "DuplicateFlag", "DuplicateKind"]


@attrs.frozen
class DocumentRequest:
    """A reviewer's request for one more document of ``kind`` (for line ``line_id``, if given).

    Met by a document of that kind attached after the request: the claim
    held ``attachments_before`` documents when it was made.
    """

    kind: str
    line_id: str | None
    requested_by: str
    requested_at: datetime
    attachments_before: int
    note: str = ""


class DuplicateKind(enum.StrEnum):
    """Why two claims look alike."""

    SAME_FILE = "same_file"
    """The same bytes (sha256) are attached to both."""
    SAME_EXPENSE = "same_expense"
    """The same provider, date and amount (within the policy's tolerance)."""
    SIMILAR_IMAGE = "similar_image"
    """Photos whose perceptual hashes are ``distance`` bits apart: the same paper, twice."""


@attrs.frozen
class DuplicateFlag:
    """A warning on line ``line_id``: it looks like line ``other_line_id`` of another claim.

    ``attachment_id`` / ``other_attachment_id`` name the documents compared
    (``None`` for an expense match); ``distance`` is the perceptual hashes'
    Hamming distance (0 for the other kinds). A flag is a warning for the
    reviewer; once a reviewer confirms it (``confirmed_by``), the line can
    only be approved at zero, so the expense is never paid twice.
    """

    kind: DuplicateKind
    line_id: str | None
    other_claim_id: str
    other_claim_number: str | None
    other_line_id: str | None
    attachment_id: str | None = None
    other_attachment_id: str | None = None
    distance: int = 0
    confirmed_by: str | None = None
