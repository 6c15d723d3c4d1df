"""Follow-up tasks: only for forward moves into configured stages, with a stable key."""

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.domain.contact import Company, Contact
from connector.domain.outcomes import (
    FitCard,
    FitLine,
    ScoreCard,
    ScoreLine,
    TaskPriority,
    TaskSpec,
    Transition,
    TransitionKind,
)
from connector.domain.policy import BusinessHours, TaskRules, TaskTemplate
from connector.domain.stages import LifecycleStage
from connector.domain.tasks import build_task, render_subject, task_key

MONDAY_10 = datetime(2024, 1, 8, 10, tzinfo=UTC)
RULES = TaskRules(
    business_hours=BusinessHours(),
    on_stage={
        LifecycleStage.MQL: TaskTemplate(
            subject="Follow up {name} at {company} (score {score}, grade {grade})",
            priority=TaskPriority.HIGH,
            sla_business_minutes=60,
        ),
        LifecycleStage.SQL: TaskTemplate(
            subject="Qualify / book meeting: {name} <{email}> ({stage})",
            sla_business_minutes=8 * 60,
        ),
        LifecycleStage.LEAD: TaskTemplate(subject="Nurture {name}"),
        LifecycleStage.OTHER: TaskTemplate(subject="Disqualified {name}"),
    },
)
CONTACT = Contact(
    id="c-42",
    email="ada@analytical.example",
    first_name="Ada",
    last_name="Lovelace",
    company=Company(id="co-1", name="Analytical Engines"),
)
SCORE = ScoreCard(
    total=120,
    lines=(
        ScoreLine(
            rule="demo_request",
            events=1,
            raw_points=80,
            capped_points=80,
            decayed_points=80,
            points=80,
        ),
        ScoreLine(
            rule="website_visit",
            events=12,
            raw_points=60,
            capped_points=50,
            decayed_points=40,
            points=40,
            note="capped at 50, decayed",
        ),
    ),
    computed_at=MONDAY_10,
)
FIT = FitCard(
    grade="A",
    points=45,
    lines=(
        FitLine(rule="software industry", points=25, matched="industry = Software"),
        FitLine(rule="decision maker", points=20, matched="seniority = VP"),
    ),
)


def transition(
    to_stage: LifecycleStage = LifecycleStage.MQL,
    kind: TransitionKind = TransitionKind.ADVANCE,
    at: datetime = MONDAY_10,
    from_stage: LifecycleStage | None = LifecycleStage.LEAD,
    contact_id: str = "c-42",
) -> Transition:
    return Transition(
        contact_id=contact_id,
        from_stage=from_stage,
        to_stage=to_stage,
        kind=kind,
        at=at,
        reasons=("score 120 >= 100", "fit grade A is acceptable"),
    )


def task_for(moved: Transition) -> TaskSpec | None:
    return build_task(CONTACT, moved, SCORE, FIT, "o-alice", RULES)


def made(moved: Transition) -> TaskSpec:
    task = task_for(moved)
    assert task is not None
    return task


class TestWhenATaskIsMade:
    def test_mql_gets_a_follow_up(self):
        task = build_task(CONTACT, transition(), SCORE, FIT, "o-alice", RULES)
        assert task is not None
        assert task.subject == "Follow up Ada Lovelace at Analytical Engines (score 120, grade A)"
        assert task.priority == TaskPriority.HIGH
        assert task.owner_id == "o-alice"
        assert task.contact_id == "c-42"
        assert task.stage == LifecycleStage.MQL
        assert task.due_at == datetime(2024, 1, 8, 11, tzinfo=UTC)

    def test_sql_gets_qualify_task(self):
        moved = transition(LifecycleStage.SQL, from_stage=LifecycleStage.MQL)
        task = build_task(CONTACT, moved, SCORE, FIT, None, RULES)
        assert task is not None
        assert task.subject == "Qualify / book meeting: Ada Lovelace <ada@analytical.example> (sql)"
        assert task.priority == TaskPriority.MEDIUM
        assert task.owner_id is None
        assert task.due_at == datetime(2024, 1, 9, 10, tzinfo=UTC)

    def test_stage_without_template_gets_no_task(self):
        assert task_for(transition(LifecycleStage.OPPORTUNITY)) is None

    def test_recycle_gets_no_task_even_with_a_template(self):
        moved = transition(
            LifecycleStage.LEAD, TransitionKind.RECYCLE, from_stage=LifecycleStage.MQL
        )
        assert LifecycleStage.LEAD in RULES.on_stage
        assert task_for(moved) is None

    def test_disqualify_gets_no_task_even_with_a_template(self):
        moved = transition(LifecycleStage.OTHER, TransitionKind.DISQUALIFY)
        assert LifecycleStage.OTHER in RULES.on_stage
        assert task_for(moved) is None

    def test_forward_move_into_a_templated_stage_gets_a_task(self):
        moved = transition(LifecycleStage.LEAD, from_stage=LifecycleStage.SUBSCRIBER)
        task = build_task(CONTACT, moved, SCORE, FIT, None, RULES)
        assert task is not None
        assert task.subject == "Nurture Ada Lovelace"

    def test_no_templates_no_tasks(self):
        assert build_task(CONTACT, transition(), SCORE, FIT, None, TaskRules()) is None

    def test_transition_of_another_contact_is_refused(self):
        with pytest.raises(ValueError, match="given for contact c-42"):
            task_for(transition(contact_id="c-other"))


