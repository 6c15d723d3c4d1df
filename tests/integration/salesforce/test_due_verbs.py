"""The verbs of due re-evaluation and SLA escalation on Salesforce: Leads and Contacts read by
id, Task states by key and Task owners moved — in bulk, through simple-salesforce into the
sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simple_salesforce import Salesforce

from connector.adapters.base import TaskReassignment
from connector.adapters.salesforce import endpoints as sf
from connector.adapters.salesforce.auth import TOKEN_ENDPOINT
from connector.demo_rep import SalesforceRep
from connector.domain.outcomes import TaskPriority, TaskSpec
from connector.domain.stages import LifecycleStage
from connector.sandbox.salesforce.ids import make_id

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
DUE = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)


def _rep(sandbox) -> SalesforceRep:
    return SalesforceRep(Salesforce(**sandbox.salesforce_kwargs()))


def _specs(sandbox, count, owner):
    people = sandbox.ids_of("Lead") + sandbox.ids_of("Contact")
    return [
        TaskSpec(
            key=f"cl-{n:024x}",
            contact_id=people[n],
            owner_id=owner,
            subject=f"Follow up with MQL #{n}",
            body="score 120",
            priority=TaskPriority.HIGH,
            due_at=DUE + timedelta(days=n % 3),
            stage=LifecycleStage.MQL,
        )
        for n in range(count)
    ]


def _engagement(adapter, ids):
    return sorted(e.model_dump_json() for e in adapter.iter_engagements(ids))


def test_people_read_by_id_are_the_people_the_incremental_read_makes(sandbox, make_adapter, counts):
    incremental = make_adapter(sandbox)
    by_id = {c.id: c for c in incremental.iter_contacts(LONG_AGO)}
    leads = sorted(i for i in by_id if i.startswith("00Q"))
    contacts = sorted(i for i in by_id if i.startswith("003"))
    assert len(leads) > 100 and len(contacts) > 100
    ids = leads[:100] + contacts[:100]
    expected_engagement = _engagement(incremental, ids)
    deleted = [leads[5], contacts[7]]
    rep = _rep(sandbox)
    rep.delete("Lead", deleted[0])
    rep.delete("Contact", deleted[1])

    adapter = make_adapter(sandbox)  # a new run: nothing cached
    counts.reset(adapter, sandbox)
    page = adapter.read_contacts([*ids, ids[3]])  # a repeated id is read once

    # One query per object for 100 ids each (they fit one URL), plus what a read page costs
    # anyway: the Account match of the Leads and the opportunities of the Contacts.
    assert counts.calls(adapter) == {TOKEN_ENDPOINT: 1, sf.QUERY: 4}
    counts.assert_exact(adapter, sandbox)
    assert page.skipped == []
    assert sorted(c.id for c in page.contacts) == sorted(set(ids) - set(deleted))
    for contact in page.contacts:
        assert contact == by_id[contact.id]
    alive = [i for i in ids if i not in deleted]
    assert _engagement(adapter, alive) == [
        e for e in expected_engagement if not any(f'"contact_id":"{d}"' in e for d in deleted)
    ]


def test_long_id_lists_are_split_under_the_url_budget(sandbox, make_adapter):
    ids = sandbox.ids_of("Lead")
    whole = make_adapter(sandbox)
    expected = sorted(c.id for c in whole.read_contacts(ids).contacts)
    assert whole.usage.calls(sf.QUERY) == 2  # every Lead in one query, and one Account match
    small = make_adapter(sandbox, max_query_url_bytes=2_000)
    page = small.read_contacts(ids)
    assert sorted(c.id for c in page.contacts) == expected
    # Several queries now (Leads and their Account matches alike), yet nowhere near one per
    # person.
    assert 4 <= small.usage.calls(sf.QUERY) < len(ids) // 5


def test_an_id_of_neither_object_is_skipped_with_the_reason(adapter, sandbox):
    page = adapter.read_contacts(["001000000000001AAA", sandbox.ids_of("Lead")[0]])
    assert [c.id for c in page.contacts] == [sandbox.ids_of("Lead")[0]]
    assert [(s.record_id, s.code) for s in page.skipped] == [
        ("001000000000001AAA", "UNKNOWN_OBJECT")
    ]


def test_task_states_are_read_by_key_in_bulk(sandbox, make_adapter, counts):
    owner = sandbox.seed_summary.owner_ids["seed-owner-01"]
    specs = _specs(sandbox, 250, owner)
    adapter = make_adapter(sandbox)
    created = adapter.create_tasks(specs)
    done = {spec.key for spec in specs[:9]}
    rep = _rep(sandbox)
    for key in done:
        rep.complete_task(created.created_ids[key])
    rep.delete("Task", created.created_ids[specs[10].key])

    reader = make_adapter(sandbox)
    counts.reset(reader, sandbox)
    states = reader.task_states([s.key for s in specs] + ["cl-unknown"])

    assert counts.calls(reader) == {TOKEN_ENDPOINT: 1, sf.QUERY: 1}  # 251 keys in one query
    counts.assert_exact(reader, sandbox)
    assert set(states) == {s.key for s in specs} - {specs[10].key}
    for spec in specs:
        if spec.key not in states:
            continue
        state = states[spec.key]
        assert state.crm_id == created.created_ids[spec.key]
        assert state.status == ("done" if spec.key in done else "open")
        assert state.owner_id == owner
        assert state.contact_id == spec.contact_id
        assert state.due_at == datetime.combine(spec.due_at.date(), datetime.min.time(), UTC)


def test_tasks_move_to_new_owners_and_an_unknown_owner_is_a_per_record_reject(
    sandbox, make_adapter, counts
):
    owners = sandbox.seed_summary.owner_ids
    first, second = owners["seed-owner-01"], owners["seed-owner-02"]
    specs = _specs(sandbox, 230, first)
    adapter = make_adapter(sandbox)
    created = adapter.create_tasks(specs)
    nobody = make_id("005", 99_999)  # a well-formed User id that names no user
    moves = [
        TaskReassignment(key=s.key, crm_id=created.created_ids[s.key], owner_id=second)
        for s in specs
    ]
    moves[17] = moves[17].model_copy(update={"owner_id": nobody})

    mover = make_adapter(sandbox)
    counts.reset(mover, sandbox)
    result = mover.reassign_tasks(moves)

    assert counts.calls(mover) == {TOKEN_ENDPOINT: 1, sf.COLLECTIONS_UPDATE: 2}  # 200 + 30
    counts.assert_exact(mover, sandbox)
    assert sorted(result.applied) == sorted(m.key for m in moves if m.owner_id == second)
    assert [(r.record_id, r.code, r.field) for r in result.rejected] == [
        (moves[17].key, "INVALID_CROSS_REFERENCE_KEY", "OwnerId")
    ]
    states = mover.task_states([m.key for m in moves])
    assert {k: s.owner_id for k, s in states.items()} == {
        m.key: (first if m.owner_id == nobody else second) for m in moves
    }


def test_the_sales_rep_logs_tasks_and_events_on_leads(sandbox):
    lead = sandbox.ids_of("Lead")[0]
    rep = _rep(sandbox)
    task_id = rep.log_task(lead, "Demo request", status="Not Started")
    event_id = rep.log_event(lead, "Discovery call", datetime(2026, 12, 3, 15, 0, tzinfo=UTC))
    rep.complete_task(task_id)
    task = rep.client.Task.get(task_id)
    event = rep.client.Event.get(event_id)
    assert (task["WhoId"], task["Subject"], task["IsClosed"]) == (lead, "Demo request", True)
    assert event["WhoId"] == lead and event["ActivityDate"] == "2026-12-03"
