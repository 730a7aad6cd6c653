"""What the pages promise a keyboard and screen-reader user: every field labelled, one language."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from reimbursement.web._demo import FINANCE, DemoPortal

from .conftest import submitted


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        if tag in {"input", "select", "textarea"} and found.get("type") != "hidden":
            self.fields.append(found)


def _unlabelled(html: str) -> list[str]:
    parser = _Fields()
    parser.feed(html)
    return [
        str(f.get("name"))
        for f in parser.fields
        if f.get("id") not in parser.labelled and not f.get("aria-label")
    ]


def test_every_field_of_every_page_has_a_label(visit: Any, demo: DemoPortal) -> None:
    mei = visit()
    mei.sign_in("C-1001")
    draft = mei.get(mei.post("/claims").headers["location"])
    claim_url = submitted(mei)
    claim_id = claim_url.rsplit("/", 1)[1]
    staff = visit()
    staff.sign_in(demo.desk.get(FINANCE, claim_id).assignee or "")
    review = staff.get(f"/staff/claims/{claim_id}")
    staff.post(f"/staff/claims/{claim_id}/return", {"reasons": "amount_mismatch"})
    pages = [draft, mei.get(claim_url), mei.get("/help"), visit().get("/signin"), review]
    pages += [staff.get(p) for p in ("/staff/queue", "/staff/payments", "/staff/dashboard")]
    for page in pages:
        assert page.status_code == 200
        assert _unlabelled(page.text) == [], page.url
    assert "amount-L1" in mei.get(claim_url).text  # the fix form was among them
