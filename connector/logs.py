"""The event log: one line per event on stderr (stdout carries `--json` output a script parses),
as text or JSON, with no secret and no e-mail address. `event()` keeps fields apart from the
message, so JSON prints them as keys. `--log-level` sets the `connector.*` loggers only; other
libraries stay at WARNING, since their debug lines print URLs holding SOQL values."""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO

from connector.redact import ScrubFilter, protect_handler

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["text", "json"]
#: The connector's loggers all live under this name; only they follow --log-level.
ROOT_LOGGER = "connector"
#: Libraries log at this level at most (their debug lines print URLs with query values).
LIBRARY_LEVEL = logging.WARNING
_HANDLER_NAME = "connector-cli"
# Anything shaped like an e-mail address: the local part, @, a dotted domain.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_PLACEHOLDER = "<e-mail>"


def event(log: logging.Logger, level: int, name: str, **fields: object) -> None:
    """Log one event: a stable snake_case `name` and fields that are counts, ids, object names or
    settings, never an e-mail, a name or a CRM message (the log has more readers than the CRM)."""
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
    """Writes to sys.stderr as it is at each line, not when made: a swapped or closed stream
    (a test runner's, an embedding program's) is never written to by the next command."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """`2026-12-04T18:02:11.250Z INFO connector.sync run_start run_id=3 crm=hubspot ...`;
    a traceback, when there is one, follows on its own lines (debug level only)."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name} {record.getMessage()}"
        return f"{line}\n{record.exc_text}" if record.exc_text else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event (a library's message, as structlog
    does), then the event's fields."""

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


def configure_logging(level: LogLevel = "info", log_format: LogFormat = "text") -> None:
    """Log lines to stderr in `log_format`, the connector's loggers at `level`, through a handler
    carrying the secret filter and the e-mail mask; replaces an earlier call's handler only."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = _CurrentStderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    # secrets first (the e-mail mask must not cut a token in two), then e-mail addresses anywhere
    # in a line (a library's warning may quote a record)
    protect_handler(handler)
    handler.addFilter(ScrubFilter(lambda text: _EMAIL.sub(EMAIL_PLACEHOLDER, text)))
    root.addHandler(handler)
    chosen = logging.getLevelNamesMapping()[level.upper()]
    root.setLevel(max(chosen, LIBRARY_LEVEL))
    logging.getLogger(ROOT_LOGGER).setLevel(chosen)
