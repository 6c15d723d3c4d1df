"""Follow-up tasks: batch created with the contact association, owner, due time and key, and
idempotent by key — across re-runs, crashes and lost answers."""

from __future__ import annotations

from connector.sandbox.common.faults import Fault
from connector.sandbox.hubspot.catalogue import CONTACTS, TASKS

CREATE = "POST /crm/v3/objects/tasks/batch/create"
SEARCH = "POST /crm/v3/objects/tasks/search"


def test_tasks_are_created_in_batches_with_everything_the_owner_needs(
    make_sandbox, make_adapter, make_specs, portal_tasks
):
    sandbox = make_sandbox(contacts=150)
    adapter = make_adapter(sandbox)
    contacts = list(adapter.iter_contacts(None))
    wanted = make_specs(contacts, 120)
    sandbox.log.reset()
    result = adapter.create_tasks(wanted)
    assert sorted(result.applied) == sorted(s.key for s in wanted)
    assert result.rejected == [] and result.already_existed == []
    assert sandbox.log.calls(CREATE) == 2  # 100 + 20
    assert sandbox.log.calls(SEARCH) == 2  # keys checked 100 at a time first
    table = sandbox.store.table(TASKS)
    spec = wanted[7]
    task_id = int(result.created_ids[spec.key])
    row = table.row_of(task_id)
    assert table.get(row, "hs_task_subject") == spec.subject
    assert table.get(row, "hs_task_body") == spec.body
    assert table.get(row, "hs_task_priority") == "HIGH"
    assert table.get(row, "hs_task_status") == "NOT_STARTED"
    assert table.get(row, "hubspot_owner_id") == spec.owner_id
    assert table.get(row, "hs_timestamp") == int(spec.due_at.timestamp() * 1000)
    linked = sandbox.graph.targets(TASKS, task_id, CONTACTS)
    types = [(to_id, {kind.type_id for kind in kinds}) for to_id, kinds in linked]
    assert [(to_id, 204 in ids) for to_id, ids in types] == [(int(spec.contact_id), True)]


def test_a_rerun_creates_nothing_twice(sandbox, make_adapter, make_specs, portal_tasks):
    adapter = make_adapter(sandbox)
    wanted = make_specs(list(adapter.iter_contacts(None)), 30)
    first = adapter.create_tasks(wanted)
    sandbox.log.reset()
    second = adapter.create_tasks(wanted + wanted[:5])  # duplicates within a call too
    assert second.applied == []
    assert sorted(second.already_existed) == sorted(s.key for s in wanted)
    assert second.created_ids == first.created_ids
    assert sandbox.log.calls(CREATE) == 0
    assert sandbox.log.calls(SEARCH) == 1
    assert all(len(ids) == 1 for ids in portal_tasks(sandbox).values())


def test_a_crash_between_creating_tasks_and_recording_them_then_a_rerun(
    sandbox, make_adapter, make_specs, portal_tasks
):
    """The first run creates the tasks and dies before its state store commit (its result is
    lost with it); the next run, a new process with a new adapter, must not duplicate them."""
    contacts = list(make_adapter(sandbox).iter_contacts(None))
    wanted = make_specs(contacts, 40)
    crashed_run = make_adapter(sandbox)
    crashed_run.create_tasks(wanted[:25])  # ... and the process dies here
    rerun = make_adapter(sandbox)
    result = rerun.create_tasks(wanted)
    assert sorted(result.already_existed) == sorted(s.key for s in wanted[:25])
    assert sorted(result.applied) == sorted(s.key for s in wanted[25:])
    assert set(result.created_ids) == {s.key for s in wanted}
    by_key = portal_tasks(sandbox)
    assert {key: len(ids) for key, ids in by_key.items()} == {s.key: 1 for s in wanted}


def test_a_create_whose_answer_is_lost_is_not_repeated(
    make_sandbox, make_adapter, make_specs, portal_tasks
):
    """The sandbox creates the tasks, then answers after the client gave up: the adapter
    searches the keys again instead of creating them a second time."""
    sandbox = make_sandbox(contacts=60, slow_seconds=0.6)
    adapter = make_adapter(sandbox, read_timeout_seconds=0.25)
    wanted = make_specs(list(adapter.iter_contacts(None)), 20)
    sandbox.faults.force(Fault.SLOW, 1, CREATE)
    result = adapter.create_tasks(wanted)
    assert sorted(result.applied) == sorted(s.key for s in wanted)
    assert sandbox.log.calls(CREATE) == 1
    assert {key: len(ids) for key, ids in portal_tasks(sandbox).items()} == {
        s.key: 1 for s in wanted
    }


def test_a_dropped_create_is_retried_after_checking_the_keys(
    sandbox, make_adapter, make_specs, portal_tasks
):
    adapter = make_adapter(sandbox)
    wanted = make_specs(list(adapter.iter_contacts(None)), 10)
    sandbox.faults.force(Fault.DROP, 1, CREATE)
    sandbox.faults.force(Fault.UNAVAILABLE_503, 1, CREATE)
    result = adapter.create_tasks(wanted)
    assert sorted(result.applied) == sorted(s.key for s in wanted)
    assert sandbox.log.calls(CREATE) == 3
    assert sandbox.log.calls(SEARCH) == 3  # checked again before each retry
    assert all(len(ids) == 1 for ids in portal_tasks(sandbox).values())


def test_partial_task_batches_report_the_bad_ones_and_create_the_rest(
    sandbox, make_adapter, make_specs, portal_tasks
):
    adapter = make_adapter(sandbox)
    contacts = list(adapter.iter_contacts(None))
    wanted = make_specs(contacts, 6)
    orphan = wanted[2].model_copy(update={"contact_id": "999999999", "key": "cl-orphan"})
    wanted[2] = orphan
    sandbox.faults.force(Fault.PARTIAL_BATCH, 1, CREATE)  # odd inputs fail transiently once
    result = adapter.create_tasks(wanted)
    assert [r.record_id for r in result.rejected] == ["cl-orphan"]
    assert "999999999" in result.rejected[0].message
    assert sorted(result.applied) == sorted(s.key for s in wanted if s.key != "cl-orphan")
    assert {key: len(ids) for key, ids in portal_tasks(sandbox).items()} == {
        s.key: 1 for s in wanted if s.key != "cl-orphan"
    }
