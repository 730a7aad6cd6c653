"""reimbursement: expense-reimbursement claims for insurers, as an embeddable SDK.

Submit once, follow every step, get paid within 24 hours of approval, and be
heard when something goes wrong. Start with :func:`in_memory_desk` (the
embedded default) or build a :class:`ReimbursementDesk` on your own adapters.

The top level holds what a first program needs: the desk and its
constructors, actors, claims, money, the input records and serialization.
Everything else lives in a namespace: :mod:`reimbursement.errors`,
:mod:`reimbursement.claims`, :mod:`reimbursement.routing`,
:mod:`reimbursement.sla`, :mod:`reimbursement.feedback`,
:mod:`reimbursement.service`, :mod:`reimbursement.ports`,
:mod:`reimbursement.testing`, :mod:`reimbursement.analytics` and the
adapters under :mod:`reimbursement.adapters`.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .bootstrap import DeskOptions, assemble, in_memory_desk, sql_desk
from .domain.actors import Actor, Role
from .domain.claim import Claim, LineDecision
from .domain.inputs import ClaimPatch, LineInput, LinePatch
from .domain.lifecycle import ClaimState
from .domain.money import Money
from .ports import CustomerProfile
from .serialization import from_data, from_json, to_data, to_json
from .service import DeskSettings, ReimbursementDesk

try:
    __version__ = _version("reimbursement")
    """The installed version of the library (``python -m reimbursement --version``)."""
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Actor",
    "Claim",
    "ClaimPatch",
    "ClaimState",
    "CustomerProfile",
    "DeskOptions",
    "DeskSettings",
    "LineDecision",
    "LineInput",
    "LinePatch",
    "Money",
    "ReimbursementDesk",
    "Role",
    "assemble",
    "from_data",
    "from_json",
    "in_memory_desk",
    "sql_desk",
    "to_data",
    "to_json",
]
