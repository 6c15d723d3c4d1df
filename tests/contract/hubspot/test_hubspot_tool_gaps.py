"""What third-party taps (singer tap-hubspot, meltano, airbyte source-hubspot) call at start-up
and on every page: the custom object schemas list, and `associations=` naming object types the
portal lacks. Through the unmodified hubspot-api-client and plain requests."""

from __future__ import annotations

import pytest
import requests
from hubspot import HubSpot

from connector.sandbox.hubspot import HubSpotSandbox


def test_the_sdk_lists_no_custom_object_schemas(client: HubSpot) -> None:
    answer = client.crm.schemas.core_api.get_all()

    assert answer.results == []


@pytest.mark.parametrize("path", ["/crm/v3/schemas", "/crm-object-schemas/v3/schemas"])
def test_the_schemas_list_answers_200_with_a_results_list(
    sandbox: HubSpotSandbox, http: requests.Session, path: str
) -> None:
    live = http.get(f"{sandbox.url}{path}", timeout=10)
    archived = http.get(f"{sandbox.url}{path}", params={"archived": "true"}, timeout=10)

    assert (live.status_code, live.json()) == (200, {"results": []})
    assert (archived.status_code, archived.json()) == (200, {"results": []})


def test_the_schemas_list_needs_the_token(sandbox: HubSpotSandbox) -> None:
    answer = requests.get(f"{sandbox.url}/crm/v3/schemas", timeout=10)

    assert answer.status_code == 401


def test_unknown_association_types_are_ignored_on_list_and_read(client: HubSpot) -> None:
    with_companies = client.crm.contacts.basic_api.get_page(limit=20, associations=["companies"])
    mixed = client.crm.contacts.basic_api.get_page(
        limit=20, associations=["widgets", "companies", "p_unknown"]
    )

    def linked(page) -> dict[str, list[str]]:
        return {
            item.id: [a.id for a in item.associations["companies"].results]
            for item in page.results
            if item.associations
        }

    assert linked(with_companies)  # the seeded portal has contacts at companies
    assert linked(mixed) == linked(with_companies)

    contact = next(item for item in with_companies.results if item.associations)
    read = client.crm.contacts.basic_api.get_by_id(
        contact.id, associations=["nonexistent_type", "companies"]
    )
    assert read.associations is not None
    assert [a.id for a in read.associations["companies"].results] == [
        a.id for a in contact.associations["companies"].results
    ]
    only_unknown = client.crm.contacts.basic_api.get_by_id(contact.id, associations=["widgets"])
    assert only_unknown.associations is None
