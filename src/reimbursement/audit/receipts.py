"""The customer's receipt as JSON data: what they keep, and check without this library.

A receipt proves that one event of a claim (their submission) is in the
desk's Merkle log under a checkpoint the insurer signed. Its JSON form
(``docs/audit.md``, "The customer's receipt", documents each member)::

    {"format": "reimbursement-receipt/1", "claim_id": "…", "event_id": "…#2",
     "event": {…the event's canonical object…}, "digest": "<hex>",
     "leaf_index": 1, "proof": ["<hex>", …], "checkpoint": "<signed note>"}

Checking it needs RFC 8785, SHA-256 and Ed25519 only: the digest is the
SHA-256 of the RFC 8785 bytes of ``event``; the leaf at ``leaf_index`` is
``SHA-256(0x00 || digest)``; ``proof`` leads from it to the root of the
checkpoint (RFC 9162, 2.1.3.2); the checkpoint is a C2SP signed note.
:func:`verify_receipt_data` does all three.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from .._extras import require
from ..domain.chain import event_bytes
from ..domain.events import Event
from ..errors import ProofError
from .checkpoint import Checkpoint
from .log import Receipt, verify_receipt

__all__ = ["RECEIPT_FORMAT", "receipt_data", "receipt_from_data", "verify_receipt_data"]

RECEIPT_FORMAT: Final = "reimbursement-receipt/1"
"""The ``format`` member of a receipt's JSON form."""

_HEX = re.compile("[0-9a-f]{64}")
_MAX_PROOF: Final = 64  # a log of 2**64 leaves needs no more
_MEMBERS: Final = frozenset(
    {"format", "claim_id", "event_id", "event", "digest", "leaf_index", "proof", "checkpoint"}
)


def _event_object(event: Event) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(event_bytes(event))
    return parsed


def receipt_data(receipt: Receipt, event: Event) -> dict[str, Any]:
    """``receipt`` of ``event`` as JSON-ready data (the event's canonical object included)."""
    return {
        "format": RECEIPT_FORMAT,
        "claim_id": event.claim_id,
        "event_id": receipt.event_id,
        "event": _event_object(event),
        "digest": receipt.digest,
        "leaf_index": receipt.index,
        "proof": [node.hex() for node in receipt.proof],
        "checkpoint": receipt.checkpoint,
    }


def receipt_from_data(data: object) -> Receipt:
    """The :class:`Receipt` in a receipt's JSON form (parsed), its members checked.

    Raises :class:`~reimbursement.errors.ProofError` for anything that is
    not a receipt of this format: it proves nothing.
    """
    if not isinstance(data, dict) or data.get("format") != RECEIPT_FORMAT:
        raise ProofError(f"not a receipt: its format is not {RECEIPT_FORMAT!r}")
    if set(data) != _MEMBERS:
        raise ProofError(f"a receipt has exactly the members {', '.join(sorted(_MEMBERS))}")
    digest, index, proof = data["digest"], data["leaf_index"], data["proof"]
    note, event_id = data["checkpoint"], data["event_id"]
    if not isinstance(digest, str) or not _HEX.fullmatch(digest):
        raise ProofError("the receipt's digest is not a SHA-256 in lowercase hex")
    if type(index) is not int or index < 0:
        raise ProofError("the receipt's leaf_index is not a leaf number")
    if not isinstance(proof, list) or len(proof) > _MAX_PROOF:
        raise ProofError(f"the receipt's proof is not a list of at most {_MAX_PROOF} hashes")
    if not all(isinstance(node, str) and _HEX.fullmatch(node) for node in proof):
        raise ProofError("the receipt's proof holds something else than hex SHA-256 hashes")
    if not isinstance(note, str) or not isinstance(event_id, str):
        raise ProofError("the receipt's checkpoint and event_id are texts")
    return Receipt(event_id, digest, index, tuple(bytes.fromhex(n) for n in proof), note)


def verify_receipt_data(
    data: object, keys: Mapping[str, bytes], origin: str | None = None
) -> Checkpoint:
    """Check a receipt's JSON form: its event hashes to its digest, which the checkpoint holds.

    ``keys``: the insurer's checkpoint keys by name (raw Ed25519 public
    keys); ``origin``: the log's name, when the caller knows it. Returns the
    checkpoint. Raises :class:`~reimbursement.errors.ProofError` (and
    :class:`~reimbursement.errors.MissingExtraError` without the ``[audit]``
    extra).
    """
    receipt = receipt_from_data(data)
    assert isinstance(data, dict)  # receipt_from_data refused anything else
    rfc8785 = require("rfc8785", "audit", "checking a receipt")
    event = data["event"]
    named = isinstance(event, dict) and f"{event.get('claim_id')}#{event.get('seq')}"
    if not isinstance(event, dict) or receipt.event_id != named:
        raise ProofError("the receipt's event is not the event its event_id names")
    if event["claim_id"] != data["claim_id"]:
        raise ProofError("the receipt's event is of another claim than its claim_id")
    try:
        form = bytes(rfc8785.dumps(event))
    except ValueError as error:  # rfc8785's CanonicalizationError is one
        raise ProofError(f"the receipt's event is not canonical JSON: {error}") from None
    if hashlib.sha256(form).hexdigest() != receipt.digest:
        raise ProofError("the receipt's event does not hash to its digest: it was changed")
    return verify_receipt(receipt, keys, origin)
