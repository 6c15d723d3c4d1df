"""Property: whatever people change in the CRM between syncs, no edit of theirs to a shared or
human field is ever overwritten, while the connector's own fields still converge (issue #19).

Random rounds of edits (owner, stage) by a person through the CRM's public API, each round
followed by a sync, on both CRMs through the sandboxes. Examples are few and small (each is a
series of real syncs); the sandbox and state store carry over between examples, as a real
account's would.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.domain.ownership import canonical
from connector.sync.engine import RunOptions
from tests.ownership_crms import RULES, Crm

#: A closed deal may move a stage a person set (`deals_override_manual_stage`, a rule saying
#: otherwise); this property is about people's edits alone.
POLICY = RULES.model_copy(
    update={"lifecycle": RULES.lifecycle.model_copy(update={"deals_override_manual_stage": False})}
)
#: Backward moves: those the rules would undo if they did not respect a person's edit.
STAGES = ("lead", "subscriber")
POOL = 8

edit = st.tuples(
    st.integers(0, POOL - 1), st.sampled_from(["owner_id", "lifecycle_stage"]), st.integers(0, 9)
)
rounds = st.lists(st.lists(edit, max_size=3), min_size=1, max_size=3)


def _value(crm: Crm, field: str, person: Any) -> str | None:
    if field == "owner_id":
        return person.owner_id
    return person.lifecycle_stage.value if person.lifecycle_stage else None


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=rounds)
def test_no_person_edit_is_overwritten_and_connector_fields_converge(crm: Crm, plan):
    if not crm.store.last_runs(crm.name):
        crm.engine(POLICY).backfill(RunOptions())
    # People the connector actively decides on: staged to MQL/SQL or given an owner by it.
    pool = sorted(
        {
            e["contact_id"]
            for e in crm.store.audit_entries(crm.name)
            if (e["kind"] == "transition" and e["new_value"] in ("mql", "sql"))
            or (e["kind"] == "write" and e["field"] == "owner_id")
        }
    )[:POOL]
    assert len(pool) == POOL
    owners = [None, *crm.rep_owner_ids()]
    human: dict[tuple[str, str], str | None] = {}  # (person, field) -> the person's last value
    for edits in plan:
        for index, field, choice in edits:
            person = pool[index]
            if field == "owner_id":
                value = owners[choice % len(owners)]
                if value is None:
                    crm.clear_owner(person)
                else:
                    crm.set_owner(person, value)
            else:
                value = STAGES[choice % len(STAGES)]
                crm.set_stage(person, value)
            mark = crm.store.field_marks(crm.name, [person]).get(person, {}).get(field)
            if canonical(value) == mark:
                # Set back to the connector's own value: no longer a person's edit (README).
                human.pop((person, field), None)
            else:
                human[(person, field)] = value
        summary = crm.sync(POLICY)
        assert summary.exit_code in (0, 1), summary.message
        now = crm.people(sorted({person for person, _ in human}))
        for (person, field), value in human.items():
            assert _value(crm, field, now[person]) == value, (person, field)
    # The connector's own fields converge: a full pass finds nothing of theirs left to write.
    crm.sync(POLICY)
    check = crm.engine(POLICY).backfill(RunOptions(dry_run=True))
    stale = [
        (p.contact_id, name)
        for p in check.plan
        for name in p.changes
        if name in ("score", "grade", "score_reasons")
    ]
    assert not stale, stale[:5]
