"""A command's session sets the garbage collector for a batch run: what the imports and the
mappings left is frozen out of every later collection, and young collections come 100,000
allocations apart instead of CPython's 700 (bench/README.md: the collector was the largest cost
outside the rules in a backfill)."""

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.gc_tuning import YOUNG_GENERATION, tune_for_batch_run
from connector.settings import Settings
from connector.sync.session import open_session

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


@pytest.fixture(autouse=True)
def collector_as_it_was() -> Iterator[None]:
    """The test process's collector is left as the test found it."""
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_tuning_freezes_what_is_alive_and_makes_young_collections_rarer():
    kept = [object() for _ in range(10)]
    assert gc.get_freeze_count() == 0

    tune_for_batch_run()

    assert gc.get_freeze_count() > len(kept)
    assert gc.get_threshold()[0] == YOUNG_GENERATION


def test_reference_cycles_are_still_collected_without_a_call():
    class Node:
        me: "Node"

    tune_for_batch_run()
    node = Node()
    node.me = node  # a cycle: reference counting alone never frees it
    gone = weakref.ref(node)
    del node
    assert gone() is not None

    held = [[] for _ in range(YOUNG_GENERATION + 1)]  # allocations enough for a young collection

    assert gone() is None
    assert len(held) > YOUNG_GENERATION


def test_opening_a_session_tunes_the_collector(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env of the checkout leaks in
    settings = Settings(mappings_dir=MAPPINGS, state_url=f"sqlite:///{tmp_path / 's.sqlite'}")
    assert gc.get_freeze_count() == 0

    session = open_session(settings, "hubspot", {"HUBSPOT_ACCESS_TOKEN": "pat-unused"})

    try:
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_GENERATION
    finally:
        session.store.engine.dispose()
