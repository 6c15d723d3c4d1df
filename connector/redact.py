"""Keeping secrets out of logs and error messages: every secret loaded is registered here, and a
logging filter and `redact()` replace it, so an SDK echoing a header into an exception leaks
nothing."""

import logging
import threading
import unicodedata
from collections.abc import Callable
from typing import Annotated

from pydantic import BeforeValidator, SecretStr

PLACEHOLDER = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words


_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(secret: str | None) -> None:
    if secret and len(secret) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # a longer secret may hold a shorter
    for secret in secrets:
        text = text.replace(secret, PLACEHOLDER)
    return text


#: Attributes every LogRecord has; anything else came in through `extra=` and is scrubbed too.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def _scrubbed(value: object, scrub: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item, scrub) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrubbed(item, scrub) for item in value)
    return value


class ScrubFilter(logging.Filter):
    """Applies `scrub` to a record's message (args included), traceback, stack and `extra=`
    fields. The traceback is formatted here: a formatter caches `exc_text` only after the
    filters ran, so scrubbing `exc_text` alone would miss an exception's first formatting."""

    def __init__(self, scrub: Callable[[str], str]) -> None:
        super().__init__()
        self.scrub = scrub

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES:
                setattr(record, name, _scrubbed(value, self.scrub))
        return True


def protect_handler(handler: logging.Handler) -> logging.Handler:
    """Attach the secret filter to a handler (once): unlike a logger's filter, it sees every
    record written, propagated ones too. Call it on any handler you configure yourself."""
    if not any(getattr(existing, "scrub", None) is redact for existing in handler.filters):
        handler.addFilter(ScrubFilter(redact))
    return handler


def clean_secret(value: object) -> object:
    """A secret setting stripped of surrounding white space, nothing unprintable inside: a
    mounted secret's trailing newline makes the HTTP library quote the header in its error. Raw
    and cleaned values are registered first, so no error about the value can show it."""
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
