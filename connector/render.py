"""How results look to people: rich tables and progress bars. Machines get --json instead.

Only record ids are printed, never names or e-mail addresses (personal data stays in the CRM),
except in `explain`, whose user asked about one person by name.
Everything that comes from the CRM or the rules files is printed through `shown()`.
The views of past runs, audit trails and the settings in effect (like `dbt debug` or `meltano
config list`) render what the state store and pydantic-settings hold, and nothing else.
"""

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv import dotenv_values
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from connector.shown import shown
from connector.sync.report import SCORE_BUCKETS, RunSummary

# Types only: `connector runs`, `config` and `accounts list` need no sandbox, engine or insight.
if TYPE_CHECKING:
    from connector.demo import DemoReport
    from connector.insight.whatif import WhatIf
    from connector.sync.accounts import AccountStatus
    from connector.sync.engine import Progress as ProgressCallback
    from connector.sync.explain import ExplainResult, Explanation

JSON_SCHEMA_VERSION = 1  # bumped when a --json layout changes incompatibly
MAX_LISTED_PROBLEMS = 20
PLAN_PREVIEW = 20  # people a dry run details unless --plan full
NEXT_STEPS = (
    "Open the funnel report above in a browser (it works offline).",
    "Run it for real: `connector init` writes mappings/ and .env here; put your CRM's "
    "credentials in .env, then `connector mappings validate`, `connector mappings provision`, "
    "`connector backfill --dry-run`, `connector backfill`, and `connector sync` on a schedule.",
    "Tune the rules on your own history: `connector calibrate --out proposed.yaml`, review the "
    "diff, `connector whatif --rules proposed.yaml`, then `connector backtest`.",
)


