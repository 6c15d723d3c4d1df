"""`ServedSandbox`: the start/stop block both emulators share - seed once, serve the app on
`config.host:config.port` (over TLS with a throw-away CA when the CRM's client insists on https),
shut down and clean up - so `HubSpotSandbox` and `SalesforceSandbox` only say what is CRM-specific
(how to seed, what to do once the URL is known)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Generic, Self, TypeVar

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.common.faults import FaultInjector
from connector.sandbox.common.http import EmulatorApp, EmulatorServer
from connector.sandbox.common.request_log import RequestLog
from connector.sandbox.common.tls import make_tls_material
from connector.sandbox.seed import DEFAULT_NOW, SeedData, SeedSpec

Report = TypeVar("Report")


class ServedSandbox(EmulatorServer, Generic[Report]):
    """A seeded emulator served on loopback. Subclasses set `app` and implement `_load`."""

    #: Serve https (simple-salesforce only builds https URLs); HubSpot's SDK takes any host.
    use_tls = False
    app: EmulatorApp

    def __init__(
        self,
        config: SandboxConfig | None,
        seed_data: SeedData | None,
        tls_directory: Path | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        # EmulatorServer's settings, set here: subclasses build `app` only after this returns.
        self.host = self.config.host
        self.port = self.config.port
        self.log = RequestLog(keep_entries=self.config.keep_log_entries)
        self.faults = FaultInjector(self.config.fault_plan())
        self._seed_data = seed_data
        self._tls_directory = tls_directory
        self._owned_tls: tempfile.TemporaryDirectory[str] | None = None
        self._seed_report: Report | None = None
        self._seeded = False

    def _load(self, data: SeedData) -> Report:
        raise NotImplementedError

    def _started(self, url: str) -> None:
        """Called once the server listens (e.g. to tell the app its own base URL)."""

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        if not self._seeded:  # once: a sandbox started again keeps what it holds
            config = self.config
            spec = SeedSpec(
                contacts=config.contacts,
                seed=config.seed,
                dataset=config.dataset,
                with_outcomes=config.with_outcomes,
                now=config.seed_now or DEFAULT_NOW,
            )
            self._seed_report = self._load(self._seed_data or SeedData(spec))
            self._seeded = True
        if self.use_tls:
            directory = self._tls_directory
            if directory is None:
                self._owned_tls = tempfile.TemporaryDirectory(prefix="sandbox-tls-")
                directory = Path(self._owned_tls.name)
            self.tls = make_tls_material(directory)
        super().start()
        self._started(self.url)
        return self

    def stop(self) -> None:
        super().stop()
        if self._owned_tls is not None:
            self._owned_tls.cleanup()
            self._owned_tls = None

    @property
    def token(self) -> str:
        """The pre-issued access token (`config.token`)."""
        return self.config.token
