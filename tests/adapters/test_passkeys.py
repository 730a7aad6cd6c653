"""Passkeys: the in-memory store's contract, the desk's Verifier over it, and the sign counter."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import attrs
import pytest

from reimbursement import Actor, CustomerProfile, LineInput, Money, assemble, in_memory_desk
from reimbursement.adapters.memory import InMemoryPasskeys, ManualClock
from reimbursement.adapters.passkeys import Passkeys
from reimbursement.audit.signatures import SignatureState
from reimbursement.errors import SignatureError, ValidationError
from reimbursement.service.desk import ReimbursementDesk
from reimbursement.testing.passkeys import PasskeyStoreContract, registered
from reimbursement.testing.signing import SoftPasskey, VerifierContract

RP, ORIGIN = "claims.example.org", "https://claims.example.org"
ZOE, ANA = Actor.customer("C-7"), Actor.customer("C-8")
DECLARED = ["My expenses are true."]


class TestInMemoryPasskeys(PasskeyStoreContract):
    @pytest.fixture
    def passkeys(self) -> InMemoryPasskeys:
        return InMemoryPasskeys()


@pytest.mark.parametrize("es256", [True, False], ids=["es256", "eddsa"])
class TestPasskeysVerify(VerifierContract):
    @pytest.fixture
    def signer(self, es256: bool) -> SoftPasskey:
        return SoftPasskey(RP, ORIGIN, es256=es256)

    @pytest.fixture
    def stranger(self, es256: bool) -> SoftPasskey:
        return SoftPasskey(RP, ORIGIN, es256=es256)  # same credential id, another key

    @pytest.fixture
    def verifier(self, signer: SoftPasskey) -> Passkeys:
        passkeys = Passkeys(InMemoryPasskeys(), RP, [ORIGIN])
        registered(passkeys.store, signer, "C-7")
        return passkeys


def _desk(passkeys: Passkeys) -> ReimbursementDesk:
    base = in_memory_desk(
        clock=ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        customers=[
            CustomerProfile(
                "C-7", "Zoë Martin", "POL-1", "EUR", payee_account="DE89 3704 0044 0532 0130 00"
            ),
            CustomerProfile(
                "C-8", "Ana Lima", "POL-2", "EUR", payee_account="GB29 NWBK 6016 1331 9268 19"
            ),
        ],
    )
    return assemble(attrs.evolve(base.adapters, verifier=passkeys), reviewers=["rev-1"])


def _draft(desk: ReimbursementDesk, actor: Actor = ZOE) -> str:
    line = LineInput("taxi", date(2026, 3, 1), "Taxi", Money("12.30", "EUR"))
    draft = desk.start_draft(actor, [line])
    desk.attach(actor, draft.id, "receipt.pdf", b"%PDF-1.7 receipt", line_id="L1")
    return draft.id


@pytest.fixture
def site() -> tuple[Passkeys, ReimbursementDesk, SoftPasskey]:
    passkeys = Passkeys(InMemoryPasskeys(), RP, [ORIGIN])
    device = SoftPasskey(RP, ORIGIN, credential=b"zoe-phone")
    registered(passkeys.store, device, "C-7")
    return passkeys, _desk(passkeys), device


def test_a_passkey_signs_a_submission_and_the_reviewer_sees_it_valid(site: tuple) -> None:
    passkeys, desk, device = site
    claim_id = _draft(desk)
    payload = desk.submission_to_sign(ZOE, claim_id, declarations=DECLARED)
    signature = device.sign(payload)
    passkeys.accept(payload, signature)
    desk.submit(ZOE, claim_id, signature=signature, declarations=DECLARED)
    status = desk.signature_status(Actor.reviewer("rev-1"), claim_id)
    assert status.state is SignatureState.VALID
    assert status.key_id == device.key_id
    stored = passkeys.store.get(device.key_id)
    assert stored is not None
    assert stored.sign_count == 1


def test_the_request_options_challenge_is_the_hash_of_the_submission(site: tuple) -> None:
    passkeys, desk, device = site
    payload = desk.submission_to_sign(ZOE, _draft(desk), declarations=DECLARED)
    options = passkeys.request_options("C-7", payload)
    client = json.loads(device.sign(payload).client_data_json)
    assert options["challenge"] == client["challenge"]
    assert options["rpId"] == RP
    assert options["userVerification"] == "required"
    assert [c["id"] for c in options["allowCredentials"]] == [device.key_id]  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="register a passkey first"):
        passkeys.request_options("C-8", payload)


def test_a_replayed_assertion_is_refused_by_its_counter(site: tuple) -> None:
    passkeys, desk, device = site
    first, second = _draft(desk), _draft(desk)
    early_payload = desk.submission_to_sign(ZOE, first, declarations=DECLARED)
    early = device.sign(early_payload)  # counter 1, kept back (a copy an attacker took)
    later_payload = desk.submission_to_sign(ZOE, second, declarations=DECLARED)
    later = device.sign(later_payload)
    passkeys.accept(later_payload, later)  # counter 2
    with pytest.raises(SignatureError, match="replayed"):
        passkeys.accept(early_payload, early)
    with pytest.raises(SignatureError, match="counter is 2, not past 2"):
        passkeys.accept(later_payload, later)  # the same assertion sent twice
    passkeys.verify(early_payload, early)  # a later re-check does not count


def test_another_customers_passkey_cannot_sign_a_claim(site: tuple) -> None:
    passkeys, desk, _ = site
    anas = SoftPasskey(RP, ORIGIN, credential=b"ana-phone")
    registered(passkeys.store, anas, "C-8")
    claim_id = _draft(desk)
    payload = desk.submission_to_sign(ZOE, claim_id, declarations=DECLARED)
    with pytest.raises(SignatureError, match="another customer's passkey"):
        desk.submit(ZOE, claim_id, signature=anas.sign(payload), declarations=DECLARED)
    unregistered = SoftPasskey(RP, ORIGIN, credential=b"someone-elses")
    with pytest.raises(SignatureError, match="no passkey registered here"):
        passkeys.accept(payload, unregistered.sign(payload))


def test_an_assertion_over_another_claim_is_refused_as_other_bytes(site: tuple) -> None:
    passkeys, desk, device = site
    first, second = _draft(desk), _draft(desk)
    signed = device.sign(desk.submission_to_sign(ZOE, first, declarations=DECLARED))
    payload = desk.submission_to_sign(ZOE, second, declarations=DECLARED)
    with pytest.raises(SignatureError, match="signed other bytes"):
        passkeys.accept(payload, signed)
    stored = passkeys.store.get(device.key_id)
    assert stored is not None
    assert stored.sign_count == 0, "a refused assertion moved the counter"


def test_an_assertion_from_another_origin_or_site_is_refused(site: tuple) -> None:
    passkeys, desk, _ = site
    payload = desk.submission_to_sign(ZOE, _draft(desk), declarations=DECLARED)
    for n, device in enumerate([SoftPasskey(RP, "https://a.test"), SoftPasskey("a.test", ORIGIN)]):
        device.key_id = f"elsewhere-{n}"
        registered(passkeys.store, device, "C-7")
        with pytest.raises(SignatureError, match="does not verify"):
            passkeys.accept(payload, device.sign(payload))


@pytest.mark.parametrize(
    "answer",
    ["", "{}", "[[[[" * 10_000, '{"id": 1}', "x" * 70_000, json.dumps({"response": {}})],
    ids=["empty", "object", "deep", "wrong-type", "long", "no-parts"],
)
def test_a_malformed_registration_is_a_typed_refusal(answer: str) -> None:
    passkeys = Passkeys(InMemoryPasskeys(), RP, [ORIGIN])
    with pytest.raises(ValidationError):
        passkeys.register("C-7", answer, "Y2hhbGxlbmdl", datetime(2026, 3, 2, tzinfo=UTC))
    assert passkeys.store.of_customer("C-7") == []