@contextmanager
def progress_bar(console: Console, label: str) -> "Iterator[ProgressCallback]":
    """A bar with records done/total, rate and ETA; yields the engine's progress callback."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} contacts/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=None, rate="-")

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f}" if speed else "-")

        yield update


def _counts_table(summary: RunSummary) -> Table:
    rows = [
        ("outcome", summary.outcome + (" (dry run: nothing written)" if summary.dry_run else "")),
        ("contacts read", f"{summary.contacts_read:,}"),
        ("updates planned", f"{summary.updates_planned:,}"),
        ("updates applied", f"{summary.updates_applied:,}"),
        ("owners assigned", f"{summary.owners_assigned:,}"),
        ("tasks planned", f"{summary.tasks_planned:,}"),
        ("tasks created", f"{summary.tasks_created:,}"),
        ("tasks that already existed", f"{summary.tasks_already_existed:,}"),
        ("people re-decided because due", f"{summary.contacts_due:,}"),
        ("people deleted in the CRM, forgotten", f"{summary.contacts_deleted:,}"),
        ("cooled scores refreshed", f"{summary.scores_refreshed:,}"),
        ("SLA escalations planned", f"{summary.escalations_planned:,}"),
        ("SLA escalations applied", f"{summary.escalations_applied:,}"),
        ("overdue tasks done by the rep", f"{summary.escalations_closed:,}"),
        ("records rejected by the CRM", f"{len(summary.rejected):,}"),
        ("records skipped (unusable data)", f"{len(summary.skipped):,}"),
        ("fields left alone (a person's edit)", f"{summary.fields_held:,}"),
    ]
    if summary.killed_runs:
        killed = ", ".join(str(run) for run in summary.killed_runs)
        rows.append(("killed runs closed", f"{killed} ({summary.recovered_updates:,} finished)"))
    if summary.resumed_from_page is not None:
        rows.append(("resumed after page", f"{summary.resumed_from_page:,}"))
    if summary.decisions_carried_over:
        rows.append(("decisions kept from a failed sync", f"{summary.decisions_carried_over:,}"))
    if summary.wall_seconds is not None:
        rate = summary.contacts_read / summary.wall_seconds if summary.wall_seconds else 0.0
        rows.append(("wall time", f"{summary.wall_seconds:.1f} s ({rate:,.0f} contacts/s)"))
    title = f"{summary.kind} of {summary.account}"
    return table_of(title, "what", "count", rows=rows, show_header=False)


def _distribution_table(summary: RunSummary) -> Table:
    labels = [label for _, _, label in SCORE_BUCKETS] + ["100+"]
    rows = [(label, f"{summary.score_distribution.get(label, 0):,}") for label in labels]
    return table_of("score distribution", "score", "contacts", rows=rows)


def _stages_table(summary: RunSummary) -> Table:
    moves = sorted(summary.stage_changes.items(), key=lambda item: -item[1])
    rows = [(move, f"{count:,}") for move, count in moves] or [("(none)", "0")]
    return table_of("stage changes", "from -> to", "contacts", rows=rows)


def _calls_table(summary: RunSummary) -> Table:
    rows = [(e, f"{u.calls:,}", f"{u.records:,}") for e, u in sorted(summary.api_calls.items())]
    table = table_of("API calls", "endpoint", "calls", "records", rows=rows, numbers=2)
    every = summary.api_calls.values()
    calls, records = sum(u.calls for u in every), sum(u.records for u in every)
    table.add_row("total", f"{calls:,}", f"{records:,}", style="bold")
    return table


def print_summary(console: Console, summary: RunSummary) -> None:
    if summary.outcome in {"failed", "locked"} and not summary.contacts_read:
        # Nothing happened but the reason: a table of zeros would only hide it.
        console.print(shown(summary.message), style="bold red")
        return
    console.print(_counts_table(summary))
    if summary.contacts_read:
        console.print(_distribution_table(summary))
        console.print(_stages_table(summary))
    if summary.api_calls:
        console.print(_calls_table(summary))
    for title, problems in (("rejected", summary.rejected), ("skipped", summary.skipped)):
        for problem in problems[:MAX_LISTED_PROBLEMS]:
            console.print(shown(f"{title} {problem.record_id}: {problem.message}"))
        if len(problems) > MAX_LISTED_PROBLEMS:
            rest = len(problems) - MAX_LISTED_PROBLEMS
            console.print(f"... and {rest} more {title} (see --json or the audit log)")
    if summary.message:
        style = "bold red" if summary.exit_code else ""
        console.print(shown(summary.message), style=style)


def _plan_value(field: str, value: object, summary: RunSummary) -> str:
    if value is None:
        return ""
    if field == "owner_id" and str(value) in summary.owner_names:
        return f"{summary.owner_names[str(value)]} ({value})"
    return str(value)


def _plan_overview(summary: RunSummary) -> Table:
    fields: Counter[str] = Counter()
    for change in summary.plan:
        fields.update(field for field in change.changes if field != "score_reasons")
    tasks = sum(1 for change in summary.plan if change.task is not None)
    rows = [(field, f"{count:,}") for field, count in fields.most_common()]
    title = f"plan: {len(summary.plan):,} contact(s) would change"
    return table_of(
        title, "what would change", "contacts", rows=[*rows, ("task created", f"{tasks:,}")]
    )


def print_plan(console: Console, summary: RunSummary, full: bool = False) -> None:
    """The dry run's plan: an overview and the first PLAN_PREVIEW people (every one with
    `full`), per contact the field changes (old -> new, owners by name) and the task."""
    if not summary.plan:
        console.print("The plan is empty: nothing would change.")
        _print_escalations(console, summary)
        return
    shown_plan = summary.plan if full else summary.plan[:PLAN_PREVIEW]
    if not full:
        console.print(_plan_overview(summary))
    title = f"{len(shown_plan):,} of {len(summary.plan):,} contact(s) in detail"
    table = table_of(title, "contact", "field", "now", "would become", numbers=0)
    table.columns[0].overflow = "fold"  # a Salesforce id is never cut when piped
    for change in shown_plan:
        rows: list[tuple[str, str | Text, Text]] = [
            (
                field,
                shown(_plan_value(field, change.previous.get(field), summary)),
                shown(_plan_value(field, value, summary)),
            )
            for field, value in change.changes.items()
            if field != "score_reasons"  # the explanation text itself; shown by `connector explain`
        ]
        if change.task is not None:
            due = f"{change.task.due_at:%Y-%m-%d %H:%M} UTC"
            owner = _plan_value("owner_id", change.task.owner_id, summary) or "nobody"
            rows.append(("task", "", shown(f"{change.task.subject} for {owner} (due {due})")))
        for index, row in enumerate(rows):  # the contact's id on its first line only
            table.add_row(change.contact_id if index == 0 else "", *row)
    console.print(table)
    if len(shown_plan) < len(summary.plan):
        rest = len(summary.plan) - len(shown_plan)
        console.print(f"... and {rest:,} more contact(s): --plan full lists every one.")
    _print_escalations(console, summary)


def _explanation(console: Console, item: "Explanation") -> None:
    contact, evaluation = item.contact, item.evaluation
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    header = shown(contact.id)
    header.stylize("bold")
    console.print(header + shown(f" {name} <{contact.email}>"))
    stage = contact.lifecycle_stage.value if contact.lifecycle_stage else "none"
    console.print(
        shown(
            f"  CRM now: stage {stage}, score {contact.score}, grade {contact.grade}, "
            f"owner {contact.owner_id or 'none'}"
        )
    )
    columns = ("rule", "events", "raw", "after day cap", "after decay", "points")
    score = table_of(f"score {evaluation.score.total}", *columns, numbers=5)
    for line in evaluation.score.lines:
        score.add_row(
            shown(line.rule + (f" ({line.note})" if line.note else "")),
            str(line.events or ""),
            f"{line.raw_points:g}",
            f"{line.capped_points:g}",
            f"{line.decayed_points:.1f}",
            f"{line.points:+d}",
        )
    score.add_row("total", "", "", "", "", str(evaluation.score.total), style="bold")
    console.print(score)
    title = f"fit grade {evaluation.fit.grade} ({evaluation.fit.points} points)"
    fits = [(shown(f.rule), shown(f.matched), f"{f.points:+d}") for f in evaluation.fit.lines]
    console.print(table_of(title, "rule", "matched", "points", rows=fits))
    for reason in evaluation.fit.disqualified_reasons:
        console.print(shown(f"  disqualifier: {reason}"))
    transition = evaluation.stage.transition
    if transition is not None:
        origin = transition.from_stage.value if transition.from_stage else "none"
        console.print(
            shown(
                f"  stage: {origin} -> {transition.to_stage.value} ({transition.kind.value}) "
                "because " + "; ".join(transition.reasons)
            )
        )
    else:
        console.print(shown("  stage: no change. " + " ".join(evaluation.stage.notes)))
    routing = evaluation.routing
    if routing is not None:
        chosen = routing.assignment
        verdict = f"owner {chosen.owner_id} by {chosen.rule}" if chosen else "no owner chosen"
        console.print(shown(f"  routing: {verdict}: " + "; ".join(routing.reasons)))
    if evaluation.task is not None:
        task = evaluation.task
        console.print(
            shown(
                f"  task: {task.subject} for {task.owner_id or 'nobody'}, {task.priority.value} "
                f"priority, due {task.due_at:%Y-%m-%d %H:%M} UTC"
            )
        )
    if item.update is None:
        console.print("  a sync would write nothing: the CRM already holds these values")
    else:
        writes = ", ".join(
            f"{field.value} {item.update.previous.get(field)!r} -> {value!r}"
            for field, value in item.update.changes.items()
            if field.value != "score_reasons"
        )
        console.print(shown(f"  a sync would write: {writes}"))


def print_explanations(console: Console, result: "ExplainResult") -> None:
    for item in result.explanations:
        _explanation(console, item)
    for problem in result.unusable:
        console.print(
            shown(f"{problem.record_id}: the rules cannot use this record: {problem.message}")
        )


def print_demo(console: Console, report: "DemoReport") -> None:
    source = f"rows of {report.dataset}" if report.dataset else "generated contacts"
    console.print(
        f"[bold]Demo on the embedded {report.crm} sandbox[/bold]: {report.contacts_seeded:,} "
        f"{source}, seeded in {report.seed_seconds:.1f} s.",
        highlight=False,
    )
    if report.rules_file is not None:
        how = (
            "learned from this history's outcomes by `connector calibrate` (the command is in "
            "the file's header)"
            if report.rules_learned
            else "as shipped"
        )
        console.print(shown(f"Rules: {report.rules_file}, {how}."), highlight=False)
    console.rule("1. backfill: every contact scored, staged, routed")
    print_summary(console, report.backfill)
    console.rule("2. meanwhile in the CRM")
    console.print(
        f"Sales filled in BANT for {report.activity.qualified} lead(s) and rejected "
        f"{report.activity.rejected}.",
        highlight=False,
    )
    console.rule("3. incremental sync: only what changed")
    print_summary(console, report.sync)
    if report.later is not None:
        console.rule("4. five days later: only time passed")
        later = report.later
        console.print(
            f"{later.contacts_due:,} people re-decided because their decision fell due, "
            f"{later.scores_refreshed:,} cooled scores refreshed, "
            f"{later.escalations_applied:,} overdue follow-up(s) escalated; stage changes: "
            + (", ".join(f"{m} {n}" for m, n in later.stage_changes.items()) or "none"),
            highlight=False,
        )
    if report.story:
        console.rule("the people behind the numbers")
        for chapter in report.story:
            console.print(Text(chapter.title, style="bold"))
            for line in chapter.lines:
                console.print(shown(line))
    console.print(f"Demo finished in {report.wall_seconds:.1f} s.", highlight=False)
    if report.report_path is not None:
        console.print(shown(f"Funnel report: {report.report_path}"), highlight=False)
    console.rule("next")
    for line in NEXT_STEPS:
        console.print(shown(line))


def _print_escalations(console: Console, summary: RunSummary) -> None:
    """The dry run's SLA escalations: task, person, action, from and to whom, and why."""
    if not summary.escalations:
        return
    title = f"SLA escalations: {len(summary.escalations):,} overdue task(s)"
    table = table_of(title, "task", "contact", "action", "from", "to", "why", numbers=0)
    for plan in summary.escalations:
        table.add_row(
            plan.task_crm_id,
            plan.contact_id,
            plan.action.value,
            plan.from_owner_id or "",
            plan.to_owner_id or "(nobody)",
            plan.reason,
        )
    console.print(table)


