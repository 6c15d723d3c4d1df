"""Logging an activity derives the person's LastActivityDate and leaves their modification
stamps alone (Salesforce Help 000385365; nothing documents a stamp change)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simple_salesforce import Salesforce

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.salesforce import SalesforceSandbox

STAMPS = "SELECT LastActivityDate, LastModifiedDate, SystemModstamp FROM Lead WHERE Id = '{}'"


@pytest.fixture
def sf() -> Iterator[Salesforce]:
    with SalesforceSandbox(SandboxConfig(contacts=0)) as sandbox:
        yield Salesforce(**sandbox.salesforce_kwargs())  # type: ignore[arg-type]


def _lead(sf: Salesforce) -> tuple[str, dict]:
    lead = str(sf.Lead.create({"LastName": "Reyes", "Company": "Acme"})["id"])
    return lead, sf.query(STAMPS.format(lead))["records"][0]


def test_closed_tasks_and_events_set_last_activity_but_no_stamp(sf: Salesforce):
    lead, created = _lead(sf)
    assert created["LastActivityDate"] is None

    sf.Task.create({"WhoId": lead, "Subject": "Demo request", "ActivityDate": "2026-11-20"})
    still_open = sf.query(STAMPS.format(lead))["records"][0]
    sf.Task.create(
        {"WhoId": lead, "Subject": "Call", "Status": "Completed", "ActivityDate": "2026-11-03"}
    )
    event = sf.Event.create(
        {"WhoId": lead, "Subject": "Meeting", "StartDateTime": "2026-11-10T15:00:00.000+0000"}
    )["id"]
    logged = sf.query(STAMPS.format(lead))["records"][0]

    assert still_open == created  # an open task is no activity yet
    assert logged["LastActivityDate"] == "2026-11-10"  # the latest of the closed task and event
    assert (logged["LastModifiedDate"], logged["SystemModstamp"]) == (
        created["LastModifiedDate"],
        created["SystemModstamp"],
    )

    sf.Event.delete(event)

    after = sf.query(STAMPS.format(lead))["records"][0]
    assert after["LastActivityDate"] == "2026-11-03"
    assert after["SystemModstamp"] == created["SystemModstamp"]


def test_audit_fields_name_the_session_user_on_every_kind_of_write():
    """CreatedById on insert, LastModifiedById on every change: whoever the session belongs to
    (single record, sObject Collections, delete), the seeded history being the Automated
    Process user's."""
    with SalesforceSandbox(SandboxConfig(contacts=20)) as sandbox:
        connector = Salesforce(**sandbox.salesforce_kwargs())  # type: ignore[arg-type]
        rep_id = sandbox.rep_user_id()
        rep = Salesforce(**sandbox.salesforce_kwargs(user_id=rep_id))  # type: ignore[arg-type]
        me = sandbox.integration_user_id
        audit = "SELECT CreatedById, LastModifiedById FROM {} WHERE Id = '{}'"

        def who(object_name: str, record_id: str, deleted: bool = False) -> tuple[str, str]:
            row = (connector.query_all if deleted else connector.query)(
                audit.format(object_name, record_id), include_deleted=deleted
            )["records"][0]
            return row["CreatedById"], row["LastModifiedById"]

        seeded = sandbox.ids_of("Lead")[0]
        author = who("Lead", seeded)[0]
        assert author not in (me, rep_id)
        [kind] = connector.query(f"SELECT UserType FROM User WHERE Id = '{author}'")["records"]
        assert kind["UserType"] == "AutomatedProcess"

        rep.Lead.update(seeded, {"Title": "CTO"})
        assert who("Lead", seeded) == (author, rep_id)
        connector.restful(
            "composite/sobjects",
            method="PATCH",
            json={"records": [{"attributes": {"type": "Lead"}, "id": seeded, "Title": "CIO"}]},
        )
        assert who("Lead", seeded) == (author, me)

        task = rep.Task.create({"WhoId": seeded, "Subject": "Call"})["id"]
        assert who("Task", task) == (rep_id, rep_id)
        connector.Task.delete(task)
        assert who("Task", task, deleted=True) == (rep_id, me)
