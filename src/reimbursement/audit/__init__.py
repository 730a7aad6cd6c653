"""Tamper evidence, signatures and personal data: the claim's record anyone can verify.

- :func:`verify` recomputes a claim's hash chain (every event carries the
  hash of the one before: :mod:`reimbursement.domain.chain` documents the
  bytes hashed) and reports the first broken link.

See ``docs/audit.md``.
"""

from __future__ import annotations

from ..domain.chain import ChainBreak, canonical_event
from ._chain import ChainReport, digest, verify

__all__ = ["ChainBreak", "ChainReport", "canonical_event", "digest", "verify"]
