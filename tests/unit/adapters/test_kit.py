"""The adapter kit's building blocks on their own: chunker, bounded map, paginator,
per-record retries and create-once. (Through real HTTP into the sandboxes:
tests/integration/hubspot/test_kit.py and tests/integration/salesforce/test_kit.py.)"""

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from connector.adapters.base import RecordError
from connector.adapters.errors import CrmError, CrmPagingError, CrmUnavailableError, Failure
from connector.adapters.kit import (
    Attempt,
    BoundedMap,
    Outcome,
    chunks,
    create_once,
    paginate,
    retry_records,
)
from connector.adapters.kit.values import boolean, flagged, moment, number
from connector.adapters.retry import RetryPolicy, backoff
from connector.domain.engagement import EngagementKind

NO_JITTER = RetryPolicy(max_attempts=4, initial_wait=1.0, max_wait=30.0, jitter=0.0)


# ---- chunks -----------------------------------------------------------------------------------
def test_chunks_cut_any_iterable_into_full_batches_and_a_shorter_last_one():
    assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks((c for c in "abcd"), 2)) == [["a", "b"], ["c", "d"]]
    assert list(chunks([], 5)) == []


def test_chunks_refuse_a_size_below_one():
    with pytest.raises(ValueError, match="at least one"):
        list(chunks([1, 2], 0))


