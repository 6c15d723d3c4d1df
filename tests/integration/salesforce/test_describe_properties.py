"""Online validation of the mapped `properties` against the org's describe (read through
simple-salesforce), on Lead and Contact: a field that does not exist, or whose type cannot hold
the declared type, is reported; the shipped ones all exist with fitting types."""

from connector.adapters.salesforce.describe import check_mapping
from connector.domain.properties import PropertyType
from connector.mapping.crm_schema import MappedProperty


def test_shipped_properties_exist_with_fitting_types(adapter, mapping):
    assert mapping.lead.properties and mapping.contact.properties
    assert [p for p in adapter.check_mapping().problems if "property" in p] == []


def test_missing_and_mistyped_fields_are_reported_per_object(adapter, mapping):
    lead = mapping.lead.model_copy(
        update={
            "properties": {
                **mapping.lead.properties,
                "horoscope": MappedProperty(field="Star_Sign__c", type=PropertyType.PICKLIST),
                "time_on_site": MappedProperty(field="Time_On_Site__c", type=PropertyType.BOOL),
            }
        }
    )
    contact = mapping.contact.model_copy(
        update={
            "properties": {
                **mapping.contact.properties,
                "city": MappedProperty(field="City", type=PropertyType.TEXT),  # Lead's name
            }
        }
    )
    broken = mapping.model_copy(update={"lead": lead, "contact": contact})
    problems = check_mapping(broken, adapter.describe_fields())
    assert "Lead.Star_Sign__c (property horoscope): no such field on Lead" in problems
    assert (
        "Lead.Time_On_Site__c (property time_on_site): is a double field; expected one of "
        "boolean" in problems
    )
    assert "Contact.City (property city): no such field on Contact" in problems
