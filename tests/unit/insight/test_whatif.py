"""The what-if against hand-built people: each case's expected counts follow from the rules by
hand (the preconditions — which side of a threshold a score falls — are asserted first)."""

from connector.domain.engine import evaluate
from connector.domain.routing import RoutingState
from connector.domain.stages import LifecycleStage
from connector.insight.whatif import what_if
from connector.sync.snapshot import PeopleSnapshot, SnapshotPerson
from connector.sync.state import StateStore
from tests.factories import NOW, contact, event, owners, policy_with, shipped_policy

LEAD = LifecycleStage.LEAD


def _person(contact_id: str, *kinds: str, **overrides) -> SnapshotPerson:
    return SnapshotPerson(
        contact=contact(
            id=contact_id,
            email=f"{contact_id}@acme.example",
            lifecycle_stage=LEAD,
            **overrides,
        ),
        engagements=[event(kind, contact_id=contact_id) for kind in kinds],
    )


def _score(person: SnapshotPerson) -> int:
    evaluation, _ = evaluate(
        person.contact, person.engagements, shipped_policy(), owners(), RoutingState(), NOW
    )
    return evaluation.score.total


def _lowered(threshold: int):
    lifecycle = shipped_policy().lifecycle.model_dump(by_alias=True)
    lifecycle["mql"]["min_score"] = threshold
    return policy_with(lifecycle=lifecycle)


def _people() -> list[SnapshotPerson]:
    return [
        _person("cold", "website_visit"),  # a few points
        _person("warm", "form_submission", "content_download", "webinar_attended", "call"),
        _person(
            "hot", "trial_signup", "webinar_attended", "event_attended", "form_submission", "call"
        ),
    ]


def test_the_cases_sit_where_the_test_needs_them():
    cold, warm, hot = (_score(p) for p in _people())
    assert cold < 50
    assert 50 <= warm < 100
    assert hot >= 100


def test_identical_rules_change_nothing():
    result = what_if(_people(), shipped_policy(), shipped_policy(), owners(), RoutingState(), NOW)
    assert result.people == 3
    assert result.people_changed == 0
    assert result.stage_changes == {}
    assert result.mql_gained == result.mql_lost == result.tasks_added == 0
    assert result.movers == []
    # the matrix still shows where everyone ends up, all on its diagonal
    assert result.stage_matrix == {"lead": {"lead": 2}, "mql": {"mql": 1}}


def test_lowering_the_mql_threshold_makes_the_warm_lead_an_mql_with_a_task():
    result = what_if(_people(), shipped_policy(), _lowered(50), owners(), RoutingState(), NOW)
    # warm changes stage; hot keeps its stage but the round robin, having given warm the next
    # owner first, hands hot the one after: a real difference the proposed run would make
    assert result.people_changed == 2
    assert result.stage_changes == {"lead -> mql": 1}
    assert (result.mql_live, result.mql_proposed) == (1, 2)
    assert (result.mql_gained, result.mql_lost) == (1, 0)
    assert result.tasks_added == 1
    assert [task.contact_id for task in result.new_tasks] == ["warm"]
    assert result.new_tasks[0].stage == "mql"
    mover, shifted = result.movers
    assert mover.contact_id == "warm"
    assert shifted.contact_id == "hot" and shifted.distance == 0
    assert shifted.live.stage == shifted.proposed.stage == "mql"
    assert shifted.live.owner != shifted.proposed.owner
    assert (mover.live.stage, mover.proposed.stage) == ("lead", "mql")
    assert mover.proposed.task is not None and mover.live.task is None
    assert any("mql" in line.casefold() for line in mover.proposed.reasons)
    # the new MQL is routed: one more open lead for exactly one owner
    assert sum(load.proposed - load.live for load in result.owner_load) == 1


def test_raising_the_threshold_loses_the_hot_mql():
    result = what_if(_people(), shipped_policy(), _lowered(500), owners(), RoutingState(), NOW)
    assert result.stage_changes == {"mql -> lead": 1}
    assert (result.mql_gained, result.mql_lost) == (0, 1)
    assert result.tasks_removed == 1 and result.tasks_added == 0


def test_unusable_records_are_skipped_not_decided():
    people = [
        *_people(),
        _person("nomail", "website_visit").model_copy(
            update={"contact": contact(id="nomail", email=None)}
        ),
    ]
    result = what_if(people, shipped_policy(), _lowered(50), owners(), RoutingState(), NOW)
    assert (result.people, result.skipped) == (3, 1)


def test_snapshot_round_trip_streams_in_id_order(tmp_path):
    store = StateStore.open(str(tmp_path / "state.sqlite"))
    snapshot = PeopleSnapshot(store.engine)
    people = _people()
    snapshot.save("acct", [(p.contact, p.engagements) for p in people], NOW)
    # saving a person again replaces their row
    snapshot.save("acct", [(people[0].contact, [])], NOW)
    snapshot.save("other", [(people[1].contact, [])], NOW)
    assert snapshot.count("acct") == 3
    back = list(snapshot.people("acct", batch=2))
    assert [p.contact.id for p in back] == ["cold", "hot", "warm"]
    assert back[0].engagements == []
    assert back[2] == people[1]


def test_a_scoring_edit_is_scored_with_the_proposed_rules():
    scoring = shipped_policy().scoring.model_dump(by_alias=True)
    scoring["engagement"] = [
        {**rule, "points": rule["points"] * 2} if rule["kind"] == "call" else rule
        for rule in scoring["engagement"]
    ]
    proposed = policy_with(scoring=scoring)
    result = what_if(_people(), shipped_policy(), proposed, owners(), RoutingState(), NOW)
    # warm has one call (10 points → 20): 65 → 75, still under 100, so no stage change, but
    # the score differs; hot (one call too) gains 10 as well and stays an MQL
    assert result.stage_changes == {}
    by_id = {m.contact_id: m for m in result.movers}
    assert by_id == {}  # scores alone change nobody's stage, owner or task
    warm = next(p for p in _people() if p.contact.id == "warm")
    live, _ = evaluate(
        warm.contact, warm.engagements, shipped_policy(), owners(), RoutingState(), NOW
    )
    new, _ = evaluate(warm.contact, warm.engagements, proposed, owners(), RoutingState(), NOW)
    assert new.score.total == live.score.total + 10
    lowered = _lowered(70)
    both = lowered.model_copy(update={"scoring": proposed.scoring})
    result = what_if(_people(), shipped_policy(), both, owners(), RoutingState(), NOW)
    # at 70 the doubled call (75) makes warm an MQL; with the old points (65) it would not
    assert result.stage_changes == {"lead -> mql": 1}
    mover = next(m for m in result.movers if m.contact_id == "warm")
    assert (mover.live.score, mover.proposed.score) == (live.score.total, new.score.total)
