"""`connector demo`: the whole product on a fresh machine, against an embedded sandbox seeded
with histories up to now: a backfill, sales activity in the CRM, an incremental sync. The
connector reaches the sandbox only through the settings a user would set (real adapters, HTTP).

The demo's story: a few named people, so the counts have faces. A person made an MQL by the
score lines shown, with owner and task; a booked meeting making an SQL at the next sync; a
rejected lead recycled; days later, overdue follow-ups escalated. Each line is read back from
the CRM or the state store, never made up."""

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from connector.demo_rep import ActivityReport, HubSpotRep, SalesforceRep, simulate_sales
from connector.domain.contact import Contact
from connector.domain.engine import Evaluation
from connector.domain.stages import LifecycleStage
from connector.insight.html import render_report
from connector.insight.run import run_report
from connector.mapping.loader import CRM_FILES, RULES_FILE
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.launch import Crm, RunningSandbox, start_sandbox
from connector.settings import Settings
from connector.sync.engine import Progress
from connector.sync.explain import explain_contact
from connector.sync.report import RunSummary
from connector.sync.session import Session, open_session

#: Rules `connector calibrate` learned from the X Education history, used in dataset mode: the
#: shipped B2B software rules qualify almost none of a course provider's leads.
DATASET_RULES = "rules.dataset.yaml"
ACTIVITY_SHARE = 0.04  # 2 % qualified by sales, 2 % rejected
LATER = timedelta(days=5)  # how far the demo's last sync jumps: at least three business days


class Chapter(BaseModel):
    title: str
    lines: list[str]


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
    story: list[Chapter] = []
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
) -> DemoReport:
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
            mqls(session, people, learned),
            qualified_person(session, people, now),
        ]
        booked = meeting_target(people)
        if booked is not None:
            announce(f"{name_of(booked)} books a product demo in the CRM...")
            book_meeting(running, booked, now)
            # decided when the meeting is in the CRM, as the next sync will decide it
            preview = meeting_preview(session, booked, datetime.now(UTC))
        announce("Running an incremental sync...")
        # A fresh session per run, as each scheduled run is a fresh process with fresh counters.
        session = open_session(settings, crm, environment=running.settings)
        sync = session.engine().sync(session.options())
        if booked is not None:
            story.append(meeting_outcome(session, booked, preview))
        story.append(recycled_person(session, _last_run_id(session)))
        announce("Five days later, with nobody touching the CRM: the next sync...")
        later_settings = settings.model_copy(update={"as_of": now + LATER})
        session = open_session(later_settings, crm, environment=running.settings)
        later = session.engine().sync(session.options())
        story.append(escalations(session, _last_run_id(session)))
        announce("Writing the funnel report...")
        # in a directory of its own, left for the user to open (`work` goes when the demo ends)
        report_path = Path(tempfile.mkdtemp(prefix="connector-demo-report-")) / "report.html"
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


# ---- the story ----------------------------------------------------------------------------------
ROUTABLE_GRADES = ("A", "B", "C")


def name_of(contact: Contact) -> str:
    return " ".join(p for p in (contact.first_name, contact.last_name) if p) or contact.id


def _owner_names(session: Session) -> dict[str, str]:
    return {o.id: o.name or o.email or o.id for o in session.adapter.list_owners()}


def _evaluation(session: Session, person: Contact, now: datetime) -> Evaluation | None:
    """What the rules decide for `person` now, as `connector explain` shows it (None: unusable)."""
    found = explain_contact(
        session.adapter, session.mappings.rules, session.store, session.account, person.id, now
    ).explanations
    return found[0].evaluation if found else None


MQLS_NAMED = 5


def mqls(session: Session, people: list[Contact], learned: bool) -> Chapter | None:
    """How many people the rules made MQLs, the best-scored few by name, and which rules."""
    qualified = [p for p in people if p.lifecycle_stage == LifecycleStage.MQL]
    found = sorted(qualified, key=lambda p: -(p.score or 0))
    mql = session.mappings.rules.lifecycle.mql
    how = "the rules as written in rules.yaml"
    if learned:
        how = "rules learned from this history's outcomes by `connector calibrate`"
    lines = [
        f"{len(found):,} people are marketing-qualified (score >= {mql.min_score:g}, grade "
        f"{mql.min_grade} or better), by the {how}."
    ]
    lines += [
        f"  {name_of(p)}: score {p.score if p.score is not None else '?'}, grade {p.grade or '?'}"
        for p in found[:MQLS_NAMED]
    ]
    return Chapter(title="the marketing-qualified leads", lines=lines)


