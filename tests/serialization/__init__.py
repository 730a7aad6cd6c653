"""Tests of reimbursement.serialization: the JSON wire format."""
