"""WCAG 2.1 AA contrast of the portal's stylesheet: every text colour on its background.

The stylesheet is parsed (custom properties resolved); each rule that sets a
text colour is checked against the background it sets, else the background
of the page region it is drawn on (``body``, a card, the top bar). Text must
reach 4.5:1 (WCAG 2.1 success criterion 1.4.3); the focus outline, a
non-text indicator, 3:1 against both the page and the top bar (1.4.11).
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

CSS = resources.files("reimbursement.web").joinpath("static", "portal.css").read_text("utf-8")
BODY, CARD, TOP = "body", ".card", ".top"
# where a rule's text is drawn when the rule sets no background of its own
ON = {".top": TOP, ".top a, .top label, .top .who": TOP, ".top button": TOP}


def _rules() -> dict[str, dict[str, str]]:
    found = {}
    css = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        props = {
            k.strip(): v.strip() for k, _, v in (d.partition(":") for d in body.split(";")) if v
        }
        found[selector.strip()] = props
    return found


RULES = _rules()
VARS = {k: v for k, v in RULES[":root"].items() if k.startswith("--")}


def _colour(value: str) -> tuple[float, float, float] | None:
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: VARS[m.group(1)], value).strip()
    if value in {"transparent", "inherit"}:
        return None
    hexa = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value)
    assert hexa, f"a colour the check cannot read: {value!r}"
    digits = hexa.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _luminance(rgb: tuple[float, float, float]) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """The WCAG contrast ratio of two sRGB colours, from 1 to 21."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _background(selector: str) -> tuple[float, float, float]:
    region = ON.get(selector)
    if region is None:
        region = TOP if selector.startswith(".top") else BODY
    return _colour(RULES[region]["background"]) or (1, 1, 1)


def _pairs() -> list[tuple[str, tuple[float, float, float], tuple[float, float, float]]]:
    pairs = []
    for selector, props in RULES.items():
        text = props.get("color") or props.get("fill")
        if text is None or selector == ":root":
            continue
        fg = _colour(text)
        if fg is None:
            continue
        own = props.get("background")
        bg = _colour(own) if own else None
        backs = [bg] if bg is not None else [_background(selector)]
        if bg is None and not selector.startswith(".top"):
            backs.append(_colour(RULES[CARD]["background"]) or (1, 1, 1))  # on a card too
        pairs += [(selector, fg, back) for back in backs]
    return pairs


def test_the_check_reads_the_stylesheet() -> None:
    assert contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21)
    assert len(_pairs()) >= 15  # every coloured rule, not an empty parse


@pytest.mark.parametrize(("selector", "fg", "bg"), _pairs(), ids=lambda v: str(v)[:40])
def test_every_text_colour_reaches_4_5_to_1_on_its_background(
    selector: str, fg: tuple[float, float, float], bg: tuple[float, float, float]
) -> None:
    assert contrast(fg, bg) >= 4.5, f"{selector}: {contrast(fg, bg):.2f}:1"


def _ring(selector: str, prop: str) -> tuple[float, float, float]:
    found = re.search(r"#[0-9a-fA-F]{6}", RULES[selector][prop])
    assert found is not None, selector
    ring = _colour(found.group(0))
    assert ring is not None
    return ring


def test_the_focus_outline_stands_out_3_to_1_where_it_is_drawn() -> None:
    for region, ring in (
        (BODY, _ring(":focus-visible, input[type=date]:focus-within", "outline")),
        (CARD, _ring(":focus-visible, input[type=date]:focus-within", "outline")),
        (TOP, _ring(".top :focus-visible", "outline-color")),
    ):
        back = _colour(RULES[region]["background"])
        assert back is not None
        assert contrast(ring, back) >= 3, f"{region}: {contrast(ring, back):.2f}:1"
