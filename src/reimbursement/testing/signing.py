"""The contract of :class:`~reimbursement.ports.Verifier`, and a software passkey for tests.

Needs the ``[testing]`` and ``[audit]`` extras.
"""

from __future__ import annotations

import hashlib
import json
import struct

import attrs
import pytest

from ..adapters.signing import b64url, challenge_of
from ..errors import SignatureError
from ..ports import Signature, Signer, Verifier

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
except ModuleNotFoundError as error:  # pragma: no cover
    from .._extras import missing

    raise missing(error, "audit", "the signing tests") from error

__all__ = ["SoftPasskey", "VerifierContract"]


class SoftPasskey:
    """A passkey in software: signs WebAuthn assertions as a customer's device would.

    ``es256`` chooses an ECDSA P-256 credential (the common one), else Ed25519.
    """

    def __init__(
        self, rp_id: str, origin: str, *, es256: bool = True, credential: bytes = b"cred-1"
    ) -> None:
        self._rp_hash = hashlib.sha256(rp_id.encode()).digest()
        self.origin = origin
        self._es256 = es256
        self._private = ec.generate_private_key(ec.SECP256R1()) if es256 else None
        self._ed = None if es256 else Ed25519PrivateKey.generate()
        self.key_id = b64url(credential)
        self._counter = 0

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey | object:
        """The credential's public key, as registration would give it to the insurer."""
        return self._private.public_key() if self._private else self._ed.public_key()  # type: ignore[union-attr]

    def sign(self, payload: bytes) -> Signature:
        """An assertion over ``payload`` (user present and verified)."""
        self._counter += 1
        auth = self._rp_hash + bytes([0x05]) + struct.pack(">I", self._counter)
        client = json.dumps(
            {"type": "webauthn.get", "challenge": challenge_of(payload), "origin": self.origin}
        ).encode()
        signed = auth + hashlib.sha256(client).digest()
        if self._private is not None:
            value = self._private.sign(signed, ec.ECDSA(hashes.SHA256()))
        else:
            assert self._ed is not None
            value = self._ed.sign(signed)
        return Signature("webauthn", self.key_id, value, auth, client)


class VerifierContract:
    """What every :class:`~reimbursement.ports.Verifier` must do.

    Provide fixtures ``signer`` (a :class:`~reimbursement.ports.Signer` whose
    key the verifier trusts), ``verifier`` and ``stranger`` (a signer of the
    same kind whose key it does not trust, under the same key id).
    """

    def test_a_signature_over_the_payload_verifies(
        self, signer: Signer, verifier: Verifier
    ) -> None:
        verifier.verify(b"the payload", signer.sign(b"the payload"))

    def test_a_signature_over_other_bytes_is_refused(
        self, signer: Signer, verifier: Verifier
    ) -> None:
        with pytest.raises(SignatureError):
            verifier.verify(b"the payload", signer.sign(b"the payload."))

    def test_a_signature_by_another_key_is_refused(
        self, stranger: Signer, verifier: Verifier
    ) -> None:
        with pytest.raises(SignatureError):
            verifier.verify(b"the payload", stranger.sign(b"the payload"))

    def test_an_unknown_key_id_is_refused(self, signer: Signer, verifier: Verifier) -> None:
        signature = attrs.evolve(signer.sign(b"p"), key_id="nobody")
        with pytest.raises(SignatureError, match="not a key this desk trusts"):
            verifier.verify(b"p", signature)

    @pytest.mark.parametrize("cut", [0, 1, 10])
    def test_a_truncated_or_flipped_signature_is_refused(
        self, signer: Signer, verifier: Verifier, cut: int
    ) -> None:
        good = signer.sign(b"p")
        value = bytes([good.value[0] ^ 1]) + good.value[1:] if cut == 0 else good.value[:-cut]
        with pytest.raises(SignatureError):
            verifier.verify(b"p", attrs.evolve(good, value=value))

    def test_another_algorithm_is_refused(self, signer: Signer, verifier: Verifier) -> None:
        signature = attrs.evolve(signer.sign(b"p"), algorithm="rsa")
        with pytest.raises(SignatureError):
            verifier.verify(b"p", signature)
