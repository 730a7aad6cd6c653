"""``python -m reimbursement serve`` starts the portal on demo data and says where it is."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from reimbursement.__main__ import _site
from reimbursement.errors import ValidationError


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_prints_the_address_and_serves_the_sign_in_page(tmp_path: Path) -> None:
    port = _free_port()
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    command = [sys.executable, "-m", "reimbursement", "serve", "--database", database,
               "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert "5 demo claims made" in first
        # a loopback address is served as localhost: an IP cannot be a passkey's relying party
        assert f"open http://localhost:{port}/" in server.stdout.readline()
        assert (
            f"relying party localhost, origin http://localhost:{port}" in server.stdout.readline()
        )
        for _ in range(100):  # bounded: 10 s
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin") as page:
                    body = page.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "Mei Chen" in body
        assert "Fiona (finance)" in body
        assert 'src="/static/passkey.js"' in body  # the served portal signs with passkeys
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (tmp_path / "portal.db").exists()


def test_the_passkeys_origin_is_the_served_address_or_the_one_given_behind_a_proxy() -> None:
    assert _site("127.0.0.1", 8000, None) == ("localhost", "http://localhost:8000")
    assert _site("claims.test", 8443, None) == ("claims.test", "http://claims.test:8443")
    behind = _site("127.0.0.1", 8000, "https://claims.example.com/")
    assert behind == ("claims.example.com", "https://claims.example.com")
    with pytest.raises(ValidationError, match="is not an origin"):
        _site("127.0.0.1", 8000, "claims.example.com/portal")


@pytest.mark.parametrize(
    ("database", "threads", "reads_on_loop"),
    [
        ("sqlite:///claims.db", 1, True),
        ("memory", 1, True),
        ("postgresql+psycopg://db.example/claims", 4, False),
    ],
)
def test_serve_reads_on_the_loop_only_where_a_read_never_waits(
    database: str, threads: int, reads_on_loop: bool
) -> None:
    """SQLite's reads in WAL mode never wait for a writer; PostgreSQL's wait on the server."""
    from reimbursement.__main__ import _desk_calls

    assert _desk_calls(database) == {"desk_threads": threads, "reads_on_loop": reads_on_loop}
