"""Revision 0004 on a real SQLite file: due times and escalation watches are committed with
the journal entry they belong to, and the revision migrates down and up again."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect

from connector.domain.escalation import EscalationPlan
from connector.domain.policy import EscalationAction
from connector.domain.routing import RoutingState
from connector.sync.state import (
    DueEntry,
    EscalationWatch,
    PendingWrite,
    StateStore,
    _alembic_config,
)

T0 = datetime(2026, 11, 2, 15, tzinfo=UTC)


@pytest.fixture
def store(tmp_path) -> StateStore:
    return StateStore.open(str(tmp_path / "state.sqlite"))


def _commit(store: StateStore, pending: PendingWrite, created=None, rejected=()) -> None:
    store.append_pending("a", [pending])
    store.commit_pending("a", pending, created or {}, [], rejected_escalations=rejected)


def test_due_times_commit_with_their_journal_entry_and_only_due_people_come_back(store):
    entries = [
        DueEntry(contact_id="1", due_at=T0 - timedelta(minutes=1), reason="idle"),
        DueEntry(contact_id="2", due_at=T0 + timedelta(days=3), reason="decay"),
        DueEntry(contact_id="3", due_at=None),
        DueEntry(contact_id="4", due_at=T0, score_refreshed_at=T0 - timedelta(hours=2)),
    ]
    pending = PendingWrite(job="sync", routing=RoutingState(), due=entries)
    store.append_pending("a", [pending])
    assert store.due_contacts("a", T0) == []  # journaled, not yet committed
    store.commit_pending("a", pending, {}, [])
    assert store.due_contacts("a", T0) == ["1", "4"]
    assert store.due_contacts("b", T0) == []
    # a later decision replaces the due time but keeps the last refresh unless it refreshed
    later = PendingWrite(
        job="sync",
        routing=RoutingState(),
        due=[DueEntry(contact_id="4", due_at=T0 + timedelta(days=1))],
        forget_due=["1"],
    )
    _commit(store, later)
    assert store.due_contacts("a", T0 + timedelta(days=1)) == ["4"]
    rows = store.due_rows("a", ["1", "4"])
    assert set(rows) == {"4"}
    assert rows["4"].score_refreshed_at == T0 - timedelta(hours=2)


def _watch(key: str, owner: str = "o-1") -> EscalationWatch:
    return EscalationWatch(
        key=key,
        contact_id=f"c-{key}",
        stage="mql",
        owner_id=owner,
        task_due_at=T0,
        escalate_at=T0 + timedelta(hours=2),
    )


def test_only_created_tasks_are_watched_and_each_escalation_is_recorded_once(store):
    pending = PendingWrite(job="sync", routing=RoutingState(), watches=[_watch("k1"), _watch("k2")])
    _commit(store, pending, created={"k1": ("t-1", "c-k1")})  # k2's contact was rejected
    assert store.due_escalations("a", T0 + timedelta(hours=1)) == []
    due = store.due_escalations("a", T0 + timedelta(hours=2))
    assert [(row.key, row.crm_id, row.owner_id) for row in due] == [("k1", "t-1", "o-1")]
    _commit(store, pending, created={"k1": ("t-1", "c-k1")})  # a replay adds nothing
    assert len(store.escalation_states("a")) == 1

    plan = EscalationPlan(
        task_key="k1",
        task_crm_id="t-1",
        contact_id="c-k1",
        action=EscalationAction.REASSIGN,
        from_owner_id="o-1",
        to_owner_id="o-2",
        reason="overdue",
    )
    _commit(store, PendingWrite(job="sync", routing=RoutingState(), escalations=[plan]))
    assert store.due_escalations("a", T0 + timedelta(days=9)) == []
    state = store.escalation_states("a")["k1"]
    assert (state["state"], state["to_owner_id"], state["outcome"]) == (
        "escalated",
        "o-2",
        "overdue",
    )


def test_a_rejected_reassignment_is_recorded_as_failed(store):
    _commit(
        store,
        PendingWrite(job="sync", routing=RoutingState(), watches=[_watch("k1")]),
        created={"k1": ("t-1", "c-k1")},
    )
    plan = EscalationPlan(
        task_key="k1",
        task_crm_id="t-1",
        contact_id="c-k1",
        action=EscalationAction.REASSIGN,
        from_owner_id="o-1",
        to_owner_id="o-2",
        reason="overdue",
    )
    _commit(
        store, PendingWrite(job="sync", routing=RoutingState(), escalations=[plan]), rejected={"k1"}
    )
    assert store.escalation_states("a")["k1"]["state"] == "failed"


def test_revision_0004_migrates_down_and_up(tmp_path):
    path = str(tmp_path / "state.sqlite")
    store = StateStore.open(path)
    _commit(
        store,
        PendingWrite(job="sync", routing=RoutingState(), due=[DueEntry(contact_id="1", due_at=T0)]),
    )
    store.set_watermark("a", "contacts", T0)
    with store.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0003")
    tables = set(inspect(store.engine).get_table_names())
    assert {"contact_due", "task_escalations"}.isdisjoint(tables)
    assert store.schema_revision() == "0003"
    store.engine.dispose()
    again = StateStore.open(path)
    assert again.schema_revision() == StateStore.head_revision()
    assert again.watermark("a", "contacts") == T0  # older data survives the round trip
    assert again.due_contacts("a", T0) == []  # due times start empty: set at next decision
