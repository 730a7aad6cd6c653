"""A fast ``attrs.evolve`` for the frozen records on the hot path.

``attrs.evolve`` looks up the fields and builds a keyword dictionary on every
call, and the lifecycle replaces a claim several times per command. This
builds, once per class and set of changed fields, a function that calls the
class's own generated ``__init__`` positionally, taking each field from the
changes or the instance, so validation and conversion behave exactly as with
``evolve``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["replace"]

T = TypeVar("T")

_MAKERS: dict[tuple[type, tuple[str, ...]], Callable[[Any, dict[str, Any]], Any]] = {}


def _maker(cls: type, changed: tuple[str, ...]) -> Callable[[Any, dict[str, Any]], Any]:
    fields = attrs.fields(cls)
    names = [a.alias for a in fields]  # changes are named as in __init__, like evolve's
    unknown = sorted(set(changed) - set(names))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(unknown)}")
    args = ", ".join(
        f"changes[{a.alias!r}]" if a.alias in changed else f"inst.{a.name}" for a in fields
    )
    namespace: dict[str, Any] = {}
    # a fixed template over attrs field names, as attrs itself generates __init__
    exec(f"def make(inst, changes):\n    return cls({args})\n", {"cls": cls}, namespace)
    make: Callable[[Any, dict[str, Any]], Any] = namespace["make"]
    return make


def replace(inst: T, **changes: Any) -> T:
    """A copy of the attrs instance ``inst`` with ``changes`` applied."""
    key = (type(inst), tuple(changes))
    make = _MAKERS.get(key)
    if make is None:
        make = _MAKERS[key] = _maker(*key)
    result: T = make(inst, changes)
    return result
