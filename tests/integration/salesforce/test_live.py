"""Read-only checks against a real org, run only when its credentials are configured
(SALESFORCE_* in the environment or .env, see .env.example); skipped otherwise. Nothing here
writes to the org."""

from __future__ import annotations

import itertools
import re

import pytest
from pydantic import ValidationError

from connector.adapters.salesforce import SalesforceAdapter, SalesforceSettings

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live(mapping) -> SalesforceAdapter:
    try:
        settings = SalesforceSettings()
    except ValidationError:
        pytest.skip("no Salesforce credentials configured (SALESFORCE_CLIENT_ID, ...)")
    if not settings.client_id:
        pytest.skip("no Salesforce credentials configured")
    return SalesforceAdapter(settings, mapping)


# A mapping problem names the object (and field) it is about: "Lead.X (what): ...".
PROBLEM = re.compile(r"^\w+(\.\w+ \(|: )")


def test_live_mapping_checks_run(live):
    schema = live.describe_fields()
    for crm_object in ("Lead", "Contact"):
        email = schema.field(crm_object, "Email")
        assert email is not None and not email.custom, crm_object
    status = schema.field("Lead", "Status")
    assert status is not None and status.options  # a picklist the org fills in
    problems = live.check_mapping(schema).problems
    # Orgs differ (custom fields may not exist yet), so problems may be listed; each must say
    # what it is about, and none may be about the standard Email fields found above.
    assert [p for p in problems if not PROBLEM.match(p)] == []
    assert [p for p in problems if p.startswith(("Lead.Email (", "Contact.Email ("))] == []
    print("\n".join(problems) or "mapping matches the org")


def test_live_first_page_and_owners(live):
    page = next(iter(live.iter_contact_pages(None)), None)
    if page is not None:
        assert all(c.id[:3] in ("00Q", "003") for c in page.contacts)
        assert (live.count_contacts(None) or 0) >= len(page.contacts)
        engagement = list(
            itertools.islice(live.iter_engagements([c.id for c in page.contacts[:200]]), 1000)
        )
        ids = {c.id for c in page.contacts[:200]}
        assert all(e.contact_id in ids for e in engagement)
    owners = live.list_owners()
    assert owners  # standard users: an org has at least one, its administrator
    assert len({owner.id for owner in owners}) == len(owners)
    assert all(owner.id[:3] == "005" for owner in owners)  # User ids
    assert live.usage.calls() > 0
