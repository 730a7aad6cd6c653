"""Signed PDF documents for the customer (the ``[pdf]`` extra: pyHanko).

:func:`confirmation_pdf` (a submission confirmation) and
:func:`payment_advice_pdf` (what was paid, where) make one-page PDFs;
:class:`PdfSeal` signs a PDF as the insurer, PAdES baseline B-B (CAdES
detached, SHA-256, the signing certificate and its chain embedded), which a
PDF reader that trusts the insurer's root shows as valid; and
:func:`verify_pdf` checks such a signature against the roots you trust, at
an instant you give (the library reads no clock).

The pages use the standard Helvetica font, which covers Latin-1: a
character outside it is shown as ``?`` (the signed canonical submission,
not the PDF, is the record of what the customer signed).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

try:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore
except ModuleNotFoundError as error:  # pragma: no cover - exercised by test_extras
    from .._extras import missing

    raise missing(error, "pdf", "signed PDF documents") from error

import attrs

from ..audit import verify
from ..audit.signatures import recorded_signature
from ..domain.claim import Claim, PaymentStatus
from ..domain.events import EventType
from ..errors import SignatureError, ValidationError

__all__ = ["PdfSeal", "PdfSignatureCheck", "confirmation_pdf", "payment_advice_pdf", "verify_pdf"]


def _text(value: str) -> bytes:
    latin = value.encode("latin-1", errors="replace")
    return latin.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _page(lines: Sequence[str]) -> bytes:
    """A one-page PDF showing ``lines``, top to bottom."""
    shown = b" ".join(b"(" + _text(line) + b") '" for line in lines)
    stream = b"BT /F1 11 Tf 56 790 Td 15 TL " + shown + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def confirmation_pdf(claim: Claim) -> bytes:
    """The customer's confirmation of a submitted claim: what was claimed, and its proofs."""
    signed = recorded_signature(claim)
    lines = [
        "Submission confirmation",
        "",
        f"Claim {claim.number or claim.id}, submitted {claim.submitted_at}",
        f"Customer {claim.claimant.name} ({claim.customer_id}), policy "
        f"{claim.claimant.policy_number}",
        f"Pay to {claim.claimant.payee_account}",
        "",
        *(
            f"{line.incurred_on}  {line.category}  {line.provider}  {line.claimed}"
            for line in claim.lines
        ),
        f"Total claimed: {claim.claimed_total}",
        *(f"Document {a.file_name}: SHA-256 {a.sha256}" for a in claim.attachments),
        "",
        f"Signed by {signed.signature.key_id}" if signed else "Not signed by the customer",
        f"Record head (SHA-256 of event {claim.version}): {verify(claim).head}",
    ]
    return _page(lines)


def payment_advice_pdf(claim: Claim) -> bytes:
    """The customer's advice of a payment: the amount paid, to which account, with which reference.

    Raises :class:`~reimbursement.errors.ValidationError` for a claim that was not paid.
    """
    paid = [p for p in claim.payments if p.status is PaymentStatus.PAID]
    at = next((e.at for e in reversed(claim.events) if e.type is EventType.PAID), None)
    if not paid or at is None:
        raise ValidationError.at("claim", f"claim {claim.id} was not paid")
    payment = paid[-1]
    lines = [
        "Payment advice",
        "",
        f"Claim {claim.number or claim.id}",
        f"Paid {payment.amount} on {at} to {payment.payee_account}",
        f"Reference {payment.gateway_reference}",
        f"Approved {claim.approved_total} of {claim.claimed_total} claimed",
    ]
    return _page(lines)


class PdfSeal:
    """Signs PDFs as the insurer with ``key`` and ``certificate`` (and the ``chain`` above it)."""

    def __init__(
        self,
        key: PrivateKeyTypes,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        der = serialization.Encoding.DER
        pkcs8 = key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        cert = asn1_x509.Certificate.load(certificate.public_bytes(der))
        others = [asn1_x509.Certificate.load(c.public_bytes(der)) for c in chain]
        self._signer = signers.SimpleSigner(
            signing_cert=cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
            cert_registry=SimpleCertificateStore.from_certs([cert, *others]),  # type: ignore[no-untyped-call,unused-ignore]
        )

    def sign(self, pdf: bytes, *, reason: str = "Issued by the insurer") -> bytes:
        """``pdf`` with a PAdES B-B signature over the whole file."""
        meta = signers.PdfSignatureMetadata(
            field_name="InsurerSeal",
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return bytes(signers.PdfSigner(meta, signer=self._signer).sign_pdf(writer).getvalue())


@attrs.frozen
class PdfSignatureCheck:
    """A PDF's signature, verified: who signed (the certificate's subject) and what it covers."""

    signer: str
    whole_file: bool


def verify_pdf(
    pdf: bytes, trust_roots: Sequence[x509.Certificate], at: datetime
) -> PdfSignatureCheck:
    """Check the PDF's signature, by a certificate that chains to ``trust_roots`` at ``at``.

    Raises :class:`~reimbursement.errors.SignatureError` for a PDF without a
    signature, one changed after signing, or signed by a certificate you do
    not trust (or not valid at ``at``).
    """
    der = serialization.Encoding.DER
    roots = [asn1_x509.Certificate.load(root.public_bytes(der)) for root in trust_roots]
    try:
        embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    except Exception as error:  # pyHanko raises several kinds for a broken file
        raise SignatureError.at("pdf", f"not a readable PDF: {error}") from None
    if not embedded:
        raise SignatureError.at("pdf", "the PDF carries no signature")
    status = validate_pdf_signature(embedded[-1], ValidationContext(trust_roots=roots, moment=at))
    if not status.intact or not status.valid:
        raise SignatureError.at("pdf", "the PDF was changed after it was signed")
    if not status.trusted:
        raise SignatureError.at("pdf", "the PDF is signed by a certificate you do not trust")
    whole = status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    return PdfSignatureCheck(status.signing_cert.subject.human_friendly, whole)
