"""A small in-memory CRM adapter implementing the `CrmAdapter` Protocol, for engine tests that
must not wait for a sandbox (the integration tests run the same scenarios through the real
SDKs). It is a fake *adapter*, not a mocked SDK: the engine sees only the Protocol.

It counts what the engine asks for (`read_ids`, `task_state_keys`) and can stop the process
at a chosen verb (`crash_at`) the way a kill -9 would: with an exception the engine does not
catch, before or after the write landed.
"""

from collections.abc import Iterator, Sequence
from datetime import datetime

from connector.adapters.base import (
    ContactPage,
    FieldSchema,
    RecordError,
    TaskReassignment,
    TaskState,
    WriteResult,
)
from connector.adapters.usage import ApiUsage
from connector.domain.contact import Contact, Owner
from connector.domain.due import as_written
from connector.domain.engagement import Engagement
from connector.domain.outcomes import ContactUpdate, TaskSpec


class Killed(BaseException):
    """Stands for kill -9: not an Exception, so nothing in the engine handles it."""


class FakeCrm:
    name = "fake"

    def __init__(
        self,
        contacts: Sequence[Contact],
        engagements: Sequence[Engagement],
        owners: Sequence[Owner],
    ) -> None:
        self.usage = ApiUsage()
        self.contacts = {contact.id: contact for contact in contacts}
        self.engagements = list(engagements)
        self.owners = list(owners)
        self.tasks: dict[str, TaskSpec] = {}
        self.task_ids: dict[str, str] = {}
        self.task_status: dict[str, str] = {}
        self.task_owner: dict[str, str | None] = {}
        self.read_ids: list[str] = []
        self.task_state_keys: list[str] = []
        self.reassign_calls = 0
        self.crash_at: tuple[str, str] | None = None  # (verb, "before" | "after")
        self.refuse: set[str] = set()  # contact ids whose updates the "CRM" rejects

    def _maybe_crash(self, verb: str, when: str) -> None:
        if self.crash_at == (verb, when):
            self.crash_at = None
            raise Killed(f"killed {when} {verb}")

    # reads
    def iter_contacts(self, since: datetime | None) -> Iterator[Contact]:
        for page in self.iter_contact_pages(since):
            yield from page.contacts

    def iter_contact_pages(
        self, since: datetime | None, resume_after: str | None = None
    ) -> Iterator[ContactPage]:
        changed = [
            c
            for c in self.contacts.values()
            if since is None or (c.updated_at is not None and c.updated_at > since)
        ]
        if changed:
            stamps = [c.updated_at for c in changed if c.updated_at is not None]
            yield ContactPage(contacts=changed, max_updated_at=max(stamps, default=None))

    def count_contacts(self, since: datetime | None) -> int | None:
        return None

    def iter_engagements(
        self, contact_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> Iterator[Engagement]:
        wanted = set(contact_ids or ())
        return iter([e for e in self.engagements if e.contact_id in wanted])

    def find_contacts(self, key: str) -> ContactPage:
        return ContactPage(contacts=[c for c in self.contacts.values() if c.id == key])

    def read_contacts(self, contact_ids: Sequence[str]) -> ContactPage:
        self.read_ids.extend(contact_ids)
        return ContactPage(
            contacts=[self.contacts[cid] for cid in contact_ids if cid in self.contacts]
        )

    def current_values(self, contact_ids: Sequence[str]) -> dict[str, Contact]:
        return {cid: self.contacts[cid] for cid in contact_ids if cid in self.contacts}

    def task_states(self, keys: Sequence[str]) -> dict[str, TaskState]:
        self.task_state_keys.extend(keys)
        return {
            key: TaskState(
                key=key,
                crm_id=self.task_ids[key],
                status="done" if self.task_status[key] == "done" else "open",
                owner_id=self.task_owner[key],
                contact_id=self.tasks[key].contact_id,
                due_at=self.tasks[key].due_at,
            )
            for key in keys
            if key in self.tasks
        }

    def list_owners(self) -> list[Owner]:
        return list(self.owners)

    def describe_fields(self) -> FieldSchema:
        return FieldSchema()

    # writes: connector writes do not move the modification stamp here, so an incremental
    # read sees only what "people" changed (the echo of its own writes is another issue)
    def apply_updates(self, updates: Sequence[ContactUpdate]) -> WriteResult:
        self._maybe_crash("apply_updates", "before")
        refused = [u for u in updates if u.contact_id in self.refuse]
        updates = [u for u in updates if u.contact_id not in self.refuse]
        for update in updates:
            written = as_written(self.contacts[update.contact_id], update.changes)
            # journaled values come back as JSON: validate as the real adapters parse them
            self.contacts[update.contact_id] = Contact.model_validate(dict(written))
        self._maybe_crash("apply_updates", "after")
        return WriteResult(
            applied=[u.contact_id for u in updates],
            rejected=[RecordError(record_id=u.contact_id, message="refused") for u in refused],
        )

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> WriteResult:
        self._maybe_crash("create_tasks", "before")
        result = WriteResult()
        for task in tasks:
            if task.key in self.tasks:
                result.already_existed.append(task.key)
            else:
                self.tasks[task.key] = task
                self.task_ids[task.key] = f"t-{len(self.tasks)}"
                self.task_status[task.key] = "open"
                self.task_owner[task.key] = task.owner_id
            result.created_ids[task.key] = self.task_ids[task.key]
        self._maybe_crash("create_tasks", "after")
        return result

    def reassign_tasks(self, moves: Sequence[TaskReassignment]) -> WriteResult:
        self._maybe_crash("reassign_tasks", "before")
        self.reassign_calls += 1
        result = WriteResult()
        for move in moves:
            if move.key not in self.tasks:
                result.rejected.append(RecordError(record_id=move.key, message="no task"))
                continue
            self.task_owner[move.key] = move.owner_id
            result.applied.append(move.key)  # moves are named by task key (adapters/base.py)
        self._maybe_crash("reassign_tasks", "after")
        return result
