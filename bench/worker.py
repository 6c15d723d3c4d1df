"""The connector's side of a benchmark run, in a process of its own.

`run.py` starts this script once per measured run (backfill or sync) with a JSON job on stdin
and reads one JSON result from stdout. A fresh interpreter is what makes the peak RSS the
connector's alone: the sandbox serving a million contacts lives in the parent and holds
gigabytes, and a forked child would count the parent's pages as its own.

The worker builds the adapter from the same settings a user would set (base/login URL,
credentials, CA file), the engine with the rules in mappings/ and a SQLite state store that
persists between the worker runs of one scenario, so a sync continues from the backfill's
watermark exactly as two CLI runs would.
"""

from __future__ import annotations

import cProfile
import gc
import inspect
import json
import os
import pstats
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from connector.adapters.base import CrmAdapter
from connector.adapters.hubspot import HubSpotAdapter, HubSpotSettings
from connector.adapters.salesforce import SalesforceAdapter, SalesforceSettings
from connector.mapping.crm_schema import HubSpotMapping, SalesforceMapping
from connector.mapping.loader import MappingSet, load_mapping_dir
from connector.sandbox.seed.spec import DEFAULT_NOW
from connector.settings import Settings
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.state import StateStore

try:  # the CLI's own setting, made where a command opens its session
    from connector.gc_tuning import tune_for_batch_run as tune_gc
except ImportError:  # a "before" export older than it: its CLI left the collector as it was
    tune_gc = None  # type: ignore[assignment]


