from datetime import UTC, datetime

import pytest

from connector.domain.contact import LeadSource
from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.stages import LifecycleStage, SalesStatus
from connector.mapping.loader import load_crm_mapping
from connector.mapping.translate import (
    PersonTranslator,
    RecordDataError,
    parse_bool,
    parse_datetime,
)
from tests.factories import MAPPINGS


@pytest.fixture(scope="module")
def hubspot() -> PersonTranslator:
    mapping = load_crm_mapping(MAPPINGS / "hubspot.yaml")
    return PersonTranslator(mapping.contact, mapping.company)


@pytest.fixture(scope="module")
def salesforce_lead() -> PersonTranslator:
    mapping = load_crm_mapping(MAPPINGS / "salesforce.yaml")
    return PersonTranslator(mapping.lead, mapping.account)


def test_hubspot_record_becomes_a_contact(hubspot):
    record = {
        "email": "dana@acme.example",
        "firstname": "Dana",
        "jobtitle": " VP Marketing ",
        "lifecyclestage": "marketingqualifiedlead",
        "connector_stage": "mql",
        "hs_lead_status": "IN_PROGRESS",
        "hs_analytics_source": "REFERRALS",
        "bant_budget": "true",
        "bant_need": "false",
        "bant_authority": "",
        "connector_score": "120",
        "createdate": "2026-03-01T10:00:00Z",
        "lastmodifieddate": "1767225600000",
    }
    person = hubspot.to_contact("501", record)
    assert person.id == "501"
    assert person.job_title == "VP Marketing"
    assert person.lifecycle_stage == LifecycleStage.MQL
    assert not person.stage_set_manually
    assert person.sales_status == SalesStatus.WORKING
    assert person.source == LeadSource.REFERRAL
    assert (person.bant.budget, person.bant.need, person.bant.authority) == (True, False, None)
    assert person.score == 120
    assert person.created_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert person.updated_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_stage_changed_by_a_person_is_detected(hubspot):
    record = {"lifecyclestage": "salesqualifiedlead", "connector_stage": "mql"}
    assert hubspot.to_contact("1", record).stage_set_manually
    never_claimed = {"lifecyclestage": "salesqualifiedlead"}
    assert not hubspot.to_contact("1", never_claimed).stage_set_manually


def test_unmapped_stage_is_a_record_error_not_a_guess(hubspot):
    with pytest.raises(RecordDataError, match=r"record 7: lifecycle_stage \(lifecyclestage\)"):
        hubspot.to_contact("7", {"lifecyclestage": "partner"})


def test_invalid_values_name_record_and_field(hubspot):
    with pytest.raises(RecordDataError, match=r"record 9: recycled_at \(connector_recycled_at\)"):
        hubspot.to_contact("9", {"connector_recycled_at": "last tuesday"})
    with pytest.raises(RecordDataError, match=r"bant_budget"):
        hubspot.to_contact("9", {"bant_budget": "maybe"})


def test_company_with_absurd_values_is_refused(hubspot):
    with pytest.raises(RecordDataError, match="is negative"):
        hubspot.to_company("c1", {"numberofemployees": "-5"})
    company = hubspot.to_company("c1", {"name": "Acme", "numberofemployees": "250.0"})
    assert company.employees == 250


def test_salesforce_formats_are_understood(salesforce_lead):
    record = {
        "Lifecycle_Stage__c": "SQL",
        "Connector_Stage__c": "sql",
        "Status": "Closed - Not Converted",
        "Budget_Confirmed__c": True,
        "Connector_Score__c": 42.0,
        "SystemModstamp": "2026-05-04T03:02:01.000+0000",
    }
    person = salesforce_lead.to_contact("00Q000000000001AAA", record)
    assert person.lifecycle_stage == LifecycleStage.SQL
    assert person.sales_status == SalesStatus.REJECTED
    assert person.bant.budget is True
    assert person.updated_at == datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)


def test_updates_use_the_first_mapped_value_and_stamp_the_marker(hubspot, salesforce_lead):
    update = ContactUpdate(
        contact_id="1",
        changes={
            UpdatableField.LIFECYCLE_STAGE: "mql",
            UpdatableField.SALES_STATUS: "working",
            UpdatableField.SCORE: 101,
        },
    )
    assert hubspot.to_crm(update) == {
        "lifecyclestage": "marketingqualifiedlead",
        "connector_stage": "mql",
        "hs_lead_status": "OPEN",
        "connector_score": 101,
    }
    assert salesforce_lead.to_crm(update)["Status"] == "Working - Contacted"


def test_read_fields_are_exactly_the_mapped_ones(hubspot):
    fields = hubspot.read_fields()
    assert "email" in fields and "connector_score" in fields
    assert len(fields) == len(set(fields))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05.000+0000", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T05:04:05+02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02", datetime(2026, 1, 2, tzinfo=UTC)),
        (1767225600000, datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime(raw, expected):
    assert parse_datetime(raw) == expected


def test_parse_bool_refuses_nonsense():
    assert parse_bool("Yes") is True
    with pytest.raises(ValueError):
        parse_bool("perhaps")


def test_industry_and_buying_role_become_the_shared_vocabulary(hubspot, salesforce_lead):
    """The same company and role, as each CRM holds them, read as the same domain terms."""
    hubspot_company = hubspot.to_company("1", {"industry": "FINANCIAL_SERVICES"})
    salesforce_company = salesforce_lead.to_company("lead:1", {"Industry": "Finance"})
    assert hubspot_company.industry == salesforce_company.industry == "finance"
    assert hubspot.to_contact("1", {"hs_buying_role": "BUDGET_HOLDER"}).decision_role == (
        "economic_buyer"
    )
    lead = salesforce_lead.to_contact(
        "00Q1", {"Industry": "technology", "Buying_Role__c": "Economic Buyer"}
    )
    assert (lead.industry, lead.decision_role) == ("technology", "economic_buyer")


def test_unlisted_industry_and_role_pass_through_as_the_crm_holds_them(hubspot, salesforce_lead):
    """Open vocabularies: a value no map lists (an org's own picklist value, a free-text answer)
    reaches the rules trimmed but otherwise unchanged, where it can still be matched."""
    person = hubspot.to_contact("1", {"industry": " Space Tourism ", "hs_buying_role": "Coach"})
    assert (person.industry, person.decision_role) == ("Space Tourism", "Coach")
    assert salesforce_lead.to_company("lead:1", {"Industry": "Fintech"}).industry == "Fintech"
    assert salesforce_lead.to_company("lead:1", {"Industry": "  "}).industry is None
