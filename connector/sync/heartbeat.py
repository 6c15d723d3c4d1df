"""Keeps a run's lock alive while it works, whatever it is waiting for.

The lock of a run whose heartbeat is older than the stale-lock timeout is taken over, on the
assumption that its run was killed. A page loop's heartbeat is not enough: a write phase of
thousands of updates against a rate-limited CRM can outlast the timeout, and a second run would
then take the lock and write the same people. So a small thread beats for the whole run, a few
times per timeout, and stops with it (a killed process stops beating, as it should).
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from connector.sync.state import StateStore

log = logging.getLogger(__name__)


@contextmanager
def heartbeat(store: StateStore, account: str, stale_after: timedelta) -> Iterator[None]:
    """`with heartbeat(store, account, stale_after):` beats every quarter of `stale_after`."""
    every = max(stale_after.total_seconds() / 4, 0.05)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                store.heartbeat(account)
            except Exception:  # a busy store must not kill the run; the next beat retries
                log.warning("lock heartbeat failed; retrying", exc_info=False)

    thread = threading.Thread(target=beat, name="lock-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
