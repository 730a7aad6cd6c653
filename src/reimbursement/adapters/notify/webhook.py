"""Webhooks that follow the Standard Webhooks specification (the ``[notify]`` extra).

Each notification is one ``POST`` of a JSON body ``{"type", "timestamp",
"data"}`` with the headers ``webhook-id`` (the outbox dedupe key: the same
on every retry, so the receiver can drop a copy), ``webhook-timestamp``
(Unix seconds at sending) and ``webhook-signature`` (``v1,`` and the
base64 HMAC-SHA256 of ``id.timestamp.body``, made by the ``standardwebhooks``
package, the specification's own). A receiver verifies it with
``standardwebhooks.Webhook(secret).verify(body, headers)``.

Delivery: each request has a timeout; a network error, a timeout, ``408``,
``429`` or a ``5xx`` answer is retried in place with exponential backoff and
full jitter, a few times; ``Retry-After`` is honoured (a wait longer than
``max_wait`` hands the message back to the outbox until then). ``410 Gone``
disables the endpoint: nothing more is sent to it (remembered by a
``GoneEndpoints`` adapter: in memory, or ``sql.SqlGoneEndpoints``). Other ``4xx`` answers
and exhausted retries raise :class:`~reimbursement.errors.DeliveryError`,
and the outbox retries later.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import attrs

from ..._extras import missing
from ...errors import DeliveryDeferred, DeliveryError, ValidationError
from ...notify.ports import GoneEndpoints, OutgoingMessage
from ...notify.preferences import Channel
from ...ports import Clock
from ..memory._inbox import InMemoryGoneEndpoints

try:
    import httpx
    from standardwebhooks import Webhook
except ModuleNotFoundError as error:  # pragma: no cover - the extra is in dev
    raise missing(error, "notify", "the webhook channel") from error

__all__ = ["MIN_SECRET_BYTES", "WebhookChannel", "WebhookEndpoint", "payload"]

MIN_SECRET_BYTES = 24
"""The shortest signing secret taken (the specification asks for 24 to 64 bytes)."""

_RETRIED = frozenset({408, 425, 429, 500, 502, 503, 504})


def _secret_bytes(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    text = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError.at(
            "webhook.secret", "must be base64 (optionally after 'whsec_') or bytes"
        ) from None


def _check_secret(_: object, attribute: attrs.Attribute[str | bytes], value: object) -> None:
    if not isinstance(value, str | bytes):
        raise ValidationError.at("webhook.secret", "must be a str or bytes")
    length = len(_secret_bytes(value))
    if length < MIN_SECRET_BYTES:
        raise ValidationError.at(
            "webhook.secret",
            f"is {length} bytes; a signing secret needs at least {MIN_SECRET_BYTES} random bytes "
            "(make one with secrets.token_bytes(32))",
        )


def _check_url(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValidationError.at("webhook.url", "must be an http:// or https:// URL")


@attrs.frozen(repr=False)
class WebhookEndpoint:
    """Where webhooks for customers who chose ``name`` go, and the secret that signs them.

    Raises :class:`~reimbursement.errors.ValidationError` for a secret of
    fewer than :data:`MIN_SECRET_BYTES` bytes or a URL that is not HTTP(S).
    """

    name: str
    url: str = attrs.field(validator=_check_url)
    secret: str | bytes = attrs.field(validator=_check_secret)

    def __repr__(self) -> str:  # never the secret
        return f"WebhookEndpoint(name={self.name!r}, url={self.url!r})"

    def signer(self) -> Webhook:
        """The specification's signer for this endpoint's secret."""
        return Webhook(_secret_bytes(self.secret))


def payload(message: OutgoingMessage, at: datetime) -> str:
    """The JSON body for ``message`` sent at ``at`` (UTF-8, compact, keys sorted)."""
    body = {
        "type": f"claim.{message.event.value}",
        "timestamp": at.astimezone(UTC).isoformat(),
        "data": {
            "key": message.key,
            "customer_id": message.customer_id,
            "claim_id": message.claim_id,
            "claim_number": message.claim_number,
            "locale": message.locale,
            "requested_locale": message.requested_locale,
            "urgent": message.urgent,
            "subject": message.subject,
            "text": message.text,
            "short": message.short,
        },
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), if any."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


class WebhookChannel:
    """Posts signed webhooks to the endpoint each customer's preferences name.

    ``timeout`` (seconds) bounds each request; ``attempts`` requests at most
    per delivery, waiting ``backoff * 2**n`` seconds times a random factor
    in [0, 1) (full jitter), at most ``max_wait``. ``sleep`` and ``jitter``
    are injectable for tests. ``gone`` remembers the endpoints that answered
    ``410 Gone`` (:class:`~reimbursement.notify.ports.GoneEndpoints`; by
    default the desk's once a router bound to it sends through this channel:
    on a ``sql_desk`` that is ``sql.SqlGoneEndpoints``, so that every process,
    and the next start, agrees; else in this process only); :attr:`disabled`
    lists them and ``on_gone`` is told too.
    """

    channel = Channel.WEBHOOK

    def __init__(
        self,
        endpoints: Iterable[WebhookEndpoint],
        *,
        clock: Clock,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        on_gone: Callable[[WebhookEndpoint], None] | None = None,
        gone: GoneEndpoints | None = None,
    ) -> None:
        if attempts < 1:
            raise ValidationError.at("webhook.attempts", "must be 1 or more")
        self.endpoints = {e.name: e for e in endpoints}
        self.clock, self.timeout, self.attempts = clock, timeout, attempts
        self.backoff, self.max_wait = backoff, max_wait
        self._client = client if client is not None else httpx.Client(timeout=timeout)
        self._sleep, self._jitter, self._on_gone = sleep, jitter, on_gone
        self.gone: GoneEndpoints = gone if gone is not None else InMemoryGoneEndpoints()
        self._gone_given = gone is not None

    def offer_gone(self, gone: GoneEndpoints) -> None:
        """Keep the ``410 Gone`` answers in ``gone`` unless this channel was given its own
        (:meth:`~reimbursement.notify.ChannelRouter.bind` offers the desk's)."""
        if not self._gone_given:
            self.gone = gone

    @property
    def disabled(self) -> set[str]:
        """The names of this channel's endpoints that answered ``410 Gone``."""
        return {name for name in self.endpoints if self.gone.is_gone(name)}

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()

    def deliver(self, message: OutgoingMessage) -> None:
        endpoint = self.endpoints.get(message.address)
        if endpoint is None:
            raise DeliveryError(f"no webhook endpoint named {message.address[:80]!r}")
        if self.gone.is_gone(endpoint.name):
            return  # the receiver said 410 Gone: it wants nothing more
        signer, problem = endpoint.signer(), ""
        for attempt in range(self.attempts):
            outcome = self._post(endpoint, signer, message)
            if outcome is None:
                return
            problem, asked = outcome
            if asked is not None and asked > self.max_wait:
                until = self.clock.now() + timedelta(seconds=asked)
                raise DeliveryDeferred(f"{endpoint.url} asks to wait {asked:.0f}s", until)
            if attempt + 1 < self.attempts:
                wait = asked if asked is not None else self.backoff * 2**attempt * self._jitter()
                self._sleep(min(wait, self.max_wait))
        raise DeliveryError(
            f"webhook {message.key!r} to {endpoint.url} not delivered after "
            f"{self.attempts} attempt(s): {problem}"
        )

    def _post(
        self, endpoint: WebhookEndpoint, signer: Webhook, message: OutgoingMessage
    ) -> tuple[str, float | None] | None:
        """One request: None when delivered (or gone), else what went wrong and Retry-After."""
        sent_at = self.clock.now().astimezone(UTC)
        body = payload(message, sent_at)
        headers = {
            "content-type": "application/json; charset=utf-8",
            "webhook-id": message.key,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signer.sign(message.key, sent_at, body),
        }
        try:
            response = self._client.post(
                endpoint.url, content=body.encode(), headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as error:  # refused, reset, timed out: retried
            return f"{type(error).__name__}: {error}", None
        status = response.status_code
        if 200 <= status < 300:
            return None
        if status == 410:
            self.gone.mark_gone(endpoint.name, sent_at)
            if self._on_gone is not None:
                self._on_gone(endpoint)
            return None
        if status not in _RETRIED:
            raise DeliveryError(f"{endpoint.url} refused webhook {message.key!r}: HTTP {status}")
        return f"HTTP {status}", _retry_after(response.headers.get("retry-after"), sent_at)
