"""Read-only checks against a real org, run only when its credentials are configured
(SALESFORCE_* in the environment or .env, see .env.example); skipped otherwise. Nothing here
writes to the org."""

from __future__ import annotations

import itertools

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


def test_live_mapping_checks_run(live):
    problems = live.check_mapping().problems
    assert isinstance(problems, list)
    print("\n".join(problems) or "mapping matches the org")


def test_live_first_page_and_owners(live):
    assert (live.count_contacts(None) or 0) >= 0
    page = next(iter(live.iter_contact_pages(None)), None)
    if page is not None:
        assert all(c.id[:3] in ("00Q", "003") for c in page.contacts)
        engagement = list(
            itertools.islice(live.iter_engagements([c.id for c in page.contacts[:200]]), 1000)
        )
        assert all(e.contact_id[:3] in ("00Q", "003") for e in engagement)
    assert live.list_owners()
    assert live.usage.calls() > 0
