"""Connector-created HubSpot tasks after the fact: their current state by key (new owners go
through `write`'s batch update).

For SLA escalation, in bulk: states through the tasks search with an IN filter on the key
property (100 keys per call) plus one v4 association batch read for each task's contact. Only
`hs_task_status` COMPLETED means done (the tasks guide; IN_PROGRESS, WAITING and DEFERRED are
still open). The key search goes through the search index, which lags writes by seconds: an
absent key is "not seen", not proof the rep deleted the task.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

from connector.adapters.base import TaskState
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.failures import CRM
from connector.adapters.hubspot.query import ID_PROPERTY, next_after, read_associations, search_page
from connector.adapters.kit import chunks, paginate
from connector.adapters.kit.values import moment
from connector.mapping.crm_schema import TaskMapping

#: HubSpot lets an IN filter name at most 100 values; the key lookups use that many per search.
KEYS_PER_SEARCH = 100
DONE_STATUSES = frozenset({"COMPLETED"})
STATE_PROPERTIES = ("hs_task_status", "hubspot_owner_id", "hs_timestamp")


def search_by_key(
    client: HubSpotClient,
    key_field: str,
    keys: Iterable[str],
    properties: Sequence[str],
    action: str,
) -> dict[str, Any]:
    """key → the first task (lowest id) holding it, 100 keys per search; compared ignoring case
    (HubSpot's guide asks for lower-case values with IN on text properties)."""
    found: dict[str, Any] = {}
    wanted = {key.casefold(): key for key in keys}
    for chunk in chunks(list(wanted), KEYS_PER_SEARCH):

        def fetch(after: str | None, chunk: list[str] = chunk) -> Any:
            request = PublicObjectSearchRequest(
                filter_groups=[
                    FilterGroup(
                        filters=[Filter(property_name=key_field, operator="IN", values=chunk)]
                    )
                ],
                properties=list(dict.fromkeys([key_field, *properties])),
                sorts=[{"propertyName": ID_PROPERTY, "direction": "ASCENDING"}],
                limit=200,
                after=after,
            )
            return search_page(client, "tasks", request, action)

        for answer in paginate(fetch, next_after, crm=CRM, what="task key search"):
            for record in answer.results or []:
                value = str((record.properties or {}).get(key_field) or "").casefold()
                if value in wanted:
                    # Several tasks with one key (made before the connector): keep the first.
                    found.setdefault(wanted[value], record)
    return found


def task_states(
    client: HubSpotClient, tasks: TaskMapping, keys: Sequence[str]
) -> dict[str, TaskState]:
    """key → TaskState for the keys HubSpot holds (archived tasks and unknown keys are absent):
    ⌈keys/100⌉ searches and ⌈tasks/1,000⌉ association reads."""
    records = search_by_key(client, tasks.key_field, keys, STATE_PROPERTIES, "read task states")
    task_ids = [str(record.id) for record in records.values()]
    linked = read_associations(client, tasks.object, "contacts", task_ids)
    out: dict[str, TaskState] = {}
    for key, record in records.items():
        props = record.properties or {}
        done = props.get("hs_task_status") in DONE_STATUSES
        # A done task's `updatedAt` is when it was completed, at the latest (the tasks guide
        # documents no completion timestamp).
        updated = getattr(record, "updated_at", None)
        contacts = sorted(
            (a.to_id for a in linked.get(str(record.id), [])),
            key=lambda value: (len(value), value),
        )
        out[key] = TaskState(
            key=key,
            crm_id=str(record.id),
            status="done" if done else "open",
            owner_id=str(props["hubspot_owner_id"]) if props.get("hubspot_owner_id") else None,
            contact_id=contacts[0] if contacts else None,
            due_at=moment(props.get("hs_timestamp")),
            completed_at=updated if done and isinstance(updated, datetime) else None,
        )
    return out
