"""The kept journal of a failed sync in the state store, on SQLite and on PostgreSQL
(`state_url`, tests/postgres.py): which rows the next sync may trust, what they decided and
when, and taking one person's decision out of them."""

from datetime import UTC, datetime, timedelta

import pytest

from connector.adapters.base import KnownDecisions
from connector.domain.escalation import EscalationPlan
from connector.domain.outcomes import ContactUpdate, TaskPriority, TaskSpec, UpdatableField
from connector.domain.policy import EscalationAction
from connector.domain.routing import RoutingState
from connector.domain.stages import LifecycleStage
from connector.sync.state import AuditEntry, DueEntry, PendingWrite, StateStore

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
BASIS = "rules-and-mapping-digest"


@pytest.fixture
def store(state_url) -> StateStore:
    return StateStore.open(state_url)


def page(people: list[str], read_at: datetime | None, turn: int, **extra) -> PendingWrite:
    """A sync's journaled page: an update, a task, an audit line and a due time per person."""
    return PendingWrite(
        job=extra.pop("job", "sync"),
        updates=[
            ContactUpdate(contact_id=p, changes={UpdatableField.SCORE: 10 * turn}) for p in people
        ],
        tasks=[
            TaskSpec(
                key=f"cl-{p}",
                contact_id=p,
                owner_id="o1",
                subject="Follow up",
                body="",
                priority=TaskPriority.HIGH,
                due_at=T0,
                stage=LifecycleStage.MQL,
            )
            for p in people
        ],
        audit=[AuditEntry(contact_id=p, kind="write", field="score") for p in people],
        due=[DueEntry(contact_id=p, due_at=T1) for p in people],
        routing=RoutingState(load={"rep@example.com": turn}),
        decided=people,
        read_at=read_at,
        basis=extra.pop("basis", BASIS),
        **extra,
    )


def test_the_kept_decisions_say_who_was_decided_when_and_the_routing_to_continue_from(store):
    store.append_pending("p", [page(["a", "b"], T0, 1)], approved=False)
    store.append_pending("p", [page(["c"], T1, 2)], approved=False)  # a resumed run's page
    kept = store.kept_decisions("p", BASIS)
    assert kept is not None
    assert kept.read_at == {"a": T0, "b": T0, "c": T1}
    assert kept.row_of["a"] == kept.row_of["b"] != kept.row_of["c"]
    assert kept.routing.load == {"rep@example.com": 2}
    assert kept.rows == 2


def test_a_person_decided_again_leaves_the_kept_journal_and_nobody_else_does(store):
    store.append_pending("p", [page(["a", "b"], T0, 1)], approved=False)
    kept = store.kept_decisions("p", BASIS)
    assert kept is not None
    assert store.drop_decided("p", ["a"], [kept.row_of["a"]]) == 1
    (row,) = list(store.unapproved_rows("p"))
    assert row.decided == ["b"]
    assert [u.contact_id for u in row.updates] == ["b"]
    assert [t.contact_id for t in row.tasks] == ["b"]
    assert [a.contact_id for a in row.audit] == ["b"]
    assert [d.contact_id for d in row.due] == ["b"]
    assert row.routing.load == {"rep@example.com": 1}  # the round-robin step stays taken
    assert store.drop_decided("p", ["nobody"], [kept.row_of["b"]]) == 0
    again = store.kept_decisions("p", BASIS)
    assert again is not None and again.read_at == {"b": T0}


@pytest.mark.parametrize(
    "untrusted",
    [
        {"basis": "other rules"},
        {"job": "backfill"},
        {"read_at": None},  # written by a version that did not record it
    ],
)
def test_a_journal_the_next_sync_cannot_trust_is_not_kept(store, untrusted):
    store.append_pending("p", [page(["a"], T0, 1)], approved=False)
    untrusted = dict(untrusted)  # the parameter is shared by the SQLite and PostgreSQL cases
    read_at = untrusted.pop("read_at", T0)
    store.append_pending("p", [page(["b"], read_at, 2, **untrusted)], approved=False)
    assert store.kept_decisions("p", BASIS) is None


def test_escalation_rows_are_dropped_and_approved_rows_are_not_the_kept_journal(store):
    store.append_pending("p", [page(["a"], T0, 1)], approved=False)
    escalation = EscalationPlan(
        task_key="cl-x",
        task_crm_id="9",
        contact_id="x",
        action=EscalationAction.REASSIGN,
        from_owner_id="o1",
        to_owner_id="o2",
        reason="overdue",
    )
    store.append_pending("p", [page([], T0, 2, escalations=[escalation])], approved=False)
    store.append_pending("q", [page(["z"], T0, 1)], approved=True)
    kept = store.kept_decisions("p", BASIS)
    assert kept is not None
    assert kept.read_at == {"a": T0}
    assert kept.routing.load == {"rep@example.com": 1}
    assert [row.decided for row in store.unapproved_rows("p")] == [["a"]]
    assert store.kept_decisions("q", BASIS) is None  # approved: replayed, never re-judged
    assert store.kept_decisions("nobody", BASIS) is None


def test_a_change_counts_as_seen_only_when_stamped_an_overlap_before_the_kept_read():
    known = KnownDecisions({"a": T1})
    overlap = timedelta(minutes=5)
    assert known.covers("a", T0, overlap)  # stamped exactly the overlap before: seen
    assert not known.covers("a", T0 + timedelta(seconds=1), overlap)  # may have landed late
    assert not known.covers("a", None, overlap)  # no stamp (a deleted engagement): read again
    assert not known.covers("b", T0, overlap)  # never decided
    assert known.carried == {"a"}
