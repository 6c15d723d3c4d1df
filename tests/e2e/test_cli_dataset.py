"""The dataset mode from the command line: `--with-outcomes` needs `--dataset`, and the demo runs
the whole product on real lead history with its outcomes recorded."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import DATASET, MAPPINGS


def connector(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUBSPOT_", "SALESFORCE_", "CONNECTOR_"))
    }
    env["CONNECTOR_MAPPINGS_DIR"] = str(MAPPINGS)
    return subprocess.run(
        [sys.executable, "-m", "connector", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


@pytest.mark.parametrize("command", [["demo"], ["sandbox", "serve"]])
def test_with_outcomes_without_a_dataset_is_a_usage_error(command, tmp_path):
    result = connector(*command, "--with-outcomes", cwd=tmp_path)
    assert result.returncode == 2
    assert "--with-outcomes needs --dataset" in result.stderr


@pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")
def test_the_demo_runs_on_the_dataset_with_outcomes(tmp_path):
    result = connector(
        "demo",
        "--crm",
        "salesforce",
        "--dataset",
        str(DATASET),
        "--contacts",
        "200",
        "--with-outcomes",
        "--json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["contacts_seeded"] == report["backfill"]["contacts_read"] == 200
    # Converted leads are customers already: the backfill never moves them back.
    assert not [move for move in report["backfill"]["stage_changes"] if move.startswith("customer")]
