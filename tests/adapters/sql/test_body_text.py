"""A claim's stored body, joined from kept fragments, is exactly what the converter gives.

A save encodes only the pieces of a claim that are new since the texts it
kept (``adapters/sql/_body.py``); the text it writes must be, byte for byte,
``json.dumps(to_data(claim without events))``, whatever the claim went
through: lines, documents and messages past the size where they are kept in
chunks, a line changed inside a kept chunk, a decision, several claims
sharing the process's kept texts.
"""

from __future__ import annotations

import json
from datetime import date

import attrs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reimbursement import (
    Claim,
    ClaimPatch,
    DeskSettings,
    LineDecision,
    LineInput,
    LinePatch,
    Money,
    ReimbursementDesk,
    in_memory_desk,
    to_data,
)
from reimbursement.adapters.memory import ManualClock
from reimbursement.adapters.sql._body import body_text
from reimbursement.errors import ValidationError
from reimbursement.payments import iban_for
from reimbursement.testing import AT

from .conftest import DATABASES
from .large_claims import CUSTOMER, PROFILE, REVIEWER, desk_on

PDF = b"%PDF-1.7\n receipt"


def line(n: int) -> LineInput:
    return LineInput(
        "pharmacy", date(2026, 1, 2), f"Apotheke Nº {n} 药房", Money(f"{n}.50", "EUR")
    )


