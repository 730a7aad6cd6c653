"""Optional packages: import one, or say which extra installs it.

The core needs four packages; everything else comes with an extra
(``pip install "reimbursement[sql]"``). A module that needs an optional
package imports it as usual and turns the failure into a
:class:`~reimbursement.errors.MissingExtraError` with :func:`missing`::

    try:
        import sqlalchemy as sa
    except ModuleNotFoundError as error:
        raise missing(error, "sql", "the SQL adapter") from error

or, inside a function, with :func:`require`. Either way the message names
the package and the extra, the same wherever it is first needed.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtraError

__all__ = ["missing", "require"]


def missing(error: ModuleNotFoundError, extra: str, needed_for: str) -> MissingExtraError:
    """The error to raise for ``error``: the package it names is installed by ``extra``.

    ``needed_for`` says what needs it ("country holidays"). The package
    named is the one Python could not find: the optional package itself, or
    one of its own dependencies, which installing the extra brings too.
    """
    package = (error.name or "").split(".")[0] or "an optional package"
    return MissingExtraError(package, extra, needed_for)


def require(module: str, extra: str, needed_for: str) -> ModuleType:
    """``module`` imported, or :class:`MissingExtraError` (see :func:`missing`)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        raise missing(error, extra, needed_for) from error
