"""The webhook channel against a real HTTP receiver on loopback, checked by the spec's verifier."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator, Sequence

import pytest
from standardwebhooks import Webhook

from peers import Answer, Received, free_port, http_receiver
from reimbursement.adapters.memory import InMemoryGoneEndpoints
from reimbursement.adapters.notify.webhook import WebhookChannel, WebhookEndpoint
from reimbursement.adapters.system import SystemClock
from reimbursement.errors import DeliveryDeferred, DeliveryError, ValidationError
from reimbursement.notify import Channel
from reimbursement.testing.channels import ChannelContract, GoneEndpointsContract, outgoing

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
OK: Answer = lambda n: (204, {}, 0)  # noqa: E731


def _channel(url: str, **options: object) -> tuple[WebhookChannel, list[float]]:
    waits: list[float] = []
    options.setdefault("timeout", 2.0)
    channel = WebhookChannel(
        [WebhookEndpoint("broker", url, SECRET)],
        clock=SystemClock(),  # the verifier checks the timestamp against the real time
        sleep=waits.append,
        jitter=lambda: 1.0,
        **options,  # type: ignore[arg-type]
    )
    return channel, waits


def _verified(received: Received) -> dict[str, object]:
    """The payload, after the specification's verifier accepted the request."""
    payload = Webhook(SECRET).verify(received.body, received.headers)
    assert isinstance(payload, dict)
    return payload


class TestWebhookChannelContract(ChannelContract):
    address = "broker"

    @pytest.fixture
    def channel(self) -> Iterator[WebhookChannel]:
        with http_receiver(OK) as (url, received):
            channel, _ = _channel(url)
            channel.received = received  # type: ignore[attr-defined]
            yield channel
            channel.close()

    def arrivals(self, channel: WebhookChannel) -> Sequence[tuple[str, str]]:  # type: ignore[override]
        out = []
        for request in channel.received:  # type: ignore[attr-defined]
            data = _verified(request)["data"]
            assert isinstance(data, dict)
            out.append((request.headers["webhook-id"], data["subject"]))
        return out


def test_each_webhook_is_signed_per_the_specification_and_says_what_happened() -> None:
    message = outgoing("claim-1#2", Channel.WEBHOOK, "broker", locale="en", requested_locale="de")
    with http_receiver(OK) as (url, received):
        channel, _ = _channel(url)
        channel.deliver(message)
    [request] = received
    assert request.headers["webhook-id"] == "claim-1#2"
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"].startswith("application/json")
    payload = _verified(request)
    assert payload["type"] == "claim.submitted"
    data = payload["data"]
    assert isinstance(data, dict)
    assert (data["claim_number"], data["locale"], data["requested_locale"]) == (
        "CLM-2026-000001",
        "en",
        "de",
    )


def test_a_tampered_body_fails_the_verifier() -> None:
    with http_receiver(OK) as (url, received):
        _channel(url)[0].deliver(outgoing("claim-1#2", Channel.WEBHOOK, "broker"))
    body = json.loads(received[0].body)
    body["data"]["subject"] = "changed"
    with pytest.raises(Exception, match="signature"):
        Webhook(SECRET).verify(json.dumps(body), received[0].headers)


def test_a_500_answering_receiver_is_retried_with_the_same_id_until_it_takes_it() -> None:
    answers: Answer = lambda n: (500, {}, 0) if n < 2 else (200, {}, 0)  # noqa: E731
    with http_receiver(answers) as (url, received):
        channel, waits = _channel(url, attempts=3, backoff=0.5)
        channel.deliver(outgoing("claim-1#2", Channel.WEBHOOK, "broker"))
    assert [r.headers["webhook-id"] for r in received] == ["claim-1#2"] * 3
    for request in received:
        _verified(request)  # each attempt signed anew
    assert waits == [0.5, 1.0]  # exponential backoff (jitter pinned at 1)


def test_backoff_has_full_jitter() -> None:
    with http_receiver(lambda n: (503, {}, 0)) as (url, _):
        channel = WebhookChannel(
            [WebhookEndpoint("broker", url, SECRET)],
            clock=SystemClock(),
            attempts=3,
            backoff=1.0,
            sleep=(waits := []).append,
            jitter=iter([0.25, 0.5]).__next__,
        )
        with pytest.raises(DeliveryError, match="HTTP 503"):
            channel.deliver(outgoing("k", Channel.WEBHOOK, "broker"))
    assert waits == [0.25, 1.0]


def test_a_receiver_that_keeps_failing_raises_so_the_outbox_retries_later() -> None:
    with http_receiver(lambda n: (500, {}, 0)) as (url, received):
        channel, _ = _channel(url, attempts=2)
        with pytest.raises(DeliveryError, match="after 2 attempt"):
            channel.deliver(outgoing("claim-1#2", Channel.WEBHOOK, "broker"))
    assert len(received) == 2


