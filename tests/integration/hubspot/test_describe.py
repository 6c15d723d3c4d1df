"""describe_fields from the properties API, check_mapping against it, and provisioning of the
connector's own missing properties in a property group of its own."""

from __future__ import annotations

import requests

from connector.adapters.hubspot import check_mapping
from connector.mapping.crm_schema import ContactField

PROPERTIES = "GET /crm/v3/properties/{object_type}"


def test_describe_reads_each_object_types_properties_once(adapter, sandbox):
    schema = adapter.describe_fields()
    assert set(schema.objects) == {"contacts", "companies", "deals", "tasks", "meetings", "calls"}
    assert sandbox.log.calls(PROPERTIES) == 6
    stage = schema.field("contacts", "lifecyclestage")
    assert stage is not None and stage.type == "enumeration"
    assert "marketingqualifiedlead" in stage.options
    score = schema.field("contacts", "connector_score")
    assert score is not None and score.custom and score.type == "number" and score.writable


def test_the_shipped_mapping_against_the_seeded_portal(adapter):
    assert adapter.check_mapping().problems == []


def test_check_mapping_finds_missing_and_mistyped_properties(adapter, mapping):
    fields = dict(mapping.contact.fields)
    fields[ContactField.JOB_TITLE] = "job_title_typo"  # does not exist
    fields[ContactField.SCORE] = "firstname"  # exists, but text where a number is written
    broken = mapping.model_copy(
        update={"contact": mapping.contact.model_copy(update={"fields": fields})}
    )
    problems = check_mapping(broken, adapter.describe_fields())
    assert "contacts.job_title_typo (job_title) does not exist in the portal" in problems
    assert any(
        p.startswith("contacts.firstname (score) has type 'string'; expected number")
        for p in problems
    )


def test_check_mapping_finds_written_values_that_are_not_options(adapter, mapping):
    tasks = mapping.tasks.model_copy(update={"status": "OPEN"})
    broken = mapping.model_copy(update={"tasks": tasks})
    problems = check_mapping(broken, adapter.describe_fields())
    assert any("hs_task_status" in p and "'OPEN'" in p for p in problems)


def test_the_shipped_industry_and_buying_role_maps_cover_every_option(adapter, mapping):
    """Every option of the portal's company industry and buying role means a shared term, so
    no HubSpot value reaches the rules in HubSpot's own words."""
    schema = adapter.describe_fields()
    values = mapping.contact.values
    for object_type, name, value_map in (
        ("companies", "industry", values.industry),
        ("contacts", "hs_buying_role", values.decision_role),
    ):
        found = schema.field(object_type, name)
        assert found is not None and found.type == "enumeration"
        listed = [value for crm_values in value_map.values() for value in crm_values]
        assert sorted(listed) == sorted(found.options), name


def test_check_mapping_finds_industry_values_that_are_not_options(adapter, mapping):
    values = mapping.contact.values
    broken_values = values.model_copy(
        update={"industry": {**values.industry, "fintech": ("FINTECH", "NEOBANKING")}}
    )
    contact = mapping.contact.model_copy(update={"values": broken_values})
    problems = check_mapping(
        mapping.model_copy(update={"contact": contact}), adapter.describe_fields()
    )
    assert problems == [
        "companies.industry (company industry): none of ['FINTECH', 'NEOBANKING'] (for "
        "'fintech') is one of its options"
    ]


def test_provision_creates_the_connectors_missing_properties_in_its_group(
    make_sandbox, make_adapter
):
    sandbox = make_sandbox(contacts=20, provision_connector_fields=False)
    adapter = make_adapter(sandbox)
    schema = adapter.describe_fields()
    before = adapter.check_mapping(schema).problems
    assert any("connector_score" in p and "does not exist" in p for p in before)
    assert any("connector_task_key" in p and "does not exist" in p for p in before)
    created = adapter.provision(schema).created
    assert sorted(created) == sorted(
        [
            "contacts.connector_score",
            "contacts.connector_grade",
            "contacts.connector_score_reasons",
            "contacts.connector_stage",
            "contacts.connector_recycled_at",
            "contacts.connector_fingerprint",
            "tasks.connector_task_key",
        ]
    )
    after = adapter.describe_fields()
    assert not [p for p in adapter.check_mapping(after).problems if "connector_" in p]
    assert after.field("contacts", "connector_recycled_at").type == "datetime"
    assert after.field("contacts", "connector_score").type == "number"
    # in the mapping's own group, read back with plain HTTP (not through the adapter)
    answer = requests.get(
        f"{sandbox.url}/crm/v3/properties/contacts/connector_score",
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=5,
    ).json()
    assert answer["groupName"] == "connector"
    # provisioning twice creates nothing
    assert adapter.provision().lines() == ["every connector property exists"]


def test_provisioned_properties_take_the_connectors_writes(make_sandbox, make_adapter):
    from connector.domain.outcomes import ContactUpdate, UpdatableField

    sandbox = make_sandbox(contacts=20, provision_connector_fields=False)
    adapter = make_adapter(sandbox)
    adapter.provision()
    contact = next(iter(adapter.iter_contacts(None)))
    result = adapter.apply_updates(
        [
            ContactUpdate(
                contact_id=contact.id,
                changes={UpdatableField.SCORE: 55, UpdatableField.GRADE: "A2"},
            )
        ]
    )
    assert result.applied == [contact.id]
    again = {c.id: c for c in make_adapter(sandbox).iter_contacts(None)}[contact.id]
    assert (again.score, again.grade) == (55, "A2")
