"""`python bench/measure_child.py OUT ARGS...`: run `connector ARGS...` in this interpreter
and, at exit, write its CPU seconds and peak RSS to OUT (JSON).

Measured by the process itself because only it can read its own `VmHWM` before it ends; and
`ru_maxrss` of a child would not do: Linux carries it over `exec` from the spawning process
(see bench/README.md, "Peak RSS").
"""

import atexit
import json
import resource
import runpy
import sys
from pathlib import Path


def _peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _write(out: Path) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(
        json.dumps({"cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_kb": _peak_rss_kb()})
    )


if __name__ == "__main__":
    target = Path(sys.argv[1])
    atexit.register(_write, target)
    sys.argv = ["connector", *sys.argv[2:]]
    runpy.run_module("connector", run_name="__main__")
