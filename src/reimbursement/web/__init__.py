"""The reference customer portal and staff workbench (the ``[web]`` extra): ``docs/portal.md``.

:func:`create_app` makes the ASGI application over a desk; the host's
authentication plugs in as its ``identify`` hook (:data:`Identify`), or
:class:`DemoIdentities` signs people in for a demo. The pieces it is made
of (the session cookie, CSRF, security headers, the upload limit) are in
:mod:`reimbursement.web.security` for a platform that mounts the pages in
its own application. The core never imports this package.
"""

from __future__ import annotations

from .._extras import missing

try:
    import starlette  # noqa: F401
except ModuleNotFoundError as error:
    raise missing(error, "web", "the web portal") from error

from ._app import create_app
from ._identity import DemoIdentities, DemoIdentity, Identify

__all__ = ["DemoIdentities", "DemoIdentity", "Identify", "create_app"]
