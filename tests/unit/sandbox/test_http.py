"""The shared HTTP server and pipeline, exercised over real loopback HTTP with `requests`."""

from __future__ import annotations

import http.client
import json
import logging
from urllib.parse import urlsplit

import pytest
import requests

from connector.sandbox.common.faults import Fault
from connector.sandbox.common.http import (
    UNMATCHED_ENDPOINT,
    EmulatorServer,
    Request,
    Response,
    Router,
)
from tests.unit.sandbox.conftest import AUTH, EchoApp


def test_routes_path_params_and_query(server: EmulatorServer) -> None:
    got = requests.get(f"{server.url}/items/a%20b?tag=x&tag=y", headers=AUTH, timeout=5)
    assert got.status_code == 200
    assert got.json() == {"id": "a b", "tags": ["x", "y"]}
    assert got.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert got.headers["X-Endpoint"] == "get"


def test_literal_segment_beats_parameter_registered_earlier(server: EmulatorServer) -> None:
    got = requests.get(f"{server.url}/items/special", headers=AUTH, timeout=5)
    assert got.json() == {"special": True}


def test_trailing_slash_is_insignificant(server: EmulatorServer) -> None:
    assert requests.get(f"{server.url}/items/7/", headers=AUTH, timeout=5).json()["id"] == "7"


def test_unknown_path_is_404_and_wrong_method_is_405(server: EmulatorServer) -> None:
    assert requests.get(f"{server.url}/nothing", headers=AUTH, timeout=5).status_code == 404
    wrong = requests.delete(f"{server.url}/items/1", headers=AUTH, timeout=5)
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET"
    assert server.app.log.calls(UNMATCHED_ENDPOINT) == 2


def test_json_body_round_trip_and_text_body(server: EmulatorServer) -> None:
    sent = {"name": "Zoë", "n": [1, 2.5, None]}
    got = requests.post(f"{server.url}/items", json=sent, headers=AUTH, timeout=5)
    assert got.status_code == 201
    assert got.json() == {"created": sent}
    text = requests.get(f"{server.url}/health", timeout=5)
    assert text.text == "ok"
    assert text.headers["Content-Type"].startswith("text/plain")


def test_invalid_json_is_a_readable_400(server: EmulatorServer) -> None:
    got = requests.post(f"{server.url}/items", data=b'{"a": ', headers=AUTH, timeout=5)
    assert got.status_code == 400
    assert "Invalid JSON" in got.json()["message"]
    assert "line 1" in got.json()["message"]


def test_keep_alive_serves_many_requests_on_one_connection(server: EmulatorServer) -> None:
    split = urlsplit(server.url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=5)
    try:
        sockets = set()
        for index in range(5):
            body = json.dumps({"i": index})
            conn.request("POST", "/items", body=body, headers={**AUTH, "Content-Type": "a/json"})
            response = conn.getresponse()
            assert response.status == 201
            assert json.loads(response.read()) == {"created": {"i": index}}
            sockets.add(id(conn.sock))
        assert len(sockets) == 1
    finally:
        conn.close()


def test_chunked_request_body_is_refused_not_misread(server: EmulatorServer) -> None:
    chunks = iter([b'{"inputs": ', b"[1, 2, 3]}"])
    got = requests.post(f"{server.url}/items/batch", data=chunks, headers=AUTH, timeout=5)
    assert got.status_code == 400
    assert requests.get(f"{server.url}/items/1", headers=AUTH, timeout=5).status_code == 200


def test_handler_exception_is_500_and_server_keeps_serving(
    server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="connector.sandbox.common.http"):
        got = requests.get(f"{server.url}/boom", headers=AUTH, timeout=5)
    assert got.status_code == 500
    assert got.json()["category"] == "INTERNAL_ERROR"  # answered as the app renders a 500
    assert any("handler bug" in (record.exc_text or "") for record in caplog.records)
    assert requests.get(f"{server.url}/items/1", headers=AUTH, timeout=5).status_code == 200


def test_authentication_hook_and_exempt_endpoints(server: EmulatorServer) -> None:
    assert requests.get(f"{server.url}/items/1", timeout=5).status_code == 401
    assert requests.post(f"{server.url}/token", timeout=5).json() == {"access_token": "test-token"}


def test_drop_fault_closes_connection_without_answer(server: EmulatorServer) -> None:
    server.app.faults.force(Fault.DROP, endpoint="get")
    session = requests.Session()
    with pytest.raises(requests.ConnectionError):
        session.get(f"{server.url}/items/1", headers=AUTH, timeout=5)
    assert session.get(f"{server.url}/items/1", headers=AUTH, timeout=5).status_code == 200
    dropped = [entry for entry in server.app.log.entries if entry.fault is Fault.DROP]
    assert len(dropped) == 1
    assert dropped[0].status == 0


