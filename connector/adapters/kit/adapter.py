"""The part of an adapter class that is the same for every CRM: the request counter, the
injected sleep (tests and fault storms never wait on the wall clock), the verbs that follow
from others, and those its contact reader or its writer answers as they are."""

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack

from connector.adapters.base import ContactPage, KnownDecisions, TaskReassignment, WriteResult
from connector.adapters.usage import ApiUsage
from connector.domain.contact import Contact
from connector.domain.outcomes import ContactUpdate, TaskSpec


class AdapterOptions(TypedDict, total=False):
    """Keyword options every adapter takes besides its settings and mapping."""

    usage: ApiUsage | None
    sleep: Callable[[float], None] | None


class AdapterBase:
    name: str
    #: The CRM's contact reader (`pages`, `find`, `by_ids`, `current`); it holds `known` for
    #: the incremental read.
    reader: Any
    #: The CRM's writer (`apply_updates`, `create_tasks`, `reassign_tasks`).
    writer: Any

    def __init__(self, **options: Unpack[AdapterOptions]) -> None:
        self.usage = options.get("usage") or ApiUsage()
        self.sleep = options.get("sleep") or time.sleep

    @property
    def known(self) -> KnownDecisions | None:
        """People a failed sync already decided; an incremental read lists them but reads
        only those changed since (`ResumableRead`)."""
        return self.reader.known

    @known.setter
    def known(self, value: KnownDecisions | None) -> None:
        self.reader.known = value

    def iter_contact_pages(
        self, since: datetime | None, resume_after: str | None = None
    ) -> Iterator[ContactPage]:
        return self.reader.pages(since, resume_after)

    def find_contacts(self, key: str) -> ContactPage:
        return self.reader.find(key)

    def read_contacts(self, contact_ids: Sequence[str]) -> ContactPage:
        return self.reader.by_ids(contact_ids)

    def current_values(self, contact_ids: Sequence[str]) -> dict[str, Contact]:
        return self.reader.current(contact_ids)

    def iter_contacts(self, since: datetime | None) -> Iterator[Contact]:
        """The contacts of `iter_contact_pages`, page after page."""
        for page in self.iter_contact_pages(since):
            yield from page.contacts

    def apply_updates(self, updates: Sequence[ContactUpdate]) -> WriteResult:
        return self.writer.apply_updates(updates)

    def create_tasks(self, tasks: Sequence[TaskSpec]) -> WriteResult:
        return self.writer.create_tasks(tasks)

    def reassign_tasks(self, moves: Sequence[TaskReassignment]) -> WriteResult:
        return self.writer.reassign_tasks(moves)
