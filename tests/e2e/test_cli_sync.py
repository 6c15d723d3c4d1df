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


def test_a_dry_run_plan_is_a_summary_with_owner_names_unless_full_is_asked(make_crm):
    under_test = make_crm("hubspot", contacts=150)
    under_test.env["COLUMNS"] = "250"  # table cells unwrapped, to find names in them
    summary = under_test.connector("backfill", "--dry-run")
    assert summary.returncode == 0, summary.stderr
    assert "what would change" in summary.stdout
    assert "20 of " in summary.stdout and "--plan full lists every one" in summary.stdout
    full = under_test.connector("backfill", "--dry-run", "--plan", "full", "--json")
    planned = len(_json(full)["plan"])
    every = under_test.connector("backfill", "--dry-run", "--plan", "full")
    assert f"{planned} of {planned} contact(s) in detail" in every.stdout.replace(",", "")
    assert "what would change" not in every.stdout
    assigned = {
        c["changes"]["owner_id"] for c in _json(full)["plan"] if c["changes"].get("owner_id")
    }
    assert assigned
    names = {owner.id: owner.name for owner in _owners(under_test)}
    for owner_id in assigned:
        assert f"{names[owner_id]} ({owner_id})" in every.stdout, "owners are shown by name"
    wrong = under_test.connector("backfill", "--dry-run", "--plan", "everything")
    assert wrong.returncode == 2 and "--plan must be summary or full" in wrong.stderr


def _owners(under_test):
    from connector.mapping.loader import load_crm_mapping
    from connector.sync.connect import build_adapter

    mapping = load_crm_mapping(MAPPINGS / f"{under_test.crm}.yaml")
    return build_adapter(under_test.crm, mapping, environment=under_test.env).list_owners()


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
    # A sync re-decides only the people that changed (its own writes do not count): an import
    # touches every contact, so the next sync re-decides them all under the edited rules.
    _touch_every_hubspot_contact(under_test)
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


def test_a_quiet_day_sync_is_not_stopped_by_a_share_of_the_few_contacts_it_read(make_crm):
    """Sales qualify two leads; the next sync reads only a handful of people. 5 % is judged
    against the account's 100 contacts, not against the few read (which the old guard did)."""
    import requests

    from connector.demo_rep import BANT
    from connector.domain.stages import LifecycleStage
    from connector.mapping.loader import load_crm_mapping

    under_test = make_crm("hubspot", contacts=100)
    under_test.env["HUBSPOT_INCREMENTAL_OVERLAP_SECONDS"] = "0"
    assert under_test.connector("backfill", "--json").returncode == 0
    assert under_test.connector("sync", "--json").returncode == 0  # settles the backfill
    leads = [
        contact
        for contact in under_test.snapshot_contacts()
        if contact.lifecycle_stage == LifecycleStage.LEAD and contact.grade in ("A", "B", "C")
    ]
    fields = load_crm_mapping(MAPPINGS / "hubspot.yaml").contact.fields  # type: ignore[union-attr]
    answer = requests.post(
        f"{under_test.running.url.rstrip('/')}/crm/v3/objects/contacts/batch/update",
        json={
            "inputs": [
                {"id": lead.id, "properties": {fields[f]: "true" for f in BANT if f in fields}}
                for lead in leads[:2]
            ]
        },
        headers={"Authorization": f"Bearer {under_test.env['HUBSPOT_ACCESS_TOKEN']}"},
        timeout=30,
    )
    answer.raise_for_status()
    env = {**under_test.env, "CONNECTOR_MAX_CHANGES": "5%", "CONNECTOR_MAX_CHANGES_FLOOR": "0"}
    result = under_test.connector("sync", "--json", env_override=env)
    summary = _json(result)
    assert result.returncode == 0, summary["message"]
    assert summary["stage_changes"] == {"lead -> sql": 2}
    assert 5 * summary["contacts_read"] < 2 * 100, "the run must be a share of what it read"


def _touch_every_hubspot_contact(under_test) -> None:
    """Another integration's import: the first name of every contact the backfill decided
    (the seed's unusable records left alone) rewritten through the SDK."""
    from hubspot import HubSpot
    from hubspot.crm.contacts import (
        BatchInputSimplePublicObjectBatchInput,
        SimplePublicObjectBatchInput,
    )

    client = HubSpot(
        access_token=under_test.env["HUBSPOT_ACCESS_TOKEN"], host=under_test.env["HUBSPOT_BASE_URL"]
    )
    ids = [c.id for c in under_test.snapshot_contacts() if c.score is not None]
    for start in range(0, len(ids), 100):
        client.crm.contacts.batch_api.update(
            BatchInputSimplePublicObjectBatchInput(
                inputs=[
                    SimplePublicObjectBatchInput(id=i, properties={"firstname": "Imported"})
                    for i in ids[start : start + 100]
                ]
            )
        )


