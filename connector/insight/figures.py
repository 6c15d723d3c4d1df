"""The funnel report's figures, each a pure function of plain inputs.

Inputs are what the report reads (see `connector/insight/sources.py`): people as the CRM holds
them now, the stage moves of the audit log, the connector's follow-up tasks with their CRM state,
and optionally spend per source. Definitions (the tests hand-count against them):

- *reached* a stage: the person's current stage, or any stage the audit log moved them into
  (in the period). A cohort "at least S" holds people who reached S or any later funnel stage;
  conversion S→T is |at least T| / |at least S| within the same group of people.
- A stage move is *moved on* when it goes further down the funnel, *recycled* when it goes
  back up the funnel, *disqualified* when it goes to `other`.
- Persona is fit grade x score band (the run summary's score buckets).
- Speed to lead runs from the stage move that made the task to its completion as the CRM
  reports it; within the SLA when completed by the task's due time.
- Owner load counts the open leads (MQL and SQL) each owner holds now, against the capacity
  the rules give them (None: no cap).

Every figure copes with nothing to count: empty inputs give empty rows, never an error.
"""

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from connector.domain.stages import FUNNEL, LifecycleStage
from connector.sync.report import score_bucket

STAGE_ORDER = [stage.value for stage in FUNNEL] + [LifecycleStage.OTHER.value]
_RANK = {stage.value: rank for rank, stage in enumerate(FUNNEL)}
OPEN_LEADS = (LifecycleStage.MQL.value, LifecycleStage.SQL.value)
SCORE_BANDS = ("< 0", "0-24", "25-49", "50-99", "100+")
#: Speed-to-lead buckets: upper bound in minutes (None: open-ended) and label.
SPEED_BUCKETS: tuple[tuple[float | None, str], ...] = (
    (60, "< 1 h"),
    (240, "1-4 h"),
    (1440, "4-24 h"),
    (4320, "1-3 d"),
    (None, "> 3 d"),
)
UNKNOWN = "(unknown)"
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class PersonNow:
    """A person as the CRM holds them now (what the report needs of a Contact)."""

    contact_id: str
    stage: str | None
    source: str | None = None
    intent: str | None = None
    grade: str | None = None
    score: int | None = None
    owner_id: str | None = None


@dataclass(frozen=True)
class StageMove:
    """A `transition` entry of the audit log."""

    contact_id: str
    from_stage: str | None
    to_stage: str
    reasons: str
    at: datetime
    run_id: int | None = None


@dataclass(frozen=True)
class TaskRecord:
    """A follow-up task the connector created, joined with the move that made it and the
    task's state in the CRM now (status None: the CRM no longer holds it)."""

    key: str
    contact_id: str
    stage: str | None
    decided_at: datetime
    status: str | None = None
    owner_id: str | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    escalated: bool = False


# --- output models ---------------------------------------------------------------------------


class StageCount(BaseModel):
    stage: str
    people: int


class StageFlow(BaseModel):
    stage: str
    entered: int = 0
    moved_on: int = 0
    recycled: int = 0
    disqualified: int = 0


class ConversionRow(BaseModel):
    key: str
    mql: int
    sql: int
    opportunity: int
    customer: int
    mql_to_sql: float | None
    sql_to_opportunity: float | None
    opportunity_to_customer: float | None


class OwnerSpeed(BaseModel):
    owner: str
    done: int
    within_sla: int
    median_minutes: float | None


class SpeedToLead(BaseModel):
    tasks: int = 0
    done: int = 0
    done_time_unknown: int = 0
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    missing_in_crm: int = 0
    within_sla: int = 0
    share_within_sla: float | None = None
    distribution: dict[str, int] = {}
    per_owner: list[OwnerSpeed] = []


class OwnerLoadRow(BaseModel):
    owner: str
    open_leads: int
    capacity: int | None


class SpendRow(BaseModel):
    source: str
    spend: float
    mqls: int
    sqls: int
    cost_per_mql: float | None
    cost_per_sql: float | None


# --- figures ---------------------------------------------------------------------------------


