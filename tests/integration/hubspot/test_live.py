"""Against a real HubSpot portal, read-only: runs only when HUBSPOT_ACCESS_TOKEN is set (and
HUBSPOT_BASE_URL, if it is not the production API). Nothing here writes to the portal."""

from __future__ import annotations

import os

import pytest

from connector.adapters.hubspot import HubSpotAdapter, HubSpotSettings

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("HUBSPOT_ACCESS_TOKEN"), reason="HUBSPOT_ACCESS_TOKEN is not set"
    ),
]


@pytest.fixture
def live(mapping) -> HubSpotAdapter:
    return HubSpotAdapter(HubSpotSettings(_env_file=None), mapping)


def test_live_schema_and_mapping(live):
    schema = live.describe_fields()
    assert schema.field("contacts", "lifecyclestage") is not None
    problems = live.check_mapping(schema).problems
    assert isinstance(problems, list)  # reported, not asserted: portals differ


def test_live_first_page_of_contacts_and_owners(live):
    page = next(iter(live.iter_contact_pages(None)), None)
    assert page is not None
    assert len(page.contacts) + len(page.skipped) <= live.settings.page_size
    assert live.usage.calls("GET /crm/v3/objects/contacts") == 1
    assert isinstance(live.list_owners(), list)
    assert live.count_contacts(None) >= len(page.contacts)
