"""`connector demo`: the whole product on a fresh machine, against an embedded sandbox seeded
with histories up to now: a backfill, sales activity in the CRM, an incremental sync. The
connector reaches the sandbox only through the settings a user would set (real adapters, HTTP)."""

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from connector import demo_story
from connector.demo_rep import ActivityReport, simulate_sales
from connector.insight.html import render_report
from connector.insight.run import run_report
from connector.mapping.loader import CRM_FILES, RULES_FILE
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.launch import Crm, start_sandbox
from connector.settings import Settings
from connector.sync.engine import Progress
from connector.sync.report import RunSummary
from connector.sync.session import Session, open_session

#: Rules `connector calibrate` learned from the X Education history, used in dataset mode: the
#: shipped B2B software rules qualify almost none of a course provider's leads.
DATASET_RULES = "rules.dataset.yaml"
ACTIVITY_SHARE = 0.04  # 2 % qualified by sales, 2 % rejected
LATER = timedelta(days=5)  # how far the demo's last sync jumps: at least three business days


class DemoReport(BaseModel):
    crm: Crm
    contacts_seeded: int
    dataset: Path | None
    seed_seconds: float
    backfill: RunSummary
    activity: ActivityReport
    sync: RunSummary
    wall_seconds: float
    report_path: Path | None = None
    #: the sync five days later, when only time has passed
    later: RunSummary | None = None
    story: list[demo_story.Chapter] = []
    #: the rules file the demo ran with, and whether calibrate learned it from the history
    rules_file: Path | None = None
    rules_learned: bool = False

    @property
    def exit_code(self) -> int:
        """0 when the runs ran (skipped and rejected records are seeded on purpose); a failed or
        aborted run keeps its code."""
        runs = (self.backfill, self.sync, *([self.later] if self.later else []))
        worst = max(run.exit_code for run in runs)
        return worst if worst >= 2 else 0


def run_demo(
    crm: Crm,
    contacts: int,
    dataset: Path | None,
    mappings_dir: Path,
    progress: Progress | None = None,
    announce: Callable[[str], None] = lambda _: None,
    with_outcomes: bool = False,
    report_dir: Path | None = None,
) -> DemoReport:
    """`report_dir`: where the funnel report goes (default: a new temporary directory, left for
    the user to open)."""
    began = time.perf_counter()
    announce(f"Seeding an embedded {crm} sandbox with {contacts or 'every'} contact(s)...")
    work = Path(tempfile.mkdtemp(prefix="connector-demo-"))
    rules_file = mappings_dir / RULES_FILE
    learned = dataset is not None and (mappings_dir / DATASET_RULES).is_file()
    if learned:
        rules_file = mappings_dir / DATASET_RULES
        mappings_dir = _with_rules(mappings_dir, rules_file, work / "mappings")
        announce(f"Rules learned from this history by `connector calibrate`: {rules_file}")
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
        announce("Simulating sales activity in the CRM (BANT filled in, leads rejected)...")
        activity = simulate_sales(running, session.mappings.crms[crm], ACTIVITY_SHARE, config.seed)
        now = datetime.now(UTC)
        people = list(session.adapter.iter_contacts(None))
        story = [
            demo_story.mqls(session, people, learned),
            demo_story.qualified_person(session, people, now),
        ]
        booked = demo_story.meeting_target(people)
        if booked is not None:
            announce(f"{demo_story.name_of(booked)} books a product demo in the CRM...")
            demo_story.book_meeting(running, booked, now)
            # decided when the meeting is in the CRM, as the next sync will decide it
            preview = demo_story.meeting_preview(session, booked, datetime.now(UTC))
        announce("Running an incremental sync...")
        # A fresh session per run, as each scheduled run is a fresh process with fresh counters.
        session = open_session(settings, crm, environment=running.settings)
        sync = session.engine().sync(session.options())
        if booked is not None:
            story.append(demo_story.meeting_outcome(session, booked, preview))
        story.append(demo_story.recycled_person(session, _last_run_id(session)))
        announce("Five days later, with nobody touching the CRM: the next sync...")
        later_settings = settings.model_copy(update={"as_of": now + LATER})
        session = open_session(later_settings, crm, environment=running.settings)
        later = session.engine().sync(session.options())
        story.append(demo_story.escalations(session, _last_run_id(session)))
        announce("Writing the funnel report...")
        directory = report_dir or Path(tempfile.mkdtemp(prefix="connector-demo-report-"))
        report_path = directory / "report.html"
        figures = run_report(session, datetime.now(UTC), since=None, spend_file=None)
        report_path.write_text(render_report(figures), encoding="utf-8")
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
        later=later,
        story=[chapter for chapter in story if chapter],
        wall_seconds=time.perf_counter() - began,
        report_path=report_path,
        rules_file=rules_file,
        rules_learned=learned,
    )


def _with_rules(mappings_dir: Path, rules: Path, target: Path) -> Path:
    """The CRM files with `rules` as rules.yaml, in a new folder (never the shipped one)."""
    target.mkdir()
    for name in CRM_FILES.values():
        if (mappings_dir / name).is_file():
            shutil.copy(mappings_dir / name, target / name)
    shutil.copy(rules, target / RULES_FILE)
    return target


def _last_run_id(session: Session) -> int | None:
    runs = session.store.last_runs(session.account, 1)
    return int(runs[0]["id"]) if runs else None
