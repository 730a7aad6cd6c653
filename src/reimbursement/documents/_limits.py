"""Validators the content limits share."""

from __future__ import annotations

from typing import Any

import attrs

from ..errors import ValidationError

__all__ = ["positive"]


def positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a whole number above zero."""
    if type(value) is not int or value < 1:
        raise ValidationError.at(
            f"content_checks.{attribute.name}", f"must be a whole number above zero, got {value!r}"
        )
