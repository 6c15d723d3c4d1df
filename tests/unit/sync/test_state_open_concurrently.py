"""A new state store opened by several threads or processes at the same moment.

A worker's slots (and its schedule tick) open the store from threads of one process; several
cron runs or workers open one new PostgreSQL database from separate processes. Each of them
creates or migrates the schema when it finds none: they must take turns, and every one of them
must get a usable store (on SQLite and on PostgreSQL: `state_url`, tests/postgres.py).
"""

import subprocess
import sys
import threading
import time

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


def test_processes_opening_a_new_store_at_once_all_get_it(state_url, tmp_path):
    # each process imports the connector, says it is ready, then waits for the signal file, so
    # that they all open the store together
    opener = (
        "import os, sys, time\n"
        "from connector.sync.state import StateStore\n"
        "open(sys.argv[3], 'w').close()\n"
        "while not os.path.exists(sys.argv[2]): time.sleep(0.005)\n"
        "print(StateStore.open(sys.argv[1]).schema_revision())\n"
    )
    signal = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(OPENERS)]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", opener, state_url, str(signal), str(ready[n])],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(OPENERS)
    ]
    while not all(path.exists() for path in ready):
        assert all(run.poll() is None for run in runs), [run.communicate() for run in runs]
        time.sleep(0.01)
    signal.touch()
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0] * OPENERS, [err for _, err in results]
    assert [out.strip() for out, _ in results] == [HEAD] * OPENERS
