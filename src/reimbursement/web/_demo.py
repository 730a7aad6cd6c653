"""The portal's demo: a desk with an in-app inbox, demo identities, and a few claims to look at.

``python -m reimbursement serve`` runs it on a SQLite file by default; the
claims are made once, when the database has none.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

import attrs

from ..adapters.memory import (
    InMemoryFxRates,
    InMemoryInbox,
    InMemoryPasskeys,
    InMemoryPaymentGateway,
)
from ..adapters.notify.inbox import InboxChannel
from ..adapters.system import SystemClock
from ..bootstrap import DeskOptions, assemble, in_memory_desk, sql_desk
from ..demo import CUSTOMERS
from ..documents import ContentChecks
from ..domain.actors import Actor
from ..domain.checklist import ANY_CATEGORY, DocumentRequirements, DocumentRule
from ..domain.inputs import LineInput
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..domain.sla import BusinessCalendar, SlaPolicy, weekly
from ..notify import ChannelRouter, ContactPreferences, InMemoryPreferences, TemplateSet
from ..notify.ports import InboxStore
from ..ports import Clock, CustomerProfile, PasskeyStore
from ..service.adapters import DeskSettings
from ..service.desk import ReimbursementDesk
from ._identity import DemoIdentities, DemoIdentity

if TYPE_CHECKING:
    from ..adapters.passkeys import Passkeys

__all__ = [
    "DEFAULT_DATABASE",
    "DemoPortal",
    "demo_identities",
    "demo_portal",
    "receipt_pdf",
    "seed",
]

DEFAULT_DATABASE = "sqlite:///reimbursement-portal.db"
"""Where ``python -m reimbursement serve`` keeps its claims unless told otherwise."""

DOCUMENTS = "reimbursement-portal-documents"
"""The documents' folder when the claims are on PostgreSQL (a SQLite file keeps them beside it)."""

LI_NA = CustomerProfile(
    "C-1004",
    "李娜",
    "CN-HEALTH-2088",
    "EUR",
    "lina@example.org",
    "zh-CN",
    "DE75 5121 0800 1245 1261 99",
    "DE-BE",
)
"""A customer who reads Chinese: her timeline and notices are in zh-CN."""

PROFILES = (*CUSTOMERS, LI_NA)
CLOSED_ACCOUNT = CUSTOMERS[1].payee_account
"""The demo bank refuses payments to this account (Lukas Berger's)."""
FINANCE = Actor.finance("F-fiona", "Fiona")


@cache
def receipt_pdf() -> bytes:
    """A one-page PDF, as a scanned receipt would be (the content checks read it)."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=298, height=420)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def demo_identities() -> DemoIdentities:
    """The people of the demo sign-in page: four customers, two reviewers, two finance staff."""
    people = [
        DemoIdentity(p.customer_id, p.name, Actor.customer(p.customer_id, p.name), p.language)
        for p in PROFILES
    ]
    people += [
        DemoIdentity("R-rita", "Rita (reviewer)", Actor.reviewer("R-rita", "Rita")),
        DemoIdentity("R-raj", "Raj (reviewer)", Actor.reviewer("R-raj", "Raj")),
        DemoIdentity("F-fiona", "Fiona (finance)", FINANCE),
        DemoIdentity("F-felix", "Felix (finance)", Actor.finance("F-felix", "Felix")),
    ]
    return DemoIdentities(people)


@attrs.frozen
class DemoPortal:
    """What the demo portal runs on: the desk, its customers' inbox, the sign-in identities."""

    desk: ReimbursementDesk
    inbox: InboxStore
    identities: DemoIdentities
    closers: tuple[Callable[[], None], ...] = ()
    passkeys: Passkeys | None = None
    unsigned: ReimbursementDesk | None = None
    """With passkeys, a desk on the same stores that takes claims unsigned: the one
    :func:`seed` makes the demo's claims with (claims from before passkeys, as it were)."""

    def close(self) -> None:
        """Release the desk's and the inbox's database connections."""
        self.desk.close()
        for close in self.closers:
            close()