def _status_kb(field: str) -> int:
    """A line of /proc/self/status in kB (VmRSS now, VmHWM the peak so far)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _count_actions(adapter: CrmAdapter) -> Counter[str]:
    """Logical requests per action ("list contacts", "read Tasks", ...), counted by wrapping
    the client's one send/call method. The adapters' own usage counts by endpoint, and on
    Salesforce one endpoint (GET /query) serves contacts, engagement and owners alike; the
    action is what tells a contact read from an engagement read."""
    actions: Counter[str] = Counter()
    client: Any = adapter.client  # type: ignore[attr-defined]
    # HubSpot sends through `send` (SDK models) or `send_json` (raw answers, see hubspot/raw.py).
    names = ("send", "send_json") if isinstance(adapter, HubSpotAdapter) else ("call",)
    for name in names:
        original = getattr(client, name, None)
        if original is None:  # an older client without raw reads (a BEFORE run)
            continue

        def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            actions[str(kwargs.get("action", "?"))] += 1
            return _original(*args, **kwargs)

        setattr(client, name, counted)
    return actions


class PeakWatch:
    """Where the memory went: samples VmRSS and, at each new high by `step_mb`, notes what the
    main thread was doing (its innermost connector frames). A diagnostic (job "watch": true),
    since sampling costs a little time."""

    def __init__(self, step_mb: float = 16.0, interval: float = 0.02) -> None:
        self.step_kb = step_mb * 1024
        self.interval = interval
        self.marks: list[dict[str, Any]] = []
        self._main = threading.main_thread().ident
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        high = _status_kb("VmRSS")
        while not self._stop.wait(self.interval):
            now = _status_kb("VmRSS")
            if now < high + self.step_kb:
                continue
            high = now
            frame = sys._current_frames().get(self._main or 0)
            stack = []
            while frame is not None and len(stack) < 6:
                name = frame.f_code.co_filename
                if "/connector/" in name:
                    short = name.split("/connector/", 1)[1]
                    stack.append(f"{short}:{frame.f_lineno} {frame.f_code.co_name}")
                frame = frame.f_back
            mark: dict[str, Any] = {"rss_mb": round(now / 1024), "stack": stack}
            if tracemalloc.is_tracing():  # BENCH_TRACEMALLOC=1: what the Python heap held then
                mark["python_heap_mb"] = round(tracemalloc.get_traced_memory()[0] / 2**20)
                top = tracemalloc.take_snapshot().statistics("lineno")[:12]
                mark["top"] = [f"{round(s.size / 2**20, 1)} MB {s.traceback[0]}" for s in top]
            self.marks.append(mark)


def build_adapter(job: dict[str, Any], mappings: MappingSet) -> CrmAdapter:
    mapping = mappings.crms[job["crm"]]
    settings: dict[str, Any] = job["settings"]
    if job["crm"] == "hubspot":
        assert isinstance(mapping, HubSpotMapping)
        return HubSpotAdapter(HubSpotSettings(_env_file=None, **settings), mapping)  # type: ignore[call-arg]
    assert isinstance(mapping, SalesforceMapping)
    return SalesforceAdapter(SalesforceSettings(_env_file=None, **settings), mapping)  # type: ignore[call-arg]


class CpuSplit:
    """CPU seconds spent inside the rules while the run goes: `evaluate` (the decision) and
    `next_due` (when it next changes on its own), timed by wrapping the two names the sync
    engine calls. What is left of the run's CPU is the connector around the rules: adapter,
    SDK, HTTP, state store. Its timers and AdapterCpu's (per person and per engagement record)
    add 0.03-0.06 CPU-s per 1,000 contacts of their own, mostly system calls: the CPU target's
    figures are taken without them (BENCH_CPU_SPLIT=0)."""

    NAMES = ("evaluate", "next_due")
    #: the engine's name → the figure it counts in: the engine assesses a person (history,
    #: score, fit) before `evaluate` to hand the assessment to `next_due` too, and that is
    #: part of the decision
    PARTS: ClassVar[dict[str, str]] = {
        "evaluate": "evaluate",
        "assess": "evaluate",
        "next_due": "next_due",
    }

    def __init__(self) -> None:
        import connector.sync.engine as engine_module

        self.module: Any = engine_module
        self.seconds = dict.fromkeys(self.NAMES, 0.0)
        self.originals = {
            name: getattr(engine_module, name)
            for name in self.PARTS
            if hasattr(engine_module, name)  # an older engine does not call `assess`
        }
        for name, original in self.originals.items():
            setattr(engine_module, name, self._timed(self.PARTS[name], original))

    def _timed(self, name: str, original: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.process_time() - began

        return timed


class AdapterCpu:
    """CPU seconds spent inside the adapter's verbs (SDK, HTTP, JSON, paging, the translation
    of records it calls), timed by wrapping the verbs the engine calls on this adapter; a
    page or engagement generator is timed per item, so the engine's work between items is
    not. `translate` is the part of it in the mapping's translation (`to_contact`, ...).
    Nested calls (a verb calling another) count once."""

    VERBS = (
        "iter_contact_pages",
        "iter_engagements",
        "read_contacts",
        "current_values",
        "apply_updates",
        "create_tasks",
        "task_states",
        "reassign_tasks",
        "list_owners",
        "count_contacts",
    )
    TRANSLATE = ("to_contact", "to_company", "to_crm")

    def __init__(self, adapter: CrmAdapter) -> None:
        self.seconds = {"adapter": 0.0, "translate": 0.0}
        self._depth = {"adapter": 0, "translate": 0}
        for name in self.VERBS:
            verb = getattr(adapter, name, None)
            if verb is not None:
                setattr(adapter, name, self._timed("adapter", verb))
        translator = getattr(adapter, "translator", None)
        for name in self.TRANSLATE if translator is not None else ():
            setattr(translator, name, self._timed("translate", getattr(translator, name)))

    def _timed(self, part: str, original: Any) -> Any:
        def step(call: Any) -> Any:
            outer = self._depth[part] == 0
            began = time.process_time()
            self._depth[part] += 1
            try:
                return call()
            finally:
                self._depth[part] -= 1
                if outer:
                    self.seconds[part] += time.process_time() - began

        def timed(*args: Any, **kwargs: Any) -> Any:
            answer = step(lambda: original(*args, **kwargs))
            return self._items(step, answer) if inspect.isgenerator(answer) else answer

        return timed

    @staticmethod
    def _items(step: Any, items: Any) -> Any:
        done = object()
        while (item := step(lambda: next(items, done))) is not done:
            yield item


class GcTimes:
    """CPU seconds the cyclic garbage collector took during the run, and its collections per
    generation (a `gc.callbacks` hook: two process_time() calls per collection). A full
    (generation 2) collection walks every tracked object, so its cost grows with the heap."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._began = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.process_time()
            return
        self.seconds += time.process_time() - self._began
        self.collections[info["generation"]] += 1


def _split_seconds(split: Any, adapter_cpu: Any, run_seconds: float) -> dict[str, float]:
    """The run's CPU by part, from the per-call timers."""
    return {
        "rules_evaluate": split.seconds["evaluate"],
        "rules_next_due": split.seconds["next_due"],
        "outside_rules": run_seconds - sum(split.seconds.values()),
        "adapter": adapter_cpu.seconds["adapter"],
        "adapter_translate": adapter_cpu.seconds["translate"],
    }


