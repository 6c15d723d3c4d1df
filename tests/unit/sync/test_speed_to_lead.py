"""Time does its work without a CRM change: a time jump (the engine's clock, as
CONNECTOR_AS_OF sets it) re-decides exactly the people that are due, cools stored scores under
the refresh rule, and escalates overdue follow-up tasks exactly once — also across a kill at
any write. Through the in-memory fake adapter (tests/integration runs the sandboxes)."""

from datetime import datetime, timedelta

import pytest

from connector.domain.contact import Contact
from connector.domain.engagement import Engagement
from connector.domain.outcomes import ContactUpdate, UpdatableField
from connector.domain.policy import RulesPolicy
from connector.domain.stages import LifecycleStage
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.guard import ChangeLimit
from connector.sync.report import RunSummary
from connector.sync.speed import only_cools
from connector.sync.state import StateStore
from tests.factories import NOW, contact, event, owners, policy_with, shipped_policy
from tests.unit.sync.fake_crm import FakeCrm, Killed

ACCOUNT = "acct"


def mql_events(contact_id: str = "c-1") -> list[Engagement]:
    kinds = [
        ("webinar_attended", 1),
        ("webinar_attended", 2),
        ("content_download", 1),
        ("content_download", 3),
        ("website_visit", 1),
        ("email_click", 2),
        ("form_submission", 2),
        ("event_attended", 1),
    ]
    return [event(kind, days_ago=age, contact_id=contact_id) for kind, age in kinds]


def escalating_policy(action: str = "reassign", **extra: object) -> RulesPolicy:
    tasks = shipped_policy().tasks.model_dump(mode="json")
    tasks["on_stage"]["mql"].update(
        {"escalate_after_business_minutes": 60, "action": action, **extra}
    )
    return policy_with(tasks=tasks)


def run(
    crm: FakeCrm, store: StateStore, policy: RulesPolicy, at: datetime, **options
) -> RunSummary:
    engine = SyncEngine(crm, policy, store, ACCOUNT, clock=lambda: at, wall_clock=lambda: at)
    return engine.sync(RunOptions(**options))


@pytest.fixture
def store(tmp_path) -> StateStore:
    return StateStore.open(str(tmp_path / "state.sqlite"))


def lead(contact_id: str = "c-1", **overrides: object) -> Contact:
    values = {"lifecycle_stage": LifecycleStage.LEAD, "updated_at": NOW - timedelta(hours=1)}
    return contact(id=contact_id, **{**values, **overrides})


# --- due times -------------------------------------------------------------------------------


def test_a_time_jump_recycles_an_idle_mql_and_reads_nobody_who_is_not_due(store):
    idle = lead("idle", lifecycle_stage=LifecycleStage.MQL, owner_id="100")
    fresh = lead("fresh", lifecycle_stage=LifecycleStage.SQL, owner_id="101")
    events = [
        event("webinar_attended", days_ago=40, contact_id="idle"),
        event("meeting_booked", days_ago=1, contact_id="fresh"),
    ]
    crm = FakeCrm([idle, fresh], events, owners())
    policy = shipped_policy()
    run(crm, store, policy, NOW)  # first run: a full read decides everyone
    assert crm.contacts["idle"].lifecycle_stage == LifecycleStage.MQL
    due = store.due_rows(ACCOUNT, ["idle"])["idle"].due_at
    assert due is not None and NOW < due <= NOW + timedelta(days=6)

    quiet = run(crm, store, policy, NOW + timedelta(days=1))
    assert crm.read_ids == [] and quiet.contacts_read == 0  # nobody due yet, nobody read

    jump = run(crm, store, policy, due)
    assert crm.read_ids == ["idle"]
    assert jump.contacts_due == 1
    assert crm.contacts["idle"].lifecycle_stage == LifecycleStage.LEAD
    assert crm.contacts["idle"].recycled_at == due

    run(crm, store, policy, due + timedelta(hours=1))
    assert crm.read_ids == ["idle"]  # re-decided once, not on every sync after


