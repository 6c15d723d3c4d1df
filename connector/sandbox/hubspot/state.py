"""Everything a handler needs, in one object, plus the request helpers all endpoints share."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError

from connector.sandbox.common.http import BadRequestBody, Request, Response
from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.catalogue import ObjectType, resolve_object_type
from connector.sandbox.hubspot.graph import AssociationGraph
from connector.sandbox.hubspot.search import SearchEngine
from connector.sandbox.hubspot.store import Store, record_id
from connector.sandbox.hubspot.values import format_datetime

#: HubSpot's limit on inputs per batch request (using-object-apis: "Limits").
BATCH_LIMIT = 100
M = TypeVar("M", bound=BaseModel)


@dataclass
class OwnerRecord:
    """An owner (`/crm/v3/owners`) as the SDK's `PublicOwner` has it; a deactivated user's owner
    is archived and listed only with `archived=true`, as in HubSpot."""

    id: int
    user_id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    created_ms: int
    updated_ms: int
    archived: bool = False

    def to_api(self) -> dict[str, object]:
        return {
            "id": str(self.id),
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name or "",
            "lastName": self.last_name or "",
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": format_datetime(self.created_ms),
            "updatedAt": format_datetime(self.updated_ms),
            "archived": self.archived,
        }


@dataclass
class CrmState:
    store: Store
    graph: AssociationGraph = field(default_factory=AssociationGraph)
    owners: dict[int, OwnerRecord] = field(default_factory=dict)  # by owner id
    search: SearchEngine = field(default_factory=SearchEngine)


def object_type_of(request: Request, key: str = "object_type") -> ObjectType:
    alias = request.path_params.get(key, "")
    found = resolve_object_type(alias)
    if found is None:
        # What HubSpot answers for an object type it does not know.
        raise errors.validation(f"Unable to infer object type from: {alias}")
    return found


def json_object(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except BadRequestBody as exc:
        raise errors.invalid_json(str(exc)) from exc
    if not isinstance(body, dict):
        raise errors.invalid_json("a JSON object was expected")
    return body


def parse_body(model: type[M], raw: object) -> M:
    """A request body as `model`; a wrong one is HubSpot's 400 naming the first bad field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise errors.invalid_json(f"{where}: {first['msg']}") from None


def batch_inputs(body: Mapping[str, Any], limit: int = BATCH_LIMIT) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise errors.invalid_json("Missing required creator property 'inputs'")
    if not all(isinstance(item, dict) for item in inputs):
        raise errors.invalid_json("every element of 'inputs' must be a JSON object")
    if len(inputs) > limit:
        raise errors.validation(
            f"The maximum number of inputs supported in a batch is {limit}. "
            "Please reduce the number of items and try again"
        )
    return inputs


def flag(request: Request, name: str) -> bool:
    """A boolean query parameter; the SDK sends Python's `True`/`False`, others `true`/`false`."""
    return (request.param(name) or "").strip().lower() == "true"


def limit_param(request: Request, default: int, maximum: int) -> int:
    raw = request.param("limit")
    try:
        return max(1, min(int(raw) if raw else default, maximum))
    except ValueError:
        raise errors.validation(f"limit must be a number; got {raw}") from None


def id_page(
    request: Request,
    ids: Sequence[int],
    limit: int,
    what: str,
    keep: Callable[[int], bool] = lambda _: True,
) -> tuple[list[int], dict[str, object]]:
    """One page of a list that pages by id (`after` = the id to start at) over ascending `ids`:
    the positions that `keep` accepts, and the `paging` to the next page when there is one, with
    HubSpot's absolute `link`: the request's own URL (its host as the client named it, in the
    Host header every HTTP/1.1 client sends) with `after` replaced."""
    raw = request.param("after")
    after = record_id(raw) if raw else None
    if raw and after is None:
        raise errors.validation(f"after must be {what}; got {raw}")
    start = 0 if after is None else bisect_left(ids, after)
    page = list(islice((i for i in range(start, len(ids)) if keep(i)), limit + 1))
    if len(page) <= limit:
        return page, {}
    following = str(ids[page[limit]])
    query = {key: list(values) for key, values in request.query.items()} | {"after": [following]}
    link = f"http://{request.headers.get('Host')}{request.path}?{urlencode(query, doseq=True)}"
    return page[:limit], {"paging": {"next": {"after": following, "link": link}}}


def batch_response(
    results: list[dict[str, object]],
    problems: list[dict[str, object]],
    started_ms: int,
    completed_ms: int,
    *,
    ok: int = 200,
    read: int = 0,
    written: int = 0,
) -> Response:
    """`BatchResponse…` (status `ok`) or, with problems, `BatchResponse…WithErrors` (207):
    status COMPLETE, timestamps, errors."""
    body: dict[str, object] = {"status": "COMPLETE", "results": results}
    if problems:
        body["numErrors"] = len(problems)
        body["errors"] = problems
    body["requestedAt"] = format_datetime(started_ms)
    body["startedAt"] = format_datetime(started_ms)
    body["completedAt"] = format_datetime(completed_ms)
    return Response(207 if problems else ok, body, records_read=read, records_written=written)
