"""The `crm` fixture: each ownership test once per CRM (see tests/ownership_crms.py).
(No `__init__.py`, as in the other integration folders.)"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sync.state import StateStore
from tests.ownership_crms import Crm, HubSpot, SalesforceOrg


@pytest.fixture(params=["hubspot", "salesforce"])
def crm(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Crm]:
    store = StateStore.open(str(tmp_path / "state.sqlite"))
    if request.param == "hubspot":
        with HubSpotSandbox(SandboxConfig(contacts=200)) as hubspot:
            yield HubSpot(hubspot, store)
    else:
        salesforce = SalesforceSandbox(SandboxConfig(contacts=200)).start()
        try:
            yield SalesforceOrg(salesforce, store)
        finally:
            salesforce.stop()
