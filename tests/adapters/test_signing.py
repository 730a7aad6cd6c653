"""The Verifier contract, run on the insurer's Ed25519 keys and on customers' passkeys.

A customer's passkey is verified by one path, :class:`~reimbursement.adapters.passkeys.Passkeys`
(py_webauthn): the hand-written WebAuthn verifier, which kept no sign counter, is gone.
"""

from __future__ import annotations

import copy

import pytest

from reimbursement.adapters.passkeys import Passkeys
from reimbursement.adapters.signing import Ed25519Signer, Ed25519Verifier
from reimbursement.errors import SignatureError
from reimbursement.testing.passkeys import trusting
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
    def verifier(self, signer: SoftPasskey) -> Passkeys:
        return trusting(signer, RP, [ORIGIN])


def test_a_passkey_assertion_for_another_site_or_origin_is_refused() -> None:
    phish = SoftPasskey("claims.example.org.evil.test", ORIGIN)
    with pytest.raises(SignatureError, match="RP ID"):
        trusting(phish, RP, [ORIGIN]).verify(b"p", phish.sign(b"p"))
    elsewhere = SoftPasskey(RP, "https://evil.test")
    with pytest.raises(SignatureError, match="origin"):
        trusting(elsewhere, RP, [ORIGIN]).verify(b"p", elsewhere.sign(b"p"))


def test_a_cloned_authenticator_whose_counter_does_not_move_on_is_refused() -> None:
    device = SoftPasskey(RP, ORIGIN)
    passkeys = trusting(device, RP, [ORIGIN])
    clone = copy.deepcopy(device)  # the same key and the same counter, in another hand
    passkeys.accept(b"the customer's claim", device.sign(b"the customer's claim"))  # counter 1
    forged = clone.sign(b"the cloner's claim")  # the clone's counter is 1 too
    with pytest.raises(SignatureError, match=r"counter is 1, not past 1: .* cloned") as refused:
        passkeys.accept(b"the cloner's claim", forged)
    assert [p.path for p in refused.value.problems] == ["signature.authenticator_data"]
    replayed = device.sign(b"the customer's claim")  # counter 2: accepted, once
    passkeys.accept(b"the customer's claim", replayed)
    with pytest.raises(SignatureError, match="counter is 2, not past 2"):
        passkeys.accept(b"the customer's claim", replayed)
    passkeys.verify(b"the customer's claim", replayed)  # a later re-check of what was stored
