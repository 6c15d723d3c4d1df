"""Reliability against both sandboxes: a backfill killed with SIGKILL at many points and resumed,
and a backfill under 10 % injected faults, must each leave the CRM exactly as an uninterrupted,
fault-free run leaves an identically seeded CRM — with no duplicate task."""

import shutil

import pytest

from tests.e2e.crm_runs import CrmUnderTest, start_crm
from tests.factories import MAPPINGS

CONTACTS = 240
# How many more sandbox requests to let through before each kill: early (during the first
# reads), mid-page (between a page's writes), late — spread so the kills land in every phase.
KILL_POINTS = (3, 7, 12, 5, 9, 16, 4, 11)


def _settings_for_small_pages(under_test: CrmUnderTest) -> None:
    # More pages and more write batches per contact count, so kills land between them; and
    # the CRM written every two or three pages, so kills also land between a page journaled
    # and its writes sent.
    under_test.env["HUBSPOT_PAGE_SIZE"] = "40"
    under_test.env["HUBSPOT_BATCH_SIZE"] = "25"
    under_test.env["CONNECTOR_WRITE_BUFFER_RECORDS"] = "70"


@pytest.fixture
def eager_mappings(tmp_path):
    """The shipped files with a lower MQL bar, so a small seed yields many transitions, owner
    assignments and tasks for the kills and faults to interrupt."""
    directory = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, directory)
    rules = directory / "rules.yaml"
    text = rules.read_text()
    assert "    min_score: 100\n" in text
    rules.write_text(text.replace("    min_score: 100\n", "    min_score: 15\n", 1))
    return directory


@pytest.fixture
def make_crm(tmp_path, eager_mappings):
    started: list[CrmUnderTest] = []

    def make(crm: str, name: str, state_url: str | None = None, **config) -> CrmUnderTest:
        under_test = start_crm(
            crm,
            tmp_path / name,
            contacts=CONTACTS,
            mappings=eager_mappings,
            state_url=state_url,
            **config,
        )
        _settings_for_small_pages(under_test)
        started.append(under_test)
        return under_test

    yield make
    for under_test in started:
        under_test.running.stop()


def _clean_run(make_crm, crm: str):
    reference = make_crm(crm, "reference")
    result = reference.connector("backfill", "--json")
    assert result.returncode in (0, 1), result.stderr
    snapshot = reference.snapshot()
    assert len(snapshot.task_keys) >= 5, "the rules should have tasks to create"
    return snapshot


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_backfill_killed_at_many_points_and_resumed_ends_like_an_uninterrupted_one(
    crm, make_crm, state_url
):
    """The killed runs' state on SQLite and on PostgreSQL (`state_url`): the journal, the
    checkpoint and the lock takeover must hold on both."""
    expected = _clean_run(make_crm, crm)
    crashed = make_crm(crm, "crashed", state_url=state_url)
    kills = 0
    for more in KILL_POINTS:
        process = crashed.start("backfill", "--resume")
        if crashed.kill_after(process, more):
            kills += 1
        else:
            break  # the backfill finished before this kill point
    assert kills >= 4, "the kills should interrupt the backfill several times"
    final = crashed.connector("backfill", "--resume", "--json")
    assert final.returncode in (0, 1), final.stderr
    after = crashed.snapshot()
    assert max(after.task_keys.values()) == 1, "a task was created twice"
    assert after.task_keys == expected.task_keys
    differing = {
        person: (after.people.get(person), values)
        for person, values in expected.people.items()
        if after.people.get(person) != values
    }
    assert not differing, f"{len(differing)} people differ, e.g. {next(iter(differing.items()))}"


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_a_backfill_under_ten_percent_faults_ends_like_a_clean_run(crm, make_crm):
    expected = _clean_run(make_crm, crm)
    faulty = make_crm(crm, "faulty", fault_rate=0.10, slow_seconds=1.5)
    result = faulty.connector("backfill", "--json")
    assert result.returncode in (0, 1), result.stderr
    faults = faulty.running.sandbox.log.faults()
    assert sum(faults.values()) >= 5, f"too few faults were injected to mean anything: {faults}"
    after = faulty.snapshot()
    assert max(after.task_keys.values()) == 1, "a task was created twice"
    assert after.task_keys == expected.task_keys
    assert after.people == expected.people
