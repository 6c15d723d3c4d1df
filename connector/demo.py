"""`connector demo`: the whole product on a fresh machine, against an embedded sandbox.

It starts the HubSpot or Salesforce emulator in-process, seeds it with histories leading up to
now, and then does exactly what a deployment does: a backfill, some sales activity in the CRM,
an incremental sync. The connector reaches the sandbox only through the settings a user would
set (base/login URL, credentials, CA file), so the demo runs the real adapters over real HTTP.
"""

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from connector.mapping.crm_schema import HubSpotMapping, SalesforceMapping
from connector.sandbox.activity import ActivityReport, simulate_hubspot, simulate_salesforce
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.launch import Crm, start_sandbox
from connector.settings import Settings
from connector.sync.engine import Progress
from connector.sync.report import RunSummary
from connector.sync.session import open_session

ACTIVITY_SHARE = 0.04  # 2 % qualified by sales, 2 % rejected


class DemoReport(BaseModel):
    crm: Crm
    contacts_seeded: int
    dataset: Path | None
    seed_seconds: float
    backfill: RunSummary
    activity: ActivityReport
    sync: RunSummary
    wall_seconds: float

    @property
    def exit_code(self) -> int:
        """0 when both runs ran: the records they skipped or the CRM rejected are part of the
        show (reported, and seeded on purpose). A failed or aborted run keeps its code."""
        worst = max(self.backfill.exit_code, self.sync.exit_code)
        return worst if worst >= 2 else 0


def run_demo(
    crm: Crm,
    contacts: int,
    dataset: Path | None,
    mappings_dir: Path,
    progress: Progress | None = None,
    announce: Callable[[str], None] = lambda _: None,
    with_outcomes: bool = False,
) -> DemoReport:
    began = time.perf_counter()
    announce(f"Seeding an embedded {crm} sandbox with {contacts or 'every'} contact(s)...")
    work = Path(tempfile.mkdtemp(prefix="connector-demo-"))
    config = SandboxConfig(
        contacts=contacts,
        dataset=dataset,
        with_outcomes=with_outcomes,
        seed_now=datetime.now(UTC).replace(microsecond=0),
    )
    running = start_sandbox(crm, config, work / "tls")
    try:
        seeded = time.perf_counter() - began
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            crm=crm,
            mappings_dir=mappings_dir,
            state_url=str(work / "state.sqlite"),
            account=f"demo-{crm}",
        )
        announce(f"Sandbox up at {running.url} ({seeded:.1f} s). Backfilling every contact...")
        session = open_session(settings, crm, environment=running.settings)
        backfill = session.engine().backfill(session.options(), progress=progress)
        mapping = session.mappings.crms[crm]
        announce("Simulating sales activity in the CRM (BANT filled in, leads rejected)...")
        if isinstance(mapping, HubSpotMapping):
            activity = simulate_hubspot(running, mapping, ACTIVITY_SHARE, seed=config.seed)
        else:
            assert isinstance(mapping, SalesforceMapping)
            activity = simulate_salesforce(running, mapping, ACTIVITY_SHARE, seed=config.seed)
        announce("Running an incremental sync...")
        # A fresh session per run, as each scheduled run is a fresh process with fresh counters.
        session = open_session(settings, crm, environment=running.settings)
        sync = session.engine().sync(session.options())
    finally:
        running.stop()
        shutil.rmtree(work, ignore_errors=True)  # state and TLS files of a throwaway sandbox
    return DemoReport(
        crm=crm,
        contacts_seeded=backfill.contacts_total or backfill.contacts_read,
        dataset=dataset,
        seed_seconds=seeded,
        backfill=backfill,
        activity=activity,
        sync=sync,
        wall_seconds=time.perf_counter() - began,
    )
