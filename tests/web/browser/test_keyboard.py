"""A keyboard user in Chromium: every control of a form is reached with Tab and shows its focus."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_tabbing_through_the_draft_form_shows_a_visible_focus_on_each_field(
    browser: Any, served: Any
) -> None:
    base, _, _ = served
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(base + "/signin")
        page.check("#who-C-1001")
        with page.expect_navigation():
            page.click("form[action='/signin'] button[type=submit]")
        with page.expect_navigation():
            page.click("form[action='/claims'] button[type=submit]")
        wanted = {"category", "incurred_on", "provider", "amount", "currency", "description"}
        reached: set[str] = set()
        page.focus("#category")
        for _ in range(40):  # bounded: the form has six fields and a button
            focused = page.evaluate(
                """() => { const e = document.activeElement; const s = getComputedStyle(e);
                   return [e.id, s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
            )
            element_id, style, width = focused
            if element_id in wanted:
                assert style != "none", element_id
                assert width >= 2, element_id  # a ring a person sees, not a hairline
                reached.add(element_id)
            if reached == wanted:
                break
            page.keyboard.press("Tab")
        assert reached == wanted
    finally:
        context.close()
