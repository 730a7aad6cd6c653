"""Signing adapters (the ``[audit]`` extra, ``cryptography``): the insurer's Ed25519 keys.

- :class:`Ed25519Signer` / :class:`Ed25519Verifier`: a key the insurer
  holds, its seal on receipts and log checkpoints.
- :func:`challenge_of`: the WebAuthn challenge that binds a customer's
  passkey assertion to the bytes it signs. A customer's passkey is
  verified by :class:`~reimbursement.adapters.passkeys.Passkeys` (the
  ``[passkey]`` extra, py_webauthn), the one WebAuthn verifier: it also
  keeps each credential's sign counter, so that a cloned authenticator
  or a replayed assertion is refused.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import TypeAlias

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ModuleNotFoundError as error:  # pragma: no cover - exercised by test_extras
    from .._extras import missing

    raise missing(error, "audit", "signatures") from error

from ..audit.signatures import checked_signature
from ..errors import SignatureError
from ..ports import Signature

__all__ = [
    "Ed25519Signer",
    "Ed25519Verifier",
    "PublicKey",
    "b64url",
    "challenge_of",
]

PublicKey: TypeAlias = Ed25519PublicKey | ec.EllipticCurvePublicKey
"""A key a verifier trusts: Ed25519, or ECDSA on P-256 (a WebAuthn ES256 credential)."""


def b64url(data: bytes) -> str:
    """``data`` in base64url without padding (how WebAuthn writes bytes)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def challenge_of(payload: bytes) -> str:
    """The WebAuthn challenge that binds an assertion to ``payload``: base64url of its SHA-256."""
    return b64url(hashlib.sha256(payload).digest())


class Ed25519Signer:
    """Signs with an Ed25519 private key named ``key_id``."""

    def __init__(self, key_id: str, private_key: Ed25519PrivateKey) -> None:
        self._key_id = key_id
        self._key = private_key

    @classmethod
    def generate(cls, key_id: str) -> Ed25519Signer:
        """A signer with a new random key (keep ``private_bytes`` somewhere safe)."""
        return cls(key_id, Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, key_id: str, raw: bytes) -> Ed25519Signer:
        """A signer with the 32-byte raw private key ``raw``."""
        return cls(key_id, Ed25519PrivateKey.from_private_bytes(raw))

    @property
    def key_id(self) -> str:
        """The key's name, as its signatures carry it."""
        return self._key_id

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public key, for verifiers."""
        return self._key.public_key()

    @property
    def public_bytes(self) -> bytes:
        """The 32-byte raw public key (what a checkpoint verifier is given)."""
        raw: bytes = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return raw

    def sign(self, payload: bytes) -> Signature:
        """An Ed25519 signature over ``payload``."""
        return Signature("ed25519", self._key_id, self._key.sign(bytes(payload)))


def _key_named(keys: Mapping[str, PublicKey], signature: Signature) -> PublicKey:
    key = keys.get(signature.key_id)
    if key is None:
        raise SignatureError.at(
            "signature.key_id", f"{signature.key_id[:80]!r} is not a key this desk trusts"
        )
    return key


def _check(key: PublicKey, value: bytes, signed: bytes) -> None:
    try:
        if isinstance(key, Ed25519PublicKey):
            key.verify(value, signed)
        else:
            key.verify(value, signed, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise SignatureError.at(
            "signature.value",
            "does not verify: the signed bytes differ from these, or another key signed",
        ) from None


class Ed25519Verifier:
    """Verifies Ed25519 signatures by the keys ``keys`` (key id to public key)."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._keys: dict[str, PublicKey] = dict(keys)

    def verify(self, payload: bytes, signature: Signature) -> None:
        """Return if a trusted key made ``signature`` over ``payload``; else SignatureError."""
        checked_signature(signature)
        if signature.algorithm != "ed25519":
            raise SignatureError.at(
                "signature.algorithm", f"{signature.algorithm[:40]!r} is not ed25519"
            )
        _check(_key_named(self._keys, signature), signature.value, bytes(payload))
