"""A griffe extension for the API reference: the ``__init__`` that attrs writes, as a signature.

griffe reads the source without running it, so an ``@attrs.frozen`` class has
no ``__init__`` to show. This extension writes the one attrs would generate,
from the fields in definition order (base classes' fields first), so the
reference shows ``ClaimPatch(add_lines=(), change_lines=(), ...)``. It knows
what this library uses: ``attrs.define``/``frozen``/``mutable`` with
``init`` and ``kw_only``, and ``attrs.field`` with ``default``, ``factory``,
``init``, ``kw_only``, ``converter`` (the parameter is shown without a type)
and ``alias`` (a private field's parameter drops the
leading underscore, as attrs does).
"""

from __future__ import annotations

from typing import Any

import griffe

_DECORATORS = {"attrs.define", "attrs.frozen", "attrs.mutable", "attr.s", "attr.attrs"}


def _keywords(expr: object) -> dict[str, Any]:
    if not isinstance(expr, griffe.ExprCall):
        return {}
    return {arg.name: arg.value for arg in expr.arguments if isinstance(arg, griffe.ExprKeyword)}


def _decorator(cls: griffe.Class) -> dict[str, Any] | None:
    """The attrs decorator's keywords, or ``None`` when ``cls`` is no attrs class."""
    for decorator in cls.decorators:
        value = decorator.value
        function = value.function if isinstance(value, griffe.ExprCall) else value
        if isinstance(function, griffe.Expr) and function.canonical_path in _DECORATORS:
            return _keywords(value)
    return None


def _fields(cls: griffe.Class, kw_only: bool) -> list[griffe.Parameter]:
    parameters = []
    for member in cls.members.values():
        if member.is_alias or not member.is_attribute:
            continue
        attribute: griffe.Attribute = member  # type: ignore[assignment]
        labels = attribute.labels
        if (
            attribute.annotation is None
            or "property" in labels
            or ("class-attribute" in labels and "instance-attribute" not in labels)
        ):
            continue  # not a field: a property, a plain or ClassVar class attribute
        value = attribute.value
        is_field = isinstance(value, griffe.ExprCall) and value.function.canonical_path in {
            "attrs.field",
            "attr.ib",
        }
        args = _keywords(value) if is_field else {}
        if str(args.get("init")) == "False":
            continue
        if "factory" in args:
            default: str | griffe.Expr | None = griffe.ExprCall(args["factory"], [])
        else:
            default = args.get("default") if is_field else value
        alias = args.get("alias")
        name = str(alias).strip("'\"") if alias is not None else attribute.name.lstrip("_")
        keyword = kw_only or str(args.get("kw_only")) == "True"
        parameters.append(
            griffe.Parameter(
                name,
                # a converter takes what it converts, not the field's type
                annotation=None if "converter" in args else attribute.annotation,
                kind=griffe.ParameterKind.keyword_only
                if keyword
                else griffe.ParameterKind.positional_or_keyword,
                default=default,
                docstring=attribute.docstring,
            )
        )
    return parameters


def _set_init(cls: griffe.Class) -> None:
    options = _decorator(cls)
    if options is None or "__init__" in cls.members or str(options.get("init")) == "False":
        return
    try:
        mro = cls.mro()
    except ValueError:
        mro = []
    fields: dict[str, griffe.Parameter] = {}
    for owner in [*reversed(mro), cls]:
        owner_options = _decorator(owner)
        if owner_options is not None:
            kw_only = str(owner_options.get("kw_only")) == "True"
            fields.update((p.name, p) for p in _fields(owner, kw_only))
    ordered = sorted(
        fields.values(), key=lambda p: p.kind is griffe.ParameterKind.keyword_only
    )  # stable: keyword-only last, as attrs orders them
    self_ = griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)
    init = griffe.Function(
        "__init__",
        lineno=0,
        endlineno=0,
        parent=cls,
        parameters=griffe.Parameters(self_, *ordered),
        returns="None",
    )
    cls.set_member("__init__", init)


def _walk(obj: griffe.Object) -> None:
    if obj.is_class:
        _set_init(obj)  # type: ignore[arg-type]
    for member in obj.members.values():
        if not member.is_alias and (member.is_class or member.is_module):
            _walk(member)  # type: ignore[arg-type]


class AttrsInit(griffe.Extension):
    """Adds the attrs-generated ``__init__`` to every attrs class of the package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _walk(pkg)
