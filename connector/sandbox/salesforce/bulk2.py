"""Bulk API 2.0 query jobs: create, poll, page through CSV results, abort (what the connector
uses; deleting and listing jobs are not emulated).

Per the Bulk API 2.0 Developer Guide ("Create a Query Job", "Get Information About a Query Job",
"Get Results for a Query Job"): `POST /jobs/query` with `{"operation": "query"|"queryAll",
"query"}` answers the job in state UploadComplete (COUNT() queries are refused); each
`GET /jobs/query/<id>` moves it to InProgress and, after `POLLS_TO_COMPLETE` polls, JobComplete,
as simple-salesforce's `wait_for_job` expects; `GET .../results?locator=&maxRecords=` answers
CSV with `Sforce-NumberOfRecords` and `Sforce-Locator` (the next set's, or `null` after the
last). A locator is opaque (Base64 of the offset here, like Salesforce's `MTAwMDA`) and stays
valid as long as the job exists. CSV is COMMA-delimited with LF line endings, the defaults and
what the connector reads; the other `columnDelimiter`s and `lineEnding`s are refused.
"""

from __future__ import annotations

import base64
import binascii
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector.sandbox.common.http import Request, Response
from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.errors import ApiError, json_body, not_found
from connector.sandbox.salesforce.records import version_of
from connector.sandbox.salesforce.render import csv_rows
from connector.sandbox.salesforce.soql import BoundQuery, execute, prepare
from connector.sandbox.salesforce.store import Store
from connector.sandbox.salesforce.values import format_datetime

DEFAULT_MAX_RECORDS = 50_000
POLLS_TO_COMPLETE = 2


@dataclass
class QueryJob:
    id: str
    operation: str
    query: BoundQuery
    created_by: str
    created_ms: int
    api_version: str
    modified_ms: int = 0
    state: str = "UploadComplete"
    polls: int = 0
    rows: array[int] | None = None

    def info(self, detailed: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.query.object.name,
            "createdById": self.created_by,
            "createdDate": format_datetime(self.created_ms),
            "systemModstamp": format_datetime(self.modified_ms or self.created_ms),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            **({"jobType": "V2Query"} if detailed else {}),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        if detailed:
            rows = len(self.rows) if self.rows is not None else 0
            processing = 0 if self.rows is None else 1 + rows // 1000
            body.update(numberRecordsProcessed=rows, retries=0, totalProcessingTime=processing)
            body["isPkChunkingSupported"] = True
        return body


def _decode_locator(locator: str) -> int | None:
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class Bulk2QueryJobs:
    def __init__(self, store: Store, user_of: Callable[[Request], str]) -> None:
        self.store = store
        self.user_of = user_of
        self._jobs: dict[str, QueryJob] = {}  # guarded, like the records, by the store's lock

    def create(self, request: Request) -> Response:
        body = json_body(request, "API_ERROR")
        if not isinstance(body, dict):
            raise ApiError(400, "API_ERROR", "Value does not match expected type")
        operation, soql = body.get("operation"), body.get("query")
        if operation not in ("query", "queryAll"):
            raise ApiError(400, "API_ERROR", f"Invalid operation: {operation}")
        if not isinstance(soql, str) or not soql.strip():
            raise ApiError(400, "API_ERROR", "query is required")
        if body.get("columnDelimiter", "COMMA") != "COMMA" or body.get("lineEnding", "LF") != "LF":
            message = "the Salesforce sandbox emulates columnDelimiter COMMA and lineEnding LF only"
            raise ApiError(400, "API_ERROR", message)
        with self.store.lock:
            try:
                bound = prepare(self.store, soql)
            except ApiError as exc:  # Salesforce refuses a query it cannot run at creation
                message = f"Failed to process query: {exc.error_code}: {exc.message}"
                raise ApiError(400, "INVALIDJOB", message) from exc
            if bound.count:
                raise ApiError(
                    400,
                    "INVALIDJOB",
                    "Failed to process query: Bulk API 2.0 does not support COUNT(), aggregate "
                    "functions or OFFSET in query jobs",
                )
            job_id = ids.make_id("750", len(self._jobs) + 1)
            user, version = self.user_of(request), version_of(request)
            job = QueryJob(job_id, operation, bound, user, self.store.now_ms(), version)
            self._jobs[job_id] = job
        return Response(200, job.info(detailed=False))

    def _job(self, request: Request) -> QueryJob:
        job_id = request.path_params["job_id"]
        with self.store.lock:
            job = self._jobs.get(ids.to18(job_id)) if ids.looks_like_id(job_id) else None
        if job is None:
            raise not_found()
        return job

    def get(self, request: Request) -> Response:
        job = self._job(request)
        with self.store.lock:
            if job.state in ("UploadComplete", "InProgress"):
                job.polls += 1
                job.state = "InProgress"
            if job.state == "InProgress" and job.polls >= POLLS_TO_COMPLETE:
                job.rows = array("i", execute(self.store, job.query, job.operation == "queryAll"))
                job.modified_ms = self.store.now_ms()
                job.state = "JobComplete"
        return Response(200, job.info(detailed=True))

    def abort(self, request: Request) -> Response:
        job = self._job(request)
        body = json_body(request, "API_ERROR")
        if not isinstance(body, dict) or body.get("state") != "Aborted":
            raise ApiError(400, "API_ERROR", "Only the Aborted state can be set on a query job")
        with self.store.lock:
            if job.state in ("JobComplete", "Failed", "Aborted"):
                raise ApiError(400, "API_ERROR", f"Job is already in a terminal state: {job.state}")
            job.state = "Aborted"
        return Response(200, job.info(detailed=False))

    def results(self, request: Request) -> Response:
        job = self._job(request)
        if job.state != "JobComplete" or job.rows is None:
            raise ApiError(
                400,
                "API_ERROR",
                "can only download query results of successfully completed bulk job with "
                f"status: JOB_COMPLETE. Current status: {job.state}",
            )
        locator, limit = request.param("locator"), request.param("maxRecords")
        offset = _decode_locator(locator) if locator else 0
        if offset is None or offset > len(job.rows):
            raise ApiError(400, "INVALID_LOCATOR", f"Invalid locator: {locator}")
        if limit is not None and (not limit.isdigit() or int(limit) < 1):
            raise ApiError(400, "API_ERROR", f"Invalid maxRecords: {limit}")
        end = min(offset + int(limit or DEFAULT_MAX_RECORDS), len(job.rows))
        table = self.store.tables[job.query.object.name]
        with self.store.lock:
            text = csv_rows(self.store, table, list(job.rows[offset:end]), job.query.fields)
        following = base64.b64encode(str(end).encode()).decode().rstrip("=")
        headers = {
            "Sforce-NumberOfRecords": str(end - offset),
            "Sforce-Locator": following if end < len(job.rows) else "null",
        }
        return Response(
            200, text, headers=headers, content_type="text/csv", records_read=end - offset
        )
