"""Calibration against the in-process HubSpot sandbox, through the real adapter and SDK.
(No `__init__.py`, as in the other integration folders.)"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from connector.adapters.hubspot import HubSpotAdapter
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.seed import SeedData

pytest.importorskip("sklearn")

from tests.factories import fast_hubspot_adapter

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


def adapter_for(sandbox: HubSpotSandbox, mappings: Path = MAPPINGS) -> HubSpotAdapter:
    adapter: HubSpotAdapter = fast_hubspot_adapter(sandbox, mappings)
    return adapter


@contextmanager
def running(data: SeedData) -> Iterator[HubSpotSandbox]:
    with HubSpotSandbox(SandboxConfig(contacts=data.contact_count or 0), seed_data=data) as box:
        yield box


@pytest.fixture
def rules_without_intent(tmp_path) -> Callable[[], Path]:
    """The shipped rules without intent points: intent is inferred from the same engagement
    the planted weights sit on, and two rules sharing one cause would split its weight."""

    def make() -> Path:
        yaml = YAML(typ="rt")
        document = yaml.load((MAPPINGS / "rules.yaml").read_text())
        del document["scoring"]["intent_points"]
        del document["scoring"]["intent_from_kinds"]
        target = tmp_path / "no-intent"
        target.mkdir(exist_ok=True)
        with (target / "rules.yaml").open("w") as handle:
            yaml.dump(document, handle)
        return target / "rules.yaml"

    return make
