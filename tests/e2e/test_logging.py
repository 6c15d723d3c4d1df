"""The event log of `connector` as a cron job sees it: its own process, configured through the
environment, against a sandbox. Log lines go to stderr only (stdout stays parseable --json), one
line per event, as text or JSON; at debug level neither a wrong token nor a storm of 5xx
answers leaves a secret in stdout, stderr or the state store, and no seeded person's e-mail
address or name appears at all.
"""

import json
from collections.abc import Iterator

import pytest
import requests

from connector.sandbox.common.faults import Fault, FaultPlan
from connector.sandbox.common.http import Request
from tests.e2e.crm_runs import CrmUnderTest, start_crm

CONTACTS = 20
SERVER_ERRORS = {
    Fault.SERVER_ERROR_500: 1.0,
    Fault.BAD_GATEWAY_502: 1.0,
    Fault.UNAVAILABLE_503: 1.0,
}
SECRET_SETTINGS = (
    "HUBSPOT_ACCESS_TOKEN",
    "SALESFORCE_CLIENT_SECRET",
    "SALESFORCE_PASSWORD",
    "SALESFORCE_SECURITY_TOKEN",
)


@pytest.fixture
def make_crm(tmp_path) -> Iterator:
    started: list[CrmUnderTest] = []

    def make(crm: str, **config: object) -> CrmUnderTest:
        config.setdefault("contacts", CONTACTS)
        under_test = start_crm(crm, tmp_path / f"{crm}-{len(started)}", **config)
        started.append(under_test)
        return under_test

    yield make
    for under_test in started:
        under_test.running.stop()


def secrets_of(env: dict[str, str]) -> list[str]:
    return [env[name] for name in SECRET_SETTINGS if env.get(name)]


def watch_tokens(under_test: CrmUnderTest) -> set[str]:
    """Every bearer token the sandbox accepts from now on: the HubSpot token, and the session
    ids Salesforce issues at login, which are secrets just as much as the settings."""
    seen: set[str] = set()

    def hook(request: Request) -> None:
        value = request.headers.get("Authorization", "")
        if value.startswith("Bearer "):
            seen.add(value.removeprefix("Bearer ").strip())

    under_test.running.sandbox.app.on_request(hook)
    return seen


def assert_nowhere(secrets: list[str], result, under_test: CrmUnderTest) -> None:
    """No secret in stdout, stderr (the log) or any byte of the SQLite state store."""
    assert secrets, "the run had a secret to leak"
    stored = under_test.state_file.read_bytes() if under_test.state_file.exists() else b""
    for secret in secrets:
        assert secret not in result.stdout, "a secret in stdout"
        assert secret not in result.stderr, "a secret in the log"
        assert secret.encode() not in stored, "a secret in the state store"