def funnel_now(people: Iterable[PersonNow]) -> list[StageCount]:
    """People per current stage, in funnel order (`other` last, no stage as `none`); stages
    nobody is in are listed with 0 so the funnel's shape is always the same."""
    counts = Counter(person.stage or "none" for person in people)
    order = STAGE_ORDER + (["none"] if counts.get("none") else [])
    extra = sorted(set(counts) - set(order))
    return [StageCount(stage=stage, people=counts.get(stage, 0)) for stage in order + extra]


def _kind(move: StageMove) -> str:
    if move.to_stage == LifecycleStage.OTHER.value:
        return "disqualified"
    before, after = _RANK.get(move.from_stage or ""), _RANK.get(move.to_stage)
    if before is not None and after is not None and after < before:
        return "recycled"
    return "moved_on"


def stage_flow(moves: Iterable[StageMove]) -> list[StageFlow]:
    """Per stage: how many moves entered it, and how many left it forward, back (recycle) or
    out of the funnel (disqualify)."""
    flows = {stage: StageFlow(stage=stage) for stage in STAGE_ORDER}
    for move in moves:
        flows.setdefault(move.to_stage, StageFlow(stage=move.to_stage)).entered += 1
        if move.from_stage is None:
            continue
        flow = flows.setdefault(move.from_stage, StageFlow(stage=move.from_stage))
        kind = _kind(move)
        setattr(flow, kind, getattr(flow, kind) + 1)
    return list(flows.values())


def exit_reasons(moves: Iterable[StageMove], kind: str) -> dict[str, int]:
    """Why people were recycled (kind "recycled") or disqualified: reason → moves, most first.
    A move's reasons are its audit rule text, one reason per "; "-separated part, with its
    numbers written as # so one rule's reasons group ("score 11 fell below 40" and "score 12
    fell below 40" are the same reason)."""
    counts: Counter[str] = Counter()
    for move in moves:
        if _kind(move) == kind:
            counts.update(
                _NUMBER.sub("#", part.strip()) for part in move.reasons.split(";") if part.strip()
            )
    return dict(counts.most_common())


def _reached(people: Iterable[PersonNow], moves: Iterable[StageMove]) -> dict[str, set[str]]:
    reached: dict[str, set[str]] = defaultdict(set)
    for person in people:
        if person.stage:
            reached[person.contact_id].add(person.stage)
    for move in moves:
        reached[move.contact_id].add(move.to_stage)
    return reached


def _furthest(stages: set[str]) -> int:
    return max((_RANK[stage] for stage in stages if stage in _RANK), default=-1)


def _rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def persona(grade: str | None, score: int | None) -> str:
    band = score_bucket(score) if score is not None else UNKNOWN
    return f"{grade or '?'} x {band}"


def conversion(
    people: Sequence[PersonNow], moves: Sequence[StageMove], dimension: str
) -> list[ConversionRow]:
    """MQL→SQL, SQL→opportunity and opportunity→customer by `dimension` ("source", "intent"
    or "persona"), with the cohort counts so a 1-of-2 cell is seen as the tiny cell it is.
    Only people who reached at least MQL appear; rows are ordered by MQL count."""
    reached = _reached(people, moves)
    cohorts: dict[str, Counter[str]] = defaultdict(Counter)
    steps = ("mql", "sql", "opportunity", "customer")
    for person in people:
        furthest = _furthest(reached.get(person.contact_id, set()))
        if furthest < _RANK["mql"]:
            continue
        if dimension == "persona":
            key = persona(person.grade, person.score)
        else:
            key = getattr(person, dimension) or UNKNOWN
        for step in steps:
            if furthest >= _RANK[step]:
                cohorts[key][step] += 1
    rows = [
        ConversionRow(
            key=key,
            **{step: c[step] for step in steps},
            mql_to_sql=_rate(c["sql"], c["mql"]),
            sql_to_opportunity=_rate(c["opportunity"], c["sql"]),
            opportunity_to_customer=_rate(c["customer"], c["opportunity"]),
        )
        for key, c in cohorts.items()
    ]
    return sorted(rows, key=lambda row: (-row.mql, row.key))


