"""The canonical form of a submission: what the customer signs, as RFC 8785 bytes.

:func:`submission_form` is a plain JSON object (documented member by member
in ``docs/signature.md``); :func:`submission_bytes` is its JSON
Canonicalization Scheme form (RFC 8785, through the ``rfc8785`` package of
the ``[audit]`` extra), so another system verifies a signature with any
RFC 8785 library and SHA-256, without this one. Amounts are strings
(``"12.30"``, never a float); every document is named by its SHA-256; the
claim version is the version of the draft the customer saw: any change to
the claim after signing gives other bytes, so it needs a new signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from .._extras import require
from ..domain.claim import Claim, ExpenseLine
from ..domain.money import Money

__all__ = ["FORMAT", "submission_bytes", "submission_digest", "submission_form"]

FORMAT = "reimbursement-submission/1"
"""The ``format`` member of the form: a verifier refuses one it does not know."""


def _money(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}


def _line(claim: Claim, line: ExpenseLine) -> dict[str, Any]:
    hashes = {a.id: a.sha256 for a in claim.attachments}
    form: dict[str, Any] = {
        "id": line.id,
        "category": line.category,
        "incurred_on": line.incurred_on.isoformat(),
        "provider": line.provider,
        "description": line.description,
        "amount": _money(line.amount),
        "claimed": _money(line.claimed),
        "fx_rate": None if line.fx_rate is None else str(line.fx_rate),
        "documents": [hashes.get(ref, "") for ref in line.attachment_ids],
    }
    if line.tax is not None:  # only when known: the forms of lines without one keep their bytes
        form["tax"] = _money(line.tax)
    return form


def submission_form(
    claim: Claim, declarations: Sequence[str] = (), *, version: int | None = None
) -> dict[str, Any]:
    """The object the customer signs: ``claim`` at ``version`` (default: its own).

    ``declarations`` are the texts the customer accepted (in the order shown).
    """
    claimant = claim.claimant
    return {
        "format": FORMAT,
        "claim_id": claim.id,
        "version": claim.version if version is None else version,
        "customer_id": claimant.customer_id,
        "claimant_name": claimant.name,
        "policy_number": claimant.policy_number,
        "payee_account": claimant.payee_account,
        "currency": claim.currency,
        "total": str(claim.claimed_total.amount),
        "lines": [_line(claim, line) for line in claim.lines],
        "documents": [
            {
                "id": a.id,
                "file_name": a.file_name,
                "media_type": a.media_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in claim.attachments
        ],
        "declarations": list(declarations),
    }


def submission_bytes(
    claim: Claim, declarations: Sequence[str] = (), *, version: int | None = None
) -> bytes:
    """The RFC 8785 bytes of :func:`submission_form`: what a signature covers.

    Raises :class:`~reimbursement.errors.MissingExtraError` without the
    ``[audit]`` extra.
    """
    rfc8785 = require("rfc8785", "audit", "the canonical form of a submission")
    form = submission_form(claim, declarations, version=version)
    return bytes(rfc8785.dumps(form))


def submission_digest(
    claim: Claim, declarations: Sequence[str] = (), *, version: int | None = None
) -> str:
    """The SHA-256 (hex) of :func:`submission_bytes`."""
    return hashlib.sha256(submission_bytes(claim, declarations, version=version)).hexdigest()
