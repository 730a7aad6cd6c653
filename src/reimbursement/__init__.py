"""reimbursement."""
