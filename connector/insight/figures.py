"""The funnel report (`build_report`) and its figures, each a pure function of plain inputs
(`sources.py` reads them); empty inputs give empty rows, never an error. Definitions (the tests
hand-count against them):

- *reached* a stage: the current stage, or any the audit log moved the person into. Conversion
  S→T is |reached T or later| / |reached S or later| within the same people.
- A move is *moved on* further down the funnel, *recycled* back up, *disqualified* to `other`.
- Persona is fit grade x score band; speed to lead runs from the move that made the task to its
  completion, within the SLA when done by the due time; owner load counts open leads (MQL, SQL).
"""

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from connector.domain.policy import RulesPolicy
from connector.domain.stages import FUNNEL_RANK, LifecycleStage
from connector.sync.report import score_bucket

STAGE_ORDER = [stage.value for stage in LifecycleStage]  # the funnel, then `other`
#: Stages where a person counts against an owner's load: the open leads sales works on.
OPEN_LEADS = (LifecycleStage.MQL, LifecycleStage.SQL)
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
    """What the report needs of a person as the CRM holds them now."""

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
    """A follow-up task the connector created, with the move that made it and its CRM state now
    (status None: the CRM no longer holds it)."""

    key: str
    stage: str | None
    decided_at: datetime
    status: str | None = None
    owner_id: str | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    escalated: bool = False


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


def funnel_now(people: Iterable[PersonNow]) -> list[StageCount]:
    """People per current stage in funnel order (`other` last, no stage as `none`), empty stages
    with 0 so the funnel's shape is always the same."""
    counts = Counter(person.stage or "none" for person in people)
    order = STAGE_ORDER + (["none"] if counts.get("none") else [])
    extra = sorted(set(counts) - set(order))
    return [StageCount(stage=stage, people=counts.get(stage, 0)) for stage in order + extra]


def _kind(move: StageMove) -> str:
    if move.to_stage == LifecycleStage.OTHER.value:
        return "disqualified"
    before, after = FUNNEL_RANK.get(move.from_stage or ""), FUNNEL_RANK.get(move.to_stage)
    if before is not None and after is not None and after < before:
        return "recycled"
    return "moved_on"


def stage_flow(moves: Iterable[StageMove]) -> list[StageFlow]:
    """Per stage: moves into it, and out of it forward, back or out of the funnel."""
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
    """Why people were recycled or disqualified (`kind`): reason → moves, most first. Each
    "; "-separated part of the audit rule is a reason, numbers as # so one rule's reasons group
    ("score 11 fell below 40" and "score 12 fell below 40")."""
    counts: Counter[str] = Counter()
    for move in moves:
        if _kind(move) == kind:
            counts.update(
                _NUMBER.sub("#", part.strip()) for part in move.reasons.split(";") if part.strip()
            )
    return dict(counts.most_common())


def _furthest(people: Iterable[PersonNow], moves: Iterable[StageMove]) -> dict[str, int]:
    """Each person's furthest funnel rank reached, now or by a move (-1: none in the funnel)."""
    furthest: dict[str, int] = {}
    pairs = [(p.contact_id, p.stage) for p in people] + [(m.contact_id, m.to_stage) for m in moves]
    for contact_id, stage in pairs:
        furthest[contact_id] = max(furthest.get(contact_id, -1), FUNNEL_RANK.get(stage or "", -1))
    return furthest