def test_cooling_scores_are_refreshed_beyond_the_tolerance_and_at_most_once_a_day(store):
    policy = policy_with(scoring={"half_life_days": 1})  # fast decay: drifts within hours
    person = lead(lifecycle_stage=LifecycleStage.SQL, owner_id="100")
    crm = FakeCrm([person], [event("demo_request", days_ago=0)], owners())
    run(crm, store, policy, NOW)
    first = crm.contacts["c-1"].score
    assert first is not None and first > 0

    def due_at() -> datetime:
        value = store.due_rows(ACCOUNT, ["c-1"])["c-1"].due_at
        assert value is not None
        return value

    drift_at = due_at()
    run(crm, store, policy, NOW + (drift_at - NOW) / 2)
    assert crm.read_ids == []  # within the tolerance: not read, not written
    refreshed = run(crm, store, policy, drift_at)
    second = crm.contacts["c-1"].score
    assert refreshed.scores_refreshed == 1 and second is not None and second < first
    assert abs(second - first) > max(5, 0.1 * second)

    # decay drifts it again within the day: read (due) but not written until a day passed
    again = due_at()
    assert again < drift_at + timedelta(hours=24)
    held = run(crm, store, policy, again)
    assert held.scores_refreshed == 0 and crm.contacts["c-1"].score == second
    assert due_at() == drift_at + timedelta(hours=24)
    later = run(crm, store, policy, drift_at + timedelta(hours=24))
    assert later.scores_refreshed == 1 and crm.contacts["c-1"].score < second
    assert crm.read_ids == ["c-1"] * 3


# --- SLA escalation --------------------------------------------------------------------------


def _made_mql(store: StateStore, policy: RulesPolicy) -> tuple[FakeCrm, str, str]:
    crm = FakeCrm([lead()], mql_events(), owners())
    first = run(crm, store, policy, NOW)  # Wed 10:00 New York: task due 11:00, escalates 12:00
    assert first.tasks_created == 1
    [key] = crm.tasks
    owner = crm.task_owner[key]
    assert owner is not None and crm.contacts["c-1"].owner_id == owner
    return crm, key, owner


def test_an_overdue_task_is_reassigned_within_its_pool_exactly_once(store):
    policy = escalating_policy()
    crm, key, owner = _made_mql(store, policy)
    early = run(crm, store, policy, NOW + timedelta(hours=1, minutes=59))
    assert early.escalations_planned == 0 and crm.task_state_keys == []

    summary = run(crm, store, policy, NOW + timedelta(hours=2, minutes=1))
    new_owner = crm.task_owner[key]
    assert summary.escalations_planned == summary.escalations_applied == 1
    assert new_owner not in (None, owner)
    pool = {
        o.id
        for o in owners()
        if o.email and o.email.split("@")[0] in ("alex.kim", "jordan.diaz", "riley.chen")
    }
    assert new_owner in pool
    assert crm.contacts["c-1"].owner_id == new_owner  # the person moves with the task
    [audit] = [e for e in store.audit_entries(ACCOUNT) if e["kind"] == "escalation"]
    assert (audit["old_value"], audit["new_value"]) == (owner, new_owner)
    assert audit["run_id"] is not None and "past its SLA" in audit["rule"]
    assert store.last_runs(ACCOUNT, 1)[0]["counts"]["escalations_applied"] == 1

    after = run(crm, store, policy, NOW + timedelta(days=3))
    assert after.escalations_planned == 0 and crm.reassign_calls == 1
    assert crm.task_state_keys == [key]


def test_a_task_the_rep_completed_is_never_escalated(store):
    policy = escalating_policy()
    crm, key, owner = _made_mql(store, policy)
    crm.task_status[key] = "done"
    summary = run(crm, store, policy, NOW + timedelta(hours=3))
    assert summary.escalations_planned == 0 and summary.escalations_closed == 1
    assert crm.task_owner[key] == owner and crm.reassign_calls == 0
    run(crm, store, policy, NOW + timedelta(days=2))
    assert crm.task_state_keys == [key]  # closed: never asked about again


def test_notify_creates_one_task_for_the_named_owner(store):
    policy = escalating_policy("notify", notify_owner="Morgan.Lee@sandbox.example")
    crm, key, owner = _made_mql(store, policy)
    run(crm, store, policy, NOW + timedelta(hours=3))
    run(crm, store, policy, NOW + timedelta(hours=4))
    notes = [task for k, task in crm.tasks.items() if k != key]
    assert len(notes) == 1 and notes[0].owner_id == "103"
    assert crm.task_owner[key] == owner  # the original task stays with its owner


