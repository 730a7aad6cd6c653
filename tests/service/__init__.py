"""Tests of reimbursement.service: the desk, its worker, sweeper and texts."""
