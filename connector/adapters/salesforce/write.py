"""Writing back: field updates through sObject Collections, and follow-up Tasks.

Updates: PATCH /composite/sobjects, 200 records per call, `allOrNone=false` so one bad record
never holds back the rest. Only the fields given (already diffed by the plan) are sent. A
collection may mix object types (processed in chunks per type, at most 10), so Leads and
Contacts share calls, Leads first. Records refused with UNABLE_TO_LOCK_ROW (another
transaction held the row) are sent again with backoff; other per-record errors come back as
`RecordError`s with Salesforce's own message.

Assignment rules: Salesforce applies a Lead's active assignment rules on every REST create or
update unless the request carries `Sforce-Auto-Assign: FALSE` (REST API Developer Guide,
"Assignment Rule Header"; default TRUE). So every write says FALSE, except owner changes when
the mapping sets `fire_assignment_rules: true`; those travel in their own calls with TRUE.

Tasks are idempotent by their TaskSpec key, stored in the mapping's `tasks.key_field` (an
External ID, Unique text field): existing keys are looked up with one IN query per chunk before
anything is created, and again after any create whose outcome is unknown (5xx, timeout, dropped
connection), so neither a re-run nor a crash between creating and recording makes a second task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connector.adapters.base import RecordError, TaskReassignment, WriteResult
from connector.adapters.errors import Failure
from connector.adapters.kit import Attempt, Outcome, chunks, create_once, retry_records
from connector.adapters.kit.updates import merge_updates
from connector.adapters.salesforce import query as soql
from connector.adapters.salesforce.endpoints import COLLECTIONS_CREATE, COLLECTIONS_UPDATE
from connector.adapters.salesforce.lengths import FieldLengths
from connector.adapters.salesforce.read import KEY_PREFIXES, PersonReader, object_of
from connector.domain.outcomes import ContactUpdate, TaskSpec, UpdatableField
from connector.domain.text import bounded, bounded_update
from connector.mapping.crm_schema import ContactField

BATCH_SIZE = 200  # sObject Collections' maximum
LOCKED = "UNABLE_TO_LOCK_ROW"
DUPLICATE = "DUPLICATE_VALUE"
# Documented lengths, the fallback where the org's describe reports none (lengths.py): the
# describe is what counts, since an admin may have made a field shorter.
SUBJECT_LENGTH = 255  # Task.Subject (describe: length 255)
DESCRIPTION_LENGTH = 32_000  # Task.Description (describe: Long Text Area, 32,000)
#: The connector's own text fields, at the lengths `mappings provision` has the admin create
#: (adapters/salesforce/describe.py): longer text is refused with STRING_TOO_LONG.
#: Only free text is cut: a grade or a lead status is a value from the rules or the mapping,
#: and a cut one would be wrong data (too long a value is refused by Salesforce, visibly, as a
#: configuration mistake, instead of landing as something no picklist holds).
TEXT_LENGTHS = {UpdatableField.SCORE_REASONS: 32_768}
AUTO_ASSIGN = "Sforce-Auto-Assign"


def salesforce_value(value: Any) -> Any:
    """A domain value as Salesforce's JSON expects it (datetimes in UTC with milliseconds)."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return value


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
        """The length of each free-text field this update writes, as the org describes it
        (described on the first such update of the run, never for an update without text)."""
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
                rejected.append(
                    RecordError(
                        record_id=update.contact_id,
                        code="UNKNOWN_OBJECT",
                        message="the id is neither a Lead (00Q) nor a Contact (003)",
                    )
                )
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
            for batch in chunks(pending, BATCH_SIZE):
                result = result.merge(self._update_batch(batch, fire))
        return result

    def _update_batch(self, batch: list[_Pending], fire: bool) -> WriteResult:
        """One collection call; records refused with UNABLE_TO_LOCK_ROW go again, alone."""
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

        done = retry_records(
            {item.key: item for item in batch},
            send,
            policy=self.settings.retry,
            sleep=self.client.sleep,
        )
        return WriteResult(applied=done.applied, rejected=done.rejected)

    # --- task owners (SLA escalation) ---

    def reassign_tasks(self, moves: Sequence[TaskReassignment]) -> WriteResult:
        """New `OwnerId`s through sObject Collections, 200 Tasks per call, `allOrNone=false`:
        an owner Salesforce refuses (INVALID_CROSS_REFERENCE_KEY for a User that does not
        exist, INACTIVE_OWNER_OR_USER for a deactivated one) comes back against the move's
        task key while the rest land. Assignment rules apply to Leads and Cases only; the
        header still says FALSE like every other write."""
        by_id = {move.crm_id: move for move in moves}  # one record per task per collection
        task_object = self.mapping.tasks.object
        pending = [
            _Pending(
                move.key,
                {"attributes": {"type": task_object}, "id": crm_id, "OwnerId": move.owner_id},
            )
            for crm_id, move in by_id.items()
        ]
        result = WriteResult()
        for batch in chunks(pending, BATCH_SIZE):
            result = result.merge(self._update_batch(batch, fire=False))
        return result

    # --- tasks ---

    def existing_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        """Task id per key already in Salesforce, looked up in bulk."""
        key_field = self.mapping.tasks.key_field
        task_object = self.mapping.tasks.object
        found: dict[str, str] = {}

        def build(chunk: list[str]) -> str:
            return soql.select(
                task_object, ["Id", key_field], "{key:literal} IN {keys}", key=key_field, keys=chunk
            )

        for query in self.client.queries_for(list(keys), build):
            for records in self.client.query_pages(query, action="look up existing tasks"):
                for record in records:
                    key = record.get(key_field)
                    if key:
                        found[str(key)] = str(record["Id"])
        return found

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
        """One task per key (the last spec of a key wins), created at most once (kit
        `create_once`); a 5xx, timeout or dropped connection is a lost answer."""
        return create_once(
            {
                spec.key: _Pending(spec.key, self._task_body(spec), spec.contact_id)
                for spec in tasks
            },
            find=self.existing_tasks,
            send=self._create_batch,
            batch_size=BATCH_SIZE,
            policy=self.settings.retry,
            lost=_unanswered,
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
            # Never retried as is: a lost answer is settled by looking the keys up again.
            policy=self.settings.retry.model_copy(update={"max_attempts": 1}),
        )
        attempt = Attempt()
        for item, outcome in zip(batch, results, strict=True):
            if outcome.get("success"):
                attempt.created[item.key] = str(outcome.get("id"))
                continue
            code, message, field = _error(outcome)
            if code == DUPLICATE:
                attempt.taken[item.key] = _task_rejected(item, code, "the task key is taken", None)
            elif code == LOCKED:
                attempt.transient[item.key] = _task_rejected(item, code, message, field)
            else:
                attempt.rejected[item.key] = _task_rejected(item, code, message, field)
        return attempt


def _unanswered(failure: Failure) -> bool:
    """No answer or a 5xx: the collection may have been committed before the answer failed.
    (A 429 or REQUEST_LIMIT_EXCEEDED answer means the request was never processed.)"""
    return failure.status is None or failure.status >= 500


def _task_rejected(item: _Pending, code: str, message: str, field: str | None) -> RecordError:
    """A refused task, reported against its contact with the key that names the task."""
    return RecordError(
        record_id=item.person, message=f"task {item.key}: {message}", code=code, field=field
    )
