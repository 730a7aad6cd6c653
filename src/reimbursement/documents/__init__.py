"""Documents: required documents per expense, content checks, duplicates.

- Required documents (plain data an insurer configures):
  :class:`DocumentRequirements` of :class:`DocumentRule` items; the desk's
  :meth:`~reimbursement.ReimbursementDesk.checklist` shows a claim's
  :class:`Checklist` of :class:`ChecklistItem` entries; a reviewer's
  :class:`DocumentRequest` adds one. :data:`DOCUMENT_KINDS` lists the
  usual kinds of document.
- Content checks (the ``[documents]`` extra): :class:`ContentChecks`
  with :class:`PdfLimits` and :class:`ImageLimits`; :func:`check_content`
  returns a :class:`CheckedDocument`.
- Duplicates: :class:`DuplicatePolicy` says what counts as the same
  expense or photo; :func:`find_duplicates` returns the
  :class:`DuplicateFlag` items (of a :class:`DuplicateKind`) a submission
  records.

The guide is ``docs/documents.md``.
"""

from ..domain.checklist import (
    BY_REVIEWER,
    BY_RULES,
    DOCUMENT_KINDS,
    Checklist,
    ChecklistItem,
    DocumentRequirements,
    DocumentRule,
    checklist,
)
from ..domain.document_records import DocumentRequest, DuplicateFlag, DuplicateKind
from ..domain.duplicates import DuplicatePolicy
from .checks import CheckedDocument, ContentChecks, check_content
from .duplicates import find_duplicates
from .images import ImageLimits
from .pdf import PdfLimits

__all__ = [
    "BY_REVIEWER",
    "BY_RULES",
    "DOCUMENT_KINDS",
    "CheckedDocument",
    "Checklist",
    "ChecklistItem",
    "ContentChecks",
    "DocumentRequest",
    "DocumentRequirements",
    "DocumentRule",
    "DuplicateFlag",
    "DuplicateKind",
    "DuplicatePolicy",
    "ImageLimits",
    "PdfLimits",
    "check_content",
    "checklist",
    "find_duplicates",
]
