"""HubSpot's JSON answers read without the SDK's model layer, on the hot read path.

hubspot-api-client builds a generated model for every record, association and cursor and parses
every timestamp with dateutil: 40 % of a backfill's CPU (bench/README.md, "CPU"). Its API
methods take `_preload_content=False` and then return the raw urllib3 response; the request is
still the SDK's (host, token, pool, ApiException on a non-2xx status), only the decoding is
ours: plain dicts and a few slotted records with the SDK models' attribute names, timestamps by
`datetime.fromisoformat` (which reads "2026-11-02T10:00:00.123Z" since Python 3.11).

Shapes (CRM API v3 objects, v4 associations): a page is `{"results", "paging": {"next":
{"after"}}}` (search adds `"total"`); a record `{"id", "properties", "createdAt", "updatedAt",
"archived", "archivedAt"?, "associations"?}`; inline associations `{"results": [{"id", "type"}],
"paging"?}`.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class InlineAssociation:
    """One entry of a record's inline `associations` (v3 list with `associations=...`)."""

    id: str
    type: str | None = None


@dataclass(slots=True)
class InlineAssociations:
    """A record's inline associations to one object type; `more` when HubSpot paged them (the
    rest must come from the v4 association batch read)."""

    results: list[InlineAssociation]
    more: bool = False


@dataclass(slots=True)
class HubSpotRecord:
    """A CRM object as the v3 API returns it; the timestamps are parsed only when asked for
    (most records never are, and the parses were half of decoding a record)."""

    id: str
    properties: dict[str, Any]
    created: str | None = None
    updated: str | None = None
    archived: str | None = None
    associations: dict[str, InlineAssociations] = field(default_factory=dict)

    @property
    def created_at(self) -> datetime | None:
        return timestamp(self.created)

    @property
    def updated_at(self) -> datetime | None:
        return timestamp(self.updated)

    @property
    def archived_at(self) -> datetime | None:
        return timestamp(self.archived)


@dataclass(slots=True)
class ErrorDetail:
    """One entry of a batch error's `errors` (the SDK's ErrorDetail: message, context)."""

    message: str | None = None
    context: dict[str, Any] | None = None


@dataclass(slots=True)
class BatchError:
    """One entry of a 207 batch answer's `errors` (the SDK's StandardError)."""

    category: str | None = None
    message: str | None = None
    context: dict[str, Any] | None = None
    errors: list[ErrorDetail] = field(default_factory=list)


@dataclass(slots=True)
class RecordPage:
    """A list or search page, or a batch answer with a 207's per-record errors."""

    results: list[HubSpotRecord]
    after: str | None = None
    total: int | None = None
    errors: list[BatchError] = field(default_factory=list)


def body(response: Any) -> Any:
    """The JSON of a raw urllib3 response ({} when empty); the connection goes back to the
    pool once read."""
    try:
        data = response.data
    finally:
        response.release_conn()
    return json.loads(data) if data else {}


def timestamp(value: Any) -> datetime | None:
    """A system timestamp; None for no value or one that does not parse (no timestamp is
    better than a failed page, and callers treat a missing one as unknown)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def record(data: dict[str, Any]) -> HubSpotRecord:
    linked: dict[str, InlineAssociations] = {}
    for key, collection in (data.get("associations") or {}).items():
        if not collection:
            continue
        linked[key] = InlineAssociations(
            [
                InlineAssociation(str(item.get("id")), item.get("type"))
                for item in collection.get("results") or []
            ],
            more=bool(next_after(collection)),
        )
    return HubSpotRecord(
        id=str(data.get("id")),
        properties=data.get("properties") or {},
        created=data.get("createdAt"),
        updated=data.get("updatedAt"),
        archived=data.get("archivedAt"),
        associations=linked,
    )


def page(data: dict[str, Any]) -> RecordPage:
    """A list page, a search page or a batch answer, with a 207 answer's `errors`."""
    total = data.get("total")
    return RecordPage(
        results=[record(item) for item in data.get("results") or []],
        after=next_after(data),
        total=int(total) if total is not None else None,
        errors=[batch_error(item) for item in data.get("errors") or []],
    )


def batch_error(data: dict[str, Any]) -> BatchError:
    return BatchError(
        category=data.get("category"),
        message=data.get("message"),
        context=data.get("context") or None,
        errors=[
            ErrorDetail(detail.get("message"), detail.get("context") or None)
            for detail in data.get("errors") or []
        ],
    )


def next_after(data: dict[str, Any]) -> str | None:
    """The `paging.next.after` cursor of a JSON answer (or of one result in it), if any."""
    after = ((data.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after else None


def result_count(data: Any) -> int:
    """How many results an answer carried (the usage counter's `records`)."""
    return len(data.get("results") or []) if isinstance(data, dict) else 0
