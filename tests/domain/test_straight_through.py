"""Straight-through rules: which claims pass without a reviewer, rules as data, the audit draw."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Money
from reimbursement.domain.straight_through import (
    AutoApprovalRule,
    CustomerHistory,
    Flag,
    KeyedSampler,
    RandomSampler,
    StraightThroughRules,
    decide,
)
from reimbursement.errors import ValidationError
from reimbursement.testing import draft, submitted

SMALL = AutoApprovalRule(
    "small-pharmacy",
    Money("100.00", "EUR"),
    categories=["pharmacy"],
    max_lines=3,
    min_paid_claims=1,
    max_rejected_claims=0,
    description="small pharmacy receipts of known customers",
)
RULES = StraightThroughRules("2026-12", (SMALL,), audit_share=Decimal("0.25"))
KNOWN = CustomerHistory(paid_claims=2, rejected_claims=0)


def _claim(*lines: tuple[str, str]) -> object:
    return submitted(draft("c-1", lines=lines or (("pharmacy", "42.50"),)))


def test_a_claim_within_a_rule_is_approved_naming_the_rule_and_version() -> None:
    decision = decide(RULES, _claim(), KNOWN)  # type: ignore[arg-type]
    assert decision.automatic
    assert (decision.rule, decision.version) == ("small-pharmacy", "2026-12")


@pytest.mark.parametrize(
    ("lines", "history", "why"),
    [
        ((("pharmacy", "100.01"),), KNOWN, "the total 100.01 EUR is over 100.00 EUR"),
        ((("dental", "10.00"),), KNOWN, "category dental is not one of pharmacy"),
        ((("pharmacy", "1.00"),) * 4, KNOWN, "4 lines, more than 3"),
        ((("pharmacy", "1.00"),), CustomerHistory(0, 0), "had 0 claims paid, fewer than 1"),
        ((("pharmacy", "1.00"),), CustomerHistory(5, 1), "had 1 claims rejected, more than 0"),
    ],
)
def test_each_limit_sends_the_claim_to_manual_review_saying_why(
    lines: tuple[tuple[str, str], ...], history: CustomerHistory, why: str
) -> None:
    decision = decide(RULES, _claim(*lines), history)  # type: ignore[arg-type]
    assert not decision.automatic
    assert decision.rule is None
    assert decision.version == "2026-12"
    assert len(decision.reasons) == 1
    assert decision.reasons[0].startswith("small-pharmacy: ")
    assert why in decision.reasons[0]


def test_the_limit_itself_is_within_the_rule() -> None:
    assert decide(RULES, _claim(("pharmacy", "100.00")), KNOWN).automatic  # type: ignore[arg-type]


def test_any_flag_sends_the_claim_to_manual_review_whatever_the_rules() -> None:
    flag = Flag("duplicate_file", "the same file is on claim CLM-2026-000003")
    decision = decide(RULES, _claim(), KNOWN, [flag])  # type: ignore[arg-type]
    assert not decision.automatic
    assert decision.reasons == (
        "flagged duplicate_file: the same file is on claim CLM-2026-000003",
    )


def test_the_first_matching_rule_decides() -> None:
    anything = AutoApprovalRule("anything-small", Money("50.00", "EUR"), max_rejected_claims=None)
    rules = StraightThroughRules("v2", (SMALL, anything))
    decision = decide(rules, _claim(("dental", "20.00")), CustomerHistory(0, 3))  # type: ignore[arg-type]
    assert decision.rule == "anything-small"


def test_a_claim_in_another_currency_never_matches() -> None:
    usd = StraightThroughRules("v1", (AutoApprovalRule("usd", Money("1000", "USD")),))
    decision = decide(usd, _claim(), KNOWN)  # type: ignore[arg-type]
    assert not decision.automatic
    assert "the claim is in EUR, the rule in USD" in decision.reasons[0]


def test_rules_are_plain_data_that_survive_json() -> None:
    data = json.loads(json.dumps(RULES.to_data()))
    assert data["rules"][0]["max_total"] == {"amount": "100.00", "currency": "EUR"}
    assert StraightThroughRules.from_data(data) == RULES


def test_bad_rules_data_is_refused_with_every_field_path() -> None:
    data = RULES.to_data()
    rule = dict(data["rules"][0])  # type: ignore[index]
    rule["max_total"] = {"amount": "1e999999999999", "currency": "EUR"}
    rule["min_paid_claims"] = -1
    rule["colour"] = "red"
    data = {**data, "rules": [rule], "audit_share": "2"}
    with pytest.raises(ValidationError) as caught:
        StraightThroughRules.from_data(data)
    paths = {p.path for p in caught.value.problems}
    assert "rules[0].colour" in paths
    assert any(p.startswith("rules[0]") for p in paths - {"rules[0].colour"})


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"version": "v1"},
        {"version": "v1", "rules": "all"},
        {"version": "v1", "rules": [{"id": "x", "max_total": "10 EUR"}]},
        {"version": "v1", "rules": [{"id": "x", "max_total": {"amount": 1, "currency": "EUR"}}]},
        {"version": "", "rules": []},
        {"version": "v1", "rules": [], "audit_share": "-0.1"},
        {"version": "v1", "rules": [], "audit_share": "NaN"},
    ],
)
def test_malformed_rules_raise_validation_errors(data: object) -> None:
    with pytest.raises(ValidationError):
        StraightThroughRules.from_data(data)


def test_two_rules_with_one_id_are_refused() -> None:
    with pytest.raises(ValidationError, match="names two rules"):
        StraightThroughRules("v1", (SMALL, SMALL))


def test_a_seeded_sampler_replays_its_draws_and_leaves_global_random_alone() -> None:
    import random

    random.seed(7)
    expected_global = random.random()
    random.seed(7)
    first = [RandomSampler(42).draw(f"c-{i}", Decimal("0.5")) for i in range(1)]
    draws = RandomSampler(42)
    again = RandomSampler(42)
    a = [draws.draw(f"c-{i}", Decimal("0.3")) for i in range(200)]
    b = [again.draw(f"c-{i}", Decimal("0.3")) for i in range(200)]
    assert a == b
    assert 30 <= sum(a) <= 90  # about 60 of 200
    assert first  # drawn without touching the global state:
    assert random.random() == expected_global


@given(st.decimals(min_value=0, max_value=1, places=3), st.integers(0, 2**32))
def test_share_zero_never_draws_and_one_always_does(share: Decimal, seed: int) -> None:
    sampler = RandomSampler(seed)
    assert not sampler.draw("c", Decimal(0))
    assert sampler.draw("c", Decimal(1))
    sampler.draw("c", share)  # any share in range is accepted


@given(
    st.lists(st.sampled_from(["pharmacy", "dental"]), min_size=1, max_size=5), st.integers(1, 99)
)
def test_an_automatic_approval_always_meets_every_condition(
    categories: list[str], cents: int
) -> None:
    lines = tuple((c, f"{cents}.00") for c in categories)
    claim = _claim(*lines)
    decision = decide(RULES, claim, KNOWN)  # type: ignore[arg-type]
    total = Decimal(cents) * len(lines)
    meets = set(categories) == {"pharmacy"} and len(lines) <= 3 and total <= 100
    assert decision.automatic is meets


def test_a_keyed_sampler_draws_by_the_claim_whatever_the_order() -> None:
    ids = [f"claim-{i}" for i in range(400)]
    sampler = KeyedSampler(b"k" * 32)
    forward = {i: sampler.draw(i, Decimal("0.25")) for i in ids}
    backward = {i: KeyedSampler(b"k" * 32).draw(i, Decimal("0.25")) for i in reversed(ids)}
    assert forward == backward
    assert 60 <= sum(forward.values()) <= 140  # about 100 of 400
    other = {i: KeyedSampler(b"x" * 32).draw(i, Decimal("0.25")) for i in ids}
    assert other != forward  # another key, other claims
    with pytest.raises(ValidationError):
        KeyedSampler(b"short")


@given(st.text(max_size=50), st.binary(min_size=16, max_size=40))
def test_a_keyed_sampler_keeps_to_shares_zero_and_one(claim_id: str, key: bytes) -> None:
    assert not KeyedSampler(key).draw(claim_id, Decimal(0))
    assert KeyedSampler(key).draw(claim_id, Decimal(1))
