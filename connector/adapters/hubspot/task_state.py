"""Connector-created HubSpot tasks after the fact: their current state by key, and new owners.

SLA escalation needs to know, for the follow-up tasks the connector created, whether the rep has
completed them and who holds them now, and to move the open ones to another owner. Both go in
bulk: states through the tasks search with an IN filter on the key property (100 keys per call,
as `TaskWriter` looks keys up) plus one v4 association batch read (tasks → contacts, 1,000 ids
per call) for the contact each task is about; owners through the tasks batch update, 100 per
call, which needs nothing but the task id and `hubspot_owner_id`.

HubSpot's tasks guide (developers.hubspot.com/docs/api/crm/tasks): `hs_timestamp` "marks the
task's due date"; `hubspot_owner_id` is "the owner ID of the user assigned to the task";
`hs_task_status` is "either COMPLETED or NOT_STARTED" for the API (the property's options also
hold IN_PROGRESS, WAITING and DEFERRED, which the UI sets). Only COMPLETED means the rep is done:
a task in progress, waiting or deferred is still open and may be escalated.

The key lookup goes through the search index, which lags writes by seconds (the same lag the
task writer waits out after a lost create): a task created moments before may not be found
yet. An absent key is therefore "not seen", not proof that the rep deleted the task.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

from connector.adapters.base import TaskReassignment, TaskState, WriteResult
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.failures import CRM
from connector.adapters.hubspot.query import next_after, read_associations, search_page
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
    """key → the first task (lowest id) holding it, searched 100 keys per call. HubSpot's guide
    asks for lower-case values with IN on text properties; the connector's keys are lower-case,
    and the comparison here ignores case too."""
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
                sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
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
            contacts = sorted(
                (a.to_id for a in linked.get(str(record.id), [])),
                key=lambda value: (len(value), value),
            )
            out[key] = TaskState(
                key=key,
                crm_id=str(record.id),
                status="done" if props.get("hs_task_status") in DONE_STATUSES else "open",
                owner_id=str(props["hubspot_owner_id"]) if props.get("hubspot_owner_id") else None,
                contact_id=contacts[0] if contacts else None,
                due_at=moment(props.get("hs_timestamp")),
                completed_at=_completed_at(record, props),
            )
        return out

    def reassign(self, moves: Sequence[TaskReassignment], update: Any) -> WriteResult:
        """New owners through the tasks batch update (`update` is the adapter's batch updater,
        which retries transient per-record errors and splits a 400 until the refused inputs are
        isolated, so one unknown owner never holds back the rest). Applied and rejected name
        the moves by task key."""
        # One input per task: HubSpot refuses a repeated id.
        by_id = {move.crm_id: move for move in moves}
        payload = {crm_id: {"hubspot_owner_id": move.owner_id} for crm_id, move in by_id.items()}
        result = WriteResult()
        for chunk in chunks(list(payload), self.client.settings.batch_size):
            outcome = update({crm_id: payload[crm_id] for crm_id in chunk}, self.object)
            result.applied += [by_id[crm_id].key for crm_id in outcome.applied]
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


def _completed_at(record: Any, props: dict[str, Any]) -> datetime | None:
    """When a done task was completed, as far as HubSpot's documented fields tell: its last
    modification (`updatedAt`). The tasks guide documents no completion timestamp, so this is
    an upper bound — exact unless someone edits the task after completing it."""
    if props.get("hs_task_status") not in DONE_STATUSES:
        return None
    updated = getattr(record, "updated_at", None)
    return updated if isinstance(updated, datetime) else None