def demo_portal(
    database: str | None, clock: Clock | None = None, *, site: tuple[str, str] | None = None
) -> DemoPortal:
    """The demo's desk on ``database`` (``None``: in memory), telling customers in their inbox.

    The schema is brought to this library's version first, as a deployment
    would. With ``site`` (an rp id and the pages' origin; the ``[passkey]``
    extra) customers sign each submission with a passkey kept beside the claims.
    """
    clock = clock if clock is not None else SystemClock()
    inbox: InboxStore
    closers: tuple[Callable[[], None], ...] = ()
    options: DeskOptions = {
        "reviewers": ["R-rita", "R-raj"],
        "settings": DeskSettings(
            finance_approval_threshold=Money("100.00", "EUR"),
            # every expense needs its receipt: the claim page's checklist lists each
            requirements=DocumentRequirements([DocumentRule(ANY_CATEGORY, ["receipt"])]),
            # documents read by content: photos get the reviewers' copy and thumbnail
            content_checks=ContentChecks(enabled=True),
        ),
        "sla": SlaPolicy.standard(BusinessCalendar("Europe/Berlin", weekly((time(9), time(17))))),
    }
    # Lukas's account is closed: his payments fail, and he gives another one on the claim page
    gateway = InMemoryPaymentGateway(failing_accounts={CLOSED_ACCOUNT: "AC04 account closed"})
    rates = InMemoryFxRates({("USD", "EUR", date(2026, 11, 13)): Decimal("0.9210")})
    if database is None:
        inbox = InMemoryInbox()
        counter = itertools.count(1)
        options["new_id"] = lambda: f"claim-{next(counter)}"
        router = _router(inbox, clock)
        desk = in_memory_desk(
            customers=PROFILES, clock=clock, notifier=router, payments=gateway, **options
        )
    else:
        from ..adapters import sql

        sql.upgrade(database)
        store = sql.create(database)
        inbox = sql.SqlInbox(store.engine)
        router = _router(inbox, clock)
        # a SQLite file keeps its documents beside it; another database in a folder here
        beside = database.startswith("sqlite:///") and ":memory:" not in database
        desk = sql_desk(
            database,
            documents=None if beside else DOCUMENTS,
            customers=PROFILES,
            clock=clock,
            notifier=router,
            fx_rates=rates,
            payments=gateway,
            **options,
        )
        closers = (store.close,)
    passkeys, unsigned = None, None
    if site is not None:
        kept = InMemoryPasskeys() if database is None else sql.SqlPasskeys(store.engine)
        unsigned, (desk, passkeys) = desk, _signing(desk, kept, site, options)
    router.bind(desk)
    return DemoPortal(desk, inbox, demo_identities(), closers, passkeys, unsigned)


def _signing(
    desk: ReimbursementDesk, kept: PasskeyStore, site: tuple[str, str], options: DeskOptions
) -> tuple[ReimbursementDesk, Passkeys]:
    """A desk on ``desk``'s stores that verifies each submission's passkey, and the passkeys."""
    from ..adapters.passkeys import Passkeys

    passkeys = Passkeys(kept, site[0], [site[1]])
    return assemble(attrs.evolve(desk.adapters, verifier=passkeys), **options), passkeys


@cache
def _templates() -> TemplateSet:
    """The built-in notification templates, checked once per process (it takes a second)."""
    return TemplateSet()


def _router(inbox: InboxStore, clock: Clock) -> ChannelRouter:
    preferences = InMemoryPreferences(
        ContactPreferences(p.customer_id, ["inbox"], p.language, "Europe/Berlin") for p in PROFILES
    )
    return ChannelRouter(
        templates=_templates(),
        preferences=preferences,
        channels=[InboxChannel(inbox, clock)],
        clock=clock,
    )


def _documented(desk: ReimbursementDesk, who: Actor, claim_id: str) -> None:
    claim = desk.track(who, claim_id)
    for line in claim.lines:
        if not line.attachment_ids:
            desk.attach(who, claim_id, f"receipt-{line.id}.pdf", receipt_pdf(), line_id=line.id)


def _submitted(desk: ReimbursementDesk, who: Actor, lines: list[LineInput]) -> str:
    draft = desk.start_draft(who, lines)
    _documented(desk, who, draft.id)
    return desk.submit(who, draft.id).id


def seed(desk: ReimbursementDesk) -> int:
    """Make the demo's claims unless the store has some; returns how many it made."""
    if desk.claims_in(FINANCE, list(ClaimState), limit=1).items:
        return 0
    mei, lukas, amara, li = (Actor.customer(p.customer_id, p.name) for p in PROFILES)
    day = date(2026, 11, 20)
    paid = _submitted(
        desk, mei, [LineInput("pharmacy", day, "Stadt-Apotheke", Money("38.90", "EUR"))]
    )
    _submitted(desk, lukas, [LineInput("transport", day, "Yellow Cab", Money("46.00", "EUR"))])
    returned = _submitted(
        desk, amara, [LineInput("dental", day, "Zahnarzt Dr. Roth", Money("640.00", "EUR"))]
    )
    _submitted(desk, li, [LineInput("pharmacy", day, "城市药房", Money("52.30", "EUR"))])
    desk.start_draft(
        mei, [LineInput("physiotherapy", day, "Physio am Park", Money("85.00", "EUR"))]
    )
    for claim_id in (paid, returned):
        holder = desk.get(FINANCE, claim_id).assignee or ""
        reviewer = Actor.reviewer(holder)
        if claim_id == paid:
            desk.approve(reviewer, claim_id)
            desk.pay(FINANCE, claim_id)
        else:
            desk.return_for_correction(
                reviewer, claim_id, ["missing_document"], "Please add the dentist's invoice."
            )
    return 5
