"""The cyclic garbage collector set for a batch run rather than an interactive program.

A backfill allocates millions of short-lived objects (decoded records, models, plan rows) that
reference counting frees on its own; CPython's default young generation of 700 allocations
still starts a collection every few hundred of them, and each full collection walks every
object the imports left behind (the SDKs' generated models, pydantic schemas, SQLAlchemy). In
the HubSpot backfill that was about 0.25 CPU-seconds per 1,000 contacts, the largest cost outside
the rules (bench/README.md, "CPU of the connector process"). Freezing what exists once the
connector is imported moves it out of every later collection — the step Python's documentation
recommends before forking, so a forked run's pages are not touched by the collector either — and
a young generation of 10,000 makes collections rarer without holding more: the objects a
collection would free are only those in reference cycles.
"""

from __future__ import annotations

import gc

#: allocations between young collections; CPython's default is 700
YOUNG_GENERATION = 10_000


def tune_for_batch_run() -> None:
    """Freeze what is alive now (imports, mappings, settings) and make young collections rarer.

    Called where a command has opened its session (`sync.session.open_session`), after the
    imports a run needs, so a forked worker run gets it too.
    Calling it again freezes what was allocated since, which is harmless."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])
