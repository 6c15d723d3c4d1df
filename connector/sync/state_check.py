"""Checks that the state store is sound before a run touches the CRM.

A damaged store noticed mid-run is the worst case: the CRM is written, then recording what was
written fails, on this run and every later one. So the store is checked when it is opened,
before any CRM call, and refused with a message naming the file and what to do (exit 2):

- a 0-byte or non-SQLite ("foreign") file is refused, never silently initialised over: it may
  be a truncated copy of the real store, whose audit log and routing state would be lost;
- a SQLite file of another application (tables but no Alembic version) likewise;
- a file written by a newer release (a schema revision this release does not know);
- corrupt pages (`PRAGMA quick_check`, https://www.sqlite.org/pragma.html#pragma_quick_check),
  a table missing after migration (dropped by hand), a read-only file or folder, too little
  free disk space for the run's journal and audit rows.
"""

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, inspect

#: The first 16 bytes of every SQLite 3 database file
#: (https://www.sqlite.org/fileformat.html#the_database_header).
SQLITE_HEADER = b"SQLite format 3\x00"
#: A run journals its plan and writes audit rows; below this much free space it is refused
#: before it starts instead of failing after the CRM was written.
MIN_FREE_BYTES = 50 * 1024 * 1024
VERSION_TABLE = "alembic_version"


class StateCheckError(Exception):
    """The state store is unusable; nothing was run (exit 2)."""


def check_file(path: Path, min_free_bytes: int = MIN_FREE_BYTES) -> None:
    """A SQLite state file before it is opened: absent (a first run) or a writable SQLite
    database on a disk with room."""
    folder = path.parent
    if path.exists():
        if not path.is_file():
            raise StateCheckError(
                f"state store {path} is not a file; point CONNECTOR_STATE_URL at one"
            )
        if path.stat().st_size == 0:
            raise StateCheckError(
                f"state store {path} is an empty (0-byte) file, not a state store: it was "
                "truncated or created by something else; nothing was run, so no audit or "
                "routing state is lost: restore it from a backup, or delete it to start anew"
            )
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header != SQLITE_HEADER:
            raise StateCheckError(
                f"state store {path} is not a SQLite database (a foreign file); nothing was "
                "run. Point CONNECTOR_STATE_URL at the connector's state file, or move this one "
                "away to start a new state store"
            )
        if not os.access(path, os.R_OK | os.W_OK):
            raise StateCheckError(
                f"state store {path} is not writable by this user; nothing was run. "
                "Fix its permissions (the connector records every write there)"
            )
    if not os.access(folder, os.W_OK):
        raise StateCheckError(
            f"the folder {folder} of the state store is not writable by this user (SQLite "
            "keeps its journal beside the file); nothing was run"
        )
    free = shutil.disk_usage(folder).free
    if free < min_free_bytes:
        raise StateCheckError(
            f"only {free // (1024 * 1024)} MB free on the disk of the state store {path} "
            f"(at least {min_free_bytes // (1024 * 1024)} MB needed for the run's journal and "
            "audit); nothing was run. Free some space"
        )


def check_before_migration(connection: Connection, known_revisions: Iterable[str]) -> None:
    """The database's integrity, that it is the connector's (or empty), and that its schema is
    not newer than this release."""
    if connection.dialect.name == "sqlite":
        verdict = [str(row[0]) for row in connection.exec_driver_sql("PRAGMA quick_check")]
        if verdict != ["ok"]:
            raise StateCheckError(
                "the state store is damaged (SQLite integrity check: "
                f"{'; '.join(verdict[:3])}); nothing was run. Restore it from a backup"
            )
    tables = set(inspect(connection).get_table_names())
    if tables and VERSION_TABLE not in tables:
        raise StateCheckError(
            "the state store's database holds tables of something else "
            f"({', '.join(sorted(tables)[:5])}) and no connector schema version; nothing was "
            "run. Point CONNECTOR_STATE_URL at the connector's own database"
        )
    if VERSION_TABLE in tables:
        current = [
            str(row[0])
            for row in connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}")
        ]
        unknown = [revision for revision in current if revision not in set(known_revisions)]
        if unknown:
            raise StateCheckError(
                f"the state store was written by a newer release (schema {unknown[0]}, this "
                "release knows up to its own); nothing was run. Upgrade the connector"
            )


def check_after_migration(connection: Connection, expected_tables: Iterable[str]) -> None:
    """Every table of the schema is there (one dropped by hand would fail mid-run)."""
    tables = set(inspect(connection).get_table_names())
    missing = sorted(set(expected_tables) - tables)
    if missing:
        raise StateCheckError(
            f"the state store lacks table(s) {', '.join(missing)} (dropped or damaged); "
            "nothing was run. Restore it from a backup"
        )
