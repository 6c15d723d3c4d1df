"""The request log counts exactly: calls per endpoint, records read and written, statuses."""

from __future__ import annotations

import math

import pytest
import requests
from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectId,
)

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.catalogue import CONTACTS

LIST = "GET /crm/v3/objects/contacts"
READ = "POST /crm/v3/objects/contacts/batch/read"
UPDATE = "POST /crm/v3/objects/contacts/batch/update"
SEARCH = "POST /crm/v3/objects/contacts/search"


@pytest.mark.parametrize("contacts", [0, 1, 99, 100, 101, 250])
def test_paging_n_contacts_at_100_costs_ceil_n_over_100_calls(make_sandbox, contacts: int) -> None:
    sandbox: HubSpotSandbox = make_sandbox(contacts=contacts)
    client = HubSpot(access_token=sandbox.token, host=sandbox.url)

    found = client.crm.contacts.get_all()

    assert len(found) == contacts
    assert sandbox.log.calls(LIST) == max(1, math.ceil(contacts / 100))
    assert sandbox.log.calls() == sandbox.log.calls(LIST)
    assert sandbox.log.records_read(LIST) == contacts


def test_each_endpoint_is_counted_with_its_records(
    sandbox: HubSpotSandbox, client: HubSpot
) -> None:
    ids = [item.id for item in client.crm.contacts.basic_api.get_page(limit=30).results]
    client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            properties=["email"],
            properties_with_history=[],
            inputs=[SimplePublicObjectId(id=i) for i in [*ids[:20], "999999999"]],
        )
    )
    client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(id=i, properties={"jobtitle": "X"}) for i in ids[:7]
            ]
        )
    )
    client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=25))

    assert sandbox.log.calls_by_endpoint() == {LIST: 1, READ: 1, UPDATE: 1, SEARCH: 1}
    assert sandbox.log.records_read(LIST) == 30
    assert sandbox.log.records_read(READ) == 20
    assert sandbox.log.records_written(UPDATE) == 7
    assert sandbox.log.records_read(SEARCH) == 25
    assert sandbox.log.records_written() == 7
    assert sandbox.log.statuses() == {200: 3, 207: 1}


def test_rejected_and_unknown_requests_are_logged_too(sandbox: HubSpotSandbox) -> None:
    requests.get(f"{sandbox.url}/crm/v3/objects/contacts", timeout=5)  # no token
    requests.get(f"{sandbox.url}/no/such/api", timeout=5)

    assert sandbox.log.calls(LIST) == 1
    assert sandbox.log.calls("<unmatched>") == 1
    assert sandbox.log.statuses() == {401: 1, 404: 1}


def test_reset_counters_starts_afresh(sandbox: HubSpotSandbox, client: HubSpot) -> None:
    client.crm.contacts.basic_api.get_page()
    sandbox.reset_counters()

    client.crm.contacts.basic_api.get_page()

    assert sandbox.log.calls() == 1
    assert sandbox.store.table(CONTACTS).live > 0
