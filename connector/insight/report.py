"""The funnel report: every figure of `connector report`, assembled purely from the inputs
(`run.run_report` reads them)."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel

from connector.domain.policy import RulesPolicy
from connector.insight import figures
from connector.insight.sources import capacities


class FunnelReport(BaseModel):
    account: str
    crm: str
    generated_at: datetime
    since: datetime | None
    people: int
    stage_moves: int
    funnel: list[figures.StageCount]
    flow: list[figures.StageFlow]
    recycle_reasons: dict[str, int]
    disqualify_reasons: dict[str, int]
    conversion_by_source: list[figures.ConversionRow]
    conversion_by_intent: list[figures.ConversionRow]
    conversion_by_persona: list[figures.ConversionRow]
    speed_to_lead: figures.SpeedToLead
    sla_minutes: dict[str, int]
    owner_load: list[figures.OwnerLoadRow]
    score_by_grade: dict[str, dict[str, int]]
    cost_per_source: list[figures.SpendRow] | None = None


def build_report(
    *,
    account: str,
    crm: str,
    people: Sequence[figures.PersonNow],
    moves: Sequence[figures.StageMove],
    tasks: Sequence[figures.TaskRecord],
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
        funnel=figures.funnel_now(people),
        flow=figures.stage_flow(moves),
        recycle_reasons=figures.exit_reasons(moves, "recycled"),
        disqualify_reasons=figures.exit_reasons(moves, "disqualified"),
        conversion_by_source=figures.conversion(cohort, moves, "source"),
        conversion_by_intent=figures.conversion(cohort, moves, "intent"),
        conversion_by_persona=figures.conversion(cohort, moves, "persona"),
        speed_to_lead=figures.speed_to_lead(tasks, now, owner_name),
        sla_minutes={
            stage.value: template.sla_business_minutes
            for stage, template in policy.tasks.on_stage.items()
        },
        owner_load=figures.owner_load(people, capacities(policy), owner_name),
        score_by_grade=figures.score_by_grade(people),
        cost_per_source=None if spend is None else figures.cost_per_source(spend, people, moves),
    )