def _rate(numerator: float, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def persona(grade: str | None, score: int | None) -> str:
    band = score_bucket(score) if score is not None else UNKNOWN
    return f"{grade or '?'} x {band}"


def conversion(
    people: Sequence[PersonNow], moves: Sequence[StageMove], dimension: str
) -> list[ConversionRow]:
    """MQL→SQL→opportunity→customer rates by `dimension` ("source", "intent" or "persona"),
    with the cohort counts so a 1-of-2 cell shows as tiny; people who reached MQL, most first."""
    reached = _furthest(people, moves)
    cohorts: dict[str, Counter[str]] = defaultdict(Counter)
    steps = ("mql", "sql", "opportunity", "customer")
    for person in people:
        furthest = reached.get(person.contact_id, -1)
        if furthest < FUNNEL_RANK["mql"]:
            continue
        if dimension == "persona":
            key = persona(person.grade, person.score)
        else:
            key = getattr(person, dimension) or UNKNOWN
        cohorts[key].update(step for step in steps if furthest >= FUNNEL_RANK[step])
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


def speed_to_lead(
    tasks: Iterable[TaskRecord], now: datetime, owner_name: Mapping[str, str] | None = None
) -> SpeedToLead:
    """Time from the stage move to the follow-up done: distribution, share within the SLA, per
    owner; open, overdue and escalated tasks."""
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
        bucket = next(label for limit, label in SPEED_BUCKETS if limit is None or minutes < limit)
        result.distribution[bucket] += 1
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
    """Open leads per owner now against their capacity (keyed by e-mail, as the rules name
    owners); every owner the rules name is listed."""
    names = owner_name or {}
    load: Counter[str] = Counter()
    for person in people:
        if person.stage in OPEN_LEADS and person.owner_id:
            load[names.get(person.owner_id, person.owner_id)] += 1
    return [
        OwnerLoadRow(owner=owner, open_leads=load.get(owner, 0), capacity=capacity.get(owner))
        for owner in sorted(set(load) | set(capacity))
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
    """Spend per source over the people the audit log moved into MQL / SQL in the period; no
    MQL, no cost (None)."""
    source_of = {person.contact_id: person.source or UNKNOWN for person in people}
    moved: dict[tuple[str, str], set[str]] = defaultdict(set)  # (source, stage) -> people
    for move in moves:
        moved[source_of.get(move.contact_id, UNKNOWN), move.to_stage].add(move.contact_id)
    return [
        SpendRow(
            source=source,
            spend=spend[source],
            mqls=len(moved[source, "mql"]),
            sqls=len(moved[source, "sql"]),
            cost_per_mql=_rate(spend[source], len(moved[source, "mql"])),
            cost_per_sql=_rate(spend[source], len(moved[source, "sql"])),
        )
        for source in sorted(spend)
    ]


def capacities(policy: RulesPolicy) -> dict[str, int | None]:
    """Each pool member's capacity by e-mail (the first pool that names them wins)."""
    found: dict[str, int | None] = {}
    for rule in policy.routing.rules:
        for member in rule.pool:
            found.setdefault(member.owner.casefold(), member.capacity)
    return found


class FunnelReport(BaseModel):
    account: str
    crm: str
    generated_at: datetime
    since: datetime | None
    people: int
    stage_moves: int
    funnel: list[StageCount]
    flow: list[StageFlow]
    recycle_reasons: dict[str, int]
    disqualify_reasons: dict[str, int]
    conversion_by_source: list[ConversionRow]
    conversion_by_intent: list[ConversionRow]
    conversion_by_persona: list[ConversionRow]
    speed_to_lead: SpeedToLead
    sla_minutes: dict[str, int]
    owner_load: list[OwnerLoadRow]
    score_by_grade: dict[str, dict[str, int]]
    cost_per_source: list[SpendRow] | None = None


def build_report(
    *,
    account: str,
    crm: str,
    people: Sequence[PersonNow],
    moves: Sequence[StageMove],
    tasks: Sequence[TaskRecord],
    policy: RulesPolicy,
    owner_name: Mapping[str, str],
    now: datetime,
    since: datetime | None,
    spend: Mapping[str, float] | None = None,
) -> FunnelReport:
    """Every figure; with `since`, conversion looks only at people who moved in the period."""
    moved = {move.contact_id for move in moves}
    cohort = [person for person in people if person.contact_id in moved] if since else people
    return FunnelReport(
        account=account,
        crm=crm,
        generated_at=now,
        since=since,
        people=len(people),
        stage_moves=len(moves),
        funnel=funnel_now(people),
        flow=stage_flow(moves),
        recycle_reasons=exit_reasons(moves, "recycled"),
        disqualify_reasons=exit_reasons(moves, "disqualified"),
        conversion_by_source=conversion(cohort, moves, "source"),
        conversion_by_intent=conversion(cohort, moves, "intent"),
        conversion_by_persona=conversion(cohort, moves, "persona"),
        speed_to_lead=speed_to_lead(tasks, now, owner_name),
        sla_minutes={
            stage.value: template.sla_business_minutes
            for stage, template in policy.tasks.on_stage.items()
        },
        owner_load=owner_load(people, capacities(policy), owner_name),
        score_by_grade=score_by_grade(people),
        cost_per_source=None if spend is None else cost_per_source(spend, people, moves),
    )
