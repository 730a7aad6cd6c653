"""Reading back what an e-invoice filled in: each value's source, and flags for reviewers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..domain.claim import Claim
from ..domain.events import EventType
from ..domain.straight_through import Flag

if TYPE_CHECKING:
    from ..ports import ClaimRepository

__all__ = ["EInvoiceFlags", "line_sources"]


def line_sources(claim: Claim, line_id: str) -> Mapping[str, str]:
    """What the e-invoice attached to line ``line_id`` recorded: sources and tax id check.

    Keys: ``einvoice.format``, ``einvoice.number``, ``einvoice.tax``,
    ``einvoice.seller_tax_id`` (``.scheme``, ``.valid``: yes, no or not
    checked) and ``source.<field>`` for ``provider``, ``incurred_on``,
    ``amount``, ``tax``, ``number``, ``seller_tax_id``. Empty when the line
    was not filled in from an e-invoice.
    """
    for event in claim.events_since(0, types=(EventType.ATTACHMENT_ADDED,)):
        data = event.data
        if data.get("line_id") == line_id and "einvoice.format" in data:
            return {k: v for k, v in data.items() if k.startswith(("einvoice.", "source."))}
    return {}


class EInvoiceFlags:
    """Flags lines whose e-invoice names a seller tax id that fails its check.

    A :class:`~reimbursement.service.straight_through.ClaimFlags`: such a
    claim goes to a reviewer, never straight through.
    """

    def flags(self, claim: Claim, claims: ClaimRepository) -> Sequence[Flag]:
        """One ``invalid_seller_tax_id`` flag per line whose invoice's tax id is invalid."""
        found = []
        for line in claim.lines:
            sources = line_sources(claim, line.id)
            if sources.get("einvoice.seller_tax_id.valid") == "no":
                number = sources.get("einvoice.seller_tax_id", "")
                found.append(Flag("invalid_seller_tax_id", f"{line.id}: {number[:40]}"))
        return found
