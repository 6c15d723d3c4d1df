"""HubSpot's query dialect: batch read by id, association batch read, search pages and the
restartable search by modified date, each at HubSpot's documented maximum per call."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.adapters.hubspot import endpoints, raw
from connector.adapters.hubspot.client import HubSpotClient
from connector.adapters.hubspot.failures import CRM
from connector.adapters.kit import CursorGuard, chunks
from connector.mapping.translate import parse_datetime

ID_PROPERTY = "hs_object_id"
HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
#: HubSpot-defined "Primary" association type ids, by (from, to) object type.
PRIMARY_TYPE_IDS = {("contacts", "companies"): 1, ("deals", "companies"): 5}
#: The v3 association type names HubSpot gives primary associations in `associations=...`.
PRIMARY_TYPE_NAMES = frozenset({"contact_to_company", "deal_to_company"})


@dataclass(frozen=True)
class Association:
    to_id: str
    primary: bool = False


@dataclass
class RawRecord:
    """A record as read: id, raw property values and associated ids per object type."""

    id: str
    properties: dict[str, Any]
    associations: dict[str, list[Association]]
    updated_at: Any = None


def next_after(answer: Any) -> str | None:
    """The `after` cursor of a HubSpot page's `paging.next`, None after the last page."""
    if isinstance(answer, raw.RecordPage):
        return answer.after
    paging = answer.paging.next if answer.paging else None
    return str(paging.after) if paging and paging.after else None


def unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def batch_read(
    client: HubSpotClient, object_type: str, ids: Iterable[str], properties: Sequence[str]
) -> dict[str, Any]:
    """id → record for the ids that exist (missing or archived ones are absent)."""
    found: dict[str, raw.HubSpotRecord] = {}
    wanted = unique(ids)
    for chunk in chunks(wanted, client.settings.batch_size):
        # The JSON an SDK model would serialize to: each model costs a fresh Configuration.
        body = {
            "inputs": [{"id": record_id} for record_id in chunk],
            "properties": list(properties),
        }
        answer = client.send_json(
            endpoints.batch_read(object_type),
            lambda timeout, body=body: client.batch.read_with_http_info(
                object_type, body, archived=False, _request_timeout=timeout, _preload_content=False
            ),
            action=f"read {object_type} by id",
        )
        for record in raw.page(answer).results:
            found[record.id] = record
    return found


def _is_primary(from_type: str, to_type: str, types: Sequence[dict[str, Any]]) -> bool:
    """Whether any of a v4 answer's `associationTypes` is the primary one."""
    primary_id = PRIMARY_TYPE_IDS.get((from_type, to_type))
    for spec in types or []:
        if (spec.get("label") or "").lower() == "primary":
            return True
        if (
            primary_id is not None
            and spec.get("typeId") == primary_id
            and spec.get("category") == HUBSPOT_DEFINED
        ):
            return True
    return False


def read_associations(
    client: HubSpotClient, from_type: str, to_type: str, ids: Iterable[str]
) -> dict[str, list[Association]]:
    """from id → associated records (v4 batch read); records without any are absent (a 207
    NO_ASSOCIATIONS_FOUND entry). A record with more than a page (500) is asked for again with
    its `after`. Answer: `{"results": [{"from": {"id"}, "to": [{"toObjectId",
    "associationTypes"}], "paging"?}]}`."""
    out: dict[str, list[Association]] = {}
    pending: list[tuple[str, str | None]] = [(record_id, None) for record_id in unique(ids)]
    guard = CursorGuard(CRM, f"{from_type}→{to_type} association")
    while pending:
        follow_ups: list[tuple[str, str | None]] = []
        for chunk in chunks(pending, client.settings.association_batch_size):
            body = {
                "inputs": [
                    {"id": record_id} if after is None else {"id": record_id, "after": after}
                    for record_id, after in chunk
                ]
            }
            answer = client.send_json(
                endpoints.associations_read(from_type, to_type),
                lambda timeout, body=body: client.associations.get_page_with_http_info(
                    from_type, to_type, body, _request_timeout=timeout, _preload_content=False
                ),
                action=f"read {from_type}→{to_type} associations",
                records=lambda data: sum(
                    len(result.get("to") or []) for result in data.get("results") or []
                ),
            )
            for result in answer.get("results") or []:
                from_id = str(result["from"]["id"])
                bucket = out.setdefault(from_id, [])
                for target in result.get("to") or []:
                    primary = _is_primary(from_type, to_type, target.get("associationTypes"))
                    bucket.append(Association(str(target["toObjectId"]), primary))
                after = raw.next_after(result)
                if after:
                    guard.follow((from_id, after))
                    follow_ups.append((from_id, after))
        pending = follow_ups
    return out


