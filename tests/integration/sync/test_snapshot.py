"""The people snapshot `connector whatif` decides from: kept by backfill and sync through the
real adapter and HTTP, refreshed for the people a sync reads again, never by a dry run."""

import requests

from connector.sync.engine import RunOptions
from connector.sync.snapshot import PeopleSnapshot


def test_backfill_keeps_every_decided_person_with_their_engagement(sandbox, store, make_engine):
    summary = make_engine(sandbox, store).backfill(RunOptions())
    snapshot = PeopleSnapshot(store.engine)
    decided = summary.contacts_read - len(summary.skipped)
    assert snapshot.count("portal") == decided
    people = list(snapshot.people("portal", batch=150))
    assert len({p.contact.id for p in people}) == decided
    assert sum(len(p.engagements) for p in people) > decided  # engagement came along
    assert all(e.contact_id == p.contact.id for p in people for e in p.engagements)


def test_a_sync_refreshes_the_people_it_read_again(sandbox, store, make_engine):
    make_engine(sandbox, store).backfill(RunOptions())
    make_engine(sandbox, store).sync(RunOptions())  # reads back what the backfill wrote
    snapshot = PeopleSnapshot(store.engine)
    before = snapshot.count("portal")
    person = next(snapshot.people("portal"))
    answer = requests.patch(
        f"{sandbox.url}/crm/v3/objects/contacts/{person.contact.id}",
        json={"properties": {"jobtitle": "Chief Snapshot Officer"}},
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=10,
    )
    answer.raise_for_status()
    summary = make_engine(sandbox, store).sync(RunOptions())
    assert summary.contacts_read >= 1  # (the overlap window may re-read more)
    again = {p.contact.id: p for p in snapshot.people("portal")}
    assert len(again) == before  # replaced, not added
    assert again[person.contact.id].contact.job_title == "Chief Snapshot Officer"


def test_a_dry_run_keeps_no_snapshot(sandbox, store, make_engine):
    make_engine(sandbox, store).backfill(RunOptions(dry_run=True))
    make_engine(sandbox, store).sync(RunOptions(dry_run=True))
    assert PeopleSnapshot(store.engine).count("portal") == 0
