"""The return-reason catalogue: what the customer reads instead of a bare code."""

from __future__ import annotations

import attrs
import pytest

from reimbursement.domain.reasons import (
    DEFAULT_REASONS,
    FALLBACK_LANGUAGE,
    ReasonCatalogue,
    ReasonText,
    explain_decision,
)
from reimbursement.errors import NotFoundError, ValidationError
from reimbursement.testing import (
    approved,
    assigned,
    draft,
    in_review,
    rejected,
    resubmitted,
    returned,
    submitted,
)

CATALOGUE = ReasonCatalogue.default()


def test_default_catalogue_covers_the_common_reasons_in_english_and_chinese():
    for code in (
        "missing_receipt",
        "unreadable_document",
        "amount_mismatch",
        "expense_not_covered",
        "missing_bank_details",
        "duplicate_expense",
    ):
        assert code in CATALOGUE
    for code in CATALOGUE:
        assert set(CATALOGUE.languages(code)) == {"en", "zh-CN"}


def test_explain_gives_explanation_and_steps_in_the_language_asked():
    guidance = CATALOGUE.explain("missing_receipt", "zh-CN")
    assert guidance.language == "zh-CN"
    assert guidance.title == "缺少收据"
    assert len(guidance.steps) == 3
    english = CATALOGUE.explain("missing_receipt", "en")
    assert english.title == "A receipt is missing"
    assert english.steps[-1].startswith("Send the claim again")


@pytest.mark.parametrize(
    ("asked", "used"),
    [("zh_cn", "zh-CN"), ("ZH-cn", "zh-CN"), ("zh-TW", "en"), ("fr-FR", "en"), ("", "en")],
)
def test_language_tags_are_normalised_and_fall_back_to_english(asked, used):
    assert CATALOGUE.explain("amount_mismatch", asked).language == used


def test_a_regional_tag_falls_back_to_its_base_language():
    catalogue = ReasonCatalogue(
        {
            "late": {
                "en": ReasonText("Late", "Sent late.", ("Send it on time.",)),
                "de": ReasonText("Spät", "Zu spät gesendet.", ("Rechtzeitig senden.",)),
            }
        }
    )
    assert catalogue.explain("late", "de-AT").language == "de"


def test_unknown_code_is_a_typed_error_naming_the_known_ones():
    with pytest.raises(NotFoundError, match="unknown reason code 'nope'; known codes: missing"):
        CATALOGUE.explain("nope")
    with pytest.raises(LookupError):
        CATALOGUE.explain_all(["missing_receipt", "nope"])


def test_check_lists_every_unknown_code():
    CATALOGUE.check(["missing_receipt"])
    with pytest.raises(ValidationError) as caught:
        CATALOGUE.check(["missing_receipt", "x", "y"])
    assert [p.path for p in caught.value.problems] == ["reasons[1]", "reasons[2]"]


def test_a_catalogue_without_english_or_with_empty_text_is_refused():
    with pytest.raises(ValidationError) as caught:
        ReasonCatalogue(
            {
                "a": {"zh-CN": ReasonText("标题", "说明", ("步骤",))},
                "b": {"en": ReasonText("", "x", ())},
            }
        )
    assert [p.path for p in caught.value.problems] == [
        "entries[a]",
        "entries[b][en]",
        "entries[b][en].steps",
    ]


def test_every_default_text_has_steps():
    assert FALLBACK_LANGUAGE == "en"
    for texts in DEFAULT_REASONS.values():
        for text in texts.values():
            assert text.steps
            assert all(step.strip() for step in text.steps)


def test_explain_decision_reads_the_latest_return_or_rejection():
    claim = returned(in_review("C1"), "missing_receipt")
    assert [g.code for g in explain_decision(claim, CATALOGUE)] == ["missing_receipt"]
    assert explain_decision(claim, CATALOGUE, "zh-CN")[0].title == "缺少收据"
    chinese = attrs.evolve(claim, claimant=attrs.evolve(claim.claimant, language="zh-CN"))
    assert explain_decision(chinese, CATALOGUE)[0].language == "zh-CN"
    typed = returned(assigned(resubmitted(claim)), "please call us")
    assert explain_decision(typed, CATALOGUE) == ()
    assert explain_decision(approved(in_review("C2")), CATALOGUE) == ()
    assert explain_decision(submitted(draft("C3")), CATALOGUE) == ()
    no = rejected(in_review("C4"), "duplicate_expense")
    assert [g.title for g in explain_decision(no, CATALOGUE)] == [
        "The expense was already claimed"
    ]
