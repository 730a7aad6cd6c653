"""Validators the content limits share."""

from __future__ import annotations

from typing import Any

import attrs

from ..domain.checks import require_count

__all__ = ["positive"]


def positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a whole number of 1 or more."""
    require_count(f"content_checks.{attribute.name}", value)
