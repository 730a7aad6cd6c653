"""Passkey signing over HTTP: the options bind the challenge to the submission, the forms need it.

A :class:`~reimbursement.testing.signing.SoftPasskey` plays the browser's
authenticator (registered straight into the store); the browser itself
is in ``browser/test_passkeys.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from starlette.applications import Starlette

from reimbursement import Actor, assemble
from reimbursement.adapters.memory import InMemoryPasskeys
from reimbursement.adapters.passkeys import Passkeys
from reimbursement.adapters.signing import b64url, challenge_of
from reimbursement.audit.signatures import SignatureState
from reimbursement.ports import Signature
from reimbursement.service.desk import ReimbursementDesk
from reimbursement.testing.passkeys import registered
from reimbursement.testing.signing import SoftPasskey
from reimbursement.web import create_app
from reimbursement.web._demo import FINANCE, DemoPortal
from reimbursement.web._passkeys import fix_of

from .conftest import Visitor, claim_id_of, draft_with_line, flash, upload

SITE, ORIGIN = "portal.test", "http://portal.test"
DECLARATION = (
    "I declare that these expenses are true and complete, and that I have not claimed them "
    "elsewhere."
)


@pytest.fixture
def passkeys() -> Passkeys:
    return Passkeys(InMemoryPasskeys(), SITE, [ORIGIN])


@pytest.fixture
def signed_desk(demo: DemoPortal, passkeys: Passkeys) -> ReimbursementDesk:
    adapters = attrs.evolve(demo.desk.adapters, verifier=passkeys)
    return assemble(adapters, reviewers=["R-rita", "R-raj"], settings=demo.desk.settings)


@pytest.fixture
def signing_visit(
    signed_desk: ReimbursementDesk, demo: DemoPortal, passkeys: Passkeys
) -> Iterator[Any]:
    app: Starlette = create_app(
        signed_desk, identify=demo.identities, secret_key="test", passkeys=passkeys
    )
    opened: list[Visitor] = []

    def open_one() -> Visitor:
        opened.append(Visitor(app))
        return opened[-1]

    yield open_one
    for visitor in opened:
        visitor.close()


def _answer(signature: Signature) -> str:
    """The assertion as the browser's ``credential.toJSON()`` gives it."""
    response = {
        "clientDataJSON": b64url(signature.client_data_json),
        "authenticatorData": b64url(signature.authenticator_data),
        "signature": b64url(signature.value),
    }
    credential = {"id": signature.key_id, "rawId": signature.key_id, "response": response}
    return json.dumps({**credential, "type": "public-key", "clientExtensionResults": {}})


def _ready(mei: Visitor) -> str:
    claim_url = draft_with_line(mei)
    mei.follow(upload(mei, claim_url))
    return claim_url


def _signed_in(signing_visit: Any, passkeys: Passkeys) -> tuple[Visitor, str, SoftPasskey]:
    """Mei with a passkey registered, signed in, and a draft ready to submit (its path)."""
    device = SoftPasskey(SITE, ORIGIN)
    registered(passkeys.store, device, "C-1001")
    mei = signing_visit()
    mei.sign_in("C-1001")
    return mei, _ready(mei), device


