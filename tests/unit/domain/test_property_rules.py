"""Rules on any mapped CRM property: every operator, its edge cases and its explanation, in
fit criteria, disqualifiers and `scoring.properties`."""

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from connector.domain.conditions import condition_holds, describe
from connector.domain.engine import evaluate
from connector.domain.fit import grade_contact
from connector.domain.policy import (
    Condition,
    FitCriterion,
    FitRules,
    GradeBand,
    PropertyRule,
    RulesPolicy,
    policy_problems,
)
from connector.domain.routing import RoutingState
from connector.domain.scoring import score_contact
from tests.factories import NOW, contact, policy_with, shipped_policy


def person(**properties: Any):
    return contact(properties=properties)


def prop(**spec: Any) -> Condition:
    return Condition.model_validate(spec)


@pytest.mark.parametrize(
    ("spec", "properties", "expected"),
    [
        # numbers by ranges
        ({"between": [300, 900]}, {"x": 300.0}, True),  # inclusive low
        ({"between": [300, 900]}, {"x": 900.0}, True),  # inclusive high
        ({"between": [300, 900]}, {"x": 900.5}, False),
        ({"at_least": 5}, {"x": 5.0}, True),
        ({"at_least": 5}, {"x": 4.99}, False),
        ({"below": 1}, {"x": 0.0}, True),
        ({"equals": 3}, {"x": 3.0}, True),
        ({"at_least": 5}, {}, False),  # missing never matches a test
        ({"at_least": 5}, {"x": "many"}, False),  # text is not a number
        # picklists and text by values and patterns
        ({"in": ["Lead Add Form", "Quick Add Form"]}, {"x": "lead add form"}, True),
        ({"in": ["Lead Add Form"]}, {"x": " Lead Add Form "}, True),  # trimmed
        ({"in": ["Lead Add Form"]}, {"x": "Landing Page Submission"}, False),
        ({"equals": "Working Professional"}, {"x": "WORKING PROFESSIONAL"}, True),
        ({"matches": "^sms"}, {"x": "SMS Sent"}, True),
        ({"matches": "^sms"}, {"x": "Email Opened"}, False),
        # booleans
        ({"is": True}, {"x": True}, True),
        ({"is": True}, {"x": False}, False),
        ({"is": False}, {"x": False}, True),
        ({"is": True}, {"x": "true"}, False),  # only a parsed yes/no counts
        ({"is": False}, {}, False),  # absent is not "no"
        # presence
        ({"missing": True}, {}, True),
        ({"missing": True}, {"x": "  "}, True),
        ({"missing": False}, {"x": 0.0}, True),  # zero is a value
    ],
)
def test_operators_on_properties(spec: dict[str, Any], properties: dict[str, Any], expected: bool):
    condition = prop(property="x", **spec)
    assert condition_holds(condition, person(**properties), NOW) is expected


def test_recency_counts_days_back_from_now_inclusive():
    recent = prop(property="last_seen", within_days=30)
    assert condition_holds(recent, person(last_seen=NOW - timedelta(days=30)), NOW)
    assert not condition_holds(recent, person(last_seen=NOW - timedelta(days=30, seconds=1)), NOW)
    assert condition_holds(recent, person(last_seen=NOW + timedelta(days=2)), NOW)  # scheduled
    assert not condition_holds(recent, person(last_seen=NOW), None)  # no clock, no recency
    assert not condition_holds(recent, person(last_seen="yesterday"), NOW)


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ({"is": True}, "opted_in is yes"),
        ({"is": False}, "opted_in is no"),
        ({"within_days": 14}, "opted_in within 14 days"),
        ({"in": ["A", "B"]}, "opted_in in [A, B]"),
        ({"between": [60, 600]}, "opted_in between 60 and 600"),
    ],
)
def test_describe_names_the_property(spec: dict[str, Any], text: str):
    assert describe(prop(property="opted_in", **spec)) == text


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"at_least": 3}, "exactly one of `field`"),  # neither field nor property
        ({"field": "country", "property": "x", "at_least": 3}, "exactly one of `field`"),
        ({"property": "x", "at_least": 3, "is": True}, "got at_least, is"),
        ({"property": "x"}, "give exactly one of"),
        ({"property": "x", "within_days": 0}, "greater than 0"),
        ({"property": "x", "per_unit": 60}, "per_unit"),  # a plain condition carries no points
    ],
)
def test_bad_conditions_are_refused(spec: dict[str, Any], message: str):
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate(spec)


