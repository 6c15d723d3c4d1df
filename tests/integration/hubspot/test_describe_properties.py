"""Online validation of the mapped `properties` against the portal's property definitions (read
through the SDK): a property that does not exist, or whose HubSpot type cannot hold the declared
type, is reported; the shipped ones all exist with fitting types."""

import pytest

from connector.adapters.hubspot import check_mapping
from connector.domain.properties import PropertyType
from connector.mapping.crm_schema import MappedProperty
from tests.factories import DATASET


def _with(mapping, **properties: MappedProperty):
    contact = mapping.contact.model_copy(
        update={"properties": {**mapping.contact.properties, **properties}}
    )
    return mapping.model_copy(update={"contact": contact})


def test_shipped_properties_exist_with_fitting_types(adapter, mapping):
    assert mapping.contact.properties
    assert [p for p in adapter.check_mapping().problems if "property" in p] == []


@pytest.mark.skipif(not DATASET.is_file(), reason="x-education-leads.csv absent")
def test_missing_and_mistyped_properties_are_reported(make_sandbox, make_adapter, mapping):
    adapter = make_adapter(make_sandbox(contacts=50, dataset=DATASET))
    broken = _with(
        mapping,
        horoscope=MappedProperty(field="star_sign", type=PropertyType.PICKLIST),
        time_on_site=MappedProperty(field="time_on_site", type=PropertyType.DATE),
        lead_origin=MappedProperty(field="lead_origin", type=PropertyType.BOOL),
        occupation=MappedProperty(field="hs_analytics_num_visits", type=PropertyType.PICKLIST),
    )
    problems = check_mapping(broken, adapter.describe_fields())
    assert "contacts.star_sign (property horoscope) does not exist in the portal" in problems
    assert (
        "contacts.time_on_site (property time_on_site) has type 'number'; expected date or "
        "datetime" in problems
    )
    assert (
        "contacts.lead_origin (property lead_origin) is an enumeration with options ['API', "
        "'Landing Page Submission', 'Lead Add Form', 'Lead Import', 'Quick Add Form'], not a "
        "yes/no checkbox" in problems
    )
    assert (
        "contacts.hs_analytics_num_visits (property occupation) has type 'number'; expected "
        "enumeration" in problems
    )
