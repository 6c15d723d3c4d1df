from connector.domain.engine import evaluate
from connector.domain.outcomes import UpdatableField
from connector.domain.routing import RoutingState
from connector.domain.stages import LifecycleStage
from connector.sync.plan import plan_update
from tests.factories import NOW, contact, event, owners, shipped_policy


def evaluation_for(person, events):
    evaluation, _ = evaluate(person, events, shipped_policy(), owners(), RoutingState(), NOW)
    return evaluation


def test_a_contact_already_holding_the_desired_values_needs_no_write():
    person = contact(lifecycle_stage=LifecycleStage.LEAD)
    events = [event("form_submission")]
    first = evaluation_for(person, events)
    synced = person.model_copy(
        update={
            "score": first.desired[UpdatableField.SCORE],
            "grade": first.desired[UpdatableField.GRADE],
            "score_reasons": first.desired[UpdatableField.SCORE_REASONS] + "\n",
        }
    )
    assert plan_update(synced, evaluation_for(synced, events)) is None


def test_only_differing_fields_are_planned_with_their_old_values():
    person = contact(lifecycle_stage=LifecycleStage.SUBSCRIBER, grade="A", score=3)
    evaluation = evaluation_for(person, [event("form_submission")])
    update = plan_update(person, evaluation)
    assert UpdatableField.GRADE not in update.changes
    assert update.changes[UpdatableField.LIFECYCLE_STAGE] == "lead"
    assert update.previous[UpdatableField.LIFECYCLE_STAGE] == "subscriber"
    assert update.previous[UpdatableField.SCORE] == 3
    assert update.reasons == ("form_submission",)