# ---- bounded map ------------------------------------------------------------------------------
def test_bounded_map_evicts_the_least_recently_used_entry():
    cache: BoundedMap[str, int] = BoundedMap(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3


def test_bounded_map_keeps_none_values_apart_from_absent_keys_and_capacity_zero_keeps_nothing():
    cache: BoundedMap[str, int | None] = BoundedMap(1)
    cache.put("gone", None)
    assert "gone" in cache and cache.get("gone", -1) is None
    assert cache.get("never", -1) == -1
    empty: BoundedMap[str, int] = BoundedMap(0)
    empty.put("a", 1)
    assert "a" not in empty


# ---- paginate ---------------------------------------------------------------------------------
def test_paginate_follows_cursors_until_there_is_none():
    pages = {None: ("p1", "c1"), "c1": ("p2", "c2"), "c2": ("p3", None)}
    asked: list[str | None] = []

    def fetch(cursor: str | None) -> tuple[str, str | None]:
        asked.append(cursor)
        return pages[cursor]

    got = [page for page, _ in paginate(fetch, lambda p: p[1], crm="HubSpot", what="contacts")]
    assert got == ["p1", "p2", "p3"] and asked == [None, "c1", "c2"]


def test_a_repeated_cursor_is_a_crm_error_raised_before_the_page_that_carries_it():
    pages = {None: ("p1", "c1"), "c1": ("p2", "c1")}
    seen: list[str] = []
    with pytest.raises(CrmPagingError) as caught:
        for page, _ in paginate(lambda c: pages[c], lambda p: p[1], crm="HubSpot", what="owners"):
            seen.append(page)
    assert isinstance(caught.value, CrmError)
    assert caught.value.exit_code == 4  # a CRM-side failure, not a rejected record (1)
    assert seen == ["p1"]  # the page whose cursor loops is never handed on (or checkpointed)
    assert "HubSpot returned the owners cursor 'c1' again" in str(caught.value)


def test_a_resume_cursor_that_comes_back_is_refused_too():
    with pytest.raises(CrmPagingError, match="'c7' again"):
        list(paginate(lambda c: ("p", "c7"), lambda p: p[1], crm="X", what="list", start="c7"))


# ---- backoff and retry_records ----------------------------------------------------------------
def test_backoff_doubles_from_the_initial_wait_caps_and_honours_retry_after():
    assert [backoff(NO_JITTER, n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff(NO_JITTER, 1, retry_after=7.5) == 7.5
    assert backoff(NO_JITTER, 1, retry_after=99) == 30


def test_retry_records_waits_with_the_injected_sleep_and_rejects_what_stays_transient():
    slept: list[float] = []
    sent: list[list[str]] = []

    def send(pending: dict[str, int]) -> Outcome:
        sent.append(sorted(pending))
        outcome = Outcome()
        for key in pending:
            if key == "locked":
                outcome.transient[key] = RecordError(record_id=key, message="row locked", code="L")
            elif key == "bad":
                outcome.rejected.append(RecordError(record_id=key, message="no"))
            else:
                outcome.applied.append(key)
        return outcome

    done = retry_records(
        {"ok": 1, "bad": 2, "locked": 3}, send, policy=NO_JITTER, sleep=slept.append
    )
    assert sent == [["bad", "locked", "ok"], ["locked"], ["locked"], ["locked"]]
    assert slept == [1.0, 2.0, 4.0]  # three waits between four sends, no wall-clock sleep
    assert done.applied == ["ok"]
    assert [(r.record_id, r.code) for r in done.rejected] == [("bad", ""), ("locked", "L")]


# ---- create_once ------------------------------------------------------------------------------
class FakeCrm:
    """A store of key → id whose create call can lose its answer after committing."""

    def __init__(self) -> None:
        self.records: dict[str, str] = {}
        self.lose_next_answer = 0
        self.lookups: list[list[str]] = []
        self.creates = 0

    def find(self, keys: Sequence[str]) -> dict[str, str]:
        self.lookups.append(sorted(keys))
        return {key: self.records[key] for key in keys if key in self.records}

    def send(self, pending: dict[str, str]) -> Attempt:
        self.creates += 1
        for key in pending:
            if key in self.records:
                raise AssertionError(f"{key} created twice")
            self.records[key] = f"id-{key}"
        if self.lose_next_answer:
            self.lose_next_answer -= 1
            raise CrmUnavailableError("dropped", Failure(status=None, message="dropped"))
        return Attempt(created={key: self.records[key] for key in pending})


def test_create_once_settles_a_lost_answer_by_looking_after_the_settle_time():
    crm = FakeCrm()
    crm.records["old"] = "id-old"
    crm.lose_next_answer = 1
    slept: list[float] = []
    result = create_once(
        {"old": "x", "new1": "y", "new2": "z"},
        find=crm.find,
        send=crm.send,
        batch_size=100,
        policy=NO_JITTER,
        settle_seconds=5.0,
        sleep=slept.append,
    )
    assert crm.creates == 1  # the lost create was not sent again: the lookup found it landed
    assert crm.lookups == [["new1", "new2", "old"], ["new1", "new2"]]
    assert slept == [5.0]  # max(backoff 1 s, settle 5 s)
    assert sorted(result.applied) == ["new1", "new2"]  # this run made them
    assert result.already_existed == ["old"]
    assert result.created_ids == {"old": "id-old", "new1": "id-new1", "new2": "id-new2"}


def test_create_once_raises_when_every_attempt_failed():
    crm = FakeCrm()

    def refuse(pending: dict[str, str]) -> Attempt:
        raise CrmUnavailableError("503", Failure(status=503, message="busy"))

    with pytest.raises(CrmUnavailableError):
        create_once(
            {"k": "v"},
            find=crm.find,
            send=refuse,
            batch_size=10,
            policy=NO_JITTER,
            sleep=lambda _: None,
        )
    assert len(crm.lookups) == NO_JITTER.max_attempts  # looked before each of the 4 tries


def test_bounded_map_split_names_what_a_batch_read_must_still_fetch():
    cache: BoundedMap[str, tuple[int, ...]] = BoundedMap(5)
    cache.put("a", ())  # cached, with nothing in it: still found
    cache.put("b", (1,))
    assert cache.split(["b", "x", "a", "x"]) == ({"b": (1,), "a": ()}, ["x"])


# ---- values -----------------------------------------------------------------------------------
def test_values_read_empty_and_malformed_crm_values_as_absent():
    assert moment("", None, "not a date", "2026-11-18T15:00:00.000+0000") == datetime(
        2026, 11, 18, 15, tzinfo=UTC
    )
    assert moment("  ", None) is None
    assert number("12.5") == 12.5 and number("n/a") is None and number("") is None
    assert number("nan") is None
    assert boolean("true") is True and boolean("maybe") is False and boolean("", True) is True


def test_a_flag_is_dated_by_its_first_readable_date_or_not_at_all():
    (found,) = flagged("c1", EngagementKind.UNSUBSCRIBE, "optout", "", "2026-01-02")
    assert (found.occurred_at, found.source_id) == (datetime(2026, 1, 2, tzinfo=UTC), "c1:optout")
    assert flagged("c1", EngagementKind.UNSUBSCRIBE, "optout", None, "garbage") == []
