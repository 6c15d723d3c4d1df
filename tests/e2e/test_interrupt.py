"""Ctrl-C during a backfill says what was kept and how to go on, and --resume goes on."""

import json
import signal
import subprocess
import sys
import time

from connector.sync.state import StateStore
from tests.e2e.crm_runs import start_crm
from tests.factories import REPO


def test_ctrl_c_during_a_backfill_says_what_was_kept_and_resume_finishes(tmp_path):
    under_test = start_crm("hubspot", tmp_path, contacts=600)
    env = {**under_test.env, "CONNECTOR_WRITE_BUFFER_RECORDS": "100"}
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "connector", "backfill"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        store = None
        served = under_test.requests_served
        while process.poll() is None:  # until a first page is checkpointed
            # the run migrates the store before its first request: open it only after that
            if store is None and under_test.requests_served > served + 3:
                store = StateStore.open(str(under_test.state_file))
            if store is not None and store.checkpoint("hubspot", "backfill") is not None:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the backfill finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 130, stderr
        assert "Interrupted." in stderr and "--resume" in stderr
        assert "Traceback" not in stderr and "Aborted" not in stderr

        resumed = under_test.connector("backfill", "--resume", "--json", env_override=env)
        summary = json.loads(resumed.stdout)
        assert resumed.returncode == 0, resumed.stderr
        assert summary["resumed_from_page"] is not None
    finally:
        under_test.running.stop()
