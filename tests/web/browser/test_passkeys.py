"""Passkeys in Chromium: a customer registers one and signs a submission; forgeries are refused.

The browser's authenticator is Chromium's virtual one (DevTools
``WebAuthn.addVirtualAuthenticator``: a platform authenticator that
verifies the user), on ``http://localhost`` (a secure context, as WebAuthn
needs). The portal's desk verifies every submission with the same
:class:`~reimbursement.adapters.passkeys.Passkeys`, so a claim can be
submitted from the pages only signed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import attrs
import pytest

from reimbursement import ClaimState, assemble
from reimbursement.adapters.memory import InMemoryPasskeys, ManualClock
from reimbursement.adapters.passkeys import Passkeys
from reimbursement.service.desk import ReimbursementDesk
from reimbursement.web import create_app
from reimbursement.web._demo import FINANCE, demo_portal

from ..conftest import START
from .conftest import PHONE, SHOTS, free_port, serving
from .test_walkthrough import Walk, draft_with_receipt

pytestmark = pytest.mark.browser

MEI, LI = "C-1001", "C-1004"


@pytest.fixture
def signing() -> Iterator[tuple[str, ReimbursementDesk, Passkeys]]:
    """The portal with passkeys on ``http://localhost:<port>``, its desk verifying them."""
    port = free_port()
    base = f"http://localhost:{port}"
    passkeys = Passkeys(InMemoryPasskeys(), "localhost", [base], rp_name="Claims (test)")
    demo = demo_portal(None, clock=ManualClock(START))
    desk = assemble(
        attrs.evolve(demo.desk.adapters, verifier=passkeys),
        reviewers=["R-rita", "R-raj"],
        settings=demo.desk.settings,
    )
    app = create_app(
        desk,
        identify=demo.identities,
        secret_key="t",
        time_zone="Europe/Berlin",
        passkeys=passkeys,
    )
    with serving(app, port):
        yield base, desk, passkeys
    demo.close()


def _authenticator(walk: Walk) -> None:
    """A virtual platform authenticator for the walk's page: present, verifying, counting."""
    cdp = walk.context.new_cdp_session(walk.page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})


def _register(walk: Walk) -> None:
    walk.go("/passkeys")
    walk.page.fill("#passkey-name", "my phone")
    walk.submit("form[action='/passkeys']")
    assert walk.page.locator(".flash-ok").count() == 1, walk.page.content()
    assert walk.page.locator(".passkey-list li:has-text('my phone')").count() == 1


def _draft(walk: Walk) -> str:
    walk.go("/claims")
    return draft_with_receipt(walk)


def _customer(browser: Any, base: str, who: str) -> Walk:
    """A customer signed in on a phone with its own authenticator and a passkey registered."""
    walk = Walk(browser, base, "en", PHONE)
    _authenticator(walk)
    walk.sign_in(who)
    _register(walk)
    return walk


def _sign_and_submit(walk: Walk, path: str) -> None:
    walk.go(path)
    walk.page.check("#declaration")
    walk.submit("form[action$='/submit']")  # passkey.js asks, the authenticator signs


def _signed_but_kept(walk: Walk, path: str) -> str:
    """Sign the draft at ``path`` in the browser, but keep the form back: its body."""
    kept: list[str] = []

    def hold(route: Any) -> None:
        kept.append(route.request.post_data or "")
        route.fulfill(status=204)  # the browser stays on the page; nothing reached the portal

    walk.page.route(f"**{path}/submit", hold)
    walk.go(path)
    walk.page.check("#declaration")
    walk.page.click("form[action$='/submit'] button[type=submit]")
    for _ in range(100):  # bounded: the authenticator answers in well under a second
        if kept:
            break
        walk.page.wait_for_timeout(50)
    walk.page.unroute(f"**{path}/submit")
    assert kept, "the browser sent no signed form"
    assert "passkey=" in kept[0]
    return kept[0]


def _send(walk: Walk, path: str, body: str) -> str:
    """Post ``body`` as the walk's session (its own CSRF token) to ``path``; the refusal shown."""
    walk.go(path)
    token = walk.page.get_attribute("input[name=csrf]", "value")
    fields = [(k, token if k == "csrf" else v) for k, v in parse_qsl(body)]
    answer = walk.page.request.post(
        walk.base + path + "/submit",
        headers={"content-type": "application/x-www-form-urlencoded"},
        data=urlencode(fields),
        max_redirects=0,  # the page it leads to shows the message once: in the browser
    )
    assert answer.status == 303
    walk.go(path)
    return walk.page.content()


def _state(desk: ReimbursementDesk, path: str) -> ClaimState:
    return desk.get(FINANCE, path.rsplit("/", 1)[1]).state


def test_a_passkey_signs_the_submission_and_the_reviewer_sees_it_valid(
    browser: Any, signing: Any
) -> None:
    base, desk, passkeys = signing
    customer = _customer(browser, base, MEI)
    claim_path = _draft(customer)
    customer.go(claim_path)
    customer.page.locator("#sign").scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)  # docs/portal.md shows the signing form
    customer.page.screenshot(path=str(SHOTS / "en-7-passkey-sign.png"))
    _sign_and_submit(customer, claim_path)
    assert customer.page.locator(".state-in_review").count() == 1, customer.page.content()
    claim_id = claim_path.rsplit("/", 1)[1]

    reviewer = Walk(browser, base, "en", {"width": 1280, "height": 900})
    reviewer.sign_in(desk.get(FINANCE, claim_id).assignee)
    reviewer.go(f"/staff/claims/{claim_id}")
    assert reviewer.page.locator(".signature-valid").inner_text().startswith("signature valid")
    (credential,) = passkeys.store.of_customer(MEI)
    assert credential.sign_count > 0, "the virtual authenticator counts its signatures"
    for walk in (customer, reviewer):
        walk.close()


def test_a_replayed_a_stale_and_another_customers_assertion_are_refused(
    browser: Any, signing: Any
) -> None:
    base, desk, _ = signing
    mei = _customer(browser, base, MEI)
    kept_path = _draft(mei)
    kept = _signed_but_kept(mei, kept_path)  # an assertion someone took and held back
    later = _draft(mei)
    _sign_and_submit(mei, later)
    assert _state(desk, later) is ClaimState.IN_REVIEW

    shown = _send(mei, kept_path, kept)  # its counter is behind the one accepted since
    assert "replayed" in shown
    assert _state(desk, kept_path) is ClaimState.DRAFT

    mei.page.fill("#amount", "2.00")  # the claim changes: the kept assertion signed other bytes
    mei.page.fill("#category", "pharmacy")
    mei.page.fill("#incurred_on", "2026-11-21")
    mei.page.fill("#provider", "Stadt-Apotheke")
    mei.submit("form[action$='/lines']")
    assert "signed other bytes" in _send(mei, kept_path, kept)

    li = _customer(browser, base, LI)
    lis = _signed_but_kept(li, _draft(li))
    theirs = _draft(mei)
    shown = _send(mei, theirs, lis)
    assert "another customer" in shown, shown[shown.find("<main") :][:600]
    assert _state(desk, theirs) is ClaimState.DRAFT
    for walk in (mei, li):
        walk.close()
