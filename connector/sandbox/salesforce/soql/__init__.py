"""SOQL: lexer -> parser -> binder (metadata) -> executor (rows). `prepare` turns query text into
a bound query or raises the ApiError Salesforce would answer, with its row/column layout."""

from __future__ import annotations

from connector.sandbox.salesforce.errors import ApiError, query_error
from connector.sandbox.salesforce.soql.binder import Binder, BoundPath, BoundQuery
from connector.sandbox.salesforce.soql.executor import execute
from connector.sandbox.salesforce.soql.lexer import SoqlError
from connector.sandbox.salesforce.soql.parser import parse
from connector.sandbox.salesforce.store import Store

__all__ = ["BoundPath", "BoundQuery", "execute", "prepare"]


def prepare(store: Store, soql: str) -> BoundQuery:
    try:
        return Binder(store.objects).bind(parse(soql))
    except SoqlError as exc:
        raise query_error(exc.error_code, exc.message, soql, exc.pos) from exc
    except ValueError as exc:  # an impossible date such as 2024-02-30
        raise ApiError(400, "MALFORMED_QUERY", f"invalid date or dateTime literal: {exc}") from exc
