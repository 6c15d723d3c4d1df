"""Connector-created Salesforce Tasks after the fact: their current state, by key, one SOQL
query per URL-sized chunk of keys. `IsClosed` follows the org's closed statuses whatever their
names; `ActivityDate` is a date only, read back as midnight UTC; deleted Tasks are absent.
"""

from __future__ import annotations

from collections.abc import Sequence

from connector.adapters.base import TaskState
from connector.adapters.kit.values import boolean, moment
from connector.adapters.salesforce import query as soql
from connector.adapters.salesforce.client import Record, SalesforceClient
from connector.mapping.crm_schema import TaskMapping

# CompletedDateTime (Task object reference: "the date and time the task was completed", set by
# Salesforce when the Task is closed) gives the report its speed to lead.
STATE_FIELDS = ("Id", "Status", "IsClosed", "OwnerId", "WhoId", "ActivityDate", "CompletedDateTime")


def rows_by_key(
    client: SalesforceClient,
    tasks: TaskMapping,
    keys: Sequence[str],
    fields: Sequence[str],
    action: str,
) -> dict[str, Record]:
    """key → the first Task row holding it, one query per URL-sized chunk of keys; compared
    ignoring case, as SOQL compares text."""
    wanted = {key.casefold(): key for key in keys}

    def build(chunk: list[str]) -> str:
        where = "{key:literal} IN {keys}"
        return soql.select(
            tasks.object, [*fields, tasks.key_field], where, key=tasks.key_field, keys=chunk
        )

    found: dict[str, Record] = {}
    for row in client.rows_in(list(wanted.values()), build, action=action):
        key = wanted.get(str(row.get(tasks.key_field) or "").casefold())
        if key is not None:
            found.setdefault(key, row)
    return found


def task_states(
    client: SalesforceClient, tasks: TaskMapping, keys: Sequence[str]
) -> dict[str, TaskState]:
    """key → TaskState for the keys Salesforce holds."""
    return {
        key: TaskState(
            key=key,
            crm_id=str(row["Id"]),
            status="done" if boolean(row.get("IsClosed")) else "open",
            owner_id=row.get("OwnerId") or None,
            contact_id=row.get("WhoId") or None,
            due_at=moment(row.get("ActivityDate")),
            completed_at=moment(row.get("CompletedDateTime")),
        )
        for key, row in rows_by_key(client, tasks, keys, STATE_FIELDS, "read task states").items()
    }
