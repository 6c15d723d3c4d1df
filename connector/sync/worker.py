"""Workers on any number of machines, scheduling every account's sync through procrastinate.

procrastinate is a job queue kept in PostgreSQL — the state store's own database, so workers
need no infrastructure beside it. What it gives, and this module relies on:
- a job's `lock` (here: the account name) keeps two jobs of one account from running at once
  on any worker, and its `queueing_lock` keeps one queued job per account, however many
  workers schedule it;
- periodic tasks are deferred once per tick across all workers (a unique row per tick);
- workers heartbeat, so the job of a killed worker is found as *stalled* and queued again.

Each account's run is an ordinary `connector sync --account NAME` (or `backfill --resume` for
an account that has never run) in a process of its own, forked from a server that imported the
connector once: the same code path, exit codes and lock as from cron, one account's settings
never in another's process, and a slow account occupies one slot of one worker while the
others go on. The run is killed with its worker (Linux PR_SET_PDEATHSIG), so a killed worker
leaves no run behind that would hold the account.
"""

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, UniqueViolation
from procrastinate.jobs import Status
from procrastinate.schema import SchemaManager
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connector.logs import event
from connector.sync.accounts import AccountSet
from connector.sync.state import StateStore

logger = logging.getLogger("connector.worker")

SYNC_TASK = "connector.sync_account"
_PR_SET_PDEATHSIG = 1


class WorkerConfigError(Exception):
    """Workers need a PostgreSQL state store (exit 2)."""


@dataclass(frozen=True)
class WorkerOptions:
    accounts_file: Path
    state_url: str
    #: a picklable top-level function(argv, accounts_file) that runs one command line in the
    #: forked process (the CLI's; this layer does not import the CLI)
    run_command: Callable[[list[str], str], None]
    #: how often the schedule is looked at (a periodic task; seconds, ≥ 1)
    tick_seconds: int = 60
    concurrency: int = 2
    heartbeat_seconds: float = 10.0
    #: a worker silent this long is taken for dead and its job is queued again
    stalled_after_seconds: float = 30.0


