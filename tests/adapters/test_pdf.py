"""PAdES-signed PDFs for the customer, checked against a test PKI made here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509

from reimbursement.adapters.pdf import PdfSeal, confirmation_pdf, payment_advice_pdf, verify_pdf
from reimbursement.errors import SignatureError, ValidationError
from reimbursement.testing import approved, assigned, draft, paid, rich_claim, submitted
from reimbursement.testing.pki import VALID_FROM, make_pki

START = VALID_FROM
LATER = START + timedelta(days=30)


def _pki(root_name: str = "Test Insurer Root") -> tuple[x509.Certificate, PdfSeal]:
    pki = make_pki(root_name)
    return pki.root, PdfSeal(pki.seal_key, pki.seal, [pki.root])


ROOT, SEAL = _pki()


def test_a_signed_confirmation_verifies_against_the_insurers_root() -> None:
    claim = rich_claim("c-1")
    pdf = confirmation_pdf(claim)
    assert pdf.startswith(b"%PDF-1.7")
    assert b"CLM-2026-000042" in pdf
    signed = SEAL.sign(pdf)
    check = verify_pdf(signed, [ROOT], LATER)
    assert check.whole_file
    assert "Claims Seal" in check.signer


def test_a_payment_advice_is_made_only_for_a_paid_claim() -> None:
    claim = paid(approved(assigned(submitted(draft("c-2")))))
    signed = SEAL.sign(payment_advice_pdf(claim))
    assert verify_pdf(signed, [ROOT], LATER).whole_file
    assert b"PAY-c-2" in signed
    with pytest.raises(ValidationError, match="not paid"):
        payment_advice_pdf(submitted(draft("c-3")))


def test_a_pdf_changed_after_signing_or_signed_by_another_pki_is_refused() -> None:
    signed = SEAL.sign(confirmation_pdf(rich_claim("c-1")))
    with pytest.raises(SignatureError, match="changed"):
        verify_pdf(signed.replace(b"186.58", b"986.58"), [ROOT], LATER)
    other_root, other_seal = _pki("Another Root")
    with pytest.raises(SignatureError, match="do not trust"):
        verify_pdf(other_seal.sign(confirmation_pdf(rich_claim("c-1"))), [ROOT], LATER)
    with pytest.raises(SignatureError, match="no signature"):
        verify_pdf(confirmation_pdf(rich_claim("c-1")), [ROOT], LATER)
    with pytest.raises(SignatureError, match="do not trust"):  # the seal expired by then
        verify_pdf(signed, [ROOT], START + timedelta(days=400))
    with pytest.raises(SignatureError, match="readable"):
        verify_pdf(b"%PDF-1.7 broken", [other_root], LATER)
