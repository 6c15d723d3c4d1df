"""HubSpot answers read without the SDK's models (hubspot/raw.py): the shapes of the CRM API v3
objects reference, its timestamps, and a 207 batch answer's errors; and the echo digest, whose
one-update form must give exactly the digest fingerprints already stored in portals hold."""

import hashlib
from datetime import UTC, datetime

import pytest

from connector.adapters.hubspot import raw
from connector.adapters.hubspot.echo import DIGEST_VERSION, EchoFilter, _normal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-02T10:00:00.123Z", datetime(2026, 11, 2, 10, 0, 0, 123000, tzinfo=UTC)),
        ("2026-11-02T10:00:00Z", datetime(2026, 11, 2, 10, tzinfo=UTC)),
        ("2026-11-02T10:00:00.5+01:00", datetime(2026, 11, 2, 9, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps_read_as_aware_datetimes(text: str, expected: datetime) -> None:
    moment = raw.timestamp(text)
    assert moment == expected
    assert moment is not None and moment.tzinfo is not None


@pytest.mark.parametrize("text", [None, "", "yesterday", "2026-13-45T00:00:00Z", 1700000000])
def test_a_missing_or_unreadable_timestamp_is_none(text: object) -> None:
    assert raw.timestamp(text) is None


def test_a_list_page_keeps_records_associations_and_cursor() -> None:
    answer = {
        "results": [
            {
                "id": "51",
                "properties": {"email": "a@example.com", "hs_object_id": "51"},
                "createdAt": "2026-01-02T03:04:05.678Z",
                "updatedAt": "2026-11-02T10:00:00.123Z",
                "archived": False,
                "associations": {
                    "companies": {
                        "results": [{"id": "7", "type": "contact_to_company"}],
                    },
                    "deals": {
                        "results": [{"id": "9", "type": "contact_to_deal"}],
                        "paging": {"next": {"after": "MTA="}},
                    },
                },
            }
        ],
        "paging": {"next": {"after": "52", "link": "?after=52"}},
    }
    page = raw.page(answer)
    assert page.after == "52"
    assert page.total is None and page.errors == []
    (record,) = page.results
    assert record.id == "51"
    assert record.properties == {"email": "a@example.com", "hs_object_id": "51"}
    assert record.created_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert record.updated_at == datetime(2026, 11, 2, 10, 0, 0, 123000, tzinfo=UTC)
    assert record.archived_at is None
    companies, deals = record.associations["companies"], record.associations["deals"]
    assert [(a.id, a.type) for a in companies.results] == [("7", "contact_to_company")]
    assert companies.more is False
    assert deals.more is True  # the rest must come from the v4 association batch read


def test_a_search_page_has_its_total_and_the_last_page_no_cursor() -> None:
    page = raw.page({"total": 3, "results": [{"id": "1", "properties": {}}]})
    assert page.total == 3
    assert page.after is None
    assert page.results[0].properties == {}


def test_a_207_answer_keeps_each_error_with_its_ids_and_property() -> None:
    answer = {
        "status": "COMPLETE",
        "results": [{"id": "1", "properties": {"lifecyclestage": "lead"}}],
        "errors": [
            {
                "status": "error",
                "category": "VALIDATION_ERROR",
                "message": "Property values were not valid",
                "context": {"ids": ["2"]},
                "errors": [
                    {"message": "bad owner", "context": {"propertyName": ["hubspot_owner_id"]}}
                ],
            }
        ],
    }
    page = raw.page(answer)
    assert [r.id for r in page.results] == ["1"]
    (error,) = page.errors
    assert error.category == "VALIDATION_ERROR"
    assert error.context == {"ids": ["2"]}
    assert [(d.message, d.context) for d in error.errors] == [
        ("bad owner", {"propertyName": ["hubspot_owner_id"]})
    ]


def test_the_echo_digest_is_the_one_stored_fingerprints_were_made_with() -> None:
    """The digest was computed with one hash update per name, separator and value; a
    fingerprint already written to a portal must still match what is read back."""
    echo = EchoFilter(
        client=None,  # type: ignore[arg-type]  # never asked for anything here
        property_name="connector_fingerprint",
        read_names=["email", "jobtitle", "hs_lead_status", "city"],
        written_names=[],
        excluded=[],
        capacity=1,
    )
    properties = {"email": "é@example.com", "jobtitle": None, "hs_lead_status": "NEW", "city": 3}
    previous = hashlib.blake2b(DIGEST_VERSION, digest_size=16)
    for name in echo.rest:
        previous.update(name.encode())
        previous.update(b"\x00")
        previous.update(_normal(properties.get(name)).encode())
        previous.update(b"\x01")
    assert echo._rest_digest(properties) == previous.digest()
    changed = {**properties, "city": "4"}
    assert echo._rest_digest(changed) != previous.digest()


def test_a_search_filter_is_the_json_of_the_sdk_model() -> None:
    """Search requests are sent as JSON instead of SDK models; a filter must serialize exactly as
    the SDK's `Filter` would."""
    from hubspot.crm.objects import Filter
    from hubspot.crm.objects.api_client import ApiClient

    from connector.adapters.hubspot.query import where

    model = Filter(property_name="lastmodifieddate", operator="GTE", value="1700000000000")
    assert where("lastmodifieddate", "GTE", "1700000000000") == (
        ApiClient().sanitize_for_serialization(model)
    )
