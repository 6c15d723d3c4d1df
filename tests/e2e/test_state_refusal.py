"""A broken state store stops `connector sync` before it touches the CRM: exit 2, one clear
line naming the file and what to do, no write in the CRM, the file left as it was."""

from pathlib import Path

import pytest

from tests.e2e.crm_runs import start_crm


@pytest.mark.parametrize("damage", ["empty", "foreign"])
def test_a_broken_state_store_stops_the_sync_before_any_crm_write(damage: str, tmp_path: Path):
    under_test = start_crm("hubspot", tmp_path, contacts=20)
    try:
        state = under_test.state_file
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_bytes(b"" if damage == "empty" else b"<html>not a database</html>")
        before = state.read_bytes()
        result = under_test.connector("sync")
        assert result.returncode == 2, result.stderr
        assert str(state) in result.stderr
        assert "nothing was run" in result.stderr
        assert "Traceback" not in result.stderr
        assert under_test.records_written() == 0
        assert under_test.requests_served == 0  # not even a read
        assert state.read_bytes() == before
    finally:
        under_test.running.stop()
