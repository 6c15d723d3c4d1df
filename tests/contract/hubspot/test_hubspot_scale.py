"""A large sandbox pages through completely via the SDK: every contact once, in exactly one list
call per 100. Timings are printed (run with -s) but not bounded here: on a shared machine a wall-
clock bound fails for reasons of its own; bench/ measures time, this test the behaviour.
"""

from __future__ import annotations

import time

from hubspot import HubSpot

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox

CONTACTS = 20_000
LIST = "GET /crm/v3/objects/contacts"


def test_a_large_sandbox_pages_through_completely() -> None:
    began = time.perf_counter()
    with HubSpotSandbox(SandboxConfig(contacts=CONTACTS, keep_log_entries=0)) as sandbox:
        started = time.perf_counter() - began
        client = HubSpot(access_token=sandbox.token, host=sandbox.url)

        began = time.perf_counter()
        contacts = client.crm.contacts.get_all(properties=["email", "lifecyclestage"])
        paged = time.perf_counter() - began

        print(
            f"\n{CONTACTS:,} contacts: seeded and started in {started:.1f}s, paged in {paged:.1f}s"
        )
        assert len(contacts) == CONTACTS
        assert len({contact.id for contact in contacts}) == CONTACTS
        assert sandbox.log.calls(LIST) == CONTACTS // 100
        assert sandbox.log.records_read(LIST) == CONTACTS
