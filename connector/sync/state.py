"""The state store: runs, watermarks, backfill checkpoints, routing state, created task keys,
the audit log and the one-run-per-account lock.

SQLite (one file) by default, any SQLAlchemy URL (e.g. PostgreSQL) for shared deployments. The
schema is brought up to date by Alembic on open, so a new release opens an old state file.
"""

import getpass
import json
import os
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Connection,
    Delete,
    Engine,
    Insert,
    Row,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DatabaseError, IntegrityError

from connector import __version__
from connector.adapters.base import TaskReassignment
from connector.adapters.kit.chunks import chunks
from connector.domain.escalation import EscalationPlan
from connector.domain.outcomes import ContactUpdate, TaskSpec
from connector.domain.routing import RoutingState
from connector.sync.accounts import LockInfo
from connector.sync.schema import (
    audit_log,
    checkpoints,
    contact_due,
    field_marks,
    locks,
    metadata,
    routing_states,
    runs,
    task_escalations,
    task_keys,
    watermarks,
    write_journal,
)
from connector.sync.state_check import (
    StateCheckError,
    check_after_migration,
    check_before_migration,
    check_file,
)

MIGRATIONS = Path(__file__).parent / "migrations"
#: the watermark a run moves and the checkpoint a backfill keeps (one of each per account)
CONTACTS = "contacts"
BACKFILL_JOB = "backfill"
#: the most values one IN list of a query holds
IN_LIST = 500


class LockHeldError(RuntimeError):
    """Another run holds this account's lock; the caller exits with code 3."""


class AuditEntry(BaseModel):
    contact_id: str
    kind: str  # "transition", "write", "skip", "reject", "task", "hold"
    field: str | None = None
    old_value: Any = None
    new_value: Any = None
    rule: str | None = None


class FieldMark(BaseModel):
    """What the connector last wrote, or first saw, in one shared field of one person
    (`canonical` text): a CRM value that differs from it was set by someone else."""

    contact_id: str
    field: str
    value: str | None


class Checkpoint(BaseModel):
    cursor: str | None
    pages_done: int
    records_done: int
    total: int | None
    started_at: datetime


class DueEntry(BaseModel):
    """A person's next due time, committed with the writes of the decision it belongs to;
    `score_refreshed_at` is set when this decision writes the score."""

    contact_id: str
    due_at: datetime | None
    reason: str = ""
    score_refreshed_at: datetime | None = None


class EscalationWatch(BaseModel):
    """A follow-up task to escalate at `escalate_at` if still open; recorded only once the
    task exists in the CRM (its key is among the created ones)."""

    key: str
    contact_id: str
    stage: str
    owner_id: str | None
    task_due_at: datetime
    escalate_at: datetime


class EscalationRow(EscalationWatch):
    """A watched task as stored: with the CRM id of the task."""

    crm_id: str


class PendingWrite(BaseModel):
    """One batch of planned CRM writes and the state to commit once they landed: journaled
    before the first write, deleted in the transaction that commits the routing state and the
    checkpoint (backfill) or watermark (sync). A run that finds one a killed run left pushes
    exactly these (idempotent) writes again and commits, so the CRM ends as if the killed run
    had never stopped, its round-robin positions neither lost nor applied twice."""

    job: str  # "sync" or "backfill"
    updates: list[ContactUpdate] = []
    tasks: list[TaskSpec] = []
    audit: list[AuditEntry] = []  # transitions and field writes; rejects/tasks added after
    skipped: list[AuditEntry] = []
    #: Shared fields seen for the first time (their value becomes the mark); the marks of
    #: written values are taken from the writes that landed.
    marks: list[FieldMark] = []
    routing: RoutingState
    checkpoint: Checkpoint | None = None
    watermark: datetime | None = None
    run_id: int | None = None
    # speed to lead (revision 0004): due times, tasks to watch, escalations and their moves
    due: list[DueEntry] = []
    forget_due: list[str] = []  # people the CRM no longer holds
    watches: list[EscalationWatch] = []
    escalations: list[EscalationPlan] = []
    reassignments: list[TaskReassignment] = []
    # a failed sync's journal kept for the next (payload only, no schema change): the people
    # this row decided, when the run's reads began, and the rules and mapping it decided with
    decided: list[str] = []
    read_at: datetime | None = None
    basis: str | None = None
    #: False on every row of a page but its last (a page is journaled a slice of people a row):
    #: the write takes whole pages, as it did when a page was one row, so splitting the rows
    #: costs no call (a chunk's task lookup, create and re-read batches stay as full).
    page_end: bool = True

    def without(self, contact_ids: Iterable[str]) -> "PendingWrite":
        """This entry without anything it planned for these people (their decision is
        superseded by a newer one): updates, tasks, audit, marks, due times, watches."""
        gone = set(contact_ids)
        kept = {n: [x for x in getattr(self, n) if x.contact_id not in gone] for n in _PER_PERSON}
        for name in ("forget_due", "decided"):  # lists of contact ids
            kept[name] = [c for c in getattr(self, name) if c not in gone]
        return self.model_copy(update=kept)

    def followed_by(self, later: "PendingWrite") -> "PendingWrite":
        """This journal entry and a later one as one: the writes of both, the state (routing,
        checkpoint, watermark) the later one was decided to — what committing both means."""
        return PendingWrite(
            job=later.job,
            routing=later.routing,
            checkpoint=later.checkpoint or self.checkpoint,
            watermark=later_of(self.watermark, later.watermark),
            run_id=later.run_id if later.run_id is not None else self.run_id,
            read_at=later.read_at or self.read_at,
            basis=later.basis or self.basis,
            page_end=later.page_end,
            **{n: [*getattr(self, n), *getattr(later, n)] for n in _LISTS},
        )


