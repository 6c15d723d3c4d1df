"""Each report figure against a small case counted by hand (the counts are in the comments)."""

from datetime import UTC, datetime, timedelta

import pytest

from connector.insight import figures as f
from connector.insight.figures import PersonNow, StageMove, TaskRecord
from connector.insight.spend import SpendError, read_spend

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def move(contact_id, old, new, reasons="rule", hours=0, run_id=1):
    return StageMove(contact_id, old, new, reasons, T0 + timedelta(hours=hours), run_id)


PEOPLE = [
    PersonNow("a", "mql", "referral", "decision", "A", 120, "o1"),
    PersonNow("b", "sql", "referral", "consideration", "A", 130, "o1"),
    PersonNow("c", "customer", "referral", "decision", "B", 90, "o2"),
    PersonNow("d", "lead", "purchased_list", "awareness", "C", 40, None),
    PersonNow("e", "other", "purchased_list", None, "X", -10, None),
    PersonNow("f", "lead", "purchased_list", "interest", "B", 20, "o2"),  # recycled MQL
]
MOVES = [
    move("a", "lead", "mql"),
    move("b", "lead", "mql"),
    move("b", "mql", "sql", hours=1),
    move("c", "opportunity", "customer"),
    move("e", "lead", "other", "outside ICP: student domain"),
    move("f", "lead", "mql"),
    move("f", "mql", "lead", "sales rejected; idle 45 days"),
]


def test_funnel_now_counts_people_per_stage_in_funnel_order():
    rows = {row.stage: row.people for row in f.funnel_now(PEOPLE)}
    assert [row.stage for row in f.funnel_now(PEOPLE)][:3] == ["subscriber", "lead", "mql"]
    assert rows == {
        "subscriber": 0,
        "lead": 2,
        "mql": 1,
        "sql": 1,
        "opportunity": 0,
        "customer": 1,
        "evangelist": 0,
        "other": 1,
    }


def test_flow_entered_moved_on_recycled_disqualified():
    flow = {row.stage: row for row in f.stage_flow(MOVES)}
    # mql entered by a, b, f; left forward by b (sql), back by f (recycle)
    assert (flow["mql"].entered, flow["mql"].moved_on, flow["mql"].recycled) == (3, 1, 1)
    # lead: entered once (f recycled), left forward 3 times (a, b, f) and out once (e)
    assert (flow["lead"].entered, flow["lead"].moved_on, flow["lead"].disqualified) == (1, 3, 1)
    assert flow["other"].entered == 1 and flow["customer"].entered == 1
    assert flow["opportunity"].moved_on == 1


def test_exit_reasons_split_on_semicolons():
    assert f.exit_reasons(MOVES, "recycled") == {"sales rejected": 1, "idle # days": 1}
    assert f.exit_reasons(MOVES, "disqualified") == {"outside ICP: student domain": 1}


def test_conversion_by_source_counts_cohorts():
    rows = {row.key: row for row in f.conversion(PEOPLE, MOVES, "source")}
    # referral: a (mql), b (sql), c (customer: at least mql by its current stage) → 3 MQL
    # cohort, 2 reached sql or further, 1 opportunity+, 1 customer
    ref = rows["referral"]
    assert (ref.mql, ref.sql, ref.opportunity, ref.customer) == (3, 2, 1, 1)
    assert ref.mql_to_sql == pytest.approx(2 / 3)
    assert ref.sql_to_opportunity == pytest.approx(1 / 2)
    assert ref.opportunity_to_customer == 1
    # purchased list: only f ever reached mql (then recycled); d and e never did
    bought = rows["purchased_list"]
    assert (bought.mql, bought.sql, bought.mql_to_sql, bought.sql_to_opportunity) == (
        1,
        0,
        0,
        None,
    )


def test_conversion_by_persona_is_grade_times_score_band():
    keys = {row.key: row.mql for row in f.conversion(PEOPLE, MOVES, "persona")}
    assert keys == {"A x 100+": 2, "B x 50-99": 1, "B x 0-24": 1}


