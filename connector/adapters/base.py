"""The verbs every CRM adapter offers, and the values they exchange with the sync engine.

The sync engine only ever talks to this Protocol, so HubSpot, Salesforce and third-party
adapters (registered under the `connector.adapters` entry-point group) are interchangeable.
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from connector.adapters.usage import ApiUsage
from connector.domain.contact import Contact, Owner
from connector.domain.engagement import Engagement
from connector.domain.outcomes import ContactUpdate, TaskSpec


class CrmField(BaseModel):
    """One field as the CRM describes it: enough to check a mapping against the real schema."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str = ""
    type: str = Field(description="the CRM's own type name, e.g. 'number', 'picklist'")
    options: tuple[str, ...] = ()
    writable: bool = True
    custom: bool = False
    #: The most characters the field holds, where the CRM says (Salesforce, not HubSpot).
    length: int | None = None


class FieldSchema(BaseModel):
    """Fields per CRM object, e.g. {"contacts": {...}} or {"Lead": {...}, "Contact": {...}}."""

    objects: dict[str, dict[str, CrmField]] = {}

    def field(self, crm_object: str, name: str) -> CrmField | None:
        return self.objects.get(crm_object, {}).get(name)


class SchemaReport(BaseModel):
    """What an adapter's `check_mapping` found or its `provision` did, in one shape for every
    CRM: mapped fields that disagree (`problems`), "object.field" created through the API
    (HubSpot), lines for an admin to create by hand (Salesforce), a closing `summary`."""

    problems: list[str] = []
    created: list[str] = []
    for_admin: list[str] = []
    summary: str = ""

    def lines(self) -> list[str]:
        created = [f"created {name}" for name in self.created]
        return [
            *self.problems,
            *created,
            *self.for_admin,
            *([self.summary] if self.summary else []),
        ]


class RecordError(BaseModel):
    """A record the CRM (or the adapter) refused, with the CRM's own message."""

    model_config = ConfigDict(frozen=True)

    record_id: str
    message: str
    code: str = ""
    field: str | None = None


class WriteResult(BaseModel):
    """What happened to each record of a write: applied ids, per-record rejects, and for task
    creation the CRM id each idempotency key ended up with (new or already existing)."""

    applied: list[str] = []
    rejected: list[RecordError] = []
    created_ids: dict[str, str] = {}
    already_existed: list[str] = []

    def merge(self, other: "WriteResult") -> "WriteResult":
        return WriteResult(
            applied=[*self.applied, *other.applied],
            rejected=[*self.rejected, *other.rejected],
            created_ids={**self.created_ids, **other.created_ids},
            already_existed=[*self.already_existed, *other.already_existed],
        )


class ContactPage(BaseModel):
    """One page of a contact read. `cursor` resumes the read right after this page (a backfill
    checkpoints it); `skipped` are records whose data the rules cannot use, with the reason."""

    contacts: list[Contact] = []
    skipped: list[RecordError] = []
    cursor: str | None = None
    max_updated_at: datetime | None = None
    #: Ids of people the CRM deleted since the watermark, where the adapter can tell.
    deleted: list[str] = []


class KnownDecisions:
    """People a failed sync already decided (its journal was kept), each with the moment that
    sync's reads began: a person listed again with a change stamp no later than that moment
    was read after the change, so the adapter need not read them again. Anyone else, or a
    listing without a stamp, is read as usual. `carried` collects the ids left unread."""

    def __init__(self, read_at: Mapping[str, datetime]) -> None:
        self.read_at = dict(read_at)
        self.carried: set[str] = set()

    def covers(self, record_id: str, stamp: datetime | None, margin: timedelta) -> bool:
        """True (and noted) when the kept decision of `record_id` saw its change at `stamp`:
        stamped at least `margin` (the read overlap: a CRM stamps a change when its transaction
        began, and its clock is not ours) before the kept read began."""
        seen = self.read_at.get(record_id)
        if seen is None or stamp is None or stamp + margin > seen:
            return False
        self.carried.add(record_id)
        return True


