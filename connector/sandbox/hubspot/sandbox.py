"""`HubSpotSandbox`: a seeded, running HubSpot emulator in one object (for tests, the CLI and
`connector demo`)."""

from __future__ import annotations

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.serving import ServedSandbox
from connector.sandbox.hubspot.app import HubSpotApp
from connector.sandbox.hubspot.catalogue import standard_catalog
from connector.sandbox.hubspot.seeding import Seeder
from connector.sandbox.hubspot.state import CrmState
from connector.sandbox.hubspot.store import Store
from connector.sandbox.seed import SeedData


class HubSpotSandbox(ServedSandbox[None]):
    """A HubSpot emulator seeded from `config` and served on `config.host:config.port`; the
    package docstring says how the unmodified SDK reaches it."""

    app: HubSpotApp

    def __init__(
        self, config: SandboxConfig | None = None, *, seed_data: SeedData | None = None
    ) -> None:
        super().__init__(config, seed_data)
        self.crm = CrmState(Store(standard_catalog(self.config.provision_connector_fields)))
        self.store, self.graph, self.owners = self.crm.store, self.crm.graph, self.crm.owners
        self.app = HubSpotApp(self.config, self.crm, faults=self.faults, log=self.log)

    def _load(self, data: SeedData) -> None:
        with self.store.lock:
            return Seeder(self.store, self.graph, self.owners).load(data)

    def reset_counters(self) -> None:
        """Zero the request log, pending forced faults and the rate-limit windows."""
        self.log.reset()
        self.faults.clear()
        self.app.limits.reset()
