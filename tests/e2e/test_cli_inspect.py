"""`connector runs`, `audit`, `config` and `--env-file`: what a user reads instead of opening the
state store with sqlite3 or guessing which setting won."""

import json

import pytest

from tests.e2e.crm_runs import CrmUnderTest, start_crm


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory):
    under_test = start_crm("hubspot", tmp_path_factory.mktemp("hubspot"), contacts=40)
    assert under_test.connector("backfill", "--json").returncode == 0
    yield under_test
    under_test.running.stop()


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_runs_lists_the_backfill_with_its_counts(backfilled: CrmUnderTest):
    listed = _json(backfilled.connector("runs", "--json"))
    assert listed["schema_version"] == 1
    assert [(run["kind"], run["outcome"]) for run in listed["runs"]] == [("backfill", "ok")]
    assert listed["runs"][0]["counts"]["contacts_read"] == 40
    # what the run cost its host: the process's CPU, imports included (never zero)
    assert listed["runs"][0]["counts"]["cpu_ms"] > 0
    wide = {**backfilled.env, "COLUMNS": "200"}
    table = backfilled.connector("runs", env_override=wide)
    assert table.returncode == 0 and "backfill" in table.stdout


def test_audit_shows_one_persons_trail_by_id_or_email(backfilled: CrmUnderTest):
    person = next(c for c in backfilled.snapshot_contacts() if c.email and c.score)
    by_id = _json(backfilled.connector("audit", person.id, "--json"))["contacts"][person.id]
    assert {entry["field"] for entry in by_id} >= {"score"}
    assert all(entry["contact_id"] == person.id for entry in by_id)
    by_email = _json(backfilled.connector("audit", person.email, "--json"))
    assert by_email["contacts"] == {person.id: by_id}
    missing = backfilled.connector("audit", "nobody@nowhere.example")
    assert missing.returncode == 2 and "no contact has the e-mail address" in missing.stderr


def test_config_shows_each_setting_its_source_and_never_a_secret(backfilled, tmp_path):
    env_file = tmp_path / "account.env"
    env_file.write_text(
        "CONNECTOR_ACCOUNT=acme-portal\nCONNECTOR_MAX_CHANGES_FLOOR=3\n"
        "CONNECTOR_STALE_LOCK_MINUTES=2\n"  # an old name: read, shown under the new one
    )
    env = {**backfilled.env, "CONNECTOR_MAX_CHANGES_FLOOR": "7"}
    result = backfilled.connector("--env-file", str(env_file), "config", "--json", env_override=env)
    rows = {row["setting"]: row for row in _json(result)["settings"]}
    token = backfilled.env["HUBSPOT_ACCESS_TOKEN"]
    assert token not in result.stdout
    assert rows["HUBSPOT_ACCESS_TOKEN"]["value"] == "*** (set)"
    assert rows["HUBSPOT_ACCESS_TOKEN"]["source"] == "environment"
    assert rows["CONNECTOR_ACCOUNT"] == {
        "setting": "CONNECTOR_ACCOUNT",
        "value": "acme-portal",
        "source": f"--env-file {env_file}",
    }
    assert rows["CONNECTOR_MAX_CHANGES_FLOOR"]["value"] == "7"  # the environment wins
    assert rows["HUBSPOT_CONNECT_TIMEOUT_SECONDS"]["source"] == "default"
    assert rows["CONNECTOR_STALE_LOCK_SECONDS"]["value"] == "120.0"
    assert "CONNECTOR_STALE_LOCK_MINUTES" not in rows
    assert "CONNECTOR_STALE_LOCK_MINUTES is deprecated" in result.stderr
    missing = backfilled.connector("--env-file", str(tmp_path / "nope.env"), "config")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_every_json_answer_has_one_layout(backfilled: CrmUnderTest):
    """An object naming its kind and the layout's schema version, whatever the command."""
    person = next(c for c in backfilled.snapshot_contacts() if c.email)
    commands = {
        "sync": ("sync", "--dry-run", "--json"),
        "explain": ("explain", person.id, "--json"),
        "runs": ("runs", "--json"),
        "audit": ("audit", person.id, "--json"),
        "config": ("config", "--json"),
        "mappings_validate": ("mappings", "validate", "--offline", "--json"),
    }
    for kind, command in commands.items():
        answer = _json(backfilled.connector(*command))
        assert (answer["schema_version"], answer["kind"]) == (1, kind), command