def events(stderr: str) -> list[dict]:
    """The JSON log lines of stderr, each parsed (a line that starts like one and does not
    parse fails the test). Other lines are the messages for people the commands print there,
    such as "Created a new, empty state store"."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def named(lines: list[dict], event: str) -> list[dict]:
    return [line for line in lines if line["event"] == event]


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_wrong_credential_at_debug_level_leaks_nowhere(make_crm, crm):
    under_test = make_crm(crm)
    env = dict(under_test.env)
    wrong = "pat-na1-0be7c4d2-wrong-9f31a6" if crm == "hubspot" else "wrong-pass-5d8e21c7"
    env["HUBSPOT_ACCESS_TOKEN" if crm == "hubspot" else "SALESFORCE_PASSWORD"] = wrong
    result = under_test.connector(
        "--log-level", "debug", "sync", "--from-scratch", "--json", env_override=env
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert json.loads(result.stdout)["outcome"] == "failed"
    assert "run_end" in result.stderr and "outcome=failed" in result.stderr
    assert "Traceback" not in result.stderr
    assert_nowhere([wrong, *secrets_of(env)], result, under_test)


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_5xx_storm_at_debug_level_is_retried_logged_and_leaks_nowhere(make_crm, crm):
    under_test = make_crm(crm)
    tokens = watch_tokens(under_test)
    under_test.running.sandbox.faults.set_plan(FaultPlan(rate=0.4, weights=SERVER_ERRORS, seed=7))
    result = under_test.connector(
        "--log-level", "debug", "--log-format", "json", "backfill", "--json"
    )
    assert result.returncode in (0, 1), result.stderr
    injected = under_test.running.sandbox.log.faults()
    assert sum(injected.values()) > 0, "the storm never hit"
    lines = events(result.stderr)
    retries = named(lines, "retry")
    assert len(retries) >= 1
    assert {line["status"] for line in retries} <= {500, 502, 503}
    assert all(line["logger"] == f"connector.adapters.{crm}" for line in retries)
    assert all(line["wait_seconds"] >= 0 and line["attempt"] >= 1 for line in retries)
    assert named(lines, "run_end")[0]["outcome"] in ("ok", "finished_with_rejects")
    assert tokens, "no request carried a bearer token"
    assert_nowhere([*secrets_of(under_test.env), *tokens], result, under_test)


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_storm_that_never_ends_fails_after_its_retries_and_leaks_nowhere(make_crm, crm):
    under_test = make_crm(crm)
    under_test.running.sandbox.faults.set_plan(FaultPlan(rate=1.0, weights=SERVER_ERRORS))
    env = {
        **under_test.env,
        "HUBSPOT_RETRY__MAX_ATTEMPTS": "3",
        "SALESFORCE_RETRY__MAX_ATTEMPTS": "3",
    }
    result = under_test.connector(
        "--log-level", "debug", "sync", "--from-scratch", "--json", env_override=env
    )
    assert result.returncode == 4, result.stdout + result.stderr
    retry_lines = [line for line in result.stderr.splitlines() if " retry " in line]
    assert len(retry_lines) == 2, result.stderr  # 3 attempts: 2 waits, then the run fails
    (end,) = [line for line in result.stderr.splitlines() if " run_end " in line]
    assert " WARNING connector.sync " in end and "outcome=failed exit_code=4" in end
    assert_nowhere(secrets_of(env), result, under_test)


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_json_lines_parse_and_stdout_holds_only_the_summary(make_crm, crm):
    under_test = make_crm(crm)
    result = under_test.connector(
        "--log-level", "debug", "--log-format", "json", "backfill", "--json"
    )
    assert result.returncode in (0, 1), result.stderr
    summary = json.loads(result.stdout)  # no log line mixed into it
    lines = events(result.stderr)
    assert lines
    for line in lines:
        assert {"time", "level", "logger", "event"} <= set(line)
        assert line["logger"].startswith("connector")
    start, end = named(lines, "run_start"), named(lines, "run_end")
    assert len(start) == len(end) == 1
    assert start[0]["crm"] == crm and start[0]["mode"] == "backfill"
    assert end[0]["run_id"] == start[0]["run_id"] is not None
    assert end[0]["contacts_read"] == summary["contacts_read"] == CONTACTS
    assert end[0]["updates_applied"] == summary["updates_applied"]
    pages = named(lines, "page_read")
    assert sum(page["contacts"] + page["skipped"] for page in pages) == CONTACTS
    writes = named(lines, "write_batch")
    assert (
        sum(w["applied"] for w in writes if w["object"] == "contacts")
        == (summary["updates_applied"])
    )


def test_the_default_level_logs_run_start_and_end_but_no_page(make_crm):
    under_test = make_crm("hubspot")
    assert not any(name.startswith("CONNECTOR_LOG") for name in under_test.env)
    result = under_test.connector("backfill", "--json")
    assert result.returncode in (0, 1), result.stderr
    lines = result.stderr.splitlines()
    starts = [line for line in lines if " INFO connector.sync run_start " in line]
    ends = [line for line in lines if " INFO connector.sync run_end " in line]
    assert len(starts) == len(ends) == 1, result.stderr
    assert "crm=hubspot" in starts[0] and "mode=backfill" in starts[0]
    assert f"contacts_read={CONTACTS}" in ends[0] and "outcome=" in ends[0]
    assert "page_read" not in result.stderr and "DEBUG" not in result.stderr


def test_a_log_level_from_the_environment_applies_and_the_option_wins(make_crm):
    under_test = make_crm("hubspot")
    env = {**under_test.env, "CONNECTOR_LOG_LEVEL": "warning"}
    quiet = under_test.connector("backfill", "--dry-run", "--json", env_override=env)
    assert quiet.returncode in (0, 1), quiet.stderr
    assert "run_start" not in quiet.stderr
    loud = under_test.connector(
        "--log-level", "DEBUG", "backfill", "--dry-run", "--json", env_override=env
    )
    assert "page_read" in loud.stderr


def test_a_bad_log_setting_is_a_usage_error_naming_it(make_crm):
    under_test = make_crm("hubspot")
    env = {**under_test.env, "CONNECTOR_LOG_FORMAT": "xml"}
    result = under_test.connector("sync", "--dry-run", env_override=env)
    assert result.returncode == 2
    assert "CONNECTOR_LOG_FORMAT" in result.stderr and "'json'" in result.stderr
    result = under_test.connector("--log-level", "loud", "sync", "--dry-run")
    assert result.returncode == 2
    assert "--log-level" in result.stderr


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_no_seeded_email_or_name_appears_at_debug_level(make_crm, crm):
    under_test = make_crm(crm)
    people = under_test.snapshot_contacts()
    emails = [person.email for person in people if person.email]
    names = [
        f"{person.first_name} {person.last_name}"
        for person in people
        if person.first_name and person.last_name
    ]
    assert len(emails) >= CONTACTS // 2 and names
    for log_format in ("text", "json"):
        result = under_test.connector(
            "--log-level", "debug", "--log-format", log_format, "backfill", "--dry-run", "--json"
        )
        assert result.returncode in (0, 1), result.stderr
        assert "page_read" in result.stderr
        for text in emails + names:
            assert text.lower() not in result.stderr.lower(), f"{text!r} in the {log_format} log"


def test_the_change_limit_decisions_are_logged(make_crm):
    """A limit the run stays within is logged as passed (info), one it exceeds as the abort
    (warning), each with the numbers judged; the seed's sync changes one person's stage."""
    under_test = make_crm("hubspot")
    env = {**under_test.env, "CONNECTOR_MAX_CHANGES_FLOOR": "0"}
    tripped = under_test.connector(
        "--log-level",
        "debug",
        "--log-format",
        "json",
        "sync",
        "--from-scratch",
        "--max-changes",
        "0",
        env_override=env,
    )
    assert tripped.returncode == 3, tripped.stdout + tripped.stderr
    lines = events(tripped.stderr)
    (guard,) = named(lines, "guard_abort")
    assert guard["level"] == "WARNING" and guard["limit"] == "0"
    assert guard["changed"] == guard["stage_changes"] == 1 and guard["evaluated"] == CONTACTS
    assert named(lines, "run_end")[0]["outcome"] == "aborted_by_guard"
    assert not named(lines, "write_batch")

    passed = under_test.connector(
        "--log-format", "json", "sync", "--from-scratch", "--max-changes", "1", env_override=env
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    (guard,) = named(events(passed.stderr), "guard_pass")
    assert guard["level"] == "INFO" and guard["limit"] == "1" and guard["changed"] == 1


def test_skipped_records_are_logged_by_crm_id_only(make_crm):
    """The 150-person seed holds people without an e-mail address: each is logged once, at the
    default level, by its CRM id, without the reason's wording (it could quote a value)."""
    under_test = make_crm("hubspot", contacts=150)
    result = under_test.connector("--log-format", "json", "backfill", "--json")
    assert result.returncode == 0, result.stderr
    skipped = {s["record_id"] for s in json.loads(result.stdout)["skipped"]}
    assert skipped
    lines = named(events(result.stderr), "record_skipped")
    assert sorted(line["id"] for line in lines) == sorted(skipped)
    assert all(line["logger"] == "connector.sync" and line["level"] == "INFO" for line in lines)
    assert "missing e-mail address" not in result.stderr


