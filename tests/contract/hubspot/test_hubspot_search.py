"""CRM search through the SDK: every operator, sorting, limits, the 10,000-result cap, and the
refusal of what the sandbox does not emulate (free-text query, association filters)."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import ApiException, PublicObjectSearchRequest

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.catalogue import CONTACTS
from connector.sandbox.hubspot.values import parse_datetime_ms


def search(client: HubSpot, *filters: dict, **options) -> object:
    groups = [{"filters": list(filters)}] if filters else []
    request = PublicObjectSearchRequest(filter_groups=groups, **options)
    return client.crm.contacts.search_api.do_search(request)


def everything(client: HubSpot, *filters: dict, properties: list[str]) -> list:
    """All matching contacts, following `paging.next.after`."""
    found, after = [], None
    while True:
        page = search(client, *filters, properties=properties, limit=200, after=after)
        found.extend(page.results)
        if page.paging is None:
            return found
        after = page.paging.next.after


def stored(sandbox: HubSpotSandbox, name: str) -> list[tuple[str, object]]:
    """(id, stored value) of every live contact, read from the store for expectations."""
    table = sandbox.store.table(CONTACTS)
    return [
        (str(table.ids[row]), table.get(row, name))
        for row in range(len(table))
        if not table.is_archived(row)
    ]


def ids(results: list) -> set[str]:
    return {item.id for item in results}


def test_eq_matches_case_insensitively(sandbox, client: HubSpot) -> None:
    expected = {i for i, value in stored(sandbox, "lifecyclestage") if value == "lead"}

    found = everything(
        client,
        {"propertyName": "lifecyclestage", "operator": "EQ", "value": "LEAD"},
        properties=["lifecyclestage"],
    )

    assert ids(found) == expected
    assert all(item.properties["lifecyclestage"] == "lead" for item in found)


def test_neq_includes_records_without_a_value(sandbox, client: HubSpot) -> None:
    expected = {i for i, value in stored(sandbox, "hs_lead_status") if value != "NEW"}

    found = everything(
        client,
        {"propertyName": "hs_lead_status", "operator": "NEQ", "value": "NEW"},
        properties=[],
    )

    assert ids(found) == expected


@pytest.mark.parametrize(
    ("operator", "check"),
    [
        ("GT", lambda value, bound: value > bound),
        ("GTE", lambda value, bound: value >= bound),
        ("LT", lambda value, bound: value < bound),
        ("LTE", lambda value, bound: value <= bound),
    ],
)
def test_numeric_comparisons(sandbox, client: HubSpot, operator: str, check) -> None:
    values = stored(sandbox, "hs_analytics_num_page_views")
    expected = {i for i, value in values if value is not None and check(float(value), 10)}

    found = everything(
        client,
        {"propertyName": "hs_analytics_num_page_views", "operator": operator, "value": "10"},
        properties=[],
    )

    assert ids(found) == expected
    assert expected  # the seed spreads page views around 10


def test_datetime_comparison_takes_epoch_ms_and_iso(sandbox, client: HubSpot) -> None:
    bound = "2026-09-01T00:00:00Z"
    bound_ms = parse_datetime_ms(bound)
    expected = {i for i, value in stored(sandbox, "createdate") if value >= bound_ms}

    iso = everything(
        client, {"propertyName": "createdate", "operator": "GTE", "value": bound}, properties=[]
    )
    epoch = everything(
        client,
        {"propertyName": "createdate", "operator": "GTE", "value": str(bound_ms)},
        properties=[],
    )

    assert ids(iso) == ids(epoch) == expected


def test_between_is_inclusive(sandbox, client: HubSpot) -> None:
    values = stored(sandbox, "hs_email_open")
    expected = {i for i, value in values if value is not None and 2 <= float(value) <= 5}

    found = everything(
        client,
        {"propertyName": "hs_email_open", "operator": "BETWEEN", "value": "2", "highValue": "5"},
        properties=[],
    )

    assert ids(found) == expected


def test_in_and_not_in(sandbox, client: HubSpot) -> None:
    values = stored(sandbox, "lifecyclestage")
    wanted = {"customer", "evangelist"}

    inside = everything(
        client,
        {"propertyName": "lifecyclestage", "operator": "IN", "values": sorted(wanted)},
        properties=[],
    )
    outside = everything(
        client,
        {"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": sorted(wanted)},
        properties=[],
    )

    assert ids(inside) == {i for i, value in values if value in wanted}
    assert ids(outside) == {i for i, value in values if value not in wanted}


def test_has_property_and_not_has_property(sandbox, client: HubSpot) -> None:
    values = stored(sandbox, "hubspot_owner_id")

    has = everything(
        client, {"propertyName": "hubspot_owner_id", "operator": "HAS_PROPERTY"}, properties=[]
    )
    lacks = everything(
        client, {"propertyName": "hubspot_owner_id", "operator": "NOT_HAS_PROPERTY"}, properties=[]
    )

    assert ids(has) == {i for i, value in values if value is not None}
    assert ids(lacks) == {i for i, value in values if value is None}
    assert has and lacks


def test_filters_in_a_group_are_anded_and_groups_ored(sandbox, client: HubSpot) -> None:
    stages = dict(stored(sandbox, "lifecyclestage"))
    owners = dict(stored(sandbox, "hubspot_owner_id"))
    request = PublicObjectSearchRequest(
        filter_groups=[
            {
                "filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"},
                    {"propertyName": "hubspot_owner_id", "operator": "HAS_PROPERTY"},
                ]
            },
            {
                "filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}
                ]
            },
        ],
        limit=200,
    )

    answer = client.crm.contacts.search_api.do_search(request)

    expected = {
        i
        for i in stages
        if (stages[i] == "lead" and owners[i] is not None) or stages[i] == "customer"
    }
    assert answer.total == len(expected)
    assert ids(answer.results) == expected


def test_sorts_ascending_and_descending(client: HubSpot) -> None:
    filters = {"propertyName": "hs_analytics_num_page_views", "operator": "HAS_PROPERTY"}

    ascending = search(
        client,
        filters,
        sorts=[{"propertyName": "hs_analytics_num_page_views", "direction": "ASCENDING"}],
        properties=["hs_analytics_num_page_views"],
        limit=100,
    )
    descending = search(
        client,
        filters,
        sorts=[{"propertyName": "hs_analytics_num_page_views", "direction": "DESCENDING"}],
        properties=["hs_analytics_num_page_views"],
        limit=100,
    )

    up = [float(item.properties["hs_analytics_num_page_views"]) for item in ascending.results]
    down = [float(item.properties["hs_analytics_num_page_views"]) for item in descending.results]
    assert up == sorted(up)
    assert down == sorted(down, reverse=True)
    assert up[0] < down[0]


def test_sort_by_modified_date_descending(client: HubSpot) -> None:
    answer = search(
        client,
        sorts=[{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}],
        properties=["lastmodifieddate"],
        limit=50,
    )

    stamps = [item.properties["lastmodifieddate"] for item in answer.results]
    assert stamps == sorted(stamps, reverse=True)


def test_limit_above_200_is_rejected_and_default_is_10(client: HubSpot) -> None:
    assert len(search(client).results) == 10

    with pytest.raises(ApiException) as failure:
        search(client, limit=201)

    assert failure.value.status == 400
    assert json.loads(failure.value.body)["category"] == "VALIDATION_ERROR"


EQ_1 = {"operator": "EQ", "value": "1"}


@pytest.mark.parametrize(
    "options",
    [
        {"query": "example.com"},
        {"filter_groups": [{"filters": [{"propertyName": "associations.company", **EQ_1}]}]},
    ],
)
def test_free_text_query_and_association_filters_are_refused(client: HubSpot, options) -> None:
    with pytest.raises(ApiException) as failure:
        client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(**options))

    assert failure.value.status == 400
    assert json.loads(failure.value.body)["category"] == "VALIDATION_ERROR"


def test_search_results_stop_at_10000(make_sandbox) -> None:
    sandbox = make_sandbox(contacts=10_050)
    client = HubSpot(access_token=sandbox.token, host=sandbox.url)

    page = search(client, limit=200, after="9800")
    assert page.total == sandbox.store.table(CONTACTS).live > 10_000
    assert len(page.results) == 200
    assert page.paging.next.after == "10000"

    with pytest.raises(ApiException) as failure:
        search(client, limit=200, after="10000")
    assert failure.value.status == 400
    assert json.loads(failure.value.body)["category"] == "VALIDATION_ERROR"

    near_the_end = search(client, limit=200, after="9900")
    assert len(near_the_end.results) == 100  # never past the 10,000th result


def test_paging_a_search_to_its_end(sandbox, client: HubSpot) -> None:
    found = everything(client, properties=["email"])

    assert len(found) == sandbox.store.table(CONTACTS).live
    assert len(ids(found)) == len(found)
