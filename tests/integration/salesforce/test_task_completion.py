"""When a rep completed a follow-up task, as Salesforce reports it (`CompletedDateTime`, set
when the Task is closed): the funnel report's speed to lead."""

from datetime import UTC, datetime, timedelta

from simple_salesforce import Salesforce

from connector.demo_rep import SalesforceRep
from connector.domain.outcomes import TaskPriority, TaskSpec
from connector.domain.stages import LifecycleStage


def test_task_states_carry_the_completion_time_of_done_tasks(sandbox, make_adapter):
    owner = sandbox.seed_summary.owner_ids["seed-owner-01"]
    people = sandbox.ids_of("Lead")
    specs = [
        TaskSpec(
            key=f"cl-{n:024x}",
            contact_id=people[n],
            owner_id=owner,
            subject="Follow up",
            body="score 120",
            priority=TaskPriority.HIGH,
            due_at=datetime(2026, 11, 4, 10, tzinfo=UTC),
            stage=LifecycleStage.MQL,
        )
        for n in range(3)
    ]
    adapter = make_adapter(sandbox)
    created = adapter.create_tasks(specs)
    before = datetime.now(UTC) - timedelta(seconds=1)
    SalesforceRep(Salesforce(**sandbox.salesforce_kwargs())).complete_task(
        created.created_ids[specs[0].key]
    )
    after = datetime.now(UTC) + timedelta(seconds=1)

    states = make_adapter(sandbox).task_states([spec.key for spec in specs])
    done = states[specs[0].key]
    assert done.status == "done"
    assert done.completed_at is not None and before <= done.completed_at <= after
    assert [states[s.key].completed_at for s in specs[1:]] == [None, None]
