"""The log set-up itself: what a handler writes, for the CLI's handler and for one an operator
configures. (What a real run logs is in tests/e2e/test_logging.py.)"""

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from connector.logs import configure_logging, event
from connector.redact import PLACEHOLDER, protect_handler, register_secret

SECRET = "pat-na1-7d0c2e91-unit-log-secret"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test leaves the root and `connector` loggers as it found them."""
    root, ours = logging.getLogger(), logging.getLogger("connector")
    handlers, levels = list(root.handlers), (root.level, ours.level)
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(levels[0])
    ours.setLevel(levels[1])


def written(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines written to stderr (pytest's capture stands in for it) since the last call."""
    return capsys.readouterr().err.splitlines()


def test_an_operators_own_handler_never_prints_a_secret_from_a_traceback():
    """The traceback is scrubbed on its first formatting, not only once a formatter cached it."""
    register_secret(SECRET)
    written = io.StringIO()
    handler = protect_handler(logging.StreamHandler(written))
    handler.setFormatter(logging.Formatter("%(message)s %(shipped)s"))
    log = logging.getLogger("tests.unit.own_handler")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise RuntimeError(f"refused header Authorization: Bearer {SECRET}")
        except RuntimeError:
            log.exception("call failed for %s", SECRET, extra={"shipped": f"token={SECRET}"})
    finally:
        log.removeHandler(handler)
    text = written.getvalue()
    assert "RuntimeError: refused header Authorization: Bearer " + PLACEHOLDER in text
    assert f"call failed for {PLACEHOLDER} token={PLACEHOLDER}" in text
    assert SECRET not in text
    assert protect_handler(handler) is handler and len(handler.filters) == 1


def test_json_lines_carry_the_event_fields_scrubbed(capsys):
    register_secret(SECRET)
    configure_logging("info", "json")
    event(
        logging.getLogger("connector.sync"),
        logging.INFO,
        "run_start",
        run_id=7,
        note=f"{SECRET} for jane.doe@example.com",
    )
    (line,) = written(capsys)
    body = json.loads(line)
    assert body["level"] == "INFO" and body["logger"] == "connector.sync"
    assert body["event"] == "run_start" and body["run_id"] == 7
    assert body["note"] == f"{PLACEHOLDER} for <e-mail>"


def test_text_lines_are_one_event_each_with_quoted_values(capsys):
    configure_logging("debug", "text")
    event(logging.getLogger("connector.sync"), logging.DEBUG, "page_read", cursor="a b", n=None)
    (line,) = written(capsys)
    assert line.endswith(' DEBUG connector.sync page_read cursor="a b" n=-')


def test_libraries_stay_at_warning_when_the_connector_logs_debug(capsys):
    configure_logging("debug", "text")
    logging.getLogger("urllib3.connectionpool").debug("GET /query?q=SELECT+Email")
    logging.getLogger("urllib3.connectionpool").warning("connection pool is full")
    logging.getLogger("connector.adapters.hubspot").debug("page")
    lines = written(capsys)
    assert len(lines) == 2
    assert "connection pool is full" in lines[0] and "page" in lines[1]


def test_configuring_again_replaces_the_handler_and_follows_a_swapped_stderr(
    capsys, monkeypatch: pytest.MonkeyPatch
):
    configure_logging("info", "text")
    configure_logging("warning", "json")
    log = logging.getLogger("connector.sync")
    log.info("not at warning")
    later = io.StringIO()
    monkeypatch.setattr(sys, "stderr", later)
    log.warning("after the swap")
    assert written(capsys) == []
    (line,) = later.getvalue().splitlines()
    assert json.loads(line)["event"] == "after the swap"
