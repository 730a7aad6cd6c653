"""A customer from draft to paid, a reviewer through return, correction and approval, in Chromium.

Both walks run in English and in Simplified Chinese, the customer on a
phone-sized viewport, and save the screenshots ``docs/portal.md`` shows (into
``docs/images/portal`` only with ``REIMBURSEMENT_UPDATE_SCREENSHOTS=1``: see the conftest).
A Content-Security-Policy violation or a script error on any page fails
the walk.
"""

from __future__ import annotations

from typing import Any

import pytest

from reimbursement import ClaimState
from reimbursement.web._demo import FINANCE, receipt_pdf

from .conftest import PHONE, SHOTS

pytestmark = pytest.mark.browser

CUSTOMERS = {"en": "C-1001", "zh-CN": "C-1004"}  # Mei Chen reads English, 李娜 Chinese
PAID = {"en": "Paid", "zh-CN": "已付款"}
SHOWN = {"en": {"1-draft", "2-tracking", "3-queue", "4-review", "5-returned"},
         "zh-CN": {"1-draft", "2-tracking", "6-paid"}}  # fmt: skip
"""The screenshots docs/portal.md shows (each costs a full-page capture)."""


class Walk:
    """One person in their own browser context (cookies), watching the console for errors."""

    def __init__(self, browser: Any, base: str, lang: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport, locale=lang)
        self.page = self.context.new_page()
        self.base = base
        self.lang = lang
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def submit(self, form: str) -> None:
        """Press the submit button of the form matched by ``form`` and wait for the next page."""
        with self.page.expect_navigation():
            self.page.click(f"{form} button[type=submit]")

    def sign_in(self, who: str) -> None:
        self.go("/signin")
        self.page.check(f"#who-{who}")
        self.submit("form[action='/signin']")
        if self.page.get_attribute("html", "lang") != self.lang:  # staff choose their language
            self.page.select_option("#lang-select", self.lang)
            self.submit("form.lang")
        assert self.page.get_attribute("html", "lang") == self.lang

    def shot(self, name: str) -> None:
        if name not in SHOWN[self.lang]:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{self.lang}-{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert self.errors == []


def draft_with_receipt(customer: Walk) -> str:
    """From the claims page, a new draft with one line and its receipt; the claim's path."""
    customer.submit("form[action='/claims']")
    claim_path = customer.page.url.removeprefix(customer.base)
    customer.page.fill("#category", "pharmacy")
    customer.page.fill("#incurred_on", "2026-11-20")
    customer.page.fill("#provider", "Stadt-Apotheke")
    customer.page.fill("#amount", "38.90")
    customer.submit("form[action$='/lines']")
    customer.page.set_input_files(
        "#document",
        {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": receipt_pdf()},
    )
    customer.page.select_option("#line_id", "L1")
    customer.submit("form[action$='/documents']")
    return claim_path


def _draft_and_submit(customer: Walk) -> str:
    claim_path = draft_with_receipt(customer)
    assert customer.page.locator(".checklist .done").count() == 1
    customer.shot("1-draft")
    customer.page.check("#declaration")
    customer.submit("form[action$='/submit']")
    assert customer.page.locator(".state-in_review").count() == 1
    return claim_path


def _message(customer: Walk) -> None:
    """A message posted with htmx: the thread is replaced in place and the form emptied."""
    customer.page.fill("#body", "Is the receipt readable?")
    customer.page.click("form[action$='/messages'] button[type=submit]")
    customer.page.wait_for_selector("#thread li:has-text('Is the receipt readable?')")
    assert customer.page.input_value("#body") == ""


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_draft_to_paid_through_a_return(browser: Any, served: Any, lang: str) -> None:
    base, demo, _ = served
    customer = Walk(browser, base, lang, PHONE)
    customer.sign_in(CUSTOMERS[lang])
    claim_path = _draft_and_submit(customer)
    _message(customer)
    customer.shot("2-tracking")
    claim_id = claim_path.rsplit("/", 1)[1]

    reviewer = Walk(browser, base, lang, {"width": 1280, "height": 900})
    reviewer.sign_in(demo.desk.get(FINANCE, claim_id).assignee)
    reviewer.go("/staff/queue")
    reviewer.shot("3-queue")
    with reviewer.page.expect_navigation():
        reviewer.page.click(f"a[href='/staff/claims/{claim_id}']")
    reviewer.page.check("#reason-amount_mismatch")
    reviewer.page.fill("#return-note", "The receipt says 36.90.")
    reviewer.shot("4-review")
    reviewer.submit("form[action$='/return']")

    customer.go(claim_path)
    assert "The receipt says 36.90." in customer.page.content()
    customer.shot("5-returned")
    customer.page.fill("#amount-L1", "36.90")
    customer.page.check("#declaration-fix")
    customer.submit("form[action$='/resubmit']")
    assert demo.desk.get(FINANCE, claim_id).state is ClaimState.IN_REVIEW

    reviewer.go(f"/staff/claims/{claim_id}")
    reviewer.submit("form[action$='/approve']")
    finance = Walk(browser, base, lang, {"width": 1280, "height": 900})
    finance.sign_in("F-fiona")
    finance.go("/staff/payments")
    finance.submit("form[action='/staff/payments/approve']")

    customer.go(claim_path)
    assert customer.page.locator(".state-paid").inner_text() == PAID[lang]
    customer.shot("6-paid")
    assert str(demo.desk.get(FINANCE, claim_id).paid_total.amount) == "36.90"
    for walk in (customer, reviewer, finance):
        walk.close()
