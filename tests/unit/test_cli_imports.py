"""The command line imports the CRM SDKs, the state store and the sandboxes only in the commands
that use them: `connector --help`, a usage error or a cron job's start should not pay over a
second for modules it never calls. Checked in a fresh interpreter, by what is in sys.modules
(behaviour), never by timing.
"""

import ast
import json
import subprocess
import sys

from tests.cli_commands import registered_commands
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


def heavy_modules_after(run: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running `run` (help output dropped)."""
    code = PROBE.format(run=run, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_imports_no_sdk_state_store_or_sandbox():
    assert heavy_modules_after("import connector.cli") == []


EVERY_HELP = """
import json, sys
from connector.cli import app
heavy = {heavy!r}
loaded = {{}}
for args in {commands!r}:
    try:
        app(args=args, prog_name="connector")
    except SystemExit:
        pass
    loaded[" ".join(args)] = sorted(
        name for name in sys.modules if any(name == h or name.startswith(h + ".") for h in heavy)
    )
print(json.dumps(loaded))
"""


def test_the_commands_are_read_from_the_app():
    commands = registered_commands()
    assert ["sync"] in commands and ["mappings", "validate"] in commands
    assert ["sandbox", "serve"] in commands and ["whatif"] in commands
    assert len(commands) == len({tuple(c) for c in commands}) > 10


def test_no_command_help_nor_usage_error_imports_an_sdk_state_store_or_sandbox():
    """Every registered command's --help, the top-level help and a usage error, one after the
    other in one fresh interpreter: the heavy modules loaded after each must stay none (a
    command that loads one shows as the first key whose list is not empty)."""
    commands = [["--help"], ["sync", "-x"]] + [
        [*words, "--help"] for words in registered_commands()
    ]
    code = EVERY_HELP.format(heavy=HEAVY, commands=commands)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    # help goes to stdout before the probe's line; only the last line is read
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert list(loaded) == [" ".join(args) for args in commands]
    assert {args: found for args, found in loaded.items() if found} == {}


def test_the_cli_reaches_the_adapters_only_through_the_sync_layer():
    """DESIGN.md: the CLI never talks to a CRM directly; what it needs of the adapters (the
    error a CRM call ends in, the adapter protocol for type hints) comes from `connector.sync`.
    Every import statement counts, type-checking ones and those inside commands included."""
    tree = ast.parse((REPO / "connector" / "cli.py").read_text(encoding="utf-8"))
    imported = {
        name
        for node in ast.walk(tree)
        for name in (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
    }
    assert "connector.sync.connect" in imported  # the scan sees lazy imports
    assert (
        sorted(n for n in imported if n.startswith(("connector.adapters", "connector.domain")))
        == []
    )
