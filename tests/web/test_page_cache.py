"""Pages the portal keeps rendered (``Portal.render(depends_on=...)``) are never stale or shared.

The tracking and queue pages are rendered once per distinct desk view,
language and viewer. These tests read a page twice (the second answer is a
kept one), then change what it depends on, and check that what each visitor
sees is still what the desk says for them.
"""

from __future__ import annotations

import re
from typing import Any

from reimbursement import Actor
from reimbursement.web import create_app
from reimbursement.web._demo import DemoPortal
from reimbursement.web._portal import Pages

from .conftest import Visitor, claim_id_of, holder, submitted

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def test_a_kept_tracking_page_shows_the_next_change(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei)
    assert mei.get(claim_url).text == mei.get(claim_url).text  # the second one is kept
    mei.post(f"{claim_url}/messages", {"body": "Is the receipt fine?"})
    assert "Is the receipt fine?" in mei.get(claim_url).text


def test_a_kept_page_is_not_shown_to_another_customer(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei)
    mei.get(claim_url)
    mei.get(claim_url)
    other = visit()
    other.sign_in("C-1002")
    refused = other.get(claim_url)
    assert refused.status_code in (403, 404)
    assert "Stadt-Apotheke" not in refused.text


def test_each_session_gets_its_own_csrf_token_in_a_kept_page(visit: Any) -> None:
    phone, laptop = visit(), visit()
    phone.sign_in("C-1001")
    claim_url = submitted(phone)
    laptop.sign_in("C-1001")
    tokens = [set(TOKEN.findall(v.get(claim_url).text)) for v in (phone, laptop, phone, laptop)]
    assert tokens[0] == tokens[2]
    assert tokens[1] == tokens[3]
    assert len(tokens[0]) == 1
    assert tokens[0] != tokens[1]
    for visitor, body in ((phone, "from the phone"), (laptop, "from the laptop")):
        assert visitor.post(f"{claim_url}/messages", {"body": body}).status_code == 303
    page = phone.get(claim_url).text
    assert "from the phone" in page
    assert "from the laptop" in page


def test_a_kept_page_follows_the_language(visit: Any) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_url = submitted(mei)
    english = mei.get(claim_url).text
    mei.post("/language", {"lang": "zh-CN", "back": claim_url})
    chinese = mei.get(claim_url).text
    assert '<html lang="zh-CN">' in chinese
    assert chinese != english


def test_a_kept_queue_page_loses_a_claim_once_it_is_decided(visit: Any, demo: DemoPortal) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_id = claim_id_of(submitted(mei))
    reviewer = holder(visit, demo, claim_id)
    number = str(demo.desk.get(Actor.finance("F-1"), claim_id).number)
    assert number in reviewer.get("/staff/queue").text
    assert number in reviewer.get("/staff/queue").text
    demo.desk.approve(
        Actor.reviewer(demo.desk.get(Actor.finance("F-1"), claim_id).assignee or ""), claim_id
    )
    assert number not in reviewer.get("/staff/queue").text


def test_a_kept_queue_row_follows_the_language(visit: Any, demo: DemoPortal) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    reviewer = holder(visit, demo, claim_id_of(submitted(mei)))
    assert "<td>in review</td>" in reviewer.get("/staff/queue").text
    reviewer.post("/language", {"lang": "zh-CN", "back": "/staff/queue"})
    chinese = reviewer.get("/staff/queue").text
    assert "<td>审核中</td>" in chinese
    assert "<td>in review</td>" not in chinese


def test_a_kept_queue_row_shows_each_portals_time_zone(visit: Any, demo: DemoPortal) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    claim_id = claim_id_of(submitted(mei))
    assignee = demo.desk.get(Actor.finance("F-1"), claim_id).assignee or ""
    times = re.compile(r"<time [^>]*>([^<]+)</time>")
    seen = []
    for zone in ("Europe/Berlin", "Asia/Shanghai"):
        app = create_app(demo.desk, identify=demo.identities, secret_key="t", time_zone=zone)
        reviewer = Visitor(app)
        try:
            reviewer.sign_in(assignee)
            seen.append(times.findall(reviewer.get("/staff/queue").text))
        finally:
            reviewer.close()
    assert seen[0]
    assert all(shown.endswith(("CET", "CEST")) for shown in seen[0])
    assert all(shown.endswith("CST") for shown in seen[1])


def test_the_kept_pages_are_bounded_and_the_one_used_longest_ago_goes_first() -> None:
    pages = Pages(2)
    pages.keep(("a",), "page a")
    pages.keep(("b",), "page b")
    assert pages.get(("a",)) == "page a"  # now the last used
    pages.keep(("c",), "page c")
    assert pages.get(("b",)) is None
    assert pages.get(("a",)) == "page a"
    assert pages.get(("c",)) == "page c"
