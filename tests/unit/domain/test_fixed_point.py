"""Deciding is idempotent: once the CRM holds what the rules decided, deciding again at the same
moment wants nothing more. Otherwise every sync would rewrite contacts the previous run already
settled (and a backfill would take two passes to settle them), so this is checked over the
sandbox's seeded population, whose stages, sales statuses and histories cover the rules'
branches."""

from connector.domain.contact import Contact
from connector.domain.engine import evaluate
from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.routing import RoutingState
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.sandbox.seed import DEFAULT_NOW, SeedData, SeedSpec
from connector.sync.plan import plan_update
from tests.factories import shipped_policy

_ATTRIBUTE = {
    UpdatableField.SCORE: "score",
    UpdatableField.GRADE: "grade",
    UpdatableField.LIFECYCLE_STAGE: "lifecycle_stage",
    UpdatableField.OWNER_ID: "owner_id",
    UpdatableField.SALES_STATUS: "sales_status",
    UpdatableField.RECYCLED_AT: "recycled_at",
    UpdatableField.SCORE_REASONS: "score_reasons",
}


def _as_written(person: Contact, update: ContactUpdate) -> Contact:
    """The contact as the CRM holds it after `update` landed."""
    values: dict[str, object] = {}
    for field, value in update.changes.items():
        if field == UpdatableField.LIFECYCLE_STAGE and value is not None:
            value = LifecycleStage(str(value))
        if field == UpdatableField.SALES_STATUS and value is not None:
            value = SalesStatus(str(value))
        values[_ATTRIBUTE[field]] = value
    return person.model_copy(update=values)


def test_a_second_decision_over_the_written_contacts_changes_nothing():
    policy = shipped_policy()
    data = SeedData(SeedSpec(contacts=2_000, seed=42))
    routing = RoutingState()
    written: list[tuple[Contact, list]] = []
    for item in data.contacts():
        evaluation, routing = evaluate(
            item.contact, item.engagements, policy, data.owners, routing, DEFAULT_NOW
        )
        update = plan_update(item.contact, evaluation)
        person = item.contact if update is None else _as_written(item.contact, update)
        written.append((person, item.engagements))
    unsettled = {}
    for person, engagements in written:
        evaluation, routing = evaluate(
            person, engagements, policy, data.owners, routing, DEFAULT_NOW
        )
        update = plan_update(person, evaluation)
        if update is not None:
            unsettled[person.id] = (update.changes, evaluation.stage.transition)
    assert unsettled == {}
