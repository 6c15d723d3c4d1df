"""A 100,000-contact sandbox starts in reasonable time and pages through completely via the SDK.

Timings are printed (run with -s to see them) and bounded generously so a slow CI box passes
while a quadratic regression (e.g. an O(N) scan per page) does not.
"""

from __future__ import annotations

import time

from hubspot import HubSpot

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox

CONTACTS = 100_000
LIST = "GET /crm/v3/objects/contacts"


def test_a_100k_contact_sandbox_pages_through_completely() -> None:
    began = time.perf_counter()
    with HubSpotSandbox(SandboxConfig(contacts=CONTACTS, keep_log_entries=0)) as sandbox:
        started = time.perf_counter() - began
        client = HubSpot(access_token=sandbox.token, host=sandbox.url)

        began = time.perf_counter()
        contacts = client.crm.contacts.get_all(properties=["email", "lifecyclestage"])
        paged = time.perf_counter() - began

        print(f"\n100k sandbox: seeded and started in {started:.1f}s, paged in {paged:.1f}s")
        assert len(contacts) == CONTACTS
        assert len({contact.id for contact in contacts}) == CONTACTS
        assert sandbox.log.calls(LIST) == CONTACTS // 100
        assert sandbox.log.records_read(LIST) == CONTACTS
        assert started < 60
        assert paged < 60
