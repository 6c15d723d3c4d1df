"""COUNT() queries: a backfill counts each object once — for its progress bar — and the read's
Bulk-or-REST decision takes that count instead of asking Salesforce again.

The SOQL of every query is read off the wire by a response hook on the adapter's own requests
session (the sandbox's request log keeps paths, not query strings); the SDK is not replaced.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connector.adapters.salesforce import SalesforceAdapter
from connector.adapters.salesforce import endpoints as sf
from connector.adapters.salesforce.client import build_session
from connector.mapping.loader import load_mapping_dir
from connector.sandbox.seed.spec import DEFAULT_NOW
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.state import StateStore

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


class SoqlLog:
    """The SOQL of every REST query the session sent, in order."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def hook(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        url = urlsplit(response.request.url or "")
        if url.path.rstrip("/").endswith("/query"):
            self.queries.extend(parse_qs(url.query).get("q", []))

    def counts_by_object(self) -> Counter[str]:
        """COUNT() queries per object: `SELECT COUNT() FROM Lead WHERE ...` -> Lead."""
        return Counter(
            query.split()[3] for query in self.queries if query.startswith("SELECT COUNT() FROM ")
        )


@pytest.fixture
def traced(sandbox, sandbox_settings, mapping):
    """An adapter on the sandbox whose session logs every query's SOQL."""

    def make(**overrides: object) -> tuple[SalesforceAdapter, SoqlLog]:
        settings = sandbox_settings(sandbox, **overrides)
        log = SoqlLog()
        session = build_session(settings)
        session.hooks["response"].append(log.hook)
        return SalesforceAdapter(settings, mapping, session=session), log

    return make


def backfill(adapter: SalesforceAdapter, tmp_path: Path, **options: object):
    store = StateStore.open(str(tmp_path / "state.sqlite"))
    rules = load_mapping_dir(MAPPINGS).rules
    engine = SyncEngine(adapter, rules, store, account="org", clock=lambda: DEFAULT_NOW)
    return engine.backfill(RunOptions(**options))


@pytest.mark.parametrize("bulk_threshold", [50_000, 1], ids=["rest", "bulk"])
def test_a_backfill_counts_each_object_once(traced, tmp_path, bulk_threshold):
    adapter, log = traced(bulk_threshold=bulk_threshold)

    summary = backfill(adapter, tmp_path)

    assert summary.contacts_total == 300 and summary.contacts_read == 300
    assert log.counts_by_object() == {"Lead": 1, "Contact": 1}
    # The decision still follows the counts: both objects hold 1 record or more, < 50,000.
    bulk_jobs = adapter.usage.calls(sf.BULK_CREATE)
    assert bulk_jobs == (2 if bulk_threshold == 1 else 0)


def test_a_dry_run_backfill_counts_each_object_once(traced, tmp_path):
    adapter, log = traced()

    backfill(adapter, tmp_path, dry_run=True)

    assert log.counts_by_object() == {"Lead": 1, "Contact": 1}


def test_a_read_without_a_count_before_it_counts_for_itself(traced):
    adapter, log = traced(bulk_threshold=1)
    since = DEFAULT_NOW - timedelta(days=36_500)

    adapter.count_contacts(None)  # counts for another read: not reused by this one
    people = [c for page in adapter.iter_contact_pages(since) for c in page.contacts]

    assert len(people) == 300
    assert log.counts_by_object() == {"Lead": 2, "Contact": 2}
    assert adapter.usage.calls(sf.BULK_CREATE) == 2


def test_a_count_is_reused_by_the_next_read_only(traced):
    adapter, log = traced()

    assert adapter.count_contacts(None) == 300
    assert adapter.count_contacts(None) == 300  # asked again: counted again
    list(adapter.iter_contact_pages(None))  # reuses the last counts
    list(adapter.iter_contact_pages(None))  # a second read counts afresh

    assert log.counts_by_object() == {"Lead": 3, "Contact": 3}
