"""Templates: Babel formats per locale, the insurer's folder, and every problem found at load."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reimbursement import Money
from reimbursement.__main__ import main
from reimbursement.domain.events import EventType
from reimbursement.errors import TemplateError
from reimbursement.notify import TemplateSet
from reimbursement.notify.templates import BUILTIN_TEMPLATES
from reimbursement.service.texts import NOTIFIED

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VALUES = {
    "customer_name": "Ana <Lima> & Co",
    "claim_number": "CLM-2026-000001",
    "event_at": AT,
    "claimed": Money("1234.50", "EUR"),
    "approved": Money("1000", "EUR"),
    "expected_completion": datetime(2026, 3, 4, 16, 0, tzinfo=UTC),
}


@pytest.fixture(scope="module")
def templates() -> TemplateSet:
    return TemplateSet()


def _insurer(tmp_path: Path, locale: str = "de") -> Path:
    """An insurer's folder holding a full copy of the English templates as ``locale``."""
    shutil.copytree(BUILTIN_TEMPLATES / "en", tmp_path / locale)
    return tmp_path


def test_the_built_in_set_has_english_and_simplified_chinese(templates: TemplateSet) -> None:
    assert templates.locales == ("en", "zh-CN")
    for event in NOTIFIED:
        for language in ("en", "zh-CN"):
            rendered = templates.render(event, language, VALUES)
            assert rendered.subject
            assert rendered.text.strip()
            assert rendered.short
            assert rendered.html.startswith("<!DOCTYPE html>")


def test_money_and_dates_are_formatted_for_the_locale(templates: TemplateSet) -> None:
    en = templates.render(EventType.APPROVED, "en", VALUES, ZoneInfo("Europe/Berlin"))
    assert "€1,000.00 of the €1,234.50" in en.text
    assert "Mar 4, 2026, 5:00\u202fPM CET" in en.text
    zh = templates.render(EventType.APPROVED, "zh-CN", VALUES, ZoneInfo("Asia/Shanghai"))
    assert "€1,234.50 中已批准 €1,000.00" in zh.text
    assert "2026年3月5日 00:00 CST" in zh.text


def test_html_is_escaped_and_plain_text_is_not(templates: TemplateSet) -> None:
    rendered = templates.render(EventType.SUBMITTED, "en", VALUES)
    assert "Ana &lt;Lima&gt; &amp; Co" in rendered.html
    assert "Ana <Lima> & Co" in rendered.text


@pytest.mark.parametrize(
    ("language", "locale"),
    [("zh-CN", "zh-CN"), ("zh", "zh-CN"), ("zh-Hans-CN", "zh-CN"), ("en-GB", "en"), ("de", "en")],
)
def test_a_language_gets_the_closest_locale_and_records_it(
    templates: TemplateSet, language: str, locale: str
) -> None:
    rendered = templates.render(EventType.SUBMITTED, language, VALUES)
    assert (rendered.locale, rendered.requested) == (locale, language)
    assert rendered.fell_back == (locale != language)


def test_the_default_locale_is_configurable(templates: TemplateSet) -> None:
    chinese_first = TemplateSet(default_locale="zh-CN")
    assert chinese_first.render(EventType.SUBMITTED, "fr", VALUES).locale == "zh-CN"
    with pytest.raises(TemplateError, match="default_locale"):
        TemplateSet(default_locale="fr")


