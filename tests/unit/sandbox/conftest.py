"""A tiny emulator app and server fixtures for testing the shared sandbox machinery."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector.sandbox.common.faults import ERROR_FAULTS, Fault, FaultInjector, FaultPlan
from connector.sandbox.common.http import (
    BadRequestBody,
    EmulatorApp,
    EmulatorServer,
    Request,
    Response,
)
from connector.sandbox.common.request_log import RequestLog

TOKEN = "test-token"


class EchoApp(EmulatorApp):
    """Routes exercising every part of the pipeline; `token` and `health` need no auth."""

    exempt_endpoints = frozenset({"token", "health"})
    batch_endpoints = frozenset({"batch"})

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.partial_seen: list[bool] = []
        add = self.router.add
        add("GET", "/items/{item_id}", self.get_item, name="get")
        add("GET", "/items/special", self.special, name="special")
        add("POST", "/items", self.create, name="create")
        add("POST", "/items/batch", self.batch, name="batch")
        add("GET", "/boom", self.boom, name="boom")
        add("POST", "/token", lambda r: Response(200, {"access_token": TOKEN}), name="token")
        add("GET", "/health", lambda r: Response(200, "ok"), name="health")

    def authenticate(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Response(401, {"message": "bad token"})
        return None

    def after_handler(self, request: Request, response: Response) -> None:
        response.headers["X-Endpoint"] = request.endpoint

    def render_fault(self, fault: Fault, request: Request) -> Response:
        if fault is Fault.RATE_LIMITED:
            return Response(429, {"category": "RATE_LIMITS"}, headers={"Retry-After": "1"})
        return Response(ERROR_FAULTS[fault], {"category": "INTERNAL_ERROR"})

    def not_found(self, request: Request) -> Response:
        return Response(404, {"message": f"No route for {request.path}"})

    def method_not_allowed(self, request: Request) -> Response:
        allowed = ", ".join(sorted(self.router.allowed_methods(request.path)))
        return Response(405, {"message": "Method not allowed"}, headers={"Allow": allowed})

    def get_item(self, request: Request) -> Response:
        return Response(
            200,
            {"id": request.path_params["item_id"], "tags": request.params("tag")},
            records_read=1,
        )

    def special(self, request: Request) -> Response:
        return Response(200, {"special": True})

    def create(self, request: Request) -> Response:
        try:
            body = request.json()
        except BadRequestBody as exc:  # as each CRM's body reader answers it, in its dialect
            return Response(400, {"message": str(exc)})
        return Response(201, {"created": body}, records_written=1)

    def batch(self, request: Request) -> Response:
        inputs = request.json()["inputs"]
        self.partial_seen.append(request.partial_failure)
        return Response(200, {"n": len(inputs)}, records_written=len(inputs))

    def boom(self, request: Request) -> Response:
        raise RuntimeError("handler bug")


@pytest.fixture
def app() -> EchoApp:
    return EchoApp(faults=FaultInjector(FaultPlan(slow_seconds=1.0)), log=RequestLog())


@pytest.fixture
def server(app: EchoApp) -> Iterator[EmulatorServer]:
    with EmulatorServer(app) as running:
        yield running


AUTH = {"Authorization": f"Bearer {TOKEN}"}