def test_a_second_run_while_one_holds_the_lock_exits_3(make_crm):
    under_test = make_crm("hubspot", contacts=20)
    store = StateStore.open(str(under_test.state_file))
    store.acquire_lock("hubspot", "backfill", stale_after=timedelta(minutes=30))
    result = under_test.connector("sync")
    assert result.returncode == 3
    assert "another run" in result.stdout + result.stderr
    store.release_lock("hubspot")
    assert under_test.connector("sync", "--from-scratch", "--json").returncode in (0, 1)


def test_a_sync_on_a_new_state_store_says_so_and_refuses_until_asked(make_crm, tmp_path):
    under_test = make_crm("hubspot", contacts=20)
    mistyped = {**under_test.env, "CONNECTOR_STATE_URL": str(tmp_path / "conector-state.sqlite")}
    refused = under_test.connector("sync", "--json", env_override=mistyped)
    assert refused.returncode == 2
    assert "Created a new, empty state store" in refused.stderr
    assert "no backfill or earlier sync" in _json(refused)["message"]
    assert under_test.records_written() == 0
    dry = under_test.connector("sync", "--dry-run", "--json", env_override=mistyped)
    assert dry.returncode == 0 and "Created a new" not in dry.stderr  # it exists now
    asked = under_test.connector("sync", "--from-scratch", "--json", env_override=mistyped)
    assert asked.returncode == 0, asked.stderr
    assert _json(asked)["contacts_read"] == 20
    assert under_test.connector("sync", "--json", env_override=mistyped).returncode == 0


def test_a_bad_setting_is_named_without_a_traceback(make_crm):
    under_test = make_crm("hubspot", contacts=5)
    under_test.env["CONNECTOR_MAX_CHANGES"] = "lots"
    result = under_test.connector("sync")
    assert result.returncode == 2
    assert "CONNECTOR_MAX_CHANGES" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_demo_names_a_mappings_folder_that_is_not_there_as_a_setting_to_fix(tmp_path):
    """Not an internal error (exit 5, "this is a bug"): the user's setting, exit 2."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONNECTOR_")}
    env["CONNECTOR_MAPPINGS_DIR"] = str(tmp_path / "missing")
    result = subprocess.run(
        [sys.executable, "-m", "connector", "demo", "--contacts", "10"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "CONNECTOR_MAPPINGS_DIR" in result.stderr and "not a folder" in result.stderr
    assert "internal error" not in result.stderr


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
    assert 0 < to_sql <= qualified + 1  # and the demo's booked meeting
    assert report["sync"]["tasks_created"] >= to_sql
    # The story: a meeting booked in the CRM alone makes an SQL with an owner and a task at the
    # next sync; five days later, with nobody touching the CRM, overdue follow-ups escalate.
    chapters = {chapter["title"]: chapter["lines"] for chapter in report["story"]}
    meeting = chapters["a meeting booked in the CRM"]
    assert "stage sql, owner " in meeting[1] and "owner none" not in meeting[1]
    assert meeting[2].startswith("  task: Qualify and book a meeting")
    assert report["later"]["escalations_applied"] >= 1
    assert any(title.startswith("five days later") for title in chapters)
    assert list(tmp_path.iterdir()) == []  # the demo leaves nothing behind in the directory
    # ... but the funnel report of what it did, in a directory of its own, named
    page = Path(report["report_path"])
    try:
        html = page.read_text()
        assert "Funnel report" in html and f"{report['contacts_seeded']} people" in html
    finally:
        shutil.rmtree(page.parent)


@pytest.mark.parametrize("crm", CRMS)
def test_an_owner_typo_in_the_rules_stops_validation_and_every_run(crm, make_crm, tmp_path):
    typo = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, typo)
    rules = typo / "rules.yaml"
    text = rules.read_text()
    assert "{owner: jordan.diaz@sandbox.example" in text
    rules.write_text(text.replace("{owner: jordan.diaz@", "{owner: jordan.dias@", 1))
    line = 1 + text[: text.index("{owner: jordan.diaz@")].count("\n")
    under_test = make_crm(crm, contacts=30, mappings=typo)

    offline = under_test.connector("mappings", "validate", "--offline")
    assert offline.returncode == 0, offline.stderr  # only the CRM knows its users
    online = under_test.connector("mappings", "validate")
    assert online.returncode == 2
    assert f"rules.yaml:{line}:" in online.stderr
    assert "did you mean jordan.diaz@sandbox.example" in online.stderr

    for command in (("backfill", "--json"), ("sync", "--dry-run", "--json")):
        result = under_test.connector(*command)
        assert result.returncode == 2, result.stdout + result.stderr
        summary = _json(result)
        assert f"rules.yaml:{line}:" in summary["message"]
        assert summary["contacts_read"] == 0
    assert under_test.records_written() == 0
