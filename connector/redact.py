"""Keeping secrets out of logs and error messages.

Every secret the connector loads is registered here; a logging filter and `redact()` replace
any occurrence with a placeholder, so an SDK that echoes a header or URL into an exception can
never leak a token into a log file or a terminal.
"""

import logging
import threading

PLACEHOLDER = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            with self._lock:
                self._secrets.add(secret)

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, PLACEHOLDER)
        return text


_registry = _Registry()


def register_secret(secret: str | None) -> None:
    """Remember a secret so it is scrubbed from every later log line and error message."""
    _registry.add(secret)


def redact(text: str) -> str:
    return _registry.redact(text)


class SecretFilter(logging.Filter):
    """Scrubs registered secrets from a record's final message (args included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_secret_filter(logger: logging.Logger | None = None) -> None:
    """Attach the filter to every handler of the logger (the root logger by default)."""
    target = logger or logging.getLogger()
    secret_filter = SecretFilter()
    target.addFilter(secret_filter)
    for handler in target.handlers:
        handler.addFilter(secret_filter)
