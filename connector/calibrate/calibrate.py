"""`connector calibrate`: read the CRM's history, learn points, propose a rules file. Nothing
half-written: every check (live schema, both outcomes, a proposal that validates) comes before
the file and its chart are renamed into place."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from connector.adapters.base import CrmAdapter
from connector.calibrate.chart import render
from connector.calibrate.errors import CalibrationError
from connector.calibrate.features import FeatureSpace
from connector.calibrate.fit import (
    CalibrateOptions,
    History,
    HoldoutSample,
    check_history,
    fit_points,
    intent_never_decreases,
)
from connector.calibrate.history import ReadCounts, Split, iter_people
from connector.calibrate.metrics import propose_threshold, ranking, tradeoff
from connector.calibrate.proposal import Change, describe, load_document, patch
from connector.calibrate.report import CalibrationReport, LearnedRule, Ranking, TradeOff
from connector.domain.policy import FitRules, RulesPolicy
from connector.mapping.loader import load_rules
from connector.mapping.problems import ConfigError

MQL_THRESHOLD = ("lifecycle", "mql", "min_score")
MQL_GRADE = ("lifecycle", "mql", "min_grade")


def check_schema(adapter: CrmAdapter) -> None:
    """A rule reading a field the CRM no longer has would silently learn from empty values."""
    if problems := adapter.check_mapping().problems:
        raise CalibrationError(
            "the CRM no longer matches the mapping file (run `connector mappings validate`):\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )


def check_out_dir(out: Path) -> None:
    if not out.parent.is_dir():
        raise CalibrationError(f"{out.parent}: no such directory (--out)")


def read_history(
    adapter: CrmAdapter, space: FeatureSpace, options: CalibrateOptions, now: datetime
) -> tuple[History, ReadCounts]:
    width, seed = len(space.features), options.split_seed
    history = History(width, options.sample_size, options.holdout_size, seed)
    counts = ReadCounts()
    split = Split(options.holdout_share, options.split_seed, options.split_by)
    for person in iter_people(adapter, now, counts):
        outcome = options.outcomes.outcome(person.contact, person.last_activity, now)
        if outcome is None:
            continue
        row = space.row(person.contact, person.engagements, now)
        history.add(row, outcome, split.held_out(person.contact))
    history.finish()
    return history, counts


def grade_gate(
    fit: FitRules, min_grade: str, fit_points: NDArray[np.float64], disqualified: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Who passes the MQL grade gate with these fit points (bands as in the rules file)."""
    limit = fit.grade_rank(min_grade)
    if limit is None:
        raise CalibrationError(f"lifecycle.mql.min_grade {min_grade!r} is not a defined grade")
    floors = [band.min_points for band in fit.grades]
    # the best band whose floor the points reach; below every floor: the lowest band
    rank = np.full(len(fit_points), len(floors) - 1)
    for index in reversed(range(len(floors))):
        rank = np.where(fit_points >= floors[index], index, rank)
    return (rank <= limit) & ~disqualified


def calibrate(
    adapter: CrmAdapter,
    policy: RulesPolicy,
    rules_path: Path,
    out: Path,
    options: CalibrateOptions,
    now: datetime,
) -> CalibrationReport:
    """Learn points from the CRM's history and write the proposed rules file and its chart.
    Holdout figures sum points x evidence before the engine rounds each line, so they can differ
    from `backtest`'s exact scores in the last digit."""
    try:
        text = rules_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalibrationError(f"{rules_path}: cannot read the rules file: {exc}") from None
    check_out_dir(out)
    document = load_document(text)
    check_schema(adapter)
    space = FeatureSpace(policy)
    history, counts = read_history(adapter, space, options, now)
    check_history(history)
    rules = fit_points(space, history, options)

    held = history.holdout_sample()
    held_ranking, by_grade, target, chosen, met = _choose(space, policy, rules, held, options)
    if _scale_kept(space, rules, policy.lifecycle.mql.min_score, chosen.threshold):
        # the kept rules now weigh on the learned scale: measure and choose again with them
        held_ranking, by_grade, target, chosen, met = _choose(space, policy, rules, held, options)
    rows = by_grade[chosen.min_grade]

    changes = [
        *_changes(space, rules),
        Change(MQL_THRESHOLD, chosen.threshold, _threshold_comment(policy, chosen, target, met)),
        *_rescaled(document, policy, chosen.threshold),
    ]
    if (was := policy.lifecycle.mql.min_grade) != chosen.min_grade:
        changes.append(Change(MQL_GRADE, chosen.min_grade, f"was {was}, chosen with min_score"))
    proposed = patch(text, changes, document)
    chart_path = out.with_suffix(".svg")
    report = CalibrationReport(
        people_read=counts.people,
        skipped=counts.skipped,
        known_outcome=len(history),
        train=history.counts.people,
        holdout=history.held_people,
        fit_rows=history.fit_rows,
        holdout_measured=len(held.y),
        points_per_logit=options.points_per_logit,
        holdout_ranking=held_ranking,
        tradeoff=rows,
        target_rate=target,
        proposed_threshold=chosen.threshold,
        proposed_min_grade=chosen.min_grade,
        target_met=met,
        rules=rules,
        out=str(out),
        chart=str(chart_path),
    )
    svg = render("connector calibrate", held_ranking.deciles, rows, chosen.threshold)
    _write_both(out, proposed, chart_path, svg)
    return report


