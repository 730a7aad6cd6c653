"""The catalogues: both languages have every text, and every text a page asks for is there."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from reimbursement.audit.signatures import SignatureState
from reimbursement.domain.actors import Role
from reimbursement.domain.feedback import FeedbackStage
from reimbursement.domain.lifecycle import ClaimState
from reimbursement.web._staff import _BADGES

WEB = resources.files("reimbursement.web")
ASKED = re.compile(r"""\bt\((?:request\)\()?\s*["']([\w.-]+)["']\s*[,)]""")
BUILT = re.compile(r"""\bt\(\s*["']((?:\w+\.)+)["']\s*\+""")


def _catalogue(language: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(
        WEB.joinpath("messages", f"{language}.json").read_text("utf-8")
    )
    return loaded


def _sources() -> dict[str, str]:
    found = {}
    for folder, suffix in (("templates", ".html"), (".", ".py")):
        for entry in WEB.joinpath(folder).iterdir():
            if entry.name.endswith(suffix):
                found[f"{folder}/{entry.name}"] = entry.read_text("utf-8")
    return found


def test_english_and_chinese_have_the_same_keys() -> None:
    assert set(_catalogue("zh-CN")) == set(_catalogue("en"))


def test_a_chinese_text_fills_the_same_fields_as_its_english_one() -> None:
    english = _catalogue("en")
    for key, text in _catalogue("zh-CN").items():
        if isinstance(text, str):
            assert re.findall(r"{\w+}", text) == re.findall(r"{\w+}", str(english[key])), key


def test_every_text_a_page_or_a_handler_asks_for_is_in_the_catalogue() -> None:
    english = _catalogue("en")
    asked = {(name, key) for name, text in _sources().items() for key in ASKED.findall(text)}
    assert len(asked) > 100  # the pattern finds the pages' texts
    assert sorted((name, key) for name, key in asked if key not in english) == []


# the texts a page builds from a prefix and a value: every value of what it is built from
BUILT_FROM: dict[str, list[str]] = {
    "state.": [s.value for s in ClaimState],
    "sla.": list(_BADGES.values()),
    "role.": [r.value for r in Role],
    "signature.": [s.value for s in SignatureState],
    "feedback.stage.": [s.value for s in FeedbackStage],
}


def test_every_prefix_a_page_builds_a_text_from_is_known_here() -> None:
    built = {prefix for text in _sources().values() for prefix in BUILT.findall(text)}
    assert built == set(BUILT_FROM)


@pytest.mark.parametrize("prefix", sorted(BUILT_FROM))
def test_every_value_a_built_text_can_take_is_in_the_catalogue(prefix: str) -> None:
    english = _catalogue("en")
    assert [v for v in BUILT_FROM[prefix] if prefix + v not in english] == []
