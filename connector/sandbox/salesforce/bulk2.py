"""Bulk API 2.0 query jobs: create, poll, page through CSV results, abort (what the connector
uses; deleting and listing jobs are not emulated).

Per the Bulk API 2.0 Developer Guide ("Create a Query Job", "Get Information About a Query Job",
"Get Results for a Query Job"):
- `POST /jobs/query` with `{"operation": "query"|"queryAll", "query": ...}` answers the job
  (`id`, `operation`, `object`, `createdById`, `createdDate`, `systemModstamp`,
  `state: UploadComplete`, `concurrencyMode: Parallel`, `contentType: CSV`, `apiVersion`,
  `lineEnding`, `columnDelimiter`); COUNT() and OFFSET queries are not supported;
- `GET /jobs/query/<id>` answers the job with `jobType: V2Query`, `numberRecordsProcessed`,
  `retries`, `totalProcessingTime`; the state moves UploadComplete -> InProgress -> JobComplete
  as the client polls (`polls_to_complete` polls), the way simple-salesforce's `wait_for_job`
  expects;
- `GET /jobs/query/<id>/results?locator=&maxRecords=` answers CSV with the headers
  `Sforce-NumberOfRecords` (records in this set) and `Sforce-Locator` (the next set's locator, or
  the string `null` after the last set). A locator is an opaque string (Base64 of the offset
  here, like Salesforce's `MTAwMDA`) that stays valid as long as the job exists.
"""

from __future__ import annotations

import base64
import binascii
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector.sandbox.common.http import Request, Response
from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.catalogue import catalogue
from connector.sandbox.salesforce.errors import ApiError, json_body, not_found
from connector.sandbox.salesforce.records import version_of
from connector.sandbox.salesforce.render import csv_rows
from connector.sandbox.salesforce.soql import BoundQuery, execute, prepare
from connector.sandbox.salesforce.store import Store
from connector.sandbox.salesforce.values import format_datetime

DEFAULT_MAX_RECORDS = 50_000
_DELIMITERS: dict[str, str] = catalogue()["bulk2_csv"]["column_delimiters"]
_LINE_ENDINGS: dict[str, str] = catalogue()["bulk2_csv"]["line_endings"]


@dataclass
class QueryJob:
    id: str
    operation: str
    query: BoundQuery
    created_by: str
    created_ms: int
    modified_ms: int
    api_version: str
    column_delimiter: str
    line_ending: str
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
            "systemModstamp": format_datetime(self.modified_ms),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            **({"jobType": "V2Query"} if detailed else {}),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }
        if detailed:
            rows = len(self.rows) if self.rows is not None else 0
            body["numberRecordsProcessed"] = rows
            body["retries"] = 0
            body["totalProcessingTime"] = 0 if self.rows is None else 1 + rows // 1000
            body["isPkChunkingSupported"] = True
        return body


def _encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str) -> int | None:
    padded = locator + "=" * (-len(locator) % 4)
    try:
        text = base64.b64decode(padded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class Bulk2QueryJobs:
    def __init__(
        self,
        store: Store,
        user_of: Callable[[Request], str],
        polls_to_complete: int = 2,
    ) -> None:
        self.store = store
        self.user_of = user_of
        self.polls_to_complete = polls_to_complete
        self._lock = threading.Lock()
        self._jobs: dict[str, QueryJob] = {}
        self._next = 1

    def create(self, request: Request) -> Response:
        body = json_body(request, "API_ERROR")
        if not isinstance(body, dict):
            raise ApiError(400, "API_ERROR", "Value does not match expected type")
        operation = body.get("operation")
        if operation not in ("query", "queryAll"):
            raise ApiError(400, "API_ERROR", f"Invalid operation: {operation}")
        soql = body.get("query")
        if not isinstance(soql, str) or not soql.strip():
            raise ApiError(400, "API_ERROR", "query is required")
        delimiter = str(body.get("columnDelimiter", "COMMA"))
        line_ending = str(body.get("lineEnding", "LF"))
        if delimiter not in _DELIMITERS or line_ending not in _LINE_ENDINGS:
            raise ApiError(400, "API_ERROR", "Invalid columnDelimiter or lineEnding")
        with self.store.lock:
            try:
                bound = prepare(self.store, soql)
            except ApiError as exc:
                # Salesforce rejects a query it cannot run when the job is created.
                raise ApiError(
                    400, "INVALIDJOB", f"Failed to process query: {exc.error_code}: {exc.message}"
                ) from exc
            now = self.store.now_ms()
        if bound.count_only or bound.offset is not None:
            raise ApiError(
                400,
                "INVALIDJOB",
                "Failed to process query: Bulk API 2.0 does not support COUNT(), aggregate "
                "functions or OFFSET in query jobs",
            )
        with self._lock:
            job_id = ids.make_id("750", self._next)
            self._next += 1
            job = QueryJob(
                id=job_id,
                operation=operation,
                query=bound,
                created_by=self.user_of(request),
                created_ms=now,
                modified_ms=now,
                api_version=version_of(request),
                column_delimiter=delimiter,
                line_ending=line_ending,
            )
            self._jobs[job_id] = job
        return Response(200, job.info(detailed=False))

    def _job(self, request: Request) -> QueryJob:
        job_id = request.path_params["job_id"]
        with self._lock:
            job = self._jobs.get(ids.to18(job_id)) if ids.looks_like_id(job_id) else None
        if job is None:
            raise not_found()
        return job

    def get(self, request: Request) -> Response:
        job = self._job(request)
        self._advance(job)
        return Response(200, job.info(detailed=True))

    def _advance(self, job: QueryJob) -> None:
        with self._lock:
            if job.state not in ("UploadComplete", "InProgress"):
                return
            job.polls += 1
            if job.state == "UploadComplete":
                job.state = "InProgress"
            if job.polls >= self.polls_to_complete:
                with self.store.lock:
                    rows = execute(
                        self.store, job.query, include_deleted=job.operation == "queryAll"
                    )
                    job.rows = array("i", rows)
                    job.modified_ms = self.store.now_ms()
                job.state = "JobComplete"

    def abort(self, request: Request) -> Response:
        job = self._job(request)
        body = json_body(request, "API_ERROR")
        if not isinstance(body, dict) or body.get("state") != "Aborted":
            raise ApiError(400, "API_ERROR", "Only the Aborted state can be set on a query job")
        with self._lock:
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
        locator = request.param("locator")
        offset = 0
        if locator:
            decoded = _decode_locator(locator)
            if decoded is None or decoded > len(job.rows):
                raise ApiError(400, "INVALID_LOCATOR", f"Invalid locator: {locator}")
            offset = decoded
        max_records_text = request.param("maxRecords")
        max_records = DEFAULT_MAX_RECORDS
        if max_records_text is not None:
            if not max_records_text.isdigit() or int(max_records_text) < 1:
                raise ApiError(400, "API_ERROR", f"Invalid maxRecords: {max_records_text}")
            max_records = int(max_records_text)
        end = min(offset + max_records, len(job.rows))
        table = self.store.table(job.query.object.name)
        with self.store.lock:
            text = csv_rows(
                self.store,
                table,
                list(job.rows[offset:end]),
                job.query.fields,
                _DELIMITERS[job.column_delimiter],
                _LINE_ENDINGS[job.line_ending],
            )
        next_locator = _encode_locator(end) if end < len(job.rows) else "null"
        headers = {"Sforce-NumberOfRecords": str(end - offset), "Sforce-Locator": next_locator}
        return Response(
            200, text, headers=headers, content_type="text/csv", records_read=end - offset
        )
