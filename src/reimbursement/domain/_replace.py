"""The two speed tricks of the domain's frozen records, fenced in one module.

Each is kept because a benchmark shows what it buys; everywhere else records
are made and copied the plain way. Figures: ratios in one process, plain way
against the trick, medians of 7-9 alternated runs (``benchmarks/lifecycle.py``'s
``run_desk`` over 1,500 claims; ``benchmarks/analytics.py``'s timelines, KPIs,
backlog and throughput over 20,000 claims).

:func:`replace` is ``attrs.evolve`` without its per-call work: ``evolve``
looks up the fields and builds a keyword dictionary on every call, and the
lifecycle replaces a claim several times per command (with ``evolve``, the
lifecycle costs about 15 % more). This builds, once per class and set of
changed fields, a function that calls the class's own ``__init__`` with
each field it takes, from the changes or the instance, so validation,
conversion and derived fields behave exactly as with ``evolve``. (Filling
the copy's slots through their descriptors instead of ``__init__`` bought
under 5 % of the lifecycle, within the noise of a shared machine: removed.)

:func:`trusted_builder` makes a plain slotted record from values that are
already what its fields hold (checked and converted when first made),
through the slots' descriptors, in one generated call. It builds the
``Event`` objects a claim's stored rows are read into: with ``Event(...)``
instead, the KPIs, which read every event of every claim, cost 14 % more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import attrs

__all__ = ["replace", "replace_with", "trusted_builder"]

T = TypeVar("T")

_MAKERS: dict[tuple[type, tuple[str, ...]], Callable[[Any, dict[str, Any]], Any]] = {}


def _maker(cls: type, changed: tuple[str, ...]) -> Callable[[Any, dict[str, Any]], Any]:
    fields = attrs.fields(cls)
    names = [a.alias for a in fields]  # changes are named as in __init__, like evolve's
    unknown = sorted(set(changed) - set(names))
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(unknown)}")
    # what __init__ takes, as evolve passes it: fields made by __init__ are left to it
    args = ", ".join(
        (f"{a.alias}=" if a.kw_only else "")
        + (f"changes[{a.alias!r}]" if a.alias in changed else f"inst.{a.name}")
        for a in fields
        if a.init
    )
    namespace: dict[str, Any] = {}
    # a fixed template over attrs field names, as attrs itself generates __init__
    exec(f"def make(inst, changes):\n    return cls({args})\n", {"cls": cls}, namespace)
    make: Callable[[Any, dict[str, Any]], Any] = namespace["make"]
    return make


def _slot_setters(
    cls: type, fields: tuple[attrs.Attribute[Any], ...]
) -> list[Callable[[Any, Any], None]] | None:
    """Each field's slot setter, or ``None`` when making one needs the class's ``__init__``."""
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    setters = []
    for a in fields:
        if not a.init or a.validator is not None:
            return None
        if not (a.converter is None or _plain(a.converter)):
            return None
        slot: Any = next((k.__dict__[a.name] for k in cls.__mro__ if a.name in k.__dict__), None)
        if type(slot) is not _MEMBER:  # not a slot: a dict class
            return None
        setters.append(slot.__set__)
    slots = {name for k in cls.__mro__ for name in k.__dict__.get("__slots__", ())}
    if slots - {a.name for a in fields} - {"__weakref__"}:
        return None  # a slot the copy would leave empty (attrs' cached hash, say)
    return setters


def _plain(converter: object) -> bool:
    """True for a converter that takes the value alone (not ``attrs.Converter`` with self)."""
    return callable(converter) and not isinstance(converter, attrs.Converter)


class _Probe:
    __slots__ = ("slot",)


_MEMBER = type(_Probe.__dict__["slot"])


def trusted_builder(cls: type[T]) -> Callable[..., T]:
    """A function ``build(*values)`` making a ``cls`` from the value of every field, in order.

    The values are stored as they are: they must be what the fields of a
    ``cls`` made by ``__init__`` hold (converted, valid). Raises
    ``TypeError`` for a class whose ``__init__`` does more than set its
    slots (validators, derived fields, a dict class): it needs ``__init__``.
    """
    fields = attrs.fields(cast("type[attrs.AttrsInstance]", cls))
    setters = _slot_setters(cls, fields)
    if setters is None:
        raise TypeError(f"{cls.__name__} is not a plain slotted record: make it with __init__")
    scope: dict[str, Any] = {"cls": cls, "new": object.__new__}
    values = ", ".join(f"v{i}" for i in range(len(fields)))
    lines = [f"def build({values}):", "    obj = new(cls)"]
    for i, setter in enumerate(setters):
        scope[f"set{i}"] = setter
        lines.append(f"    set{i}(obj, v{i})")
    lines.append("    return obj")
    namespace: dict[str, Any] = {}
    # a fixed template over field positions, as attrs itself generates __init__
    exec("\n".join(lines) + "\n", scope, namespace)
    build: Callable[..., T] = namespace["build"]
    return build


def replace(inst: T, **changes: Any) -> T:
    """A copy of the attrs instance ``inst`` with ``changes`` applied."""
    return replace_with(inst, changes)


def replace_with(inst: T, changes: dict[str, Any]) -> T:
    """Like :func:`replace`, with the changes in a dictionary the caller built."""
    key = (type(inst), tuple(changes))
    make = _MAKERS.get(key)
    if make is None:
        make = _MAKERS[key] = _maker(*key)
    result: T = make(inst, changes)
    return result
