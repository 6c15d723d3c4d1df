"""The seeded org keeps the conventions the connector's Salesforce mapping relies on."""

from __future__ import annotations

from collections import Counter

import pytest
from simple_salesforce import Salesforce

from connector.sandbox.salesforce import SalesforceSandbox

PREFIXES = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "Opportunity": "006",
    "Task": "00T",
    "Event": "00U",
    "User": "005",
    "Campaign": "701",
    "CampaignMember": "00v",
}


def test_people_split_into_leads_and_contacts(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    summary = sandbox.seed_summary
    assert summary is not None
    assert summary.leads + summary.contacts == 300
    leads = sf.query("SELECT COUNT() FROM Lead WHERE IsConverted = false")["totalSize"]
    contacts = sf.query("SELECT COUNT() FROM Contact WHERE AccountId != null")["totalSize"]
    assert (leads, contacts) == (summary.leads, summary.contacts)
    assert 0.5 < summary.leads / 300 < 0.7
    downstream = sf.query(
        "SELECT COUNT() FROM Lead WHERE Lifecycle_Stage__c IN ('SQL', 'Opportunity', 'Customer')"
    )
    assert downstream["totalSize"] == 0  # sales-stage people are Contacts


@pytest.mark.parametrize(("name", "prefix"), sorted(PREFIXES.items()))
def test_ids_carry_key_prefixes(sf: Salesforce, name: str, prefix: str) -> None:
    [record] = sf.query(f"SELECT Id FROM {name} LIMIT 1")["records"]
    assert record["Id"].startswith(prefix)
    assert len(record["Id"]) == 18


def test_owners_are_users(sf: Salesforce) -> None:
    users = sf.query_all("SELECT Id, Name, Email, IsActive, UserType FROM User")["records"]
    # Eight seed owners, the integration user, and the "Automated Process" user who wrote the
    # seeded history (so none of it reads as the connector's own writes).
    assert len(users) == 10
    assert sum(1 for user in users if not user["IsActive"]) == 1
    types = Counter(user["UserType"] for user in users)
    assert types == {"Standard": 9, "AutomatedProcess": 1}
    owned = sf.query("SELECT COUNT() FROM Lead WHERE Owner.IsActive = true")["totalSize"]
    assert owned > 0


def test_seeded_person_fields(sf: Salesforce) -> None:
    lead = sf.query(
        "SELECT Email, FirstName, LastName, Company, LeadSource, Status, Lifecycle_Stage__c, "
        "Budget_Confirmed__c, CreatedDate, SystemModstamp FROM Lead "
        "WHERE LeadSource != null AND Email != null LIMIT 1"
    )["records"][0]
    assert "@" in lead["Email"]
    assert lead["Status"] in {
        "Open - Not Contacted",
        "Working - Contacted",
        "Closed - Not Converted",
        "Nurturing",
    }
    assert lead["Lifecycle_Stage__c"] in {"Subscriber", "Lead", "MQL", "Other"}
    assert lead["SystemModstamp"] >= lead["CreatedDate"]
    contact = sf.query(
        "SELECT Account.Name, Account.Industry, MailingCountry, Lifecycle_Stage__c FROM Contact "
        "WHERE Lifecycle_Stage__c = 'Customer' LIMIT 1"
    )["records"][0]
    assert contact["Account"]["Name"]
    won = sf.query(
        "SELECT Id, StageName, IsClosed, IsWon, Amount FROM Opportunity "
        "WHERE StageName = 'Closed Won' LIMIT 1"
    )["records"][0]
    assert (won["IsClosed"], won["IsWon"]) == (True, True)


def test_engagement_records(sf: Salesforce) -> None:
    subjects = {
        r["Subject"].split(" ")[0]
        for r in sf.query_all("SELECT Subject FROM Task WHERE Status = 'Completed'")["records"]
    }
    assert "Email:" in subjects
    tasks = sf.query_all("SELECT Subject, Who.Type, TaskSubtype, ActivityDate FROM Task")
    opened = next(r for r in tasks["records"] if (r["Subject"] or "").startswith("Email: opened "))
    assert opened["TaskSubtype"] == "Email"
    members = sf.query_all(
        "SELECT Status, HasResponded, Campaign.Type, LeadId, ContactId FROM CampaignMember"
    )["records"]
    assert {m["Campaign"]["Type"] for m in members} <= {"Website", "Content", "Webinar", "Event"}
    assert {m["Status"] for m in members} <= {
        "Visited",
        "Responded",
        "Downloaded",
        "Registered",
        "Attended",
    }
    assert all(bool(m["LeadId"]) != bool(m["ContactId"]) for m in members)
    meetings = sf.query("SELECT COUNT() FROM Event WHERE Subject = 'Meeting'")["totalSize"]
    assert meetings > 0
    opted_out = sf.query("SELECT COUNT() FROM Lead WHERE HasOptedOutOfEmail = true")
    assert opted_out["totalSize"] > 0
