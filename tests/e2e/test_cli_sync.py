"""`connector backfill`, `sync`, `explain` and their safety rails, run as separate processes
against both sandboxes, checked against what the CRM then holds."""

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from connector.sync.state import StateStore
from tests.e2e.crm_runs import start_crm
from tests.factories import MAPPINGS

CRMS = ["hubspot", "salesforce"]


@pytest.fixture
def make_crm(tmp_path):
    started = []

    def make(crm, **kwargs):
        under_test = start_crm(crm, tmp_path / f"{crm}-{len(started)}", **kwargs)
        started.append(under_test)
        return under_test

    yield make
    for under_test in started:
        under_test.running.stop()


def _json(result):
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("crm", CRMS)
def test_backfill_writes_every_decision_and_the_next_sync_finds_nothing_to_change(crm, make_crm):
    under_test = make_crm(crm, contacts=150)
    result = under_test.connector("backfill", "--json")
    summary = _json(result)
    # The seed holds people without an e-mail address on purpose: skipped and reported, but an
    # ordinary run with nothing rejected by the CRM exits 0 (a cron alert must not fire).
    assert result.returncode == 0, result.stderr
    assert summary["outcome"] == "ok"
    assert summary["contacts_read"] == summary["contacts_total"] == 150
    assert {s["message"] for s in summary["skipped"]} == {"missing e-mail address"}
    assert summary["updates_applied"] == summary["updates_planned"] > 100
    assert summary["rejected"] == []

    snapshot = under_test.snapshot()
    skipped = {s["record_id"] for s in summary["skipped"]}
    scored = {pid for pid, values in snapshot.people.items() if values[0] is not None}
    assert scored == set(snapshot.people) - skipped
    assert sum(snapshot.task_keys.values()) == summary["tasks_created"]

    again = under_test.connector("sync", "--json")
    second = _json(again)
    assert second["outcome"] == "ok", again.stderr
    assert again.returncode == 0
    assert second["updates_planned"] == second["tasks_created"] == 0
    assert under_test.snapshot() == snapshot


def test_skipped_records_fail_the_run_only_when_the_setting_says_so(make_crm):
    under_test = make_crm("hubspot", contacts=150)  # the seed holds people without an e-mail
    env = {**under_test.env, "CONNECTOR_FAIL_ON_SKIPPED": "true"}
    result = under_test.connector("backfill", "--json", env_override=env)
    summary = _json(result)
    assert summary["skipped"] and summary["rejected"] == []
    assert result.returncode == 1
    assert summary["outcome"] == "finished_with_rejects"


@pytest.mark.parametrize("crm", CRMS)
def test_dry_run_prints_the_plan_and_writes_nothing(crm, make_crm):
    under_test = make_crm(crm, contacts=60)
    result = under_test.connector("backfill", "--dry-run")
    assert result.returncode in (0, 1), result.stderr  # 1 when the seed holds unusable people
    assert "would change" in result.stdout and "would become" in result.stdout
    assert "lifecycle_stage" in result.stdout
    assert under_test.records_written() == 0
    store = StateStore.open(str(under_test.state_file))
    assert store.last_runs(crm) == [] and store.watermark(crm, "contacts") is None


@pytest.mark.parametrize("crm", CRMS)
def test_explain_shows_the_score_the_backfill_wrote_rule_by_rule(crm, make_crm):
    under_test = make_crm(crm, contacts=40)
    under_test.connector("backfill", "--json")
    contact = next(
        c for c in under_test.snapshot_contacts() if c.email and c.score is not None and c.score > 0
    )
    result = under_test.connector("explain", contact.email, "--json")
    assert result.returncode == 0, result.stderr
    explained = _json(result)["contacts"]
    assert [item["contact"]["id"] for item in explained] == [contact.id]
    evaluation = explained[0]["evaluation"]
    assert evaluation["score"]["total"] == contact.score
    assert sum(line["points"] for line in evaluation["score"]["lines"]) == contact.score
    assert evaluation["fit"]["grade"] == contact.grade
    assert explained[0]["update"] is None  # the CRM already holds what the rules decide

    people = under_test.connector("explain", contact.id)
    assert people.returncode == 0, people.stderr
    assert f"score {contact.score}" in people.stdout
    assert "a sync would write nothing" in people.stdout

    missing = under_test.connector("explain", "nobody@nowhere.example")
    assert missing.returncode == 2
    assert "no contact has the id or e-mail address" in missing.stderr