@runtime_checkable
class ResumableRead(Protocol):
    """An adapter whose incremental read can leave out people a kept decision covers; the
    engine sets `known` around a sync's read. Optional: without it, everybody is read."""

    known: KnownDecisions | None


class TaskState(BaseModel):
    """A connector-created follow-up task as the CRM holds it now, for escalation."""

    model_config = ConfigDict(frozen=True)

    key: str = Field(description="the connector's idempotency key stored on the task")
    crm_id: str
    status: Literal["open", "done"]
    owner_id: str | None = None
    contact_id: str | None = None
    due_at: datetime | None = None
    #: When the rep completed it, where the CRM tells (for the funnel's speed to lead).
    completed_at: datetime | None = None


class TaskReassignment(BaseModel):
    """Move one open task to another owner (SLA escalation, `action: reassign`)."""

    model_config = ConfigDict(frozen=True)

    key: str
    crm_id: str
    owner_id: str


@runtime_checkable
class CrmAdapter(Protocol):
    """The verbs of DESIGN.md. Reads stream page by page; writes batch at the CRM's maximum and
    report per-record rejects instead of failing the whole batch."""

    name: str
    usage: ApiUsage

    def iter_contacts(self, since: datetime | None) -> Iterator[Contact]:
        """Every contact (since=None) or those modified since the watermark, in pages."""
        ...

    def iter_contact_pages(
        self, since: datetime | None, resume_after: str | None = None
    ) -> Iterator[ContactPage]:
        """The same read, page by page, with a resumable cursor and the skipped records."""
        ...

    def count_contacts(self, since: datetime | None) -> int | None:
        """How many contacts the read will yield, for progress bars; None when unknown."""
        ...

    def iter_engagements(
        self, contact_ids: Sequence[str] | None = None, since: datetime | None = None
    ) -> Iterator[Engagement]:
        """Engagement of these contacts (or since a time), fetched in bulk, never per contact."""
        ...

    def find_contacts(self, key: str) -> ContactPage:
        """The contact(s) whose CRM record id or e-mail address is `key` (`connector explain`)."""
        ...

    def read_contacts(self, contact_ids: Sequence[str]) -> ContactPage:
        """These contacts by CRM id, in full batches (people whose decision fell due with no CRM
        change); ids the CRM no longer holds are absent from the page, not errors."""
        ...

    def current_values(self, contact_ids: Sequence[str]) -> dict[str, Contact]:
        """These contacts' own fields as the CRM holds them right now, one call per batch
        (HubSpot batch read, Salesforce one SOQL per chunk) and nothing associated: read just
        before a write, so a shared field a person changed since the run read it is left alone
        (no lost update). Ids the CRM no longer holds, or cannot translate, are absent."""
        ...

    def task_states(self, keys: Sequence[str]) -> dict[str, TaskState]:
        """The current state of connector-created tasks by idempotency key, read in bulk; keys
        the CRM no longer holds are absent. HubSpot finds keys through its search index, which
        lags writes by seconds: a task created moments ago may be absent too."""
        ...

    def reassign_tasks(self, moves: Sequence[TaskReassignment]) -> WriteResult:
        """Give open tasks a new owner, batched; per-record rejects come back in the result.
        `applied` and each reject's `record_id` name the moves by task key."""
        ...

    def list_owners(self) -> list[Owner]: ...

    def describe_fields(self) -> FieldSchema: ...

    def check_mapping(self, schema: FieldSchema | None = None) -> SchemaReport:
        """The mapping against the CRM's schema (described unless given): `problems`."""
        ...

    def provision(self, schema: FieldSchema | None = None) -> SchemaReport:
        """The connector's own fields the CRM lacks: created where the API allows it
        (`created`), otherwise listed for an admin (`for_admin`)."""
        ...

    def apply_updates(self, updates: Sequence[ContactUpdate]) -> WriteResult: ...

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> WriteResult:
        """Idempotent by TaskSpec.key: a key already present in the CRM is never created again."""
        ...
