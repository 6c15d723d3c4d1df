"""Writing back: field updates through sObject Collections, and follow-up Tasks.

Updates: PATCH /composite/sobjects, 200 records per call, `allOrNone=false` so one bad record
never holds back the rest; Leads and Contacts share calls, Leads first (a mixed collection is
processed in chunks per type). UNABLE_TO_LOCK_ROW is retried with backoff. Salesforce runs a
Lead's assignment rules on every REST write unless it carries `Sforce-Auto-Assign: FALSE`
(REST API Developer Guide, "Assignment Rule Header"), so every write says FALSE except owner
changes when the mapping sets `fire_assignment_rules: true`, which go in their own calls.
Tasks are created once by key (kit `create_once`; the key field is an External ID, Unique).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.adapters.base import RecordError, TaskReassignment, WriteResult
from connector.adapters.kit import Attempt, Outcome, chunks, create_once, retry_records
from connector.adapters.kit.create_once import once
from connector.adapters.kit.updates import merge_updates
from connector.adapters.kit.values import utc_millis
from connector.adapters.salesforce.describe import FieldLengths
from connector.adapters.salesforce.endpoints import COLLECTIONS_CREATE, COLLECTIONS_UPDATE
from connector.adapters.salesforce.read import KEY_PREFIXES, PersonReader, object_of, unknown_object
from connector.adapters.salesforce.task_state import rows_by_key
from connector.domain.outcomes import ContactUpdate, TaskSpec, UpdatableField
from connector.domain.text import bounded, bounded_update
from connector.mapping.crm_schema import ContactField

BATCH_SIZE = 200  # sObject Collections' maximum
LOCKED = "UNABLE_TO_LOCK_ROW"
DUPLICATE = "DUPLICATE_VALUE"
# Documented lengths, where the org's describe reports none (an admin may shorten a field).
SUBJECT_LENGTH = 255  # Task.Subject (describe: length 255)
DESCRIPTION_LENGTH = 32_000  # Task.Description (describe: Long Text Area, 32,000)
#: Free text the connector writes, at the length `mappings provision` asks for (longer is
#: refused with STRING_TOO_LONG). Only free text is cut: a cut grade or status would be wrong.
TEXT_LENGTHS = {UpdatableField.SCORE_REASONS: 32_768}
AUTO_ASSIGN = "Sforce-Auto-Assign"


def salesforce_value(value: Any) -> Any:
    """A domain value as Salesforce's JSON expects it."""
    return utc_millis(value) if isinstance(value, datetime) else value


@dataclass
class _Pending:
    """One record of a collection call and what it stands for."""

    key: str  # the contact id of an update, the task key of a task
    body: dict[str, Any]
    person: str = ""  # the contact a task is for: rejects are reported against it


def _merged(updates: Sequence[ContactUpdate]) -> list[ContactUpdate]:
    """One update per record, Leads first so a mixed collection is processed in two chunks."""
    lead = KEY_PREFIXES["Lead"]
    merged = merge_updates(updates).values()
    return sorted(merged, key=lambda u: (u.contact_id[:3] != lead, u.contact_id))


def _error(result: dict[str, Any]) -> tuple[str, str, str | None]:
    errors = result.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    fields = first.get("fields") or []
    return (
        str(first.get("statusCode") or "UNKNOWN"),
        str(first.get("message") or "refused without a message"),
        str(fields[0]) if fields else None,
    )


