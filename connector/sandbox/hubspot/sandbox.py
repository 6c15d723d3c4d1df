"""`HubSpotSandbox`: a seeded, running HubSpot emulator in one object (for tests, the CLI and
`connector demo`)."""

from __future__ import annotations

import time
from types import TracebackType

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.faults import FaultInjector
from connector.sandbox.common.http import EmulatorServer, Request
from connector.sandbox.common.request_log import RequestLog
from connector.sandbox.hubspot.app import HubSpotApp
from connector.sandbox.hubspot.associations import AssociationGraph
from connector.sandbox.hubspot.catalogue import standard_catalog
from connector.sandbox.hubspot.limits import RateLimits
from connector.sandbox.hubspot.owners import OwnerDirectory
from connector.sandbox.hubspot.search import SearchEngine
from connector.sandbox.hubspot.seeding import Seeder, SeedReport
from connector.sandbox.hubspot.state import CrmState
from connector.sandbox.hubspot.store import Store
from connector.sandbox.seed import DEFAULT_NOW, SeedData, SeedSpec


class HubSpotSandbox:
    """A HubSpot emulator seeded from `config` and served on `config.host:config.port`.

    Point the unmodified SDK at it with `HubSpot(access_token=sandbox.token, host=sandbox.url)`
    (hubspot-api-client 12 copies every extra keyword of `HubSpot(...)` onto each API's
    `Configuration`, and `Configuration.host` replaces `https://api.hubapi.com`).
    """

    def __init__(
        self, config: SandboxConfig | None = None, *, seed_data: SeedData | None = None
    ) -> None:
        self.config = config or SandboxConfig()
        self.store = Store(standard_catalog(self.config.provision_connector_fields))
        self.graph = AssociationGraph()
        self.owners = OwnerDirectory()
        self.search = SearchEngine(self.graph)
        self.crm = CrmState(self.store, self.graph, self.owners, self.search, self._base_url)
        self.log = RequestLog(keep_entries=self.config.keep_log_entries)
        self.faults = FaultInjector(self.config.fault_plan())
        self.limits = RateLimits(self.config.rate_limit, self.config.daily_limit)
        self.app = HubSpotApp(
            self.config, self.crm, limits=self.limits, faults=self.faults, log=self.log
        )
        self._seed_data = seed_data
        self._server: EmulatorServer | None = None
        self.seed_report: SeedReport | None = None
        self.seed_seconds: float | None = None

    # ---- lifecycle ----------------------------------------------------------------------------
    def seed(self) -> SeedReport:
        """Load the seed data (once); `start()` calls this when it was not called before."""
        if self.seed_report is None:
            data = self._seed_data or SeedData(
                SeedSpec(
                    contacts=self.config.contacts,
                    seed=self.config.seed,
                    dataset=self.config.dataset,
                    with_outcomes=self.config.with_outcomes,
                    now=self.config.seed_now or DEFAULT_NOW,
                )
            )
            began = time.perf_counter()
            with self.store.lock:
                self.seed_report = Seeder(self.store, self.graph, self.owners).load(data)
            self.seed_seconds = time.perf_counter() - began
        return self.seed_report

    def start(self) -> HubSpotSandbox:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self.seed()
        self._server = EmulatorServer(self.app, self.config.host, self.config.port).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> HubSpotSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- access -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self._server.url

    @property
    def token(self) -> str:
        return self.config.token

    def sdk_kwargs(self) -> dict[str, str]:
        """Keyword arguments for `hubspot.HubSpot(**kwargs)` that reach this sandbox."""
        return {"access_token": self.token, "host": self.url}

    def reset_counters(self) -> None:
        """Zero the request log, pending forced faults and the rate-limit windows."""
        self.log.reset()
        self.faults.clear()
        self.limits.reset()

    def _base_url(self, request: Request) -> str:
        host = request.headers.get("Host")
        if host:
            return f"http://{host}"
        return self.url
