"""Salesforce record ids: 15 case-sensitive characters starting with the object's key prefix (00Q
Lead, 003 Contact, ...: how an id's object is known without a lookup), plus three checksum
characters that encode which letters are upper case. Clients send either form; the REST API,
and the sandbox, always answer 18 characters."""

from __future__ import annotations

import re

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_SHAPE = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
# Characters 4-6: a pod/instance marker and a reserved character; fixed for the sandbox org.
_INSTANCE = "gK0"


def checksum(id15: str) -> str:
    """The three checksum characters Salesforce appends to a 15-character id."""
    chunks = (id15[start : start + 5] for start in (0, 5, 10))
    bits = (sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z") for chunk in chunks)
    return "".join(_CHECKSUM_ALPHABET[value] for value in bits)


def to18(record_id: str) -> str:
    """Normalise a 15- or 18-character id to 18 characters (the checksum is recomputed)."""
    return record_id[:15] + checksum(record_id[:15])


def looks_like_id(value: str) -> bool:
    """True when `value` has the shape of a Salesforce id (15 or 18 alphanumerics)."""
    return bool(_ID_SHAPE.match(value))


def make_id(key_prefix: str, number: int) -> str:
    """The 18-character id of the `number`-th record of the object with `key_prefix`."""
    if len(key_prefix) != 3:
        raise ValueError("key prefix must have 3 characters")
    body = ""
    while number:
        number, digit = divmod(number, 62)
        body = _BASE62[digit] + body
    body = body.rjust(9, "0")
    if len(body) > 9:
        raise ValueError("record number too large for a Salesforce id")
    return to18(key_prefix + _INSTANCE + body)
