"""SOQL through simple-salesforce: paging, queryAll, operators, escaping, errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest
from simple_salesforce.format import format_soql

from connector.sandbox.salesforce import SalesforceSandbox

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OPS_COMPANY = "Operators Test Co"


@pytest.fixture(scope="module")
def paging_sandbox() -> SalesforceSandbox:
    from connector.sandbox.common.config import SandboxConfig

    running = SalesforceSandbox(SandboxConfig(contacts=0)).start()
    sf = Salesforce(**running.salesforce_kwargs())  # type: ignore[arg-type]
    records = [
        {"attributes": {"type": "Lead"}, "LastName": f"Pager {n:04d}", "Company": "Paging Co"}
        for n in range(4500)
    ]
    for start in range(0, len(records), 200):
        results = sf.restful(
            "composite/sobjects",
            method="POST",
            json={"allOrNone": True, "records": records[start : start + 200]},
        )
        assert results is not None and all(r["success"] for r in results)
    yield running
    running.stop()


def test_paging_through_4500_leads_takes_three_pages(paging_sandbox: SalesforceSandbox) -> None:
    sf = Salesforce(**paging_sandbox.salesforce_kwargs())  # type: ignore[arg-type]
    paging_sandbox.reset_counters()
    first = sf.query("SELECT Id, LastName FROM Lead WHERE Company = 'Paging Co' ORDER BY LastName")
    assert first["totalSize"] == 4500
    assert first["done"] is False
    assert len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert (len(second["records"]), second["done"]) == (2000, False)
    third = sf.query_more(second["nextRecordsUrl"], identifier_is_url=True)
    assert (len(third["records"]), third["done"]) == (500, True)
    assert "nextRecordsUrl" not in third
    names = [r["LastName"] for page in (first, second, third) for r in page["records"]]
    assert names == [f"Pager {n:04d}" for n in range(4500)]
    assert first["records"][0]["attributes"]["type"] == "Lead"
    assert paging_sandbox.log.calls_by_endpoint() == {"query": 1, "query.more": 2}
    assert paging_sandbox.log.records_read("query.more") == 2500


def test_query_all_pages_to_the_end(paging_sandbox: SalesforceSandbox) -> None:
    sf = Salesforce(**paging_sandbox.salesforce_kwargs())  # type: ignore[arg-type]
    paging_sandbox.reset_counters()
    everything = sf.query_all("SELECT Id FROM Lead WHERE Company = 'Paging Co'")
    assert everything["totalSize"] == 4500
    assert len({r["Id"] for r in everything["records"]}) == 4500
    assert paging_sandbox.log.calls_by_endpoint() == {"query": 1, "query.more": 2}


def test_query_all_resource_includes_deleted_records(
    sf: Salesforce, create_records: Callable[..., list[str]]
) -> None:
    ids = create_records(
        sf, "Lead", [{"LastName": f"Gone {n}", "Company": "Deleted Co"} for n in range(3)]
    )
    assert sf.Lead.delete(ids[0]) == 204
    soql = "SELECT Id, IsDeleted FROM Lead WHERE Company = 'Deleted Co'"
    live = sf.query(soql)
    assert {r["Id"] for r in live["records"]} == set(ids[1:])
    with_deleted = sf.query(soql, include_deleted=True)
    assert with_deleted["totalSize"] == 3
    flags = {r["Id"]: r["IsDeleted"] for r in with_deleted["records"]}
    assert flags[ids[0]] is True and flags[ids[1]] is False


@pytest.fixture(scope="module")
def operator_leads(sandbox: SalesforceSandbox) -> dict[str, str]:
    sf = Salesforce(**sandbox.salesforce_kwargs())  # type: ignore[arg-type]
    rows = [
        {
            "LastName": "Alpha",
            "FirstName": "Ann",
            "NumberOfEmployees": 10,
            "HasOptedOutOfEmail": True,
            "EmailBouncedDate": "2024-01-10T08:00:00.000+0000",
            "LeadSource": "Web",
            "AnnualRevenue": 1000.5,
        },
        {
            "LastName": "beta",
            "FirstName": "Bob",
            "NumberOfEmployees": 20,
            "EmailBouncedDate": "2024-02-10T08:00:00Z",
            "LeadSource": "Referral",
        },
        {
            "LastName": "Gamma",
            "NumberOfEmployees": 30,
            "LeadSource": "Partner",
            "AnnualRevenue": 250000,
        },
        {"LastName": "Delta_%", "FirstName": "Dee"},
    ]
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Lead"}, "Company": OPS_COMPANY, **row} for row in rows
            ],
        },
    )
    assert results is not None
    return {row["LastName"]: result["id"] for row, result in zip(rows, results, strict=True)}


CASES = [
    ("NumberOfEmployees = 20", {"beta"}),
    ("NumberOfEmployees != 20", {"Alpha", "Gamma", "Delta_%"}),
    ("NumberOfEmployees < 20", {"Alpha"}),
    ("NumberOfEmployees <= 20", {"Alpha", "beta"}),
    ("NumberOfEmployees > 10", {"beta", "Gamma"}),
    ("NumberOfEmployees >= 30", {"Gamma"}),
    ("NumberOfEmployees = null", {"Delta_%"}),
    ("NumberOfEmployees != null", {"Alpha", "beta", "Gamma"}),
    ("AnnualRevenue > 1000", {"Alpha", "Gamma"}),
    ("AnnualRevenue < 1000.6", {"Alpha"}),
    ("LastName = 'BETA'", {"beta"}),
    ("LastName != 'alpha'", {"beta", "Gamma", "Delta_%"}),
    ("LastName < 'c'", {"Alpha", "beta"}),
    ("LastName >= 'Gamma'", {"Gamma"}),
    ("FirstName = null", {"Gamma"}),
    ("LeadSource IN ('Web', 'Partner')", {"Alpha", "Gamma"}),
    ("LeadSource NOT IN ('Web', 'Partner')", {"beta", "Delta_%"}),
    ("HasOptedOutOfEmail = true", {"Alpha"}),
    ("HasOptedOutOfEmail = false", {"beta", "Gamma", "Delta_%"}),
    ("EmailBouncedDate > 2024-01-31T00:00:00Z", {"beta"}),
    ("EmailBouncedDate <= 2024-01-10T08:00:00+00:00", {"Alpha"}),
    ("EmailBouncedDate < 2024-01-10T09:00:00+01:00", {}),
    ("(NumberOfEmployees = 10 OR NumberOfEmployees = 30) AND LeadSource = 'Partner'", {"Gamma"}),
    (
        "NumberOfEmployees = 10 OR (LastName = 'GAMMA' AND LeadSource != 'Web')",
        {"Alpha", "Gamma"},
    ),
]


@pytest.mark.parametrize(("condition", "expected"), CASES)
def test_where_operators(
    sf: Salesforce, operator_leads: dict[str, str], condition: str, expected: set[str]
) -> None:
    soql = f"SELECT LastName FROM Lead WHERE Company = '{OPS_COMPANY}' AND ({condition})"
    found = {r["LastName"] for r in sf.query_all(soql)["records"]}
    assert found == set(expected)


def test_order_by_and_limit(sf: Salesforce, operator_leads: dict[str, str]) -> None:
    base = f"SELECT LastName FROM Lead WHERE Company = '{OPS_COMPANY}'"

    def names(suffix: str) -> list[str]:
        return [r["LastName"] for r in sf.query(f"{base} {suffix}")["records"]]

    assert names("ORDER BY NumberOfEmployees") == ["Delta_%", "Alpha", "beta", "Gamma"]
    assert names("ORDER BY LeadSource ASC") == ["Delta_%", "Gamma", "beta", "Alpha"]
    assert names("ORDER BY HasOptedOutOfEmail, LastName") == ["beta", "Delta_%", "Gamma", "Alpha"]
    assert names("ORDER BY LastName LIMIT 2") == ["Alpha", "beta"]
    assert sf.query(f"SELECT COUNT() FROM Lead WHERE Company = '{OPS_COMPANY}'") == {
        "totalSize": 4,
        "done": True,
        "records": [],
    }


def test_relationship_fields(sf: Salesforce) -> None:
    contact = sf.query(
        "SELECT Id, Name, Owner.Name, Account.Name, Account.Owner.Email FROM Contact "
        "WHERE AccountId != null ORDER BY CreatedDate LIMIT 1"
    )["records"][0]
    assert contact["Owner"]["attributes"]["type"] == "User"
    assert isinstance(contact["Owner"]["Name"], str)
    assert contact["Account"]["attributes"]["type"] == "Account"
    assert set(contact["Account"]) == {"attributes", "Name", "Owner"}
    lead = sf.query("SELECT Owner.Name FROM Lead LIMIT 1")["records"][0]
    # Lead.OwnerId is polymorphic (User or Group): SOQL resolves it to the Name pseudo-object.
    assert lead["Owner"]["attributes"]["type"] == "Name"
    task = sf.query("SELECT Who.Name, Who.Type FROM Task WHERE WhoId != null LIMIT 1")
    assert task["records"][0]["Who"]["Type"] in ("Lead", "Contact")


def test_incremental_read_by_system_modstamp(
    sf: Salesforce, operator_leads: dict[str, str]
) -> None:
    # format_soql drops sub-second precision, so start the watermark on a fresh second.
    started = datetime.now(UTC)
    time.sleep(1.02 - started.microsecond / 1_000_000)
    since = datetime.now(UTC).replace(microsecond=0)
    time.sleep(0.01)
    assert sf.Lead.update(operator_leads["Gamma"], {"Rating": "Hot"}) == 204
    soql = format_soql(
        "SELECT Id, Rating, SystemModstamp FROM Lead WHERE SystemModstamp > {} "
        "ORDER BY SystemModstamp",
        since,
    )
    changed = sf.query_all(soql)["records"]
    assert [(r["Id"], r["Rating"]) for r in changed] == [(operator_leads["Gamma"], "Hot")]
    stamp = datetime.strptime(changed[0]["SystemModstamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert stamp > since


NASTY = 'O\'Brien \\ "Bob" 100% _x\nline\ttab'


def test_format_soql_escaping_round_trips(
    sf: Salesforce, create_records: Callable[..., list[str]]
) -> None:
    [nasty_id] = create_records(sf, "Lead", [{"LastName": NASTY, "Company": "Escape Co"}])
    create_records(sf, "Lead", [{"LastName": "O", "Company": "Escape Co"}])
    soql = format_soql("SELECT Id, LastName FROM Lead WHERE LastName = {}", NASTY)
    records = sf.query(soql)["records"]
    assert [(r["Id"], r["LastName"]) for r in records] == [(nasty_id, NASTY)]
    # A value crafted to break out of the literal stays a literal.
    injection = "x' OR LastName != 'y"
    escaped = format_soql("SELECT Id FROM Lead WHERE LastName = {}", injection)
    assert sf.query(escaped)["totalSize"] == 0
    assert sf.query(format_soql("SELECT Id FROM Lead WHERE Id IN {}", [nasty_id]))["totalSize"] == 1


def _error(sf: Salesforce, soql: str) -> dict[str, str]:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        sf.query(soql)
    assert failure.value.status == 400
    [error] = failure.value.content  # type: ignore[misc]
    return error  # type: ignore[no-any-return]


def test_malformed_query(sf: Salesforce) -> None:
    error = _error(sf, "SELECT Id FORM Lead")
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"] == (
        "\nSELECT Id FORM Lead\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FORM'"
    )
    assert (
        _error(sf, "SELECT Id FROM Lead WHERE LastName = 'a' AND Company = 'b' OR Title = 'c'")[
            "errorCode"
        ]
        == "MALFORMED_QUERY"
    )
    assert (
        _error(sf, "SELECT Id FROM Lead WHERE LastName = 'unterminated")["errorCode"]
        == "MALFORMED_QUERY"
    )
    assert (
        _error(sf, "SELECT Id FROM Lead WHERE LastName = 'bad \\x escape'")["errorCode"]
        == "MALFORMED_QUERY"
    )
    # LIKE, a leading NOT, OFFSET, DESC and NULLS are not emulated (the connector matches by =, !=
    # and IN, pages by Id ascending): refused, not misread.
    assert _error(sf, "SELECT Id FROM Lead WHERE LastName LIKE 'a%'")["message"].endswith(
        "unexpected token: 'LIKE' (this SOQL keyword is not emulated by the Salesforce sandbox)"
    )
    for refused in (
        "WHERE NOT Title = 'x'",
        "LIMIT 2 OFFSET 1",
        "ORDER BY LastName DESC",
        "ORDER BY Title NULLS LAST",
    ):
        assert _error(sf, f"SELECT Id FROM Lead {refused}")["errorCode"] == "MALFORMED_QUERY"


def test_invalid_field_and_type(sf: Salesforce) -> None:
    error = _error(sf, "SELECT Id, Naem FROM Lead")
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["message"].startswith(
        "\nSELECT Id, Naem FROM Lead\n           ^\nERROR at Row:1:Column:12\n"
        "No such column 'Naem' on entity 'Lead'."
    )
    assert _error(sf, "SELECT Id, Owner.UserType FROM Lead")["errorCode"] == "INVALID_FIELD"
    assert _error(sf, "SELECT Id, Boss.Name FROM Lead")["message"].endswith(
        "Didn't understand relationship 'Boss' in field path. If you are attempting to use a "
        "custom relationship, be sure to append the '__r' after the custom relationship name. "
        "Please reference your WSDL or the describe call for the appropriate names."
    )
    assert _error(sf, "SELECT Id FROM Leads")["errorCode"] == "INVALID_TYPE"
    assert _error(sf, "SELECT Id FROM Lead WHERE CreatedDate > '2024-01-01'")["message"].endswith(
        "value of filter criterion for field 'CreatedDate' must be of type dateTime and should "
        "not be enclosed in quotes"
    )
    assert _error(sf, "SELECT Id FROM Lead WHERE Id = 'nope'")["errorCode"] == (
        "INVALID_QUERY_FILTER_OPERATOR"
    )
    assert _error(sf, "SELECT Id FROM Lead WHERE Description = 'x'")["errorCode"] == (
        "INVALID_FIELD"
    )
