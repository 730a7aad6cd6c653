"""Notifications rendered per second: the library's TemplateSet against plain Jinja2 and Babel.

``--notifications`` messages (default 100,000), half in ``en`` and half in
``zh-CN``, cycling through every event the customer is told about, each
with a claim number, amounts and dates in the reader's time zone. A message
is its subject, plain-text body, short line and HTML page.

- ``render_s``: :meth:`reimbursement.notify.TemplateSet.render`, what the
  channel router calls: locale resolution, the sandboxed environment,
  StrictUndefined, the Babel filters.
- ``render_floor_s``: the same template files rendered with a plain
  ``jinja2.Environment`` and direct Babel calls on locales parsed once:
  the least any renderer of these templates pays.

Each figure is the best of ``--repeat`` runs in CPU time of this process.
The target is ``render_s`` at most 2× ``render_floor_s``.

Usage: python benchmarks/notifications.py [--notifications 100000] [--repeat 3]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency

from reimbursement import Money
from reimbursement.notify import TemplateSet
from reimbursement.notify.templates import BUILTIN_TEMPLATES
from reimbursement.service.texts import NOTIFIED

EVENTS = sorted(NOTIFIED)
READERS = [("en", ZoneInfo("Europe/Berlin")), ("zh-CN", ZoneInfo("Asia/Shanghai"))]
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def workload(count: int) -> list[tuple[Any, str, Any, dict[str, object]]]:
    """``count`` (event, language, zone, values), half in each language."""
    out = []
    for i in range(count):
        language, zone = READERS[i % 2]
        currency = "EUR" if language == "en" else "CNY"
        values: dict[str, object] = {
            "customer_name": "Ana Lima" if language == "en" else "李娜",
            "claim_number": f"CLM-2026-{i:06d}",
            "event_at": AT + timedelta(minutes=i % 1440),
            "claimed": Money(f"{100 + i % 900}.50", currency),
            "approved": Money(f"{100 + i % 800}.00", currency),
            "amount": Money(f"{100 + i % 800}.00", currency),
            "reason": "The receipt is missing",
            "expected_completion": AT + timedelta(days=2, minutes=i % 600),
            "stage": "review",
            "escalated": i % 3 == 0,
        }
        out.append((EVENTS[(i // 2) % len(EVENTS)], language, zone, values))
    return out


def library(templates: TemplateSet) -> Callable[[list[Any]], int]:
    def run(items: list[Any]) -> int:
        size = 0
        for event, language, zone, values in items:
            rendered = templates.render(event, language, values, zone)
            size += len(rendered.html)
        return size

    return run


def floor() -> Callable[[list[Any]], int]:
    """Plain Jinja2 and Babel: the same files and filters, nothing checked."""
    locales = {tag: Locale.parse(tag, sep="-") for tag, _ in READERS}

    def money(context: Any, value: Money | None) -> str:
        if value is None:
            return ""
        return str(format_currency(value.amount, value.currency, locale=context["_babel"]))

    def when(context: Any, value: datetime | None, style: str = "medium") -> str:
        if value is None:
            return ""
        locale, local = context["_babel"], value.astimezone(context["_zone"])
        day = format_date(local.date(), style, locale=locale)
        hour = format_time(local, "short", tzinfo=local.tzinfo, locale=locale)
        pattern = str(locale.datetime_formats.get(style, "{1} {0}"))
        return f"{pattern.replace('{1}', day).replace('{0}', hour)} {local.tzname()}"

    def day(context: Any, value: date | datetime | None, style: str = "long") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(context["_zone"]).date()
        return str(format_date(value, style, locale=context["_babel"]))

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.filters.update(
        money=jinja2.pass_context(money),
        datetime=jinja2.pass_context(when),
        date=jinja2.pass_context(day),
    )

    def run(items: list[Any]) -> int:
        size = 0
        for event, language, zone, values in items:
            context = {**values, "locale": language, "_babel": locales[language], "_zone": zone}
            text = environment.get_template(f"{language}/{event.value}.txt")
            html = environment.get_template(f"{language}/{event.value}.html")
            blocks = text.new_context(context)
            parts = ["".join(text.blocks[name](blocks)) for name in ("subject", "body", "short")]
            size += len(html.render(context)) + len(parts)
        return size

    return run


def best(run: Callable[[list[Any]], int], items: list[Any], repeat: int) -> float:
    run(items[:200])  # warm: templates compiled, locale data loaded
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run(items)
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    items = workload(args.notifications)
    render_floor_s = best(floor(), items, args.repeat)
    render_s = best(library(TemplateSet()), items, args.repeat)
    n = args.notifications
    print(f"{n:,} notifications (en and zh-CN), best of {args.repeat}, CPU seconds")
    print(f"  TemplateSet.render          {render_s:8.3f} s  {n / render_s:10,.0f}/s")
    print(f"  plain Jinja2 + Babel floor  {render_floor_s:8.3f} s  {n / render_floor_s:10,.0f}/s")
    print(f"  ratio                       {render_s / render_floor_s:8.2f}x  (target <= 2x)")
    print(json.dumps({"render_s": round(render_s, 4), "render_floor_s": round(render_floor_s, 4)}))


if __name__ == "__main__":
    main()
