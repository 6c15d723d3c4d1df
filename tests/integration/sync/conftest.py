"""The sync engine against the in-process HubSpot sandbox, through the real adapter and SDK.
(No `__init__.py`, as in the other integration folders.)"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.mapping.loader import load_mapping_dir
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.seed.spec import DEFAULT_NOW
from connector.sync.engine import SyncEngine
from connector.sync.state import StateStore
from tests.factories import fast_hubspot_adapter

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


@pytest.fixture
def sandbox() -> Iterator[HubSpotSandbox]:
    with HubSpotSandbox(SandboxConfig(contacts=400)) as running:
        yield running


@pytest.fixture
def store(tmp_path) -> StateStore:
    return StateStore.open(str(tmp_path / "state.sqlite"))


def _engine(sandbox: HubSpotSandbox, store: StateStore) -> SyncEngine:
    mappings = load_mapping_dir(MAPPINGS)
    # Decide at the seed's reference time, so the seeded histories are as fresh as they were
    # generated to be, whatever today's date is.
    return SyncEngine(
        fast_hubspot_adapter(sandbox),
        mappings.rules,
        store,
        account="portal",
        clock=lambda: DEFAULT_NOW,
    )


@pytest.fixture
def make_engine():
    """A fresh engine (a fresh adapter and its counters) per run, as each CLI run has."""
    return _engine
