"""The wire format's container hooks: lists, objects, attrs classes, stored forms.

Each collects every bad item before it raises, so that an error names every
bad field by its path; :mod:`reimbursement.serialization` registers them.
"""

from __future__ import annotations

from collections.abc import (
    Callable,
    Mapping,
    MutableMapping,
    MutableSequence,
    MutableSet,
    Sequence,
)
from collections.abc import Set as AbstractSet
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .._show import show
from ..domain.claim import Claim
from ..domain.events import Event
from ..domain.frozen import FrozenMap
from ..domain.invariants import check_claim
from ._scalars import bad

_SEQUENCES: dict[Any, Callable[[list[Any]], Any]] = {
    tuple: tuple,
    Sequence: tuple,
    list: list,
    MutableSequence: list,
    frozenset: frozenset,
    AbstractSet: frozenset,
    set: set,
    MutableSet: set,
}
_MAPPINGS = frozenset({dict, Mapping, MutableMapping})


def _element_types(cls: Any) -> tuple[Any, ...]:
    args = get_args(cls)
    return args if args else (Any,)


def _is_sequence(cls: Any) -> bool:
    return (get_origin(cls) or cls) in _SEQUENCES and cls is not str


def _is_mapping(cls: Any) -> bool:
    return (get_origin(cls) or cls) in _MAPPINGS


def _fail_items(cls: Any, errors: list[Exception]) -> IterableValidationError:
    return IterableValidationError(f"While structuring {cls!r}", errors, cls)


def sequence_hooks(converter: cattrs.Converter) -> None:
    def unstructure_factory(cls: Any) -> Callable[[Any], list[Any]]:
        args = _element_types(cls)
        if (get_origin(cls) or cls) is tuple and args[-1] is not Ellipsis:
            hooks = [converter.get_unstructure_hook(a) for a in args]
            return lambda value: [h(x) for h, x in zip(hooks, value, strict=True)]
        hook = converter.get_unstructure_hook(args[0])
        if args[0] in (str, int, bool):
            return list
        return lambda value: [hook(x) for x in value]

    def structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        build = _SEQUENCES[get_origin(cls) or cls]
        args = _element_types(cls)
        fixed = build is tuple and len(args) > 1 and args[-1] is not Ellipsis
        args = args if fixed else args[:1]
        hooks = [converter.get_structure_hook(a) for a in args]

        def structure(value: Any, _: Any) -> Any:
            if type(value) not in (list, tuple):
                raise bad(f"expected a list, got {show(value)}")
            if fixed and len(value) != len(args):
                raise bad(f"expected a list of {len(args)} items, got {len(value)}")
            items, errors = [], []
            for i, item in enumerate(value):
                arg = args[i] if fixed else args[0]
                try:
                    items.append((hooks[i] if fixed else hooks[0])(item, arg))
                except Exception as error:
                    error.add_note(IterableValidationNote(f"@ index {i}", i, arg))
                    errors.append(error)
            if errors:
                raise _fail_items(cls, errors)
            return build(items)

        return structure

    converter.register_unstructure_hook_factory(_is_sequence, unstructure_factory)
    converter.register_structure_hook_factory(_is_sequence, structure_factory)


def mapping_hooks(converter: cattrs.Converter) -> None:
    def types(cls: Any) -> tuple[Any, Any]:
        args = get_args(cls)
        return (args[0], args[1]) if len(args) == 2 else (Any, Any)

    def unstructure_factory(cls: Any) -> Callable[[Any], dict[Any, Any]]:
        key_hook, value_hook = (converter.get_unstructure_hook(t) for t in types(cls))
        return lambda value: {key_hook(k): value_hook(v) for k, v in value.items()}

    def structure_factory(cls: Any) -> Callable[[Any, Any], Mapping[Any, Any]]:
        key_type, value_type = types(cls)
        key_hook = converter.get_structure_hook(key_type)
        value_hook = converter.get_structure_hook(value_type)
        # a Mapping field is read-only: it gets a FrozenMap; dict and MutableMapping a dict
        build = FrozenMap if (get_origin(cls) or cls) is Mapping else dict

        def structure(value: Any, _: Any) -> Mapping[Any, Any]:
            if type(value) is not dict:
                raise bad(f"expected an object, got {show(value)}")
            result, errors = {}, []
            for key, item in value.items():
                try:
                    result[key_hook(key, key_type)] = value_hook(item, value_type)
                except Exception as error:
                    error.add_note(IterableValidationNote(f"@ key {show(key)}", key, value_type))
                    errors.append(error)
            if errors:
                raise _fail_items(cls, errors)
            return result if build is dict else build(result)

        return structure

    converter.register_unstructure_hook_factory(_is_mapping, unstructure_factory)
    converter.register_structure_hook_factory(_is_mapping, structure_factory)


def attrs_hooks(converter: cattrs.Converter) -> None:
    def structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        generated = converter.gen_structure_attrs_fromdict(cls)
        expected = f"expected an object ({cls.__name__}), got "

        def structure(value: Any, _: Any) -> Any:
            if type(value) is not dict:
                raise bad(expected + show(value))
            return generated(value, cls)

        return structure

    converter.register_structure_hook_factory(attrs.has, structure_factory)


def _stored_as(
    converter: cattrs.Converter,
    cls: type[Any],
    field: str,
    key: str,
    unstructure: Callable[[Any], Any],
    structure: Callable[[Any, Any], Any],
    check: Callable[[Any], None] = lambda _: None,
) -> None:
    """Hooks for ``cls`` whose private ``field`` is stored in one form and sent as ``key``;
    ``check`` runs on each instance read (and raises to refuse it)."""
    out: dict[str, Any] = {field: override(rename=key, unstruct_hook=unstructure)}
    into: dict[str, Any] = {field: override(rename=key, struct_hook=structure)}
    unstructure_cls = make_dict_unstructure_fn(cls, converter, **out)
    generated = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True, **into
    )
    expected = f"expected an object ({cls.__name__}), got "

    def structure_cls(value: Any, target: Any) -> Any:
        if type(value) is not dict:
            raise bad(expected + show(value))
        result = generated(value, target)
        check(result)
        return result

    converter.register_unstructure_hook(cls, unstructure_cls)
    converter.register_structure_hook(cls, structure_cls)


def event_hooks(converter: cattrs.Converter) -> None:
    # An event keeps its data as a flat tuple (see EventData), and a claim its
    # events in an EventLog; on the wire each is what it reads as.
    _stored_as(
        converter,
        Event,
        "_data",
        "data",
        lambda flat: dict(zip(flat[::2], flat[1::2], strict=True)),
        lambda value, _: converter.structure(value, dict[str, str]),
    )
    unstructure_event = converter.get_unstructure_hook(Event)
    _stored_as(
        converter,
        Claim,
        "_events",
        "events",
        lambda log: [unstructure_event(event) for event in log],
        lambda value, _: converter.structure(value, tuple[Event, ...]),
        check_claim,  # a claim from outside keeps the invariants of one the desk built
    )
