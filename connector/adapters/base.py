"""The verbs every CRM adapter offers, and the values they exchange with the sync engine.

The sync engine only ever talks to this Protocol, so HubSpot, Salesforce and third-party
adapters (registered under the `connector.adapters` entry-point group) are interchangeable.
"""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

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


class FieldSchema(BaseModel):
    """Fields per CRM object, e.g. {"contacts": {...}} or {"Lead": {...}, "Contact": {...}}."""

    objects: dict[str, dict[str, CrmField]] = {}

    def field(self, crm_object: str, name: str) -> CrmField | None:
        return self.objects.get(crm_object, {}).get(name)


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

    def list_owners(self) -> list[Owner]: ...

    def describe_fields(self) -> FieldSchema: ...

    def apply_updates(self, updates: Sequence[ContactUpdate]) -> WriteResult: ...

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> WriteResult:
        """Idempotent by TaskSpec.key: a key already present in the CRM is never created again."""
        ...