def test_dry_run_previews_the_escalation_and_the_guard_counts_it(store):
    policy = escalating_policy()
    crm, key, owner = _made_mql(store, policy)
    at = NOW + timedelta(hours=3)
    preview = run(crm, store, policy, at, dry_run=True)
    assert preview.escalations_planned == 1 and len(preview.escalations) == 1
    assert preview.escalations[0].from_owner_id == owner
    assert crm.task_owner[key] == owner
    guarded = run(crm, store, policy, at, max_changes=ChangeLimit(count=0), change_floor=0)
    assert guarded.outcome == "aborted_by_guard" and crm.task_owner[key] == owner
    done = run(crm, store, policy, at)
    assert (
        done.escalations_applied == 1 and crm.task_owner[key] == preview.escalations[0].to_owner_id
    )


def test_a_person_the_crm_refuses_to_move_keeps_the_task_and_is_reported(store):
    policy = escalating_policy()
    crm, key, owner = _made_mql(store, policy)
    crm.refuse.add("c-1")
    summary = run(crm, store, policy, NOW + timedelta(hours=3))
    assert crm.reassign_calls == 0 and crm.task_owner[key] == owner
    assert [error.record_id for error in summary.rejected] == ["c-1"]
    assert summary.escalations_applied == 0
    assert store.escalation_states(ACCOUNT)[key]["state"] == "failed"


CRASH_POINTS = [
    ("apply_updates", "before"),
    ("apply_updates", "after"),
    ("reassign_tasks", "before"),
    ("reassign_tasks", "after"),
]


@pytest.mark.parametrize(("verb", "when"), CRASH_POINTS)
def test_escalation_survives_a_kill_at_any_write_without_a_duplicate_or_a_loss(
    tmp_path, verb, when
):
    policy = escalating_policy()
    reference_store = StateStore.open(str(tmp_path / "reference.sqlite"))
    reference, key, _ = _made_mql(reference_store, policy)
    at = NOW + timedelta(hours=3)
    run(reference, reference_store, policy, at)

    store = StateStore.open(str(tmp_path / "state.sqlite"))
    crm, key, owner = _made_mql(store, policy)
    crm.crash_at = (verb, when)
    with pytest.raises(Killed):
        run(crm, store, policy, at)
    run(crm, store, policy, at + timedelta(minutes=5))  # the next run finishes the journal
    run(crm, store, policy, at + timedelta(hours=1))
    assert crm.task_owner[key] == reference.task_owner[key] != owner
    assert crm.contacts["c-1"].owner_id == reference.contacts["c-1"].owner_id
    assert store.routing_state(ACCOUNT) == reference_store.routing_state(ACCOUNT)
    escalations = [e for e in store.audit_entries(ACCOUNT) if e["kind"] == "escalation"]
    assert len(escalations) == 1
    assert store.escalation_states(ACCOUNT)[key]["state"] == "escalated"


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_notify_escalation_survives_a_kill_without_a_second_task(store, when):
    policy = escalating_policy("notify", notify_owner="morgan.lee@sandbox.example")
    crm, _, _ = _made_mql(store, policy)
    crm.crash_at = ("create_tasks", when)
    with pytest.raises(Killed):
        run(crm, store, policy, NOW + timedelta(hours=3))
    run(crm, store, policy, NOW + timedelta(hours=3, minutes=5))
    run(crm, store, policy, NOW + timedelta(hours=4))
    assert len(crm.tasks) == 2


def test_only_an_update_that_lowers_the_score_alone_counts_as_cooling():
    """The refresh rule's test for people read for any reason (issue #16 item 4): decay only
    lowers a score; a new engagement raises it and a decision moves more than the score."""
    person = contact(score=15)

    def update(**changes):
        return ContactUpdate(
            contact_id=person.id, changes={UpdatableField[k.upper()]: v for k, v in changes.items()}
        )

    assert only_cools(person, update(score=14, score_reasons="decayed"))
    assert not only_cools(person, update(score=17, score_reasons="a new visit"))
    assert not only_cools(person, update(score=14, lifecycle_stage=LifecycleStage.LEAD))
    assert not only_cools(person, None)
    assert not only_cools(contact(score=None), update(score=14))
