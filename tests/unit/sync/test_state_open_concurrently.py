"""A new state store opened by several threads or processes at the same moment.

A worker's slots (and its schedule tick) open the store from threads of one process; several
cron runs or workers open one new PostgreSQL database from separate processes. Each of them
creates or migrates the schema when it finds none: they must take turns, and every one of them
must get a usable store (on SQLite and on PostgreSQL: `state_url`, tests/postgres.py).
"""

import subprocess
import sys
import threading

from alembic.script import ScriptDirectory

from connector.sync.state import MIGRATIONS, StateStore
from tests.factories import REPO

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()
OPENERS = 6


def test_threads_opening_a_new_store_at_once_all_get_it_at_the_head(state_url):
    start = threading.Barrier(OPENERS)
    revisions: list[str | None] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            store = StateStore.open(state_url)
            revisions.append(store.schema_revision())
            store.engine.dispose()
        except BaseException as exc:  # the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(OPENERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert revisions == [HEAD] * OPENERS


def test_processes_opening_a_new_postgres_database_at_once_all_get_it(postgres_server, tmp_path):
    url = postgres_server.create_database()
    try:
        # every process waits for a file to appear, so they open the store together
        opener = (
            "import os, sys, time\n"
            "while not os.path.exists(sys.argv[2]): time.sleep(0.01)\n"
            "from connector.sync.state import StateStore\n"
            "print(StateStore.open(sys.argv[1]).schema_revision())\n"
        )
        signal = tmp_path / "go"
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", opener, url, str(signal)],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(OPENERS)
        ]
        signal.touch()
        results = [run.communicate(timeout=300) for run in runs]
        assert [run.returncode for run in runs] == [0] * OPENERS, [err for _, err in results]
        assert [out.strip() for out, _ in results] == [HEAD] * OPENERS
    finally:
        postgres_server.drop_database(url)
