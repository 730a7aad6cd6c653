"""An SMS adapter written the way an integration team would, proven by the contract suites.

Run: ``python examples/custom_adapter.py``. The insurer's SMS provider has
an HTTP API: ``POST /v1/messages`` with a JSON body ``{"to", "text",
"client_ref"}`` and an API key, answering ``{"id": ...}``; it drops a
repeated ``client_ref``. ``ProviderSms`` is the
:class:`~reimbursement.notify.ports.SmsGateway` for it (httpx, the
``[notify]`` extra). The script starts a stand-in for the provider on
127.0.0.1, runs the library's contract suites against the adapter
(``SmsGatewayContract``, and ``ChannelContract`` for the SMS channel over
it) with pytest, then sends a claim's notifications through it.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from reimbursement import Actor, CustomerProfile, DeskSettings, LineInput, Money, in_memory_desk
from reimbursement.adapters.memory import InMemoryInbox, ManualClock
from reimbursement.adapters.notify.inbox import InboxChannel
from reimbursement.adapters.notify.sms import SmsChannel, check_sms
from reimbursement.errors import DeliveryError
from reimbursement.notify import (
    ChannelRouter,
    ContactPreferences,
    InMemoryPreferences,
    TemplateSet,
)
from reimbursement.notify.ports import SmsMessage
from reimbursement.testing.channels import ChannelContract, SmsGatewayContract

# -- the adapter -------------------------------------------------------------------------


class ProviderSms:
    """The SMS provider's HTTP API as an :class:`~reimbursement.notify.ports.SmsGateway`."""

    max_length = 160

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0) -> None:
        self._client = httpx.Client(
            base_url=base_url, headers={"authorization": f"Bearer {api_key}"}, timeout=timeout
        )

    def send_sms(self, message: SmsMessage) -> str:
        check_sms(message, self.max_length)  # a bad number never reaches the provider
        body = {"to": message.to, "text": message.text, "client_ref": message.key}
        try:
            response = self._client.post("/v1/messages", json=body)
        except httpx.HTTPError as error:
            raise DeliveryError(f"SMS provider unreachable: {error}") from error
        if response.status_code >= 300:
            raise DeliveryError(f"SMS provider refused: HTTP {response.status_code}")
        return str(response.json()["id"])

    def close(self) -> None:
        self._client.close()


# -- a stand-in for the provider, on loopback ---------------------------------------------


class FakeProvider:
    """What the provider does: one message per ``client_ref``, an id for each."""

    def __init__(self) -> None:
        self.messages: dict[str, dict[str, Any]] = {}
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if self.headers.get("authorization") != "Bearer test-key":
                    self.send_response(401)
                    self.end_headers()
                    return
                ref = body["client_ref"]
                provider.messages.setdefault(ref, {**body, "id": f"msg-{len(provider.messages)}"})
                answer = json.dumps({"id": provider.messages[ref]["id"]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def sent(self) -> list[SmsMessage]:
        return [SmsMessage(m["client_ref"], m["to"], m["text"]) for m in self.messages.values()]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- the contract tests, as they would sit in the team's test suite -----------------------


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    yield fake
    fake.stop()


class TestProviderSms(SmsGatewayContract):
    @pytest.fixture
    def sms_gateway(self, provider: FakeProvider) -> Iterator[ProviderSms]:
        gateway = ProviderSms(provider.url, "test-key")
        gateway.provider = provider  # type: ignore[attr-defined]
        yield gateway
        gateway.close()

    def sent(self, sms_gateway: ProviderSms) -> Sequence[SmsMessage]:  # type: ignore[override]
        return sms_gateway.provider.sent()  # type: ignore[attr-defined,no-any-return]


class TestSmsChannelOverProvider(ChannelContract):
    address = "+491701234567"

    @pytest.fixture
    def channel(self, provider: FakeProvider) -> Iterator[SmsChannel]:
        gateway = ProviderSms(provider.url, "test-key")
        channel = SmsChannel(gateway)
        channel.provider = provider  # type: ignore[attr-defined]
        yield channel
        gateway.close()

    def arrivals(self, channel: SmsChannel) -> Sequence[tuple[str, str]]:  # type: ignore[override]
        return [(m.key, m.text) for m in channel.provider.sent()]  # type: ignore[attr-defined]


# -- and the adapter at work ---------------------------------------------------------------


def demo() -> None:
    provider = FakeProvider()
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    gateway = ProviderSms(provider.url, "test-key")
    router = ChannelRouter(
        templates=TemplateSet(),
        preferences=InMemoryPreferences(
            [
                ContactPreferences(
                    "C-7",
                    channels=["sms", "inbox"],
                    time_zone="Europe/Berlin",
                    phone="+491701234567",
                )
            ]
        ),
        channels=[SmsChannel(gateway), InboxChannel(InMemoryInbox(), clock)],
        clock=clock,
    )
    desk = in_memory_desk(
        customers=[
            CustomerProfile(
                "C-7", "Zoë Martin", "POL-1", "EUR", payee_account="DE89 3704 0044 0532 0130 00"
            )
        ],
        clock=clock,
        notifier=router,
        reviewers=["rev-1"],
        settings=DeskSettings(require_receipts=False),
    )
    router.bind(desk)
    zoe = Actor.customer("C-7")
    line = LineInput("pharmacy", date(2026, 3, 1), "City Pharmacy", Money("42.50", "EUR"))
    claim = desk.submit(zoe, desk.start_draft(zoe, [line]).id)
    desk.approve(Actor.reviewer("rev-1"), claim.id)
    for message in provider.sent():
        print(f"SMS to {message.to}: {message.text}")
    gateway.close()
    provider.stop()


if __name__ == "__main__":
    status = pytest.main([__file__, "-q", "-p", "no:cacheprovider"])
    if status != 0:
        sys.exit(int(status))
    demo()