def test_without_passkeys_the_passkey_routes_are_not_there(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = _ready(mei)
    assert mei.get("/passkeys").status_code == 404
    assert mei.post(f"{claim_url}/submit/options", {"declaration": "yes"}).status_code == 404
    assert "passkey.js" not in mei.get(claim_url).text


def test_the_signing_options_challenge_the_exact_bytes_the_desk_records(
    signing_visit: Any, signed_desk: ReimbursementDesk, passkeys: Passkeys
) -> None:
    mei, claim_url, device = _signed_in(signing_visit, passkeys)
    page = mei.get(claim_url)
    assert 'src="/static/passkey.js"' in page.text
    assert f'data-passkey="{claim_url}/submit/options"' in page.text
    options = mei.post(f"{claim_url}/submit/options", {"declaration": "yes"})
    assert options.status_code == 200
    assert options.headers["cache-control"] == "no-store"
    actor, claim_id = Actor.customer("C-1001"), claim_id_of(claim_url)
    payload = signed_desk.submission_to_sign(actor, claim_id, declarations=[DECLARATION])
    assert options.json()["challenge"] == challenge_of(payload)
    assert options.json()["allowCredentials"][0]["id"] == device.key_id

    answer = _answer(device.sign(payload))
    done = mei.follow(mei.post(f"{claim_url}/submit", {"declaration": "yes", "passkey": answer}))
    assert "state-in_review" in done.text, flash(done)
    status = signed_desk.signature_status(FINANCE, claim_id)
    assert status.state is SignatureState.VALID


def test_a_submission_without_a_passkey_or_with_garbage_is_refused(
    signing_visit: Any, passkeys: Passkeys
) -> None:
    mei, claim_url, _ = _signed_in(signing_visit, passkeys)
    for given, said in [
        (None, "sign with your passkey first"),
        ("{not json", "is not a passkey's signature"),
        ("[" * 50_000, "is not a passkey's signature"),
    ]:
        page = mei.follow(
            mei.post(f"{claim_url}/submit", {"declaration": "yes", "passkey": given})
        )
        assert said in flash(page).replace("&#39;", "'")
        assert "state-draft" in page.text


def test_a_customer_without_a_passkey_is_told_to_register_one(signing_visit: Any) -> None:
    mei = signing_visit()
    mei.sign_in("C-1001")
    claim_url = _ready(mei)
    options = mei.post(f"{claim_url}/submit/options", {"declaration": "yes"})
    assert options.status_code == 422
    assert "register a passkey first" in options.json()["error"]
    page = mei.get("/passkeys")
    assert page.status_code == 200
    assert 'data-passkey="/passkeys/options"' in page.text


def test_registration_options_keep_a_fresh_challenge_and_a_wrong_answer_is_refused(
    signing_visit: Any, passkeys: Passkeys
) -> None:
    mei = signing_visit()
    mei.sign_in("C-1001")
    mei.get("/passkeys")
    first = mei.post("/passkeys/options").json()
    second = mei.post("/passkeys/options").json()
    assert first["challenge"] != second["challenge"]
    assert first["rp"] == {"id": SITE, "name": "Claims"}
    assert first["authenticatorSelection"]["userVerification"] == "required"
    refused = mei.follow(mei.post("/passkeys", {"passkey": "{}"}))
    assert "does not verify" in flash(refused)
    again = mei.follow(mei.post("/passkeys", {"passkey": "{}"}))  # the challenge was used up
    assert "expired" in flash(again)
    assert passkeys.store.of_customer("C-1001") == []


def test_the_passkey_forms_need_the_csrf_token(signing_visit: Any) -> None:
    mei = signing_visit()
    mei.sign_in("C-1001")
    claim_url = _ready(mei)
    assert mei.post("/passkeys/options", {"csrf": None}).status_code == 403
    assert mei.post(f"{claim_url}/submit/options", {"csrf": "forged"}).status_code == 403


def test_the_passkey_pages_are_labelled_and_run_no_inline_script(
    signing_visit: Any, passkeys: Passkeys
) -> None:
    import re

    from .test_accessibility import _unlabelled

    mei, claim_url, _ = _signed_in(signing_visit, passkeys)
    for page in (mei.get("/passkeys"), mei.get(claim_url)):
        assert _unlabelled(page.text) == []
        for script in re.findall(r"<script[^>]*>", page.text):
            assert 'src="/static/' in script, script
        assert re.search(r"\son[a-z]+=", page.text) is None
    assert mei.get("/static/passkey.js").status_code == 200


def test_a_returned_claim_is_fixed_and_signed_again_over_the_fix(
    signing_visit: Any, signed_desk: ReimbursementDesk, passkeys: Passkeys
) -> None:
    mei, claim_url, device = _signed_in(signing_visit, passkeys)
    actor, claim_id = Actor.customer("C-1001"), claim_id_of(claim_url)
    first = signed_desk.submission_to_sign(actor, claim_id, declarations=[DECLARATION])
    submit = {"declaration": "yes", "passkey": _answer(device.sign(first))}
    assert "state-in_review" in mei.follow(mei.post(f"{claim_url}/submit", submit)).text
    reviewer = Actor.reviewer(signed_desk.get(FINANCE, claim_id).assignee or "")
    signed_desk.return_for_correction(reviewer, claim_id, ["amount_mismatch"], "It says 36.90.")

    mei.get(claim_url)
    fix = {"declaration": "yes", "amount-L1": "36.90"}
    options = mei.post(f"{claim_url}/resubmit/options", fix).json()
    assert options["challenge"] != challenge_of(first)
    stale = mei.follow(mei.post(f"{claim_url}/resubmit", {**fix, "passkey": submit["passkey"]}))
    assert "signed other bytes" in flash(stale), "the first signature does not fit the fix"
    patched = signed_desk.submission_to_sign(
        actor, claim_id, fix_of(signed_desk, actor, claim_id, fix), declarations=[DECLARATION]
    )
    assert options["challenge"] == challenge_of(patched)
    again = {**fix, "passkey": _answer(device.sign(patched))}
    page = mei.follow(mei.post(f"{claim_url}/resubmit", again))
    assert "state-in_review" in page.text, flash(page)
    assert signed_desk.signature_status(FINANCE, claim_id).valid
    assert str(signed_desk.get(FINANCE, claim_id).claimed_total.amount) == "36.90"
