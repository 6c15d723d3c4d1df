"""Backfill, incremental sync, dry run, guard and lock — end to end through HTTP, with the
state on SQLite and on PostgreSQL."""

from datetime import timedelta
from math import ceil

import pytest

from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.routing import RoutingState
from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sync import engine as engine_module
from connector.sync.engine import RunOptions
from connector.sync.guard import ChangeLimit
from connector.sync.state import PendingWrite, StateStore

UPDATE = "POST /crm/v3/objects/contacts/batch/update"
CREATE_TASKS = "POST /crm/v3/objects/tasks/batch/create"


@pytest.fixture
def store(state_url) -> StateStore:
    """The folder's store, here once per backend (tests/postgres.py): the journal, the lock and
    the guard must behave the same on a shared PostgreSQL store as on a SQLite file."""
    return StateStore.open(state_url)


def test_backfill_writes_decisions_and_a_second_pass_changes_nothing(sandbox, store, make_engine):
    summary = make_engine(sandbox, store).backfill(RunOptions())
    assert summary.exit_code in (0, 1), summary.message
    assert summary.contacts_read == 400
    assert summary.updates_applied > 0
    assert summary.tasks_created > 0
    assert sum(summary.stage_changes.values()) > 0
    # Written once all four pages were journaled: full batches of 100, plus one batch
    # clearing the stage of the contacts that move back (recycled MQLs), not one per page.
    assert summary.pages_done == 4
    full_batches = ceil(summary.updates_applied / 100)
    assert full_batches <= sandbox.log.calls(UPDATE) <= full_batches + 1
    assert sandbox.log.calls(CREATE_TASKS) == ceil(summary.tasks_created / 100)
    assert store.pending("portal") is None
    assert store.watermark("portal", "contacts") is not None
    assert store.checkpoint("portal", "backfill") is None
    assert store.audit_entries("portal")
    tasks_written = sandbox.log.records_written(CREATE_TASKS)

    again = make_engine(sandbox, store).backfill(RunOptions())
    assert again.updates_planned == 0, again.plan
    assert again.tasks_created == 0
    assert sandbox.log.records_written(CREATE_TASKS) == tasks_written  # no duplicate task


def test_incremental_sync_with_nothing_changed_writes_nothing(sandbox, store, make_engine):
    make_engine(sandbox, store).backfill(RunOptions())
    sandbox.log.reset()
    summary = make_engine(sandbox, store).sync(RunOptions())
    assert summary.exit_code in (0, 1), summary.message
    assert summary.updates_applied == 0
    assert sandbox.log.calls(UPDATE) == 0
    assert sandbox.log.calls(CREATE_TASKS) == 0


def test_dry_run_plans_but_writes_nothing_to_the_crm_or_the_state(sandbox, store, make_engine):
    summary = make_engine(sandbox, store).backfill(RunOptions(dry_run=True))
    assert summary.updates_planned > 0
    assert len(summary.plan) == summary.updates_planned
    assert any(change.task is not None for change in summary.plan)
    assert sandbox.log.calls(UPDATE) == 0
    assert sandbox.log.calls(CREATE_TASKS) == 0
    assert store.last_runs("portal") == []
    assert store.watermark("portal", "contacts") is None


def test_change_limit_aborts_before_any_write_unless_forced(sandbox, store, make_engine):
    limited = RunOptions(max_changes=ChangeLimit.parse("1"))
    summary = make_engine(sandbox, store).sync(limited)
    assert summary.exit_code == 3
    assert "over the limit of 1" in summary.message
    assert sandbox.log.calls(UPDATE) == 0
    assert store.watermark("portal", "contacts") is None
    assert store.pending("portal") is None
    assert store.discard_pending("portal") == 0, "a refused plan must not stay journaled"
    forced = make_engine(sandbox, store).sync(limited.model_copy(update={"force": True}))
    assert forced.exit_code in (0, 1)
    assert sandbox.log.calls(UPDATE) > 0


def test_a_second_concurrent_run_exits_3(sandbox, store, make_engine):
    store.acquire_lock("portal", "sync", stale_after=timedelta(hours=1))
    summary = make_engine(sandbox, store).sync(RunOptions())
    assert summary.exit_code == 3
    assert "another run" in summary.message
    assert sandbox.log.calls(UPDATE) == 0


def _crm_state(sandbox: HubSpotSandbox, make_engine, store: StateStore) -> dict[str, object]:
    adapter = make_engine(sandbox, store).adapter
    contacts = {
        c.id: (c.score, c.grade, c.lifecycle_stage, c.owner_id) for c in adapter.iter_contacts(None)
    }
    return {"contacts": contacts, "tasks": sandbox.log.records_written(CREATE_TASKS)}


