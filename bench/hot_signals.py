"""Speed to lead, measured: hot signals injected between two syncs, on both CRMs.

On a sandbox seeded up to now, after a backfill, `--signals` people who can still become a
sales-qualified lead (stage subscriber, lead or MQL; an e-mail; a fit grade the rules route) get
one hot signal each, recorded the way the CRM records it, without touching the person:
HubSpot a meeting (associated with the contact) or a demo/price request is not a contact change
there, so meetings only; Salesforce alternately a Task "Demo request", a Task "Pricing request"
and an Event (a meeting). Then one incremental sync runs, and the people are read back: how many
are SQL (or beyond) with an owner and an open follow-up task of the connector.

The time from a signal to its task with a schedule of `--every` minutes is the wait for the
next run (uniform over the interval; median half of it) plus the sync's own wall time, measured.

Usage: python bench/hot_signals.py [--contacts 2000] [--signals 100] [--every 5]
Writes bench/results/hot-signals-<crm>.json.
"""

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connector.demo_rep import HubSpotRep, SalesforceRep  # noqa: E402
from connector.domain.stages import LifecycleStage  # noqa: E402
from connector.sandbox.common.config import SandboxConfig  # noqa: E402
from connector.sandbox.launch import Crm, start_sandbox  # noqa: E402
from connector.settings import Settings  # noqa: E402
from connector.sync.session import open_session  # noqa: E402

OPEN_TO_SQL = (LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.MQL)
ROUTED_GRADES = ("A", "B", "C")
BEYOND_SQL = (
    LifecycleStage.SQL.value,
    LifecycleStage.OPPORTUNITY.value,
    LifecycleStage.CUSTOMER.value,
)


def measure(crm: Crm, contacts: int, signals: int, every_minutes: float) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-hot-"))
    now = datetime.now(UTC).replace(microsecond=0)
    running = start_sandbox(crm, SandboxConfig(contacts=contacts, seed_now=now), work / "tls")
    try:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            crm=crm,
            mappings_dir=REPO / "mappings",
            state_url=str(work / "state.sqlite"),
            account="bench",
        )
        session = open_session(settings, crm, environment=running.settings)
        session.engine().backfill(session.options())
        people = list(session.adapter.iter_contacts(None))
        chosen = [
            p
            for p in people
            if p.lifecycle_stage in OPEN_TO_SQL and p.email and p.grade in ROUTED_GRADES
        ][:signals]
        start = datetime.now(UTC)  # after the backfill decided (and recycled) anyone
        for index, person in enumerate(chosen):
            if crm == "hubspot":
                HubSpotRep.of(running).book_meeting(person.id, start)
            elif index % 3 == 2:
                SalesforceRep.of(running).log_event(person.id, "Product demo", start)
            else:
                subject = "Demo request" if index % 3 == 0 else "Pricing request"
                SalesforceRep.of(running).log_task(person.id, subject)
        # The next scheduled run comes after the signals (a minute later here): the sandbox
        # stamps each write a millisecond after the last, so right after a burst of writes its
        # clock runs seconds ahead of the wall clock, and the rules ignore later engagement.
        later = settings.model_copy(update={"as_of": datetime.now(UTC) + timedelta(minutes=1)})
        session = open_session(later, crm, environment=running.settings)
        began = time.perf_counter()
        summary = session.engine().sync(session.options())
        sync_seconds = time.perf_counter() - began
        after = {p.id: p for p in session.adapter.read_contacts([p.id for p in chosen]).contacts}
        keys = [row["key"] for row in _task_keys(session, [p.id for p in chosen])]
        open_tasks = {
            state.contact_id
            for state in session.adapter.task_states(keys).values()
            if state.status == "open"
        }
        reached = [
            pid
            for pid, p in after.items()
            if p.lifecycle_stage is not None
            and p.lifecycle_stage.value in BEYOND_SQL
            and p.owner_id
            and pid in open_tasks
        ]
        missed = [
            {
                "id": pid,
                "stage": p.lifecycle_stage.value if p.lifecycle_stage else None,
                "owner": bool(p.owner_id),
                "open_task": pid in open_tasks,
                "grade": p.grade,
                "why": _why_not(session, pid),
            }
            for pid, p in after.items()
            if pid not in reached
        ]
    finally:
        running.stop()
    median_minutes = every_minutes / 2 + sync_seconds / 60
    return {
        "crm": crm,
        "contacts": contacts,
        "signals": len(chosen),
        "reached_sql_with_owner_and_open_task": len(reached),
        "missed": missed,
        "sync_contacts_read": summary.contacts_read,
        "sync_calls": sum(u.calls for u in summary.api_calls.values()),
        "sync_seconds": round(sync_seconds, 2),
        "schedule_minutes": every_minutes,
        "median_signal_to_task_minutes": round(median_minutes, 2),
        "worst_signal_to_task_minutes": round(every_minutes + sync_seconds / 60, 2),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _why_not(session: Any, person_id: str) -> str:
    """What the rules say about the person now (as `connector explain` prints it)."""
    from connector.sync.explain import explain_contact

    now = session.settings.as_of or datetime.now(UTC)
    found = explain_contact(
        session.adapter, session.mappings.rules, session.store, "bench", person_id, now
    ).explanations
    if not found:
        return "unusable"
    stage = found[0].evaluation.stage
    if stage.transition is not None:
        return "; ".join(stage.transition.reasons)
    return " ".join(stage.notes)


def _task_keys(session: Any, contact_ids: list[str]) -> list[dict[str, Any]]:
    """The connector's task keys for these people, from its own state store."""
    from sqlalchemy import select

    from connector.sync.schema import task_keys

    with session.store.engine.connect() as connection:
        rows = connection.execute(
            select(task_keys).where(task_keys.c.account == "bench")
        ).mappings()
        wanted = set(contact_ids)
        return [dict(row) for row in rows if row.get("contact_id") in wanted]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--signals", type=int, default=100)
    parser.add_argument("--every", type=float, default=5.0)
    args = parser.parse_args()
    for crm in ("hubspot", "salesforce"):
        result = measure(crm, args.contacts, args.signals, args.every)  # type: ignore[arg-type]
        print(json.dumps(result))
        out = REPO / "bench" / "results" / f"hot-signals-{crm}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
