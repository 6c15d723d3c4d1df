"""The event log: one line per event on stderr, as text or JSON, with no secret and no e-mail
address in it.

Why stderr: stdout carries `--json` output and the printed summary, which a scheduler or a
script parses; a log line there would break it. Why one line per event: a cron job's log is read
with grep and shipped line by line. Each event is logged through `event()`, which keeps its
fields apart from the message, so the JSON format prints them as keys rather than as text to
parse again.

Levels: `--log-level` (or CONNECTOR_LOG_LEVEL) sets the connector's own loggers (`connector.*`,
one per layer: connector.sync, connector.adapters.hubspot, ...). Other libraries stay at
WARNING whatever the level: urllib3's and the SDKs' debug lines print request URLs, and a
Salesforce query URL holds SOQL values, i.e. personal data.
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO, get_args

from connector.redact import ScrubFilter, protect_handler

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["text", "json"]
LEVELS = {name: logging.getLevelNamesMapping()[name.upper()] for name in get_args(LogLevel)}
#: The connector's loggers all live under this name; only they follow --log-level.
ROOT_LOGGER = "connector"
#: Libraries log at this level at most (their debug lines print URLs with query values).
LIBRARY_LEVEL = logging.WARNING
_HANDLER_NAME = "connector-cli"
# Anything shaped like an e-mail address: the local part, @, a dotted domain.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_PLACEHOLDER = "<e-mail>"


def event(log: logging.Logger, level: int, name: str, **fields: object) -> None:
    """Log one event: `name` (snake_case, stable: a log query selects by it) and its fields.

    Fields must be counts, CRM ids, object names or settings, never an e-mail address, a name
    or a CRM message (which may quote a value): the log is read by more people than the CRM.
    """
    if not log.isEnabledFor(level):
        return
    text = " ".join([name, *(f"{key}={_text_value(value)}" for key, value in fields.items())])
    log.log(level, "%s", text, extra={"event": name, "fields": fields}, stacklevel=2)


def _text_value(value: object) -> str:
    if value is None:
        return "-"
    text = str(value)
    if not text or any(char.isspace() or char in "\"='" for char in text):
        return json.dumps(text, ensure_ascii=False)
    return text


class _CurrentStderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is when a line is written, not when the handler was
    made: a test runner (or an embedding program) that swaps sys.stderr gets the lines, and a
    stream closed after one command is never written to by the next."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class PersonalDataFilter(ScrubFilter):
    """Masks e-mail addresses in every part of a line: the connector's own events carry ids
    only, but a library's warning or an exception may quote a record."""

    def __init__(self) -> None:
        super().__init__(lambda text: _EMAIL.sub(EMAIL_PLACEHOLDER, text))


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """`2026-12-04T18:02:11.250Z INFO connector.sync run_start run_id=3 crm=hubspot ...`;
    a traceback, when there is one, follows on its own lines (debug level only)."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, then the event's fields.

    A line from a library (no event name) carries its message as the event, as structlog does.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        body: dict[str, object] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "event": getattr(record, "event", None) or record.getMessage(),
        }
        if isinstance(fields, dict):
            body.update({key: value for key, value in fields.items() if key not in body})
        if record.exc_text:
            body["exception"] = record.exc_text
        return json.dumps(body, ensure_ascii=False, default=str)


def configure_logging(level: LogLevel = "info", log_format: LogFormat = "text") -> logging.Handler:
    """Send log lines to stderr in `log_format`, the connector's loggers at `level`.

    Replaces the handler an earlier call installed (a test runs many commands in one process),
    and leaves every other handler alone. The handler carries the secret filter and the e-mail
    mask, so no line it writes can hold either.
    """
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = _CurrentStderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    # order matters: secrets first (the e-mail mask must not cut a token in two), then e-mails
    protect_handler(handler)
    handler.addFilter(PersonalDataFilter())
    root.addHandler(handler)
    chosen = LEVELS[level]
    root.setLevel(max(chosen, LIBRARY_LEVEL))
    logging.getLogger(ROOT_LOGGER).setLevel(chosen)
    return handler
