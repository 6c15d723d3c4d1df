"""`connector backtest`: score everyone with a rules file exactly as a sync would (same engine,
same `now`) and measure the scores against the CRM's outcomes. Read-only; the CSV is staged and
renamed into place, so a failed run leaves no half-written file."""

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from connector.adapters.base import CrmAdapter
from connector.calibrate.calibrate import check_out_dir, check_schema, staged
from connector.calibrate.history import Part, ReadCounts, Split, iter_people
from connector.calibrate.metrics import gate, ranking
from connector.calibrate.outcomes import OutcomeRules
from connector.calibrate.report import BacktestReport, Mql
from connector.domain.engine import evaluate
from connector.domain.policy import RulesPolicy
from connector.domain.routing import RoutingState

COLUMNS = ("crm_id", "external_id", "score", "grade", "stage", "mql", "outcome")


@contextmanager
def _csv_writer(out: Path | None) -> Iterator[Any]:
    """A CSV writer (header written) into a staged `out`; None without --out."""
    if out is None:
        yield None
        return
    check_out_dir(out)
    with staged(out, newline="") as (file, _):
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        yield writer


def backtest(
    adapter: CrmAdapter,
    policy: RulesPolicy,
    rules_label: str,
    out: Path | None,
    outcomes: OutcomeRules,
    now: datetime,
    part: Part,
    split: Split,
) -> BacktestReport:
    check_schema(adapter)
    owners = adapter.list_owners()
    counts = ReadCounts()
    scores: list[float] = []
    known: list[bool] = []
    passes: list[bool] = []
    min_score, min_grade = policy.lifecycle.mql.min_score, policy.lifecycle.mql.min_grade
    with _csv_writer(out) as writer:
        for person in iter_people(adapter, now, counts):
            contact = person.contact
            if part != Part.ALL and split.held_out(contact) != (part == Part.HOLDOUT):
                continue
            # a fresh routing state per person: routing does not change a score or a stage
            evaluation, _ = evaluate(
                contact, person.engagements, policy, owners, RoutingState(), now
            )
            score, grade = evaluation.score.total, evaluation.fit.grade
            mql = score >= min_score and policy.fit.at_least(grade, min_grade)
            stage = evaluation.final_stage or contact.lifecycle_stage
            outcome = outcomes.outcome(contact, person.last_activity, now)
            if writer is not None:
                external = contact.properties.get("dataset_record_id")  # the dataset's id
                external_id = "" if external is None else str(external)
                label = "" if outcome is None else int(outcome)
                stage_text = stage.value if stage else ""
                writer.writerow(
                    (contact.id, external_id, score, grade, stage_text, int(mql), label)
                )
            if outcome is not None:
                scores.append(score)
                known.append(outcome)
                passes.append(mql)
    measured = len(set(known)) == 2
    score_array = np.array(scores, dtype=np.float64)
    outcome_array = np.array(known, dtype=bool)
    mql_report = None
    if measured:
        gate_passes = np.array(passes, dtype=bool)
        passed = gate(score_array, gate_passes, outcome_array, min_score, min_grade)
        fields = passed.model_dump(include={"min_grade", "mqls", "precision", "recall"})
        mql_report = Mql(threshold=min_score, **fields)
    return BacktestReport(
        people_read=counts.people,
        skipped=counts.skipped,
        known_outcome=len(known),
        part=part.value,
        rules=rules_label,
        ranking=ranking(score_array, outcome_array) if measured else None,
        mql=mql_report,
        out=str(out) if out else None,
    )
