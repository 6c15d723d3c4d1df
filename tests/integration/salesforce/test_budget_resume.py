"""Issue #19: a backfill under a daily API allowance that covers only part of it — `backfill
--resume` run once a "day" (the sandbox's daily counter starts afresh) moves on every day and
ends with the CRM as one unhindered backfill leaves a twin org."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from simple_salesforce import Salesforce

from connector.adapters.salesforce import SalesforceAdapter
from connector.mapping.loader import load_rules
from connector.sandbox.salesforce import SalesforceSandbox
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.report import RunSummary
from connector.sync.state import StateStore

RULES = load_rules(Path(__file__).resolve().parents[3] / "mappings" / "rules.yaml")
#: Pages of 50 people through Bulk API 2.0, no reserve for other integrations: each page costs
#: a handful of calls (its result set, the Account match, the engagement queries).
SMALL_PAGES: dict[str, Any] = {"daily_reserve": 0.0, "bulk_threshold": 1, "bulk_page_size": 50}
DAILY_LIMIT = 15  # a page, its writes (and the run's field describes) and a little more per day


def backfill(
    sandbox: SalesforceSandbox, make_adapter: Callable[..., SalesforceAdapter], store: StateStore
) -> RunSummary:
    engine = SyncEngine(make_adapter(sandbox, **SMALL_PAGES), RULES, store, account="org")
    return engine.backfill(RunOptions(resume=True))


def people(sandbox: SalesforceSandbox) -> dict[str, Any]:
    api = Salesforce(**sandbox.salesforce_kwargs())
    fields = ("Lifecycle_Stage__c", "Connector_Score__c", "Connector_Grade__c", "OwnerId")
    held: dict[str, Any] = {}
    for sobject in ("Lead", "Contact"):
        query = f"SELECT Id, {', '.join(fields)} FROM {sobject}"
        for row in api.query_all(query)["records"]:
            held[row["Id"]] = tuple(row[name] for name in fields)
    return held


def test_a_backfill_resumed_day_after_day_moves_on_every_day_and_ends(
    make_sandbox, make_adapter, tmp_path
):
    sandbox = make_sandbox(daily_limit=DAILY_LIMIT)
    store = StateStore.open(str(tmp_path / "state.sqlite"))
    progress: list[tuple[int, int]] = []  # per day: (pages committed, updates written)
    written = 0
    for _day in range(15):
        summary = backfill(sandbox, make_adapter, store)
        written += summary.updates_applied
        checkpoint = store.checkpoint("org", "backfill")
        if summary.outcome != "failed":
            break
        assert f"daily API usage is {DAILY_LIMIT} of {DAILY_LIMIT}" in summary.message
        assert sandbox.app.daily.used == DAILY_LIMIT  # the day's allowance, no more
        assert checkpoint is not None or not progress  # a page is committed from day 2 on
        done = checkpoint.pages_done if checkpoint is not None else 0
        if progress:
            # every day moves on: a page more is committed, or its writes finally landed
            assert (done, written) > progress[-1], progress
        progress.append((done, written))
        sandbox.app.daily.reset()  # the next day
    assert summary.outcome in ("ok", "finished_with_rejects"), (summary.message, progress)
    assert len(progress) >= 3, "the allowance should have stopped the backfill several times"
    assert store.checkpoint("org", "backfill") is None
    assert store.watermark("org", "contacts") is not None

    twin = make_sandbox()
    clean = SyncEngine(
        make_adapter(twin, **SMALL_PAGES),
        RULES,
        StateStore.open(str(tmp_path / "twin.sqlite")),
        account="org",
    ).backfill(RunOptions())
    assert clean.exit_code in (0, 1), clean.message
    assert written == clean.updates_applied
    assert people(sandbox) == people(twin)


def test_an_allowance_smaller_than_one_page_says_resuming_will_not_help(
    make_sandbox, make_adapter, tmp_path
):
    """Eight calls a day do not cover one page (its result set, the Account match and the
    engagement queries, after the owners): nothing is ever finished, and the run says so
    rather than inviting a resume that would stop at the same point every day."""
    sandbox = make_sandbox(daily_limit=8)
    store = StateStore.open(str(tmp_path / "state.sqlite"))
    for _day in range(2):
        summary = backfill(sandbox, make_adapter, store)
        assert summary.outcome == "failed"
        assert "daily API usage is 8 of 8" in summary.message
        assert "would stop at the same point" in summary.message
        assert store.checkpoint("org", "backfill") is None
        sandbox.app.daily.reset()
