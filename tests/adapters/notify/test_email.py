"""The SMTP channel against a real SMTP server on loopback (aiosmtpd): parts, headers, UTF-8."""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from peers import Mailbox, free_port, self_signed, smtp_server
from reimbursement.adapters.memory import ManualClock
from reimbursement.adapters.notify.email import Security, SmtpEmailChannel, message_id
from reimbursement.errors import DeliveryError, ValidationError
from reimbursement.notify import Channel
from reimbursement.testing.channels import ChannelContract, outgoing

CLOCK = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def _channel(port: int, **options: object) -> SmtpEmailChannel:
    security = options.pop("security", Security.NONE)
    return SmtpEmailChannel(
        "127.0.0.1",
        port,
        sender="Claims <claims@insurer.example>",
        clock=CLOCK,
        security=security,  # type: ignore[arg-type]
        timeout=5,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


class TestSmtpChannelContract(ChannelContract):
    address = "ana@example.org"

    @pytest.fixture
    def channel(self) -> Iterator[SmtpEmailChannel]:
        with smtp_server() as (mailbox, port):
            channel = _channel(port)
            channel.mailbox = mailbox  # type: ignore[attr-defined]
            yield channel

    def arrivals(self, channel: SmtpEmailChannel) -> Sequence[tuple[str, str]]:  # type: ignore[override]
        mailbox: Mailbox = channel.mailbox  # type: ignore[attr-defined]
        ids = {message_id(k, channel.domain): k for k in _KEYS}
        return [(ids[m["Message-ID"]], str(m["Subject"])) for m in mailbox.messages]


_KEYS = ("claim-1#2", "claim-1#5", "claim-2#2", "claim-1#7")


def _zh_message() -> tuple[str, str, str]:
    subject = "您的申请 CLM-2026-000001 已批准"
    text = "尊敬的李娜：\n\n您申请的 ¥1,234.50 中已批准 ¥1,000.00。\n"
    html = "<p>尊敬的李娜：</p><p>您申请的 ¥1,234.50 中已批准 ¥1,000.00。</p>"
    return subject, text, html


def test_a_chinese_message_arrives_with_both_parts_and_its_headers() -> None:
    subject, text, html = _zh_message()
    message = outgoing(
        "claim-9#4",
        Channel.EMAIL,
        "li.na@example.cn",
        subject=subject,
        text=text,
        html=html,
        locale="zh-CN",
        requested_locale="zh-CN",
    )
    with smtp_server() as (mailbox, port):
        _channel(port).deliver(message)
    [mail] = mailbox.messages
    assert mailbox.recipients == [["li.na@example.cn"]]
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == subject
    assert "=?utf-8?" in mail.as_string().split("Subject:", 1)[1].split("\n", 1)[0]
    assert mail["To"] == "li.na@example.cn"
    assert mail["From"] == "Claims <claims@insurer.example>"
    assert mail["Content-Language"] == "zh-CN"
    assert mail["Message-ID"] == message_id("claim-9#4", "insurer.example")
    assert mail["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"
    plain = mail.get_body(("plain",))
    rich = mail.get_body(("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(rich, EmailMessage)
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n") == text  # CRLF on the wire
    assert rich.get_content().strip() == html  # not escaped again


def test_a_retry_carries_the_same_message_id_and_another_key_another() -> None:
    with smtp_server() as (mailbox, port):
        channel = _channel(port)
        for key in ("claim-1#2", "claim-1#2", "claim-1#3"):
            channel.deliver(outgoing(key, Channel.EMAIL, "ana@example.org"))
    ids = [m["Message-ID"] for m in mailbox.messages]
    assert ids[0] == ids[1] != ids[2]
    assert all(i.startswith("<") and i.endswith("@insurer.example>") for i in ids)


def test_an_urgent_message_is_marked_important() -> None:
    with smtp_server() as (mailbox, port):
        _channel(port).deliver(outgoing("k", Channel.EMAIL, "ana@example.org", urgent=True))
    assert mailbox.messages[0]["Importance"] == "high"


def test_starttls_upgrades_the_connection(certificate: tuple[Path, Path]) -> None:
    client = ssl.create_default_context(cafile=str(certificate[0]))
    with smtp_server(starttls=_server_context(certificate)) as (mailbox, port):
        channel = _channel(port, security=Security.STARTTLS, ssl_context=client)
        channel.deliver(outgoing("claim-1#2", Channel.EMAIL, "ana@example.org"))
        with pytest.raises(DeliveryError, match=r"STARTTLS|530"):
            _channel(port).deliver(outgoing("claim-1#3", Channel.EMAIL, "ana@example.org"))
    assert len(mailbox.messages) == 1


def test_implicit_tls_connects_over_tls(certificate: tuple[Path, Path]) -> None:
    client = ssl.create_default_context(cafile=str(certificate[0]))
    with smtp_server(tls=_server_context(certificate)) as (mailbox, port):
        channel = _channel(port, security=Security.TLS, ssl_context=client)
        channel.deliver(outgoing("claim-1#2", Channel.EMAIL, "ana@example.org"))
    assert len(mailbox.messages) == 1


def test_a_certificate_the_client_does_not_trust_is_a_delivery_error(
    certificate: tuple[Path, Path],
) -> None:
    with smtp_server(tls=_server_context(certificate)) as (mailbox, port):
        channel = _channel(port, security=Security.TLS)  # the system's CAs only
        with pytest.raises(DeliveryError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
            channel.deliver(outgoing("claim-1#2", Channel.EMAIL, "ana@example.org"))
    assert mailbox.messages == []


def test_a_server_that_is_not_there_is_a_delivery_error_the_outbox_retries() -> None:
    with pytest.raises(DeliveryError, match=r"127.0.0.1"):
        _channel(free_port()).deliver(outgoing("k", Channel.EMAIL, "ana@example.org"))


def test_an_address_with_a_newline_is_refused_before_connecting() -> None:
    message = outgoing("k", Channel.EMAIL, "ana@example.org\r\nBcc: all@example.org")
    with pytest.raises(ValidationError, match=r"email.address"):
        _channel(free_port()).deliver(message)


def test_a_sender_that_is_no_address_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"email.sender"):
        SmtpEmailChannel("127.0.0.1", sender="claims", clock=CLOCK)
