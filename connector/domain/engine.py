"""One contact in, one complete decision out: score, grade, stage move, owner, task, and the
field values the CRM should end up holding.

This is the only entry point the sync engine and `connector explain` need, so both always show
exactly the same reasoning.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.domain import Value
from connector.domain.contact import Contact, Owner
from connector.domain.engagement import Engagement
from connector.domain.fit import grade_contact
from connector.domain.history import EngagementHistory
from connector.domain.lifecycle import StageDecision, decide_stage
from connector.domain.outcomes import (
    FieldValue,
    FitCard,
    ScoreCard,
    TaskSpec,
    TransitionKind,
    UpdatableField,
)
from connector.domain.policy import RulesPolicy
from connector.domain.routing import RoutingDecision, RoutingState, needs_routing, route
from connector.domain.scoring import score_contact
from connector.domain.stages import LifecycleStage
from connector.domain.tasks import build_task


class Evaluation(Value):
    contact_id: str
    score: ScoreCard
    fit: FitCard
    stage: StageDecision
    routing: RoutingDecision | None
    task: TaskSpec | None
    desired: dict[UpdatableField, FieldValue]

    @property
    def final_stage(self) -> LifecycleStage | None:
        transition = self.stage.transition
        return transition.to_stage if transition else None


@dataclass(frozen=True)
class Assessment:
    """The engagement history, score and fit grade of one contact at one moment: the part of a
    decision that only the scoring and fit rules shape. `connector whatif` computes it once for
    both rule sets when those sections are equal (most edits touch thresholds or routing)."""

    history: EngagementHistory
    score: ScoreCard
    fit: FitCard


def assess(
    contact: Contact, engagements: Sequence[Engagement], policy: RulesPolicy, now: datetime
) -> Assessment:
    # filtered, grouped and sorted once for both the score and the stage rules
    history = EngagementHistory.of(contact.id, engagements, now)
    return Assessment(
        history=history,
        score=score_contact(contact, history, policy.scoring, now),
        fit=grade_contact(contact, policy.fit, now),
    )


def evaluate(
    contact: Contact,
    engagements: Sequence[Engagement],
    policy: RulesPolicy,
    owners: Sequence[Owner],
    routing_state: RoutingState,
    now: datetime,
    *,
    assessed: Assessment | None = None,
) -> tuple[Evaluation, RoutingState]:
    """Decide everything about one contact at `now`.

    The routing state goes in and comes back out (rather than being hidden in the engine) so
    the caller decides when a round-robin step is committed — only after the write succeeded.
    `assessed`, when given, must come from `assess` with the same contact, engagement, scoring
    and fit rules and `now`.
    """
    assessed = assessed or assess(contact, engagements, policy, now)
    history, score, fit = assessed.history, assessed.score, assessed.fit
    stage = decide_stage(contact, history, score.total, fit, policy, now)
    transition = stage.transition
    stage_after = transition.to_stage if transition else contact.lifecycle_stage

    desired: dict[UpdatableField, FieldValue] = {
        UpdatableField.SCORE: score.total,
        UpdatableField.GRADE: fit.grade,
        UpdatableField.SCORE_REASONS: score.explain(),
    }
    if stage_after is not None:
        desired[UpdatableField.LIFECYCLE_STAGE] = stage_after.value
    if transition and transition.kind == TransitionKind.RECYCLE:
        desired[UpdatableField.RECYCLED_AT] = now
        if policy.lifecycle.recycle.set_sales_status is not None:
            desired[UpdatableField.SALES_STATUS] = policy.lifecycle.recycle.set_sales_status.value
    if transition and transition.kind == TransitionKind.DISQUALIFY:
        status = policy.lifecycle.disqualify.set_sales_status
        if status is not None:
            desired[UpdatableField.SALES_STATUS] = status.value

    routing: RoutingDecision | None = None
    owner_id = contact.owner_id
    if needs_routing(stage_after, policy.routing):
        routing = route(contact, owners, policy.routing, routing_state)
        routing_state = routing.state
        if routing.assignment is not None:
            owner_id = routing.assignment.owner_id
            desired[UpdatableField.OWNER_ID] = owner_id

    task = None
    if transition is not None:
        task = build_task(contact, transition, score, fit, owner_id, policy.tasks)

    evaluation = Evaluation(
        contact_id=contact.id,
        score=score,
        fit=fit,
        stage=stage,
        routing=routing,
        task=task,
        desired=desired,
    )
    return evaluation, routing_state
