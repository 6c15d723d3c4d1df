"""What reps do in the CRM between two runs, through its public API, so the demo's incremental
sync has real changes to find: BANT filled in (SQLs to be), a "rejected" lead status (recycle).
The writes go over HTTP as any integration's (never into the sandbox's memory), so they move
modification dates as a real CRM does."""

import random
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from pydantic import BaseModel
from simple_salesforce import Salesforce, SFType

from connector.adapters.kit.chunks import chunks
from connector.adapters.kit.values import utc_millis
from connector.domain.stages import SalesStatus
from connector.mapping.crm_schema import ContactField, CrmMapping, HubSpotMapping
from connector.sandbox.launch import RunningSandbox
from connector.sandbox.salesforce import SalesforceSandbox

BANT = tuple(field for field in ContactField if field.value.startswith("bant_"))


class ActivityReport(BaseModel):
    qualified: int = 0  # BANT filled in by a rep
    rejected: int = 0  # lead status set to the mapping's "rejected" value


def simulate_sales(
    running: RunningSandbox, mapping: CrmMapping, share: float, seed: int
) -> ActivityReport:
    """BANT filled in for some people (HubSpot contacts, Salesforce open leads), the mapping's
    "rejected" lead status set on as many others."""
    if isinstance(mapping, HubSpotMapping):
        hubspot = HubSpotRep.of(running)
        person, ids, write = mapping.contact, hubspot.contact_ids(), hubspot.update_contacts
    else:
        salesforce = SalesforceRep.of(running, as_rep=True)
        person, ids, write = mapping.lead, salesforce.open_lead_ids(), salesforce.update_leads
    count = max(1, round(len(ids) * share / 2)) if ids else 0  # two disjoint samples of share/2
    chosen = random.Random(seed).sample(ids, min(len(ids), 2 * count))
    qualify, reject = chosen[:count], chosen[count:]
    fields = person.fields
    rejected = next(iter(person.values.sales_status.get(SalesStatus.REJECTED, ())), None)
    changes: dict[str, dict[str, Any]] = {
        i: {fields[f]: True for f in BANT if f in fields} for i in qualify
    }
    if rejected and ContactField.SALES_STATUS in fields:
        changes |= {i: {fields[ContactField.SALES_STATUS]: rejected} for i in reject}
    write(changes)
    return ActivityReport(qualified=len(qualify), rejected=len(reject) if rejected else 0)


# A sales rep at work, one ordinary API request an action (tests and the demo act as a person in
# the CRM through these), so the CRM's stamps move as they do for a person.

#: HubSpot-defined association type id, meeting → contact (associations v4).
MEETING_TO_CONTACT = 200


