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


@pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")
def test_the_dataset_demo_runs_with_the_learned_rules_and_names_its_mqls(tmp_path):
    """A new user's `connector demo --dataset`: the rules calibrate learned from this history
    (mappings/rules.dataset.yaml) make real MQLs, and the output says so by name."""
    learned = MAPPINGS / "rules.dataset.yaml"
    assert "connector calibrate" in learned.read_text().split("\n\n")[0]  # how it was made
    result = connector(
        "demo", "--dataset", str(DATASET), "--contacts", "300", "--json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rules_learned"] is True
    assert Path(report["rules_file"]) == learned
    to_mql = sum(
        n for move, n in report["backfill"]["stage_changes"].items() if move.endswith(" mql")
    )
    assert to_mql > 0
    chapters = {chapter["title"]: chapter["lines"] for chapter in report["story"]}
    mqls = chapters["the marketing-qualified leads"]
    assert mqls[0].startswith(f"{to_mql:,} people are marketing-qualified")
    assert "learned from this history's outcomes by `connector calibrate`" in mqls[0]
    named = mqls[1:]
    assert 0 < len(named) <= 5 and all(": score " in line for line in named)
    # the people named are MQLs in the CRM: their scores reach the learned threshold
    threshold = int(mqls[0].split("score >= ")[1].split(",")[0])
    assert all(int(line.split(": score ")[1].split(",")[0]) >= threshold for line in named)
    # and the text output says which rules ran, and that they were learned
    shown = connector("demo", "--dataset", str(DATASET), "--contacts", "120", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "rules.dataset.yaml, learned from this history's outcomes" in shown.stdout
    assert "the marketing-qualified leads" in shown.stdout
