"""Against a real HubSpot portal, read-only: runs only when HUBSPOT_ACCESS_TOKEN is set (and
HUBSPOT_BASE_URL, if it is not the production API). Nothing here writes to the portal."""

from __future__ import annotations

import os
import re

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


# A mapping problem names the object and property it is about: "contacts.x (what) ...".
PROBLEM = re.compile(r"^\w+\.[\w.-]+ \(")


def test_live_schema_and_mapping(live):
    schema = live.describe_fields()
    # HubSpot-defined; its options are the portal's own since stages became customisable
    # (developers.hubspot.com changelog, "Customized lifecycle stages for contacts and
    # companies", 2022: read them through the Properties API), so only their presence holds.
    stage = schema.field("contacts", "lifecyclestage")
    assert stage is not None and not stage.custom
    assert stage.type == "enumeration" and stage.options
    assert schema.field("contacts", "email") is not None
    problems = live.check_mapping(schema).problems
    # Portals differ (the connector's own properties may not be provisioned yet), so problems
    # may be listed; each must say which property it is about, and none may call the stage
    # the schema above just showed to exist as an enumeration missing or mistyped (its options
    # may still lack a stage the mapping writes: that is the portal's, and reported).
    assert [p for p in problems if not PROBLEM.match(p)] == []
    stage_problems = [p for p in problems if p.startswith("contacts.lifecyclestage (")]
    assert [p for p in stage_problems if "does not exist" in p or "has type" in p] == []


def test_live_first_page_of_contacts_and_owners(live):
    page = next(iter(live.iter_contact_pages(None)), None)
    assert page is not None
    assert len(page.contacts) + len(page.skipped) <= live.settings.page_size
    assert live.usage.calls("GET /crm/v3/objects/contacts") == 1
    assert all(contact.id.isdigit() for contact in page.contacts)  # HubSpot record ids
    owners = live.list_owners()
    assert all(owner.id for owner in owners)
    assert len({owner.id for owner in owners}) == len(owners)
    assert live.count_contacts(None) >= len(page.contacts)
