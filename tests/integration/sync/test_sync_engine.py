"""Backfill, incremental sync, dry run, guard and lock — end to end through HTTP."""

from datetime import timedelta

from connector.sync.engine import RunOptions
from connector.sync.guard import ChangeLimit

UPDATE = "POST /crm/v3/objects/contacts/batch/update"
CREATE_TASKS = "POST /crm/v3/objects/tasks/batch/create"


def test_backfill_writes_decisions_and_a_second_pass_changes_nothing(sandbox, store, make_engine):
    summary = make_engine(sandbox, store).backfill(RunOptions())
    assert summary.exit_code in (0, 1), summary.message
    assert summary.contacts_read == 400
    assert summary.updates_applied > 0
    assert summary.tasks_created > 0
    assert sum(summary.stage_changes.values()) > 0
    # One batch per page of 100, plus the clearing request of pages with backward stage moves.
    assert summary.pages_done <= sandbox.log.calls(UPDATE) <= 2 * summary.pages_done
    assert store.watermark("portal", "contacts") is not None
    assert store.checkpoint("portal", "backfill") is None
    assert store.audit_count("portal") > 0
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
    forced = make_engine(sandbox, store).sync(limited.model_copy(update={"force": True}))
    assert forced.exit_code in (0, 1)
    assert sandbox.log.calls(UPDATE) > 0


def test_a_second_concurrent_run_exits_3(sandbox, store, make_engine):
    store.acquire_lock("portal", "sync", stale_after=timedelta(hours=1))
    summary = make_engine(sandbox, store).sync(RunOptions())
    assert summary.exit_code == 3
    assert "another run" in summary.message
    assert sandbox.log.calls(UPDATE) == 0
