"""The portal's own words in ``en`` and ``zh-CN``: one message catalogue per language.

The claim's own texts (stages, timeline titles, reasons) come from the desk
(:class:`~reimbursement.service.CustomerTexts` and the reason catalogue);
this catalogue holds the page texts around them: labels, buttons, help.
A key missing in a language falls back to English; a test checks that the
catalogues have the same keys and that every key a template uses exists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["LANGUAGES", "Catalogue", "catalogue", "chosen_language"]

LANGUAGES: Mapping[str, str] = {"en": "English", "zh-CN": "简体中文"}
"""The languages of the portal, by tag, with their names as their readers write them."""


class Catalogue:
    """The messages of one language, with English under them."""

    def __init__(self, language: str, messages: Mapping[str, Any], fallback: Mapping[str, Any]):
        self.language = language
        self.messages = messages
        self.fallback = fallback

    def __call__(self, key: str, **values: object) -> str:
        """The text of ``key``, its ``{name}`` fields filled from ``values``."""
        text = self.messages.get(key, self.fallback.get(key, key))
        return str(text).format(**values) if values else str(text)

    def items(self, key: str) -> list[Any]:
        """A list-valued entry (the FAQ, the guides)."""
        found = self.messages.get(key, self.fallback.get(key, []))
        return list(found) if isinstance(found, list) else []


@cache
def _load(language: str) -> Mapping[str, Any]:
    text = resources.files(__package__).joinpath("messages", f"{language}.json").read_text("utf-8")
    loaded = json.loads(text)
    assert isinstance(loaded, dict)
    return loaded


def catalogue(language: str) -> Catalogue:
    """The catalogue of ``language`` (an unknown tag gets English)."""
    return _catalogue(language if language in LANGUAGES else "en")


@cache
def _catalogue(tag: str) -> Catalogue:  # one per language of LANGUAGES: the files do not change
    return Catalogue(tag, _load(tag), _load("en"))


def chosen_language(session_choice: object, accept_language: str) -> str:
    """The session's choice, else the first ``Accept-Language`` the portal speaks, else ``en``."""
    if isinstance(session_choice, str) and session_choice in LANGUAGES:
        return session_choice
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"
