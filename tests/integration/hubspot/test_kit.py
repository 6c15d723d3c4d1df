"""The adapter kit as the HubSpot adapter uses it, through real HTTP and the unmodified SDK:
a repeated paging cursor ends a sync as a failed run with a message (not a traceback), and a
create whose answer is lost waits for the search index (the injected sleep) before it looks
the keys up again instead of creating twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from connector.adapters.errors import CrmPagingError
from connector.adapters.hubspot import HubSpotAdapter
from connector.mapping.crm_schema import HubSpotMapping
from connector.mapping.loader import load_mapping_dir
from connector.sandbox.common.faults import Fault
from connector.sync.engine import RunOptions, SyncEngine
from connector.sync.state import StateStore

CREATE = "POST /crm/v3/objects/tasks/batch/create"
MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


@dataclass
class LoopingOwners:
    url: str
    requested: list[str]

    def followed(self) -> list[bool]:
        """Per request: whether it followed the looping cursor."""
        return [path.startswith("/crm/v3/owners/?after=2") for path in self.requested]


@pytest.fixture
def looping_owners(sandbox) -> Iterator[LoopingOwners]:
    """An HTTP server answering the owners list with a page the sandbox gave, except that its
    `paging.next.after` always names the same cursor — the fault a paginator must refuse (a
    faithful sandbox never does this, so the page is replayed from outside it)."""
    page = requests.get(
        f"{sandbox.url}/crm/v3/owners",
        params={"limit": 2},
        headers={"Authorization": f"Bearer {sandbox.token}"},
        timeout=5,
    ).json()
    page["paging"] = {"next": {"after": "2", "link": "?after=2"}}
    body = json.dumps(page).encode()
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LoopingOwners(f"http://127.0.0.1:{server.server_address[1]}", requested)
    server.shutdown()
    server.server_close()


def test_a_repeated_cursor_fails_the_run_with_a_message_not_a_traceback(
    sandbox, make_adapter, looping_owners, tmp_path
):
    adapter = make_adapter(sandbox, base_url=looping_owners.url)
    mappings = load_mapping_dir(MAPPINGS)
    assert isinstance(mappings.crms["hubspot"], HubSpotMapping)
    engine = SyncEngine(
        adapter, mappings.rules, StateStore.open(str(tmp_path / "s.sqlite")), account="portal"
    )

    summary = engine.sync(RunOptions())

    assert summary.outcome == "failed"
    assert summary.exit_code == 4  # the CRM misbehaved; no record was rejected (that is 1)
    assert "HubSpot returned the owners cursor '2' again" in (summary.message or "")
    with pytest.raises(CrmPagingError):  # the same read outside the engine: caught above
        adapter.list_owners()
    # Per read (the engine's, then the test's own): the first page, then the one whose cursor
    # came back — and not a third.
    assert looping_owners.followed() == [False, True] * 2


def test_a_repeated_cursor_exits_4_from_the_command_line(sandbox, looping_owners, tmp_path):
    """`connector sync` as a user runs it, pointed at the looping server: exit code 4 (CRM
    unreachable or misbehaving, README), the message in the JSON summary, no traceback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUBSPOT_", "SALESFORCE_", "CONNECTOR_"))
    }
    env.update(
        {
            "HUBSPOT_ACCESS_TOKEN": sandbox.token,
            "HUBSPOT_BASE_URL": looping_owners.url,
            "CONNECTOR_CRM": "hubspot",
            "CONNECTOR_MAPPINGS_DIR": str(MAPPINGS),
            "CONNECTOR_STATE_URL": str(tmp_path / "state.sqlite"),
        }
    )

    result = subprocess.run(
        [sys.executable, "-m", "connector", "sync", "--from-scratch", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=MAPPINGS.parent,
        timeout=120,
    )

    assert result.returncode == 4, result.stderr
    summary = json.loads(result.stdout)
    assert summary["outcome"] == "failed"
    assert "HubSpot returned the owners cursor '2' again" in summary["message"]
    assert "Traceback" not in result.stderr
    assert looping_owners.followed() == [False, True]


def test_a_lost_create_waits_for_the_search_index_with_the_injected_sleep(
    sandbox, make_adapter, make_specs, portal_tasks
):
    settings = make_adapter(sandbox, search_index_lag_seconds=0.25).settings
    slept: list[float] = []
    adapter = HubSpotAdapter(settings, make_adapter(sandbox).mapping, sleep=slept.append)
    wanted = make_specs(list(adapter.iter_contacts(None)), 5)
    sandbox.faults.force(Fault.DROP, 1, CREATE)

    result = adapter.create_tasks(wanted)

    assert sorted(result.applied) == sorted(s.key for s in wanted)
    assert all(len(ids) == 1 for ids in portal_tasks(sandbox).values())
    assert len(portal_tasks(sandbox)) == 5
    assert slept and slept[0] == pytest.approx(0.25)  # max(backoff, index lag): the lag