def print_whatif(console: Console, result: "WhatIf", page: Path) -> None:
    """The what-if's headline numbers, its stage changes and where its page was written."""
    console.print(
        f"{result.people} people decided twice: {result.people_changed} would change; "
        f"MQLs +{result.mql_gained}/-{result.mql_lost}, SQLs +{result.sql_gained}/"
        f"-{result.sql_lost}; {result.tasks_added} task(s) would be created, "
        f"{result.tasks_removed} no longer."
    )
    if result.stage_changes:
        rows = [(shown(change), str(count)) for change, count in result.stage_changes.items()]
        console.print(table_of("Stage changes (live -> proposed)", "change", "people", rows=rows))
    console.print(shown(f"what-if written to {page}"))


_AUDIT_TEXT = ("kind", "field", "old_value", "new_value", "rule")  # printed as data, never markup


def table_of(
    title: str,
    *columns: str,
    rows: Iterable[Sequence[RenderableType]] = (),
    numbers: int = 1,
    show_header: bool = True,
) -> Table:
    """A table of `rows` whose last `numbers` columns hold numbers (right-aligned)."""
    table = Table(title=title, show_header=show_header)
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if index >= len(columns) - numbers else "left")
    for row in rows:
        table.add_row(*row)
    return table


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if isinstance(value, datetime) else ""