def test_a_slow_receiver_times_out_and_is_retried() -> None:
    slow_first: Answer = lambda n: (200, {}, 1.5) if n == 0 else (200, {}, 0)  # noqa: E731
    with http_receiver(slow_first) as (url, received):
        channel, _ = _channel(url, timeout=0.3, attempts=2)
        channel.deliver(outgoing("claim-1#2", Channel.WEBHOOK, "broker"))
    assert [r.headers["webhook-id"] for r in received] == ["claim-1#2", "claim-1#2"]


def test_a_receiver_that_is_not_there_is_a_delivery_error() -> None:
    channel, _ = _channel(f"http://127.0.0.1:{free_port()}/hooks", attempts=2)
    with pytest.raises(DeliveryError, match="ConnectError"):
        channel.deliver(outgoing("k", Channel.WEBHOOK, "broker"))


def test_retry_after_is_honoured() -> None:
    answers: Answer = lambda n: (429, {"Retry-After": "3"}, 0) if n == 0 else (200, {}, 0)  # noqa: E731
    with http_receiver(answers) as (url, received):
        channel, waits = _channel(url)
        channel.deliver(outgoing("k", Channel.WEBHOOK, "broker"))
    assert waits == [3.0]
    assert len(received) == 2


def test_a_long_retry_after_hands_the_message_back_to_the_outbox_until_then() -> None:
    with http_receiver(lambda n: (503, {"Retry-After": "3600"}, 0)) as (url, received):
        channel, waits = _channel(url, max_wait=30)
        clock = SystemClock()
        before = clock.now()
        with pytest.raises(DeliveryDeferred) as deferred:
            channel.deliver(outgoing("k", Channel.WEBHOOK, "broker"))
    assert waits == []
    assert len(received) == 1
    assert 3590 <= (deferred.value.until - before).total_seconds() <= 3700


def test_410_gone_disables_the_endpoint() -> None:
    gone: list[str] = []
    with http_receiver(lambda n: (410, {}, 0)) as (url, received):
        channel, _ = _channel(url, on_gone=lambda e: gone.append(e.name))
        channel.deliver(outgoing("claim-1#2", Channel.WEBHOOK, "broker"))
        channel.deliver(outgoing("claim-1#3", Channel.WEBHOOK, "broker"))
    assert len(received) == 1
    assert channel.disabled == {"broker"}
    assert gone == ["broker"]


def test_a_gone_endpoint_is_remembered_by_the_store_the_channels_share() -> None:
    gone = InMemoryGoneEndpoints()
    with http_receiver(lambda n: (410, {}, 0)) as (url, received):
        first, _ = _channel(url, gone=gone)
        first.deliver(outgoing("claim-1#2", Channel.WEBHOOK, "broker"))
        second, _ = _channel(url, gone=gone)  # another process, or after a restart
        second.deliver(outgoing("claim-1#3", Channel.WEBHOOK, "broker"))
        assert second.disabled == {"broker"}
        gone.revive("broker")
        second.deliver(outgoing("claim-1#4", Channel.WEBHOOK, "broker"))
    assert [r.headers["webhook-id"] for r in received] == ["claim-1#2", "claim-1#4"]


class TestInMemoryGoneEndpoints(GoneEndpointsContract):
    @pytest.fixture
    def gone(self) -> InMemoryGoneEndpoints:
        return InMemoryGoneEndpoints()


def test_a_4xx_refusal_is_not_retried_in_place() -> None:
    with http_receiver(lambda n: (400, {}, 0)) as (url, received):
        channel, waits = _channel(url)
        with pytest.raises(DeliveryError, match="HTTP 400"):
            channel.deliver(outgoing("k", Channel.WEBHOOK, "broker"))
    assert (len(received), waits) == (1, [])


def test_an_unknown_endpoint_name_is_a_delivery_error() -> None:
    channel, _ = _channel("http://127.0.0.1:1/hooks")
    with pytest.raises(DeliveryError, match="no webhook endpoint named 'nobody'"):
        channel.deliver(outgoing("k", Channel.WEBHOOK, "nobody"))


@pytest.mark.parametrize(
    "secret",
    [
        "whsec_" + base64.b64encode(b"x" * 23).decode(),
        b"short",
        "whsec_not base64!",
        "",
    ],
)
def test_a_secret_that_is_too_short_or_not_base64_is_refused(secret: str | bytes) -> None:
    with pytest.raises(ValidationError, match=r"webhook.secret"):
        WebhookEndpoint("broker", "https://broker.example/hooks", secret)


def test_a_secret_of_24_bytes_is_taken_and_never_shown() -> None:
    secret = secrets.token_bytes(24)
    endpoint = WebhookEndpoint("broker", "https://broker.example/hooks", secret)
    assert secret.hex() not in repr(endpoint)
    assert "secret" not in repr(endpoint)


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"webhook.url"):
        WebhookEndpoint("broker", "file:///etc/passwd", SECRET)