#: PendingWrite's lists of records of one person each (`without` filters them by person) and
#: all its lists (`followed_by` joins them).
_PER_PERSON = ("updates", "tasks", "audit", "skipped", "marks", "due", "watches")
_LISTS = (*_PER_PERSON, "forget_due", "escalations", "reassignments", "decided")


class KeptJournal(BaseModel):
    """What a failed sync left decided: per person, the moment its reads began; the routing
    state its last kept page was decided to (the next decisions continue from it)."""

    read_at: dict[str, datetime]
    #: per person, the journal row (seq) holding the kept decision
    row_of: dict[str, int]
    routing: RoutingState
    rows: int


def later_of(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two optional moments (a watermark only moves forward)."""
    if a is None or b is None:
        return a or b
    return max(a, b)


@cache
def actor() -> str:
    """Who writes: the OS user, the host and the connector's version, for every audit entry
    (an auditor asks "who changed this?" before "why?")."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()} connector/{__version__}"[:200]


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat() if isinstance(value, datetime) else json.dumps(value, default=str)


def executemany(tx: Connection, statement: Insert | Delete, rows: Sequence[dict[str, Any]]) -> None:
    """Run `statement` once per row through the driver's executemany, compiled once for the
    dialect, bind processors (`UtcDateTime`) applied once per distinct value: Core's own
    processes every parameter of every row in Python. Plain, hashable values only."""
    if not rows:
        return
    compiled = statement.compile(dialect=tx.dialect, column_keys=list(rows[0]))
    order = list(compiled.positiontup or ()) if compiled.positional else list(rows[0])
    converted = [
        (index, cache(processor))  # a batch's rows share their timestamps: each converted once
        for index, name in enumerate(order)
        if (processor := compiled.binds[name].type.bind_processor(tx.dialect)) is not None
    ]
    named = not compiled.positional  # PostgreSQL's psycopg: %(name)s; SQLite: ?
    params: list[Any] = []
    for row in rows:
        values = [row[name] for name in order]
        for index, convert in converted:
            values[index] = convert(values[index])
        params.append(dict(zip(order, values, strict=True)) if named else tuple(values))
    tx.exec_driver_sql(str(compiled), params)


def delete_rows(tx: Connection, table: Table, keys: Sequence[dict[str, Any]]) -> None:
    """Delete the rows of these primary keys: one statement run for each (executemany)."""
    if keys:
        where = [table.c[name] == bindparam(name) for name in keys[0]]
        executemany(tx, delete(table).where(*where), keys)


def _match(table: Table, key: dict[str, Any]) -> list[ColumnElement[bool]]:
    return [table.c[name] == value for name, value in key.items()]


def _upsert(tx: Connection, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Update the row of `key`, or insert it."""
    if not tx.execute(update(table).where(*_match(table, key)).values(**values)).rowcount:
        tx.execute(insert(table).values(**key, **values))


def rows_in(
    tx: Connection, query: Select[Any], column: ColumnElement[Any], ids: Iterable[str]
) -> Iterator[Row[Any]]:
    """The rows of `query` whose `column` is one of `ids`, asked for IN_LIST ids at a time."""
    for chunk in chunks(dict.fromkeys(ids), IN_LIST):
        yield from tx.execute(query.where(column.in_(chunk)))


def _unapproved(account: str) -> ColumnElement[bool]:
    return (write_journal.c.account == account) & ~write_journal.c.approved


def _mine() -> ColumnElement[bool]:
    """The lock rows of this process (a pid is only unique on one host)."""
    return (locks.c.pid == os.getpid()) & (locks.c.host == socket.gethostname())


def _json(value: Any) -> str:
    """A journal row's PendingWrite straight to JSON text (not model_dump, then json.dumps)."""
    return value.model_dump_json() if isinstance(value, BaseModel) else json.dumps(value)


#: Alembic runs a migration through module-level state (`alembic.context`, the loaded `env.py`):
#: two threads of one process migrating at once (a worker's slots, or a slot and its schedule
#: tick, opening the store together) trip over each other ("KeyError: 'config'"). One at a time.
_MIGRATING = threading.Lock()

#: The key of the PostgreSQL advisory lock that makes processes opening one new database at the
#: same moment migrate it one after the other: the second finds the schema at head and does
#: nothing, instead of failing on a duplicate table or type. (Any fixed 64-bit number: it only
#: has to be the same in every connector process; "conn" "migr" in ASCII.)
_MIGRATION_LOCK_KEY = 0x636F6E6E6D696772


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def postgres_driver(url: str) -> str:
    """A PostgreSQL URL without a driver (`postgresql://`, `postgres://`) with psycopg 3, the
    driver of the `postgres` extra: SQLAlchemy would otherwise load psycopg2, which the
    connector does not install. A URL that names its driver is left as it is."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            url = "postgresql+psycopg://" + url.removeprefix(scheme)
    if url.startswith("postgresql+psycopg://"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise StateCheckError(
                "a PostgreSQL state store needs the psycopg driver: "
                "pip install 'crm-lifecycle-connector[postgres]'; nothing was run"
            ) from None
    return url


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StateStore:
    """All persistent state of the connector, one account (CRM portal/org) per key."""

    #: True when `open` found no schema and created one: a typo in CONNECTOR_STATE_URL looks
    #: exactly like this, so the command line says so.
    created: bool = False

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, _in_place: bool = False) -> "StateStore":
        """Open (creating and migrating as needed) the store at a SQLAlchemy URL or file path.
        (`_in_place`: create a new SQLite file where it is, for `_create_sqlite` only.)"""
        created_here = False
        if "://" not in url or (url.startswith("sqlite:///") and url != "sqlite:///:memory:"):
            path = Path(url.removeprefix("sqlite:///")).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)  # a fresh deployment's first run
            check_file(path)
            if not path.exists() and not _in_place:
                created_here = cls._create_sqlite(path)
            url = f"sqlite:///{path}"
        url = postgres_driver(url)
        engine = create_engine(url, future=True, json_serializer=_json)
        if engine.dialect.name == "sqlite":

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
                # WAL: readers never block the writer
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
                dbapi_connection.execute("PRAGMA busy_timeout=10000")

        # newest first: walk_revisions goes from the head down to the first migration
        known = [script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()]
        try:
            with _MIGRATING, engine.begin() as connection:
                if engine.dialect.name == "postgresql":  # released when the transaction ends
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                    )
                elif engine.dialect.name == "sqlite" and _revision(connection) != known[0]:
                    # the file's write lock before the first CREATE or ALTER: another process
                    # migrating the same file waits (busy_timeout) and then finds the head. At
                    # the head already (every run but a store's first), nothing is locked.
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                check_before_migration(connection, known)
                created = _revision(connection) is None
                command.upgrade(_alembic_config(connection), "head")
                check_after_migration(connection, metadata.tables)
        except DatabaseError as exc:
            engine.dispose()
            first = str(exc.orig if exc.orig is not None else exc).splitlines()[0]
            raise StateCheckError(
                f"the state store cannot be used ({first}); nothing was run. If another "
                "program holds it, wait; if it is damaged, restore it from a backup"
            ) from None
        except StateCheckError:
            engine.dispose()
            raise
        store = cls(engine)
        store.created = created or created_here
        return store

    @classmethod
    def _create_sqlite(cls, path: Path) -> bool:
        """Create a new SQLite store at `path` atomically: built and migrated under a name of
        its own beside it, then linked in place. SQLite creates a file empty and writes it a
        moment later; another run (a cron line of another account, a worker's other slot)
        would meanwhile find a 0-byte file — exactly what a truncated store looks like, which
        is refused. Whether this run's file was the one linked in (False: another run was
        first, and its store is used)."""
        building = path.with_name(f".{path.name}.new-{os.getpid()}-{threading.get_ident()}")
        try:
            # (disposing closes every connection: SQLite folds the WAL into the file)
            cls.open(str(building), _in_place=True).engine.dispose()
            try:
                os.link(building, path)  # never replaces: the first run's store stays
            except FileExistsError:
                return False
            except OSError:  # a file system without hard links: a rename, nearly as safe
                if path.exists():
                    return False
                os.rename(building, path)
            return True
        finally:
            for leftover in (building, *building.parent.glob(f"{building.name}-*")):
                leftover.unlink(missing_ok=True)

    @property
    def location(self) -> str:
        """Where the store is, for messages: the URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def schema_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return _revision(connection)

    @staticmethod
    def head_revision() -> str | None:
        return ScriptDirectory(str(MIGRATIONS)).get_current_head()

    def _read(self, query: Select[Any]) -> Sequence[Row[Any]]:
        """The rows of a query, read in a transaction of its own."""
        with self.engine.begin() as tx:
            return tx.execute(query).all()

    def _use(self, connection: Connection | None) -> AbstractContextManager[Connection]:
        """The caller's transaction (so several writes commit together), or a new one."""
        return self.engine.begin() if connection is None else nullcontext(connection)

    # --- runs ------------------------------------------------------------------------------

    def begin_run(self, account: str, kind: str, *, dry_run: bool = False) -> int:
        values = {"account": account, "kind": kind, "dry_run": dry_run, "started_at": _now()}
        with self.engine.begin() as tx:
            # not RETURNING: SQLite has it only from 3.35, older than some systems' Python links
            key = tx.execute(insert(runs).values(values)).inserted_primary_key
            if key is None:  # only for a statement that inserts nothing
                raise RuntimeError("the runs insert returned no primary key")
            return int(key[0])

    def finish_run(
        self, run_id: int, outcome: str, counts: dict[str, Any], api_calls: dict[str, Any]
    ) -> None:
        with self.engine.begin() as tx:
            tx.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(finished_at=_now(), outcome=outcome, counts=counts, api_calls=api_calls)
            )

    def close_killed_runs(self, account: str, by_run: int, note: str) -> list[int]:
        """Close as `killed` every run of the account still open but `by_run`, which holds the
        account's lock and so is the only one alive; `note` says what `by_run` finished on
        their behalf. Without this a killed run stays "unfinished" in the history forever."""
        open_runs = (
            (runs.c.account == account) & runs.c.finished_at.is_(None) & (runs.c.id != by_run)
        )
        with self.engine.begin() as tx:
            ids = [int(i) for i in tx.execute(select(runs.c.id).where(open_runs)).scalars()]
            if ids:
                tx.execute(
                    update(runs)
                    .where(runs.c.id.in_(ids))
                    .values(finished_at=_now(), outcome="killed", finished_by_run=by_run, note=note)
                )
        return ids

    def last_runs(self, account: str, limit: int = 10) -> list[dict[str, Any]]:
        query = select(runs).where(runs.c.account == account).order_by(runs.c.id.desc())
        return [dict(row._mapping) for row in self._read(query.limit(limit))]

    # --- watermarks --------------------------------------------------------------------------

    def watermark(self, account: str, object_name: str) -> datetime | None:
        return self.watermarks(account).get(object_name)

    def watermarks(self, account: str) -> dict[str, datetime]:
        """Every object's watermark of the account (empty before its first finished run)."""
        query = select(watermarks.c.object, watermarks.c.value).where(
            watermarks.c.account == account
        )
        return {row.object: row.value for row in self._read(query)}

    def set_watermark(
        self,
        account: str,
        object_name: str,
        value: datetime,
        run_id: int | None = None,
        connection: Connection | None = None,
    ) -> None:
        """Move the watermark forward only: an older value (a slow, overlapping run) is ignored."""
        key = {"account": account, "object": object_name}
        with self._use(connection) as tx:
            current = tx.execute(
                select(watermarks.c.value).where(*_match(watermarks, key))
            ).scalar_one_or_none()
            if current is None or value > current:
                values = {"value": value, "run_id": run_id, "updated_at": _now()}
                _upsert(tx, watermarks, key, values)

    # --- backfill checkpoints ----------------------------------------------------------------

    def checkpoint(self, account: str, job: str) -> Checkpoint | None:
        key = {"account": account, "job": job}
        rows = self._read(select(checkpoints).where(*_match(checkpoints, key)))
        return Checkpoint.model_validate(dict(rows[0]._mapping)) if rows else None

    def save_checkpoint(
        self, account: str, job: str, checkpoint: Checkpoint, connection: Connection | None = None
    ) -> None:
        values = checkpoint.model_dump() | {"updated_at": _now()}
        with self._use(connection) as tx:
            _upsert(tx, checkpoints, {"account": account, "job": job}, values)

    def clear_checkpoint(self, account: str, job: str) -> None:
        key = {"account": account, "job": job}
        with self.engine.begin() as tx:
            tx.execute(delete(checkpoints).where(*_match(checkpoints, key)))

    # --- routing state -----------------------------------------------------------------------

    def routing_state(self, account: str) -> RoutingState:
        rows = self._read(select(routing_states.c.state).where(routing_states.c.account == account))
        return RoutingState.model_validate(rows[0].state) if rows else RoutingState()

    def save_routing_state(
        self, account: str, state: RoutingState, connection: Connection | None = None
    ) -> None:
        values = {"state": state.model_dump(mode="json"), "updated_at": _now()}
        with self._use(connection) as tx:
            _upsert(tx, routing_states, {"account": account}, values)

    # --- task keys ---------------------------------------------------------------------------

    def known_task_keys(
        self, account: str, keys: Iterable[str], connection: Connection | None = None
    ) -> dict[str, str]:
        """Which of these keys the connector already created a task for (key → CRM id)."""
        query = select(task_keys.c.key, task_keys.c.crm_id).where(task_keys.c.account == account)
        with self._use(connection) as tx:
            return {row.key: row.crm_id for row in rows_in(tx, query, task_keys.c.key, keys)}

    def record_tasks(
        self,
        account: str,
        created: dict[str, tuple[str, str]],
        run_id: int | None,
        connection: Connection | None = None,
    ) -> None:
        """Remember created tasks: key → (CRM task id, contact id). Re-recording is harmless."""
        if not created:
            return
        existing = self.known_task_keys(account, created, connection)
        common = {"account": account, "run_id": run_id, "created_at": _now()}
        rows = [
            {**common, "key": key, "crm_id": crm_id, "contact_id": contact_id}
            for key, (crm_id, contact_id) in created.items()
            if key not in existing
        ]
        if rows:
            with self._use(connection) as tx:
                tx.execute(insert(task_keys), rows)

    # --- due times and escalations (speed to lead) ----------------------------------------------

    def due_contacts(self, account: str, now: datetime) -> list[str]:
        """The people whose decision is due at `now` (due time reached; a NULL one never is),
        oldest due first."""
        query = (
            select(contact_due.c.contact_id)
            .where(contact_due.c.account == account, contact_due.c.due_at <= now)
            .order_by(contact_due.c.due_at, contact_due.c.contact_id)
        )
        return [row.contact_id for row in self._read(query)]

    def due_rows(self, account: str, contact_ids: Iterable[str]) -> dict[str, DueEntry]:
        query = select(contact_due).where(contact_due.c.account == account)
        with self.engine.begin() as tx:
            rows = rows_in(tx, query, contact_due.c.contact_id, contact_ids)
            return {row.contact_id: DueEntry.model_validate(row._mapping) for row in rows}

    def _save_due(
        self, tx: Connection, account: str, entries: Sequence[DueEntry], forget: Sequence[str]
    ) -> None:
        """Upsert due times (keeping the last score refresh unless this one refreshed)."""
        held: dict[str, datetime | None] = {}
        for chunk in chunks(dict.fromkeys([*forget, *(e.contact_id for e in entries)]), IN_LIST):
            these = (contact_due.c.account == account) & contact_due.c.contact_id.in_(chunk)
            query = select(contact_due.c.contact_id, contact_due.c.score_refreshed_at).where(these)
            held.update({row.contact_id: row.score_refreshed_at for row in tx.execute(query)})
            tx.execute(delete(contact_due).where(these))
        latest = {entry.contact_id: entry for entry in entries}  # a later decision wins
        common = {"account": account, "updated_at": _now()}
        # Rows from a model's `__dict__` (its field values, pydantic 2): `dict(model)` asks the
        # model for `keys` (a failing __getattr__) and then iterates it, several times the cost
        # per row, paid per person by every backfill (here, for marks, audit and escalations).
        rows = [
            {
                **entry.__dict__,
                "score_refreshed_at": entry.score_refreshed_at or held.get(entry.contact_id),
                **common,
            }
            for entry in latest.values()
        ]
        executemany(tx, insert(contact_due), rows)

    def due_escalations(self, account: str, now: datetime) -> list[EscalationRow]:
        """Follow-up tasks still waiting whose escalation time has come."""
        query = (
            select(task_escalations)
            .where(
                task_escalations.c.account == account,
                task_escalations.c.state == "waiting",
                task_escalations.c.escalate_at <= now,
            )
            .order_by(task_escalations.c.escalate_at, task_escalations.c.key)
        )
        return [EscalationRow.model_validate(dict(row._mapping)) for row in self._read(query)]

    def escalation_states(self, account: str) -> dict[str, dict[str, Any]]:
        """Every watched task of the account by key, as stored (the escalation tests read it)."""
        rows = self._read(select(task_escalations).where(task_escalations.c.account == account))
        return {row.key: dict(row._mapping) for row in rows}

    def _save_escalations(
        self,
        tx: Connection,
        account: str,
        pending: PendingWrite,
        created: dict[str, tuple[str, str]],
        rejected: set[str],
    ) -> None:
        """Watch the created tasks that escalate; record what each escalation became."""
        watched = [watch for watch in pending.watches if watch.key in created]
        if watched:
            query = select(task_escalations.c.key).where(task_escalations.c.account == account)
            keys = [watch.key for watch in watched]
            known = {row.key for row in rows_in(tx, query, task_escalations.c.key, keys)}
            common = {"account": account, "state": "waiting", "run_id": pending.run_id}
            rows = [
                {**common, **watch.__dict__, "crm_id": created[watch.key][0], "updated_at": _now()}
                for watch in {w.key: w for w in watched}.values()
                if watch.key not in known
            ]
            if rows:
                tx.execute(insert(task_escalations), rows)
        for plan in pending.escalations:
            failed = plan.task_key in rejected
            values = {
                "state": "failed" if failed else "escalated" if plan.to_owner_id else "closed",
                "to_owner_id": plan.to_owner_id,
                "outcome": plan.reason,
                "run_id": pending.run_id,
                "updated_at": _now(),
            }
            key = {"account": account, "key": plan.task_key}
            tx.execute(
                update(task_escalations).where(*_match(task_escalations, key)).values(values)
            )

    # --- field marks (ownership) --------------------------------------------------------------

    def field_marks(
        self, account: str, contact_ids: Iterable[str]
    ) -> dict[str, dict[str, str | None]]:
        """contact id → {field: the value the connector last wrote or first saw}."""
        found: dict[str, dict[str, str | None]] = {}
        marks = field_marks.c
        query = select(marks.contact_id, marks.field, marks.value).where(marks.account == account)
        with self.engine.begin() as tx:
            for row in rows_in(tx, query, marks.contact_id, contact_ids):
                found.setdefault(row.contact_id, {})[row.field] = row.value
        return found

    def save_marks(
        self,
        account: str,
        marks: Sequence[FieldMark],
        run_id: int | None,
        connection: Connection | None = None,
    ) -> None:
        """Keep these marks, replacing older ones of the same person and field (the last one
        given for a person and field wins)."""
        latest = {(mark.contact_id, mark.field): mark for mark in marks}
        if not latest:
            return
        at = _now()
        with self._use(connection) as tx:
            keys = [{"account": account, "contact_id": c, "field": f} for c, f in latest]
            delete_rows(tx, field_marks, keys)
            common = {"account": account, "run_id": run_id, "updated_at": at}
            rows = [{**common, **mark.__dict__} for mark in latest.values()]
            executemany(tx, insert(field_marks), rows)

    # --- audit -------------------------------------------------------------------------------

    def audit(
        self,
        account: str,
        run_id: int | None,
        entries: Sequence[AuditEntry],
        connection: Connection | None = None,
    ) -> None:
        if not entries:
            return
        common = {"run_id": run_id, "account": account, "at": _now(), "actor": actor()}
        rows = [
            {
                **common,
                **e.__dict__,
                "old_value": _text(e.old_value),
                "new_value": _text(e.new_value),
            }
            for e in entries
        ]
        with self._use(connection) as tx:
            executemany(tx, insert(audit_log), rows)

    def audit_entries(self, account: str, contact_id: str | None = None) -> list[dict[str, Any]]:
        query = select(audit_log).where(audit_log.c.account == account).order_by(audit_log.c.id)
        if contact_id is not None:
            query = query.where(audit_log.c.contact_id == contact_id)
        return [dict(row._mapping) for row in self._read(query)]

    # --- pending writes (write-ahead journal) --------------------------------------------------

    def append_pending(
        self, account: str, rows: Sequence[PendingWrite], *, approved: bool = True
    ) -> None:
        """Journal one more page of planned writes, as these rows (a slice of its people each),
        in one transaction: a page is journaled whole or not at all. A backfill's pages are
        approved as decided; a sync's stay unapproved until its change-limit guard has judged
        the whole run (`approve_pending`), so a run killed before that leaves nothing to
        replay unguarded."""
        with self.engine.begin() as tx:
            self._journal(tx, account, rows, approved)

    def approve_pending(self, account: str, closing: PendingWrite) -> None:
        """The guard let the journaled plan through: approve every row and add `closing`, the
        state only the whole plan may commit (a sync's new watermark), as the last row."""
        with self.engine.begin() as tx:
            rows = write_journal.c.account == account
            tx.execute(update(write_journal).where(rows).values(approved=True))
            self._journal(tx, account, [closing], approved=True)

    def discard_pending(self, account: str, *, unapproved_only: bool = False) -> int:
        """Drop journaled rows (all, or those no guard approved); how many were dropped."""
        condition = _unapproved(account) if unapproved_only else write_journal.c.account == account
        with self.engine.begin() as tx:
            return tx.execute(delete(write_journal).where(condition)).rowcount or 0

    def kept_decisions(self, account: str, basis: str) -> KeptJournal | None:
        """The unapproved journal of a sync that failed or was killed while reading, if the
        next sync can trust it: every row a sync's, decided with the same rules and mapping
        (`basis`) by this version (it records `read_at`). None when there is none or any row
        fails that (the caller drops them all). Rows planning escalations are dropped here:
        escalations are worked out again from the state store, which they did not change."""
        read_at: dict[str, datetime] = {}
        row_of: dict[str, int] = {}
        routing: RoutingState | None = None
        rows = 0
        stale: list[int] = []
        try:
            for seq, entry in self._journal_rows(_unapproved(account)):
                if entry.job != "sync" or entry.basis != basis or entry.read_at is None:
                    return None
                if entry.escalations or entry.reassignments:
                    stale.append(seq)
                    continue
                rows += 1
                routing = entry.routing
                for contact_id in entry.decided:
                    read_at[contact_id], row_of[contact_id] = entry.read_at, seq
        except ValueError:  # a row written by another version
            return None
        if stale:
            with self.engine.begin() as tx:
                unapproved = _unapproved(account)
                tx.execute(delete(write_journal).where(unapproved & write_journal.c.seq.in_(stale)))
        if routing is None:
            return None
        return KeptJournal(read_at=read_at, row_of=row_of, routing=routing, rows=rows)

    def unapproved_rows(self, account: str) -> Iterator[PendingWrite]:
        """The unapproved journal in order, one row at a time (the guard counts a sync's
        plan, kept and new, without holding it in memory)."""
        return (entry for _, entry in self._journal_rows(_unapproved(account)))

    def _journal_rows(self, where: ColumnElement[bool]) -> Iterator[tuple[int, PendingWrite]]:
        """(seq, entry) of the journal rows `where` selects, in order, read one at a time in a
        transaction each: a long run's journal never sits in memory at once. The payload is
        read as its JSON text, which pydantic parses into a PendingWrite in one pass (a backfill
        reads back every page it wrote: json.loads, then validating the dicts, cost twice)."""
        with self.engine.begin() as tx:
            query = select(write_journal.c.seq).where(where).order_by(write_journal.c.seq)
            seqs = list(tx.execute(query).scalars())
        for seq in seqs:
            with self.engine.begin() as tx:
                payload = tx.execute(
                    select(cast(write_journal.c.payload, Text)).where(
                        where & (write_journal.c.seq == seq)
                    )
                ).scalar_one_or_none()
            if payload is not None:
                yield seq, PendingWrite.model_validate_json(payload)

    def drop_decided(self, account: str, contact_ids: Iterable[str], rows: Iterable[int]) -> int:
        """Take these people's decisions out of the unapproved journal rows `rows` (seqs, from
        `KeptJournal.row_of`; a newer read decides them again), in one transaction. How many
        rows changed."""
        gone = set(contact_ids)
        if not gone:
            return 0
        unapproved = _unapproved(account) & write_journal.c.seq.in_(sorted(set(rows)))
        changed = 0
        with self.engine.begin() as tx:
            for seq, payload in tx.execute(
                select(write_journal.c.seq, write_journal.c.payload).where(unapproved)
            ).all():
                entry = PendingWrite.model_validate(payload)
                if gone.isdisjoint(entry.decided):
                    continue
                tx.execute(
                    update(write_journal)
                    .where(unapproved & (write_journal.c.seq == seq))
                    .values(payload=entry.without(gone))
                )
                changed += 1
        return changed

    @staticmethod
    def _journal(
        tx: Connection, account: str, rows: Sequence[PendingWrite], approved: bool
    ) -> None:
        """Add `rows` as the account's next journal rows, in order (the last seq is looked up
        once: a page's slices are journaled together)."""
        last = tx.execute(
            select(func.max(write_journal.c.seq)).where(write_journal.c.account == account)
        ).scalar_one_or_none()
        first = 0 if last is None else last + 1
        for seq, pending in enumerate(rows, start=first):
            tx.execute(
                insert(write_journal).values(
                    account=account,
                    seq=seq,
                    job=pending.job,
                    approved=approved,
                    payload=pending,
                    created_at=_now(),
                )
            )

    def pending(self, account: str) -> PendingWrite | None:
        """Everything approved and not yet committed, as one entry (None when nothing is)."""
        return next((whole for whole, _ in self.pending_chunks(account, max_updates=None)), None)

    def pending_chunks(
        self, account: str, max_updates: int | None
    ) -> Iterator[tuple[PendingWrite, int]]:
        """The approved journal in order, as entries of about `max_updates` updates (whole
        pages; None: one entry), each with the last row it covers for `commit_pending`. Rows
        are read one at a time (`_journal_rows`)."""
        merged: PendingWrite | None = None
        last = 0
        approved = (write_journal.c.account == account) & write_journal.c.approved
        for last, entry in self._journal_rows(approved):
            merged = entry if merged is None else merged.followed_by(entry)
            if entry.page_end and max_updates is not None and len(merged.updates) >= max_updates:
                yield merged, last
                merged = None
        if merged is not None:
            yield merged, last

    def commit_pending(
        self,
        account: str,
        pending: PendingWrite,
        created: dict[str, tuple[str, str]],
        entries: Sequence[AuditEntry],
        through_seq: int | None = None,
        rejected_escalations: Iterable[str] = (),
        marks: Sequence[FieldMark] = (),
    ) -> None:
        """Everything the landed writes allow, in one transaction: created task keys, the audit
        entries, the field marks (`marks`: those of the written values), the routing state,
        the checkpoint or watermark; the journal's rows they cover (up to `through_seq`, or
        all) go."""
        with self.engine.begin() as tx:
            self.record_tasks(account, created, pending.run_id, connection=tx)
            self.audit(account, pending.run_id, entries, connection=tx)
            self._save_due(tx, account, pending.due, pending.forget_due)
            self._save_escalations(tx, account, pending, created, set(rejected_escalations))
            self.save_marks(account, marks, pending.run_id, connection=tx)
            self.save_routing_state(account, pending.routing, connection=tx)
            if pending.checkpoint is not None:
                self.save_checkpoint(account, BACKFILL_JOB, pending.checkpoint, connection=tx)
            if pending.watermark is not None:
                self.set_watermark(account, CONTACTS, pending.watermark, pending.run_id, tx)
            covered = write_journal.c.account == account
            if through_seq is not None:
                covered = covered & (write_journal.c.seq <= through_seq)
            tx.execute(delete(write_journal).where(covered))

    # --- the run lock ------------------------------------------------------------------------

    def acquire_lock(self, account: str, holder: str, *, stale_after: timedelta) -> None:
        """Take the account's lock, or raise LockHeldError naming who holds it. A lock whose
        holder process is gone (same host) or whose heartbeat is older than `stale_after`
        belongs to a killed run and is taken over."""
        host, pid, now = socket.gethostname(), os.getpid(), _now()
        values = dict(holder=holder, host=host, pid=pid, acquired_at=now, heartbeat_at=now)
        try:  # the lock is the account's row: the primary key lets only one insert land
            with self.engine.begin() as tx:
                tx.execute(insert(locks).values(account=account, **values))
            return
        except IntegrityError:
            pass  # held, or left by a killed run (PostgreSQL: the failed insert rolled back)
        with self.engine.begin() as tx:
            # FOR UPDATE (PostgreSQL; SQLite has one writer anyway): of two runs that find the
            # same stale lock, the second waits here for the first to commit and then sees the
            # first's fresh heartbeat, so exactly one takes the lock over, on any machine.
            row = tx.execute(
                select(locks).where(locks.c.account == account).with_for_update()
            ).one_or_none()
            if row is None:  # released meanwhile; a run racing for it may insert first
                try:
                    tx.execute(insert(locks).values(account=account, **values))
                except IntegrityError:
                    raise LockHeldError(
                        f"another run took the lock of account {account} first"
                    ) from None
                return
            dead = row.host == host and not _pid_alive(row.pid)
            stale = now - row.heartbeat_at > stale_after
            if not (dead or stale):
                raise LockHeldError(
                    f"another run ({row.holder}, pid {row.pid} on {row.host}) is syncing account "
                    f"{account} since {row.acquired_at:%Y-%m-%d %H:%M:%S} UTC; wait for it to "
                    "finish (it takes the lock over automatically if that run was killed)"
                )
            taken = tx.execute(
                update(locks)
                .where(locks.c.account == account, locks.c.pid == row.pid, locks.c.host == row.host)
                .values(**values)
            ).rowcount
            if not taken:
                raise LockHeldError(f"another run took over the lock of account {account} first")

    def heartbeat(self, account: str) -> None:
        with self.engine.begin() as tx:
            tx.execute(
                update(locks).where(locks.c.account == account, _mine()).values(heartbeat_at=_now())
            )

    def lock_holder(self, account: str) -> LockInfo | None:
        for row in self._read(select(locks).where(locks.c.account == account)):
            return LockInfo.model_validate(row._mapping)
        return None

    def release_lock(self, account: str) -> None:
        with self.engine.begin() as tx:
            tx.execute(delete(locks).where(locks.c.account == account, _mine()))
