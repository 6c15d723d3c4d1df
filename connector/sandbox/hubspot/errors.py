"""HubSpot's JSON error bodies, built in one place so every endpoint fails the same way.

From "Error handling": `status`, `message`, `correlationId`, `category`, plus `errors` (each with
`message`, `code`, `context`) and `context` where HubSpot has them. The 401, batch-size and 429
texts are the ones HubSpot answers. A 207 answer's per-input errors are the SDK's
`StandardError`, which requires `context`, `links`, `errors`, `category`, `message` and `status`:
the spec wins over HubSpot's examples that leave some out.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence

from connector.sandbox.common.http import ErrorAnswer
from connector.sandbox.hubspot.values import InvalidValue

#: The emulated portal's hub id, as HubSpot puts it into validation messages.
PORTAL_ID = 8_675_309

Body = dict[str, object]


class HubSpotError(ErrorAnswer):
    """An error answer with HubSpot's JSON error body."""

    body: Body


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(
    message: str,
    category: str,
    *,
    errors: Sequence[Mapping[str, object]] | None = None,
    context: Mapping[str, Iterable[str]] | None = None,
    sub_category: str | None = None,
) -> Body:
    body: Body = {"status": "error", "message": message, "correlationId": correlation_id()}
    if errors is not None:
        body["errors"] = [dict(item) for item in errors]
    body["category"] = category
    if context is not None:
        body["context"] = {key: list(values) for key, values in context.items()}
    if sub_category is not None:
        body["subCategory"] = sub_category
    return body


def standard_error(
    message: str,
    category: str,
    context: Mapping[str, Iterable[str]],
    *,
    sub_category: str | None = None,
    errors: Sequence[Mapping[str, object]] = (),
) -> Body:
    """One entry of a 207 answer's `errors` (the SDK's `StandardError`): no correlation id of
    its own, `errors` and `links` always present."""
    body = error_body(message, category, errors=errors, context=context, sub_category=sub_category)
    del body["correlationId"]
    return body | {"links": {}}


def unauthorized() -> HubSpotError:
    return HubSpotError(
        401,
        error_body(
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
            "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            "INVALID_AUTHENTICATION",
        ),
    )


def validation(
    message: str,
    *,
    errors: Sequence[Mapping[str, object]] | None = None,
    context: Mapping[str, Sequence[str]] | None = None,
) -> HubSpotError:
    return HubSpotError(
        400, error_body(message, "VALIDATION_ERROR", errors=errors, context=context)
    )


def invalid_json(detail: str) -> HubSpotError:
    return validation(f"Invalid input JSON on line 1, column 1: {detail}")


def not_found(message: str = "resource not found") -> HubSpotError:
    return HubSpotError(404, error_body(message, "OBJECT_NOT_FOUND"))


def conflict(message: str) -> HubSpotError:
    return HubSpotError(409, error_body(message, "CONFLICT"))


def property_validation(problems: Sequence[InvalidValue]) -> HubSpotError:
    """HubSpot's 400 "Property values were not valid: [...]" with its `errors` list."""
    results = [
        {
            "isValid": False,
            "message": problem.message,
            "error": problem.code,
            "name": problem.name,
            "localizedErrorMessage": problem.message,
            "portalId": PORTAL_ID,
        }
        for problem in problems
    ]
    message = "Property values were not valid: " + json.dumps(results, separators=(",", ":"))
    errors: list[dict[str, object]] = [
        {
            "message": problem.message,
            "code": problem.code,
            "context": {"propertyName": [problem.name]},
        }
        for problem in problems
    ]
    return validation(message, errors=errors)


def rate_limited(policy: str, headers: Mapping[str, str]) -> HubSpotError:
    """429 as documented in HubSpot's usage guidelines (policyName TEN_SECONDLY_ROLLING | DAILY)."""
    body: Body = {
        "status": "error",
        "message": f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "requestId": uuid.uuid4().hex,
    }
    return HubSpotError(429, body, headers)
