"""Tests of reimbursement.adapters: the contract suites on the built-in adapters."""
