"""The people snapshot: the Contact + Engagement inputs the last runs decided on.

Sync and backfill keep it (one row per person, replaced each time the person is decided again),
so `connector whatif` can decide everyone twice — live and proposed rules — without reading the
CRM: cheap in API calls and fast. Rows are read back in key order, a batch at a time (keyset
paging, portable across SQLite and PostgreSQL), so memory stays flat at any size.

A person the CRM deleted leaves the snapshot at the next sync when the adapter can tell
(Salesforce getDeleted: `forget`); otherwise they stay until a `whatif --refresh` shows the CRM
as it is now. The snapshot never feeds a write, only previews.
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import Engine, func, insert, select

from connector.domain.contact import Contact
from connector.domain.engagement import Engagement
from connector.sync.schema import snapshot_people
from connector.sync.state import delete_rows, executemany, rows_in

READ_BATCH = 2000


class SnapshotPerson(BaseModel):
    """One person as a run read them: the contact and every engagement it was decided with."""

    contact: Contact
    engagements: list[Engagement] = []


class PeopleSnapshot:
    """The snapshot table of one state store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(
        self,
        account: str,
        people: Sequence[tuple[Contact, Sequence[Engagement]]],
        read_at: datetime | None = None,
    ) -> None:
        """Replace these people's rows (one transaction per page the engine decided)."""
        if not people:
            return
        at, latest = read_at or datetime.now(UTC), {c.id: (c, e) for c, e in people}
        rows = [
            {
                "account": account,
                "contact_id": contact.id,
                "payload": SnapshotPerson(
                    contact=contact, engagements=list(engagements)
                ).model_dump_json(),
                "read_at": at,
            }
            for contact, engagements in latest.values()
        ]
        with self.engine.begin() as tx:
            keys = [{"account": account, "contact_id": c} for c in latest]
            delete_rows(tx, snapshot_people, keys)
            executemany(tx, insert(snapshot_people), rows)

    def known(self, account: str, contact_ids: Sequence[str]) -> set[str]:
        """Which of these people the snapshot holds."""
        query = select(snapshot_people.c.contact_id).where(snapshot_people.c.account == account)
        with self.engine.connect() as connection:
            rows = rows_in(connection, query, snapshot_people.c.contact_id, contact_ids)
            return {row.contact_id for row in rows}

    def forget(self, account: str, contact_ids: Sequence[str]) -> None:
        """Drop these people's rows (the CRM deleted them)."""
        with self.engine.begin() as tx:
            keys = [{"account": account, "contact_id": c} for c in dict.fromkeys(contact_ids)]
            delete_rows(tx, snapshot_people, keys)

    def count(self, account: str) -> int:
        query = select(func.count()).where(snapshot_people.c.account == account)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def people(self, account: str, batch: int = READ_BATCH) -> Iterator[SnapshotPerson]:
        """Every person of the account, in contact-id order, `batch` rows per query."""
        after = ""  # below every contact id
        while True:
            query = (
                select(snapshot_people.c.contact_id, snapshot_people.c.payload)
                .where(snapshot_people.c.account == account, snapshot_people.c.contact_id > after)
                .order_by(snapshot_people.c.contact_id)
                .limit(batch)
            )
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
            if not rows:
                return
            after = rows[-1].contact_id
            for row in rows:
                yield SnapshotPerson.model_validate_json(row.payload)
