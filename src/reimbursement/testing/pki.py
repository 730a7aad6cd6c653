"""A test PKI for signed PDFs: a root certificate and a seal certificate it issued.

Needs the ``[audit]`` extra (``cryptography``). For tests only: the keys
are made fresh on every call and never stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ModuleNotFoundError as error:  # pragma: no cover
    from .._extras import missing

    raise missing(error, "audit", "the test PKI") from error

__all__ = ["VALID_FROM", "Pki", "make_pki"]

VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
"""When the test certificates start to be valid (the seal's for a year, the root's ten)."""


class Pki(NamedTuple):
    """A root certificate, and a seal certificate it issued with the seal's private key."""

    root: x509.Certificate
    seal: x509.Certificate
    seal_key: ec.EllipticCurvePrivateKey


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(
    subject: str,
    issuer: str,
    key: ec.EllipticCurvePublicKey,
    serial: int,
    days: int,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key)
        .serial_number(serial)
        .not_valid_before(VALID_FROM)
        .not_valid_after(VALID_FROM + timedelta(days=days))
    )
    if ca:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=None), critical=True
        )
    return builder.add_extension(_usage(ca=ca), critical=True).sign(signer, hashes.SHA256())


def make_pki(root_name: str = "Test Insurer Root", seal_name: str = "Claims Seal") -> Pki:
    """A new test PKI: ECDSA P-256 keys, SHA-256 signatures."""
    root_key, key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    root = _certificate(root_name, root_name, root_key.public_key(), 1, 3650, root_key, ca=True)
    seal = _certificate(seal_name, root_name, key.public_key(), 2, 365, root_key, ca=False)
    return Pki(root, seal, key)
