"""CRM search: filter groups, operators, sorting and the paging limits of POST .../search.

From HubSpot's search guide: filters in a group are ANDed, groups ORed; at most 5 groups, 10
filters per group, 25 in all (changelog "Expanded filtering capabilities", 2024); `limit` at most
200; at most 10,000 results (a page beyond them is a 400); `after` is an offset; one sort rule.
Filters on associations (`associations.contact`) and the free-text `query` are refused: nothing
in the connector, the demo or the bench searches by them. String comparisons ignore case (the
guide asks for lower-case IN values, as its index is); NEQ and NOT_IN match records without a
value, as an inverted term query does. Matching rows are cached per query and table version, so
paging through one query costs one scan, not one per page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from operator import ge, gt, le, lt
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.schema import ApiBody
from connector.sandbox.hubspot.store import Table
from connector.sandbox.hubspot.values import as_text, parse_datetime_ms

MAX_LIMIT = 200
DEFAULT_LIMIT = 10
MAX_RESULTS = 10_000
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25

#: The comparisons and the operators that negate another. CONTAINS_TOKEN is not emulated
#: (nothing in the connector, the demo or the bench searches by token): it is refused.
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {"LT": lt, "LTE": le, "GT": gt, "GTE": ge}
_NEGATED = {"NEQ": "EQ", "NOT_IN": "IN", "NOT_HAS_PROPERTY": "HAS_PROPERTY"}
OPERATORS = frozenset({*_COMPARE, *_NEGATED, *_NEGATED.values(), "BETWEEN"})

Scalar = str | int | float | bool


class FilterBody(ApiBody):
    property_name: str
    operator: str
    value: Scalar | None = None
    high_value: Scalar | None = None
    values: list[Scalar] | None = None


class FilterGroupBody(ApiBody):
    filters: list[FilterBody] = Field(default=[])


class SortBody(ApiBody):
    property_name: str
    direction: str = "ASCENDING"


class SearchBody(ApiBody):
    """`PublicObjectSearchRequest`."""

    filter_groups: list[FilterGroupBody] = Field(default=[])
    sorts: list[SortBody] = Field(default=[])
    query: str | None = None
    properties: list[str] = Field(default=[])
    limit: int = DEFAULT_LIMIT
    after: str | int | None = None

    @field_validator("filter_groups", "sorts", "properties", "limit", mode="before")
    @classmethod
    def _none_is_default(cls, value: object, info: ValidationInfo) -> object:
        return cls.model_fields[str(info.field_name)].default if value is None else value


Getter = Callable[[int], object]
Predicate = Callable[[int], bool]


def _number(value: object) -> float | None:
    try:
        return None if value is None else float(str(value))
    except ValueError:
        return None


def _getter(table: Table, name: str) -> tuple[Getter, str]:
    """A row → comparable value function and its kind: "number", "datetime" or "string"."""
    if name == "hs_object_id":
        return table.ids.__getitem__, "number"
    if name == table.object_type.modified_property:
        return table.updated.__getitem__, "datetime"
    definition = table.registry.get(name)
    if definition is None:
        raise errors.validation(f"Unable to search on property {name}: it does not exist.")
    if definition.type == "datetime":
        return (lambda row: table.get(row, name)), "datetime"
    if definition.type == "date":  # stored as YYYY-MM-DD, compared as midnight UTC
        return (
            lambda row: None if (v := table.get(row, name)) is None else parse_datetime_ms(str(v))
        ), "datetime"
    if definition.type == "number":
        return (lambda row: _number(table.get(row, name))), "number"
    return (lambda row: None if (v := table.get(row, name)) is None else str(v).lower()), "string"


def _operand(kind: str, name: str, raw: Scalar | None) -> float | str:
    text = "" if raw is None else as_text(raw)
    if kind == "string":
        return text.lower()
    value = parse_datetime_ms(text) if kind == "datetime" else _number(text)
    if value is None:
        raise errors.validation(f"{text} is not a valid value for {kind} property {name}")
    return value


def _predicate(table: Table, body: FilterBody) -> Predicate:
    operator = body.operator.upper()
    if operator not in OPERATORS:
        raise errors.validation(f"Unsupported filter operator {body.operator}")
    positive = _NEGATED.get(operator, operator)
    test = _test(table, positive, body)
    return test if positive == operator else (lambda row: not test(row))


def _test(table: Table, operator: str, body: FilterBody) -> Predicate:
    name = body.property_name
    get, kind = _getter(table, name)
    if operator == "HAS_PROPERTY":
        return lambda row: get(row) is not None
    if operator in ("EQ", "IN"):
        raw = body.values if operator == "IN" and body.values is not None else [body.value]
        wanted = {
            _operand(kind, name, item) for item in raw if operator == "EQ" or item is not None
        }
        definition = table.registry.get(name)
        if definition is not None and definition.multi_valued:
            # A multi-select matches when any of its values does.
            return lambda row: (
                (v := get(row)) is not None and not wanted.isdisjoint(str(v).split(";"))
            )
        return lambda row: (v := get(row)) is not None and v in wanted
    low = _operand(kind, name, body.value)
    if operator == "BETWEEN":
        high = _operand(kind, name, body.high_value)
        return lambda row: (v := get(row)) is not None and low <= v <= high  # type: ignore[operator]
    compare = _COMPARE[operator]
    return lambda row: (v := get(row)) is not None and compare(v, low)


class SearchEngine:
    """Evaluates searches on one store; caches matched rows per (query, table version)."""

    def __init__(self, cache_size: int = 16) -> None:
        self._matching = lru_cache(maxsize=cache_size)(self._evaluate)

    def offset(self, body: SearchBody) -> int:
        """Where the page `after` asks for starts, once the search is checked against HubSpot's
        limits."""
        if body.query:
            raise errors.validation("The sandbox does not emulate the free-text query of a search")
        if body.limit > MAX_LIMIT or body.limit < 0:
            raise errors.validation(f"limit must be between 0 and {MAX_LIMIT}; got {body.limit}")
        if len(body.filter_groups) > MAX_GROUPS:
            raise errors.validation(f"A search may have at most {MAX_GROUPS} filterGroups")
        sizes = [len(group.filters) for group in body.filter_groups]
        if any(size > MAX_FILTERS_PER_GROUP for size in sizes):
            raise errors.validation(
                f"A filterGroup may have at most {MAX_FILTERS_PER_GROUP} filters"
            )
        if sum(sizes) > MAX_FILTERS:
            raise errors.validation(f"A search may have at most {MAX_FILTERS} filters in all")
        if body.after in (None, ""):
            return 0
        try:
            offset = int(str(body.after))
        except ValueError:
            raise errors.validation(f"after must be a number; got {body.after}") from None
        if offset < 0:
            raise errors.validation(f"after must be >= 0; got {body.after}")
        if offset >= MAX_RESULTS:
            raise errors.validation(
                f"The search can return at most {MAX_RESULTS} results; "
                f"after={offset} is beyond them."
            )
        return offset

    def matching_rows(self, table: Table, body: SearchBody) -> list[int]:
        query = body.model_dump_json(include={"filter_groups", "sorts"})
        return self._matching(table, query, table.version)

    @staticmethod
    def _evaluate(table: Table, query: str, version: int) -> list[int]:
        """The rows matching `query` (filters and sorts) at the table's `version`."""
        body = SearchBody.model_validate_json(query)
        groups = [
            [_predicate(table, item) for item in group.filters] for group in body.filter_groups
        ]
        matched = [
            row
            for row in range(len(table))
            if not table.archived[row]
            and (not groups or any(all(p(row) for p in group) for group in groups))
        ]
        if not body.sorts:
            return matched  # rows are in id order already: HubSpot's default
        first = body.sorts[0]  # HubSpot applies a single sort rule
        get, _ = _getter(table, first.property_name)
        present = [row for row in matched if get(row) is not None]
        missing = [row for row in matched if get(row) is None]
        # list.sort is stable even with reverse=True, so ties stay in id order either way.
        present.sort(key=get, reverse=first.direction.upper() == "DESCENDING")  # type: ignore[arg-type]
        return present + missing
