"""The signing ports: :class:`Signer` and :class:`Verifier`, and the :class:`Signature` between.

One port serves two kinds of key. The insurer's own seal is a key the
insurer holds (an Ed25519 key in :mod:`reimbursement.adapters.signing`).
A customer's signature is made on the customer's device, under their sole
control (a passkey: a WebAuthn assertion), and only verified here: its
``authenticator_data`` and ``client_data_json`` travel with it.
"""

from __future__ import annotations

from typing import Protocol

import attrs

__all__ = ["Signature", "Signer", "Verifier"]


@attrs.frozen
class Signature:
    """A signature over some bytes, and what a verifier needs beside them.

    ``algorithm`` names the scheme (``"ed25519"``, ``"webauthn"``);
    ``key_id`` the key (a key name, or a WebAuthn credential id in
    base64url). A WebAuthn assertion also carries the authenticator's data
    and the client data JSON it signed together with the payload's hash.
    """

    algorithm: str
    key_id: str
    value: bytes
    authenticator_data: bytes = b""
    client_data_json: bytes = b""


class Signer(Protocol):
    """Makes signatures with one key it holds."""

    @property
    def key_id(self) -> str:
        """The name of the key, as signatures carry it."""
        ...

    def sign(self, payload: bytes) -> Signature:
        """A signature over ``payload`` (exactly those bytes)."""
        ...


class Verifier(Protocol):
    """Checks signatures against the keys it trusts."""

    def verify(self, payload: bytes, signature: Signature) -> None:
        """Return when ``signature`` is a valid signature over ``payload`` by a trusted key.

        Raises :class:`~reimbursement.errors.SignatureError` otherwise (other
        bytes, an unknown or other key, another algorithm, a malformed
        signature), saying which.
        """
        ...
