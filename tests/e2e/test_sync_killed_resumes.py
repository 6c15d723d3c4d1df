"""Issue #19 item 5 from the command line: a `connector sync` killed with SIGKILL while it
reads keeps what it had decided, exactly as a sync that failed does; the next `connector sync`
reads only the others and leaves the CRM as one uninterrupted sync leaves a twin sandbox."""

import json
import signal
import time
from datetime import timedelta

import pytest

from connector.sandbox.seed.spec import DEFAULT_NOW
from connector.sync.state import StateStore
from tests.e2e.crm_runs import CrmUnderTest, start_crm

PEOPLE = 300
#: A watermark long before the seeded history: the sync after a long outage reads everybody.
LONG_AGO = DEFAULT_NOW - timedelta(days=3650)


def _crm(crm: str, tmp_path, name: str) -> tuple[CrmUnderTest, StateStore]:
    under_test = start_crm(crm, tmp_path / name, contacts=PEOPLE)
    # small pages on HubSpot, so the kill lands between decided pages
    under_test.env["HUBSPOT_SEARCH_PAGE_SIZE"] = "50"
    under_test.env["HUBSPOT_READ_AHEAD_RECORDS"] = "50"
    store = StateStore.open(under_test.state_url)
    store.set_watermark(crm, "contacts", LONG_AGO)
    return under_test, store


def _sync(under_test: CrmUnderTest) -> dict:
    result = under_test.connector("sync", "--json")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_sync_killed_mid_read_is_resumed_from_its_journal(crm, tmp_path):
    killed, store = _crm(crm, tmp_path, "killed")
    reference, _ = _crm(crm, tmp_path, "reference")
    try:
        process = killed.start("sync")
        while process.poll() is None and not list(store.unapproved_rows(crm)):
            time.sleep(0.005)  # until a first page is decided and journaled
        process.send_signal(signal.SIGKILL)
        process.wait()
        kept = {cid for row in store.unapproved_rows(crm) for cid in row.decided}
        assert 0 < len(kept) < PEOPLE, "the kill should land between the first page and the end"
        assert store.pending(crm) is None, "killed before its guard approved anything"

        resumed = _sync(killed)
        clean = _sync(reference)
        assert resumed["decisions_carried_over"] == len(kept)
        assert resumed["contacts_read"] == clean["contacts_read"] - len(kept)
        assert resumed["killed_runs"], "the killed run is closed as killed"
        after, expected = killed.snapshot(), reference.snapshot()
        assert after.people == expected.people
        assert after.task_keys == expected.task_keys
        assert max(after.task_keys.values(), default=1) == 1
    finally:
        killed.running.stop()
        reference.running.stop()
