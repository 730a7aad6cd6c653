"""Contract test suites for the ports, for adapter authors (needs the ``[testing]`` extra).

One suite per port; every built-in adapter passes them, and so must yours.
Subclass the suite of the port your adapter implements under a name pytest
collects (``Test…``), provide the adapter through the fixture the suite
names, implement the suite's hook methods if it has any, and run pytest::

    import pytest
    from reimbursement.testing import FxRatesContract

    class TestCsvRates(FxRatesContract):
        @pytest.fixture
        def fx_rates(self):
            return CsvRates()

        def seed_rate(self, fx_rates, base, quote, day, rate):
            fx_rates.load(f"{day},{base},{quote},{rate}")

==============================  =================  =====================================
suite                           fixture            hook methods to implement
==============================  =================  =====================================
``ClaimRepositoryContract``     ``unit_of_work``   (none); durable stores: fixture ``reopen``
``OutboxQueueContract``         ``unit_of_work``,  (none); durable stores: fixture
                                ``outbox_queue``   ``reopen_queue``
``NotifierContract``            ``notifier``       ``deliveries(notifier)``
``PaymentGatewayContract``      ``gateway``        ``payouts(gateway)``
``BankSettlementContract``      ``gateway``        ``payouts(gateway)``
``BankLedgerContract``          ``ledger``         (none)
``CustomerDirectoryContract``   ``directory``      ``seed_profile(directory, profile)``
``DocumentStoreContract``       ``documents``      (none)
``FxRatesContract``             ``fx_rates``       ``seed_rate(fx_rates, base, quote, day, rate)``
``ClockContract``               ``clock``          (none)
==============================  =================  =====================================

``unit_of_work`` is a zero-argument factory of new units of work, all on one
store that is fresh and empty for each test; ``outbox_queue`` is that
store's :class:`~reimbursement.ports.OutboxQueue`. A durable store overrides
``reopen`` (and ``reopen_queue``) to close and reopen itself, so the suites
check that what was committed survives a restart. The other fixtures give a
fresh adapter (or one on a fresh sandbox) for each test. The suites' names
do not start with ``Test``, so pytest collects them only through your
subclass. See ``docs/adapters.md`` for a worked example.

The claims the suites store are made by the builders exported here too, for
your own tests: :func:`draft` and :func:`in_review` start a claim;
:func:`submitted`, :func:`assigned`, :func:`returned`, :func:`resubmitted`,
:func:`approved`, :func:`rejected`, :func:`withdrawn` and :func:`paid` take
one a step on, through the real commands. Each step happens at its keyword
``at``, or a minute after the claim's last event; :data:`AT` is when a claim
starts unless told otherwise, and :func:`after` an instant after it::

    from reimbursement.testing import after, approved, assigned, draft, submitted

    claim = approved(assigned(submitted(draft("claim-1"))), at=after(hours=4))
"""

from .._extras import missing

try:
    import pytest  # noqa: F401 - the suites below are pytest classes
except ModuleNotFoundError as error:
    raise missing(error, "testing", "reimbursement.testing (its contract suites)") from error

from ._builders import (
    AT,
    after,
    approved,
    assigned,
    draft,
    edited,
    in_review,
    notification,
    paid,
    rejected,
    resubmitted,
    returned,
    rich_claim,
    submitted,
    withdrawn,
)
from .claims import ClaimRepositoryContract, UnitOfWorkFactory
from .clock import ClockContract
from .directory import CustomerDirectoryContract
from .documents import DocumentStoreContract
from .fx import FxRatesContract
from .notifier import NotifierContract
from .ocr import OcrEngineContract
from .outbox import OutboxQueueContract
from .payments import BankLedgerContract, BankSettlementContract, PaymentGatewayContract

__all__ = [
    "AT",
    "BankLedgerContract",
    "BankSettlementContract",
    "ClaimRepositoryContract",
    "ClockContract",
    "CustomerDirectoryContract",
    "DocumentStoreContract",
    "FxRatesContract",
    "NotifierContract",
    "OcrEngineContract",
    "OutboxQueueContract",
    "PaymentGatewayContract",
    "UnitOfWorkFactory",
    "after",
    "approved",
    "assigned",
    "draft",
    "edited",
    "in_review",
    "notification",
    "paid",
    "rejected",
    "resubmitted",
    "returned",
    "rich_claim",
    "submitted",
    "withdrawn",
]