def where(name: str, operator: str, value: str) -> dict[str, str]:
    """One search filter, as the JSON of the SDK's `Filter` (see `batch_read`)."""
    return {"propertyName": name, "operator": operator, "value": value}


def search_page(
    client: HubSpotClient, object_type: str, request: Any, action: str
) -> raw.RecordPage:
    """One search request (a `PublicObjectSearchRequest` or its JSON), decoded by `raw`."""
    answer = client.send_json(
        endpoints.search(object_type),
        lambda timeout: client.search.do_search_with_http_info(
            object_type, request, _request_timeout=timeout, _preload_content=False
        ),
        action=action,
    )
    return raw.page(answer)


def merge_primary(associations: list[Association]) -> list[Association]:
    """One entry per target id, primary if any of its association types is."""
    merged: dict[str, bool] = {}
    for association in associations:
        merged[association.to_id] = merged.get(association.to_id, False) or association.primary
    return [Association(to_id, primary) for to_id, primary in merged.items()]


def _modified_ms(record: Any, modified: str) -> int:
    """A search result's modified date in ms (0 when it has none HubSpot could sort by)."""
    value = (record.properties or {}).get(modified)
    if value is None:
        value = record.updated_at
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    try:
        return int(parse_datetime(value).timestamp() * 1000)
    except (TypeError, ValueError):
        return 0


def search_since(
    client: HubSpotClient,
    object_type: str,
    *,
    modified: str,
    properties: Sequence[str],
    low_ms: int,
    until_ms: int,
    resume_after: str | None = None,
) -> Iterator[tuple[list[Any], str, int]]:
    """Records of `object_type` whose `modified` date lies in [low_ms, until_ms], ascending, as
    (fresh records, cursor, newest modified ms of the page).

    Each page is a fresh query from the last modified date seen, not an offset: the 10,000-result
    cap never applies, and no record is skipped or read twice at a boundary. More than a page
    of one date (bulk jobs) is read on its own, by id, restarted after the last id HubSpot
    returned (HubSpot compares ids as text: its sort and filter agree with each other, not with
    us). The cursor, "<modified ms>[:<last id>]", resumes right after its page."""
    low = low_ms
    strict = False
    tie_after: str | None = None
    tie_mode = False
    boundary: set[str] = set()  # ids already yielded whose modified date is `low`
    if resume_after:
        stamp, _, last_id = resume_after.partition(":")
        if not stamp.isdigit() or (last_id and not last_id.isdigit()):
            raise ValueError(f"not a cursor of an incremental HubSpot read: {resume_after!r}")
        low = int(stamp)
        if last_id:
            tie_mode, tie_after = True, last_id
    limit = client.settings.search_page_size
    action = f"search {object_type}"
    guard = CursorGuard(CRM, f"{object_type} search")
    while True:
        if tie_mode:
            filters = [where(modified, "EQ", str(low))]
            if tie_after is not None:
                filters.append(where(ID_PROPERTY, "GT", tie_after))
            sorts = [{"propertyName": ID_PROPERTY, "direction": "ASCENDING"}]
        else:
            filters = [
                where(modified, "GT" if strict else "GTE", str(low)),
                where(modified, "LTE", str(until_ms)),
            ]
            sorts = [{"propertyName": modified, "direction": "ASCENDING"}]
        request = {
            "filterGroups": [{"filters": filters}],
            "sorts": sorts,
            "properties": list(properties),
            "limit": limit,
        }
        results = list(search_page(client, object_type, request, action).results or [])
        if tie_mode:
            if not results:
                tie_mode, strict, boundary = False, True, set()
                continue
            last = str(results[-1].id)
            guard.follow(f"{low}:{last}")
            fresh = [r for r in results if str(r.id) not in boundary]
            boundary.update(str(r.id) for r in results)
            tie_after = last
            yield fresh, f"{low}:{last}", low
            continue
        if not results:
            return
        stamps = {str(r.id): _modified_ms(r, modified) for r in results}
        fresh = [r for r in results if not (stamps[str(r.id)] == low and str(r.id) in boundary)]
        if not fresh:
            if len(results) < limit:
                return
            # A full page of one modified date, all read already: read that date by id.
            tie_mode, tie_after = True, None
            continue
        top = max(stamps.values())
        if top == low:
            boundary.update(str(r.id) for r in fresh)
        else:
            low, strict = top, False
            boundary = {record_id for record_id, stamp in stamps.items() if stamp == top}
        yield fresh, str(low), top
        if len(results) < limit:
            return
