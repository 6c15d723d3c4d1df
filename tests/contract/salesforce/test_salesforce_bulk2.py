"""Bulk API 2.0 query jobs, driven end to end by simple-salesforce's `sf.bulk2`."""

from __future__ import annotations

import csv
import io

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.sandbox.salesforce import SalesforceSandbox


def _rows(pages: list[str]) -> list[dict[str, str]]:
    return [row for page in pages for row in csv.DictReader(io.StringIO(page))]


def test_query_job_end_to_end(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    sandbox.reset_counters()
    soql = "SELECT Id, Email, Owner.Name, CreatedDate FROM Lead ORDER BY Id"
    pages = list(sf.bulk2.Lead.query(soql, max_records=100, wait=0.01))
    expected = sf.query_all(soql)["records"]
    rows = _rows([str(page) for page in pages])
    assert len(pages) == -(-len(expected) // 100)  # ceil: one page per 100 records
    assert [row["Id"] for row in rows] == [record["Id"] for record in expected]
    assert list(rows[0]) == ["Id", "Email", "Owner.Name", "CreatedDate"]
    assert rows[0]["Owner.Name"] == expected[0]["Owner"]["Name"]
    assert rows[0]["CreatedDate"] == expected[0]["CreatedDate"]
    calls = sandbox.log.calls_by_endpoint()
    assert calls["bulk2.query.create"] == 1
    assert calls["bulk2.query.get"] == 2  # InProgress, then JobComplete
    assert calls["bulk2.query.results"] == len(pages)
    assert sandbox.log.records_read("bulk2.query.results") == len(expected)


def test_results_headers_locator_and_states(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    client = sf.bulk2.Contact._client
    job = client.create_job("query", "SELECT Id, Name FROM Contact")
    assert job["state"] == "UploadComplete"
    assert job["id"].startswith("750")
    assert {
        "id",
        "operation",
        "object",
        "createdById",
        "createdDate",
        "systemModstamp",
        "state",
        "concurrencyMode",
        "contentType",
        "apiVersion",
        "lineEnding",
        "columnDelimiter",
    } == set(job)
    assert client.get_job(job["id"], True)["state"] == "InProgress"
    done = client.get_job(job["id"], True)
    assert done["state"] == "JobComplete"
    assert done["jobType"] == "V2Query"
    total = done["numberRecordsProcessed"]
    assert total == len(sandbox.ids_of("Contact"))
    first = client.get_query_results(job["id"], "", 50)
    assert first["number_of_records"] == 50
    assert first["locator"] == "NTA"  # Base64 of the next offset, "50"
    second = client.get_query_results(job["id"], first["locator"], 10_000)
    assert second["number_of_records"] == total - 50
    assert second["locator"] == ""  # the API answered the string "null"
    assert str(first["records"]).splitlines()[0] == '"Id","Name"'


def test_query_all_job_includes_deleted(sandbox: SalesforceSandbox, sf: Salesforce) -> None:
    lead_id = sf.Lead.create({"LastName": "Bulk Deleted", "Company": "Bulk Co"})["id"]
    sf.Lead.delete(lead_id)
    soql = "SELECT Id, IsDeleted FROM Lead WHERE Company = 'Bulk Co'"
    assert _rows([str(p) for p in sf.bulk2.Lead.query(soql, wait=0.01)]) == []
    everything = _rows([str(p) for p in sf.bulk2.Lead.query_all(soql, wait=0.01)])
    assert everything == [{"Id": lead_id, "IsDeleted": "true"}]


def test_invalid_bulk_queries_are_refused(sf: Salesforce) -> None:
    client = sf.bulk2.Lead._client
    with pytest.raises(SalesforceMalformedRequest) as failure:
        client.create_job("query", "SELECT Nope FROM Lead")
    assert failure.value.content[0]["errorCode"] == "INVALIDJOB"  # type: ignore[index]
    with pytest.raises(SalesforceMalformedRequest):
        client.create_job("query", "SELECT COUNT() FROM Lead")


def test_other_delimiters_and_line_endings_are_refused(sf: Salesforce) -> None:
    """Only COMMA and LF, the defaults the connector reads, are emulated."""
    client = sf.bulk2.Account._client
    for options in ({"column_delimiter": "PIPE"}, {"line_ending": "CRLF"}):
        with pytest.raises(SalesforceMalformedRequest) as failure:
            client.create_job("query", "SELECT Id FROM Account", **options)
        assert failure.value.content[0]["errorCode"] == "API_ERROR"  # type: ignore[index]
