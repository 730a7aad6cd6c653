"""The speed tricks of the domain's frozen records, fenced in one module.

Each figure is a cachegrind instruction count against the plain attrs way,
on ``benchmarks/``: the *lifecycle* is ``lifecycle.py``'s ``run_desk``
(drafts included, the difference between 1,000 and 3,000 claims), the
*KPIs* ``analytics.py``'s timelines, KPIs, backlog and throughput over
50,000 claims. Everywhere else records are made and copied the plain way.

:func:`replace` is ``attrs.evolve`` without its per-call work: ``evolve``
looks up the fields and builds a keyword dictionary on every call, and the
lifecycle replaces a claim several times per command (with ``evolve``, the
lifecycle costs 20 % more). This builds, once per class and set of changed
fields, a function that makes the copy:

- for a slotted class whose every slot is a field set by ``__init__``
  (no cached hash), with no validators and no ``__attrs_pre_init__`` or
  ``__attrs_post_init__`` (every record the lifecycle copies), it fills the
  new object's slots through their descriptors. A frozen class's
  ``__init__`` must call ``object.__setattr__`` for every field; the slot
  setters cost about 40 % less per field (a claim has 15): without them
  the lifecycle costs 3.6 % more. Unchanged fields are copied as they are
  (the instance holds converted values); a changed field goes through its
  converter, exactly as ``__init__`` treats it;
- for any other class, it calls the class's own ``__init__`` with each
  field it takes, from the changes or the instance, so validation,
  conversion and derived fields behave exactly as with ``evolve``.

:func:`trusted_builder` makes such a class from values that are already
what its fields hold (checked and converted when first made), through the
same slot setters, in one generated call. It builds the ``Event`` objects a
claim's stored rows are read into: with ``Event(...)`` instead, the KPIs,
which read every event of every claim, cost 16 % more (the lifecycle 1.7 %).
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
    setters = _slot_setters(cls, fields)
    namespace: dict[str, Any] = {}
    if setters is None:
        # what __init__ takes, as evolve passes it: fields made by __init__ are left to it
        args = ", ".join(
            (f"{a.alias}=" if a.kw_only else "")
            + (f"changes[{a.alias!r}]" if a.alias in changed else f"inst.{a.name}")
            for a in fields
            if a.init
        )
        # a fixed template over attrs field names, as attrs itself generates __init__
        exec(f"def make(inst, changes):\n    return cls({args})\n", {"cls": cls}, namespace)
    else:
        scope: dict[str, Any] = {"cls": cls, "new": object.__new__}
        lines = ["def make(inst, changes):", "    obj = new(cls)"]
        for i, a in enumerate(fields):
            scope[f"set{i}"] = setters[i]
            if a.alias not in changed:
                value = f"inst.{a.name}"
            elif a.converter is not None:
                scope[f"convert{i}"] = a.converter
                value = f"convert{i}(changes[{a.alias!r}])"
            else:
                value = f"changes[{a.alias!r}]"
            lines.append(f"    set{i}(obj, {value})")
        lines.append("    return obj")
        exec("\n".join(lines) + "\n", scope, namespace)
    make: Callable[[Any, dict[str, Any]], Any] = namespace["make"]
    return make


def _slot_setters(
    cls: type, fields: tuple[attrs.Attribute[Any], ...]
) -> list[Callable[[Any, Any], None]] | None:
    """Each field's slot setter, or ``None`` when copying needs the class's ``__init__``."""
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
