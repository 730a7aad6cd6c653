"""E-mail over SMTP (standard library ``smtplib``): one multipart message per notification.

Each message has a plain-text and an HTML part (``multipart/alternative``),
UTF-8 throughout (a Chinese subject is RFC 2047-encoded, the parts are
base64 or quoted-printable as the policy picks), ``Content-Language`` set to
the locale the words are in, and a ``Message-ID`` derived from the outbox
dedupe key: a redelivery after a crash carries the same id, which mail
systems use to drop the copy.
"""

from __future__ import annotations

import enum
import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from ...errors import DeliveryError, ValidationError
from ...notify.ports import OutgoingMessage
from ...notify.preferences import Channel
from ...ports import Clock

__all__ = ["Security", "SmtpEmailChannel", "email_message", "message_id"]


class Security(enum.StrEnum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS (port 587); refused if the server cannot."""
    TLS = "tls"
    """TLS from the first byte (SMTPS, port 465)."""
    NONE = "none"
    """No encryption: only for a relay on the same host or a test server."""


def message_id(key: str, domain: str) -> str:
    """The ``Message-ID`` of the notification with dedupe ``key``: the same for every retry."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def email_message(
    message: OutgoingMessage, *, sender: str, domain: str, clock: Clock
) -> EmailMessage:
    """The multipart e-mail for ``message``; raises ValidationError for an unusable header."""
    mail = EmailMessage(policy=SMTP)
    try:
        mail["From"] = sender
        mail["To"] = message.address
        mail["Subject"] = message.subject
    except (ValueError, IndexError) as error:  # a newline or a malformed address
        raise ValidationError.at("email.address", f"cannot be used in a header: {error}") from None
    mail["Date"] = format_datetime(clock.now())
    mail["Message-ID"] = message_id(message.key, domain)
    if message.urgent:
        mail["Importance"] = "high"
    mail.set_content(message.text, charset="utf-8")
    mail.add_alternative(message.html, subtype="html", charset="utf-8")
    mail["Content-Language"] = message.locale  # after the parts: set_content drops Content-*
    return mail


class SmtpEmailChannel:
    """Sends e-mail through an SMTP server: one connection per message.

    ``security`` is STARTTLS by default; ``ssl_context`` defaults to the
    system's trusted certificates (give your own for a private CA).
    ``username`` and ``password`` log in when given. ``domain`` is the
    right-hand side of every ``Message-ID`` (default: the sender's domain).
    Any SMTP or network failure raises :class:`~reimbursement.errors.DeliveryError`,
    so the outbox retries the message.
    """

    channel = Channel.EMAIL

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        sender: str,
        clock: Clock,
        security: Security | str = Security.STARTTLS,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        domain: str | None = None,
    ) -> None:
        if "@" not in sender:
            raise ValidationError.at("email.sender", f"{sender[:80]!r} is not an e-mail address")
        self.host, self.port, self.sender, self.clock = host, port, sender, clock
        self.security = Security(security)
        self.username, self.password, self.timeout = username, password, timeout
        self.ssl_context = ssl_context
        self.domain = domain or sender.rsplit("@", 1)[1].strip("> ")

    def deliver(self, message: OutgoingMessage) -> None:
        mail = email_message(message, sender=self.sender, domain=self.domain, clock=self.clock)
        try:
            with self._connect() as smtp:
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(
                f"e-mail to {message.address!r} via {self.host}:{self.port} failed: "
                f"{type(error).__name__}: {error}"
            ) from error

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        if self.security is Security.TLS:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security is Security.STARTTLS:
                smtp.starttls(context=context)  # raises SMTPNotSupportedError when it cannot
        except BaseException:
            smtp.close()
            raise
        return smtp
