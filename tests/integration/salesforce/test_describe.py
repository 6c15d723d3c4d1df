"""The org's schema from sObject describe, the mapping checks against it, and the list of
custom fields an admin must create."""

from __future__ import annotations

from connector.adapters.salesforce import endpoints as sf
from connector.adapters.salesforce.describe import check_mapping, instructions, provision
from connector.domain.contact import LeadSource
from connector.domain.engagement import EngagementKind
from connector.mapping.crm_schema import ContactField, SalesforceCounter


def test_describe_costs_one_call_per_object(sandbox, adapter, counts):
    schema = adapter.describe_fields()

    assert sorted(schema.objects) == [
        "Account",
        "Campaign",
        "CampaignMember",
        "Contact",
        "Event",
        "Lead",
        "Task",
    ]
    assert counts.calls(adapter)[sf.DESCRIBE] == 7
    counts.assert_exact(adapter, sandbox)
    stage = schema.field("Lead", "Lifecycle_Stage__c")
    assert stage is not None and stage.type == "picklist" and "MQL" in stage.options
    assert stage.custom and stage.writable
    assert not schema.field("Lead", "CreatedDate").writable


def test_the_shipped_mapping_against_the_sandbox_org(adapter):
    assert adapter.check_mapping().problems == []


def test_unknown_mistyped_and_unwritable_fields_and_missing_values(adapter, mapping):
    lead = mapping.lead
    broken_lead = lead.model_copy(
        update={
            "fields": {
                **lead.fields,
                ContactField.JOB_TITLE: "Titel",
                ContactField.SCORE: "Email",
                ContactField.GRADE: "Connector_Grade",
                ContactField.RECYCLED_AT: "CreatedDate",
            },
            "values": lead.values.model_copy(
                update={
                    "source": {**lead.values.source, LeadSource.PAID_SOCIAL: ("Paid Social Ads",)}
                }
            ),
        }
    )
    broken = mapping.model_copy(update={"lead": broken_lead})

    problems = check_mapping(broken, adapter.describe_fields())

    assert "Lead.Titel (job_title): no such field on Lead" in problems
    assert any(
        p.startswith("Lead.Email (score): is a email field; expected one of") for p in problems
    )
    assert (
        "Lead.Connector_Grade (grade): no such field on Lead (custom fields end in __c)" in problems
    )
    assert any(
        p.startswith("Lead.CreatedDate (recycled_at): the connector writes it") for p in problems
    )
    assert (
        "Lead.LeadSource (source paid_social): picklist value 'Paid Social Ads' does not exist, "
        "and it is the value the connector writes" in problems
    )


def test_counter_fields_must_be_numbers_on_lead_and_contact(adapter, mapping):
    """`engagement.counters` read a count off the person: a missing or non-number field is
    named per object, before a read would fail on it or count text."""
    engagement = mapping.engagement
    counters = (
        SalesforceCounter(
            kind=EngagementKind.WEBSITE_VISIT, count="Web_Visits__c", status="Visited"
        ),
        SalesforceCounter(
            kind=EngagementKind.PAGE_VIEW, count="Total_Visits__c", times="Email", status="Visited"
        ),
    )
    broken = mapping.model_copy(
        update={"engagement": engagement.model_copy(update={"counters": counters})}
    )

    problems = check_mapping(broken, adapter.describe_fields())

    for person in ("Lead", "Contact"):
        assert (
            f"{person}.Web_Visits__c (counter website_visit): no such field on {person}" in problems
        )
        assert any(
            p.startswith(f"{person}.Email (counter page_view): is a email field; expected one of")
            for p in problems
        )
    assert not [p for p in problems if "Total_Visits__c" in p]
    assert not [p for p in check_mapping(mapping, adapter.describe_fields()) if "counter" in p]


def test_the_shipped_industry_and_buying_role_maps_cover_every_picklist_value(adapter, mapping):
    """Every value of the org's Industry picklist (shared by Lead and Account) and of the buying
    role means a shared term, so no Salesforce value reaches the rules in its own words."""
    schema = adapter.describe_fields()
    values = mapping.lead.values
    for crm_object, name, value_map in (
        ("Lead", "Industry", values.industry),
        ("Account", "Industry", values.industry),
        ("Lead", "Buying_Role__c", values.decision_role),
        ("Contact", "Buying_Role__c", values.decision_role),
    ):
        found = schema.field(crm_object, name)
        assert found is not None and found.type == "picklist"
        listed = [value for crm_values in value_map.values() for value in crm_values]
        assert sorted(listed) == sorted(found.options), f"{crm_object}.{name}"


def test_industry_values_missing_from_the_picklist_are_found_on_lead_and_account(adapter, mapping):
    values = mapping.lead.values
    broken_values = values.model_copy(
        update={"industry": {**values.industry, "fintech": ("Fintech",)}}
    )
    broken = mapping.model_copy(
        update={
            "lead": mapping.lead.model_copy(update={"values": broken_values}),
            "contact": mapping.contact.model_copy(update={"values": broken_values}),
        }
    )

    problems = check_mapping(broken, adapter.describe_fields())

    # Read only, never written: no "value the connector writes". Contact has no Industry.
    assert problems == [
        "Lead.Industry (industry fintech): picklist value 'Fintech' does not exist",
        "Account.Industry (account industry fintech): picklist value 'Fintech' does not exist",
    ]


def test_provisioning_lists_the_missing_custom_fields(make_sandbox, make_adapter):
    sandbox = make_sandbox(contacts=10, provision_connector_fields=False)
    adapter = make_adapter(sandbox)
    schema = adapter.describe_fields()

    plan = provision(adapter.mapping, schema)
    report = adapter.provision(schema)
    assert report.created == [] and report.for_admin == instructions(plan).splitlines()

    names = sorted((spec.object, spec.name) for spec in plan)
    per_person = [
        "Connector_Grade__c",
        "Connector_Recycled_At__c",
        "Connector_Score_Reasons__c",
        "Connector_Score__c",
        "Connector_Stage__c",
        "Lifecycle_Stage__c",
    ]
    assert names == sorted(
        [("Contact", n) for n in per_person]
        + [("Lead", n) for n in per_person]
        + [("Task", "Connector_Task_Key__c")]
    )
    text = instructions(plan)
    assert (
        "Task: Connector Task Key (Connector_Task_Key__c), Text, length 80, External ID, Unique"
        in text
    )
    assert "values (in this order): Subscriber, Lead, MQL, SQL" in text
    assert any("no such field" in p for p in check_mapping(adapter.mapping, schema))
    # Nothing was created: describing again finds the same gaps.
    assert provision(adapter.mapping, adapter.describe_fields()) == plan
