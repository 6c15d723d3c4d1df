"""Where a worker's CPU went, from a py-spy raw profile (`BENCH_WORKER_PREFIX="py-spy record
--format raw -o FILE"`): the share of samples by the connector module that was running (the
innermost `connector/` frame, so the SDK, JSON and SQLite count in the module that called
them), then the functions with the most samples of their own. A sampling profiler does not
slow the code it samples as cProfile does, so its shares are those of the real run.

    python bench/pyspy_summary.py FILE [--top 30]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r":\d+\)")
#: samples of the heartbeat thread waiting on its timer: a sampled thread, not CPU
_IDLE = ("Condition.wait", "Event.wait")


def summarise(path: Path, top: int) -> str:
    by_module: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
        if any(frames[-1].startswith(idle) for idle in _IDLE):
            continue
        samples = int(count)
        total += samples
        module = next(
            (m.group(1) for f in reversed(frames) if (m := re.search(r"\((connector/[^)]+)\)", f))),
            "outside the connector (imports, the interpreter)",
        )
        by_module[module] += samples
        by_function[frames[-1]] += samples
    out = [f"{total} samples (the heartbeat thread's waits left out)", "", "by connector module:"]
    out += [f"{n / total:6.1%}  {name}" for name, n in by_module.most_common(top)]
    out += ["", "by function, own samples:"]
    out += [f"{n / total:6.1%}  {name}" for name, n in by_function.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    print(summarise(args.profile, args.top))


if __name__ == "__main__":
    main()