def test_an_insurers_folder_adds_a_locale_and_rewords_a_message(tmp_path: Path) -> None:
    folder = _insurer(tmp_path)
    (folder / "de" / "submitted.txt").write_text(
        "{% block subject %}Antrag {{ claim_number }} erhalten{% endblock %}"
        "{% block body %}Wir haben {{ claimed|money }} am {{ event_at|date }} erhalten."
        "{% endblock %}"
        "{% block short %}Antrag erhalten{% endblock %}",
        encoding="utf-8",
    )
    (folder / "en").mkdir()
    (folder / "en" / "paid.txt").write_text(
        "{% block subject %}Paid!{% endblock %}{% block body %}Done.{% endblock %}"
        "{% block short %}Paid{% endblock %}",
        encoding="utf-8",
    )
    templates = TemplateSet(folder)
    assert templates.locales == ("de", "en", "zh-CN")
    german = templates.render(EventType.SUBMITTED, "de-AT", VALUES, ZoneInfo("Europe/Vienna"))
    assert german.locale == "de"
    assert german.subject == "Antrag CLM-2026-000001 erhalten"
    assert german.text == "Wir haben 1.234,50\xa0€ am 2. März 2026 erhalten.\n"
    assert templates.render(EventType.PAID, "en", VALUES).subject == "Paid!"
    assert templates.render(EventType.SUBMITTED, "en", VALUES).subject.startswith("We received")


def test_a_missing_template_is_found_at_load_not_at_send(tmp_path: Path) -> None:
    folder = _insurer(tmp_path)
    (folder / "de" / "paid.html").unlink()
    with pytest.raises(TemplateError) as error:
        TemplateSet(folder)
    assert [p.path for p in error.value.problems] == ["de/paid.html"]
    assert "missing" in str(error.value)


def test_an_unknown_variable_a_missing_block_and_a_syntax_error_are_found(tmp_path: Path) -> None:
    folder = _insurer(tmp_path)
    (folder / "de" / "paid.txt").write_text(
        "{% block subject %}{{ claim.number }}{% endblock %}{% block body %}{% endblock %}",
        encoding="utf-8",
    )
    (folder / "de" / "rejected.html").write_text("{% if %}", encoding="utf-8")
    (folder / "de" / "returned.txt").write_text(
        "{% block subject %}{{ amount|nonesuch }}{% endblock %}", encoding="utf-8"
    )
    with pytest.raises(TemplateError) as error:
        TemplateSet(folder)
    found = [str(p) for p in error.value.problems]
    assert "de/paid.txt: uses 'claim', which is not one of the template values" in found
    assert "de/paid.txt: has no {% block short %}" in found
    assert any(p.startswith("de/rejected.html:1: syntax error") for p in found)
    assert any(p.startswith("de/returned.txt:1: syntax error") and "nonesuch" in p for p in found)


@pytest.mark.parametrize(
    "escape",
    [
        "{{ claim_number.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer_name.format.__globals__ }}",
        "{{ claimed.__init__.__globals__['os'] }}",
    ],
)
def test_a_template_that_reaches_outside_the_sandbox_is_refused(
    tmp_path: Path, escape: str
) -> None:
    folder = _insurer(tmp_path)
    (folder / "de" / "paid.html").write_text(escape, encoding="utf-8")
    with pytest.raises(TemplateError, match="reaches outside the sandbox") as error:
        TemplateSet(folder)
    assert [p.path for p in error.value.problems] == ["de/paid"]


def test_a_template_cannot_include_a_file_outside_its_folders(tmp_path: Path) -> None:
    folder = _insurer(tmp_path / "set")
    (tmp_path / "secret.txt").write_text("password", encoding="utf-8")
    (folder / "de" / "paid.html").write_text('{% include "../secret.txt" %}', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"TemplateNotFound: \.\./secret\.txt") as error:
        TemplateSet(folder)
    assert "password" not in str(error.value)


def test_a_folder_that_is_not_there_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="is not a folder"):
        TemplateSet(tmp_path / "missing")


def test_check_templates_passes_on_the_built_in_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-templates"]) == 0
    assert "templates ok: en, zh-CN (default en)" in capsys.readouterr().out


def test_check_templates_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _insurer(tmp_path)
    (folder / "de" / "paid.html").unlink()
    (folder / "de" / "paid.txt").write_text("{{ nope }}", encoding="utf-8")
    assert main(["check-templates", "--templates", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "de/paid.html: missing" in err
    assert "de/paid.txt: uses 'nope'" in err
