"""Salesforce's error answers, in the shapes its APIs use.

- REST API: an HTTP error status and a JSON array `[{"message": ..., "errorCode": ...}]`, with a
  `fields` list where the error concerns fields (REST API Developer Guide, "Status Codes and Error
  Responses"; e.g. `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`).
- Per-record results (sObject Collections): `{"statusCode": ..., "message": ..., "fields": [...]}`.
- SOQL errors carry the query line, a caret under the offending column and
  `ERROR at Row:r:Column:c` before the message, as Salesforce prints them (for instance
  `\\nSELECT Naem FROM Account\\n       ^\\nERROR at Row:1:Column:8\\nNo such column 'Naem' ...`).
- OAuth token endpoint: `{"error": ..., "error_description": ...}` (see oauth.py).
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.common.http import BadRequestBody, ErrorAnswer, Request


def custom_hint(kind: str, after: str, suffix: str = "__c") -> str:
    """The hint Salesforce appends to an unknown field, object or relationship name."""
    return (
        f"If you are attempting to use a custom {kind}, be sure to append the '{suffix}' after "
        f"the {after}. Please reference your WSDL or the describe call for the appropriate names."
    )


class RecordError(Exception):
    """One record's failure inside a write; rendered per record or as a top-level error."""

    def __init__(self, status_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.fields = fields or []


class ApiError(ErrorAnswer):
    """A request-level failure answered with `status` and Salesforce's JSON error array."""

    def __init__(
        self, status: int, error_code: str, message: str, fields: list[str] | None = None
    ) -> None:
        entry: dict[str, Any] = {"message": message, "errorCode": error_code}
        if fields is not None:
            entry["fields"] = fields
        super().__init__(status, [entry])
        self.error_code = error_code
        self.message = message


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def concurrent_limit_exceeded() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")


def json_body(request: Request, error_code: str = "JSON_PARSER_ERROR") -> Any:
    """The request's JSON body; malformed JSON answers 400 `error_code`."""
    try:
        return request.json()
    except BadRequestBody as exc:
        raise ApiError(400, error_code, str(exc)) from exc


def query_error(error_code: str, message: str, soql: str, position: int) -> ApiError:
    """A SOQL error in Salesforce's layout: the query line, a caret, the row and column."""
    line_start = soql.rfind("\n", 0, position) + 1
    line = soql[line_start:].split("\n", 1)[0]
    row = soql.count("\n", 0, position) + 1
    column = position - line_start + 1
    text = f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}"
    return ApiError(400, error_code, text)
