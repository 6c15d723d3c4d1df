"""A damaged, foreign, newer or unwritable state store is refused when opened — before any run
could write the CRM — with a message naming the file and what to do, and is left untouched."""

import os
import sqlite3
from pathlib import Path

import pytest

from connector.sync.state import StateStore
from connector.sync.state_check import StateCheckError, check_file


def _fresh(tmp_path: Path) -> Path:
    path = tmp_path / "state.sqlite"
    store = StateStore.open(str(path))
    store.begin_run("portal", "sync")
    store.engine.dispose()
    return path


def test_a_zero_byte_file_is_refused_not_reinitialised(tmp_path):
    path = tmp_path / "state.sqlite"
    path.touch()
    with pytest.raises(StateCheckError, match=r"empty \(0-byte\) file.*restore it from a backup"):
        StateStore.open(str(path))
    assert path.stat().st_size == 0  # nothing was created over it


def test_a_foreign_file_is_refused(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_text("name,email\nAda,ada@example.com\n")
    with pytest.raises(StateCheckError, match="not a SQLite database"):
        StateStore.open(f"sqlite:///{path}")
    assert path.read_text().startswith("name,email")


def test_another_applications_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StateCheckError, match=r"tables of something else \(invoices\)"):
        StateStore.open(str(path))


def test_a_store_written_by_a_newer_release_is_refused(tmp_path):
    path = _fresh(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StateCheckError, match="written by a newer release"):
        StateStore.open(str(path))


def test_a_dropped_table_is_refused_before_the_run(tmp_path):
    path = _fresh(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE audit_log")
    with pytest.raises(StateCheckError, match="lacks table"):
        StateStore.open(str(path))


def test_corrupt_pages_are_refused(tmp_path):
    path = _fresh(tmp_path)
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[page + 100 : 3 * page] = b"\xff" * (2 * page - 100)  # garble the pages after the header
    path.write_bytes(bytes(data))
    with pytest.raises(StateCheckError, match=r"damaged|cannot be used"):
        StateStore.open(str(path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_a_read_only_file_is_refused(tmp_path):
    path = _fresh(tmp_path)
    path.chmod(0o444)
    with pytest.raises(StateCheckError, match="not writable"):
        StateStore.open(str(path))


def test_too_little_free_space_is_refused(tmp_path):
    path = _fresh(tmp_path)
    with pytest.raises(StateCheckError, match="MB free on the disk"):
        check_file(path, min_free_bytes=1 << 62)


def test_a_sound_store_opens(tmp_path):
    path = _fresh(tmp_path)
    assert StateStore.open(str(path)).last_runs("portal")[0]["kind"] == "sync"
