"""`calibrate` on planted history read from the HubSpot sandbox over HTTP: the weights that
made the outcomes come back as points; the outcome fields are never features; the proposed
file differs from the current one only in the learned values and their comments."""

import difflib
import re
from pathlib import Path

from connector.calibrate.calibrate import calibrate
from connector.calibrate.fit import CalibrateOptions
from connector.calibrate.report import CalibrationReport
from connector.mapping.loader import load_rules
from connector.sandbox.seed import DEFAULT_NOW
from tests.integration.calibrate.conftest import MAPPINGS, adapter_for, running
from tests.integration.calibrate.planted import PLANTED, PlantedHistory, by_deals, by_stage

PEOPLE = 900
OPTIONS = CalibrateOptions(min_support=20, points_per_logit=10)


def _calibrate(data: PlantedHistory, rules: Path, out: Path) -> CalibrationReport:
    with running(data) as sandbox:
        return calibrate(adapter_for(sandbox), load_rules(rules), rules, out, OPTIONS, DEFAULT_NOW)


def _learned(report: CalibrationReport) -> dict[str, float]:
    return {rule.label: rule.proposed for rule in report.rules}


def test_planted_weights_come_back_as_points(tmp_path, rules_without_intent):
    rules = rules_without_intent()
    report = _calibrate(PlantedHistory(PEOPLE), rules, tmp_path / "rules.yaml")
    learned = _learned(report)
    # same signs
    for label, weight in PLANTED.items():
        assert (learned[label] > 0) == (weight > 0), (label, learned[label])
    # same ranking of the behaviour rules, by size of effect
    behaviour = [label for label in PLANTED if label.startswith("engagement:")]
    assert sorted(behaviour, key=lambda label: learned[label]) == sorted(
        behaviour, key=lambda label: PLANTED[label]
    )
    # and near the planted size at 10 points per unit of log-odds (L1 shrinks a little)
    for label, weight in PLANTED.items():
        assert abs(learned[label] - 10 * weight) <= 0.4 * abs(10 * weight) + 2, label
    # rules that never fired keep their weight against the MQL threshold: 50 of 100 becomes
    # half the proposed threshold, not 50 points beside learned ones of a few points each
    was = load_rules(rules).lifecycle.mql.min_score
    demo = next(rule for rule in report.rules if rule.label == "engagement: demo_request")
    assert demo.status == "kept" and demo.current == 50
    assert demo.proposed == round(50 * report.proposed_threshold / was) != 50
    assert f"scaled with mql.min_score ({was:g} -> {report.proposed_threshold})" in demo.why
    text = (tmp_path / "rules.yaml").read_text()
    assert "was 50, fired for 0 training people" in text
    assert report.holdout_ranking.auc > 0.7


def test_outcome_fields_are_never_features(tmp_path, rules_without_intent):
    """The same people and outcomes, once recorded as stage + lead status and once as deals +
    customer/other stage: were stage, deals or lead status a feature, they would be a perfect
    leak (AUC 1) and the two proposals would differ."""
    rules = rules_without_intent()
    first = _calibrate(PlantedHistory(PEOPLE, by_stage), rules, tmp_path / "a.yaml")
    second = _calibrate(PlantedHistory(PEOPLE, by_deals), rules, tmp_path / "b.yaml")
    assert (tmp_path / "a.yaml").read_text() == (tmp_path / "b.yaml").read_text()
    assert first.holdout_ranking.auc == second.holdout_ranking.auc < 0.95
    assert first.known_outcome == second.known_outcome == PEOPLE


