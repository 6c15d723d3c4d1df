"""The state store on a real SQLite file and a real PostgreSQL database (`state_url`, see
tests/postgres.py): migrations, watermarks, checkpoints, routing state, task keys, audit and the
run lock (with real processes for the lock's liveness checks)."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import JSON, column, func, select, table, text, update

from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.routing import RoutingState
from connector.sync.schema import locks, write_journal
from connector.sync.state import (
    AuditEntry,
    Checkpoint,
    LockHeldError,
    PendingWrite,
    StateStore,
    _alembic_config,
)

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def store(state_url) -> StateStore:
    return StateStore.open(state_url)


def test_a_new_file_is_migrated_to_the_head_revision(store):
    assert store.schema_revision() == StateStore.head_revision() == "0006"


def test_a_state_file_of_an_older_release_opens_and_keeps_its_data(state_url):
    path = state_url
    old = StateStore.open(path)
    old.set_watermark("portal-1", "contacts", T0)
    with old.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0001")  # as the first release left it
    assert old.schema_revision() == "0001"
    old.engine.dispose()
    new = StateStore.open(path)
    assert new.schema_revision() == StateStore.head_revision()
    assert new.watermark("portal-1", "contacts") == T0
    assert new.pending("portal-1") is None


def test_reopening_keeps_the_data_and_migrating_down_and_up_works(state_url):
    path = state_url
    first = StateStore.open(path)
    first.set_watermark("portal-1", "contacts", T0)
    first.engine.dispose()
    again = StateStore.open(path)
    assert again.watermark("portal-1", "contacts") == T0
    with again.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "base")
        command.upgrade(_alembic_config(connection), "head")
    assert again.schema_revision() == StateStore.head_revision()


def test_watermarks_only_move_forward_per_account_and_object(store):
    store.set_watermark("a", "contacts", T0)
    store.set_watermark("a", "contacts", T0 - timedelta(hours=1))
    store.set_watermark("b", "contacts", T0 + timedelta(days=1))
    assert store.watermark("a", "contacts") == T0
    assert store.watermark("b", "contacts") == T0 + timedelta(days=1)
    assert store.watermark("a", "deals") is None


def test_checkpoints_save_update_and_clear(store):
    checkpoint = Checkpoint(
        cursor="after-200", pages_done=2, records_done=200, total=1000, started_at=T0
    )
    store.save_checkpoint("a", "backfill", checkpoint)
    store.save_checkpoint("a", "backfill", checkpoint.model_copy(update={"pages_done": 3}))
    assert store.checkpoint("a", "backfill").pages_done == 3
    store.clear_checkpoint("a", "backfill")
    assert store.checkpoint("a", "backfill") is None


def test_routing_state_round_trips(store):
    assert store.routing_state("a") == RoutingState()
    state = RoutingState(weights={"rr": {"x@y.example": 2}}, load={"x@y.example": 5})
    store.save_routing_state("a", state)
    store.save_routing_state("a", state)
    assert store.routing_state("a") == state


def test_task_keys_are_remembered_once(store):
    store.record_tasks("a", {"k1": ("t1", "c1"), "k2": ("t2", "c2")}, run_id=None)
    store.record_tasks("a", {"k1": ("t1", "c1")}, run_id=None)
    assert store.known_task_keys("a", ["k1", "k3"]) == {"k1": "t1"}
    assert store.known_task_keys("b", ["k1"]) == {}


def test_runs_and_audit_are_recorded(store):
    run = store.begin_run("a", "sync")
    store.audit(
        "a",
        run,
        [
            AuditEntry(
                contact_id="c1",
                kind="write",
                field="lifecycle_stage",
                old_value="lead",
                new_value="mql",
                rule="score 120 >= 100",
            )
        ],
    )
    store.finish_run(run, "ok", {"read": 1}, {"GET /x": 1})
    (latest,) = store.last_runs("a", limit=1)
    assert (latest["outcome"], latest["counts"]) == ("ok", {"read": 1})
    (entry,) = store.audit_entries("a", "c1")
    assert (entry["old_value"], entry["new_value"], entry["run_id"]) == ("lead", "mql", run)


def test_a_held_lock_refuses_a_second_run_with_a_clear_message(store):
    store.acquire_lock("a", "sync", stale_after=timedelta(minutes=30))
    with pytest.raises(LockHeldError, match="another run \\(sync, pid"):
        store.acquire_lock("a", "backfill", stale_after=timedelta(minutes=30))
    store.acquire_lock("b", "sync", stale_after=timedelta(minutes=30))  # other account: fine
    store.release_lock("a")
    store.acquire_lock("a", "backfill", stale_after=timedelta(minutes=30))


def test_a_lock_held_by_another_live_process_is_respected(state_url):
    path = state_url
    StateStore.open(path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, datetime; from connector.sync.state import StateStore;"
            f"s = StateStore.open({path!r});"
            "s.acquire_lock('a', 'sync', stale_after=datetime.timedelta(hours=1));"
            "print('locked', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeldError):
            StateStore.open(path).acquire_lock("a", "sync", stale_after=timedelta(hours=1))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_the_lock_of_a_killed_run_is_taken_over(state_url):
    path = state_url
    StateStore.open(path)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import datetime; from connector.sync.state import StateStore;"
            f"s = StateStore.open({path!r});"
            "s.acquire_lock('a', 'sync', stale_after=datetime.timedelta(hours=1))",
        ],
        check=True,
    )  # exits without releasing: like a run killed with -9
    store = StateStore.open(path)
    store.acquire_lock("a", "sync", stale_after=timedelta(hours=1))
    assert store.lock_holder("a").pid == os.getpid()


def test_a_lock_with_an_old_heartbeat_is_stale(store):
    store.acquire_lock("a", "sync", stale_after=timedelta(minutes=5))
    with store.engine.begin() as connection:
        connection.execute(
            update(locks).values(pid=1, host="another-host", heartbeat_at=T0 - timedelta(days=1))
        )
    store.acquire_lock("a", "sync", stale_after=timedelta(minutes=5))
    assert store.lock_holder("a").host != "another-host"


def test_a_lock_held_on_another_machine_is_respected_while_its_heartbeat_is_fresh(store):
    """A shared store (PostgreSQL) serves several machines: a pid unknown here says nothing
    about a run on another host; only its heartbeat does."""
    store.acquire_lock("a", "sync", stale_after=timedelta(minutes=5))
    with store.engine.begin() as connection:
        connection.execute(update(locks).values(pid=2**22 + 7, host="another-host"))
    with pytest.raises(LockHeldError, match="on another-host"):
        store.acquire_lock("a", "sync", stale_after=timedelta(minutes=5))
    store.heartbeat("a")  # this process does not hold it: the other host's beat is untouched
    store.release_lock("a")  # nor may it release it
    assert store.lock_holder("a").host == "another-host"


def test_a_journaled_write_is_committed_with_its_state_in_one_step(store):
    routing = RoutingState(weights={"pool": {"alex.kim@sandbox.example": 3}}, load={"a@x.io": 1})
    pending = PendingWrite(
        job="backfill",
        updates=[ContactUpdate(contact_id="7", changes={UpdatableField.SCORE: 12})],
        routing=routing,
        checkpoint=Checkpoint(
            cursor="c2", pages_done=2, records_done=200, total=None, started_at=T0
        ),
    )
    store.append_pending("a", [pending])
    assert store.pending("a") == pending
    assert store.pending("b") is None
    store.commit_pending(
        "a",
        pending,
        {"key-1": ("task-9", "7")},
        [AuditEntry(contact_id="7", kind="write", field="score", new_value=12)],
    )
    assert store.pending("a") is None
    assert store.routing_state("a") == routing
    assert store.checkpoint("a", "backfill").cursor == "c2"
    assert store.known_task_keys("a", ["key-1"]) == {"key-1": "task-9"}
    assert len(store.audit_entries("a")) == 1


def _page(number: int, contact_id: str, routing: RoutingState) -> PendingWrite:
    return PendingWrite(
        job="backfill",
        updates=[ContactUpdate(contact_id=contact_id, changes={UpdatableField.SCORE: number})],
        audit=[AuditEntry(contact_id=contact_id, kind="write", field="score", new_value=number)],
        routing=routing,
        checkpoint=Checkpoint(
            cursor=f"c{number}",
            pages_done=number,
            records_done=100 * number,
            total=None,
            started_at=T0,
        ),
        run_id=4,
    )


def test_journaled_pages_read_back_as_one_entry_with_the_newest_state(store):
    first = _page(1, "7", RoutingState(weights={"pool": {"a": 1}}))
    second = _page(2, "8", RoutingState(weights={"pool": {"a": 2}}))
    store.append_pending("a", [first])
    store.append_pending("a", [second])
    merged = store.pending("a")
    assert merged is not None
    assert [u.contact_id for u in merged.updates] == ["7", "8"]
    assert [e.contact_id for e in merged.audit] == ["7", "8"]
    assert merged.routing == second.routing  # decided after both pages
    assert merged.checkpoint is not None and merged.checkpoint.cursor == "c2"
    assert merged == first.followed_by(second)
    store.commit_pending("a", merged, {}, merged.audit)
    assert store.pending("a") is None
    assert store.checkpoint("a", "backfill").pages_done == 2
    with store.engine.begin() as connection:
        left = connection.execute(select(func.count()).select_from(write_journal)).scalar_one()
    assert left == 0


def test_a_pending_write_left_by_the_previous_release_is_carried_over(state_url):
    """A run of release 0002 killed mid-write left one pending row; the upgraded store must
    still hand it to the next run, and migrating down again merges the pages back into one."""
    path = state_url
    store = StateStore.open(path)
    with store.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0002")
    left = _page(1, "7", RoutingState(weights={"pool": {"a": 5}}))
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO pending_writes (account, job, payload, created_at) "
                "VALUES (:account, :job, :payload, :created_at)"
            ),
            {
                "account": "a",
                "job": "backfill",
                "payload": left.model_dump_json(),
                "created_at": T0.isoformat(),
            },
        )
    store.engine.dispose()
    upgraded = StateStore.open(path)
    assert upgraded.schema_revision() == StateStore.head_revision()
    assert upgraded.pending("a") == left
    upgraded.append_pending("a", [_page(2, "8", RoutingState())])
    with upgraded.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0002")
        pending_writes = table("pending_writes", column("account"), column("payload", JSON))
        payload = connection.execute(
            select(pending_writes.c.payload).where(pending_writes.c.account == "a")
        ).scalar_one()
    back = PendingWrite.model_validate(payload)
    assert [u.contact_id for u in back.updates] == ["7", "8"]
    assert back.checkpoint is not None and back.checkpoint.cursor == "c2"


def test_a_syncs_unapproved_pages_are_not_pending_until_approved(store):
    store.append_pending("a", [_page(1, "7", RoutingState())], approved=False)
    store.append_pending("a", [_page(2, "8", RoutingState())], approved=False)
    assert store.pending("a") is None  # not guarded yet: nothing a next run may replay
    closing = PendingWrite(job="sync", routing=RoutingState(), watermark=T0, run_id=4)
    store.approve_pending("a", closing)
    merged = store.pending("a")
    assert merged is not None
    assert [u.contact_id for u in merged.updates] == ["7", "8"]
    assert merged.watermark == T0


def test_only_unapproved_rows_are_discarded_when_asked(store):
    store.append_pending("a", [_page(1, "7", RoutingState())])
    store.append_pending("a", [_page(2, "8", RoutingState())], approved=False)
    assert store.discard_pending("a", unapproved_only=True) == 1
    merged = store.pending("a")
    assert merged is not None and [u.contact_id for u in merged.updates] == ["7"]
    assert store.discard_pending("a") == 1
    assert store.pending("a") is None


def test_the_journal_is_read_and_committed_in_chunks_of_whole_rows(store):
    for number in range(1, 6):
        store.append_pending("a", [_page(number, str(number), RoutingState())])
    chunks = list(store.pending_chunks("a", max_updates=2))
    assert [[u.contact_id for u in chunk.updates] for chunk, _ in chunks] == [
        ["1", "2"],
        ["3", "4"],
        ["5"],
    ]
    first, through = chunks[0]
    store.commit_pending("a", first, {}, first.audit, through)
    left = store.pending("a")
    assert left is not None and [u.contact_id for u in left.updates] == ["3", "4", "5"]
    assert store.checkpoint("a", "backfill").cursor == "c2"  # the committed chunk's own


def test_a_chunk_ends_only_where_a_page_ends(store):
    """A page is journaled as several rows (a slice of its people each); a chunk takes whole
    pages, so rows that are not a page's last never end one, however many updates they hold,
    and a page's rows are written and committed together."""
    for number in range(1, 4):
        rows = [_page(number, f"{number}-{part}", RoutingState()) for part in range(3)]
        for row in rows[:-1]:
            row.page_end, row.checkpoint = False, None
        store.append_pending("a", rows)
    chunks = list(store.pending_chunks("a", max_updates=1))
    assert [[u.contact_id for u in chunk.updates] for chunk, _ in chunks] == [
        ["1-0", "1-1", "1-2"],
        ["2-0", "2-1", "2-2"],
        ["3-0", "3-1", "3-2"],
    ]
    assert [chunk.checkpoint.cursor for chunk, _ in chunks] == ["c1", "c2", "c3"]
    assert all(chunk.page_end for chunk, _ in chunks)
    first, through = chunks[0]
    store.commit_pending("a", first, {}, first.audit, through)
    left = store.pending("a")
    assert left is not None and [u.contact_id for u in left.updates][:1] == ["2-0"]
    assert store.checkpoint("a", "backfill").cursor == "c1"


def test_field_marks_keep_the_last_value_per_person_and_field(store):
    from connector.sync.state import FieldMark

    store.save_marks(
        "a",
        [
            FieldMark(contact_id="1", field="owner_id", value="7"),
            FieldMark(contact_id="2", field="owner_id", value="8"),
            FieldMark(contact_id="1", field="lifecycle_stage", value="lead"),
        ],
        run_id=1,
    )
    store.save_marks("a", [FieldMark(contact_id="1", field="owner_id", value="9")], run_id=2)
    store.save_marks("b", [FieldMark(contact_id="1", field="owner_id", value="x")], run_id=3)
    assert store.field_marks("a", ["1", "2", "3"]) == {
        "1": {"owner_id": "9", "lifecycle_stage": "lead"},
        "2": {"owner_id": "8"},
    }
