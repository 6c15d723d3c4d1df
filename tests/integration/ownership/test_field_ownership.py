"""Never overwrite a person (issue #19): on both CRMs, through the sandboxes, a shared field a
person changed is left alone and audited — whether the person changed it long before the sync,
between its read and its write, or while a failed sync's journal waited for its replay —
while the connector's own fields keep being written."""

from __future__ import annotations

from connector.domain.ownership import FieldOwner
from connector.domain.stages import LifecycleStage
from connector.sync.engine import RunOptions
from tests.ownership_crms import Crm, once

ADVANCED = (LifecycleStage.MQL, LifecycleStage.SQL)


def _holds(crm: Crm, field: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in crm.store.audit_entries(crm.name):
        if entry["kind"] == "hold" and entry["field"] == field:
            found.setdefault(entry["contact_id"], []).append(entry)
    return found


def _staged_by_connector(crm: Crm) -> set[str]:
    return {
        e["contact_id"]
        for e in crm.store.audit_entries(crm.name)
        if e["field"] == "lifecycle_stage" and e["kind"] in ("write", "transition")
    }


def test_a_manual_backward_stage_on_a_never_staged_person_is_respected(crm: Crm):
    crm.backfill()
    staged = _staged_by_connector(crm)
    everyone = [row["contact_id"] for row in crm.store.audit_entries(crm.name)]
    people = crm.people(sorted(set(everyone)))
    never_staged = [
        c.id for c in people.values() if c.lifecycle_stage in ADVANCED and c.id not in staged
    ]
    assert never_staged, "the seed holds people already past lead that the connector left alone"
    for person in never_staged:
        crm.set_stage(person, "lead")

    # Without ownership (the stage the connector's), the rules would move them forward again:
    connector_owned = crm.engine().policy.model_copy(
        update={
            "ownership": crm.engine().policy.ownership.model_copy(
                update={"lifecycle_stage": FieldOwner.CONNECTOR}
            )
        }
    )
    would = crm.sync(connector_owned, dry_run=True)
    moved = {p.contact_id for p in would.plan if "lifecycle_stage" in p.changes}
    assert moved & set(never_staged)

    summary = crm.sync()
    assert summary.exit_code == 0, summary.message
    after = crm.people(never_staged)
    assert {after[p].lifecycle_stage for p in never_staged} == {LifecycleStage.LEAD}
    holds = _holds(crm, "lifecycle_stage")
    for person in moved & set(never_staged):
        assert holds[person][-1]["rule"].startswith("lifecycle_stage was changed in the CRM")
        assert holds[person][-1]["actor"]  # who: user@host connector/version
    # the connector's own fields still converge: a second sync has nothing left to write
    again = crm.sync()
    assert again.updates_applied == 0


def test_an_owner_edit_between_read_and_write_is_not_lost(crm: Crm):
    plan = crm.sync(dry_run=True).plan
    routed = [p for p in plan if p.changes.get("owner_id")]
    assert len(routed) >= 3
    targets = routed[:3]
    reps = crm.rep_owner_ids()
    choice = {p.contact_id: next(r for r in reps if r != p.changes["owner_id"]) for p in targets}

    def rep_edits() -> None:
        for person, owner in choice.items():
            crm.set_owner(person, owner)

    remove = crm.app.on_request(once(crm.is_reread, rep_edits))
    try:
        summary = crm.sync()
    finally:
        remove()
    assert summary.exit_code == 0, summary.message
    now = crm.people([p.contact_id for p in routed])
    for person, owner in choice.items():
        assert now[person].owner_id == owner  # the rep's choice stands
    for p in routed[3:]:
        assert now[p.contact_id].owner_id == p.changes["owner_id"]  # the others were routed
    holds = _holds(crm, "owner_id")
    assert set(choice) <= set(holds)
    for person in choice:
        assert "after this run read it" in holds[person][-1]["rule"]
    # and the next run keeps the rep's choice: it differs from the connector's last write
    crm.sync()
    again = crm.people(list(choice))
    assert {person: again[person].owner_id for person in choice} == choice


def test_an_owner_edit_before_a_failed_syncs_replay_is_not_lost(crm: Crm):
    plan = crm.sync(dry_run=True).plan
    routed = [p for p in plan if p.changes.get("owner_id")]
    assert routed
    person = routed[0].contact_id
    reps = crm.rep_owner_ids()
    owner = next(r for r in reps if r != routed[0].changes["owner_id"])

    def fail(request) -> None:  # the CRM refuses every write: the sync fails after journaling
        if crm.is_update(request):
            raise RuntimeError("the CRM is down")

    remove = crm.app.on_request(fail)
    try:
        failed = crm.sync()
    finally:
        remove()
    assert failed.outcome == "failed"
    assert crm.store.pending(crm.name) is not None  # its plan waits in the journal
    crm.set_owner(person, owner)

    replay = crm.sync()
    assert replay.recovered_updates > 0
    assert crm.people([person])[person].owner_id == owner
    assert "after this run read it" in _holds(crm, "owner_id")[person][-1]["rule"]
    # the failed run is closed, not left "running", and says who finished its work
    runs = {r["id"]: r for r in crm.store.last_runs(crm.name, limit=5)}
    first = min(runs)
    assert runs[first]["outcome"] == "failed"


def test_every_write_names_the_rule_that_decided_it_and_who_made_it(crm: Crm):
    crm.backfill()
    writes = [e for e in crm.store.audit_entries(crm.name) if e["kind"] == "write"]
    prefixes = {"score": "scoring: ", "grade": "fit: ", "owner_id": "routing rule "}
    for field, prefix in prefixes.items():
        of_field = [e for e in writes if e["field"] == field]
        assert of_field, field
        assert all(e["rule"] and e["rule"].startswith(prefix) for e in of_field), field
    assert all(
        "@" in e["actor"] and " connector/" in e["actor"] for e in crm.store.audit_entries(crm.name)
    )


def test_a_field_owned_by_people_is_never_written(crm: Crm):
    rules = crm.engine().policy
    people_own_owner = rules.model_copy(
        update={"ownership": rules.ownership.model_copy(update={"owner_id": FieldOwner.HUMAN})}
    )
    would = crm.sync(dry_run=True).plan  # with the shipped ownership, owners are routed
    assert any(p.changes.get("owner_id") for p in would)

    summary = crm.engine(people_own_owner).backfill(RunOptions())
    assert summary.exit_code == 0, summary.message
    entries = crm.store.audit_entries(crm.name)
    assert not [e for e in entries if e["kind"] == "write" and e["field"] == "owner_id"]
    holds = [e for e in entries if e["kind"] == "hold" and e["field"] == "owner_id"]
    assert holds and all("ownership: human" in e["rule"] for e in holds)
    assert summary.fields_held >= len(holds)