def test_the_proposed_file_keeps_comments_and_diffs_only_in_learned_values(tmp_path):
    out = tmp_path / "rules.yaml"
    report = _calibrate(PlantedHistory(PEOPLE), MAPPINGS / "rules.yaml", out)
    before = (MAPPINGS / "rules.yaml").read_text().splitlines()
    after = out.read_text().splitlines()
    assert len(before) == len(after)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    # learned rules, and kept ones whose points were scaled with the threshold
    learned = [r for r in report.rules if r.status != "kept" or r.proposed != r.current]
    assert any(r.status == "kept" for r in learned)
    grade_line = 1 if report.proposed_min_grade != "C" else 0
    # the learned rules, the MQL threshold (and grade), and the lead and recycle thresholds
    # scaled with it
    assert len(changed) == len(learned) + 1 + grade_line + 2
    number = re.compile(r"-?\d+(?:\.\d+)?")
    for old, new in changed:
        code, _, comment = new.partition("  # calibrated: ")
        assert comment, new
        # the line without its numbers is the line it was (numbers, spacing and comment differ)
        flat_old = number.sub("N", old.split("#")[0]).replace(" ", "")
        flat_new = number.sub("N", code).replace(" ", "")
        if "min_grade" not in old:
            assert flat_new == flat_old
    # every comment of the original file is still there, word for word
    for line in before:
        if line.lstrip().startswith("#"):
            assert line in after
    # a reviewer's diff has exactly those lines
    diff = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if line.startswith("+") and not line.startswith("+++")
    ]
    assert len(diff) == len(changed)
    assert out.with_suffix(".svg").read_text().startswith("<svg")
    load_rules(out)  # a valid rules file


def test_a_capped_sample_keeps_exact_counts_and_the_planted_points(tmp_path, rules_without_intent):
    """Memory flat in the people: the fit holds at most --sample-size rows and the holdout
    measures at most --holdout-size, yet support, conversion and lift count every training
    person, and the planted weights still come back."""
    rules = rules_without_intent()
    data = PlantedHistory(PEOPLE)
    everyone = _calibrate(data, rules, tmp_path / "all.yaml")
    capped_options = OPTIONS.model_copy(update={"sample_size": 400, "holdout_size": 150})
    with running(data) as sandbox:
        capped = calibrate(
            adapter_for(sandbox),
            load_rules(rules),
            rules,
            tmp_path / "capped.yaml",
            capped_options,
            DEFAULT_NOW,
        )
    assert everyone.fit_rows == everyone.train and everyone.holdout_measured == everyone.holdout
    assert capped.train == everyone.train and capped.holdout == everyone.holdout
    assert capped.fit_rows <= 400 < capped.train
    assert capped.holdout_measured == capped.holdout_ranking.people == 150 < capped.holdout
    for mine, theirs in zip(capped.rules, everyone.rules, strict=True):
        assert (mine.support, mine.conversion, mine.lift) == (
            theirs.support,
            theirs.conversion,
            theirs.lift,
        )
    learned = _learned(capped)
    for label, weight in PLANTED.items():
        assert (learned[label] > 0) == (weight > 0), (label, learned[label])
        assert abs(learned[label] - 10 * weight) <= 0.5 * abs(10 * weight) + 2, label
    assert capped.holdout_ranking.auc > 0.7
    load_rules(tmp_path / "capped.yaml")


def test_the_read_only_commands_keep_nothing_per_contact_read_for_a_write(tmp_path):
    """calibrate and backtest never write, so the HubSpot adapter they open remembers nothing
    for the echo filter; a syncing adapter remembers every contact it read."""
    from connector.cli import READ_ONLY_SETTINGS
    from connector.mapping.loader import load_mapping_dir
    from connector.sync.connect import build_adapter

    mapping = load_mapping_dir(MAPPINGS).crms["hubspot"]
    with running(PlantedHistory(60)) as sandbox:
        environment = {"HUBSPOT_ACCESS_TOKEN": sandbox.token, "HUBSPOT_BASE_URL": sandbox.url}
        syncing = build_adapter("hubspot", mapping, environment)
        reading = build_adapter("hubspot", mapping, {**environment, **READ_ONLY_SETTINGS})
        for adapter in (syncing, reading):
            assert adapter.echo is not None
            assert len(list(adapter.iter_contacts(None))) == 60
        assert len(syncing.echo._read) == 60
        assert len(reading.echo._read) == 0
