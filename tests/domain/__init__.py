"""Tests of reimbursement.domain: the pure model, its rules and its commands."""
