"""Names and values that look like rich markup or terminal control sequences are shown as
written: they never crash `--dry-run` or `explain`, never vanish, and never reach the terminal as
escapes or live links."""

from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from tests.e2e.crm_runs import CrmUnderTest, start_crm

FIRST = "[/]"
LAST = "[link=http://evil.example]Click[/link]\x1b[31m"
COMPANY = "ACME [etmor] \x1b]8;;http://evil.example\x07x"


def _hostile_hubspot(under_test: CrmUnderTest) -> None:
    base = under_test.running.url.rstrip("/")
    headers = {"Authorization": f"Bearer {under_test.env['HUBSPOT_ACCESS_TOKEN']}"}
    listed = requests.get(
        f"{base}/crm/v3/objects/contacts", params={"limit": 100}, headers=headers, timeout=30
    )
    listed.raise_for_status()
    inputs: list[dict[str, Any]] = [
        {"id": row["id"], "properties": {"firstname": FIRST, "lastname": LAST, "company": COMPANY}}
        for row in listed.json()["results"]
    ]
    answer = requests.post(
        f"{base}/crm/v3/objects/contacts/batch/update",
        json={"inputs": inputs},
        headers=headers,
        timeout=30,
    )
    answer.raise_for_status()


def _hostile_salesforce(under_test: CrmUnderTest) -> None:
    client = Salesforce(**under_test.running.sandbox.salesforce_kwargs())  # type: ignore[union-attr]
    for row in client.query_all("SELECT Id FROM Lead")["records"]:
        client.Lead.update(row["Id"], {"FirstName": FIRST, "LastName": LAST, "Company": COMPANY})


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_markup_and_escapes_in_crm_data_are_printed_inert(crm, tmp_path):
    under_test = start_crm(crm, tmp_path, contacts=40)
    try:
        (_hostile_hubspot if crm == "hubspot" else _hostile_salesforce)(under_test)
        plan = under_test.connector("backfill", "--dry-run")
        assert plan.returncode in (0, 1), plan.stderr
        assert "Traceback" not in plan.stderr
        assert "would become" in plan.stdout
        person = next(c for c in under_test.snapshot_contacts() if c.email)
        explained = under_test.connector("explain", person.id)
    finally:
        under_test.running.stop()
    assert explained.returncode == 0, explained.stderr
    for output in (plan.stdout + plan.stderr, explained.stdout + explained.stderr):
        assert "\x1b" not in output and "\x07" not in output
    assert (
        "[/]" in explained.stdout and "[link=http://evil.example]Click[/link]" in explained.stdout
    )
    assert "\\x1b" in explained.stdout


def test_rule_text_in_brackets_survives_rendering():
    """A rule's industry list or pattern (`[etmor]`) is printed as written, not eaten as markup."""
    from rich.console import Console

    from connector.shown import shown

    console = Console(record=True, width=200)
    console.print(shown("industry in [software, saas]; title matches ^(cto|[etmor])"))
    assert "industry in [software, saas]; title matches ^(cto|[etmor])" in console.export_text()
