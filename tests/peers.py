"""Real peers on loopback for the channel tests: an SMTP server, an HTTP receiver, a cert."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from reimbursement.adapters.notify.email import Security, SmtpEmailChannel
from reimbursement.ports import Clock


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, made with the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Mailbox:
    """What the SMTP server received: each message parsed, with its envelope."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    *, tls: ssl.SSLContext | None = None, starttls: ssl.SSLContext | None = None
) -> Iterator[tuple[Mailbox, int]]:
    """An aiosmtpd server on 127.0.0.1: plain, implicit TLS (``tls``) or STARTTLS required."""
    mailbox, port = Mailbox(), free_port()
    options: dict[str, Any] = {}
    if starttls is not None:
        options = {"tls_context": starttls, "require_starttls": True}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ssl_context=tls, **options)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def plain_email(port: int, clock: Clock) -> SmtpEmailChannel:
    """An e-mail channel to the plain (no TLS) :func:`smtp_server` on ``port``."""
    return SmtpEmailChannel(
        "127.0.0.1",
        port,
        sender="claims@insurer.example",
        clock=clock,
        security=Security.NONE,
        timeout=5,
    )


class Received:
    """One request the HTTP receiver got."""

    def __init__(self, headers: dict[str, str], body: bytes) -> None:
        self.headers = headers
        self.body = body


Answer = Callable[[int], tuple[int, dict[str, str], float]]
"""Given the request's number (from 0): the status, extra headers and a delay in seconds."""


@contextmanager
def http_receiver(answer: Answer) -> Iterator[tuple[str, list[Received]]]:
    """An HTTP server on 127.0.0.1 that records each POST and answers as ``answer`` says."""
    received: list[Received] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with lock:
                number = len(received)
                received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status, headers, delay = answer(number)
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: that is the point of a slow receiver

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    finally:
        server.shutdown()
        server.server_close()
