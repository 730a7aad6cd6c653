"""A griffe extension for the API reference: the docstrings' reStructuredText, read as Markdown.

The library's docstrings use Sphinx roles (``:class:`~reimbursement.errors.ValidationError```),
``::`` before a literal block and, once, a simple table. mkdocstrings reads
docstrings as Markdown, where these show as stray colons and backticks. This
extension rewrites each docstring when the package is loaded:

- a role becomes an *optional* cross-reference: a link where the target is on
  a reference page, plain code where it is not (a private helper, a name the
  reference does not show), so a role never breaks ``mkdocs build --strict``;
  ``~`` keeps the last name only, as in Sphinx; short names are resolved in
  the scope of the object the docstring belongs to;
- ``text::`` before an indented block becomes ``text:`` (the indented block is
  already code in Markdown);
- a simple table (``====  ====`` rules) is shown as preformatted text.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|mod|data|attr|exc|obj):`(?P<target>[^`]+)`")
_LITERAL = re.compile(r"::$", re.MULTILINE)
_RULE = re.compile(r"^ *=+(?: +=+)+ *$")


def _lookup(scope: griffe.Object, name: str) -> griffe.Object | griffe.Alias | None:
    """The object ``name`` (dotted or not) designates in ``scope``, like Python would find it."""
    head, _, rest = name.partition(".")
    current: griffe.Object | None = scope
    found: griffe.Object | griffe.Alias | None = None
    while current is not None:  # the object, then its parents
        members = current.all_members if current.is_class else current.members
        if head in members:
            found = members[head]
            break
        current = current.parent
    if found is None:
        return None
    try:
        for part in rest.split(".") if rest else ():
            found = found.all_members[part] if found.is_class else found.members[part]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    return found


def _identifier(scope: griffe.Object, target: str) -> str:
    collection = scope.modules_collection
    if target.startswith("."):  # relative to the module, as Sphinx reads it
        module = scope.module
        for base in (module, module.parent):
            if base is not None and (base.path + target) in collection:
                return _canonical(collection[base.path + target], base.path + target)
        return target.lstrip(".")
    if target.startswith("reimbursement"):
        if target in collection:
            return _canonical(collection[target], target)
        return target
    found = _lookup(scope, target)
    return _canonical(found, target) if found is not None else target


def _canonical(found: griffe.Object | griffe.Alias, fallback: str) -> str:
    try:
        return found.canonical_path
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return fallback


def _rewrite(obj: griffe.Object, text: str) -> str:
    def role(match: re.Match[str]) -> str:
        target = match["target"].strip()
        short = target.startswith("~")
        target = target.lstrip("~")
        title = target.rsplit(".", 1)[-1] if short else target.lstrip(".")
        identifier = _identifier(obj, target)
        return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'

    text = _ROLE.sub(role, text)
    text = _LITERAL.sub(":", text)
    return _tables(text)


def _tables(text: str) -> str:
    """Fence each simple table: from its first rule to its third."""
    lines = text.split("\n")
    out: list[str] = []
    rules = 0
    for line in lines:
        if _RULE.match(line):
            if rules == 0:
                out.append("```text")
            rules += 1
            out.append(line)
            if rules == 3:
                out.append("```")
                rules = 0
            continue
        out.append(line)
    return "\n".join(out)


def _walk(obj: griffe.Object) -> None:
    if obj.docstring is not None:
        obj.docstring.value = _rewrite(obj, obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _walk(member)  # type: ignore[arg-type]


class SphinxRoles(griffe.Extension):
    """Rewrites the package's docstrings once it is loaded (see the module docstring)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _walk(pkg)
