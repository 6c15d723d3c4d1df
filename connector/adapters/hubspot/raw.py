"""HubSpot's JSON answers read without the SDK's model layer, on the hot read path.

hubspot-api-client turns every answer into its generated models: each record, each inline
association, each paging cursor becomes an object built through `__deserialize` with type
checks, and every `createdAt`/`updatedAt`/`archivedAt` goes through dateutil's parser. On a
backfill that was 40 % of the connector's CPU (bench/README.md, "CPU"). The generated API
methods accept `_preload_content=False` and then return the raw urllib3 response instead
(hubspot-api-client's generated `*_with_http_info` docstrings: "if False, the urllib3.HTTPResponse
object will be returned without reading/decoding response data"); the request itself still goes
through the SDK — its host, its access token, its connection pool, its ApiException for a non-2xx
status — so only the decoding is ours. This module is that decoding: the JSON parsed by the
standard library, kept as plain dicts and a few slotted records with the attribute names the
callers already used on the SDK's models, and the three timestamps parsed by
`datetime.fromisoformat`, which reads HubSpot's "2026-11-02T10:00:00.123Z" since Python 3.11.

Shapes (CRM API v3 objects and v4 associations reference): a page is
`{"results": [...], "paging": {"next": {"after": "..."}}}`, a search answer adds `"total"`; a
record is `{"id", "properties", "createdAt", "updatedAt", "archived", "archivedAt"?,
"associations"?}`, an inline association collection `{"results": [{"id", "type"}], "paging"?}`.
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
    """A CRM object as the v3 API returns it, with the SDK model's attribute names. The three
    system timestamps are kept as sent and parsed when asked for: most records (batch update
    answers, companies, deals) are never asked, and the parses were half of decoding a record."""

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
    """One entry of a 207 batch answer's `errors` (the SDK's StandardError): its category,
    message, `context` (`ids`, `objectWriteTraceId`, ...) and per-property details."""

    category: str | None = None
    message: str | None = None
    context: dict[str, Any] | None = None
    errors: list[ErrorDetail] = field(default_factory=list)


@dataclass(slots=True)
class RecordPage:
    """One page of records (list or search) or a batch answer: the records, the `after` cursor
    of the next page (None after the last), the search's total (None for a list) and a 207
    batch answer's per-record errors."""

    results: list[HubSpotRecord]
    after: str | None = None
    total: int | None = None
    errors: list[BatchError] = field(default_factory=list)


def body(response: Any) -> Any:
    """The JSON of a raw urllib3 response (an SDK call made with `_preload_content=False`);
    an empty body is an empty object. The connection goes back to the pool once read."""
    try:
        data = response.data
    finally:
        response.release_conn()
    return json.loads(data) if data else {}


def timestamp(value: Any) -> datetime | None:
    """HubSpot's ISO 8601 system timestamps (createdAt, updatedAt, archivedAt) by the standard
    library's parse (any ISO 8601 form since Python 3.11, "Z" and 1-6 fraction digits included);
    None for no value or one that does not parse: no timestamp is better than a failed page, and
    the callers already treat a missing one as unknown."""
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
