"""`connector backtest`: score every person in the CRM with a rules file, exactly as a sync would
decide (same engine, same `now`), and measure the scores against the outcomes the CRM holds.

Read-only: nothing is written to the CRM or the state store. The CSV goes to a temporary file
renamed into place at the end, so a failed run leaves no half-written file.
"""

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

import numpy as np

from connector.adapters.base import CrmAdapter
from connector.calibrate.calibrate import check_schema, staged
from connector.calibrate.errors import CalibrationError
from connector.calibrate.history import Part, ReadCounts, Split, iter_people
from connector.calibrate.metrics import gate, ranking
from connector.calibrate.outcomes import OutcomeRules
from connector.calibrate.report import BacktestReport, Mql
from connector.domain.contact import Contact
from connector.domain.engine import evaluate
from connector.domain.policy import RulesPolicy
from connector.domain.routing import RoutingState

COLUMNS = ("crm_id", "external_id", "score", "grade", "stage", "mql", "outcome")


def _external_id(contact: Contact, field: str) -> str:
    """The dataset's own id when the CRM file maps one (rules on any CRM property expose
    mapped properties on the contact); empty otherwise."""
    value = contact.properties.get(field)
    return "" if value is None else str(value)


@contextmanager
def _csv_target(out: Path | None) -> Iterator[TextIO | None]:
    if out is None:
        yield None
        return
    if not out.parent.is_dir():
        raise CalibrationError(f"{out.parent}: no such directory (--out)")
    with staged(out, newline="") as (file, _):
        yield file


def backtest(
    adapter: CrmAdapter,
    policy: RulesPolicy,
    rules_label: str,
    out: Path | None,
    outcomes: OutcomeRules,
    now: datetime,
    part: Part = Part.ALL,
    split: Split | None = None,
    external_id_field: str = "dataset_record_id",
) -> BacktestReport:
    check_schema(adapter)
    owners = adapter.list_owners()
    counts = ReadCounts()
    scores: list[float] = []
    known: list[bool] = []
    passes: list[bool] = []
    min_score = policy.lifecycle.mql.min_score
    limit = policy.fit.grade_rank(policy.lifecycle.mql.min_grade)
    with _csv_target(out) as file:
        writer = csv.writer(file) if file is not None else None
        if writer is not None:
            writer.writerow(COLUMNS)
        for person in iter_people(adapter, now, counts):
            contact = person.contact
            if part != Part.ALL and (split or Split()).held_out(contact) != (part == Part.HOLDOUT):
                continue
            # a fresh routing state per person: routing does not change a score or a stage
            evaluation, _ = evaluate(
                contact, person.engagements, policy, owners, RoutingState(), now
            )
            rank = policy.fit.grade_rank(evaluation.fit.grade)
            mql = (
                evaluation.score.total >= min_score
                and rank is not None
                and limit is not None
                and rank <= limit
            )
            stage = evaluation.final_stage or contact.lifecycle_stage
            outcome = outcomes.outcome(contact, person.last_activity, now)
            if writer is not None:
                writer.writerow(
                    (
                        contact.id,
                        _external_id(contact, external_id_field),
                        evaluation.score.total,
                        evaluation.fit.grade,
                        stage.value if stage else "",
                        int(mql),
                        "" if outcome is None else int(outcome),
                    )
                )
            if outcome is not None:
                scores.append(evaluation.score.total)
                known.append(outcome)
                passes.append(mql)
    measured = len(set(known)) == 2
    score_array = np.array(scores, dtype=np.float64)
    outcome_array = np.array(known, dtype=bool)
    mql_report = None
    if measured:
        grade = policy.lifecycle.mql.min_grade
        passed = gate(score_array, np.array(passes, dtype=bool), outcome_array, min_score, grade)
        mql_report = Mql(
            threshold=min_score,
            min_grade=grade,
            mqls=passed.mqls,
            precision=passed.precision,
            recall=passed.recall,
        )
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
