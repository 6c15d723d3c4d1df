"""A plain (non-editable) install works from any folder: `connector init` writes the editable
defaults and a .env, `connector demo` runs with nothing configured, and other commands say to
run `connector init` instead of failing on a missing mappings/rules.yaml."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import REPO


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel and installed (not editable) into a folder of its own."""
    wheels = tmp_path_factory.mktemp("wheels")
    target = tmp_path_factory.mktemp("site")
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps"]
    subprocess.run([*build, "-w", str(wheels), str(REPO)], check=True, capture_output=True)
    wheel = next(wheels.glob("*.whl"))
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target"]
    subprocess.run([*install, str(target), str(wheel)], check=True, capture_output=True)
    return target


def _run(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUBSPOT_", "SALESFORCE_", "CONNECTOR_"))
    }
    env["PYTHONPATH"] = str(installed)  # ahead of the editable checkout
    return subprocess.run(
        [sys.executable, "-m", "connector", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_wheel_carries_the_defaults_and_runs_from_an_empty_folder(installed, tmp_path):
    empty = tmp_path / "project"
    empty.mkdir()
    where = subprocess.run(
        [sys.executable, "-c", "import connector; print(connector.__file__)"],
        cwd=empty,
        env={**os.environ, "PYTHONPATH": str(installed)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(installed)), "the test must run the installed copy"

    before = _run(installed, empty, "mappings", "validate", "--offline")
    assert before.returncode == 2
    assert "connector init" in before.stderr

    demo = _run(installed, empty, "demo", "--contacts", "40", "--json")
    assert demo.returncode in (0, 1), demo.stderr
    assert json.loads(demo.stdout)["backfill"]["contacts_read"] == 40
    assert sorted(path.name for path in empty.iterdir()) == [], "the demo leaves nothing behind"

    init = _run(installed, empty, "init")
    assert init.returncode == 0, init.stderr
    shipped = REPO / "mappings"
    for name in ("rules.yaml", "hubspot.yaml", "salesforce.yaml"):
        assert (empty / "mappings" / name).read_text() == (shipped / name).read_text()
    assert (empty / ".env").read_text() == (REPO / ".env.example").read_text()
    validated = _run(installed, empty, "mappings", "validate", "--offline")
    assert validated.returncode == 0, validated.stderr

    (empty / "mappings" / "rules.yaml").write_text("edited by an admin\n")
    again = _run(installed, empty, "init")
    assert again.returncode == 0 and "kept" in again.stdout
    assert (empty / "mappings" / "rules.yaml").read_text() == "edited by an admin\n"
