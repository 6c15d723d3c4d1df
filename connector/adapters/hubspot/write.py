"""Writing to HubSpot: contact updates and follow-up tasks, in batches of 100.

A lifecycle stage moving backwards is first cleared, then set: HubSpot silently ignores a
backward value otherwise. All clears of a call go first, in full batches, then every set.
A 207 names the failed inputs (by id or `objectWriteTraceId`, set to the contact id or task
key): transient ones are retried, the others reported while the rest lands; a 400 for a whole
batch (HubSpot validates every input first) is split in halves until the culprits are isolated.
Tasks are created once by key (kit `create_once`): keys are searched before creating, and after
a lost answer again once the search index caught up.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.adapters.base import RecordError, TaskReassignment, WriteResult
from connector.adapters.errors import CrmRequestError
from connector.adapters.hubspot import endpoints, raw
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.query import HUBSPOT_DEFINED
from connector.adapters.hubspot.task_state import search_by_key
from connector.adapters.kit import Attempt, Outcome, chunks, create_once, retry_records
from connector.adapters.kit.create_once import once
from connector.adapters.kit.updates import merge_updates
from connector.adapters.kit.values import utc_millis
from connector.domain.outcomes import ContactUpdate, TaskSpec, UpdatableField
from connector.domain.stages import FUNNEL, LifecycleStage
from connector.domain.text import bounded
from connector.mapping.crm_schema import ContactField, HubSpotMapping
from connector.mapping.translate import PersonTranslator

log = logging.getLogger(__name__)

#: HubSpot's default lifecycle order: `other` comes last, so leaving it is a backward move.
HUBSPOT_STAGE_ORDER = {stage: rank for rank, stage in enumerate((*FUNNEL, LifecycleStage.OTHER))}
#: HubSpot-defined association type of a task to a contact (associations v4 type ids).
TASK_TO_CONTACT = 204
#: Per-record error categories that say "try again", not "this input is wrong".
TRANSIENT_CATEGORIES = frozenset(
    {"INTERNAL_ERROR", "SERVICE_UNAVAILABLE", "RATE_LIMITS", "TIMEOUT", "LOCKED"}
)
SPLITTABLE_STATUSES = frozenset({400, 409, 422})


#: "string: A plain text string, limited to 65,536 characters" (developers.hubspot.com,
#: properties guide); the API reports no per-property length, and the tasks' subject and body
#: are string properties too. Every text written is cut to it, visibly, instead of refused.
STRING_LENGTH = 65_536


def property_value(value: Any) -> str:
    """A property value as the API takes it; "" clears a property (HubSpot's documented way)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return utc_millis(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return bounded(str(value), STRING_LENGTH)


def _error_ids(error: Any) -> list[str]:
    context = error.context or {}
    ids = [str(value) for value in context.get("ids") or []]
    ids += [str(value) for value in context.get("objectWriteTraceId") or []]
    return list(dict.fromkeys(ids))


def _error_message(error: Any) -> str:
    details = [d.message for d in (error.errors or []) if getattr(d, "message", None)]
    message = error.message or ""
    if details and all(detail not in message for detail in details):
        message = f"{message} ({'; '.join(details)})" if message else "; ".join(details)
    return message or "rejected by HubSpot"


def _error_field(error: Any) -> str | None:
    for detail in error.errors or []:
        context = getattr(detail, "context", None) or {}
        names = context.get("propertyName") if isinstance(context, dict) else None
        if names:
            return str(names[0])
    return None


def sort_outcome(answer: Any, sent: Sequence[str], key_of: Callable[[Any], str | None]) -> Outcome:
    """Applied, rejected and transient ids of one batch answer (200/201 or 207)."""
    outcome = Outcome()
    sent_set = set(sent)
    for record in answer.results or []:
        key = key_of(record)
        if key in sent_set:
            outcome.applied.append(key)
    unattributed: list[str] = []
    for error in getattr(answer, "errors", None) or []:
        message = _error_message(error)
        ids = [i for i in _error_ids(error) if i in sent_set]
        if not ids:
            unattributed.append(message)
            continue
        code, field = error.category or "", _error_field(error)
        for record_id in ids:
            if code in TRANSIENT_CATEGORIES:
                transient = RecordError(record_id=record_id, message=message, code="TRANSIENT")
                outcome.transient[record_id] = transient
            else:
                reject = RecordError(record_id=record_id, message=message, code=code, field=field)
                outcome.rejected.append(reject)
    settled = {*outcome.applied, *outcome.transient, *(r.record_id for r in outcome.rejected)}
    for record_id in sent:
        if record_id not in settled:
            message = "; ".join(unattributed) or "HubSpot did not confirm this record"
            outcome.rejected.append(RecordError(record_id=record_id, message=message))
    return outcome


@dataclass(eq=False)
class Writer:
    client: HubSpotClient
    mapping: HubSpotMapping
    translator: PersonTranslator
    #: Extra properties to send with a contact's update: the echo fingerprint (see `echo`).
    stamp: Callable[[str, dict[str, str]], dict[str, str]] | None = None

    @staticmethod
    def moves_backwards(update: ContactUpdate) -> bool:
        """True when the new stage is earlier in HubSpot's order than the one held, or when
        what is held is unknown (clearing first is then the only safe way)."""
        stage = UpdatableField.LIFECYCLE_STAGE
        new = update.changes.get(stage)
        if new is None:
            return False
        if stage not in update.previous:
            return True
        old = update.previous[stage]
        return old is not None and (
            HUBSPOT_STAGE_ORDER[LifecycleStage(str(new))]
            < HUBSPOT_STAGE_ORDER[LifecycleStage(str(old))]
        )

    def apply_updates(self, updates: Sequence[ContactUpdate]) -> WriteResult:
        merged = merge_updates(updates)
        payload = {
            update.contact_id: {
                name: property_value(value)
                for name, value in self.translator.to_crm(update).items()
            }
            for update in merged.values()
        }
        # An update the mapping has no property for has nothing to send: done, not refused.
        result = WriteResult(applied=[cid for cid, props in payload.items() if not props])
        payload = {cid: props for cid, props in payload.items() if props}
        if self.stamp is not None:
            payload = {cid: {**props, **self.stamp(cid, props)} for cid, props in payload.items()}
        # All clears before all sets, each in full batches (not a clear of two or three
        # contacts with nearly every batch).
        backwards = [u.contact_id for u in merged.values() if self.moves_backwards(u)]
        stage = self.mapping.contact.fields[ContactField.LIFECYCLE_STAGE]
        cleared = self.update_records({cid: {stage: ""} for cid in backwards})
        refused = {r.record_id for r in cleared.rejected}
        done = self.update_records({c: props for c, props in payload.items() if c not in refused})
        result.applied += done.applied
        result.rejected += [*cleared.rejected, *done.rejected]
        log.debug(
            "hubspot contact updates: %d applied, %d rejected (%d moved back a stage)",
            len(result.applied),
            len(result.rejected),
            len(backwards),
        )
        return result

    def update_records(
        self, payload: dict[str, dict[str, str]], object_type: str = "contacts"
    ) -> Outcome:
        """Batch updates of `object_type` records (contacts, or tasks when they change owner), in
        full batches: transient per-record failures retried, 400s split."""
        outcome = Outcome()
        for chunk in chunks(list(payload), self.client.settings.batch_size):
            done = retry_records(
                {record_id: payload[record_id] for record_id in chunk},
                lambda pending: self._send_split(pending, object_type),
                policy=self.client.settings.retry,
                sleep=self.client.sleep,
            )
            outcome = outcome.add(done)
        return outcome

    def reassign_tasks(self, moves: Sequence[TaskReassignment]) -> WriteResult:
        """New owners through the batch update (it splits a 400, so one unknown owner never
        holds back the rest); results name the moves by task key."""
        by_id = {move.crm_id: move for move in moves}
        payload = {crm_id: {"hubspot_owner_id": move.owner_id} for crm_id, move in by_id.items()}
        outcome = self.update_records(payload, self.mapping.tasks.object)
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

    def _send_split(self, payload: dict[str, dict[str, str]], object_type: str) -> Outcome:
        if not payload:
            return Outcome()
        try:
            return self._send(payload, object_type)
        except CrmRequestError as refused:
            failure = refused.failure
            if failure is None or failure.status not in SPLITTABLE_STATUSES:
                raise
            if len(payload) == 1:
                (record_id,) = payload
                error = RecordError(record_id=record_id, message=failure.message, code=failure.code)
                return Outcome(rejected=[error])
            items = list(payload.items())
            half = len(items) // 2
            first = self._send_split(dict(items[:half]), object_type)
            return first.add(self._send_split(dict(items[half:]), object_type))

    def _send(self, payload: dict[str, dict[str, str]], object_type: str) -> Outcome:
        # Plain JSON in and out (`raw`): each SDK model costs a fresh Configuration, and the
        # answer echoes every record with all its properties.
        body = {
            "inputs": [
                {"id": contact_id, "properties": properties, "objectWriteTraceId": contact_id}
                for contact_id, properties in payload.items()
            ]
        }
        answer = self.client.send_json(
            endpoints.batch_update(object_type),
            lambda timeout: self.client.batch.update_with_http_info(
                object_type, body, _request_timeout=timeout, _preload_content=False
            ),
            action=f"update {object_type}",
            records=lambda _: len(payload),
        )
        return sort_outcome(raw.page(answer), list(payload), lambda record: str(record.id))

    # --- tasks ---

    def task_properties(self, spec: TaskSpec) -> dict[str, str]:
        tasks = self.mapping.tasks
        props = {
            "hs_task_subject": bounded(spec.subject, STRING_LENGTH),
            "hs_task_body": bounded(spec.body, STRING_LENGTH),
            "hs_task_status": tasks.status,
            "hs_task_priority": tasks.priority.get(spec.priority, spec.priority.value.upper()),
            "hs_task_type": "TODO",
            "hs_timestamp": utc_millis(spec.due_at),
            tasks.key_field: spec.key,
        }
        if spec.owner_id:
            props["hubspot_owner_id"] = spec.owner_id
        return props

    def existing_tasks(self, keys: Iterable[str]) -> dict[str, str]:
        """key → id of an existing task, searched 100 keys per call."""
        key_field = self.mapping.tasks.key_field
        found = search_by_key(self.client, key_field, keys, (), "look up existing tasks")
        return {key: str(record.id) for key, record in found.items()}

    def create_tasks(self, specs: Sequence[TaskSpec]) -> WriteResult:
        settings = self.client.settings
        unique: dict[str, TaskSpec] = {}
        for spec in specs:
            unique.setdefault(spec.key, spec)
        result = create_once(
            unique,
            find=self.existing_tasks,
            send=self._create_batch,
            batch_size=settings.batch_size,
            policy=settings.retry,
            settle_seconds=settings.search_index_lag_seconds,
            sleep=self.client.sleep,
        )
        log.debug(
            "hubspot tasks: %d created, %d already existed, %d rejected",
            len(result.applied),
            len(result.already_existed),
            len(result.rejected),
        )
        return result

    def _create_batch(self, pending: dict[str, TaskSpec]) -> Attempt:
        specs = list(pending.values())
        association = {"associationCategory": HUBSPOT_DEFINED, "associationTypeId": TASK_TO_CONTACT}
        body = {
            "inputs": [
                {
                    "properties": self.task_properties(spec),
                    "objectWriteTraceId": spec.key,
                    "associations": [{"to": {"id": spec.contact_id}, "types": [association]}],
                }
                for spec in specs
            ]
        }
        answer = raw.page(
            self.client.send_json(
                endpoints.batch_create("tasks"),
                lambda timeout: self.client.batch.create_with_http_info(
                    "tasks", body, _request_timeout=timeout, _preload_content=False
                ),
                action="create tasks",
                records=lambda _: len(specs),
                policy=once(self.client.settings.retry),
            )
        )

        def key_of(record: Any) -> str:
            return str((record.properties or {}).get(self.mapping.tasks.key_field) or "")

        outcome = sort_outcome(answer, list(pending), key_of)
        return Attempt(
            created={key_of(r): str(r.id) for r in answer.results if key_of(r) in pending},
            rejected={error.record_id: error for error in outcome.rejected},
            transient=outcome.transient,
        )
