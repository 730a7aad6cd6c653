"""A fast ``attrs.evolve`` for the frozen records on the hot path.

``attrs.evolve`` looks up the fields and builds a keyword dictionary on every
call, and the lifecycle replaces a claim several times per command. This
builds, once per class, a function that calls the class's own generated
``__init__`` positionally with each field taken from the changes or the
instance, so validation and conversion behave exactly as with ``evolve``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["replace"]

T = TypeVar("T")

_MAKERS: dict[type, Callable[[Any, dict[str, Any]], Any]] = {}


def _maker(cls: type) -> Callable[[Any, dict[str, Any]], Any]:
    names = [a.name for a in attrs.fields(cls)]
    known = frozenset(names)
    args = ", ".join(f"g({n!r}, inst.{n})" for n in names)
    namespace: dict[str, Any] = {}
    exec(  # noqa: S102 - fixed template over attrs field names, as attrs itself does
        f"def make(inst, changes):\n    g = changes.get\n    return cls({args})\n",
        {"cls": cls},
        namespace,
    )
    make: Callable[[Any, dict[str, Any]], Any] = namespace["make"]

    def checked(inst: Any, changes: dict[str, Any]) -> Any:
        if not known.issuperset(changes):
            unknown = ", ".join(sorted(set(changes) - known))
            raise TypeError(f"{cls.__name__} has no field {unknown}")
        return make(inst, changes)

    return checked


def replace(inst: T, **changes: Any) -> T:
    """A copy of the attrs instance ``inst`` with ``changes`` applied."""
    cls = type(inst)
    make = _MAKERS.get(cls)
    if make is None:
        make = _MAKERS[cls] = _maker(cls)
    result: T = make(inst, changes)
    return result
