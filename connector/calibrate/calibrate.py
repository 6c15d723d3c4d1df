"""`connector calibrate`: read the CRM's history, learn points, propose a rules file.

Order matters for "nothing half-written": every check (mapping against the live schema,
outcomes of both kinds, a rules file that validates) happens before the proposed file and its
chart are written, each through a temporary file renamed into place.
"""

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
    Fitted,
    History,
    HoldoutSample,
    check_history,
    fit_points,
    intent_never_decreases,
)
from connector.calibrate.history import ReadCounts, Split, iter_people
from connector.calibrate.metrics import propose_threshold, ranking, tradeoff
from connector.calibrate.proposal import Change, describe, load_document, patch, patch_grade
from connector.calibrate.report import CalibrationReport, LearnedRule, Ranking, TradeOff
from connector.domain.policy import FitRules, RulesPolicy
from connector.mapping.loader import load_rules
from connector.mapping.problems import ConfigError
from connector.sync.connect import online_mapping_problems

MQL_THRESHOLD = ("lifecycle", "mql", "min_score")


def check_schema(adapter: CrmAdapter) -> None:
    """Every mapped property/field still exists in the CRM with its type: a rule reading a
    vanished field would silently learn from empty values."""
    problems = online_mapping_problems(adapter)
    if problems:
        raise CalibrationError(
            "the CRM no longer matches the mapping file (run `connector mappings validate`):\n"
            + "\n".join(f"  {problem}" for problem in problems)
        )


def read_history(
    adapter: CrmAdapter, space: FeatureSpace, options: CalibrateOptions, now: datetime
) -> tuple[History, ReadCounts]:
    history = History(
        len(space.features), options.sample_size, options.holdout_size, options.split_seed
    )
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
    """Learn points from the CRM's history and write the proposed rules file (and its chart).

    The holdout figures score people with the learned points times each rule's evidence: what
    the engine's lines add up to before each line is rounded (and the source bonus computed
    from rounded lines), so they can differ from `backtest`'s exact scores in the last digit.
    """
    try:
        text = rules_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CalibrationError(f"{rules_path}: cannot read the rules file: {exc}") from None
    if not out.parent.is_dir():
        raise CalibrationError(f"{out.parent}: no such directory (--out)")
    document = load_document(text)
    check_schema(adapter)
    space = FeatureSpace(policy)
    history, counts = read_history(adapter, space, options, now)
    check_history(history)
    fitted = fit_points(space, history, options)

    held = history.holdout_sample()
    held_ranking, by_grade, target, chosen, met = _choose(space, policy, fitted, held, options)
    if _scale_kept(space, fitted.rules, policy.lifecycle.mql.min_score, chosen.threshold):
        # the kept rules now weigh on the learned scale: measure and choose again with them
        held_ranking, by_grade, target, chosen, met = _choose(space, policy, fitted, held, options)
    rows = by_grade[chosen.min_grade]

    changes = [
        *_changes(space, fitted.rules),
        Change(MQL_THRESHOLD, chosen.threshold, _threshold_comment(policy, chosen, target, met)),
        *_rescaled(document, policy, chosen.threshold),
    ]
    proposed = patch(text, changes, document)
    if chosen.min_grade != policy.lifecycle.mql.min_grade:
        was = policy.lifecycle.mql.min_grade
        proposed = patch_grade(proposed, chosen.min_grade, was, document)
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
        rules=fitted.rules,
        out=str(out),
        chart=str(chart_path),
    )
    svg = render("connector calibrate", held_ranking.deciles, rows, chosen.threshold)
    _write_both(out, proposed, chart_path, svg)
    return report


def _choose(
    space: FeatureSpace,
    policy: RulesPolicy,
    fitted: Fitted,
    held: HoldoutSample,
    options: CalibrateOptions,
) -> tuple[Ranking, dict[str, list[TradeOff]], float, TradeOff, bool]:
    """The held-out people scored with the proposed points: ranking, trade-off per grade gate,
    and the threshold and grade gate proposed for the target rate."""
    x, y, disqualified = held.x, held.y, held.disqualified
    points = fitted.points()
    score_cols, fit_cols = space.indices("score"), space.indices("fit")
    scores = x[:, score_cols] @ points[score_cols]
    fit_points_ = x[:, fit_cols] @ points[fit_cols]
    by_grade = {
        band.grade: tradeoff(
            scores, grade_gate(policy.fit, band.grade, fit_points_, disqualified), y, band.grade
        )
        for band in policy.fit.grades
    }
    held_ranking = ranking(scores, y)
    target = options.target_rate or min(2 * held_ranking.base_rate, 0.95)
    chosen, met = propose_threshold([row for rows in by_grade.values() for row in rows], target)
    return held_ranking, by_grade, target, chosen, met


def _scale_kept(
    space: FeatureSpace, rules: list[LearnedRule], old_threshold: float, threshold: int
) -> bool:
    """Score rules kept at their points (too few people to learn from) scaled like the MQL
    threshold: the learned points are on another scale than the file's, and a kept demo request
    worth 50 of a 100-point threshold must stay worth half of the new one, not five times it.
    Fit rules keep theirs: the grade bands they add up to are not rescaled. True if any moved."""
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
        if rule.proposed:
            for name, units in feature.cap_units.items():
                changes.append(
                    Change((*feature.path[:-1], name), round(units * abs(rule.proposed)), None)
                )
    return changes


#: Score thresholds on the same scale as the MQL threshold: when that moves, they move with it.
SCALED_THRESHOLDS = (("lifecycle", "lead", "min_score"), ("lifecycle", "recycle", "below_score"))


def _rescaled(document: Any, policy: RulesPolicy, threshold: int) -> list[Change]:
    """The other score thresholds, scaled by the same factor as the MQL threshold (a lead at 10
    of 100 stays a lead at a tenth of the new MQL threshold), where the file sets them."""
    old = policy.lifecycle.mql.min_score
    if old <= 0:
        return []
    changes = []
    for path in SCALED_THRESHOLDS:
        node = document
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        value = node.get(path[-1]) if isinstance(node, dict) else None
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
    """A file written beside `out` (and its path), renamed onto `out` only when the block
    finishes: a failed run leaves no half-written file, and an earlier `out` stays as it was."""
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as file:
            yield file, Path(temporary)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_both(out: Path, rules: str, chart: Path, svg: str) -> None:
    """Both files or neither: the proposed rules must load as a valid rules file before either
    is renamed into place."""
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
