"""The cyclic garbage collector set for a batch run. A backfill's millions of short-lived objects
are freed by reference counting, yet start a collection every 700 allocations, each walking
every object the imports left (0.25 CPU-s per 1,000 HubSpot contacts, bench/README.md). Freezing
them (as Python's docs advise before forking) and a young generation of 100,000 avoid that
without holding more: a collection frees only reference cycles. At 10,000 a 100,000-contact
Salesforce backfill still spent 5.8 of its 78 CPU-s in 1,454 young, 132 middle and 12 full
collections (each walks a page's live models); at 100,000, 2.0 CPU-s, peak RSS +2 MB."""

import gc

#: allocations between young collections; CPython's default is 700
YOUNG_GENERATION = 100_000


def tune_for_batch_run() -> None:
    """Freeze what is alive now and make young collections rarer; called by `open_session` after
    a run's imports (a forked worker gets it too). Calling it again is harmless."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])
