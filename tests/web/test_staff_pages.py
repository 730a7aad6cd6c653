"""The staff workbench over HTTP: the queue by SLA, a claim with previews, decisions, payments."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from PIL import Image

from reimbursement import Actor, ClaimState
from reimbursement.adapters.memory import ManualClock
from reimbursement.web._demo import FINANCE, DemoPortal, seed

from .conftest import claim_id_of, flash, holder, submitted


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_queue_is_ordered_by_due_time_and_marks_warnings_and_breaches(
    visit: Any, demo: DemoPortal, clock: ManualClock
) -> None:
    seed(demo.desk)
    in_review = demo.desk.claims_in(FINANCE, [ClaimState.IN_REVIEW]).items
    reviewer = in_review[0].assignee or ""
    rita = visit()
    rita.sign_in(reviewer)
    queue = demo.desk.work_queue(Actor.reviewer(reviewer)).items
    assert queue
    page = rita.get("/staff/queue")
    shown = re.findall(r'href="/staff/claims/([^"]+)"', page.text)
    assert shown == [s.id for s in queue]
    assert "on time" in page.text
    sla = demo.desk.sla
    assert sla is not None
    claim = demo.desk.get(FINANCE, queue[0].id)
    review = next(s for s in sla.evaluate(claim, clock.now()).stages if s.open)
    assert review.warning_at is not None
    assert review.due is not None
    assert review.due - review.warning_at > timedelta(hours=4)  # the policy's, not a fixed 4 h
    first_row = re.compile(r'<tr class="sla-(\w+)">')
    clock.set(review.warning_at - timedelta(minutes=1))
    assert first_row.findall(rita.get("/staff/queue").text)[0] == "ok"
    clock.set(review.warning_at + timedelta(minutes=1))
    assert 'class="badge badge-warning">due soon' in rita.get("/staff/queue").text
    clock.set(review.due + timedelta(minutes=1))
    assert 'class="badge badge-breach">overdue' in rita.get("/staff/queue").text


def test_a_customer_is_refused_the_workbench_with_the_desks_message(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    page = mei.get("/staff/queue")
    assert page.status_code == 403
    assert "work queues" in page.text


def test_the_claim_page_previews_photos_and_serves_them_to_staff_only(
    visit: Any, demo: DemoPortal
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_id = claim_id_of(submitted(mei, "9", name="photo.png", content=_png()))
    staff = holder(visit, demo, claim_id)
    page = staff.get(f"/staff/claims/{claim_id}")
    thumb = re.search(r'<img src="([^"]+view=thumbnail)"', page.text)
    assert thumb is not None
    image = staff.get(thumb.group(1).replace("&amp;", "&"))
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/")
    assert Image.open(io.BytesIO(image.content)).width <= 640
    assert mei.get(thumb.group(1)).status_code == 403  # the customer reads no staff copy


def test_partial_approval_per_line_needs_the_desks_reason(visit: Any, demo: DemoPortal) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_id = claim_id_of(submitted(mei))
    staff = holder(visit, demo, claim_id)
    refused = staff.follow(staff.post(f"/staff/claims/{claim_id}/approve", {"approved-L1": "30"}))
    assert "reason" in flash(refused)
    assert demo.desk.get(FINANCE, claim_id).state is ClaimState.IN_REVIEW
    staff.post(
        f"/staff/claims/{claim_id}/approve",
        {"approved-L1": "30.00", "reason-L1": "The tariff pays 30.00"},
    )
    claim = demo.desk.get(FINANCE, claim_id)
    assert str(claim.approved_total.amount) == "30.00"
    assert "30.00" in mei.get(f"/claims/{claim_id}").text


def test_another_reviewer_is_refused_the_claim_with_the_desks_message(
    visit: Any, demo: DemoPortal
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_id = claim_id_of(submitted(mei))
    held_by = demo.desk.get(FINANCE, claim_id).assignee
    other = visit()
    other.sign_in("R-raj" if held_by == "R-rita" else "R-rita")
    other.get(f"/staff/claims/{claim_id}")
    refused = other.follow(other.post(f"/staff/claims/{claim_id}/approve"))
    assert f"assigned to {held_by}" in flash(refused)
    assert demo.desk.get(FINANCE, claim_id).state is ClaimState.IN_REVIEW


def test_a_return_offers_the_catalogue_reasons_and_reaches_the_customer(
    visit: Any, demo: DemoPortal
) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_id = claim_id_of(submitted(mei))
    staff = holder(visit, demo, claim_id)
    page = staff.get(f"/staff/claims/{claim_id}")
    for code in demo.desk.settings.reasons:
        assert f'value="{code}"' in page.text
    staff.post(f"/staff/claims/{claim_id}/return", {"reasons": "unreadable_document"})
    customer_page = mei.get(f"/claims/{claim_id}")
    guidance = demo.desk.settings.reasons.explain("unreadable_document")
    assert guidance.title in customer_page.text
    assert guidance.steps[0] in customer_page.text


def test_finance_approves_the_run_and_four_eyes_holds(visit: Any, demo: DemoPortal) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei, "640", "dental")
    claim_id = claim_id_of(claim_url)
    staff = holder(visit, demo, claim_id)
    staff.post(f"/staff/claims/{claim_id}/approve")
    assert demo.desk.get(FINANCE, claim_id).state is ClaimState.PAYMENT_REQUESTED
    fiona = visit()
    fiona.sign_in("F-fiona")
    page = fiona.get("/staff/payments")
    assert claim_id in page.text
    sent = fiona.follow(fiona.post("/staff/payments/approve"))
    assert "1 payment(s) sent." in flash(sent)
    assert demo.desk.get(FINANCE, claim_id).state is ClaimState.PAID
    assert "Paid" in mei.get(claim_url).text


def test_internal_notes_are_marked_on_the_staff_page(visit: Any, demo: DemoPortal) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_id = claim_id_of(submitted(mei))
    staff = holder(visit, demo, claim_id)
    page = staff.follow(
        staff.post(
            f"/staff/claims/{claim_id}/notes", {"body": "Call the pharmacy", "internal": "yes"}
        )
    )
    assert re.search(
        r'class="badge">internal</span>[^<]*<time[^>]*>[^<]*</time><p>Call the pharmacy', page.text
    )


def test_the_dashboard_shows_the_kpis_and_the_feedback_chart(visit: Any, demo: DemoPortal) -> None:
    seed(demo.desk)
    demo.desk.give_feedback(
        Actor.customer("C-1001"),
        next(
            c.claim_id
            for c in demo.desk.claims_of(Actor.customer("C-1001")).items
            if c.state is ClaimState.PAID
        ),
        ratings={"review": 4},  # type: ignore[dict-item]
    )
    fiona = visit()
    fiona.sign_in("F-fiona")
    page = fiona.get("/staff/dashboard")
    assert page.status_code == 200
    assert "Paid within 24 h of approval" in page.text
    assert "<title>Review: 4.0 (1)</title>" in page.text
    assert 'width="160"' in page.text  # 4 of 5 on a 200-wide scale
