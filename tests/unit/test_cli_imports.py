"""The command line imports the CRM SDKs, the state store and the sandboxes only in the commands
that use them: `connector --help`, a usage error or a cron job's start should not pay over a
second for modules it never calls. Checked in a fresh interpreter, by what is in sys.modules
(behaviour), never by timing.
"""

import json
import subprocess
import sys

import pytest

from tests.factories import REPO

HEAVY = ("hubspot", "simple_salesforce", "sqlalchemy", "alembic", "connector.sandbox")

PROBE = """
import json, sys
{run}
heavy = {heavy!r}
print(json.dumps(sorted(
    name for name in sys.modules if any(name == h or name.startswith(h + ".") for h in heavy)
)))
"""

HELP = """
from connector.cli import app
try:
    app(args={args!r}, prog_name="connector")
except SystemExit:
    pass
"""


def heavy_modules_after(run: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running `run` (help output dropped)."""
    code = PROBE.format(run=run, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_imports_no_sdk_state_store_or_sandbox():
    assert heavy_modules_after("import connector.cli") == []


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["mappings", "validate", "--help"],
        ["sandbox", "serve", "--help"],
        ["sync", "-x"],
    ],
    ids=" ".join,
)
def test_help_and_usage_errors_import_no_sdk_state_store_or_sandbox(args):
    # help goes to stdout before the probe's line; only the last line is read
    assert heavy_modules_after(HELP.format(args=args)) == []
