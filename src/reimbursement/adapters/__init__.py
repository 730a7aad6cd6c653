"""Adapters: implementations of the ports, one module per technology.

Every module has the same shape: one class per port it implements and one
``create(...)`` factory that returns an :class:`~reimbursement.service.Adapters`.
"""