def qualified_person(session: Session, people: list[Contact], now: datetime) -> Chapter | None:
    """An MQL with an owner, line by line; else the lead closest to it."""
    threshold = session.mappings.rules.lifecycle.mql.min_score
    reachable = [p for p in people if p.lifecycle_stage == LifecycleStage.MQL and p.email]
    qualified = [p for p in reachable if p.owner_id and (p.score or 0) >= threshold]
    leads = [p for p in people if p.lifecycle_stage == LifecycleStage.LEAD and p.email]
    chosen = next(iter(qualified or sorted(leads, key=lambda p: -(p.score or 0))), None)
    evaluation = None if chosen is None else _evaluation(session, chosen, now)
    if chosen is None or evaluation is None:
        return None
    top = sorted(evaluation.score.lines, key=lambda line: -abs(line.points))[:4]
    owners = _owner_names(session)
    status = "is a marketing-qualified lead"
    if not qualified:
        status = f"is the lead closest to MQL ({threshold:g} points needed)"
    lines = [
        f"{name_of(chosen)} {status}: score {evaluation.score.total}, fit grade "
        f"{evaluation.fit.grade}.",
        *(f"  {line.points:+d}  {line.rule}" for line in top),
        f"  owner: {owners.get(chosen.owner_id or '', 'none yet')}",
    ]
    title = "a marketing-qualified lead, and why" if qualified else "almost an MQL, and why"
    return Chapter(title=title, lines=lines)


def meeting_target(people: list[Contact]) -> Contact | None:
    """A lead the rules can route: at stage lead, with an e-mail and a usable grade."""
    leads = [p for p in people if p.lifecycle_stage == LifecycleStage.LEAD and p.email]
    return next((p for p in leads if p.grade in ROUTABLE_GRADES and not p.owner_id), None)


def book_meeting(running: RunningSandbox, person: Contact, now: datetime) -> None:
    """What a prospect booking a demo leaves in the CRM: a meeting on their record only."""
    start = now - timedelta(minutes=1)
    if running.crm == "hubspot":
        HubSpotRep.of(running).book_meeting(person.id, start)
    else:
        SalesforceRep.of(running).log_event(person.id, "Product demo", start)


def meeting_preview(session: Session, person: Contact, now: datetime) -> list[str]:
    """What the next sync will do for the booked person and why, before anything is written."""
    evaluation = _evaluation(session, person, now)
    if evaluation is None:
        return []
    owners = _owner_names(session)
    lines = []
    if evaluation.stage.transition is not None:
        lines.append("  why: " + "; ".join(evaluation.stage.transition.reasons))
    if evaluation.routing is not None and evaluation.routing.assignment is not None:
        chosen = evaluation.routing.assignment
        name = owners.get(chosen.owner_id, chosen.owner_id)
        lines.append(f"  owner: {name}, by {chosen.rule}: " + "; ".join(evaluation.routing.reasons))
    if evaluation.task is not None:
        zone = ZoneInfo(session.mappings.rules.tasks.business_hours.time_zone)
        due = evaluation.task.due_at.astimezone(zone)
        lines.append(f"  task due {due:%a %Y-%m-%d %H:%M %Z} (the SLA counts business hours)")
    return lines


def meeting_outcome(session: Session, person: Contact, preview: list[str]) -> Chapter:
    """The booked person as the CRM holds them after the next sync, and the task they got."""
    after = next(iter(session.adapter.find_contacts(person.id).contacts), person)
    owners = _owner_names(session)
    audit = session.store.audit_entries(session.account, person.id)
    tasks = [entry for entry in audit if entry["kind"] == "task"]
    stage = after.lifecycle_stage.value if after.lifecycle_stage else "none"
    lines = [
        f"{name_of(person)} booked a product demo in the CRM; their own record did not change.",
        f"  next sync: stage {stage}, owner {owners.get(after.owner_id or '', 'none')}",
        *(f"  task: {entry['rule']}" for entry in tasks[-1:]),
        *preview,
    ]
    return Chapter(title="a meeting booked in the CRM", lines=lines)


def recycled_person(session: Session, run_id: int | None) -> Chapter | None:
    """A lead sales rejected, sent back to nurture by the sync, with the reason."""
    for entry in session.store.audit_entries(session.account):
        if (
            entry["kind"] == "transition"
            and entry["run_id"] == run_id
            and entry["new_value"] == LifecycleStage.LEAD.value
            and entry["old_value"] not in (LifecycleStage.SUBSCRIBER.value, entry["new_value"])
        ):
            person = next(iter(session.adapter.find_contacts(entry["contact_id"]).contacts), None)
            who = name_of(person) if person else entry["contact_id"]
            return Chapter(
                title="a lead sales rejected",
                lines=[f"{who}: {entry['old_value']} -> lead (recycled): {entry['rule']}"],
            )
    return None


def escalations(session: Session, run_id: int | None) -> Chapter | None:
    """Follow-ups left open past their SLA, escalated by a later sync."""
    owners = _owner_names(session)
    audit = session.store.audit_entries(session.account)
    found = [e for e in audit if e["kind"] == "escalation" and e["run_id"] == run_id]
    if not found:
        return None
    lines = [
        f"{len(found)} follow-up(s) still open past their SLA were escalated, for example:",
        *(
            f"  {owners.get(e['old_value'] or '', e['old_value'] or 'nobody')} -> "
            f"{owners.get(e['new_value'] or '', e['new_value'] or 'nobody')} "
            f"({e['rule'].split(': ', 1)[0]})"
            for e in found[:2]
        ),
    ]
    return Chapter(title="five days later, nobody had touched the follow-ups", lines=lines)
