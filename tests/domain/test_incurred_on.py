"""An expense dated "today" where the customer is is never in the future.

The library does not know a customer's time zone; the future-date check uses
the latest date on Earth (UTC+14:00), so no customer's today is refused, and
a date after that is refused for everyone. The invariants read stored claims
by the same rule, so a claim the desk accepted always reads back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Claim, LineInput, Money
from reimbursement.claims import check_claim
from reimbursement.domain import commands as cmd
from reimbursement.domain.actors import Actor
from reimbursement.domain.checks import latest_today
from reimbursement.errors import ValidationError
from reimbursement.serialization import from_json, to_json
from reimbursement.testing import draft

CUSTOMER = Actor.customer("cust-1")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def same(money: Money, currency: str, day: date) -> tuple[Money, None]:
    return money, None


def _start(at: datetime, day: date) -> Claim:
    line = LineInput("pharmacy", day, "City Pharmacy", Money("10.00", "EUR"))
    return cmd.start_draft("C-1", draft("x").claimant, "EUR", CUSTOMER, at, [line], same)


def test_a_shanghai_customer_at_seven_in_the_morning_may_date_an_expense_today() -> None:
    local = datetime(2026, 3, 3, 7, 0, tzinfo=SHANGHAI)  # 2026-03-02 23:00 in UTC
    claim = _start(local.astimezone(UTC), local.date())
    assert claim.lines[0].incurred_on == date(2026, 3, 3)
    check_claim(claim)
    assert from_json(to_json(claim), Claim) == claim


def test_a_date_after_today_everywhere_is_refused() -> None:
    at = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 2026-03-03 13:00 in UTC+14
    with pytest.raises(ValidationError, match=r"lines\[0\].incurred_on: 2026-03-04 is in the"):
        _start(at, date(2026, 3, 4))


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(["Pacific/Kiritimati", "Asia/Shanghai", "Europe/Berlin", "Pacific/Pago_Pago"]),
)
def test_today_anywhere_is_accepted_and_the_claim_reads_back(at: datetime, zone: str) -> None:
    today = at.astimezone(ZoneInfo(zone)).date()
    claim = _start(at, today)
    check_claim(claim)
    assert latest_today(at) - today <= timedelta(days=2)