class HubSpotRep:
    """A rep working in a HubSpot portal (or its sandbox) over the public v3 API."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def of(cls, running: RunningSandbox) -> "HubSpotRep":
        return cls(running.url, running.settings["HUBSPOT_ACCESS_TOKEN"])

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = self.http.request(method, f"{self.base}{path}", json=body, timeout=30)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def contact_ids(self) -> list[str]:
        """Every contact's id, a page of 100 (the list endpoint's most) at a time."""
        ids: list[str] = []
        after: str | None = None
        while True:
            query = urlencode({"limit": 100, **({"after": after} if after else {})})
            body = self._send("GET", f"/crm/v3/objects/contacts?{query}")
            ids += [record["id"] for record in body["results"]]
            after = body.get("paging", {}).get("next", {}).get("after")
            if not after:
                return ids

    def update_contacts(self, changes: dict[str, dict[str, Any]]) -> None:
        """Contact properties by contact id, 100 a request (the batch endpoint's most); a yes
        is written as HubSpot's "true"."""
        inputs = [
            {"id": i, "properties": {k: "true" if v is True else v for k, v in values.items()}}
            for i, values in changes.items()
        ]
        for chunk in chunks(inputs, 100):
            self._send("POST", "/crm/v3/objects/contacts/batch/update", {"inputs": chunk})

    def complete_task(self, task_id: str) -> None:
        """Mark a task done, as the rep's "Complete" checkbox does."""
        self.set_task_status(task_id, "COMPLETED")

    def set_task_status(self, task_id: str, status: str) -> None:
        """A status the UI offers (NOT_STARTED, IN_PROGRESS, WAITING, DEFERRED, COMPLETED)."""
        properties = {"properties": {"hs_task_status": status}}
        self._send("PATCH", f"/crm/v3/objects/tasks/{task_id}", properties)

    def book_meeting(self, contact_id: str, start: datetime) -> str:
        """A scheduled half-hour "Product demo" associated with the contact (type 200), as a
        booked meeting link or a rep logging one makes it; returns the meeting id."""
        end = start + timedelta(minutes=30)
        kind = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": MEETING_TO_CONTACT}
        body = {
            "properties": {
                "hs_meeting_title": "Product demo",
                "hs_meeting_start_time": utc_millis(start),
                "hs_meeting_end_time": utc_millis(end),
                "hs_meeting_outcome": "SCHEDULED",
                "hs_timestamp": utc_millis(start),
            },
            "associations": [{"to": {"id": contact_id}, "types": [kind]}],
        }
        return str(self._send("POST", "/crm/v3/objects/meetings", body)["id"])

    def delete(self, object_type: str, record_id: str) -> None:
        """Archive a record (a meeting booked by mistake, a task deleted by the rep)."""
        self._send("DELETE", f"/crm/v3/objects/{object_type}/{record_id}")


class SalesforceRep:
    """A rep working in a Salesforce org (or its sandbox) through simple-salesforce."""

    def __init__(self, client: Salesforce) -> None:
        self.client = client

    def _sobject(self, name: str) -> SFType:
        """`client.<name>`: simple-salesforce types its attribute lookup as SFType or a bulk
        handler (the same __getattr__ serves `bulk` and `bulk2`); an sObject name is an SFType."""
        handle = getattr(self.client, name)
        if not isinstance(handle, SFType):
            raise TypeError(f"{name} is not an sObject of the Salesforce client")
        return handle

    @classmethod
    def of(cls, running: RunningSandbox, *, as_rep: bool = False) -> "SalesforceRep":
        """Logged in to a running Salesforce sandbox as the integration user, or `as_rep` as a
        rep: the connector leaves its own user's writes out of an incremental read, and a rep's
        changes are people's changes it must see."""
        sandbox = running.sandbox
        if not isinstance(sandbox, SalesforceSandbox):
            raise TypeError(f"a Salesforce sandbox is needed here, not {running.crm}")
        user = sandbox.rep_user_id() if as_rep else None
        return cls(Salesforce(**sandbox.salesforce_kwargs(user_id=user)))

    def open_lead_ids(self) -> list[str]:
        rows = self.client.query_all("SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id")
        return [row["Id"] for row in rows["records"]]

    def update_leads(self, changes: dict[str, dict[str, Any]]) -> None:
        """Lead fields by lead id, 200 a request (sObject Collections' most); one record's
        failure leaves the others written (allOrNone false)."""
        records = [
            {"attributes": {"type": "Lead"}, "Id": i, **values} for i, values in changes.items()
        ]
        for chunk in chunks(records, 200):
            self.client.restful(
                "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": chunk}
            )

    def complete_task(self, task_id: str) -> None:
        """Status Completed: Salesforce derives IsClosed (and CompletedDateTime) from it."""
        self._sobject("Task").update(task_id, {"Status": "Completed"})

    def log_task(self, who_id: str, subject: str, *, status: str = "Completed") -> str:
        """A Task on a Lead or Contact (WhoId), e.g. "Demo request" or a logged call; returns
        its id."""
        values = {"WhoId": who_id, "Subject": subject, "Status": status}
        return str(self._sobject("Task").create(values)["id"])

    def log_event(self, who_id: str, subject: str, start: datetime) -> str:
        """A half-hour Event (a meeting) on a Lead or Contact; returns its id."""
        values = {
            "WhoId": who_id,
            "Subject": subject,
            "StartDateTime": utc_millis(start.replace(microsecond=0)),
            "DurationInMinutes": 30,
        }
        return str(self._sobject("Event").create(values)["id"])

    def delete(self, object_name: str, record_id: str) -> None:
        getattr(self.client, object_name).delete(record_id)
