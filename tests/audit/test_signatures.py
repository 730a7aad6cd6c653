"""Signed submissions: the canonical bytes, the desk's checks, and what reviewers see."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from decimal import Decimal

import attrs
import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import ClaimPatch, ClaimState, LinePatch, Money, ReimbursementDesk, assemble
from reimbursement.audit.canonical import submission_bytes, submission_form
from reimbursement.audit.signatures import SignatureState, recorded_signature
from reimbursement.errors import SignatureError, ValidationError
from reimbursement.ports import Signature
from reimbursement.testing import rich_claim
from reimbursement.testing.passkeys import trusting
from reimbursement.testing.signing import SoftPasskey
from support import ANA, REVIEWER, ready_draft

RP, ORIGIN = "claims.example.org", "https://claims.example.org"
CLAIM = rich_claim("c-1")
SIGNED = submission_bytes(CLAIM, ["I declare these expenses true."])


def _shuffled(value: object, rng: random.Random) -> object:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


@given(st.randoms())
def test_reordering_the_keys_of_the_form_gives_the_same_bytes(rng: random.Random) -> None:
    form = submission_form(CLAIM, ["I declare these expenses true."])
    assert rfc8785.dumps(_shuffled(form, rng)) == SIGNED
    assert json.loads(SIGNED) == form  # plain JSON anyone can read


_CHANGES: dict[str, Callable[[object], object]] = {
    "amount": lambda c: attrs.evolve(
        c,
        lines=[attrs.evolve(c.lines[0], amount=Money("12.31", "EUR")), *c.lines[1:]],  # type: ignore[attr-defined]
    ),
    "payee": lambda c: attrs.evolve(
        c,
        claimant=attrs.evolve(c.claimant, payee_account="GB33 BUKB 2020 1555 5555 55"),  # type: ignore[attr-defined]
    ),
    "document": lambda c: attrs.evolve(
        c,
        attachments=[attrs.evolve(c.attachments[0], sha256="cd" * 32)],  # type: ignore[attr-defined]
    ),
    "fx_rate": lambda c: attrs.evolve(
        c,
        lines=[c.lines[0], attrs.evolve(c.lines[1], fx_rate=Decimal("0.9174"))],  # type: ignore[attr-defined]
    ),
    "tax": lambda c: attrs.evolve(
        c,
        lines=[attrs.evolve(c.lines[0], tax=Money("1.00", "EUR")), *c.lines[1:]],  # type: ignore[attr-defined]
    ),
    "provider": lambda c: attrs.evolve(
        c,
        lines=[attrs.evolve(c.lines[0], provider="Taxi Berlln"), *c.lines[1:]],  # type: ignore[attr-defined]
    ),
}


@given(st.sampled_from(sorted(_CHANGES)))
def test_any_change_to_a_signed_field_breaks_the_signature(change: str) -> None:
    passkey = SoftPasskey(RP, ORIGIN)
    verifier = trusting(passkey, RP, [ORIGIN], CLAIM.customer_id)
    signature = passkey.sign(SIGNED)
    verifier.verify(SIGNED, signature)
    changed = submission_bytes(_CHANGES[change](CLAIM), ["I declare these expenses true."])  # type: ignore[arg-type]
    with pytest.raises(SignatureError):
        verifier.verify(changed, signature)
    for other in (
        submission_bytes(CLAIM, ["I declare these expenses true!"]),  # another declaration
        submission_bytes(CLAIM, ["I declare these expenses true."], version=CLAIM.version + 1),
    ):
        with pytest.raises(SignatureError):
            verifier.verify(other, signature)


@pytest.fixture
def passkey() -> SoftPasskey:
    return SoftPasskey(RP, ORIGIN)


@pytest.fixture
def signing_desk(desk: ReimbursementDesk, passkey: SoftPasskey) -> ReimbursementDesk:
    verifier = trusting(passkey, RP, [ORIGIN], ANA.id)
    return assemble(attrs.evolve(desk.adapters, verifier=verifier), reviewers=["rev-1"])


DECLARED = ("The expenses are mine and were not reimbursed elsewhere.",)


def test_a_desk_with_a_verifier_refuses_an_unsigned_or_badly_signed_submission(
    signing_desk: ReimbursementDesk, passkey: SoftPasskey
) -> None:
    draft = ready_draft(signing_desk)
    with pytest.raises(SignatureError, match="requires the customer's signature"):
        signing_desk.submit(ANA, draft.id)
    wrong = passkey.sign(b"something else")
    with pytest.raises(SignatureError, match="signed other bytes"):
        signing_desk.submit(ANA, draft.id, signature=wrong, declarations=DECLARED)
    payload = signing_desk.submission_to_sign(ANA, draft.id, declarations=DECLARED)
    with pytest.raises(SignatureError):  # signed with other declarations than sent
        signing_desk.submit(ANA, draft.id, signature=passkey.sign(payload))
    assert signing_desk.get(REVIEWER, draft.id).state is ClaimState.DRAFT  # nothing happened


def test_a_signed_submission_records_its_signature_and_reviewers_see_it_valid(
    signing_desk: ReimbursementDesk, passkey: SoftPasskey
) -> None:
    draft = ready_draft(signing_desk)
    payload = signing_desk.submission_to_sign(ANA, draft.id, declarations=DECLARED)
    submitted = signing_desk.submit(
        ANA, draft.id, signature=passkey.sign(payload), declarations=DECLARED
    )
    claim = signing_desk.get(REVIEWER, submitted.id)
    recorded = recorded_signature(claim)
    assert recorded is not None
    assert recorded.declarations == DECLARED
    assert recorded.version == draft.version
    status = signing_desk.signature_status(REVIEWER, claim.id)
    assert status.valid, status.reason
    assert status.key_id == passkey.key_id


def test_a_resubmission_needs_a_new_signature_over_the_fixed_claim(
    signing_desk: ReimbursementDesk, passkey: SoftPasskey
) -> None:
    draft = ready_draft(signing_desk)
    first = signing_desk.submission_to_sign(ANA, draft.id)
    claim = signing_desk.submit(ANA, draft.id, signature=passkey.sign(first))
    claim = signing_desk.return_for_correction(REVIEWER, claim.id, ["Fix the amount"])
    patch = ClaimPatch(change_lines=(LinePatch("L1", amount=Money("40.00", "EUR")),))
    with pytest.raises(SignatureError, match="requires"):
        signing_desk.resubmit(ANA, claim.id, patch)
    with pytest.raises(SignatureError):  # the first signature covers the claim before the fix
        signing_desk.resubmit(ANA, claim.id, patch, signature=passkey.sign(first))
    payload = signing_desk.submission_to_sign(ANA, claim.id, patch)
    fixed = signing_desk.resubmit(ANA, claim.id, patch, signature=passkey.sign(payload))
    assert fixed.state is ClaimState.IN_REVIEW
    assert signing_desk.signature_status(REVIEWER, fixed.id).valid


def test_a_stored_signature_that_no_longer_matches_the_claim_shows_invalid(
    signing_desk: ReimbursementDesk, passkey: SoftPasskey
) -> None:
    draft = ready_draft(signing_desk)
    payload = signing_desk.submission_to_sign(ANA, draft.id)
    submitted = signing_desk.submit(ANA, draft.id, signature=passkey.sign(payload))
    claim = signing_desk.get(REVIEWER, submitted.id)
    from reimbursement.audit.signatures import signature_status

    tampered = attrs.evolve(
        claim, claimant=attrs.evolve(claim.claimant, payee_account="DE62 3704 0044 0532 0130 01")
    )
    verifier = signing_desk.adapters.verifier
    assert verifier is not None
    status = signature_status(tampered, verifier)
    assert status.state is SignatureState.INVALID
    assert "other bytes" in status.reason


def test_a_desk_without_a_verifier_takes_no_signature_and_reports_unsigned(
    desk: ReimbursementDesk, passkey: SoftPasskey
) -> None:
    draft = ready_draft(desk)
    with pytest.raises(SignatureError, match="checks no signatures"):
        desk.submit(ANA, draft.id, signature=passkey.sign(b"x"))
    claim = desk.submit(ANA, draft.id)
    assert desk.signature_status(REVIEWER, claim.id).state is SignatureState.UNSIGNED


@pytest.mark.parametrize(
    ("declarations", "path"),
    [
        (["I declare these expenses true."] * 21, "declarations"),
        (["x" * 4_001], "declarations[0]"),
        (["true", "I declare\x00 these"], "declarations[1]"),
        ("I declare these expenses true.", "declarations"),
    ],
)
def test_declarations_from_outside_are_bounded_before_anything_is_signed_or_stored(
    signing_desk: ReimbursementDesk, passkey: SoftPasskey, declarations: object, path: str
) -> None:
    draft = ready_draft(signing_desk)
    with pytest.raises(ValidationError) as refused:
        signing_desk.submission_to_sign(ANA, draft.id, declarations=declarations)  # type: ignore[arg-type]
    assert [p.path for p in refused.value.problems] == [path]
    signature = passkey.sign(signing_desk.submission_to_sign(ANA, draft.id))
    with pytest.raises(ValidationError) as refused:
        signing_desk.submit(ANA, draft.id, signature=signature, declarations=declarations)  # type: ignore[arg-type]
    assert [p.path for p in refused.value.problems] == [path]
    assert signing_desk.get(REVIEWER, draft.id).state is ClaimState.DRAFT


def test_the_longest_declarations_allowed_are_signed_and_recorded(
    signing_desk: ReimbursementDesk, passkey: SoftPasskey
) -> None:
    draft = ready_draft(signing_desk)
    most = [f"{i}: " + "ü" * 3_990 + "\nend" for i in range(20)]
    payload = signing_desk.submission_to_sign(ANA, draft.id, declarations=most)
    signing_desk.submit(ANA, draft.id, signature=passkey.sign(payload), declarations=most)
    recorded = recorded_signature(signing_desk.get(REVIEWER, draft.id))
    assert recorded is not None
    assert recorded.declarations == tuple(most)


def _evolved(signature: Signature, **changes: object) -> Signature:
    return attrs.evolve(signature, **changes)


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"key_id": "k" * 1_401}, "signature.key_id"),
        ({"key_id": "key\n2"}, "signature.key_id"),
        ({"algorithm": "webauthn" * 6}, "signature.algorithm"),
        ({"value": b"\x30" * 1_025}, "signature.value"),
        ({"value": "MEUCIQ=="}, "signature.value"),
        ({"authenticator_data": b"\x00" * 4_097}, "signature.authenticator_data"),
        ({"client_data_json": b"{" + b" " * 4_096 + b"}"}, "signature.client_data_json"),
    ],
)
def test_a_signature_of_unbounded_or_mistyped_parts_is_refused_naming_the_part(
    signing_desk: ReimbursementDesk, passkey: SoftPasskey, changes: dict[str, object], path: str
) -> None:
    draft = ready_draft(signing_desk)
    signature = _evolved(passkey.sign(signing_desk.submission_to_sign(ANA, draft.id)), **changes)
    with pytest.raises(SignatureError) as refused:
        signing_desk.submit(ANA, draft.id, signature=signature)
    assert [p.path for p in refused.value.problems] == [path]
    verifier = signing_desk.adapters.verifier
    assert verifier is not None
    with pytest.raises(SignatureError) as refused:  # the adapter bounds it too, called alone
        verifier.verify(b"payload", signature)
    assert [p.path for p in refused.value.problems] == [path]


def test_client_data_nested_deeper_than_the_parser_goes_is_a_signature_error(
    passkey: SoftPasskey,
) -> None:
    verifier = trusting(passkey, RP, [ORIGIN], CLAIM.customer_id)
    nested = _evolved(passkey.sign(SIGNED), client_data_json=b"[" * 4_000)
    with pytest.raises(SignatureError, match="does not verify"):
        verifier.verify(SIGNED, nested)