def test_cap_without_per_unit_is_refused():
    with pytest.raises(ValidationError, match="`cap` only applies"):
        PropertyRule.model_validate(
            {"name": "n", "property": "x", "at_least": 1, "points": 5, "cap": 3}
        )


# --- per unit with a cap -------------------------------------------------------------------------

TIME_ON_SITE = {"name": "time on site", "property": "seconds", "per_unit": 60, "points": 2}


@pytest.mark.parametrize(
    ("value", "cap", "raw", "points"),
    [
        (59.0, None, None, None),  # less than one unit: no line at all
        (60.0, None, 2.0, 2),
        (179.9, None, 4.0, 4),  # whole units only
        (734.0, 10, 24.0, 10),  # capped
        (-300.0, None, None, None),  # negative values earn no units
    ],
)
def test_per_unit_score_line(value: float, cap: float | None, raw: float | None, points: int):
    rule = PropertyRule.model_validate({**TIME_ON_SITE, "cap": cap})
    rules = shipped_policy().scoring.model_copy(update={"properties": (rule,)})
    card = score_contact(person(seconds=value), [], rules, NOW)
    lines = [line for line in card.lines if line.rule == "property: time on site"]
    if raw is None:
        assert lines == []
        return
    (line,) = lines
    assert (line.raw_points, line.capped_points, line.points) == (raw, float(points), points)
    assert line.note.startswith(f"seconds {value:,g}: {int(value // 60)} x 2 per 60 of seconds")
    assert ("at most 10" in line.note) is (cap is not None)
    assert card.total == sum(item.points for item in card.lines)


def test_negative_per_unit_points_are_capped_symmetrically():
    rule = PropertyRule.model_validate(
        {"name": "bounces", "property": "n", "per_unit": 1, "points": -4, "cap": 10}
    )
    rules = shipped_policy().scoring.model_copy(update={"properties": (rule,)})
    (line,) = score_contact(person(n=5.0), [], rules, NOW).lines
    assert (line.raw_points, line.points) == (-20.0, -10)


def test_property_points_are_neither_weighted_by_source_nor_decayed():
    rule = PropertyRule.model_validate(
        {
            "name": "professional",
            "property": "occupation",
            "equals": "Working Professional",
            "points": 30,
        }
    )
    rules = shipped_policy().scoring.model_copy(update={"properties": (rule,)})
    referral = contact(source="referral", properties={"occupation": "Working Professional"})
    card = score_contact(referral, [], rules, NOW)
    (line,) = card.lines  # no engagement: the referral weight has nothing to multiply
    assert (line.rule, line.points, line.note) == (
        "property: professional",
        30,
        "occupation = Working Professional",
    )
    assert card.total == 30


# --- fit -----------------------------------------------------------------------------------------


def test_fit_criteria_on_properties_with_readable_lines():
    rules = FitRules(
        grades=(GradeBand(grade="A", min_points=30), GradeBand(grade="D", min_points=-100)),
        criteria=(
            FitCriterion.model_validate(
                {
                    "name": "pro",
                    "property": "occupation",
                    "in": ["Working Professional"],
                    "points": 20,
                }
            ),
            FitCriterion.model_validate(
                {"name": "engaged", "property": "seconds", "per_unit": 300, "points": 5, "cap": 15}
            ),
            FitCriterion.model_validate(
                {"name": "recent", "property": "last_seen", "within_days": 7, "points": 3}
            ),
        ),
    )
    who = person(occupation="working professional", seconds=1000.0, last_seen=NOW)
    card = grade_contact(who, rules, NOW)
    assert [(line.rule, line.points) for line in card.lines] == [
        ("pro", 20),
        ("engaged", 15),
        ("recent", 3),
    ]
    assert card.lines[1].matched == "seconds 1,000: 3 x 5 per 300 of seconds, at most 15"
    assert card.points == 38 and card.grade == "A"
    # without a clock the recency criterion is not counted
    assert grade_contact(who, rules).points == 35