def test_speed_to_lead_distribution_sla_owner_overdue():
    now = T0 + timedelta(days=5)
    due = T0 + timedelta(hours=1)

    def task(key, status, done_after_minutes=None, owner="o1", escalated=False):
        return TaskRecord(
            key=key,
            stage="mql",
            decided_at=T0,
            status=status,
            owner_id=owner,
            due_at=due,
            escalated=escalated,
            completed_at=None
            if done_after_minutes is None
            else T0 + timedelta(minutes=done_after_minutes),
        )

    tasks = [
        task("k1", "done", 30),  # < 1 h, within SLA
        task("k2", "done", 90),  # 1-4 h, late
        task("k3", "done", 60 * 30, owner="o2"),  # 1-3 d, late
        task("k4", "done", None),  # done, CRM gave no time
        task("k5", "open", escalated=True),  # overdue (due T0+1h, now T0+5d)
        TaskRecord(key="k6", stage="sql", decided_at=T0),  # gone from CRM
    ]
    speed = f.speed_to_lead(tasks, now, {"o1": "ann@x.example"})
    assert (speed.tasks, speed.done, speed.done_time_unknown, speed.open) == (6, 4, 1, 1)
    assert (speed.overdue, speed.escalated, speed.missing_in_crm) == (1, 1, 1)
    assert speed.within_sla == 1 and speed.share_within_sla == pytest.approx(1 / 3)
    assert speed.distribution == {"< 1 h": 1, "1-4 h": 1, "4-24 h": 0, "1-3 d": 1, "> 3 d": 0}
    owners = {row.owner: row for row in speed.per_owner}
    assert (owners["ann@x.example"].done, owners["ann@x.example"].median_minutes) == (2, 60)
    assert owners["o2"].within_sla == 0


def test_owner_load_against_capacity_lists_idle_owners_too():
    rows = f.owner_load(PEOPLE, {"ann": 2, "bo": 5, "cy": None}, {"o1": "ann", "o2": "bo"})
    # o1 holds a (mql) and b (sql); o2 holds c (customer) and f (lead): neither is open
    assert [(r.owner, r.open_leads, r.capacity) for r in rows] == [
        ("ann", 2, 2),
        ("bo", 0, 5),
        ("cy", 0, None),
    ]


def test_score_by_grade():
    table = f.score_by_grade(PEOPLE)
    assert table["A"]["100+"] == 2 and sum(table["A"].values()) == 2
    assert table["X"]["< 0"] == 1
    assert table["B"] == {"< 0": 0, "0-24": 1, "25-49": 0, "50-99": 1, "100+": 0}


def test_cost_per_source():
    rows = {r.source: r for r in f.cost_per_source({"referral": 300, "event": 50}, PEOPLE, MOVES)}
    # referral MQLs in the period: a, b; SQLs: b
    assert (rows["referral"].mqls, rows["referral"].cost_per_mql) == (2, 150)
    assert (rows["referral"].sqls, rows["referral"].cost_per_sql) == (1, 300)
    assert rows["event"].mqls == 0 and rows["event"].cost_per_mql is None


def test_every_figure_copes_with_nothing():
    assert all(row.people == 0 for row in f.funnel_now([]))
    assert all(row.entered == 0 for row in f.stage_flow([]))
    assert f.conversion([], [], "source") == []
    assert f.speed_to_lead([], T0).share_within_sla is None
    assert f.owner_load([], {}) == []
    assert f.score_by_grade([]) == {}
    assert f.cost_per_source({}, [], []) == []


def test_spend_file_totals_and_period(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text(
        "source,period,amount\nreferral,2026-10,100\nreferral,2026-11,250.5\n"
        "event,2026-11-20,40\n\n"
    )
    assert read_spend(path, None) == {"referral": 350.5, "event": 40}
    # since Nov 1st: October's spend is outside the period
    assert read_spend(path, T0.date()) == {"referral": 250.5, "event": 40}


def test_spend_file_errors_name_every_bad_line(tmp_path):
    path = tmp_path / "spend.csv"
    path.write_text("source,period,amount\nreferral,2026-13,1\nevent,2026-11,-3\nevent,2026-11\n")
    with pytest.raises(SpendError) as caught:
        read_spend(path, None)
    assert [p.split(": ")[0] for p in caught.value.problems] == [
        f"{path}:2",
        f"{path}:3",
        f"{path}:4",
    ]
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("channel,month,eur\n")
    with pytest.raises(SpendError, match=r"h\.csv:1: the header must be source,period,amount"):
        read_spend(bad_header, None)
