"""Connector-created Salesforce Tasks after the fact: their current state, by key, one SOQL
query per URL-sized chunk of keys. `IsClosed` follows the org's closed statuses whatever their
names; `ActivityDate` is a date only, read back as midnight UTC; deleted Tasks are absent.
"""

from __future__ import annotations

from connector.adapters.base import TaskState
from connector.adapters.kit.values import boolean, moment
from connector.adapters.salesforce import query as soql
from connector.adapters.salesforce.client import SalesforceClient
from connector.mapping.crm_schema import SalesforceMapping

# CompletedDateTime (Task object reference: "the date and time the task was completed", set by
# Salesforce when the Task is closed) gives the report its speed to lead.
STATE_FIELDS = ("Id", "Status", "IsClosed", "OwnerId", "WhoId", "ActivityDate", "CompletedDateTime")


class TaskStates:
    def __init__(self, client: SalesforceClient, mapping: SalesforceMapping) -> None:
        self.client = client
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
        for row in self.client.rows_in(
            list(wanted.values()), self._query, action="read task states"
        ):
            key = wanted.get(str(row.get(self.key_field) or "").casefold())
            if key is None or key in out:
                continue
            out[key] = TaskState(
                key=key,
                crm_id=str(row["Id"]),
                status="done" if boolean(row.get("IsClosed")) else "open",
                owner_id=row.get("OwnerId") or None,
                contact_id=row.get("WhoId") or None,
                due_at=moment(row.get("ActivityDate")),
                completed_at=moment(row.get("CompletedDateTime")),
            )
        return out
