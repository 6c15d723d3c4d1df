"""`connector report` and `connector whatif` as a user runs them, against both sandboxes after
a real backfill: read-only for the CRM and the state store, figures consistent with what the
CRM holds, and the what-if's two acceptance cases (identical rules: no change; MQL threshold
100 → 50: more MQLs, with their tasks)."""

import json
import sqlite3
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.e2e.crm_runs import start_crm
from tests.factories import MAPPINGS

CRMS = ["hubspot", "salesforce"]


@pytest.fixture
def backfilled(request, tmp_path):
    under_test = start_crm(request.param, tmp_path, contacts=150)
    result = under_test.connector("backfill", "--json")
    assert result.returncode in (0, 1), result.stderr
    yield under_test
    under_test.running.stop()


def _rules_with_mql_threshold(tmp_path: Path, threshold: int) -> Path:
    yaml = YAML()
    data = yaml.load((MAPPINGS / "rules.yaml").read_text())
    data["lifecycle"]["mql"]["min_score"] = threshold
    path = tmp_path / f"rules-{threshold}.yaml"
    with path.open("w") as handle:
        yaml.dump(data, handle)
    return path


def _state_rows(state_file: Path) -> dict[str, int]:
    with sqlite3.connect(state_file) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables
        }


@pytest.mark.parametrize("backfilled", CRMS, indirect=True)
def test_whatif_identical_rules_change_nothing_and_a_lower_threshold_adds_mqls(
    backfilled, tmp_path
):
    state_before = _state_rows(backfilled.state_file)
    writes_before = backfilled.records_written()
    assert state_before["snapshot_people"] > 100  # the backfill kept what it decided on

    same = backfilled.connector("whatif", "--rules", str(MAPPINGS / "rules.yaml"), "--json")
    assert same.returncode == 0, same.stderr
    unchanged = json.loads(same.stdout)
    assert unchanged["people"] == state_before["snapshot_people"]
    assert unchanged["people_changed"] == 0
    assert unchanged["stage_changes"] == {}
    assert unchanged["tasks_added"] == unchanged["mql_gained"] == 0

    page = tmp_path / "whatif.html"
    lower = backfilled.connector(
        "whatif",
        "--rules",
        str(_rules_with_mql_threshold(tmp_path, 50)),
        "--json",
        "--out",
        str(page),
    )
    assert lower.returncode == 0, lower.stderr
    changed = json.loads(lower.stdout)
    assert changed["mql_proposed"] > changed["mql_live"]
    assert changed["mql_gained"] > 0 and changed["mql_lost"] == 0
    gained = sum(n for change, n in changed["stage_changes"].items() if change.endswith("-> mql"))
    assert gained == changed["mql_gained"]
    # every new MQL gets its follow-up task
    assert changed["tasks_added"] >= changed["mql_gained"]
    assert {t["stage"] for t in changed["new_tasks"]} == {"mql"}
    assert changed["people_changed"] >= changed["mql_gained"]
    assert 0 < len(changed["movers"]) <= 20
    assert "What-if" in page.read_text()

    # read-only: nothing written to the CRM or the state store
    assert backfilled.records_written() == writes_before
    assert _state_rows(backfilled.state_file) == state_before


@pytest.mark.parametrize("backfilled", CRMS, indirect=True)
def test_report_figures_match_the_crm_and_the_page_is_written(backfilled, tmp_path):
    state_before = _state_rows(backfilled.state_file)
    writes_before = backfilled.records_written()
    page = tmp_path / "out" / "report.html"
    result = backfilled.connector("report", "--json", "--out", str(page))
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    people = backfilled.snapshot_contacts()
    assert figures["people"] == len(people)
    by_stage = {row["stage"]: row["people"] for row in figures["funnel"]}
    for stage in ("lead", "mql", "sql"):
        assert by_stage[stage] == sum(
            1 for p in people if p.lifecycle_stage and p.lifecycle_stage.value == stage
        )
    with sqlite3.connect(backfilled.state_file) as db:
        transitions = db.execute("SELECT count(*) FROM audit_log WHERE kind='transition'")
        tasks = db.execute("SELECT count(*) FROM task_keys").fetchone()[0]
        assert figures["stage_moves"] == transitions.fetchone()[0]
    speed = figures["speed_to_lead"]
    assert speed["tasks"] == tasks
    assert speed["open"] + speed["done"] + speed["missing_in_crm"] == tasks
    html = page.read_text()
    assert "<script" not in html and "http" not in html.split("</style>")[0]
    assert backfilled.records_written() == writes_before
    assert _state_rows(backfilled.state_file) == state_before


def test_report_rejects_a_bad_spend_file_naming_the_line(tmp_path):
    spend = tmp_path / "spend.csv"
    spend.write_text("source,period,amount\nreferral,2026-11,500\nbought,2026-11,EUR 5\n")
    under_test = start_crm("hubspot", tmp_path, contacts=5)
    try:
        result = under_test.connector("report", "--spend", str(spend), "--json")
    finally:
        under_test.running.stop()
    assert result.returncode == 2
    assert f"{spend}:3: source 'bought'" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("backfilled", ["hubspot"], indirect=True)
def test_refresh_reads_the_crm_and_an_empty_period_renders_empty(backfilled, tmp_path):
    state_before = _state_rows(backfilled.state_file)
    fresh = backfilled.connector(
        "whatif", "--rules", str(MAPPINGS / "rules.yaml"), "--refresh", "--json"
    )
    assert fresh.returncode == 0, fresh.stderr
    result = json.loads(fresh.stdout)
    assert result["people"] + result["skipped"] == len(backfilled.snapshot_contacts())
    assert result["people_changed"] == 0

    page = tmp_path / "empty.html"
    empty = backfilled.connector("report", "--since", "2099-01-01", "--json", "--out", str(page))
    assert empty.returncode == 0, empty.stderr
    figures = json.loads(empty.stdout)
    assert figures["stage_moves"] == 0 and figures["speed_to_lead"]["tasks"] == 0
    assert figures["conversion_by_source"] == [] and figures["recycle_reasons"] == {}
    assert "No MQL in this period." in page.read_text()
    assert _state_rows(backfilled.state_file) == state_before

    bad = backfilled.connector("report", "--since", "last week")
    assert bad.returncode == 2 and "--since: 'last week' is not a date" in bad.stderr


def test_whatif_names_the_problem_in_a_bad_rules_file(tmp_path):
    rules = tmp_path / "rules.yaml"
    text = (MAPPINGS / "rules.yaml").read_text().replace("min_score: 100", "min_score: -5", 1)
    rules.write_text(text)
    under_test = start_crm("hubspot", tmp_path, contacts=5)
    try:
        result = under_test.connector("whatif", "--rules", str(rules), "--json")
    finally:
        under_test.running.stop()
    assert result.returncode == 2
    assert f"{rules}:" in result.stderr and "min_score" in result.stderr
    assert result.stdout == ""
