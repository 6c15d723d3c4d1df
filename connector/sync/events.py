"""The sync layer's event log (logger `connector.sync`): what a run did, one line per event.

What an operator reading a cron job's log needs to tell a quiet run from a stuck or failing
one: when each run started and ended with its counts (info), each page read and each write
batch (debug), the change-limit guard's decision, and every record skipped or rejected, by its
CRM id. Never an e-mail address, a name or the CRM's message about a record, which can quote
its values: those are in the run summary and the audit log, for people allowed to see them.
"""

import logging
from collections.abc import Sequence

from connector.adapters.base import ContactPage, RecordError, WriteResult
from connector.logs import event
from connector.sync.guard import GuardVerdict
from connector.sync.report import RunSummary

log = logging.getLogger("connector.sync")


def run_started(
    run_id: int | None, crm: str, account: str, kind: str, *, dry_run: bool, resume: bool
) -> None:
    event(
        log,
        logging.INFO,
        "run_start",
        run_id=run_id,
        crm=crm,
        account=account,
        mode=kind,
        dry_run=dry_run,
        resume=resume,
    )


def run_finished(run_id: int | None, crm: str, summary: RunSummary) -> None:
    """The run's end with its outcome, exit code, duration, API calls and every count."""
    level = logging.INFO if summary.outcome in ("ok", "finished_with_rejects") else logging.WARNING
    event(
        log,
        level,
        "run_end",
        run_id=run_id,
        crm=crm,
        account=summary.account,
        mode=summary.kind,
        dry_run=summary.dry_run,
        outcome="interrupted" if summary.outcome == "running" else summary.outcome,
        exit_code=summary.exit_code,
        seconds=round(summary.wall_seconds or 0.0, 3),
        api_calls=sum(usage.calls for usage in summary.api_calls.values()),
        **summary.counts(),
    )


def journal_kept(run_id: int | None, *, carried: int, redone: int, rows: int) -> None:
    """A failed or killed sync's decisions used by this one: how many people were carried over
    unread, how many were read and decided again because they changed (counts only)."""
    event(
        log,
        logging.INFO,
        "journal_kept",
        run_id=run_id,
        carried_over=carried,
        decided_again=redone,
        journal_rows=rows,
    )


def page_read(page: ContactPage, *, due: bool = False) -> None:
    """A page of contacts read: its size and the cursor after it (an opaque CRM paging token
    or record id, never a value of a person's record)."""
    event(
        log,
        logging.DEBUG,
        "page_read",
        object="contacts",
        read="due" if due else "changed",
        contacts=len(page.contacts),
        skipped=len(page.skipped),
        cursor=page.cursor,
    )


def write_batch(target: str, result: WriteResult, *, planned: int) -> None:
    """A write to the CRM (updates, tasks or task reassignments) and how it went."""
    outcome = "ok" if not result.rejected else "partial" if result.applied else "rejected"
    event(
        log,
        logging.DEBUG,
        "write_batch",
        object=target,
        count=planned,
        applied=len(result.applied),
        already_existed=len(result.already_existed),
        rejected=len(result.rejected),
        outcome=outcome,
    )
    records_rejected(target, result.rejected)


def records_skipped(skipped: Sequence[RecordError]) -> None:
    for error in skipped:
        event(
            log,
            logging.INFO,
            "record_skipped",
            object="contacts",
            id=error.record_id,
            code=error.code or None,
        )


def records_rejected(target: str, rejected: Sequence[RecordError]) -> None:
    """Each refused record by id (a task by its idempotency key) and the CRM's error code;
    the CRM's message stays out, since it may quote the rejected value."""
    for error in rejected:
        event(
            log,
            logging.WARNING,
            "record_rejected",
            object=target,
            id=error.record_id,
            code=error.code or None,
            field=error.field,
        )


def guard_decision(verdict: GuardVerdict) -> None:
    """The change-limit guard's verdict, passed or tripped, with the numbers it judged."""
    event(
        log,
        logging.WARNING if verdict.tripped else logging.INFO,
        "guard_abort" if verdict.tripped else "guard_pass",
        limit=verdict.limit,
        changed=verdict.changed_contacts,
        evaluated=verdict.evaluated,
        stage_changes=verdict.stage_changes,
        owner_changes=verdict.owner_changes,
    )