def expected(claim: Claim) -> str:
    data = to_data(attrs.evolve(claim, events=()))
    del data["events"]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def stored(url: str, claim_id: str) -> tuple[str, dict[str, list[str]]]:
    """The claim's row body, and the texts of its item rows by list, in order."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT CAST(body AS TEXT) FROM rb_claims WHERE id = :id")
            row = str(connection.execute(query, {"id": claim_id}).scalar_one())
            query = sa.text(
                "SELECT list, CAST(body AS TEXT) FROM rb_claim_items WHERE claim_id = :id "
                "ORDER BY list, idx"
            )
            items: dict[str, list[str]] = {"lines": [], "attachments": [], "messages": []}
            for name, text in connection.execute(query, {"id": claim_id}):
                items[name].append(text)
            return row, items
    finally:
        engine.dispose()


def check(url: str, claim: Claim) -> None:
    assert body_text(claim).text == expected(claim)
    row, items = stored(url, claim.id)
    whole = json.loads(expected(claim))
    joined = json.loads(row)
    for name, texts in items.items():
        assert joined[name] == len(texts)  # the row counts the list's rows
        joined[name] = [json.loads(text) for text in texts]
    assert joined == whole
    if url.startswith("sqlite"):  # and each text is the converter's (JSONB keeps the data)
        assert row == body_text(claim, counted=True).text
        for name, texts in items.items():
            assert texts == [
                json.dumps(item, ensure_ascii=False, separators=(",", ":")) for item in whole[name]
            ]


@pytest.mark.parametrize("database_url", DATABASES, indirect=True)
def test_every_save_writes_the_body_the_converter_gives(database_url: str) -> None:
    desk = desk_on(database_url)
    claim = desk.start_draft(CUSTOMER, [line(n) for n in range(1, 100)])  # 3 chunks and a tail
    other = desk.start_draft(CUSTOMER, [line(n) for n in range(1, 100)])  # the same texts
    for n in range(70):
        desk.post_message(CUSTOMER, claim.id, f"message {n}: «ça va?»")
        desk.attach(CUSTOMER, claim.id, f"receipt-{n}.pdf", PDF)
    check(database_url, desk.get(REVIEWER, claim.id))
    # a line inside the first chunk changes: that chunk is new, the others are kept
    first = desk.get(REVIEWER, claim.id).lines[3]
    patch = ClaimPatch(change_lines=(LinePatch(first.id, provider="Pharmacie du Port"),))
    desk.update_draft(CUSTOMER, claim.id, patch)
    changed = desk.get(REVIEWER, claim.id)
    assert changed.lines[3].provider == "Pharmacie du Port"
    check(database_url, changed)
    desk.update_draft(CUSTOMER, claim.id, ClaimPatch(remove_lines=(changed.lines[40].id,)))
    check(database_url, desk.get(REVIEWER, claim.id))
    submitted = desk.submit(CUSTOMER, claim.id)
    decisions = [
        LineDecision(li.id, Money("0.50", "EUR"), "over the tariff") for li in submitted.lines
    ]
    approved = desk.approve(REVIEWER, claim.id, decisions[:50])
    check(database_url, approved)
    desk.post_message(REVIEWER, claim.id, "paid soon")  # the decision's text is kept
    check(database_url, desk.get(REVIEWER, claim.id))
    check(database_url, desk.get(REVIEWER, other.id))


def test_a_piece_the_writer_refuses_is_named_by_its_place_in_the_body(sqlite_url: str) -> None:
    desk = desk_on(sqlite_url)
    claim = desk.get(REVIEWER, desk.start_draft(CUSTOMER, [line(n) for n in range(1, 100)]).id)
    bad = attrs.evolve(claim.lines[70], description="\ud800")  # what no store can encode
    broken = attrs.evolve(claim, lines=(*claim.lines[:70], bad, *claim.lines[71:]))
    with pytest.raises(ValidationError) as refused:
        body_text(broken)
    assert refused.value.problems[0].path == "lines[70].description"


# -- any sequence of commands -----------------------------------------------------------

# what a step does to the draft, then (with "review") the submitted claim's decision
STEPS = ("add", "change", "remove", "message", "attach", "payee")


def _step(desk: ReimbursementDesk, claim_id: str, step: str, n: int) -> None:
    lines = desk.get(REVIEWER, claim_id).lines
    if step == "add":
        desk.update_draft(CUSTOMER, claim_id, ClaimPatch(add_lines=(line(n),)))
    elif step == "change" and lines:
        patch = LinePatch(lines[n % len(lines)].id, provider=f"Pharmacie «{n}»")
        desk.update_draft(CUSTOMER, claim_id, ClaimPatch(change_lines=(patch,)))
    elif step == "remove" and len(lines) > 1:
        patch = ClaimPatch(remove_lines=(lines[n % len(lines)].id,))
        desk.update_draft(CUSTOMER, claim_id, patch)
    elif step == "message":
        desk.post_message(CUSTOMER, claim_id, f'message {n}: \\ " \u2028 ça')
    elif step == "attach":
        desk.attach(CUSTOMER, claim_id, f"receipt-{n}.pdf", PDF)
    elif step == "payee":
        account = iban_for("DE", f"{n:018d}")
        desk.update_draft(CUSTOMER, claim_id, ClaimPatch(payee_account=account))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.integers(min_value=1, max_value=70),
    steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 200)), max_size=12),
    review=st.booleans(),
)
def test_any_command_sequence_writes_the_full_encoding(
    lines: int, steps: list[tuple[str, int]], review: bool
) -> None:
    desk = in_memory_desk(
        customers=[PROFILE],
        reviewers=["rev-1"],
        clock=ManualClock(AT),
        settings=DeskSettings(require_receipts=False),
    )
    claim_id = desk.start_draft(CUSTOMER, [line(n) for n in range(lines)]).id
    versions = [desk.get(REVIEWER, claim_id)]
    for step, n in steps:
        _step(desk, claim_id, step, n)
        versions.append(desk.get(REVIEWER, claim_id))
    if review:
        submitted = desk.submit(CUSTOMER, claim_id)
        decision = LineDecision(submitted.lines[0].id, Money("0.50", "EUR"), "over the tariff")
        versions.append(desk.approve(REVIEWER, claim_id, [decision]))
        desk.post_message(REVIEWER, claim_id, "paid soon")
        versions.append(desk.get(REVIEWER, claim_id))
    for claim in versions:  # each version, its pieces kept from the versions before it
        assert body_text(claim).text == expected(claim)
        counted = json.loads(expected(claim))
        for name in ("lines", "attachments", "messages"):
            counted[name] = len(counted[name])
        compact = json.dumps(counted, ensure_ascii=False, separators=(",", ":"))
        assert body_text(claim, counted=True).text == compact
