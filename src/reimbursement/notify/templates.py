"""Notification templates: Jinja2 in a sandbox, Babel for money and dates (the ``[notify]`` extra).

A template set is a folder per locale (``en``, ``zh-CN``, ...) holding,
for every event the customer is told about, two templates:
``<event>.txt`` with the blocks ``subject``, ``body`` (the plain-text
part) and ``short`` (an SMS or push line), and ``<event>.html`` (the HTML
part; it may extend ``_layout.html`` at the top of the set). The
templates shipped with the library cover ``en`` and ``zh-CN``; an
insurer's own folder, given as ``folder``, comes first: a file there
rewords one message, a new locale folder adds a language.

Templates see only the values in :data:`VARIABLES` and three filters:
``money`` (a :class:`~reimbursement.Money`, formatted by Babel for the
locale: ``€1,234.50``, ``1.234,50 €``, ``¥1,234.50``), ``datetime`` and
``date`` (in the customer's time zone and locale). The HTML part is
autoescaped, the plain-text part is not. Every template of every locale is
checked when the set is made, so a missing template, an unknown variable,
a syntax error or a template that reaches outside the sandbox raises
:class:`~reimbursement.errors.TemplateError` at start-up, never at send time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, TypeVar

import attrs

from .._extras import missing
from ..domain.events import EventType
from ..domain.money import Money
from ..domain.reasons import normalise_language
from ..errors import FieldProblem, TemplateError
from ..service.texts import NOTIFIED

try:
    import jinja2
    import jinja2.exceptions
    import jinja2.meta
    import jinja2.sandbox
    from babel import Locale
    from babel.dates import format_date, format_time
    from babel.numbers import format_currency
except ModuleNotFoundError as error:  # pragma: no cover - the extra is in dev
    raise missing(error, "notify", "notification templates") from error

__all__ = ["BUILTIN_TEMPLATES", "VARIABLES", "Rendered", "TemplateSet"]

BUILTIN_TEMPLATES: Final = Path(__file__).parent / "templates"
"""The templates shipped with the library (``en`` and ``zh-CN``)."""

VARIABLES: Final = frozenset(
    {
        "customer_name",
        "claim_number",
        "event_at",
        "claimed",
        "approved",
        "amount",
        "reason",
        "expected_completion",
        "stage",
        "escalated",
        "account_ending",
        "locale",
    }
)
"""The values a template may use; any other name is refused when the set is checked.

``event_at`` and ``expected_completion`` are aware datetimes (use the
``datetime`` filter), ``claimed``, ``approved`` and ``amount`` are
:class:`~reimbursement.Money` (the ``money`` filter); a value that does not
apply to the event is ``None`` and its filter writes nothing.
``reason`` is what the reviewer or the bank said, in the customer's words;
``stage`` (an SLA breach) is ``review``, ``finance_approval`` or
``payment``; ``account_ending`` (a payee change) the last four characters of
the new account, never the whole of it; ``locale`` the locale the message is
written in.
"""

TEXT_BLOCKS: Final = ("subject", "body", "short")
"""The blocks every ``<event>.txt`` template defines."""

_SAMPLE: Final[Mapping[str, object]] = {
    "customer_name": "Ana Lima",
    "claim_number": "CLM-2026-000001",
    "event_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    "claimed": Money("1234.50", "EUR"),
    "approved": Money("1000.00", "EUR"),
    "amount": Money("1000.00", "EUR"),
    "reason": "The receipt is missing",
    "expected_completion": datetime(2026, 3, 5, 17, 0, tzinfo=UTC),
    "stage": "review",
    "escalated": True,
    "account_ending": "0517",
}


@attrs.frozen
class Rendered:
    """One message in words: its parts, and the locale actually used.

    ``locale`` differs from ``requested`` when the customer's language had
    no templates and the set's default was used instead.
    """

    locale: str
    requested: str
    subject: str
    text: str
    html: str
    short: str

    @property
    def fell_back(self) -> bool:
        """True when the message is not in the language asked for."""
        return self.locale != self.requested


_Filter = TypeVar("_Filter", bound=Callable[..., str])


def _with_context(function: _Filter) -> _Filter:
    """``jinja2.pass_context``, keeping the filter's type where jinja2 is not installed."""
    passed: _Filter = jinja2.pass_context(function)
    return passed


@lru_cache(maxsize=64)
def _babel_locale(tag: str) -> Locale:
    return Locale.parse(tag, sep="-")


@_with_context
def _money(context: jinja2.runtime.Context, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, Money):
        raise TypeError(f"the money filter takes a Money, not {type(value).__name__}")
    return str(format_currency(value.amount, value.currency, locale=context["_babel"]))


@_with_context
def _datetime(context: jinja2.runtime.Context, value: object, style: str = "medium") -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise TypeError("the datetime filter takes an aware datetime")
    locale: Locale = context["_babel"]
    local = value.astimezone(context["_zone"])
    # the locale's date, then its hours and minutes (no seconds), then the zone's abbreviation
    day = format_date(local.date(), style, locale=locale)
    hour = format_time(local, "short", tzinfo=local.tzinfo, locale=locale)
    pattern = str(locale.datetime_formats.get(style, "{1} {0}"))
    return f"{pattern.replace('{1}', day).replace('{0}', hour)} {local.tzname()}"


@_with_context
def _date(context: jinja2.runtime.Context, value: object, style: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(context["_zone"]).date()
    if not isinstance(value, date):
        raise TypeError("the date filter takes a date or an aware datetime")
    return str(format_date(value, style, locale=context["_babel"]))


def _environment(folders: list[Path]) -> jinja2.sandbox.SandboxedEnvironment:
    environment = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders], encoding="utf-8"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(money=_money, datetime=_datetime, date=_date)
    return environment


