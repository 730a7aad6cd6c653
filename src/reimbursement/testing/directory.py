"""The contract of :class:`~reimbursement.ports.CustomerDirectory`."""

from __future__ import annotations

import pytest

from ..errors import CustomerNotFoundError
from ..ports import CustomerDirectory, CustomerProfile

__all__ = ["CustomerDirectoryContract"]

_FULL = CustomerProfile(
    "cust-1",
    "Zoë Martin-Östlund",
    "POL-2026-0001",
    "EUR",
    "zoe@example.org",
    "fr",
    "FR76 3000 6000 0112 3456 7890 189",
    "FR-IDF",
)
_PLAIN = CustomerProfile("cust-2", "Ben Okafor", "POL-2026-0002", "GBP")


class CustomerDirectoryContract:
    """What every :class:`~reimbursement.ports.CustomerDirectory` must do.

    Subclass it, provide a fixture ``directory`` (fresh for each test) and
    implement :meth:`seed_profile` to put a profile where the directory reads
    it (your test database, the sandbox of the insurer's customer system).
    """

    def seed_profile(self, directory: CustomerDirectory, profile: CustomerProfile) -> None:
        """Make ``directory`` know ``profile``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement seed_profile(directory, profile)"
        )

    def test_a_known_customer_reads_back_equal(self, directory: CustomerDirectory) -> None:
        self.seed_profile(directory, _FULL)
        self.seed_profile(directory, _PLAIN)
        assert directory.profile("cust-1") == _FULL
        assert directory.profile("cust-2") == _PLAIN

    def test_an_unknown_customer_raises_customer_not_found(
        self, directory: CustomerDirectory
    ) -> None:
        self.seed_profile(directory, _FULL)
        with pytest.raises(CustomerNotFoundError):
            directory.profile("cust-404")