@pytest.mark.parametrize("crm", CRMS)
def test_a_broken_mapping_file_stops_the_run_before_any_request(crm, make_crm, tmp_path):
    broken = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, broken)
    rules = broken / "rules.yaml"
    rules.write_text(rules.read_text().replace("  half_life_days: 30", "  half_life_dayz: 30", 1))
    under_test = make_crm(crm, contacts=20, mappings=broken)
    served = under_test.requests_served
    result = under_test.connector("sync")
    assert result.returncode == 2
    assert "rules.yaml:" in result.stderr and "half_life_dayz" in result.stderr
    assert "nothing was run" in result.stderr
    assert under_test.requests_served == served


def test_the_change_limit_aborts_before_any_write_unless_forced(make_crm, tmp_path):
    loose = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, loose)
    under_test = make_crm("hubspot", contacts=120, mappings=loose)
    assert under_test.connector("backfill", "--json").returncode == 0
    # An admin's edit that would flip many stages at once: MQL from a much lower score.
    rules = loose / "rules.yaml"
    text = rules.read_text()
    assert "    min_score: 100\n    min_grade: C" in text
    rules.write_text(
        text.replace("    min_score: 100\n    min_grade: C", "    min_score: 5\n    min_grade: D")
    )
    before = under_test.snapshot()
    written = under_test.records_written()

    guarded = under_test.connector("sync", "--max-changes", "2%", "--json")
    assert guarded.returncode == 3
    summary = _json(guarded)
    assert summary["outcome"] == "aborted_by_guard"
    assert "2%" in summary["message"]
    assert under_test.records_written() == written
    assert under_test.snapshot() == before

    forced = under_test.connector("sync", "--max-changes", "2%", "--force", "--json")
    assert forced.returncode == 0, forced.stderr
    assert _json(forced)["stage_changes"]
    assert under_test.snapshot() != before


def test_a_second_run_while_one_holds_the_lock_exits_3(make_crm):
    under_test = make_crm("hubspot", contacts=20)
    store = StateStore.open(str(under_test.state_file))
    store.acquire_lock("hubspot", "backfill", stale_after=timedelta(minutes=30))
    result = under_test.connector("sync")
    assert result.returncode == 3
    assert "another run" in result.stdout + result.stderr
    store.release_lock("hubspot")
    assert under_test.connector("sync", "--json").returncode in (0, 1)


def test_a_bad_setting_is_named_without_a_traceback(make_crm):
    under_test = make_crm("hubspot", contacts=5)
    under_test.env["CONNECTOR_MAX_CHANGES"] = "lots"
    result = under_test.connector("sync")
    assert result.returncode == 2
    assert "CONNECTOR_MAX_CHANGES" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("crm", CRMS)
def test_the_demo_runs_on_a_machine_with_nothing_configured(crm, tmp_path):
    """The README's first command: embedded sandbox, backfill, sales activity, sync."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUBSPOT_", "SALESFORCE_", "CONNECTOR_"))
    }
    env["CONNECTOR_MAPPINGS_DIR"] = str(MAPPINGS)
    result = subprocess.run(
        [sys.executable, "-m", "connector", "demo", "--crm", crm, "--contacts", "120", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .env, no state file, nothing from a previous run
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["backfill"]["contacts_read"] == report["contacts_seeded"] == 120
    assert report["backfill"]["updates_applied"] > 100
    assert report["backfill"]["api_calls"]
    qualified = report["activity"]["qualified"]
    assert qualified > 0
    # Sales confirmed BANT for some people: the sync finds them and moves them to SQL.
    to_sql = sum(n for move, n in report["sync"]["stage_changes"].items() if move.endswith("sql"))
    assert 0 < to_sql <= qualified
    assert report["sync"]["tasks_created"] >= to_sql
    assert list(tmp_path.iterdir()) == []  # the demo leaves nothing behind in the directory
    # ... but the funnel report of what it did, in a directory of its own, named
    page = Path(report["report_path"])
    try:
        html = page.read_text()
        assert "Funnel report" in html and f"{report['contacts_seeded']} people" in html
    finally:
        shutil.rmtree(page.parent)
