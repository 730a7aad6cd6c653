"""Signing adapters (the ``[audit]`` extra, ``cryptography``): Ed25519 keys and passkeys.

- :class:`Ed25519Signer` / :class:`Ed25519Verifier`: a key the insurer
  holds, its seal on receipts and log checkpoints.
- :class:`WebAuthnVerifier`: a customer's passkey. The customer's device
  signs (the private key never leaves it); the desk only verifies the
  assertion: the client data says ``webauthn.get`` for our origin with the
  challenge ``base64url(SHA-256(payload))``, the authenticator data names
  our relying party and says the user was present (and verified), and the
  credential's key signed ``authenticator_data || SHA-256(client_data_json)``.
  ES256 (ECDSA P-256) and EdDSA (Ed25519) credentials are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
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
    "WebAuthnVerifier",
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


def _client_data(raw: bytes) -> dict[str, object]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # RecursionError: [[[[…
        data = None
    if not isinstance(data, dict):
        raise SignatureError.at("signature.client_data_json", "is not a JSON object")
    return data


class WebAuthnVerifier:
    """Verifies passkey (WebAuthn) assertions by the customers' registered credentials.

    ``credentials`` maps a credential id (base64url, as the browser gives
    ``rawId``) to its public key; ``rp_id`` is the relying party (your
    domain) and ``origins`` the web origins allowed to ask. With
    ``user_verification`` (the default) the authenticator must say that it
    verified the user (PIN or biometrics), not only that someone touched it.
    """

    def __init__(
        self,
        credentials: Mapping[str, PublicKey],
        rp_id: str,
        origins: Iterable[str],
        *,
        user_verification: bool = True,
    ) -> None:
        self._keys = dict(credentials)
        self._rp_hash = hashlib.sha256(rp_id.encode()).digest()
        self._origins = frozenset(origins)
        self._flags = 0x05 if user_verification else 0x01

    def verify(self, payload: bytes, signature: Signature) -> None:
        """Return if the assertion signs ``payload`` for us, else raise SignatureError.

        Its parts are bounded first (:func:`~reimbursement.audit.signatures.checked_signature`):
        the client data is parsed only when it is at most 4,096 bytes.
        """
        checked_signature(signature)
        if signature.algorithm != "webauthn":
            raise SignatureError.at(
                "signature.algorithm", f"{signature.algorithm[:40]!r} is not webauthn"
            )
        key = _key_named(self._keys, signature)
        client = _client_data(signature.client_data_json)
        if client.get("type") != "webauthn.get":
            raise SignatureError.at("signature.client_data_json", "is not a webauthn.get")
        if client.get("challenge") != challenge_of(bytes(payload)):
            raise SignatureError.at(
                "signature.client_data_json",
                "its challenge is not this payload's: the customer signed other bytes",
            )
        if client.get("origin") not in self._origins:
            raise SignatureError.at("signature.client_data_json", "comes from another origin")
        auth = signature.authenticator_data
        if len(auth) < 37 or auth[:32] != self._rp_hash:
            raise SignatureError.at(
                "signature.authenticator_data", "does not name this relying party"
            )
        if auth[32] & self._flags != self._flags:
            raise SignatureError.at(
                "signature.authenticator_data", "the authenticator did not verify the user"
            )
        signed = auth + hashlib.sha256(signature.client_data_json).digest()
        _check(key, signature.value, signed)