def runs_table(rows: Iterable[Mapping[str, Any]], account: str) -> Table:
    table = Table(title=f"runs of {account}, newest first")
    for column in ("run", "kind", "started", "finished", "outcome", "read", "updated", "tasks"):
        table.add_column(column, justify="right" if column in ("run", "read") else "left")
    table.add_column("rejected / skipped", justify="right")
    for row in rows:
        counts = row.get("counts") or {}
        table.add_row(
            str(row["id"]),
            row["kind"] + (" (dry run)" if row.get("dry_run") else ""),
            _when(row.get("started_at")),
            _when(row.get("finished_at")),
            shown(row.get("outcome") or "unfinished"),
            f"{counts.get('contacts_read', 0):,}",
            f"{counts.get('updates_applied', 0):,}",
            f"{counts.get('tasks_created', 0):,}",
            f"{counts.get('rejected', 0):,} / {counts.get('skipped', 0):,}",
        )
    return table


def print_audit(console: Console, audit: Mapping[str, Any]) -> None:
    """`connector audit`: each person's trail (audit["contacts"]: id -> rows), oldest first."""
    columns = ("at", "run", "what", "field", "old", "new", "rule")
    for contact_id, rows in audit["contacts"].items():
        table = table_of(f"audit trail of {contact_id}, oldest first", *columns, numbers=0)
        for row in rows:
            table.add_row(
                _when(row.get("at")),
                str(row.get("run_id") or ""),
                *(shown(row.get(key) or "") for key in _AUDIT_TEXT),
            )
        console.print(table)
        if not rows:
            console.print(shown(f"The connector has written nothing for {contact_id}."))


