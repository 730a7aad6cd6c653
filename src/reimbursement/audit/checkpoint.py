"""Signed checkpoints of the log, in the C2SP ``tlog-checkpoint`` signed-note format.

A checkpoint says "the log ``origin`` has ``size`` leaves and this root"::

    claims.example.org/log
    1234
    <base64 of the 32-byte root>

followed by an empty line and one signature line per signer,
``— <key name> <base64(key hash || signature)>`` (an em dash, C2SP
``signed-note``): the key hash is the first 4 bytes of ``SHA-256(key name
|| "\\n" || 0x01 || Ed25519 public key)`` and the Ed25519 signature covers
the note's text up to and including its last newline. Any note verifier
(Go's ``golang.org/x/mod/sumdb/note``, for one) reads them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Final

import attrs

from .._extras import require
from ..errors import ProofError
from ..ports import Signer

__all__ = ["Checkpoint", "NoteSigner", "key_hash", "open_checkpoint", "sign_checkpoint"]

_DASH: Final = "\u2014 "
_ED25519: Final = b"\x01"


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte id of an Ed25519 note key: ``SHA-256(name || "\\n" || 0x01 || key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public_key).digest()[:4]


@attrs.frozen
class Checkpoint:
    """The log ``origin`` at ``size`` leaves with ``root``: the body of a signed note."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        """The note text that is signed: three lines, each ending with a newline."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


class NoteSigner:
    """A :class:`~reimbursement.ports.Signer` of Ed25519 signatures named ``name``.

    ``public_key`` is the 32-byte raw Ed25519 public key (for the key hash);
    the name must be a non-empty text without spaces or ``+``. Raises
    :class:`~reimbursement.errors.ProofError` otherwise.
    """

    __slots__ = ("name", "public_key", "signer")

    def __init__(self, name: str, signer: Signer, public_key: bytes) -> None:
        if not name or any(c in name for c in " +\n") or len(public_key) != 32:
            raise ProofError(f"{name!r}: a note key needs a name without spaces or '+'")
        self.name = name
        self.signer = signer
        self.public_key = bytes(public_key)


def sign_checkpoint(checkpoint: Checkpoint, *signers: NoteSigner) -> str:
    """The signed note of ``checkpoint``, one signature line per signer."""
    body = checkpoint.body()
    lines = []
    for each in signers:
        signature = each.signer.sign(body.encode()).value
        blob = base64.b64encode(key_hash(each.name, each.public_key) + signature).decode()
        lines.append(f"{_DASH}{each.name} {blob}\n")
    return body + "\n" + "".join(lines)


def _parse(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    body, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise ProofError("not a signed note: no signature lines after an empty line")
    found = []
    for line in signatures[:-1].split("\n"):
        name, _, blob = line.removeprefix(_DASH).partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error:
            raw = b""
        if not line.startswith(_DASH) or len(raw) < 5:
            raise ProofError(f"not a note signature line: {line[:80]!r}")
        found.append((name, raw))
    return body + "\n", found


def _checkpoint(body: str) -> Checkpoint:
    lines = body.split("\n")
    try:
        origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError, binascii.Error):
        raise ProofError("not a checkpoint: origin, size and root hash lines expected") from None
    if not origin or size < 0 or len(root) != 32 or str(size) != lines[1]:
        raise ProofError("not a checkpoint: a bad origin, size or root hash")
    return Checkpoint(origin, size, root)


def open_checkpoint(note: str, keys: Mapping[str, bytes], origin: str | None = None) -> Checkpoint:
    """The checkpoint of ``note``, once one of ``keys`` (name to raw Ed25519 key) signed it.

    Raises :class:`~reimbursement.errors.ProofError` for a note that is not
    a checkpoint (or not of ``origin``), has no signature by a known key,
    or whose signature does not verify.
    """
    ed25519 = require(
        "cryptography.hazmat.primitives.asymmetric.ed25519", "audit", "checkpoint signatures"
    )
    exceptions = require("cryptography.exceptions", "audit", "checkpoint signatures")
    body, signatures = _parse(note)
    checkpoint = _checkpoint(body)
    if origin is not None and checkpoint.origin != origin:
        raise ProofError(f"a checkpoint of {checkpoint.origin!r}, not of {origin!r}")
    for name, raw in signatures:
        public = keys.get(name)
        if public is None or raw[:4] != key_hash(name, public):
            continue  # another signer's line: not ours to check
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], body.encode())
        except exceptions.InvalidSignature:
            raise ProofError(f"the checkpoint's signature by {name} does not verify") from None
        return checkpoint
    raise ProofError("the checkpoint is not signed by a key you trust")
