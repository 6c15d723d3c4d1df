"""Follow-up tasks are idempotent by their key: looked up before creating, and looked up again
whenever a create's outcome is unknown, so re-runs and crashes never make a second task."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from simple_salesforce import Salesforce

from connector.adapters.salesforce import endpoints as sf
from connector.adapters.salesforce.auth import TOKEN_ENDPOINT
from connector.domain.outcomes import TaskPriority, TaskSpec
from connector.domain.stages import LifecycleStage
from connector.sandbox.common.faults import Fault


def _specs(sandbox, count, owner=None):
    people = sandbox.ids_of("Lead") + sandbox.ids_of("Contact")
    due = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
    return [
        TaskSpec(
            key=f"cl-{n:024x}",
            contact_id=people[n],
            owner_id=owner,
            subject=f"Follow up with MQL #{n}",
            body="Moved from lead to mql because:\n- score 120\n\nScore 120:\n+50  demo\n= 120",
            priority=TaskPriority.HIGH,
            due_at=due,
            stage=LifecycleStage.MQL,
        )
        for n in range(count)
    ]


def _tasks_with_keys(sandbox):
    api = Salesforce(**sandbox.salesforce_kwargs())
    query = (
        "SELECT Id, WhoId, OwnerId, Subject, Description, ActivityDate, Priority, Status, "
        "Connector_Task_Key__c FROM Task WHERE Connector_Task_Key__c != null"
    )
    return api.query_all(query)["records"]


def test_tasks_are_created_with_every_field(sandbox, adapter, counts):
    owner = sandbox.seed_summary.owner_ids["seed-owner-01"]
    specs = _specs(sandbox, 3, owner=owner)

    result = adapter.create_tasks(specs)

    assert sorted(result.created_ids) == sorted(s.key for s in specs)
    assert result.already_existed == [] and result.rejected == []
    assert counts.calls(adapter) == {
        TOKEN_ENDPOINT: 1,
        sf.QUERY: 1,  # the key lookup
        sf.DESCRIBE: 1,  # Task's field lengths, at the run's first task write
        sf.COLLECTIONS_CREATE: 1,
    }
    counts.assert_exact(adapter, sandbox)
    stored = {t["Connector_Task_Key__c"]: t for t in _tasks_with_keys(sandbox)}
    first = stored[specs[0].key]
    assert first["Id"] == result.created_ids[specs[0].key]
    assert (first["WhoId"], first["OwnerId"]) == (specs[0].contact_id, owner)
    assert first["Subject"] == "Follow up with MQL #0"
    assert "Score 120" in first["Description"]
    assert (first["ActivityDate"], first["Priority"], first["Status"]) == (
        "2026-11-04",
        "High",
        "Not Started",
    )


def test_a_rerun_creates_nothing(sandbox, adapter, make_adapter, counts):
    specs = _specs(sandbox, 5)
    first = adapter.create_tasks(specs)

    again = make_adapter(sandbox)
    second = again.create_tasks(specs)

    assert sorted(second.already_existed) == sorted(s.key for s in specs)
    assert second.created_ids == first.created_ids
    assert counts.calls(again)[sf.QUERY] == 1 and sf.COLLECTIONS_CREATE not in counts.calls(again)
    assert len(_tasks_with_keys(sandbox)) == 5


def test_crash_between_create_and_commit_then_rerun(sandbox, make_adapter):
    specs = _specs(sandbox, 4)
    crashed = make_adapter(sandbox)
    crashed.create_tasks(specs[:3])  # created in Salesforce; the run died before recording it

    rerun = make_adapter(sandbox).create_tasks(specs)

    assert sorted(rerun.already_existed) == sorted(s.key for s in specs[:3])
    assert list(rerun.applied) == [specs[3].key]
    assert len(_tasks_with_keys(sandbox)) == 4


@pytest.mark.parametrize("fault", [Fault.SLOW, Fault.DROP, Fault.SERVER_ERROR_500])
def test_a_create_with_unknown_outcome_is_checked_before_it_is_sent_again(
    make_sandbox, make_adapter, fault
):
    # SLOW: Salesforce created the tasks but the answer came after the client gave up.
    sandbox = make_sandbox(slow_seconds=1.0)
    adapter = make_adapter(sandbox, timeout_seconds=0.4)
    specs = _specs(sandbox, 3)
    sandbox.faults.force(fault, count=1, endpoint="collections.create")

    result = adapter.create_tasks(specs)

    assert sorted(result.created_ids) == sorted(s.key for s in specs)
    assert len(_tasks_with_keys(sandbox)) == 3
    creates = sandbox.log.calls("collections.create")
    written = sandbox.log.records_written("collections.create")
    if fault is Fault.SLOW:
        assert (creates, written) == (1, 3)  # the lookup found all three: no second create
    else:
        assert (creates, written) == (2, 3)
    assert adapter.usage.calls(sf.QUERY) == 2  # before, and after the unknown outcome


def test_many_tasks_go_in_collections_of_200(make_sandbox, make_adapter):
    sandbox = make_sandbox(contacts=260)
    adapter = make_adapter(sandbox)
    specs = _specs(sandbox, 250)

    result = adapter.create_tasks([*specs, specs[0]])  # a repeated key is one task

    assert len(result.created_ids) == 250
    assert adapter.usage.calls(sf.COLLECTIONS_CREATE) == 2
    assert len(_tasks_with_keys(sandbox)) == 250


def test_a_refused_task_is_reported_against_its_contact(sandbox, adapter):
    good, bad = _specs(sandbox, 2)
    account = sandbox.ids_of("Account")[0]
    bad = bad.model_copy(update={"owner_id": account})  # an Account cannot own a task

    result = adapter.create_tasks([good, bad])

    assert list(result.created_ids) == [good.key]
    [error] = result.rejected
    assert (error.record_id, error.code, error.field) == (bad.contact_id, "MALFORMED_ID", "OwnerId")
    assert (
        error.message.startswith(f"task {bad.key}: ")
        and "id value of incorrect type" in error.message
    )
