"""Mapped `properties` read from a CRM record into `Contact.properties`, parsed by their declared
type; the translator requests exactly the mapped fields and properties, and an unparseable value
skips the record with an error naming the property and the CRM field."""

from datetime import UTC, datetime

import pytest

from connector.domain.properties import PropertyType
from connector.mapping.crm_schema import MappedProperty
from connector.mapping.loader import load_crm_mapping
from connector.mapping.translate import PersonTranslator, RecordDataError
from tests.factories import MAPPINGS


@pytest.fixture(scope="module")
def hubspot() -> PersonTranslator:
    mapping = load_crm_mapping(MAPPINGS / "hubspot.yaml")
    contact = mapping.contact.model_copy(
        update={
            "properties": {
                **mapping.contact.properties,
                "last_seen": MappedProperty(field="last_seen_on", type=PropertyType.DATE),
            }
        }
    )
    return PersonTranslator(contact, mapping.company)


def test_properties_are_read_by_type_and_blanks_left_out(hubspot):
    record = {
        "email": "lead@example.com",
        "lifecyclestage": "lead",
        "time_on_site": "674",
        "hs_analytics_average_page_views": "2.5",
        "lead_origin": " Lead Add Form ",
        "do_not_call": "false",
        "hs_email_optout": "true",
        "last_seen_on": "2026-10-01",
        "occupation": "",
        "city": None,
    }
    person = hubspot.to_contact("1", record)
    assert person.properties == {
        "time_on_site": 674.0,
        "page_views_per_visit": 2.5,
        "lead_origin": "Lead Add Form",
        "do_not_call": False,
        "do_not_email": True,
        "last_seen": datetime(2026, 10, 1, tzinfo=UTC),
    }


def test_exactly_the_mapped_fields_and_properties_are_requested(hubspot):
    mapping = hubspot.mapping
    assert hubspot.read_fields() == sorted(
        {*mapping.fields.values(), *(p.field for p in mapping.properties.values())}
    )
    assert "last_seen_on" in hubspot.read_fields()


@pytest.mark.parametrize(
    ("field", "value", "name"),
    [
        ("time_on_site", "about ten minutes", "time_on_site"),
        ("do_not_call", "perhaps", "do_not_call"),
        ("last_seen_on", "last Tuesday", "last_seen"),
        ("time_on_site", "nan", "time_on_site"),
    ],
)
def test_an_unparseable_value_names_the_record_property_and_field(hubspot, field, value, name):
    with pytest.raises(RecordDataError) as caught:
        hubspot.to_contact("77", {"email": "x@example.com", "lifecyclestage": "lead", field: value})
    error = caught.value
    assert (error.record_id, error.field, error.crm_field) == ("77", f"properties.{name}", field)
    assert str(error).startswith(f"record 77: properties.{name} ({field}) has {value!r}")