def test_slow_fault_times_the_client_out(server: EmulatorServer) -> None:
    server.app.faults.force(Fault.SLOW)
    with pytest.raises(requests.Timeout):
        requests.get(f"{server.url}/items/1", headers=AUTH, timeout=0.2)
    # The request was still handled (as on a real CRM, the write may land after a timeout).
    assert server.app.log.calls("get") == 1


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Fault.RATE_LIMITED, 429),
        (Fault.SERVER_ERROR_500, 500),
        (Fault.BAD_GATEWAY_502, 502),
        (Fault.UNAVAILABLE_503, 503),
    ],
)
def test_error_faults_are_rendered(server: EmulatorServer, fault: Fault, status: int) -> None:
    server.app.faults.force(fault, endpoint="get")
    assert requests.get(f"{server.url}/health", timeout=5).status_code == 200
    got = requests.get(f"{server.url}/items/1", headers=AUTH, timeout=5)
    assert got.status_code == status
    assert got.headers["X-Endpoint"] == "get"  # after_handler ran on the fault answer
    if fault is Fault.RATE_LIMITED:
        assert got.headers["Retry-After"] == "1"
    assert server.app.log.faults() == {fault: 1}


def test_partial_batch_reaches_batch_handlers_only(server: EmulatorServer, app: EchoApp) -> None:
    app.faults.force(Fault.PARTIAL_BATCH)
    assert requests.get(f"{server.url}/items/1", headers=AUTH, timeout=5).status_code == 200
    got = requests.post(f"{server.url}/items/batch", json={"inputs": [1]}, headers=AUTH, timeout=5)
    assert got.status_code == 200
    requests.post(f"{server.url}/items/batch", json={"inputs": [1]}, headers=AUTH, timeout=5)
    assert app.partial_seen == [True, False]


def test_exempt_endpoint_gets_no_faults(server: EmulatorServer) -> None:
    server.app.faults.force(Fault.SERVER_ERROR_500)
    assert requests.post(f"{server.url}/token", timeout=5).status_code == 200
    assert server.app.faults.pending_forced() == 1


def test_request_log_counts_exactly(server: EmulatorServer) -> None:
    session = requests.Session()
    for _ in range(3):
        session.get(f"{server.url}/items/1", headers=AUTH, timeout=5)
    session.post(f"{server.url}/items/batch", json={"inputs": [1, 2, 3, 4]}, headers=AUTH)
    session.post(f"{server.url}/items", json={}, headers=AUTH, timeout=5)
    session.get(f"{server.url}/items/1", timeout=5)  # 401: counted, reads nothing
    log = server.app.log
    assert log.calls_by_endpoint() == {"get": 4, "batch": 1, "create": 1}
    assert log.calls() == 6
    assert log.records_read("get") == 3
    assert log.records_written() == 5
    assert log.statuses() == {200: 4, 201: 1, 401: 1}
    assert [entry.endpoint for entry in log.entries] == ["get"] * 3 + ["batch", "create", "get"]
    log.reset()
    assert log.calls() == 0 and log.entries == []


def test_stop_is_idempotent_and_url_needs_start(app: EchoApp) -> None:
    server = EmulatorServer(app)
    with pytest.raises(RuntimeError):
        _ = server.url
    server.start()
    url = server.url
    server.stop()
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/health", timeout=1)


def test_router_rejects_bad_patterns_and_reports_methods() -> None:
    router = Router()
    with pytest.raises(ValueError, match="whole segment"):
        router.add("GET", "/a/x{b}", lambda r: Response(200))
    router.add("GET", "/a/{b}", lambda r: Response(200))
    router.add("patch", "/a/{b}", lambda r: Response(200), name="patch-a")
    assert router.allowed_methods("/a/1") == {"GET", "PATCH"}
    matched = router.match("PATCH", "/a/1")
    assert matched is not None and matched[1:] == ("patch-a", {"b": "1"})
    assert router.match("GET", "/a") is None


def test_request_helpers() -> None:
    request = Request.from_target("get", "/x%2Fy?a=1&a=2&b=", {"X-Thing": "v"}, b"[1]")
    assert request.method == "GET"
    assert request.path == "/x/y"
    assert request.param("a") == "1" and request.params("a") == ["1", "2"]
    assert request.param("b") == "" and request.param("missing", "d") == "d"
    assert request.headers["x-thing"] == "v" and "X-THING" in request.headers
    assert request.json() == [1]