def settings_in_effect(
    settings: Iterable[BaseSettings],
    env_file: Path = Path(".env"),
    from_env_file: Mapping[str, Path] | None = None,
) -> list[dict[str, str]]:
    """Each setting's variable, value in effect (secrets masked) and where it came from;
    `from_env_file` names the variables an `--env-file` put into the environment."""
    from_env_file = from_env_file or {}
    from_file = {k: v for k, v in dotenv_values(env_file).items() if v}  # {} without a file
    rows = []
    for instance in settings:
        prefix = str(instance.model_config.get("env_prefix", ""))
        for name, field in type(instance).model_fields.items():
            if field.deprecated:  # an old name: its value shows under the new one
                continue
            variable = f"{prefix}{name}".upper()
            value = getattr(instance, name)
            if variable in from_env_file:
                source = f"--env-file {from_env_file[variable]}"
            elif os.environ.get(variable):
                source = "environment"
            elif variable in from_file:
                source = str(env_file)
            elif any(key.startswith(f"{variable}__") for key in (*os.environ, *from_file)):
                source = "environment or .env (nested)"
            else:
                source = "default"
            if isinstance(value, SecretStr):
                shown_value = "*** (set)" if value.get_secret_value() else "(empty)"
            elif value is None:
                shown_value = "(not set)"
            elif isinstance(value, BaseModel):
                shown_value = str(value.model_dump())
            else:
                shown_value = str(value)
            rows.append({"setting": variable, "value": shown_value, "source": source})
    return rows


def settings_table(rows: Iterable[Mapping[str, str]]) -> Table:
    table = Table(title="settings in effect")
    for column in ("setting", "value", "from"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["setting"], shown(row["value"]), row["source"])
    return table


def _lag(seconds: int | None) -> str:
    if seconds is None:
        return "never synced"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def accounts_table(statuses: "Iterable[AccountStatus]", now: datetime) -> Table:
    """`connector accounts list`: one account a row; lag is how old its newest data may be."""
    columns = ("account", "crm", "every", "last run", "outcome", "watermark", "lag", "lock")
    table = table_of(f"accounts at {_when(now)}", *columns, "unset credentials", numbers=0)
    for status in statuses:
        last = status.last_run
        lock = status.lock
        table.add_row(
            shown(status.name),
            status.crm,
            _lag(status.every_seconds),
            "" if last is None else f"{last.kind} {_when(last.started_at)}",
            "" if last is None else shown(last.outcome or "unfinished"),
            _when(status.watermark),
            _lag(status.lag_seconds) + (" (behind)" if status.behind else ""),
            ""
            if lock is None
            else shown(f"pid {lock.pid} on {lock.host} since {_when(lock.heartbeat_at)}"),
            shown(", ".join(status.missing_credentials)),
        )
    return table


def accounts_run_table(results: Iterable[Mapping[str, Any]]) -> Table:
    """How each account's sync of `sync --all-accounts` ended."""
    rows = [(shown(result["account"]), str(result["exit_code"])) for result in results]
    return table_of("sync of every account", "account", "exit code", rows=rows)
