"""Keeps a run's lock alive while it works, whatever it is waiting for.

The lock of a run whose heartbeat is older than the stale-lock timeout is taken over, on the
assumption that its run was killed. A page loop's heartbeat is not enough: a write phase of
thousands of updates against a rate-limited CRM can outlast the timeout, and a second run would
then take the lock and write the same people. So a small thread beats for the whole run, a few
times per timeout, and stops with it (a killed process stops beating, as it should).
"""

import logging
import threading
from datetime import timedelta

from connector.sync.state import StateStore

log = logging.getLogger(__name__)


class Heartbeat:
    """`with Heartbeat(store, account, stale_after):` beats every quarter of `stale_after`."""

    def __init__(self, store: StateStore, account: str, stale_after: timedelta) -> None:
        self.store = store
        self.account = account
        self.every = max(stale_after.total_seconds() / 4, 0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="lock-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.store.heartbeat(self.account)
            except Exception:  # a busy store must not kill the run; the next beat retries
                log.warning("lock heartbeat failed; retrying", exc_info=False)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
