"""A small HTTP/1.1 server and router that the CRM emulators build on.

The unmodified SDKs (urllib3 under hubspot-api-client, requests under simple-salesforce) reuse
connections, so the server speaks HTTP/1.1 with keep-alive and exact Content-Length. Each CRM
emulator subclasses `EmulatorApp`, registers its routes and overrides the hooks (auth, limits,
error bodies); `EmulatorApp.dispatch` owns the order in which those run so both CRMs count,
fail and log requests the same way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from requests.structures import CaseInsensitiveDict

from connector.sandbox.common.faults import ERROR_FAULTS, Fault, FaultInjector
from connector.sandbox.common.request_log import LoggedRequest, RequestLog
from connector.sandbox.common.tls import TlsMaterial

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
TEXT_CONTENT_TYPE = "text/plain;charset=UTF-8"
UNMATCHED_ENDPOINT = "<unmatched>"
#: A 502 comes from a gateway in front of the API, not from the API: an HTML page, not JSON.
BAD_GATEWAY_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
)


class BadRequestBody(ValueError):
    """The request body is no JSON document; each CRM's body reader answers it as its 400."""


class ErrorAnswer(Exception):
    """An error answer, raised anywhere in a handler and answered as it is by `dispatch`: each
    CRM's subclass only says how its error bodies look."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(body)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return Response(self.status, self.body, headers=dict(self.headers))


@dataclass
class Request:
    method: str
    path: str  # without query string, percent-decoded
    query: dict[str, list[str]] = field(default_factory=dict)
    # Case-insensitive, the last value wins for a repeated header; left out of the repr because
    # values may hold tokens.
    headers: Mapping[str, str] = field(default_factory=CaseInsensitiveDict, repr=False)
    body: bytes = field(default=b"", repr=False)
    endpoint: str = ""  # the matched route's name, set by the router/dispatch
    path_params: dict[str, str] = field(default_factory=dict)
    partial_failure: bool = False  # fault injection asks a batch handler to fail some inputs

    @classmethod
    def from_target(
        cls,
        method: str,
        target: str,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> Request:
        """Build a request from a raw request target such as `/a/b%20c?x=1&x=2`."""
        split = urlsplit(target)
        return cls(
            method=method.upper(),
            path=unquote(split.path) or "/",
            query=parse_qs(split.query, keep_blank_values=True),
            headers=CaseInsensitiveDict(headers),
            body=body,
        )

    def json(self) -> Any:
        if not self.body.strip():
            raise BadRequestBody("The request body is empty; a JSON document was expected.")
        try:
            return json.loads(self.body)
        except UnicodeDecodeError as exc:
            raise BadRequestBody(f"The request body is not UTF-8 text: {exc.reason}.") from exc
        except json.JSONDecodeError as exc:
            raise BadRequestBody(
                f"Invalid JSON in request body at line {exc.lineno} column {exc.colno}: {exc.msg}."
            ) from exc

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def params(self, name: str) -> list[str]:
        return list(self.query.get(name, []))


@dataclass
class Response:
    status: int
    body: str | dict[str, Any] | list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    records_read: int = 0
    records_written: int = 0
    delay_seconds: float = 0.0  # set by a SLOW fault: the server waits this long before answering

    def encode(self) -> tuple[bytes, str | None]:
        """The body bytes and the content type to send with them."""
        body = self.body
        if body is None:
            return b"", self.content_type
        if isinstance(body, str):
            return body.encode("utf-8"), self.content_type or TEXT_CONTENT_TYPE
        compact = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return compact.encode("utf-8"), self.content_type or JSON_CONTENT_TYPE


Handler = Callable[[Request], Response]

_PARAM = re.compile(r"^\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}$")


@dataclass(frozen=True)
class _Route:
    method: str
    regex: re.Pattern[str]
    handler: Handler
    name: str


class Router:
    """Maps (method, path) to a handler; `{name}` matches one segment. When several routes
    match, literal segments win over parameters, and earlier registration wins among equals.
    Trailing slashes are insignificant (simple-salesforce adds them, HubSpot's SDK does not)."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, pattern: str, handler: Handler, name: str | None = None) -> None:
        method = method.upper()
        parts: list[str] = []
        for segment in filter(None, pattern.split("/")):
            found = _PARAM.match(segment)
            if found is not None:
                parts.append(f"(?P<{found['name']}>[^/]+)")
            elif "{" in segment or "}" in segment:
                raise ValueError(f"route {pattern!r}: a parameter must be a whole segment")
            else:
                parts.append(re.escape(segment))
        regex = re.compile("^/" + "/".join(parts) + "$")
        self._routes.append(_Route(method, regex, handler, name or f"{method} {pattern}"))
        # Fewest parameters first; the sort is stable, so earlier registration wins among equals.
        self._routes.sort(key=lambda route: route.regex.groups)

    def _candidates(self, path: str) -> Iterator[tuple[_Route, re.Match[str]]]:
        normal = path.rstrip("/") or "/"
        for route in self._routes:
            found = route.regex.match(normal)
            if found is not None:
                yield route, found

    def match(self, method: str, path: str) -> tuple[Handler, str, dict[str, str]] | None:
        for route, found in self._candidates(path):
            if route.method == method.upper():
                return route.handler, route.name, found.groupdict()
        return None

    def allowed_methods(self, path: str) -> set[str]:
        """Methods registered for `path`; empty when the path is unknown (→ 404, else 405)."""
        return {route.method for route, _ in self._candidates(path)}


class EmulatorApp:
    """Base class of the CRM emulators: routing, hooks, fault injection and the request log.

    Subclasses register routes on `self.router`, say how their CRM answers errors (the hooks
    that raise NotImplementedError here) and may override the other hooks. The sets
    `exempt_endpoints` (route names that are no API call, e.g. a token endpoint: neither
    authenticated nor faulted) and `batch_endpoints` (names whose handler honours
    `request.partial_failure`) may be overridden too.
    """

    exempt_endpoints: frozenset[str] = frozenset()
    batch_endpoints: frozenset[str] = frozenset()
    #: Held while a handler runs (e.g. a store lock, so a batch write is atomic to others).
    handler_lock: AbstractContextManager[object] = contextlib.nullcontext()

    def __init__(
        self,
        *,
        faults: FaultInjector | None = None,
        log: RequestLog | None = None,
    ) -> None:
        self.router = Router()
        self.log = log if log is not None else RequestLog()
        self.faults = faults if faults is not None else FaultInjector()
        self._request_hooks: list[Callable[[Request], None]] = []

    # ---- test hook -----------------------------------------------------------------------------
    def on_request(self, hook: Callable[[Request], None]) -> Callable[[], None]:
        """Test hook: `hook(request)` runs for every routed, authenticated request right before
        its handler, in the server thread, so a test can act "at the exact moment" a client
        sends a given request (e.g. a person edits a record between a sync's read and its
        write). The hook may call the emulator over HTTP itself (the server is threaded). It
        never changes the request or the answer. Returns a function that removes the hook."""
        self._request_hooks.append(hook)
        return lambda: self._request_hooks.remove(hook)

    # ---- hooks -------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | None:
        """Return an error response to reject the request; None lets it through."""
        return None

    def before_handler(self, request: Request) -> Response | None:
        """Runs after auth and fault decision (rate limits...). A response short-circuits."""
        return None

    def after_handler(self, request: Request, response: Response) -> None:
        """Runs for every response produced after authentication succeeded (handler answers,
        injected error faults, before_handler rejections, 500s); may add headers."""

    def render_fault(self, fault: Fault, request: Request) -> Response:
        """The CRM's answer to an injected 429/500/503, and its 500 when a handler or hook
        raises (the traceback is logged)."""
        raise NotImplementedError

    def not_found(self, request: Request) -> Response:
        raise NotImplementedError

    def method_not_allowed(self, request: Request) -> Response:
        raise NotImplementedError

    # ---- the pipeline ------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response | Fault:
        """route → authenticate → fault → before_handler → handler → after_handler → log.

        Returns `Fault.DROP` when the server must close the connection without answering. A SLOW
        fault is served normally with `response.delay_seconds` set for the server to honour.
        Never raises: a handler's `ErrorAnswer` is its answer, any other exception a 500
        (traceback to the Python logger).
        """
        started_at = datetime.now(UTC)
        fault: Fault | None = None
        outcome: Response | Fault
        try:
            outcome, fault = self._run(request)
        except Exception:  # a broken hook must not kill the server thread either
            logger.exception("sandbox hook failed for %s %s", request.method, request.endpoint)
            outcome = self.render_fault(Fault.SERVER_ERROR_500, request)
        answered = outcome if isinstance(outcome, Response) else Response(0)
        self.log.record(
            LoggedRequest(
                method=request.method,
                path=request.path,
                endpoint=request.endpoint or UNMATCHED_ENDPOINT,
                status=answered.status,
                records_read=answered.records_read,
                records_written=answered.records_written,
                started_at=started_at,
                fault=fault,
                query=request.query,
            )
        )
        logger.debug("sandbox %s %s -> %s", request.method, request.endpoint, answered.status)
        return outcome

    def _run(self, request: Request) -> tuple[Response | Fault, Fault | None]:
        matched = self.router.match(request.method, request.path)
        if matched is None:
            request.endpoint = UNMATCHED_ENDPOINT
            if self.router.allowed_methods(request.path):
                return self.method_not_allowed(request), None
            return self.not_found(request), None
        handler, request.endpoint, request.path_params = matched
        fault = None
        if request.endpoint not in self.exempt_endpoints:
            rejection = self.authenticate(request)
            if rejection is not None:
                return rejection, None
            batch = request.endpoint in self.batch_endpoints
            fault = self.faults.decide(request.endpoint, batch=batch)
        if fault is Fault.DROP:
            return Fault.DROP, fault
        if fault is Fault.BAD_GATEWAY_502:
            response = Response(502, BAD_GATEWAY_PAGE, content_type="text/html")
        elif fault in ERROR_FAULTS:
            response = self.render_fault(fault, request)
        else:
            request.partial_failure = fault is Fault.PARTIAL_BATCH
            for hook in list(self._request_hooks):
                hook(request)
            response = self._call(handler, request)
        self.after_handler(request, response)
        if fault is Fault.SLOW:
            response.delay_seconds = self.faults.plan.slow_seconds
        return response, fault

    def _call(self, handler: Handler, request: Request) -> Response:
        try:
            refusal = self.before_handler(request)
            if refusal is not None:
                return refusal
            with self.handler_lock:
                return handler(request)
        except ErrorAnswer as exc:
            return exc.response()
        except Exception:
            logger.exception("sandbox handler failed for %s", request.endpoint)
            return self.render_fault(Fault.SERVER_ERROR_500, request)


# ---- the server ------------------------------------------------------------------------------


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK would add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server_version = "CRMSandbox/1.0"
    sys_version = ""
    server: _Server

    # The default request lines (log_request calls this) carry paths and query strings, which
    # may hold e-mail addresses; `EmulatorApp.dispatch` logs the endpoint name instead.
    def log_message(self, format: str, *args: Any) -> None:
        return

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("sandbox http protocol error %s", args[0] if args else "")

    def _read_body(self) -> bytes:
        """The body by its Content-Length, which every client served sends: a chunked body is
        refused (400) rather than misread."""
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or "Transfer-Encoding" in self.headers:
            raise ValueError("unsupported body framing")
        return self.rfile.read(length)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.send_error(400, "Bad request body framing")
            self.close_connection = True
            return
        request = Request.from_target(
            self.command, self.path, CaseInsensitiveDict(self.headers.items()), body
        )
        outcome = self.server.app.dispatch(request)
        # DROP vanishes without a byte; a SLOW answer still waiting when the server stops too.
        if isinstance(outcome, Fault) or (
            outcome.delay_seconds > 0 and self.server.stopping.wait(outcome.delay_seconds)
        ):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(outcome)

    def _write(self, response: Response) -> None:
        payload, content_type = response.encode()
        self.send_response(response.status)
        if response.status != 204:  # the one status without a body the emulators answer
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if response.status != 204:
            self.wfile.write(payload)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], app: EmulatorApp, tls: ssl.SSLContext | None
    ) -> None:
        self.app = app
        self.tls = tls
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake happens here, in the connection's own thread, so a slow or
        # distrustful client never blocks the accept loop.
        conn = request
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                logger.debug("sandbox TLS handshake failed: %s", exc)
                return
        with self._open_lock:
            self._open.add(conn)
        try:
            super().finish_request(conn, client_address)  # builds RequestHandlerClass on conn
        finally:
            with self._open_lock:
                self._open.discard(conn)
            if conn is not request:
                with contextlib.suppress(OSError):
                    conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("sandbox connection error", exc_info=True)

    def close_open_connections(self) -> None:
        with self._open_lock:
            connections = list(self._open)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class EmulatorServer:
    """Serves an `EmulatorApp` on loopback in a daemon thread (plain HTTP, or TLS when given);
    `with` starts it and stops it again, whatever happens inside."""

    tls: TlsMaterial | None = None
    _server: _Server | None = None
    _thread: threading.Thread | None = None

    def __init__(
        self,
        app: EmulatorApp,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: TlsMaterial | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.tls = tls

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        scheme = "https" if self.tls is not None else "http"
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"{scheme}://{host}:{self._server.server_address[1]}"

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the server is already started")
        context = self.tls.server_context() if self.tls is not None else None
        self._server = _Server((self.host, self.port), self.app, context)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sandbox-{type(self.app).__name__}-{self._server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        logger.info("sandbox %s listening on %s", type(self.app).__name__, self.url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        server.close_open_connections()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
