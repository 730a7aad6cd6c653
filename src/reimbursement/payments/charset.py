"""Names and texts in the characters a SEPA bank file may carry, by one stated rule.

The EPC's SEPA rulebooks restrict names, remittance texts and ids to the
Latin character set ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space. A
text with other characters is transliterated, character by character:

1. characters of the set stay as they are;
2. German and Nordic letters by their usual spelling: ``ä ö ü`` → ``ae oe
   ue``, ``ß`` → ``ss``, ``æ`` → ``ae``, ``ø`` → ``o``, ``å`` → ``a``,
   ``œ`` → ``oe``, ``þ`` → ``th``, ``đ ð`` → ``d``, ``ł`` → ``l``
   (capitals alike); ``&`` → ``+``;
3. other accented Latin letters lose their accents (Unicode NFKD without
   the combining marks: ``é`` → ``e``, ``ç`` → ``c``);
4. Chinese characters become Hanyu Pinyin without tone marks, one
   capitalised syllable each, separated by spaces (``李伟`` → ``Li Wei``),
   with `pypinyin <https://pypi.org/project/pypinyin/>`_ from the
   ``payments`` extra;
5. any other white space becomes one space, and runs of spaces one.

A text that still holds a character outside the set (Cyrillic, Arabic,
emoji, …) is refused with a :class:`~reimbursement.errors.ValidationError`
naming the field and the character: the bank would reject or garble it,
and a guessed name could pay the wrong person. Give the payee's name in
Latin letters then.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from types import ModuleType

from .._extras import require
from ..errors import FieldProblem, ValidationError

__all__ = ["SEPA_CHARACTERS", "sepa_problem", "sepa_text"]

SEPA_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
)
"""The characters a SEPA bank file carries as they are."""

_SPELLED = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "å": "a",
    "Å": "A",
    "œ": "oe",
    "Œ": "OE",
    "þ": "th",
    "Þ": "TH",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "ł": "l",
    "Ł": "L",
    "&": "+",
}
_ALL_SEPA = re.compile(r"[a-zA-Z0-9/\-?:().,'+ ]*")
_SPACES = re.compile(r" {2,}")


def _is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


@cache
def _pinyin() -> ModuleType:
    return require("pypinyin", "payments", "writing Chinese names in a bank file")


def _han(run: str) -> str:
    syllables = _pinyin().lazy_pinyin(run, errors="ignore")
    return " ".join(s.capitalize() for s in syllables)


def _letter(char: str) -> str | None:
    """``char`` in the set by rules 2, 3 and 5, or ``None``."""
    spelled = _SPELLED.get(char)
    if spelled is not None:
        return spelled
    if char.isspace():
        return " "
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return plain if plain and all(c in SEPA_CHARACTERS for c in plain) else None


def _transliterated(text: str) -> tuple[str, str | None]:
    """``text`` by the rule, and the first character it cannot carry (or ``None``)."""
    out: list[str] = []
    han: list[str] = []
    for char in text:
        if _is_han(char):
            han.append(char)
            continue
        if han:
            out.append(f" {_han(''.join(han))} ")
            han.clear()
        if char in SEPA_CHARACTERS:
            out.append(char)
            continue
        letter = _letter(char)
        if letter is None:
            return "", char
        out.append(letter)
    if han:
        out.append(f" {_han(''.join(han))} ")
    return _SPACES.sub(" ", "".join(out)).strip(), None


def sepa_problem(path: str, text: str, max_length: int) -> tuple[str, FieldProblem | None]:
    """``text`` in the SEPA set (cut to ``max_length``), or the problem that stops it."""
    if _ALL_SEPA.fullmatch(text):  # the usual case: nothing to do
        plain = _SPACES.sub(" ", text).strip()
    else:
        plain, bad = _transliterated(text)
        if bad is not None:
            code = f"U+{ord(bad):04X}"
            return "", FieldProblem(
                path,
                f"has {bad!r} ({code}), which a SEPA bank file cannot carry and no rule "
                "transliterates; give it in Latin letters",
            )
    if not plain:
        return "", FieldProblem(path, "is empty once written in the SEPA character set")
    return plain[:max_length].rstrip(), None


def sepa_text(path: str, text: str, max_length: int = 70) -> str:
    """``text`` by the module's rule, cut to ``max_length``; else a ValidationError at ``path``."""
    plain, problem = sepa_problem(path, text, max_length)
    if problem is not None:
        raise ValidationError("the text cannot be written to a bank file", [problem])
    return plain
