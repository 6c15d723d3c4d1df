"""Salesforce's query dialect: SOQL. Every value goes through simple-salesforce's
`format_soql`, which quotes and escapes it, so no CRM data can change a query's meaning; names
come from the validated mapping as `:literal`. Id lists are split so each query URL stays within
Salesforce's 16,384 bytes, never one query per person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import quote_plus

from simple_salesforce.format import format_soql, quote_soql_value

_COMMA = len(quote_plus(","))
_QUOTES = len(quote_plus("''"))


def select(
    object_name: str, fields: Iterable[str], where: str = "", order_by: str = "", **values: Any
) -> str:
    """`SELECT fields FROM object [WHERE ...] [ORDER BY ...]`; `where` is a format_soql template
    whose `{name}` placeholders are filled, escaped, from `values`."""
    template = "SELECT {fields:literal} FROM {object:literal}"
    if where:
        template += f" WHERE {where}"
    if order_by:
        template += " ORDER BY {order:literal}"
    return format_soql(
        template, fields=", ".join(unique(fields)), object=object_name, order=order_by, **values
    )


def count(object_name: str, where: str = "", **values: Any) -> str:
    template = "SELECT COUNT() FROM {object:literal}"
    if where:
        template += f" WHERE {where}"
    return format_soql(template, object=object_name, **values)


def unique(names: Iterable[str]) -> list[str]:
    """Field names once each, first occurrence first (SOQL rejects duplicates)."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


def in_chunks(
    values: Sequence[str],
    build: Callable[[list[str]], str],
    measure: Callable[[str], int],
    budget: int,
) -> Iterator[tuple[list[str], str]]:
    """Split `values` into the fewest queries `build(chunk)` whose `measure` (URL length) stays
    within `budget`; yields each chunk with its query. A single value too long for the budget
    still gets its own query (Salesforce then answers for it)."""
    if not values:
        return
    fixed = measure(build([]))
    chunk: list[str] = []
    size = fixed
    for value in values:
        plain = value.isascii() and value.isalnum()  # an id: quoted and encoded as itself
        quoted = len(value) + _QUOTES if plain else len(quote_plus(quote_soql_value(value)))
        cost = quoted + _COMMA
        if chunk and size + cost > budget:
            yield chunk, build(chunk)
            chunk, size = [], fixed
        chunk.append(value)
        size += cost
    if chunk:
        yield chunk, build(chunk)


def flatten(record: dict[str, Any]) -> dict[str, Any]:
    """A REST record as `{"Field": v, "Parent.Field": v}`, the way Bulk API CSV names columns,
    so REST and Bulk reads translate the same way (only a parent record is a dict)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if not isinstance(value, dict):
            out[key] = value
        elif key != "attributes":
            for name, inner in flatten(value).items():
                out[f"{key}.{name}"] = inner
    return out
