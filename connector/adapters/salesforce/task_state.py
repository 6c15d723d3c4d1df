"""Connector-created Salesforce Tasks after the fact: their current state, by key.

SLA escalation needs to know whether the rep completed a follow-up task and who holds it now.
One SOQL query per chunk of keys (`Key IN (...)`, split under the URL budget like every id
list) reads them all. The Task fields (Object Reference, "Task"): `IsClosed` is derived by
Salesforce from `Status` (a TaskStatus value flagged closed, e.g. "Completed"), so it says
"done" whatever the org named its closed statuses; `OwnerId` is the assigned user; `WhoId` the
Lead or Contact; `ActivityDate` the due date — a date only ("Due Date Only"), so the due time
read back is midnight UTC of that day (as the kit's `moment` reads a date). Deleted Tasks are
not returned by a query (no ALL ROWS), so their keys are absent.
"""

from __future__ import annotations

from connector.adapters.base import TaskState
from connector.adapters.kit.values import boolean, moment
from connector.adapters.salesforce import query as soql
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.settings import SalesforceSettings
from connector.mapping.crm_schema import SalesforceMapping

# CompletedDateTime (Task object reference: "the date and time the task was completed", set by
# Salesforce when the Task is closed) gives the report its speed to lead.
STATE_FIELDS = (
    "Id",
    "Status",
    "IsClosed",
    "OwnerId",
    "WhoId",
    "ActivityDate",
    "CompletedDateTime",
)


class TaskStates:
    def __init__(
        self, client: SalesforceClient, mapping: SalesforceMapping, settings: SalesforceSettings
    ) -> None:
        self.client = client
        self.settings = settings
        self.object = mapping.tasks.object
        self.key_field = mapping.tasks.key_field

    def _query(self, keys: list[str]) -> str:
        return soql.select(
            self.object,
            [*STATE_FIELDS, self.key_field],
            "{key:literal} IN {keys}",
            key=self.key_field,
            keys=keys,
        )

    def states(self, keys: list[str]) -> dict[str, TaskState]:
        """key → TaskState for the keys Salesforce holds; one query per URL-sized chunk."""
        wanted = {key.casefold(): key for key in keys}  # SOQL compares text case-insensitively
        out: dict[str, TaskState] = {}
        for query in self.client.queries_for(list(wanted.values()), self._query):
            for records in self.client.query_pages(query, action="read task states"):
                for record in records:
                    key = wanted.get(str(record.get(self.key_field) or "").casefold())
                    if key is None or key in out:
                        continue
                    out[key] = TaskState(
                        key=key,
                        crm_id=str(record["Id"]),
                        status="done" if boolean(record.get("IsClosed")) else "open",
                        owner_id=record.get("OwnerId") or None,
                        contact_id=record.get("WhoId") or None,
                        due_at=moment(record.get("ActivityDate")),
                        completed_at=moment(record.get("CompletedDateTime")),
                    )
        return out
