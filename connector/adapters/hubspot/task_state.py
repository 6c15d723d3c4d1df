"""Connector-created HubSpot tasks after the fact: their current state by key, and new owners.

For SLA escalation, in bulk: states through the tasks search with an IN filter on the key
property (100 keys per call) plus one v4 association batch read for each task's contact; owners
through the tasks batch update, 100 per call. Only `hs_task_status` COMPLETED means done (the
tasks guide; IN_PROGRESS, WAITING and DEFERRED are still open). The key search goes through the
search index, which lags writes by seconds: an absent key is "not seen", not proof the rep
deleted the task.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

from connector.adapters.base import TaskReassignment, TaskState, WriteResult
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.failures import CRM
from connector.adapters.hubspot.query import ID_PROPERTY, next_after, read_associations, search_page
from connector.adapters.kit import chunks, paginate
from connector.adapters.kit.values import moment
from connector.mapping.crm_schema import HubSpotMapping

log = logging.getLogger(__name__)

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


class TaskStates:
    """Reads the state of connector-created tasks and moves them to other owners."""

    def __init__(self, client: HubSpotClient, mapping: HubSpotMapping) -> None:
        self.client = client
        self.object = mapping.tasks.object
        self.key_field = mapping.tasks.key_field

    def states(self, keys: Sequence[str]) -> dict[str, TaskState]:
        """key → TaskState for the keys HubSpot holds (archived tasks and unknown keys are
        absent): ⌈keys/100⌉ searches and ⌈tasks/1,000⌉ association reads."""
        records = search_by_key(
            self.client, self.key_field, keys, STATE_PROPERTIES, "read task states"
        )
        task_ids = [str(record.id) for record in records.values()]
        linked = read_associations(self.client, self.object, "contacts", task_ids)
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

    def reassign(self, moves: Sequence[TaskReassignment], update: Any) -> WriteResult:
        """New owners through `update`, the adapter's batch updater (it splits a 400, so one
        unknown owner never holds back the rest); results name the moves by task key."""
        by_id = {move.crm_id: move for move in moves}
        payload = {crm_id: {"hubspot_owner_id": move.owner_id} for crm_id, move in by_id.items()}
        outcome = update(payload, self.object)
        result = WriteResult(applied=[by_id[crm_id].key for crm_id in outcome.applied])
        result.rejected += [
            error.model_copy(
                update={
                    "record_id": by_id[error.record_id].key,
                    "message": f"task {error.record_id}: {error.message}",
                }
            )
            for error in outcome.rejected
        ]
        log.debug(
            "hubspot task owners: %d moved, %d rejected", len(result.applied), len(result.rejected)
        )
        return result
