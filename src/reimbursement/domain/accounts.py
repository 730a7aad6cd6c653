"""Payee accounts: the one check every account passes where it enters the library.

An account is entered in a customer profile, a draft or returned claim's
patch, or a payment retry to a corrected account; each of those calls
:func:`account_problem` (or :func:`check_account`), so the rule is the same
everywhere. An account is one of two schemes, told apart by its first
characters:

- **IBAN** (starts with two letters): letters and digits only (spaces
  between groups are allowed and ignored), 15 to 34 characters, and the
  ISO 13616 check digits (mod 97 = 1). With the ``payments`` extra
  installed, `schwifty <https://pypi.org/project/schwifty/>`_ also checks
  the country's length and format (``DE`` is 22 characters, digits only);
  without it the check digits still catch a mistyped or cut-off IBAN.
- **Bank card number** (digits only, spaces allowed), the account a
  Chinese insurer pays to (UnionPay debit card): 16 to 19 digits and the
  Luhn check digit.

Anything else is refused. Accounts already stored are not checked again
when read back: a stricter rule in a later release must not make old
claims unreadable.
"""

from __future__ import annotations

import functools
import re
from types import ModuleType

from ..errors import FieldProblem, ValidationError

__all__ = [
    "account_problem",
    "check_account",
    "compact_account",
    "iban_check_digits",
    "iban_for",
]

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_EXAMPLE = "such as DE89 3704 0044 0532 0130 00"


def compact_account(value: str) -> str:
    """``value`` without spaces, in capitals: the form banks exchange (``DE8937040044…``)."""
    return value.replace(" ", "").upper()


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 13616 check digits for ``country`` and the national ``bban``."""
    rearranged = f"{bban}{country}00".upper()
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{98 - number % 97:02d}"


def iban_for(country: str, bban: str) -> str:
    """The IBAN of the national account ``bban`` in ``country``, in groups of four.

    ``iban_for("DE", "370400440532013000")`` is ``"DE89 3704 0044 0532 0130 00"``.
    Handy for test data and simulations; it checks nothing about ``bban``.
    """
    compact = f"{country.upper()}{iban_check_digits(country, bban)}{bban.upper()}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _mod97_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@functools.cache
def _schwifty() -> ModuleType | None:
    try:
        import schwifty
    except ModuleNotFoundError:
        return None
    found: ModuleType = schwifty  # Any where schwifty is not installed
    return found


def _iban_problem(compact: str, country_formats: bool) -> str | None:
    if not _IBAN.fullmatch(compact):
        if not compact.isalnum() or not compact.isascii():
            return f"an IBAN has only letters and digits ({_EXAMPLE})"
        return (
            f"is {len(compact)} characters; an IBAN has two letters, two check digits "
            f"and 11 to 30 more letters or digits ({_EXAMPLE})"
        )
    if not _mod97_ok(compact):
        return "has wrong IBAN check digits: a character is mistyped or missing"
    schwifty = _schwifty() if country_formats else None
    if schwifty is not None:
        try:
            schwifty.IBAN(compact)
        except schwifty.exceptions.SchwiftyException as error:
            return f"is not a valid {compact[:2]} IBAN: {error}"
    return None


def _card_problem(digits: str) -> str | None:
    if not 16 <= len(digits) <= 19:
        return (
            f"has {len(digits)} digits; a bank card number has 16 to 19 "
            f"(or give an IBAN, {_EXAMPLE})"
        )
    if not _luhn_ok(digits):
        return "has a wrong check digit (Luhn): a digit is mistyped or missing"
    return None


def account_problem(path: str, value: str, *, country_formats: bool = True) -> FieldProblem | None:
    """What is wrong with the account ``value`` (see the module docs), or ``None``.

    ``country_formats=False`` leaves schwifty's country formats out (for
    accounts checked when they were entered, read again in bulk).
    """
    compact = compact_account(value.strip())
    if not compact:
        return FieldProblem(path, "is empty")
    if compact[:2].isalpha():
        problem = _iban_problem(compact, country_formats)
    elif compact.isdigit() and compact.isascii():
        problem = _card_problem(compact)
    else:
        problem = (
            "is neither an IBAN (two letters first, "
            f"{_EXAMPLE}) nor a bank card number (16 to 19 digits)"
        )
    return None if problem is None else FieldProblem(path, problem)


def check_account(path: str, value: str) -> str:
    """``value`` stripped, when it is a valid account; else a ValidationError at ``path``."""
    problem = account_problem(path, value)
    if problem is not None:
        raise ValidationError("the payee account cannot be used", [problem])
    return value.strip()
