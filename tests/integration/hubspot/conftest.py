"""Fixtures for the HubSpot adapter's integration tests: an in-process HubSpot sandbox reached
over real HTTP by the unmodified hubspot-api-client, configured only through settings.

Nothing here mocks the SDK or HTTP. Retries wait milliseconds instead of seconds (the policy is
a setting) so fault storms stay fast; everything else is the production code path.

(No `__init__.py` on purpose: a test package named `hubspot` would shadow the SDK.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.adapters.hubspot import HubSpotAdapter, HubSpotSettings
from connector.adapters.retry import RetryPolicy
from connector.domain.outcomes import TaskPriority, TaskSpec
from connector.domain.stages import LifecycleStage
from connector.domain.tasks import task_key
from connector.mapping.crm_schema import HubSpotMapping
from connector.mapping.loader import load_crm_mapping
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.catalogue import TASKS

MAPPING_FILE = Path(__file__).resolve().parents[3] / "mappings" / "hubspot.yaml"
FAST_RETRIES = RetryPolicy(max_attempts=8, initial_wait=0.005, max_wait=0.05, jitter=0.005)


@pytest.fixture(scope="session")
def mapping() -> HubSpotMapping:
    loaded = load_crm_mapping(MAPPING_FILE)
    assert isinstance(loaded, HubSpotMapping)
    return loaded


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., HubSpotSandbox]]:
    started: list[HubSpotSandbox] = []

    def make(**config: object) -> HubSpotSandbox:
        config.setdefault("contacts", 250)
        sandbox = HubSpotSandbox(SandboxConfig(**config)).start()  # type: ignore[arg-type]
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., HubSpotSandbox]) -> HubSpotSandbox:
    return make_sandbox()


def sandbox_settings(sandbox: HubSpotSandbox, **overrides: object) -> HubSpotSettings:
    values: dict[str, object] = {
        "access_token": sandbox.token,
        "base_url": sandbox.url,
        "retry": FAST_RETRIES,
        "read_timeout_seconds": 2.0,
        "connect_timeout_seconds": 2.0,
        "search_index_lag_seconds": 0.01,
        "search_limit_per_second": 1000,
        "burst_limit": 100_000,
    }
    values.update(overrides)
    return HubSpotSettings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def make_adapter(
    mapping: HubSpotMapping,
) -> Callable[..., HubSpotAdapter]:
    def make(
        sandbox: HubSpotSandbox, *, mapping_: HubSpotMapping | None = None, **overrides: object
    ) -> HubSpotAdapter:
        return HubSpotAdapter(sandbox_settings(sandbox, **overrides), mapping_ or mapping)

    return make


@pytest.fixture
def adapter(sandbox: HubSpotSandbox, make_adapter: Callable[..., HubSpotAdapter]) -> HubSpotAdapter:
    return make_adapter(sandbox)


DUE = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def task_specs(contacts: Sequence[Any], count: int) -> list[TaskSpec]:
    """MQL follow-ups for the first `count` contacts, keyed as the domain keys them."""
    return [
        TaskSpec(
            key=task_key(c.id, LifecycleStage.MQL, DUE.date()),
            contact_id=c.id,
            owner_id=c.owner_id,
            subject=f"Follow up: new MQL (score {i})",
            body="Why: score 105 >= 100\nFit grade A1",
            priority=TaskPriority.HIGH,
            due_at=DUE + timedelta(minutes=i),
            stage=LifecycleStage.MQL,
        )
        for i, c in enumerate(contacts[:count])
    ]


def tasks_in_portal(sandbox: HubSpotSandbox) -> dict[str, list[int]]:
    """The portal's tasks per key, read from the sandbox's store (not through the adapter)."""
    table = sandbox.store.table(TASKS)
    out: dict[str, list[int]] = {}
    for row in range(len(table)):
        if table.is_archived(row):
            continue
        key = table.get(row, "connector_task_key")
        if key:
            out.setdefault(str(key), []).append(table.ids[row])
    return out


@pytest.fixture
def make_specs() -> Callable[[Sequence[Any], int], list[TaskSpec]]:
    return task_specs


@pytest.fixture
def portal_tasks() -> Callable[[HubSpotSandbox], dict[str, list[int]]]:
    return tasks_in_portal