def test_disqualifier_on_a_boolean_property():
    data = shipped_policy().fit.model_dump(by_alias=True)
    data["disqualify"] = [{"name": "do not call", "property": "do_not_call", "is": True}]
    rules = FitRules.model_validate(data)
    assert grade_contact(person(do_not_call=True), rules, NOW).grade == "X"
    assert grade_contact(person(do_not_call=False), rules, NOW).grade != "X"


def test_mql_stays_score_and_fit_with_property_rules():
    """A property rule can lift a score over the MQL threshold, but a bad fit still blocks."""
    policy = policy_with(
        scoring={
            "properties": [
                {
                    "name": "time on site",
                    "property": "seconds",
                    "per_unit": 10,
                    "points": 1,
                    "cap": 150,
                }
            ]
        }
    )
    lead = contact(lifecycle_stage="lead", properties={"seconds": 5000.0})
    evaluation, _ = evaluate(lead, [], policy, [], RoutingState(), NOW)
    assert evaluation.score.total >= policy.lifecycle.mql.min_score
    assert evaluation.final_stage is not None and evaluation.final_stage.value == "mql"
    student = lead.model_copy(update={"job_title": "Student"})
    evaluation, _ = evaluate(student, [], policy, [], RoutingState(), NOW)
    assert evaluation.fit.grade == "X" and evaluation.final_stage != "mql"


def test_problems_duplicate_property_rule_and_recency_in_routing():
    data = shipped_policy().model_dump(by_alias=True)
    rule = {"name": "a", "property": "x", "at_least": 1, "points": 1}
    data["scoring"]["properties"] = [rule, rule]
    data["routing"]["rules"][1]["when"] = [{"property": "last_seen", "within_days": 3}]
    problems = policy_problems(RulesPolicy.model_validate(data))
    assert [(p.path, p.message.split(":")[0]) for p in problems] == [
        (("scoring", "properties", 1), "duplicate name 'a'"),
        (
            ("routing", "rules", 1, "when", 0, "within_days"),
            "routing conditions cannot test recency (`within_days`)",
        ),
    ]


@settings(max_examples=200, deadline=None)
@given(
    seconds=st.floats(min_value=-1e6, max_value=1e7, allow_nan=False),
    per_unit=st.floats(min_value=0.5, max_value=600),
    points=st.integers(min_value=-20, max_value=20),
    cap=st.one_of(st.none(), st.integers(min_value=0, max_value=200)),
    origin=st.sampled_from(["Lead Add Form", "API", "Landing Page Submission"]),
)
def test_property_scores_are_the_sum_of_their_lines_and_per_unit_is_bounded(
    seconds: float, per_unit: float, points: int, cap: int | None, origin: str
):
    rules = shipped_policy().scoring.model_copy(
        update={
            "properties": (
                PropertyRule.model_validate(
                    {
                        "name": "time",
                        "property": "seconds",
                        "per_unit": per_unit,
                        "points": points,
                        "cap": cap,
                    }
                ),
                PropertyRule.model_validate(
                    {"name": "form", "property": "origin", "in": ["Lead Add Form"], "points": 20}
                ),
            )
        }
    )
    card = score_contact(person(seconds=seconds, origin=origin), [], rules, NOW)
    assert card.total == sum(line.points for line in card.lines)
    (time_line,) = [line for line in card.lines if line.rule == "property: time"] or [None]
    if time_line is not None:
        units = int(seconds // per_unit)
        assert time_line.raw_points == units * points
        assert cap is None or abs(time_line.points) <= cap
    else:
        assert seconds < per_unit or points == 0 or cap == 0
    assert any(line.rule == "property: form" for line in card.lines) is (origin == "Lead Add Form")
