"""A person's edit made after a sync was killed with SIGKILL mid-write is not lost when the next
run replays the killed run's journal, and the run history closes the killed run as `killed`,
naming the run that finished its work (issue #19), on both CRMs: the `connector` command as a
user runs it, the sandbox in the test process."""

import json
import signal
import subprocess
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce

from connector.sandbox.common.http import Request
from connector.sync.state import StateStore
from tests.e2e.crm_runs import CrmUnderTest, start_crm


def _is_update(crm: str, request: Request) -> bool:
    if crm == "hubspot":
        return request.method == "POST" and request.path.endswith("/objects/contacts/batch/update")
    return request.method == "PATCH" and request.path.endswith("/composite/sobjects")


def _set_owner(under_test: CrmUnderTest, person: str, owner: str) -> None:
    """The person's edit, through the CRM's public API (on Salesforce in a rep's session)."""
    sandbox = under_test.running.sandbox
    if under_test.crm == "hubspot":
        answer = requests.patch(
            f"{under_test.running.url}/crm/v3/objects/contacts/{person}",
            json={"properties": {"hubspot_owner_id": owner}},
            headers={"Authorization": f"Bearer {sandbox.token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return
    rep = Salesforce(**sandbox.salesforce_kwargs(user_id=sandbox.rep_user_id()))
    (rep.Lead if person.startswith("00Q") else rep.Contact).update(person, {"OwnerId": owner})


@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_an_owner_edit_after_a_kill_survives_the_replay(crm: str, tmp_path: Path):
    under_test = start_crm(crm, tmp_path, contacts=200)
    try:
        process: list[subprocess.Popen[str]] = []

        def kill_at_first_write(request: Request) -> None:
            if process and _is_update(crm, request) and process[0].poll() is None:
                process[0].send_signal(signal.SIGKILL)
                process[0].wait()
                raise RuntimeError("the client is gone")  # nothing of this write lands

        remove = under_test.running.sandbox.app.on_request(kill_at_first_write)
        process.append(under_test.start("sync", "--from-scratch"))
        assert process[0].wait(timeout=180) == -signal.SIGKILL
        remove()

        store = StateStore.open(str(under_test.state_file))
        pending = store.pending(crm)
        assert pending is not None, "the killed sync left its approved plan in the journal"
        routed = [u for u in pending.updates if u.changes.get("owner_id")]
        assert routed
        person, planned = routed[0].contact_id, routed[0].changes["owner_id"]
        held = {c.id: c.owner_id for c in under_test.snapshot_contacts()}
        owner = next(o for o in set(held.values()) if o and o != planned)
        _set_owner(under_test, person, owner)

        result = under_test.connector("sync", "--from-scratch", "--json")
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout)
        assert summary["recovered_updates"] > 0
        after = {c.id: c.owner_id for c in under_test.snapshot_contacts()}
        assert after[person] == owner  # the person's choice, not the replayed plan
        holds = [
            e
            for e in store.audit_entries(crm, person)
            if e["kind"] == "hold" and e["field"] == "owner_id"
        ]
        assert holds and "after this run read it" in holds[-1]["rule"]
        killed, finisher = sorted(store.last_runs(crm, limit=2), key=lambda r: r["id"])
        assert killed["outcome"] == "killed"
        assert killed["finished_by_run"] == finisher["id"]
        assert "finished its journal" in killed["note"]
        assert finisher["outcome"] == "ok"
    finally:
        under_test.running.stop()
