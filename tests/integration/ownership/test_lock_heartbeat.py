"""A run's lock stays alive while it writes: a write phase that outlasts the stale-lock timeout
does not lose the lock to a second run (issue #19), on both CRMs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from connector.sync.state import LockHeldError
from tests.ownership_crms import Crm

STALE = timedelta(seconds=1)


def test_a_write_phase_longer_than_the_stale_timeout_keeps_its_lock(crm: Crm):
    second_run: list[BaseException | None] = []

    def slow_write_then_second_run(request) -> None:
        if crm.is_update(request) and not second_run:
            time.sleep(3 * STALE.total_seconds())  # the CRM is slow to answer this write
            try:
                crm.store.acquire_lock(crm.name, "sync", stale_after=STALE)
            except LockHeldError as exc:
                second_run.append(exc)
            else:
                second_run.append(None)

    remove = crm.app.on_request(slow_write_then_second_run)
    try:
        summary = crm.sync(stale_lock_after=STALE)
    finally:
        remove()
    assert summary.exit_code == 0, summary.message
    assert second_run, "the sync wrote to the CRM"
    assert isinstance(second_run[0], LockHeldError), "a second run took the lock over"
    assert crm.store.lock_holder(crm.name) is None  # released at the end


def test_without_the_heartbeat_the_lock_would_look_stale(crm: Crm):
    """The same wait with nobody beating makes the lock stale: what the test above guards."""
    crm.store.acquire_lock(crm.name, "sync", stale_after=STALE)
    time.sleep(3 * STALE.total_seconds())
    crm.store.acquire_lock(crm.name, "other", stale_after=STALE)  # taken over, no error
    with pytest.raises(LockHeldError):
        crm.store.acquire_lock(crm.name, "third", stale_after=timedelta(hours=1))