def test_buffering_pages_changes_the_calls_not_the_outcome(sandbox, tmp_path, make_engine):
    """Writing every page at once (a buffer of one update) and writing four pages together must
    leave identically seeded CRMs identical; only the number of write calls differs."""
    per_page_store = StateStore.open(str(tmp_path / "per-page.sqlite"))
    per_page = make_engine(sandbox, per_page_store).backfill(RunOptions(write_buffer_records=1))
    assert per_page.exit_code in (0, 1), per_page.message
    per_page_calls = sandbox.log.calls(UPDATE) + sandbox.log.calls(CREATE_TASKS)
    with HubSpotSandbox(SandboxConfig(contacts=400)) as twin:
        buffered_store = StateStore.open(str(tmp_path / "buffered.sqlite"))
        buffered = make_engine(twin, buffered_store).backfill(RunOptions())
        assert buffered.exit_code == per_page.exit_code
        assert buffered.updates_applied == per_page.updates_applied
        assert buffered.tasks_created == per_page.tasks_created
        assert _crm_state(twin, make_engine, buffered_store) == _crm_state(
            sandbox, make_engine, per_page_store
        )
        assert buffered_store.routing_state("portal") == per_page_store.routing_state("portal")
        assert len(buffered_store.audit_entries("portal")) == len(
            per_page_store.audit_entries("portal")
        )
        buffered_calls = twin.log.calls(UPDATE) + twin.log.calls(CREATE_TASKS)
    assert buffered_calls < per_page_calls


def test_a_sync_writes_its_journal_in_chunks_and_leaves_nothing_behind(sandbox, store, make_engine):
    summary = make_engine(sandbox, store).sync(RunOptions(write_buffer_records=100))
    assert summary.exit_code in (0, 1), summary.message
    assert summary.updates_applied == summary.updates_planned > 300
    assert sandbox.log.calls(UPDATE) >= 4  # at least one call per chunk of 100
    assert store.discard_pending("portal") == 0
    assert store.watermark("portal", "contacts") is not None
    again = make_engine(sandbox, store).sync(RunOptions())
    assert again.updates_planned == 0


def test_a_plan_no_guard_approved_is_never_replayed(sandbox, store, make_engine):
    """A sync killed after journaling pages but before its guard judged them: the next run
    drops those rows and decides afresh, rather than writing a possibly refused plan."""
    victim = next(iter(make_engine(sandbox, store).adapter.iter_contacts(None)))
    unguarded = PendingWrite(
        job="sync",
        updates=[ContactUpdate(contact_id=victim.id, changes={UpdatableField.SCORE: 999})],
        routing=RoutingState(),
    )
    store.append_pending("portal", [unguarded], approved=False)
    summary = make_engine(sandbox, store).sync(RunOptions())
    assert summary.exit_code in (0, 1), summary.message
    assert summary.recovered_updates == 0
    after = {c.id: c for c in make_engine(sandbox, store).adapter.iter_contacts(None)}
    assert after[victim.id].score != 999
    assert store.discard_pending("portal") == 0


def _journaled_rows(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many journal rows each page was journaled as, recorded as the store is called."""
    counts: list[int] = []
    append = store.append_pending

    def recording(account: str, rows: list[PendingWrite], **options: bool) -> None:
        counts.append(len(rows))
        append(account, rows, **options)

    monkeypatch.setattr(store, "append_pending", recording)
    return counts


def _audited(store: StateStore) -> list[dict[str, object]]:
    """Each person's audit trail in order (people by id), without when and by whom it was
    written: a page's rows are written together, so only whose entries come first may differ
    with the slice (a person's decision and holds stay together, in order)."""
    entries = [
        {k: v for k, v in entry.items() if k not in ("id", "at", "actor")}
        for entry in store.audit_entries("portal")
    ]
    return sorted(entries, key=lambda entry: str(entry["contact_id"]))


def test_deciding_a_page_in_slices_changes_nothing_the_crm_or_the_state_sees(
    sandbox, tmp_path, make_engine, monkeypatch
):
    """A page is decided and journaled a slice of people at a time (each slice's plans become
    a journal row and go): slices of 7 people must read, write and audit exactly what slices
    larger than a page do, each person's trail in the same order, with the same calls; the
    page's rows are journaled in one transaction, one row per slice."""
    whole_store = StateStore.open(str(tmp_path / "whole.sqlite"))
    whole_rows = _journaled_rows(whole_store, monkeypatch)
    whole = make_engine(sandbox, whole_store).backfill(RunOptions())
    assert whole.exit_code in (0, 1), whole.message
    assert whole_rows == [1] * 4  # four pages of 100, a row each
    monkeypatch.setattr(engine_module, "DECIDE_SLICE", 7)
    with HubSpotSandbox(SandboxConfig(contacts=400)) as twin:
        sliced_store = StateStore.open(str(tmp_path / "sliced.sqlite"))
        sliced_rows = _journaled_rows(sliced_store, monkeypatch)
        sliced = make_engine(twin, sliced_store).backfill(RunOptions())
        assert len(sliced_rows) == 4 and max(sliced_rows) == 15  # 100 people in slices of 7
        assert sliced.exit_code == whole.exit_code
        assert sliced.updates_applied == whole.updates_applied > 0
        assert sliced.tasks_created == whole.tasks_created > 0
        assert sliced.stage_changes == whole.stage_changes
        assert _crm_state(twin, make_engine, sliced_store) == _crm_state(
            sandbox, make_engine, whole_store
        )
        assert sliced_store.routing_state("portal") == whole_store.routing_state("portal")
        assert _audited(sliced_store) == _audited(whole_store)
        assert twin.log.calls_by_endpoint() == sandbox.log.calls_by_endpoint()