def _locales(folders: list[Path]) -> tuple[str, ...]:
    found = {
        entry.name
        for folder in folders
        for entry in folder.iterdir()
        if entry.is_dir() and not entry.name.startswith(("_", "."))
    }
    return tuple(sorted(found))


class TemplateSet:
    """The templates of every locale, checked: ``folder`` (the insurer's) over the built-in ones.

    ``default_locale`` is used for a customer whose language has no
    templates (the message then records the locale it is in). Raises
    :class:`~reimbursement.errors.TemplateError` listing every problem
    found: a folder that does not exist, a template missing for an event,
    a syntax error, an unknown variable or filter, a missing block, a
    template that fails or breaks the sandbox on sample values.
    """

    def __init__(
        self, folder: str | os.PathLike[str] | None = None, *, default_locale: str = "en"
    ) -> None:
        folders = [BUILTIN_TEMPLATES]
        if folder is not None:
            own = Path(folder)
            if not own.is_dir():
                raise TemplateError.at("templates", f"{str(own)[:200]!r} is not a folder")
            folders.insert(0, own)
        self.folders: tuple[Path, ...] = tuple(folders)
        self.locales = _locales(folders)
        self._by_lower = {tag.lower(): tag for tag in self.locales}
        default = self._by_lower.get(normalise_language(default_locale).lower())
        if default is None:
            raise TemplateError.at(
                "default_locale",
                f"{default_locale[:40]!r} has no templates; the set has {', '.join(self.locales)}",
            )
        self.default_locale = default
        self._environment = _environment(folders)
        problems = list(self._problems())
        if problems:
            raise TemplateError("the notification templates cannot be used", problems)

    def locale_for(self, language: str) -> str:
        """The locale a customer reading ``language`` gets: the closest one with templates.

        ``de-AT`` tries ``de-AT`` then ``de``; a bare ``zh`` takes the
        first ``zh-*`` locale; anything else the default locale.
        """
        tag = normalise_language(language) if language.strip() else self.default_locale
        parts = tag.lower().split("-")
        for end in range(len(parts), 0, -1):
            found = self._by_lower.get("-".join(parts[:end]))
            if found is not None:
                return found
        for lower, found in self._by_lower.items():
            if lower.split("-")[0] == parts[0]:
                return found
        return self.default_locale

    def render(
        self, event: EventType, language: str, values: Mapping[str, object], zone: Any = UTC
    ) -> Rendered:
        """``event``'s message for a customer reading ``language`` in time zone ``zone``.

        ``values`` are the :data:`VARIABLES` (missing ones are ``None``).
        """
        locale = self.locale_for(language)
        return self._render(event, locale, language, values, zone)

    def _render(
        self,
        event: EventType,
        locale: str,
        requested: str,
        values: Mapping[str, object],
        zone: Any,
    ) -> Rendered:
        context = dict.fromkeys(VARIABLES)
        context.update(values)
        context.update(locale=locale, _babel=_babel_locale(locale), _zone=zone)
        text = self._environment.get_template(f"{locale}/{event.value}.txt")
        html = self._environment.get_template(f"{locale}/{event.value}.html")
        blocks = text.new_context(context)
        subject, body, short = (
            " ".join("".join(text.blocks[name](blocks)).split())
            if name != "body"
            else "".join(text.blocks[name](blocks)).strip() + "\n"
            for name in TEXT_BLOCKS
        )
        return Rendered(locale, requested, subject, body, html.render(context), short)

    # -- the check -------------------------------------------------------------------------

    def _problems(self) -> Iterator[FieldProblem]:
        for locale in self.locales:
            for event in sorted(NOTIFIED):
                found = [*self._check(locale, event, "txt"), *self._check(locale, event, "html")]
                yield from found if found else self._trial(locale, event)

    def _check(self, locale: str, event: EventType, kind: str) -> Iterator[FieldProblem]:
        name = f"{locale}/{event.value}.{kind}"
        environment = self._environment
        try:
            source, _, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr, unused-ignore]
            names = jinja2.meta.find_undeclared_variables(environment.parse(source))
            template = environment.get_template(name)
        except jinja2.TemplateNotFound as error:
            what = "missing" if error.name == name else f"includes {error.name!r}, not found"
            yield FieldProblem(name, f"{what}: every locale needs a .txt and .html per event")
            return
        except jinja2.TemplateSyntaxError as error:
            yield FieldProblem(f"{name}:{error.lineno}", f"syntax error: {error.message}")
            return
        for unknown in sorted(names - VARIABLES):
            yield FieldProblem(name, f"uses {unknown!r}, which is not one of the template values")
        if kind == "txt":
            for block in TEXT_BLOCKS:
                if block not in template.blocks:
                    yield FieldProblem(name, f"has no {{% block {block} %}}")

    def _trial(self, locale: str, event: EventType) -> Iterator[FieldProblem]:
        name = f"{locale}/{event.value}"
        for values in (_SAMPLE, {}):  # with every value, and with none that may be missing
            try:
                self._render(event, locale, locale, values, UTC)
            except jinja2.exceptions.SecurityError as error:
                yield FieldProblem(name, f"reaches outside the sandbox: {error}")
                return
            except Exception as error:  # any failure on sample values: found now, not at send
                failure = f"{type(error).__name__}: {error}"
                yield FieldProblem(name, f"fails on sample values: {failure}")
                return
