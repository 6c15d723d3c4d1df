"""In-process Salesforce sandboxes for the contract tests, driven through simple-salesforce.

`sandbox` is shared by the module's tests (seeded once); `make_sandbox` starts a dedicated one
for tests that need other settings (limits, faults, an empty org) and stops it afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from simple_salesforce import Salesforce

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.salesforce import SalesforceSandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SalesforceSandbox]:
    with SalesforceSandbox(SandboxConfig(contacts=300, seed=7)) as running:
        yield running


@pytest.fixture
def sf(sandbox: SalesforceSandbox) -> Salesforce:
    """A client on a freshly issued session (so expiring sessions in one test cannot leak)."""
    session = sandbox.sessions.issue(sandbox.integration_user_id)
    return Salesforce(instance_url=sandbox.url, session_id=session.token, session=sandbox.session())


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., SalesforceSandbox]]:
    started: list[SalesforceSandbox] = []

    def make(**settings: Any) -> SalesforceSandbox:
        options = {key: settings.pop(key) for key in list(settings) if key in _SANDBOX_OPTIONS}
        settings.setdefault("contacts", 0)
        running = SalesforceSandbox(SandboxConfig(**settings), **options).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


_SANDBOX_OPTIONS = {
    "credentials",
    "session_ttl_seconds",
    "seed_data",
}


CreateRecords = Callable[[Salesforce, str, list[dict[str, Any]]], list[str]]


@pytest.fixture
def create_records() -> CreateRecords:
    return _create_records


def _create_records(sf: Salesforce, object_name: str, records: list[dict[str, Any]]) -> list[str]:
    """Create records through sObject Collections (200 per call); returns the new ids."""
    created: list[str] = []
    for start in range(0, len(records), 200):
        chunk = [{"attributes": {"type": object_name}, **r} for r in records[start : start + 200]]
        results = sf.restful(
            "composite/sobjects", method="POST", json={"allOrNone": True, "records": chunk}
        )
        assert results is not None
        assert all(result["success"] for result in results), results
        created.extend(result["id"] for result in results)
    return created
