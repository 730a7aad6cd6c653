"""Tamper evidence, signatures and personal data: the claim's record anyone can verify.

- :func:`verify` recomputes a claim's hash chain (every event carries the
  hash of the one before: :mod:`reimbursement.domain.chain` documents the
  bytes hashed) and reports the first broken link.
- :class:`MerkleLog` appends every event's digest to one RFC 9162 tree for
  the whole desk, signs checkpoints (C2SP ``tlog-checkpoint``), and gives
  receipts (inclusion proofs) and consistency proofs, checked by
  :func:`verify_receipt` and :func:`verify_extension` with the checkpoint
  key alone; :mod:`.receipts` is a receipt's JSON form (what the desk's
  ``submission_receipt`` gives the customer) and its check.
- :mod:`.canonical` and :mod:`.signatures`: what a customer signs on
  submission, and its check.

See ``docs/audit.md`` and ``docs/signature.md``.
"""

from __future__ import annotations

from ..domain.chain import ChainBreak, canonical_event
from ._chain import ChainReport, digest, verify
from .checkpoint import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint
from .log import (
    LogReport,
    LogStore,
    LogWrites,
    MemoryLogStore,
    MerkleLog,
    Receipt,
    verify_extension,
    verify_receipt,
)
from .merkle import MerkleTree, verify_consistency, verify_inclusion
from .receipts import RECEIPT_FORMAT, receipt_data, receipt_from_data, verify_receipt_data

__all__ = [
    "RECEIPT_FORMAT",
    "ChainBreak",
    "ChainReport",
    "Checkpoint",
    "LogReport",
    "LogStore",
    "LogWrites",
    "MemoryLogStore",
    "MerkleLog",
    "MerkleTree",
    "NoteSigner",
    "Receipt",
    "canonical_event",
    "digest",
    "open_checkpoint",
    "receipt_data",
    "receipt_from_data",
    "sign_checkpoint",
    "verify",
    "verify_consistency",
    "verify_extension",
    "verify_inclusion",
    "verify_receipt",
    "verify_receipt_data",
]