class TestDueTime:
    def test_due_time_is_counted_in_business_hours(self):
        friday_late = datetime(2024, 1, 5, 16, 30, tzinfo=UTC)
        task = made(transition(at=friday_late))
        assert task.due_at == datetime(2024, 1, 8, 9, 30, tzinfo=UTC)

    def test_due_time_uses_the_configured_zone_and_holidays(self):
        rules = RULES.model_copy(
            update={
                "business_hours": BusinessHours(
                    time_zone="Europe/Berlin", holidays=(date(2024, 1, 8),)
                )
            }
        )
        task = build_task(CONTACT, transition(), SCORE, FIT, None, rules)
        assert task is not None
        assert task.due_at == datetime(2024, 1, 9, 10, tzinfo=ZoneInfo("Europe/Berlin"))


class TestSubject:
    def test_unknown_placeholders_and_stray_braces_are_left_as_written(self):
        assert (
            render_subject("Call {name} re {unknown} {0} { {", {"name": "Ada"})
            == "Call Ada re {unknown} {0} { {"
        )

    def test_unknown_placeholder_in_a_template_does_not_crash(self):
        rules = TaskRules(on_stage={LifecycleStage.MQL: TaskTemplate(subject="Hi {nmae} {name")})
        task = build_task(CONTACT, transition(), SCORE, FIT, None, rules)
        assert task is not None
        assert task.subject == "Hi {nmae} {name"

    def test_missing_values_have_readable_stand_ins(self):
        bare = Contact(id="c-42", email="x@y.example")
        rules = TaskRules(
            on_stage={LifecycleStage.MQL: TaskTemplate(subject="{name}|{company}|{email}")}
        )
        task = build_task(bare, transition(), SCORE, FIT, None, rules)
        assert task is not None
        assert task.subject == "x@y.example|no company|x@y.example"
        anonymous = Contact(id="c-42")
        task = build_task(anonymous, transition(), SCORE, FIT, None, rules)
        assert task is not None
        assert task.subject == "contact c-42|no company|no e-mail"


class TestBody:
    def test_body_holds_reasons_fit_and_full_score_explanation(self):
        body = made(transition()).body
        assert "Moved from lead to mql" in body
        assert "- score 120 >= 100" in body
        assert "- fit grade A is acceptable" in body
        assert "Fit grade A (45 points):" in body
        assert "+25  software industry (industry = Software)" in body
        assert SCORE.explain() in body
        assert body.rstrip().endswith("= 120")

    def test_body_lists_disqualifying_reasons(self):
        fit = FIT.model_copy(update={"disqualified_reasons": ("competitor domain",)})
        task = build_task(CONTACT, transition(), SCORE, fit, None, RULES)
        assert task is not None
        assert "disqualified: competitor domain" in task.body

    def test_body_without_a_previous_stage(self):
        body = made(transition(from_stage=None)).body
        assert "Moved to mql at 2024-01-08T10:00:00+00:00 because:" in body


class TestKey:
    def key(self, **fields: Any) -> str:
        return made(transition(**fields)).key

    def test_key_follows_the_documented_formula(self):
        digest = hashlib.sha256(b"c-42|mql|2024-01-08").hexdigest()[:24]
        assert self.key() == f"cl-{digest}"
        assert re.fullmatch(r"cl-[0-9a-f]{24}", self.key())

    def test_key_is_stable_within_a_day(self):
        assert self.key(at=MONDAY_10) == self.key(at=MONDAY_10 + timedelta(hours=13, minutes=59))

    def test_key_differs_across_days(self):
        assert self.key(at=MONDAY_10) != self.key(at=MONDAY_10 + timedelta(days=1))

    def test_key_differs_across_stages(self):
        assert self.key() != self.key(to_stage=LifecycleStage.SQL)

    def test_key_differs_across_contacts(self):
        other = CONTACT.model_copy(update={"id": "c-43"})
        moved = transition(contact_id="c-43")
        task = build_task(other, moved, SCORE, FIT, None, RULES)
        assert task is not None
        assert task.key != self.key()

    def test_key_ignores_owner_score_and_time_of_day(self):
        later = transition(at=MONDAY_10 + timedelta(hours=5))
        task_a = build_task(CONTACT, transition(), SCORE, FIT, "o-alice", RULES)
        task_b = build_task(
            CONTACT, later, SCORE.model_copy(update={"total": 150}), FIT, "o-bob", RULES
        )
        assert task_a is not None and task_b is not None
        assert task_a.key == task_b.key

    def test_key_uses_the_utc_date(self):
        # 2024-01-08 23:30 in New York is already 2024-01-09 in UTC.
        evening = datetime(2024, 1, 8, 23, 30, tzinfo=ZoneInfo("America/New_York"))
        assert self.key(at=evening) == task_key("c-42", LifecycleStage.MQL, date(2024, 1, 9))


# --- properties -----------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=60, deadline=None)
@given(
    at=moments,
    kind=st.sampled_from(list(TransitionKind)),
    stage=st.sampled_from(list(LifecycleStage)),
)
def test_same_input_gives_same_task(at: datetime, kind: TransitionKind, stage: LifecycleStage):
    moved = transition(to_stage=stage, kind=kind, at=at, from_stage=None)
    first = build_task(CONTACT, moved, SCORE, FIT, "o-alice", RULES)
    second = build_task(CONTACT, moved, SCORE, FIT, "o-alice", RULES)
    assert first == second
    if kind != TransitionKind.ADVANCE or stage not in RULES.on_stage:
        assert first is None
    else:
        assert first is not None
        assert first.due_at >= at
        assert first.key == task_key("c-42", stage, at.date())


@settings(max_examples=60, deadline=None)
@given(at=moments, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=23)))
def test_key_is_the_same_for_any_time_on_the_same_utc_day(at: datetime, later: timedelta):
    second = at + later
    moved_first, moved_second = transition(at=at), transition(at=second)
    assert (made(moved_first).key == made(moved_second).key) == (at.date() == second.date())