def _choose(
    space: FeatureSpace,
    policy: RulesPolicy,
    rules: list[LearnedRule],
    held: HoldoutSample,
    options: CalibrateOptions,
) -> tuple[Ranking, dict[str, list[TradeOff]], float, TradeOff, bool]:
    """The holdout scored with the proposed points: ranking, trade-off per grade gate, and the
    gate proposed for the target rate."""
    points = np.array([rule.proposed for rule in rules])
    score_cols, fit_cols = space.indices("score"), space.indices("fit")
    scores = held.x[:, score_cols] @ points[score_cols]
    fit_scores = held.x[:, fit_cols] @ points[fit_cols]
    by_grade: dict[str, list[TradeOff]] = {}
    for band in policy.fit.grades:
        passing = grade_gate(policy.fit, band.grade, fit_scores, held.disqualified)
        by_grade[band.grade] = tradeoff(scores, passing, held.y, band.grade)
    held_ranking = ranking(scores, held.y)
    target = options.target_rate or min(2 * held_ranking.base_rate, 0.95)
    chosen, met = propose_threshold([row for rows in by_grade.values() for row in rows], target)
    return held_ranking, by_grade, target, chosen, met


def _scale_kept(
    space: FeatureSpace, rules: list[LearnedRule], old_threshold: float, threshold: int
) -> bool:
    """Kept score rules (too few people to learn from) scaled like the MQL threshold: a kept
    demo request worth 50 of 100 must stay worth half the new threshold. Fit rules keep theirs
    (grade bands are not rescaled). True if any moved."""
    if old_threshold <= 0 or threshold == old_threshold:
        return False
    factor = threshold / old_threshold
    moved = False
    for rule in rules:
        if rule.status != "kept" or rule.section != "score" or not rule.current:
            continue
        scaled = float(round(rule.current * factor)) or float(np.sign(rule.current))
        if scaled != rule.proposed:
            rule.proposed = scaled
            note = f"scaled with mql.min_score ({old_threshold:g} -> {threshold})"
            rule.why = f"{rule.why}; {note}" if rule.why else note
            moved = True
    if moved:
        intent_never_decreases(space, rules)
    return moved


def _changes(space: FeatureSpace, rules: list[LearnedRule]) -> list[Change]:
    changes = []
    for feature, rule in zip(space.features, rules, strict=True):
        if rule.status == "kept" and rule.proposed == rule.current:
            continue
        changes.append(Change(feature.path, rule.proposed, describe(rule)))
        for name, units in feature.cap_units.items() if rule.proposed else ():
            cap = round(units * abs(rule.proposed))  # stops as many events or units as before
            changes.append(Change((*feature.path[:-1], name), cap, None))
    return changes


#: Score thresholds on the MQL threshold's scale: they move with it.
SCALED_THRESHOLDS = (("lifecycle", "lead", "min_score"), ("lifecycle", "recycle", "below_score"))


def _rescaled(document: Any, policy: RulesPolicy, threshold: int) -> list[Change]:
    """The other score thresholds the file sets, scaled with the MQL threshold."""
    old = policy.lifecycle.mql.min_score
    if old <= 0:
        return []
    changes = []
    for path in SCALED_THRESHOLDS:
        value = document
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            scaled = max(0, round(value * threshold / old))
            note = f"was {value:g}, scaled with mql.min_score ({old:g} -> {threshold})"
            changes.append(Change(path, scaled, note))
    return changes


def _threshold_comment(policy: RulesPolicy, chosen: TradeOff, target: float, met: bool) -> str:
    precision = f"{chosen.precision:.0%}" if chosen.precision is not None else "n/a"
    reach = "reaches" if met else "misses"
    return (
        f"was {policy.lifecycle.mql.min_score:g}; holdout: {chosen.mqls} MQLs "
        f"({chosen.share:.0%}), {precision} convert, recall {chosen.recall:.0%} ({reach} the "
        f"target {target:.0%})"
    )


@contextmanager
def staged(out: Path, newline: str | None = None) -> Iterator[tuple[TextIO, Path]]:
    """A file beside `out` (and its path), renamed onto `out` only when the block finishes: a
    failed run leaves no half-written file and an earlier `out` as it was."""
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as file:
            yield file, Path(temporary)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_both(out: Path, rules: str, chart: Path, svg: str) -> None:
    """Both files or neither, and only proposed rules that load as a valid rules file."""
    with staged(out) as (rules_file, rules_path), staged(chart) as (chart_file, _):
        rules_file.write(rules)
        rules_file.flush()
        try:
            load_rules(rules_path)
        except ConfigError as exc:
            raise CalibrationError(
                "the proposed rules would not validate; nothing was written:\n"
                + "\n".join(f"  {problem.message}" for problem in exc.problems)
            ) from None
        chart_file.write(svg)