class Writer:
    """Writes with the person reader's client, mapping and settings (it knows each person
    object's fields and translator)."""

    def __init__(self, people: PersonReader) -> None:
        self.people = people
        self.client, self.mapping, self.settings = people.client, people.mapping, people.settings
        self.lengths = FieldLengths(self.client)

    def _text_limits(self, update: ContactUpdate, object_name: str) -> dict[UpdatableField, int]:
        """The length of each free-text field this update writes, as the org describes it."""
        source = next(s for s in self.people.sources if s.name == object_name)
        limits: dict[UpdatableField, int] = {}
        for field, documented in TEXT_LENGTHS.items():
            name = source.mapping.fields.get(ContactField(field.value))
            if name is not None and isinstance(update.changes.get(field), str):
                limits[field] = self.lengths.length(object_name, name, documented)
        return limits

    # --- updates ---

    def apply_updates(self, updates: Sequence[ContactUpdate]) -> WriteResult:
        translators = {source.name: source.translator for source in self.people.sources}
        rejected: list[RecordError] = []
        applied: list[str] = []
        quiet: list[_Pending] = []  # never fire assignment rules
        firing: list[_Pending] = []  # owner changes, when the mapping says to fire them
        for update in _merged(updates):
            object_name = object_of(update.contact_id)
            if object_name is None:
                rejected.append(unknown_object(update.contact_id))
                continue
            limits = self._text_limits(update, object_name)
            fields = translators[object_name].to_crm(bounded_update(update, limits))
            owner_field = self.people.owner_field(object_name)
            if owner_field and owner_field in fields and fields[owner_field] is None:
                del fields[owner_field]  # a Salesforce record always has an owner
            if not fields:
                applied.append(update.contact_id)
                continue
            body = {
                "attributes": {"type": object_name},
                "id": update.contact_id,
                **{name: salesforce_value(value) for name, value in fields.items()},
            }
            owner_change = UpdatableField.OWNER_ID in update.changes
            target = firing if owner_change and self.mapping.fire_assignment_rules else quiet
            target.append(_Pending(update.contact_id, body))
        result = WriteResult(applied=applied, rejected=rejected)
        for pending, fire in ((quiet, False), (firing, True)):
            result = result.merge(self._update(pending, fire))
        return result

    def _update(self, records: list[_Pending], fire: bool) -> WriteResult:
        """One collection call per 200 records; those refused with UNABLE_TO_LOCK_ROW go again,
        alone."""
        headers = {AUTO_ASSIGN: "TRUE" if fire else "FALSE"}

        def send(pending: dict[str, _Pending]) -> Outcome:
            results = self.client.rest(
                COLLECTIONS_UPDATE,
                "composite/sobjects",
                method="PATCH",
                body={"allOrNone": False, "records": [item.body for item in pending.values()]},
                headers=headers,
                records=len(pending),
                action=f"update {len(pending)} Salesforce records",
            )
            outcome = Outcome()
            for key, result in zip(pending, results, strict=True):
                if result.get("success"):
                    outcome.applied.append(key)
                    continue
                code, message, field = _error(result)
                error = RecordError(record_id=key, message=message, code=code, field=field)
                if code == LOCKED:
                    outcome.transient[key] = error
                else:
                    outcome.rejected.append(error)
            return outcome

        result = WriteResult()
        for batch in chunks(records, BATCH_SIZE):
            pending = {item.key: item for item in batch}
            done = retry_records(pending, send, policy=self.settings.retry, sleep=self.client.sleep)
            result.applied += done.applied
            result.rejected += done.rejected
        return result

    # --- task owners (SLA escalation) ---

    def reassign_tasks(self, moves: Sequence[TaskReassignment]) -> WriteResult:
        """New `OwnerId`s, 200 Tasks per call; a refused owner (INVALID_CROSS_REFERENCE_KEY,
        INACTIVE_OWNER_OR_USER) comes back against the move's task key, the rest land."""
        by_id = {move.crm_id: move for move in moves}  # one record per task per collection
        task_object = self.mapping.tasks.object
        pending = [
            _Pending(
                move.key,
                {"attributes": {"type": task_object}, "id": crm_id, "OwnerId": move.owner_id},
            )
            for crm_id, move in by_id.items()
        ]
        return self._update(pending, fire=False)

    # --- tasks ---

    def existing_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        """Task id per key already in Salesforce, looked up in bulk."""
        rows = rows_by_key(self.client, self.mapping.tasks, keys, ["Id"], "look up existing tasks")
        return {key: str(row["Id"]) for key, row in rows.items()}

    def _task_body(self, spec: TaskSpec) -> dict[str, Any]:
        tasks = self.mapping.tasks
        body: dict[str, Any] = {
            "attributes": {"type": tasks.object},
            "WhoId": spec.contact_id,
            "Subject": bounded(
                spec.subject, self.lengths.length(tasks.object, "Subject", SUBJECT_LENGTH)
            ),
            "Description": bounded(
                spec.body, self.lengths.length(tasks.object, "Description", DESCRIPTION_LENGTH)
            ),
            "ActivityDate": spec.due_at.date().isoformat(),
            "Priority": tasks.priority[spec.priority],
            "Status": tasks.status,
            tasks.key_field: spec.key,
        }
        if spec.owner_id:
            body["OwnerId"] = spec.owner_id
        return body

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> WriteResult:
        """One task per key (the last spec of a key wins), created at most once."""
        return create_once(
            {
                spec.key: _Pending(spec.key, self._task_body(spec), spec.contact_id)
                for spec in tasks
            },
            find=self.existing_tasks,
            send=self._create_batch,
            batch_size=BATCH_SIZE,
            policy=self.settings.retry,
            sleep=self.client.sleep,
        )

    def _create_batch(self, pending: dict[str, _Pending]) -> Attempt:
        batch = list(pending.values())
        results = self.client.rest(
            COLLECTIONS_CREATE,
            "composite/sobjects",
            method="POST",
            body={"allOrNone": False, "records": [item.body for item in batch]},
            headers={AUTO_ASSIGN: "FALSE"},
            records=len(batch),
            action=f"create {len(batch)} Salesforce tasks",
            policy=once(self.settings.retry),
        )
        attempt = Attempt()
        for item, outcome in zip(batch, results, strict=True):
            if outcome.get("success"):
                attempt.created[item.key] = str(outcome.get("id"))
                continue
            code, message, field = _error(outcome)
            if code == DUPLICATE:
                message, field = "the task key is taken", None
            # A refused task is reported against its contact, with the key that names the task.
            error = RecordError(
                record_id=item.person, message=f"task {item.key}: {message}", code=code, field=field
            )
            into = {DUPLICATE: attempt.taken, LOCKED: attempt.transient}.get(code, attempt.rejected)
            into[item.key] = error
        return attempt
