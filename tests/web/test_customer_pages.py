"""The customer's pages over HTTP: draft to paid, a returned claim fixed, a failed payment."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from reimbursement import Actor, ClaimState
from reimbursement.adapters.memory import ManualClock
from reimbursement.web._demo import FINANCE, DemoPortal

from .conftest import Visitor, claim_id_of, draft_with_line, flash, holder, submitted, upload


def test_a_new_draft_is_prefilled_from_the_profile(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    page = mei.follow(mei.post("/claims"))
    assert page.status_code == 200
    assert "Mei Chen" in page.text
    assert "HK-HEALTH-0042" in page.text
    assert "•••• 3000" in page.text  # the payee account, its last characters only
    assert "DE89 3704" not in page.text


def test_a_draft_takes_a_photo_from_the_phones_camera_or_a_file(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    page = mei.follow(mei.post("/claims")).text
    inputs = re.findall(r'<input [^>]*type="file"[^>]*>', page)
    assert any('capture="environment"' in i and 'accept="image/*"' in i for i in inputs)
    assert any("application/pdf" in i and "capture" not in i for i in inputs)
    assert all('name="document"' in i for i in inputs)


def test_a_line_the_desk_refuses_shows_its_message_and_changes_nothing(
    visit: Any, demo: DemoPortal
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = mei.post("/claims").headers["location"]
    claim_id = claim_id_of(claim_url)
    refused = mei.follow(
        mei.post(
            f"{claim_url}/lines",
            {
                "category": "pharmacy",
                "incurred_on": "2026-11-20",
                "provider": "Apo",
                "amount": "twelve",
            },
        )
    )
    assert "twelve" in flash(refused)  # Money's own message names what it could not read
    assert demo.desk.track(Actor.customer("C-1001"), claim_id).lines == ()


def test_the_checklist_shows_what_is_missing_until_the_receipt_is_uploaded(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = draft_with_line(mei)
    assert "Still needed: receipt (L1)" in mei.get(claim_url).text
    refused = mei.follow(mei.post(f"{claim_url}/submit", {"declaration": "yes"}))
    assert "receipt" in flash(refused)
    assert "Draft" in refused.text
    page = mei.follow(upload(mei, claim_url))
    assert "Received: receipt (L1)" in page.text


def test_submitting_needs_the_declaration(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = draft_with_line(mei)
    mei.follow(upload(mei, claim_url))
    refused = mei.follow(mei.post(f"{claim_url}/submit"))
    assert "declaration" in flash(refused)
    assert "Sign and submit" in refused.text  # still a draft


def test_the_tracking_page_shows_the_timeline_and_the_expected_completion(
    visit: Any, demo: DemoPortal
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei)
    page = mei.get(claim_url)
    view = demo.desk.track(Actor.customer("C-1001"), claim_id_of(claim_url))
    assert view.expected_completion is not None
    assert f'datetime="{view.expected_completion.isoformat()}"' in page.text
    for entry in view.timeline:
        assert entry.title in page.text
    assert re.search(r"CLM-2026-\d{6}", page.text)


def test_messages_post_with_htmx_and_come_back_escaped(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei)
    mei.get(claim_url)
    fragment = mei.post(
        f"{claim_url}/messages",
        {"body": "<script>alert(1)</script> Is the receipt fine?"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert fragment.text.startswith('<div id="thread">')
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Is the receipt fine?" in fragment.text
    assert "<script>alert" not in fragment.text


def test_no_internal_note_or_staff_id_reaches_the_customer(visit: Any, demo: DemoPortal) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei)
    claim_id = claim_id_of(claim_url)
    staff = holder(visit, demo, claim_id)
    staff.post(
        f"/staff/claims/{claim_id}/notes",
        {"body": "Looks like a twin of last week's", "internal": "yes"},
    )
    staff.post(f"/staff/claims/{claim_id}/notes", {"body": "We are on it."})
    page = mei.get(claim_url)
    assert "We are on it." in page.text
    assert "Claims team" in page.text
    assert "twin of last week" not in page.text
    for staff_id in ("R-rita", "R-raj", "F-fiona"):
        assert staff_id not in page.text
    assert (
        demo.desk.get(FINANCE, claim_id).assignee not in mei.get(f"/api/v1/claims/{claim_id}").text
    )


def test_a_returned_claim_is_fixed_by_changing_only_what_was_asked(
    visit: Any, demo: DemoPortal
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei)
    claim_id = claim_id_of(claim_url)
    reviewer = holder(visit, demo, claim_id)
    reviewer.post(
        f"/staff/claims/{claim_id}/return",
        {"reasons": "amount_mismatch", "note": "The receipt says 36.90."},
    )
    page = mei.get(claim_url)
    assert "The receipt says 36.90." in page.text
    assert "Fix and send back" in page.text
    fixed = mei.follow(
        mei.post(
            f"{claim_url}/resubmit",
            {"declaration": "yes", "amount-L1": "36.90", "description-L1": ""},
        )
    )
    assert flash(fixed) == "Done.", flash(fixed)
    claim = demo.desk.get(FINANCE, claim_id)
    assert claim.state is ClaimState.IN_REVIEW
    assert str(claim.lines[0].amount.amount) == "36.90"
    assert claim.lines[0].provider == "Stadt-Apotheke"  # not typed again, not changed


def _paid(visit: Any, demo: DemoPortal, who: str) -> tuple[Visitor, str]:
    customer = visit()
    customer.sign_in(who)
    claim_url = submitted(customer)
    claim_id = claim_id_of(claim_url)
    reviewer = holder(visit, demo, claim_id)
    reviewer.post(f"/staff/claims/{claim_id}/approve")  # below 100 EUR: no finance approval
    finance = visit()
    finance.sign_in("F-fiona")
    finance.get("/staff/payments")
    finance.post("/staff/payments/approve")
    return customer, claim_url


def test_a_paid_claim_is_rated_stage_by_stage(visit: Any, demo: DemoPortal) -> None:
    mei, claim_url = _paid(visit, demo, "C-1001")
    page = mei.get(claim_url)
    assert "Paid" in page.text
    assert "How did we do?" in page.text
    rated = mei.follow(
        mei.post(
            f"{claim_url}/feedback",
            {
                "rating-submission": "5",
                "rating-review": "4",
                "rating-payment": "5",
                "ces": "6",
                "nps": "9",
                "text": "Quick!",
            },
        )
    )
    assert "Thank you for your feedback." in rated.text
    feedback = demo.desk.get(FINANCE, claim_id_of(claim_url)).feedback
    assert feedback is not None
    assert feedback.nps == 9
    assert feedback.text == "Quick!"
    refused = mei.follow(mei.post(f"{claim_url}/feedback", {"rating-review": "1"}))
    assert "already" in flash(refused)


def test_a_failed_payment_is_paid_again_to_the_corrected_account(
    visit: Any, demo: DemoPortal
) -> None:
    lukas, claim_url = _paid(visit, demo, "C-1002")  # the demo bank refuses his account
    page = lukas.get(claim_url)
    assert "Your payment did not go through" in page.text
    refused = lukas.follow(lukas.post(f"{claim_url}/payee", {"payee_account": "DE00 1234"}))
    assert "payee_account" in flash(refused) or "IBAN" in flash(refused)
    done = lukas.follow(
        lukas.post(f"{claim_url}/payee", {"payee_account": "DE89 3704 0044 0532 0130 00"})
    )
    assert flash(done) == "Done."
    claim = demo.desk.get(FINANCE, claim_id_of(claim_url))
    assert claim.state is ClaimState.PAYMENT_REQUESTED
    assert claim.claimant.payee_account == "DE89 3704 0044 0532 0130 00"


def test_the_inbox_lists_the_notices_and_marks_them_read(
    visit: Any, demo: DemoPortal, clock: ManualClock
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    submitted(mei)
    clock.advance(timedelta(minutes=5))
    page = mei.get("/inbox")
    assert "We have received your claim" in page.text or "received" in page.text
    assert 'class="badge">New' in page.text
    read = mei.follow(mei.post("/inbox/read"))
    assert 'class="badge">New' not in read.text
    assert demo.inbox.unread_count("C-1001") == 0


def test_a_customer_cannot_open_another_customers_claim(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei)
    lukas = visit()
    lukas.sign_in("C-1002")
    page = lukas.get(claim_url)
    assert page.status_code == 403
    assert "belongs to another customer" in page.text


def test_the_timeline_follows_the_page_language_not_the_profile(
    visit: Any, demo: DemoPortal
) -> None:
    li = visit()
    li.sign_in("C-1004")  # her profile reads zh-CN: the pages start in Chinese
    claim_url = submitted(li)
    claim_id = claim_id_of(claim_url)
    li_actor = Actor.customer("C-1004")
    for lang in ("zh-CN", "en"):
        li.get(claim_url)
        page = li.follow(li.post("/language", {"lang": lang, "back": claim_url}))
        assert f'<html lang="{lang}">' in page.text
        view = demo.desk.track(li_actor, claim_id, language=lang)
        for entry in view.timeline:
            assert f"<strong>{entry.title}</strong>" in page.text
        assert view.stage in page.text
    english = demo.desk.track(li_actor, claim_id, language="en")
    chinese = demo.desk.track(li_actor, claim_id)
    assert english.timeline[0].title != chinese.timeline[0].title
    assert f"<strong>{chinese.timeline[0].title}</strong>" not in page.text  # now in English


def test_help_shows_the_guidance_of_every_reason_and_search_narrows_it(
    visit: Any, demo: DemoPortal
) -> None:
    reasons = demo.desk.settings.reasons
    reader = visit()
    everything = reader.get("/help").text
    assert 'id="faq"' in everything
    assert 'id="guides"' in everything
    assert all(f'id="reason-{code}"' in everything for code in reasons)
    found = reader.get("/help", params={"q": "receipt missing"}).text
    assert 'id="reason-missing_receipt"' in found
    assert 'id="reason-unreadable_document"' not in found
    assert 'role="status"' in reader.get("/help", params={"q": "zzzz-nothing"}).text
    reader.post("/language", {"lang": "zh-CN", "back": "/help"})
    chinese = reader.get("/help", params={"q": "收据"}).text
    assert reasons.explain("missing_receipt", "zh-CN").title in chinese
    assert reasons.explain("missing_receipt", "en").title not in chinese
