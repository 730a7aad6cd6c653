"""The Verifier contract, run on the insurer's Ed25519 keys and on customers' passkeys."""

from __future__ import annotations

import pytest

from reimbursement.adapters.signing import Ed25519Signer, Ed25519Verifier, WebAuthnVerifier
from reimbursement.testing.signing import SoftPasskey, VerifierContract

RP, ORIGIN = "claims.example.org", "https://claims.example.org"


class TestEd25519(VerifierContract):
    @pytest.fixture
    def signer(self) -> Ed25519Signer:
        return Ed25519Signer.generate("insurer-seal-2026")

    @pytest.fixture
    def stranger(self) -> Ed25519Signer:
        return Ed25519Signer.generate("insurer-seal-2026")  # the same name, another key

    @pytest.fixture
    def verifier(self, signer: Ed25519Signer) -> Ed25519Verifier:
        return Ed25519Verifier({signer.key_id: signer.public_key})


@pytest.mark.parametrize("es256", [True, False], ids=["es256", "eddsa"])
class TestPasskey(VerifierContract):
    @pytest.fixture
    def signer(self, es256: bool) -> SoftPasskey:
        return SoftPasskey(RP, ORIGIN, es256=es256)

    @pytest.fixture
    def stranger(self, es256: bool) -> SoftPasskey:
        return SoftPasskey(RP, ORIGIN, es256=es256)  # same credential id, another key

    @pytest.fixture
    def verifier(self, signer: SoftPasskey) -> WebAuthnVerifier:
        return WebAuthnVerifier({signer.key_id: signer.public_key}, RP, [ORIGIN])  # type: ignore[dict-item]


def test_a_passkey_assertion_for_another_site_or_origin_is_refused() -> None:
    from reimbursement.errors import SignatureError

    phish = SoftPasskey("claims.example.org.evil.test", ORIGIN)
    trusting = WebAuthnVerifier({phish.key_id: phish.public_key}, RP, [ORIGIN])  # type: ignore[dict-item]
    with pytest.raises(SignatureError, match="relying party"):
        trusting.verify(b"p", phish.sign(b"p"))
    elsewhere = SoftPasskey(RP, "https://evil.test")
    trusting = WebAuthnVerifier({elsewhere.key_id: elsewhere.public_key}, RP, [ORIGIN])  # type: ignore[dict-item]
    with pytest.raises(SignatureError, match="origin"):
        trusting.verify(b"p", elsewhere.sign(b"p"))
