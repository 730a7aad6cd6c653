"""Tests of the SQL adapter on SQLite and PostgreSQL (fixtures in conftest.py)."""
