"""Fixtures every test folder may use: the PostgreSQL server and the per-backend state URL
(see tests/postgres.py)."""

from tests.postgres import postgres_server, state_url

__all__ = ["postgres_server", "state_url"]
