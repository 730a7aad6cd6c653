"""Input quoted in an error message: short, one line, and never a crash of its own.

An error message that repeats what it refuses must stay small whatever it
was given: a 300,000-character currency code, a list nested 1,000 deep, an
integer of 5,000 digits (``repr`` of which raises ``ValueError``), a lone
surrogate (which UTF-8 cannot encode). :func:`show` quotes a value in at
most :data:`QUOTE_LENGTH` characters, every one of them printable ASCII or a
printable character ``repr`` keeps; :func:`cut` shortens a text that is
already made (a path, a message) keeping its start and its end.
"""

from __future__ import annotations

import reprlib
from typing import Any, Final

__all__ = ["QUOTE_LENGTH", "cut", "show", "writable"]

QUOTE_LENGTH: Final = 60
"""The most characters of a bad value an error message quotes."""

_INT_DIGITS_SHOWN: Final = 20


class _Quoter(reprlib.Repr):
    """``repr`` with bounds: a few levels, a few items, a short string, no huge integer."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 4
        self.maxdict = 4
        self.maxstring = QUOTE_LENGTH
        self.maxother = QUOTE_LENGTH
        self.maxlong = _INT_DIGITS_SHOWN

    def repr_int(self, x: int, level: int) -> str:
        # repr() of an int past 4,300 digits raises ValueError; its size is known without it
        if x.bit_length() <= 64:
            return repr(x)
        digits = int(x.bit_length() * 0.30103) + 1
        return f"{'-' if x < 0 else ''}<an integer of about {digits:,} digits>"

    def repr_str(self, x: str, level: int) -> str:
        if len(x) <= QUOTE_LENGTH:
            return repr(x)
        return repr(x[: QUOTE_LENGTH - 3]) + f"... ({len(x):,} characters)"

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            return super().repr_instance(x, level)
        except Exception:  # a hostile __repr__ must not replace the error being reported
            return f"<{type(x).__name__}>"


_QUOTER = _Quoter()


def show(value: object) -> str:
    """``value`` as an error message quotes it: at most about :data:`QUOTE_LENGTH` characters."""
    return cut(_QUOTER.repr(value), QUOTE_LENGTH + 30)


def writable(text: str) -> str:
    """``text`` with any lone surrogate escaped (``\\ud800``), so that UTF-8 can encode it:
    a message repeats keys and values of the input, and must always reach a log."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, its start and end kept around a "…"."""
    if len(text) <= limit:
        return text
    tail = limit // 5
    return f"{text[: limit - tail - 1]}…{text[len(text) - tail :]}"
