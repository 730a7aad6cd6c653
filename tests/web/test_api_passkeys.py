"""The JSON API's passkeys: register one, sign a submission with it, and what is refused.

The authenticator is played in software: a ``none`` attestation made here
for registration (what an authenticator without attestation answers), and
:class:`~reimbursement.testing.signing.SoftPasskey` assertions, both in the
JSON of the browser's ``credential.toJSON()`` that py_webauthn parses.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import date

import pytest
from webauthn.helpers import base64url_to_bytes, encode_cbor

from reimbursement import Actor, LineInput, Money
from reimbursement.adapters.memory import ManualClock
from reimbursement.adapters.signing import b64url, challenge_of
from reimbursement.ports import Signature
from reimbursement.testing.passkeys import cose_key, registered
from reimbursement.testing.signing import SoftPasskey
from reimbursement.web import create_app
from reimbursement.web._demo import DemoPortal, demo_portal, receipt_pdf

from .conftest import START, Visitor

SITE, ORIGIN = "portal.test", "http://portal.test"
MEI = {"Authorization": "Bearer C-1001"}
DECLARED = ["My expenses are true and were not reimbursed elsewhere."]


@pytest.fixture
def signing() -> Iterator[tuple[DemoPortal, Visitor]]:
    demo = demo_portal(None, clock=ManualClock(START), site=(SITE, ORIGIN))
    app = create_app(demo.desk, identify=demo.identities, secret_key="t", passkeys=demo.passkeys)
    client = Visitor(app)
    yield demo, client
    client.close()
    demo.close()


def _attestation(device: SoftPasskey, challenge: str, origin: str = ORIGIN) -> dict[str, object]:
    """The browser's answer to navigator.credentials.create, from ``device``, attesting nothing."""
    client_data = json.dumps(
        {"type": "webauthn.create", "challenge": challenge, "origin": origin}
    ).encode()
    credential = base64url_to_bytes(device.key_id)
    auth = (
        hashlib.sha256(SITE.encode()).digest()
        + bytes([0x45])  # user present, user verified, credential data follows
        + (0).to_bytes(4, "big")
        + bytes(16)  # no AAGUID
        + len(credential).to_bytes(2, "big")
        + credential
        + cose_key(device.public_key)
    )
    attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth})
    response = {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation)}
    return {"id": device.key_id, "rawId": device.key_id, "response": response,
            "type": "public-key", "clientExtensionResults": {}}  # fmt: skip


def _assertion(signature: Signature) -> dict[str, object]:
    response = {
        "clientDataJSON": b64url(signature.client_data_json),
        "authenticatorData": b64url(signature.authenticator_data),
        "signature": b64url(signature.value),
    }
    return {"id": signature.key_id, "rawId": signature.key_id, "response": response,
            "type": "public-key", "clientExtensionResults": {}}  # fmt: skip


def _draft(demo: DemoPortal) -> str:
    mei = Actor.customer("C-1001")
    line = LineInput("pharmacy", date(2026, 11, 20), "City Pharmacy", Money("12.30", "EUR"))
    draft = demo.desk.start_draft(mei, [line])
    demo.desk.attach(mei, draft.id, "receipt.pdf", receipt_pdf(), line_id="L1")
    return draft.id


def test_a_customer_registers_a_passkey_over_the_api(
    signing: tuple[DemoPortal, Visitor],
) -> None:
    demo, client = signing
    device = SoftPasskey(SITE, ORIGIN, credential=b"mei-phone")
    asked = client.request("POST", "/api/v1/passkeys/options", headers=MEI)
    assert asked.status_code == 200
    options, token = asked.json()["options"], asked.json()["challenge_token"]
    assert options["rp"]["id"] == SITE
    answer = _attestation(device, options["challenge"])
    body = {"credential": answer, "challenge_token": token, "name": "phone"}
    made = client.request("POST", "/api/v1/passkeys", json=body, headers=MEI)
    assert made.status_code == 201, made.text
    assert made.json() == {"credential_id": device.key_id, "name": "phone"}
    assert demo.passkeys is not None
    kept = demo.passkeys.store.get(device.key_id)
    assert kept is not None
    assert kept.customer_id == "C-1001"
    # the token is Mei's: another customer cannot register with it, nor with a forged one
    other = client.request(
        "POST", "/api/v1/passkeys", json=body, headers={"Authorization": "Bearer C-1002"}
    )
    assert other.status_code == 422
    assert "another customer" in other.json()["error"]
    forged = client.request(
        "POST", "/api/v1/passkeys", json=body | {"challenge_token": token + "x"}, headers=MEI
    )
    assert forged.status_code == 422
    assert forged.json()["problems"][0]["path"] == "challenge_token"
    # an answer to another challenge does not verify
    elsewhere = _attestation(SoftPasskey(SITE, ORIGIN), challenge_of(b"another challenge"))
    wrong = {"credential": elsewhere, "challenge_token": token}
    refused = client.request("POST", "/api/v1/passkeys", json=wrong, headers=MEI)
    assert refused.status_code == 422
    assert "does not verify" in refused.json()["error"]


def test_a_submission_signed_with_a_passkey_over_the_api_and_its_replay_refused(
    signing: tuple[DemoPortal, Visitor],
) -> None:
    demo, client = signing
    assert demo.passkeys is not None
    device = SoftPasskey(SITE, ORIGIN, credential=b"mei-phone")
    registered(demo.passkeys.store, device, "C-1001")
    claim_id = _draft(demo)
    url = f"/api/v1/claims/{claim_id}/submit"
    unsigned = client.request("POST", url, json={"declarations": DECLARED}, headers=MEI)
    assert unsigned.status_code == 422
    asked = client.request("POST", f"{url}/options", json={"declarations": DECLARED}, headers=MEI)
    assert asked.status_code == 200
    payload = demo.desk.submission_to_sign(
        Actor.customer("C-1001"), claim_id, declarations=DECLARED
    )
    assert asked.json()["options"]["challenge"] == challenge_of(payload)
    clone = copy.deepcopy(device)  # the same key and counter, in another hand
    device.sign(b"an earlier signature")  # counter 1
    signed = device.sign(payload)  # counter 2
    body = {"declarations": DECLARED, "assertion": _assertion(signed)}
    done = client.request("POST", url, json=body, headers=MEI)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "in_review"  # submitted, and straight to a reviewer
    status = demo.desk.signature_status(Actor.reviewer("R-rita"), claim_id)
    assert status.valid
    assert status.key_id == device.key_id
    # the clone signs the next claim's very bytes, but its counter (1) is behind: refused
    second = _draft(demo)
    mei = Actor.customer("C-1001")
    forged = clone.sign(demo.desk.submission_to_sign(mei, second, declarations=DECLARED))
    replay = {"declarations": DECLARED, "assertion": _assertion(forged)}
    refused = client.request("POST", f"/api/v1/claims/{second}/submit", json=replay, headers=MEI)
    assert refused.status_code == 422
    assert "counter is 1, not past 2" in refused.json()["error"]
    assert demo.desk.track(Actor.customer("C-1001"), second).state.value == "draft"


def test_without_passkeys_the_api_passkey_routes_are_not_there(visit: object) -> None:
    client = visit()  # type: ignore[operator]
    for path in ("/api/v1/passkeys/options", "/api/v1/claims/x/submit"):
        answer = client.request("POST", path, json={}, headers=MEI)
        assert answer.status_code == 404
        assert "without passkeys" in answer.json()["error"]