def _write_profile(profiler: cProfile.Profile, path: Path) -> None:
    """The run's profile: the raw stats (for snakeviz/pstats) and the top 15 by own time as
    text next to it. Profiling slows the run, so a profiled run's CPU is no measurement."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(str(path))
    with path.with_suffix(".txt").open("w") as out:
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(30)


def run(job: dict[str, Any]) -> dict[str, Any]:
    """One backfill or sync; what it did, what it cost and how much memory it took.

    CPU is the process's own (`time.process_time()`: user + system of every thread, children
    excluded), so a loaded machine stretches the wall time but not this figure. "run" is what
    the run itself cost, from just before the adapter is built; "with imports" adds what the
    interpreter spent importing the connector and its SDKs before (a CLI run pays both)."""
    gc_tuned = tune_gc is not None and os.environ.get("BENCH_GC_DEFAULT") != "1"
    if gc_tuned:
        tune_gc()
    cpu_at_start, times_at_start = time.process_time(), os.times()
    gc_times = GcTimes()
    # Timed by process_time: the profile shows where CPU goes, not where the run waited on
    # the sandbox (a wall-clock profile puts socket reads at the top).
    profiler = cProfile.Profile(time.process_time) if job.get("profile") else None
    if profiler is not None:
        profiler.enable()
    # BENCH_CPU_SPLIT=0: no per-call timers. They cost the run CPU of their own (two
    # process_time() system calls and a wrapper per person and per engagement record, about
    # 0.05 CPU-s per 1,000 contacts), so the connector's own CPU is measured without them.
    timers = os.environ.get("BENCH_CPU_SPLIT") != "0"
    split = CpuSplit() if timers else None
    # mappings/ loaded once, for the adapter and the engine, as a CLI run does (`connector
    # backfill` loads it once); the worker loaded it twice before, a fixed ~0.15-0.3 CPU-s.
    mappings = load_mapping_dir(Path(job["mappings"]))
    adapter = build_adapter(job, mappings)
    actions = _count_actions(adapter)
    adapter_cpu = AdapterCpu(adapter) if timers else None
    store = StateStore.open(job["state"])
    # Decide at the seed's reference time, as the tests do: the seeded histories are then as
    # fresh as they were generated to be, and every run decides the same. A job with
    # "decide_now" decides at the wall clock instead (engagement created during the benchmark
    # lies after the seed's time, and the rules ignore engagement after their `now`).
    clock = None if job.get("decide_now") else (lambda: DEFAULT_NOW)
    engine = SyncEngine(adapter, mappings.rules, store, account=job["crm"], clock=clock)
    rss_before_kb = _status_kb("VmRSS")
    if os.environ.get("BENCH_TRACEMALLOC") == "1":  # a diagnostic: several times slower
        tracemalloc.start()
    watch = PeakWatch() if job.get("watch") else None
    began = time.perf_counter()
    if watch is not None:
        watch.__enter__()
    try:
        # The run options a user's settings give (CONNECTOR_WRITE_BUFFER_RECORDS, ...).
        options = RunOptions(
            write_buffer_records=Settings(_env_file=None).write_buffer_records  # type: ignore[call-arg]
        )
        summary = engine.backfill(options) if job["kind"] == "backfill" else engine.sync(options)
    finally:
        if watch is not None:
            watch.__exit__()
    wall = time.perf_counter() - began
    cpu_at_end, times_at_end = time.process_time(), os.times()
    if profiler is not None:
        profiler.disable()
        _write_profile(profiler, Path(job["profile"]))
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over exec from the process
    # that spawned this one, so it would report the sandbox's RSS whenever that was larger.
    peak_kb = _status_kb("VmHWM")
    pacer = getattr(getattr(adapter, "client", None), "pacer", None)
    return {
        "kind": job["kind"],
        "outcome": summary.outcome,
        "exit_code": summary.exit_code,
        "message": summary.message,
        "wall_seconds": wall,
        "cpu_seconds": {
            "run": cpu_at_end - cpu_at_start,
            # the run's CPU in user and kernel mode: system calls (sockets, the state store's
            # file, clocks) are the kernel's part
            "run_user": times_at_end.user - times_at_start.user,
            "run_system": times_at_end.system - times_at_start.system,
            "with_imports": cpu_at_end,
            "imports": cpu_at_start,
            "profiled": profiler is not None,
            "split": timers,
            **(_split_seconds(split, adapter_cpu, cpu_at_end - cpu_at_start) if timers else {}),
            "gc": gc_times.seconds,
            "gc_collections": gc_times.collections,
            "gc_tuned": gc_tuned,
        },
        "rss_before_run_mb": rss_before_kb / 1024,
        "peak_rss_mb": peak_kb / 1024,
        "counts": summary.counts(),
        "contacts_read": summary.contacts_read,
        "updates_applied": summary.updates_applied,
        "tasks_created": summary.tasks_created,
        "tasks_already_existed": summary.tasks_already_existed,
        "rejected": len(summary.rejected),
        "skipped": len(summary.skipped),
        "api_calls": {name: use.model_dump() for name, use in adapter.usage.by_endpoint().items()},
        "actions": dict(actions),
        "pacer_waited_seconds": getattr(pacer, "waited_seconds", None),
        "memory_marks": watch.marks if watch is not None else None,
    }


def main() -> None:
    job = json.loads(sys.stdin.read())
    result = run(job)
    sys.stdout.write(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
