"""The JSON API against its OpenAPI document (schemathesis), and what a platform relies on."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from starlette.applications import Starlette

from reimbursement.adapters.memory import ManualClock
from reimbursement.web import create_app
from reimbursement.web._demo import demo_portal, seed

from .conftest import START


def _app() -> Starlette:
    # with passkeys, so that the schema run covers the passkey routes too
    demo = demo_portal(None, clock=ManualClock(START), site=("portal.test", "http://portal.test"))
    seed(demo.unsigned or demo.desk)
    return create_app(
        demo.desk,
        identify=demo.identities,
        inbox=demo.inbox,
        secret_key="t",
        passkeys=demo.passkeys,
    )


# one app for the whole schema run: schemathesis calls it case after case
schema = schemathesis.openapi.from_asgi("/api/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=10, suppress_health_check=list(HealthCheck), deadline=None)
@pytest.mark.parametrize("who", ["C-1001", "R-rita"])
def test_the_api_keeps_its_openapi_document(case: Any, who: str) -> None:
    # no 5xx, every status and body as documented, for a customer and a reviewer. A line
    # the schema allows may still be refused by the desk's rules (a date in the future, a
    # currency without a rate that day): 422 is documented, so "valid data is accepted"
    # is not a promise of this API and that one check is left out.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {who}"},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


def test_a_platform_starts_a_claim_and_follows_it(visit: Any, app: Starlette) -> None:
    client = visit()
    bearer = {"Authorization": "Bearer C-1001"}
    line = {
        "category": "pharmacy",
        "incurred_on": "2026-11-20",
        "provider": "City Pharmacy",
        "amount": {"amount": "12.30", "currency": "EUR"},
    }
    made = client.request("POST", "/api/v1/claims", json={"lines": [line]}, headers=bearer)
    assert made.status_code == 201
    claim = made.json()
    assert claim["state"] == "draft"
    assert claim["claimed"] == {"amount": "12.30", "currency": "EUR"}
    again = client.request("GET", f"/api/v1/claims/{claim['id']}", headers=bearer)
    assert again.json() == claim
    posted = client.request(
        "POST", f"/api/v1/claims/{claim['id']}/messages", json={"body": "Hi"}, headers=bearer
    )
    assert posted.status_code == 201
    other = client.request(
        "GET", f"/api/v1/claims/{claim['id']}", headers={"Authorization": "Bearer C-1002"}
    )
    assert other.status_code == 403
    assert "another customer" in other.json()["error"]


def test_bad_input_names_its_field_and_nobody_signed_in_gets_401(visit: Any) -> None:
    client = visit()
    bearer = {"Authorization": "Bearer C-1001"}
    bad = client.request(
        "POST", "/api/v1/claims", json={"lines": [{"category": "x"}]}, headers=bearer
    )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["path"] == "lines[0]"
    anonymous = client.request("GET", "/api/v1/claims")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
