"""Fixtures for the Salesforce adapter's integration tests: an in-process `SalesforceSandbox`
served over TLS, and adapters configured to reach it the way a real org is reached (login URL,
OAuth credentials, CA file). Nothing here replaces the SDK or requests; tests only set up data
in the emulator and read its request log.

(No `__init__.py` on purpose, as in tests/contract.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connector.adapters.retry import RetryPolicy
from connector.adapters.salesforce import SalesforceAdapter, SalesforceSettings
from connector.adapters.salesforce import endpoints as sf_client
from connector.adapters.salesforce.auth import TOKEN_ENDPOINT
from connector.adapters.salesforce.deletions import DELETED
from connector.mapping.crm_schema import SalesforceMapping
from connector.mapping.loader import load_crm_mapping
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.salesforce import SalesforceSandbox
from tests.factories import salesforce_settings

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
SMALL = 300  # people in the default sandbox: 184 Leads and 116 Contacts with seed 42
FAST_RETRY = RetryPolicy(max_attempts=4, initial_wait=0.01, max_wait=0.05, jitter=0.0)

# The adapter's endpoint labels and the sandbox's route names for the same requests.
SANDBOX_ENDPOINT = {
    TOKEN_ENDPOINT: "oauth.token",
    sf_client.QUERY: "query",
    sf_client.QUERY_MORE: "query.more",
    sf_client.QUERY_ALL: "queryAll",
    sf_client.QUERY_ALL_MORE: "queryAll.more",
    sf_client.DESCRIBE: "sobject.describe",
    DELETED: "sobject.deleted",
    sf_client.COLLECTIONS_UPDATE: "collections.update",
    sf_client.COLLECTIONS_CREATE: "collections.create",
    sf_client.BULK_CREATE: "bulk2.query.create",
    sf_client.BULK_GET: "bulk2.query.get",
    sf_client.BULK_RESULTS: "bulk2.query.results",
    sf_client.BULK_ABORT: "bulk2.query.abort",
}


@pytest.fixture(scope="session")
def mapping() -> SalesforceMapping:
    loaded = load_crm_mapping(MAPPINGS / "salesforce.yaml")
    assert isinstance(loaded, SalesforceMapping)
    return loaded


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SalesforceSandbox]]:
    """Start sandboxes with custom settings; all are stopped after the test."""
    started: list[SalesforceSandbox] = []

    def make(*, sandbox_options: dict[str, Any] | None = None, **config: Any) -> SalesforceSandbox:
        config.setdefault("contacts", SMALL)
        sandbox = SalesforceSandbox(SandboxConfig(**config), **(sandbox_options or {})).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., SalesforceSandbox]) -> SalesforceSandbox:
    return make_sandbox()


def settings_for(sandbox: SalesforceSandbox, **overrides: Any) -> SalesforceSettings:
    """`salesforce_settings` with this folder's fast retries."""
    return salesforce_settings(sandbox, **{"retry": FAST_RETRY, **overrides})


@pytest.fixture(scope="session")
def sandbox_settings() -> Callable[..., SalesforceSettings]:
    """`settings_for`, for module-scoped fixtures."""
    return settings_for


@pytest.fixture
def make_adapter(
    mapping: SalesforceMapping,
) -> Callable[..., SalesforceAdapter]:
    def make(
        sandbox: SalesforceSandbox, mapping_: SalesforceMapping | None = None, **overrides: Any
    ) -> SalesforceAdapter:
        return SalesforceAdapter(settings_for(sandbox, **overrides), mapping_ or mapping)

    return make


@pytest.fixture
def adapter(
    sandbox: SalesforceSandbox, make_adapter: Callable[..., SalesforceAdapter]
) -> SalesforceAdapter:
    return make_adapter(sandbox)


class Counts:
    """Call-count helpers (a fixture, since test modules here cannot import conftest)."""

    @staticmethod
    def calls(adapter: SalesforceAdapter) -> dict[str, int]:
        """The adapter's own count of calls, per endpoint label."""
        return {name: usage.calls for name, usage in adapter.usage.by_endpoint().items()}

    def assert_exact(self, adapter: SalesforceAdapter, sandbox: SalesforceSandbox) -> None:
        """Every request the sandbox served was counted by the adapter, and nothing more."""
        served = {k: v for k, v in sandbox.log.calls_by_endpoint().items() if v}
        counted = {SANDBOX_ENDPOINT[name]: n for name, n in self.calls(adapter).items()}
        assert counted == served

    @staticmethod
    def reset(adapter: SalesforceAdapter, sandbox: SalesforceSandbox) -> None:
        adapter.usage.reset()
        sandbox.log.reset()


@pytest.fixture
def counts() -> Counts:
    return Counts()