def queue_url(state_url: str) -> str:
    """The libpq address of the state store, which must be PostgreSQL."""
    try:
        url = make_url(state_url)
    except ArgumentError:
        url = None
    if url is None or url.get_backend_name() != "postgresql":
        raise WorkerConfigError(
            "workers keep their queue in the state store's database, which must be PostgreSQL: "
            "set CONNECTOR_STATE_URL to postgresql+psycopg://user@host/db (README, "
            "'Running many accounts')"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _die_with_parent() -> None:
    """In the forked run: receive SIGKILL when the process that forked it dies (the fork
    server, which itself ends with its worker)."""
    with contextlib.suppress(OSError):  # not Linux: a killed worker's run ends on its own
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _cron_every(seconds: int) -> str:
    """procrastinate's cron with a seconds column, firing every `seconds` (≤ 60)."""
    if not 1 <= seconds <= 60 or 60 % seconds:
        raise WorkerConfigError(f"the schedule tick must divide a minute, not {seconds} s")
    return "* * * * *" if seconds == 60 else f"* * * * * */{seconds}"


def build_app(options: WorkerOptions) -> App:
    """The queue and its two tasks: run one account; look at the schedule every tick."""
    app = App(connector=PsycopgConnector(conninfo=queue_url(options.state_url)))

    @app.task(name=SYNC_TASK)
    async def sync_account(account: str) -> None:
        await run_account(account, options)

    @app.periodic(cron=_cron_every(options.tick_seconds), periodic_id="schedule")
    @app.task(name="connector.schedule", queueing_lock="connector.schedule")
    async def schedule(timestamp: int) -> None:
        await requeue_stalled(app, options)
        moment = datetime.fromtimestamp(timestamp, UTC)
        for account in await asyncio.to_thread(due_accounts, options, moment):
            try:
                await sync_account.configure(lock=account, queueing_lock=account).defer_async(
                    account=account
                )
                event(logger, logging.INFO, "account_queued", account=account)
            except AlreadyEnqueued:
                pass  # one queued run per account is enough

    return app


def due_accounts(options: WorkerOptions, now: datetime) -> list[str]:
    """Accounts whose last run started at least one interval before `now`, or never ran."""
    accounts = AccountSet.load(options.accounts_file)
    store = StateStore.open(options.state_url)
    try:
        due = []
        for account in accounts.accounts:
            runs = [run for run in store.last_runs(account.name, 5) if not run["dry_run"]]
            started = runs[0]["started_at"] if runs else None
            if started is None or now - started >= account.interval - timedelta(seconds=1):
                due.append(account.name)
        return due
    finally:
        store.engine.dispose()


async def requeue_stalled(app: App, options: WorkerOptions) -> None:
    """Queue again the jobs of workers that stopped heart-beating (killed, machine lost)."""
    stalled = await app.job_manager.get_stalled_jobs(
        task_name=SYNC_TASK, seconds_since_heartbeat=options.stalled_after_seconds
    )
    for job in stalled:
        try:
            await app.job_manager.retry_job(job)
            event(logger, logging.WARNING, "stalled_job_requeued", job=job.id)
        except UniqueViolation:
            # The schedule already queued a run of that account: let that one run instead,
            # and end the stalled job so that its account lock frees the queued one.
            await app.job_manager.finish_job(job, Status.FAILED, delete_job=False)
            event(logger, logging.WARNING, "stalled_job_replaced", job=job.id)


def _has_history(options: WorkerOptions, account: str) -> bool:
    store = StateStore.open(options.state_url)
    try:
        return bool(store.watermarks(account))
    finally:
        store.engine.dispose()


#: what a forked run needs, imported once in the fork server instead of once per run
PRELOAD = [
    "connector.cli",
    "connector.sync.session",
    "connector.sync.engine",
    "connector.adapters.hubspot",
    "connector.adapters.salesforce",
]


def fork_server() -> multiprocessing.context.ForkServerContext:
    """Runs start as forks of a server that has imported the connector once: each keeps its
    own process (its settings, its lock, killed with its worker) without paying a second of
    imports per run (the server starts with the first run; later calls return its context)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


async def run_account(account: str, options: WorkerOptions) -> None:
    """One run of `account` in its own process: its first is a (resumable) backfill, every
    later one a sync. A run another process holds the lock of (exit 3) is not a failure."""
    history = await asyncio.to_thread(_has_history, options, account)
    command = ["sync"] if history else ["backfill", "--resume"]
    argv = [*command, "--account", account, "--json"]
    child = fork_server().Process(
        target=options.run_command, args=(argv, str(options.accounts_file)), name=account
    )
    child.start()
    await asyncio.to_thread(child.join)
    code = child.exitcode
    event(logger, logging.INFO, "account_ran", account=account, command=command[0], exit_code=code)
    if code not in (0, 1, 3):
        raise RuntimeError(f"{command[0]} of account {account} exited {code}")


def run_in_child(run_cli: Callable[[], None], argv: list[str], accounts_file: str) -> None:
    """In the forked run: die with the worker, read the accounts file the worker read, keep
    stdout quiet (the run's summary is in the state store) and run the command line."""
    _die_with_parent()
    os.environ["CONNECTOR_ACCOUNTS_FILE"] = accounts_file
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    sys.argv = ["connector", *argv]
    run_cli()


def prepare_queue(options: WorkerOptions) -> None:
    """Create procrastinate's tables in the state store's database once, whichever worker
    starts first (an advisory lock serialises workers starting together)."""
    import psycopg

    with psycopg.connect(queue_url(options.state_url), autocommit=False) as connection:
        connection.execute("SELECT pg_advisory_xact_lock(hashtext('connector.queue_schema'))")
        present = connection.execute(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL"
        ).fetchone()
        if not (present and present[0]):
            connection.execute(sql.SQL(SchemaManager.get_schema()))
        connection.commit()


def run_worker(
    options: WorkerOptions, name: str, on_start: Callable[[], None] | None = None
) -> None:
    """Run a worker until SIGINT/SIGTERM: it executes queued account runs and, with every
    other worker, the schedule."""
    prepare_queue(options)
    app = build_app(options)
    if on_start is not None:
        on_start()
    app.run_worker(
        name=name,
        concurrency=options.concurrency,
        update_heartbeat_interval=options.heartbeat_seconds,
        stalled_worker_timeout=options.stalled_after_seconds,
        fetch_job_polling_interval=min(5.0, float(options.tick_seconds)),
        delete_jobs="successful",
    )
