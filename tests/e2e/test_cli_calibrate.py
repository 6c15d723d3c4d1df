"""`connector calibrate` and `connector backtest` as a user runs them: a real subprocess
configured by environment, against sandboxes seeded in the test process; exit codes, files
written or not, and numbers checked against an independent computation."""

import csv
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from connector.sandbox.seed import SeedData, SeedSpec
from tests.e2e.crm_runs import CrmUnderTest, start_crm
from tests.factories import MAPPINGS
from tests.integration.calibrate.planted import PlantedHistory, by_status, only_converted

sklearn_metrics = pytest.importorskip("sklearn.metrics")
DATASET = Path("/work/shared/datasets/x-education-leads.csv")


@contextmanager
def crm_with(
    crm: str, data: SeedData, tmp_path: Path, mappings: Path = MAPPINGS
) -> Iterator[CrmUnderTest]:
    """A sandbox holding `data`, and the environment that points `connector` at it."""
    contacts = data.contact_count or 0
    under_test = start_crm(crm, tmp_path, contacts=contacts, mappings=mappings, seed_data=data)
    try:
        yield under_test
    finally:
        under_test.running.stop()


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_calibrate_proposes_a_valid_file_and_backtest_measures_it(crm, tmp_path):
    out = tmp_path / "proposed" / "rules.yaml"
    out.parent.mkdir()
    with crm_with(crm, PlantedHistory(500, by_status), tmp_path) as under_test:
        result = under_test.connector(
            "calibrate", "--out", str(out), "--min-support", "20", "--json"
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        scores = tmp_path / "scores.csv"
        tested = under_test.connector(
            "backtest", "--rules", str(out), "--out", str(scores), "--part", "holdout", "--json"
        )
        assert tested.returncode == 0, tested.stderr
    assert report["known_outcome"] == 500 and report["holdout_ranking"]["auc"] > 0.7
    assert out.with_suffix(".svg").read_text().startswith("<svg")
    validated = under_test.connector("mappings", "validate", "--offline", str(out))
    assert validated.returncode == 0, validated.stderr
    # the backtest of the held-out part scores exactly the people calibrate held out
    backtest = json.loads(tested.stdout)
    assert backtest["known_outcome"] == report["holdout"]
    assert backtest["ranking"]["auc"] == pytest.approx(report["holdout_ranking"]["auc"], abs=0.02)


@pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")
def test_backtest_of_the_shipped_rules_reports_the_auc_of_its_own_csv(tmp_path):
    data = SeedData(SeedSpec(contacts=400, dataset=DATASET, with_outcomes=True))
    scores = tmp_path / "scores.csv"
    with crm_with("hubspot", data, tmp_path) as under_test:
        result = under_test.connector(
            "backtest", "--out", str(scores), "--idle-days", "0", "--json"
        )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    with scores.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == report["people_read"] == 400
    assert all(row["external_id"] for row in rows)  # the file's own id, mapped on HubSpot
    known = [row for row in rows if row["outcome"] != ""]
    direct = sklearn_metrics.roc_auc_score(
        [int(row["outcome"]) for row in known], [int(row["score"]) for row in known]
    )
    assert report["ranking"]["auc"] == pytest.approx(direct, abs=1e-12)
    converted = sum(int(row["outcome"]) for row in known)
    assert report["ranking"]["converted"] == converted > 0


def test_no_history_is_a_clear_error_and_nothing_is_written(tmp_path):
    out = tmp_path / "rules.yaml"
    with crm_with("hubspot", SeedData(SeedSpec(contacts=0, seed=1)), tmp_path) as under_test:
        result = under_test.connector("calibrate", "--out", str(out))
    assert result.returncode == 2
    assert "no people with a known outcome" in result.stderr
    assert list(tmp_path.glob("rules*")) == []


def test_one_class_only_is_a_clear_error_and_nothing_is_written(tmp_path):
    out = tmp_path / "rules.yaml"
    with crm_with("hubspot", PlantedHistory(120, only_converted), tmp_path) as under_test:
        result = under_test.connector("calibrate", "--out", str(out))
    assert result.returncode == 2
    assert "is converted: learning needs both kinds" in result.stderr
    assert list(tmp_path.glob("rules*")) == []


def test_a_property_that_vanished_from_the_crm_stops_both_commands(tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, mappings)
    hubspot = mappings / "hubspot.yaml"
    text = hubspot.read_text()
    assert "{field: time_on_site, type: number}" in text
    hubspot.write_text(text.replace("{field: time_on_site,", "{field: time_on_site_gone,"))
    out, scores = tmp_path / "rules.yaml", tmp_path / "scores.csv"
    with crm_with("hubspot", PlantedHistory(60), tmp_path, mappings) as under_test:
        calibrated = under_test.connector("calibrate", "--out", str(out))
        tested = under_test.connector("backtest", "--out", str(scores))
    for result in (calibrated, tested):
        assert result.returncode == 2
        assert "time_on_site_gone" in result.stderr
    assert not out.exists() and not scores.exists()


def test_an_unreadable_rules_file_is_a_clear_error_and_nothing_is_written(tmp_path):
    broken = tmp_path / "rules.yaml"
    broken.write_text("scoring:\n  half_life_days: [\n")
    scores = tmp_path / "scores.csv"
    with crm_with("hubspot", PlantedHistory(30), tmp_path) as under_test:
        result = under_test.connector("backtest", "--rules", str(broken), "--out", str(scores))
        missing = under_test.connector(
            "backtest", "--rules", str(tmp_path / "nowhere.yaml"), "--out", str(scores)
        )
    assert result.returncode == 2 and str(broken) in result.stderr
    assert missing.returncode == 2 and "nowhere.yaml" in missing.stderr
    assert not scores.exists()


def test_without_scikit_learn_both_commands_say_how_to_install_it(tmp_path):
    fake = tmp_path / "no-sklearn" / "sklearn"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('scikit-learn is not installed')\n")
    with crm_with("hubspot", PlantedHistory(10), tmp_path) as under_test:
        under_test.env["PYTHONPATH"] = str(fake.parent)
        calibrated = under_test.connector("calibrate", "--out", str(tmp_path / "rules.yaml"))
        tested = under_test.connector("backtest")
    for result in (calibrated, tested):
        assert result.returncode == 2
        assert "pip install 'crm-lifecycle-connector[calibrate]'" in result.stderr
    assert not (tmp_path / "rules.yaml").exists()


@pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")
def test_split_by_the_dataset_id_holds_out_the_same_people_on_both_crms(tmp_path):
    held_out = {}
    for crm in ("hubspot", "salesforce"):
        data = SeedData(SeedSpec(contacts=200, dataset=DATASET, with_outcomes=True))
        scores = tmp_path / crm / "scores.csv"
        scores.parent.mkdir()
        with crm_with(crm, data, scores.parent) as under_test:
            result = under_test.connector(
                "backtest",
                "--out",
                str(scores),
                "--idle-days",
                "0",
                "--part",
                "holdout",
                "--split-by",
                "dataset_record_id",
            )
        assert result.returncode == 0, result.stderr
        with scores.open(newline="") as handle:
            held_out[crm] = {row["external_id"]: row["outcome"] for row in csv.DictReader(handle)}
    assert 30 < len(held_out["hubspot"]) < 100  # about 30 % of 200
    assert held_out["hubspot"] == held_out["salesforce"]  # same people, same known outcomes