def _bucket(minutes: float) -> str:
    for limit, label in SPEED_BUCKETS:
        if limit is None or minutes < limit:
            return label
    return SPEED_BUCKETS[-1][1]


def speed_to_lead(
    tasks: Iterable[TaskRecord], now: datetime, owner_name: Mapping[str, str] | None = None
) -> SpeedToLead:
    """Time from the stage move to the follow-up being done, its distribution, the share done
    within the SLA (by the task's due time) and per owner; open, overdue and escalated tasks."""
    names = owner_name or {}
    result = SpeedToLead(distribution={label: 0 for _, label in SPEED_BUCKETS})
    per_owner: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for task in tasks:
        result.tasks += 1
        result.escalated += task.escalated
        if task.status is None:
            result.missing_in_crm += 1
            continue
        owner = names.get(task.owner_id or "", task.owner_id or UNKNOWN)
        if task.status != "done":
            result.open += 1
            result.overdue += task.due_at is not None and task.due_at < now
            continue
        result.done += 1
        if task.completed_at is None:
            result.done_time_unknown += 1
            continue
        minutes = max(0.0, (task.completed_at - task.decided_at).total_seconds() / 60)
        within = task.due_at is not None and task.completed_at <= task.due_at
        result.within_sla += within
        result.distribution[_bucket(minutes)] += 1
        per_owner[owner].append((minutes, within))
    timed = result.done - result.done_time_unknown
    result.share_within_sla = _rate(result.within_sla, timed)
    result.per_owner = [
        OwnerSpeed(
            owner=owner,
            done=len(items),
            within_sla=sum(within for _, within in items),
            median_minutes=statistics.median(minutes for minutes, _ in items),
        )
        for owner, items in sorted(per_owner.items())
    ]
    return result


def owner_load(
    people: Iterable[PersonNow],
    capacity: Mapping[str, int | None],
    owner_name: Mapping[str, str] | None = None,
) -> list[OwnerLoadRow]:
    """Open leads (MQL, SQL) per owner now against their capacity. `capacity` is keyed by the
    owner's display name (their e-mail, as the rules name them); every owner the rules name is
    listed, with 0 when they hold nothing."""
    names = owner_name or {}
    load: Counter[str] = Counter()
    for person in people:
        if person.stage in OPEN_LEADS and person.owner_id:
            load[names.get(person.owner_id, person.owner_id)] += 1
    owners = sorted(set(load) | set(capacity))
    return [
        OwnerLoadRow(owner=owner, open_leads=load.get(owner, 0), capacity=capacity.get(owner))
        for owner in owners
    ]


def score_by_grade(people: Iterable[PersonNow]) -> dict[str, dict[str, int]]:
    """grade → score band → people (every band listed, so the rows line up)."""
    table: dict[str, dict[str, int]] = {}
    for person in people:
        if person.score is None:
            continue
        row = table.setdefault(person.grade or "?", {band: 0 for band in SCORE_BANDS})
        row[score_bucket(person.score)] += 1
    return dict(sorted(table.items()))


def cost_per_source(
    spend: Mapping[str, float], people: Sequence[PersonNow], moves: Sequence[StageMove]
) -> list[SpendRow]:
    """Spend per source divided by the MQLs and SQLs that source produced in the period (people
    the audit log moved into MQL / SQL). A source with spend but no MQL shows no cost (None)."""
    source_of = {person.contact_id: person.source or UNKNOWN for person in people}
    mqls: dict[str, set[str]] = defaultdict(set)
    sqls: dict[str, set[str]] = defaultdict(set)
    for move in moves:
        source = source_of.get(move.contact_id, UNKNOWN)
        if move.to_stage == "mql":
            mqls[source].add(move.contact_id)
        elif move.to_stage == "sql":
            sqls[source].add(move.contact_id)
    rows = []
    for source in sorted(spend):
        amount, m, s = spend[source], len(mqls[source]), len(sqls[source])
        rows.append(
            SpendRow(
                source=source,
                spend=amount,
                mqls=m,
                sqls=s,
                cost_per_mql=None if m == 0 else amount / m,
                cost_per_sql=None if s == 0 else amount / s,
            )
        )
    return rows
