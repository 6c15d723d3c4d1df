"""Keeping secrets out of logs and error messages.

Every secret the connector loads is registered here; a logging filter and `redact()` replace
any occurrence with a placeholder, so an SDK that echoes a header or URL into an exception can
never leak a token into a log file or a terminal.
"""

import logging
import threading
import unicodedata
from typing import Annotated

from pydantic import BeforeValidator, SecretStr

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


def clean_secret(value: object) -> object:
    """A secret setting as it must be used: surrounding white space removed, nothing unprintable
    inside.

    Secrets mounted from files or pasted from a vault often end in a newline; sent as is, the
    HTTP library refuses the header and its error (a traceback) quotes the header in full. The
    raw and the cleaned value are both registered first, so even an error raised about the value
    can never show it, and the message names the problem, never the value.
    """
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str):
        return value
    register_secret(value)
    cleaned = value.strip()
    register_secret(cleaned)
    if not cleaned:
        raise ValueError("is empty or only white space; set the secret itself")
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in cleaned):
        raise ValueError(
            "holds a line break or another control character inside the value (surrounding "
            "white space is removed, but not this); copy the secret again without it"
        )
    return cleaned


#: The type of every secret setting: cleaned and registered with the redactor on load.
Secret = Annotated[SecretStr, BeforeValidator(clean_secret)]
