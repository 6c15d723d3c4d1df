"""The verbs of due re-evaluation and SLA escalation on HubSpot: people read by id, task states
by key and task owners moved — in bulk, through the unmodified SDK into the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.adapters.base import TaskReassignment
from connector.demo_rep import HubSpotRep
from connector.sandbox.hubspot.catalogue import TASKS

BATCH_READ = "POST /crm/v3/objects/contacts/batch/read"
CONTACT_SEARCH = "POST /crm/v3/objects/contacts/search"
TASK_SEARCH = "POST /crm/v3/objects/tasks/search"
TASK_CONTACTS = "POST /crm/v4/associations/{from_type}/{to_type}/batch/read"
TASK_UPDATE = "POST /crm/v3/objects/tasks/batch/update"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def _engagement(adapter, ids):
    return sorted(e.model_dump_json() for e in adapter.iter_engagements(ids))


def test_people_read_by_id_are_the_people_the_incremental_read_makes(sandbox, make_adapter):
    incremental = make_adapter(sandbox)
    by_id = {c.id: c for c in incremental.iter_contacts(LONG_AGO)}
    ids = sorted(by_id)[:150]
    expected_engagement = _engagement(incremental, ids)
    rep = HubSpotRep(sandbox.url, sandbox.token)
    deleted = ids[10:13]
    for contact_id in deleted:
        rep.delete("contacts", contact_id)

    adapter = make_adapter(sandbox)  # a new run: nothing cached
    sandbox.log.reset()
    page = adapter.read_contacts([*ids, ids[0]])  # a repeated id is read once

    assert sandbox.log.calls(BATCH_READ) == 2  # ⌈150 / 100⌉, deleted ids asked for too
    assert sandbox.log.calls(CONTACT_SEARCH) == 0
    assert page.skipped == []
    assert sorted(c.id for c in page.contacts) == sorted(set(ids) - set(deleted))
    for contact in page.contacts:
        assert contact == by_id[contact.id]
    # The engagement read-ahead went with the batch: the engagement of these people is there.
    alive = [i for i in ids if i not in deleted]
    assert _engagement(adapter, alive) == [
        e for e in expected_engagement if not any(f'"contact_id":"{d}"' in e for d in deleted)
    ]


def test_reading_no_one_costs_nothing(adapter, sandbox):
    sandbox.log.reset()
    page = adapter.read_contacts([])
    assert page.contacts == [] and page.skipped == []
    assert sandbox.log.calls() == 0


def test_task_states_are_read_by_key_in_bulk(make_sandbox, make_adapter, make_specs):
    sandbox = make_sandbox(contacts=150)
    adapter = make_adapter(sandbox)
    specs = make_specs(list(adapter.iter_contacts(None)), 120)
    created = adapter.create_tasks(specs)
    rep = HubSpotRep(sandbox.url, sandbox.token)
    done = {spec.key for spec in specs[:7]}
    before_completion = datetime.now(UTC) - timedelta(seconds=1)
    for key in done:
        rep.complete_task(created.created_ids[key])
    after_completion = datetime.now(UTC) + timedelta(seconds=1)
    rep.set_task_status(created.created_ids[specs[8].key], "IN_PROGRESS")

    sandbox.log.reset()
    states = adapter.task_states([s.key for s in specs] + ["mql:0:2026-01-01:unknown"])

    assert sandbox.log.calls(TASK_SEARCH) == 2  # 100 keys per search
    assert sandbox.log.calls(TASK_CONTACTS) == 1  # 1,000 tasks per association read
    assert set(states) == {s.key for s in specs}  # the unknown key is absent
    for spec in specs:
        state = states[spec.key]
        assert state.crm_id == created.created_ids[spec.key]
        assert state.status == ("done" if spec.key in done else "open")
        assert state.owner_id == spec.owner_id
        assert state.contact_id == spec.contact_id
        assert state.due_at == spec.due_at
        if spec.key in done:  # the task's last modification: its completion, here
            assert state.completed_at is not None
            assert before_completion <= state.completed_at <= after_completion
        else:
            assert state.completed_at is None


def test_a_deleted_task_has_no_state(sandbox, make_adapter, make_specs):
    adapter = make_adapter(sandbox)
    specs = make_specs(list(adapter.iter_contacts(None)), 3)
    created = adapter.create_tasks(specs)
    HubSpotRep(sandbox.url, sandbox.token).delete("tasks", created.created_ids[specs[0].key])
    assert set(adapter.task_states([s.key for s in specs])) == {specs[1].key, specs[2].key}


def test_tasks_move_to_new_owners_and_an_unknown_owner_is_a_per_record_reject(
    make_sandbox, make_adapter, make_specs
):
    sandbox = make_sandbox(contacts=150)
    adapter = make_adapter(sandbox)
    specs = make_specs(list(adapter.iter_contacts(None)), 130)
    created = adapter.create_tasks(specs)
    owners = [o.id for o in adapter.list_owners() if o.active]
    moves = [
        TaskReassignment(
            key=spec.key,
            crm_id=created.created_ids[spec.key],
            owner_id=next(o for o in owners if o != spec.owner_id),
        )
        for spec in specs
    ]
    bad = moves[42].model_copy(update={"owner_id": "999999999"})
    moves[42] = bad

    sandbox.log.reset()
    result = adapter.reassign_tasks(moves)

    assert sorted(result.applied) == sorted(m.key for m in moves if m is not bad)
    assert [r.record_id for r in result.rejected] == [bad.key]
    assert result.rejected[0].code == "VALIDATION_ERROR"
    assert "999999999 is not a valid owner id" in result.rejected[0].message
    # Two batches (100 + 30); the batch HubSpot refused whole is split until the bad input is
    # alone, and everything else in it lands.
    assert sandbox.log.calls(TASK_UPDATE) > 2
    table = sandbox.store.table(TASKS)
    for move in moves:
        stored = table.get(table.row_of(int(move.crm_id)), "hubspot_owner_id")
        spec = next(s for s in specs if s.key == move.key)
        assert stored == (spec.owner_id if move is bad else move.owner_id)
    states = adapter.task_states([m.key for m in moves])
    assert all(states[m.key].owner_id == m.owner_id for m in moves if m is not bad)


def test_the_sales_rep_books_a_meeting_on_a_contact(sandbox, adapter):
    contact = next(iter(adapter.iter_contacts(None)))
    start = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    meeting_id = HubSpotRep(sandbox.url, sandbox.token).book_meeting(contact.id, start)
    answer = adapter.client.objects.get_by_id(
        "meetings",
        meeting_id,
        properties=["hs_meeting_title", "hs_meeting_start_time", "hs_meeting_outcome"],
        associations=["contacts"],
    )
    assert answer.properties["hs_meeting_outcome"] == "SCHEDULED"
    assert answer.properties["hs_meeting_start_time"].startswith("2026-12-03T15:00:00")
    linked = [str(a.id) for a in answer.associations["contacts"].results]
    assert contact.id in linked