def test_a_record_the_crm_rejects_is_logged_by_id_and_code_only(make_crm):
    """A person deleted in HubSpot at the moment the update batch is sent: HubSpot answers 207
    with OBJECT_NOT_FOUND for that input. The log names the CRM id and the code; HubSpot's
    message stays in the summary."""
    under_test = make_crm("hubspot")
    sandbox = under_test.running.sandbox
    deleted: list[str] = []

    def delete_one_at_the_update(request: Request) -> None:
        if deleted or request.method != "POST":
            return
        if not request.path.endswith("/objects/contacts/batch/update"):
            return
        person = json.loads(request.body)["inputs"][0]["id"]
        answer = requests.delete(
            f"{under_test.running.url}/crm/v3/objects/contacts/{person}",
            headers={"Authorization": f"Bearer {sandbox.token}"},
            timeout=10,
        )
        assert answer.status_code == 204, answer.text
        deleted.append(person)

    remove = sandbox.app.on_request(delete_one_at_the_update)
    try:
        result = under_test.connector("--log-format", "json", "backfill", "--json")
    finally:
        remove()
    assert deleted
    summary = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert [r["record_id"] for r in summary["rejected"]] == deleted
    (line,) = named(events(result.stderr), "record_rejected")
    assert line["level"] == "WARNING" and line["logger"] == "connector.sync"
    assert (line["object"], line["id"], line["code"]) == (
        "contacts",
        deleted[0],
        "OBJECT_NOT_FOUND",
    )
    assert summary["rejected"][0]["message"] not in result.stderr
    assert named(events(result.stderr), "run_end")[0]["rejected"] == 1
