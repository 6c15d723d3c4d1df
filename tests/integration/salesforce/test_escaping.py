"""Names with quotes and backslashes are data, never SOQL: every value goes through
simple-salesforce's `format_soql`, so no company or owner name can change what a query means."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce

from connector.adapters.salesforce import query as soql

NASTY = [
    "O'Reilly & Sons",
    "Back\\slash Ltd",
    "Quote\\' OR Name != '",
    "Trailing backslash\\",
    'Double "Quoted" GmbH',
    "Line\nBreak Inc",
    "50% _Wild_ Card",
    # The query parameter keeps `'(),=!*:@$` as they are and encodes the rest (client._query):
    # a `+` sent as is would arrive as a space, a `#` would end the URL, `;` and `&` split it.
    "C++ #1; Tools & Dies = 100% (EU), Inc! *:@$/?",
    "Société Générale ünd Ćo 株式会社",
]
INJECTION = "nobody' OR Name != 'x"


def _ids(adapter, query):
    return [r["Id"] for page in adapter.client.query_pages(query, action="test") for r in page]


@pytest.fixture
def accounts(sandbox):
    api = Salesforce(**sandbox.salesforce_kwargs())
    return {name: api.Account.create({"Name": name})["id"] for name in NASTY}


def test_company_names_match_exactly_one_account(adapter, accounts):
    for name, account_id in accounts.items():
        query = soql.select("Account", ["Id"], "Name = {name}", name=name)
        assert _ids(adapter, query) == [account_id], name

    query = soql.select("Account", ["Id"], "Name IN {names}", names=[INJECTION, *NASTY])
    assert sorted(_ids(adapter, query)) == sorted(accounts.values())
    # Unescaped, this would be `Name = 'nobody' OR Name != 'x'`: every Account.
    assert _ids(adapter, soql.select("Account", ["Id"], "Name = {n}", n=INJECTION)) == []


def test_leads_with_such_companies_get_their_own_account(sandbox, adapter, accounts):
    api = Salesforce(**sandbox.salesforce_kwargs())
    lead_of = {
        name: api.Lead.create({"LastName": f"Lead {n}", "Company": name})["id"]
        for n, name in enumerate([*NASTY, INJECTION])
    }

    people = {c.id: c for page in adapter.iter_contact_pages(None) for c in page.contacts}

    for name, account_id in accounts.items():
        assert people[lead_of[name]].company.id == account_id, name
    injected = people[lead_of[INJECTION]].company
    assert injected.id.startswith("lead:") and injected.name == INJECTION


def test_an_owner_name_cannot_widen_a_user_query(sandbox, adapter):
    nasty = "Ann O'Neil\\' OR Name != '"
    users = sandbox.store.tables["User"]
    with sandbox.store.lock:
        row = users.insert(
            {
                "Username": "ann@connector-sandbox.example",
                "LastName": nasty,
                "Alias": "aneil",
                "Email": "ann@connector-sandbox.example",
                "IsActive": True,
                "UserType": "Standard",
            }
        )
        user_id = users.ids[row]

    by_name = soql.select("User", ["Id"], "Name = {name}", name=nasty)
    assert _ids(adapter, by_name) == [user_id]
    widened = soql.select("User", ["Id"], "Name = {name}", name="x' OR Name != 'y")
    assert _ids(adapter, widened) == []
    assert user_id in {owner.id for owner in adapter.list_owners()}
