"""`connector mappings validate` as a user runs it: a real subprocess, real files, exit codes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_commands import registered_commands
from tests.factories import MAPPINGS


def connector(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, target)
    rules = target / "rules.yaml"
    rules.write_text(rules.read_text().replace("{kind: page_view,", "{kind: pageview,", 1))
    hubspot = target / "hubspot.yaml"
    hubspot.write_text(hubspot.read_text().replace("crm: hubspot", "crm: hubspot\nbogus: 1", 1))
    return target


def test_shipped_files_validate_offline():
    result = connector("mappings", "validate", "--offline", str(MAPPINGS))
    assert result.returncode == 0, result.stderr
    assert "no problems found" in result.stdout


def test_every_problem_is_printed_with_file_and_line_and_exit_2(broken):
    result = connector("mappings", "validate", "--offline", str(broken))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert any(
        line.startswith(f"{broken / 'rules.yaml'}:") and "scoring.engagement[0].kind" in line
        for line in lines
    )
    hubspot = broken / "hubspot.yaml"
    bogus_line = hubspot.read_text().splitlines().index("bogus: 1") + 1
    assert f"{hubspot}:{bogus_line}:1: bogus: unknown key 'bogus'" in result.stderr
    assert "2 problem(s) found." in result.stderr


def test_single_files_can_be_checked(broken):
    ok = connector("mappings", "validate", "--offline", str(MAPPINGS / "salesforce.yaml"))
    bad = connector("mappings", "validate", "--offline", str(broken / "rules.yaml"))
    assert ok.returncode == 0
    assert bad.returncode == 2


def test_a_rules_file_under_another_name_is_checked_as_rules(broken, tmp_path):
    """Recognised by its content: the dataset's rules, or a proposal from `calibrate`, are
    rules files whatever they are called, and a broken one is reported as rules."""
    shipped = connector("mappings", "validate", "--offline", str(MAPPINGS / "rules.dataset.yaml"))
    assert shipped.returncode == 0, shipped.stderr
    proposal = tmp_path / "proposed.yaml"
    shutil.copy(broken / "rules.yaml", proposal)
    bad = connector("mappings", "validate", "--offline", str(proposal))
    assert bad.returncode == 2
    assert f"{proposal}:" in bad.stderr and "scoring.engagement[0].kind" in bad.stderr
    assert "`crm` must be one of" not in bad.stderr
    # a CRM mapping under another name is still a CRM mapping
    renamed = tmp_path / "hubspot-staging.yaml"
    shutil.copy(broken / "hubspot.yaml", renamed)
    mapping = connector("mappings", "validate", "--offline", str(renamed))
    assert mapping.returncode == 2 and "bogus" in mapping.stderr


def test_a_file_that_is_neither_rules_nor_a_mapping_is_a_clear_error(tmp_path):
    stray = tmp_path / "accounts.yaml"
    stray.write_text("accounts:\n  - name: acme\n")
    result = connector("mappings", "validate", "--offline", str(stray))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{stray}: neither a rules file" in result.stderr
    assert "`crm: hubspot`" in result.stderr


def test_json_output_for_machines(broken):
    result = connector("mappings", "validate", "--offline", "--json", str(broken))
    answer = json.loads(result.stdout)
    assert (answer["schema_version"], answer["kind"]) == (1, "mappings_validate")
    problems = answer["problems"]
    assert result.returncode == 2
    assert {Path(p["file"]).name for p in problems} == {"rules.yaml", "hubspot.yaml"}
    assert all(p["line"] for p in problems)


def test_default_directory_comes_from_the_working_directory(tmp_path):
    shutil.copytree(MAPPINGS, tmp_path / "mappings")
    result = connector("mappings", "validate", "--offline", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_missing_directory_is_a_clear_error(tmp_path):
    result = connector("mappings", "validate", "--offline", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr


def test_every_command_has_help_and_is_in_the_readme():
    readme = (MAPPINGS.parent / "README.md").read_text()
    commands = registered_commands()
    assert ["demo"] in commands and ["mappings", "validate"] in commands
    for command in commands:
        for flag in ("--help", "-h"):
            result = connector(*command, flag)
            assert result.returncode == 0, (command, result.stderr)
            assert "Usage" in result.stdout
        assert f"connector {' '.join(command)}" in readme, f"README lacks {command}"


def test_version_prints_the_installed_version():
    from importlib.metadata import version

    result = connector("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"connector {version('crm-lifecycle-connector')}"


def test_ci_runs_exactly_the_readme_test_command():
    repo = MAPPINGS.parent
    readme = (repo / "README.md").read_text()
    blocks = readme.split("```bash\n")[1:]
    test_command = next(b.split("\n```")[0] for b in blocks if "pytest" in b)
    assert test_command in (repo / ".ci" / "run").read_text().splitlines()
