"""Secrets in the shapes real deployments hand them over, and transports that must not leak them.

A secret mounted from a file or pasted from a vault often ends in a newline (or CR LF); sent as
is, the HTTP library refuses the header and its traceback quotes the whole `Bearer …` line. A
Salesforce login URL (or a proxy) answering 307/308 towards plain http must never receive the
client secret, password and token again in clear text. Both are run as a user runs them: the
`connector` command in its own process against a sandbox.
"""

import http.server
import sys
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest
import typer

from connector import cli
from connector.redact import register_secret
from connector.sandbox.common.tls import make_tls_material
from tests.e2e.crm_runs import CrmUnderTest, start_crm

SECRET_SHAPES = ["{}\n", "{}\r\n", "  {}\t", "\n{}"]


@pytest.fixture(scope="module")
def hubspot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrmUnderTest]:
    under_test = start_crm("hubspot", tmp_path_factory.mktemp("hubspot"), contacts=20)
    yield under_test
    under_test.running.stop()


@pytest.fixture(scope="module")
def salesforce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrmUnderTest]:
    under_test = start_crm("salesforce", tmp_path_factory.mktemp("salesforce"), contacts=20)
    yield under_test
    under_test.running.stop()


@pytest.mark.parametrize("shape", SECRET_SHAPES)
def test_hubspot_token_with_surrounding_white_space_works_and_never_prints(hubspot, shape):
    token = hubspot.env["HUBSPOT_ACCESS_TOKEN"]
    env = {**hubspot.env, "HUBSPOT_ACCESS_TOKEN": shape.format(token)}
    result = hubspot.connector("sync", "--dry-run", "--json", env_override=env)
    assert result.returncode == 0, result.stderr
    assert token not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("shape", ["pat-na1-{}\nsecond-line", "pat-na1-{}\x1btail"])
def test_hubspot_token_with_a_control_character_inside_is_refused_by_name(hubspot, shape):
    token = shape.format("0f3c9a77-1b2d")
    env = {**hubspot.env, "HUBSPOT_ACCESS_TOKEN": token}
    served_before = hubspot.requests_served
    result = hubspot.connector("sync", "--dry-run", env_override=env)
    assert hubspot.requests_served == served_before, "a request went out with a broken token"
    assert result.returncode == 2, result.stderr
    assert "HUBSPOT_ACCESS_TOKEN" in result.stderr
    assert "control character" in result.stderr
    for part in token.replace("\x1b", "\n").splitlines():
        assert part not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_salesforce_secrets_with_trailing_newlines_log_in(salesforce):
    env = dict(salesforce.env)
    secret_names = [
        name
        for name in ("SALESFORCE_CLIENT_SECRET", "SALESFORCE_PASSWORD", "SALESFORCE_SECURITY_TOKEN")
        if env.get(name)
    ]
    assert secret_names, "the served sandbox hands out at least one secret"
    for name in secret_names:
        env[name] = env[name] + "\r\n"
    result = salesforce.connector("sync", "--dry-run", "--json", env_override=env)
    assert result.returncode == 0, result.stderr
    for name in secret_names:
        assert salesforce.env[name] not in result.stdout + result.stderr


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A plain-http endpoint that only records what reaches it."""

    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        type(self).received.append(self.rfile.read(length))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


def _redirecting_handler(target: str) -> type[http.server.BaseHTTPRequestHandler]:
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(307)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    return Redirect


def _serve(server: http.server.HTTPServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def test_salesforce_login_never_follows_a_redirect_off_https(salesforce, tmp_path):
    plain = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.received = []
    _serve(plain)
    tls = make_tls_material(tmp_path / "tls")
    secure = http.server.HTTPServer(
        ("127.0.0.1", 0),
        _redirecting_handler(f"http://127.0.0.1:{plain.server_address[1]}"),
    )
    context = tls.server_context()
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    _serve(secure)
    try:
        env = {
            **salesforce.env,
            "SALESFORCE_LOGIN_URL": f"https://127.0.0.1:{secure.server_address[1]}",
            "SALESFORCE_CA_FILE": str(tls.ca_file),
        }
        result = salesforce.connector("sync", "--dry-run", env_override=env)
    finally:
        secure.shutdown()
        plain.shutdown()
    assert _Recorder.received == [], "credentials reached the plain-http endpoint"
    assert result.returncode == 4, result.stderr
    output = result.stdout + result.stderr
    assert "redirect" in output and "SALESFORCE_LOGIN_URL" in output
    assert "Traceback" not in result.stderr
    secret = salesforce.env.get("SALESFORCE_CLIENT_SECRET") or ""
    assert not secret or secret not in result.stdout + result.stderr


def test_an_unexpected_crash_prints_one_redacted_line_and_its_own_exit_code(monkeypatch, capsys):
    secret = "pat-na1-crash-3f9e7d"
    register_secret(secret)
    broken = typer.Typer()

    @broken.command()
    def boom() -> None:
        raise RuntimeError(f"header Authorization: Bearer {secret} was refused")

    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.setattr(sys, "argv", ["connector"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_CRASH != 1
    captured = capsys.readouterr()
    assert secret not in captured.err + captured.out
    assert "internal error: RuntimeError" in captured.err
    assert "Traceback" not in captured.err

    monkeypatch.setenv("CONNECTOR_TRACEBACK", "1")
    with pytest.raises(SystemExit):
        cli.main()
    captured = capsys.readouterr()
    assert "Traceback" in captured.err and secret not in captured.err


def test_hubspot_follows_no_redirect_at_all(hubspot):
    """The SDK's pool runs with urllib3 retries off, which also turns redirects off: a 307 is
    an answer, never a second request carrying the bearer token somewhere else."""
    plain = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.received = []
    _serve(plain)
    redirecting = http.server.HTTPServer(
        ("127.0.0.1", 0), _redirecting_handler(f"http://127.0.0.1:{plain.server_address[1]}")
    )
    _serve(redirecting)
    try:
        env = {
            **hubspot.env,
            "HUBSPOT_BASE_URL": f"http://127.0.0.1:{redirecting.server_address[1]}",
        }
        result = hubspot.connector("sync", "--dry-run", env_override=env)
    finally:
        redirecting.shutdown()
        plain.shutdown()
    assert _Recorder.received == []
    assert result.returncode != 0
    assert hubspot.env["HUBSPOT_ACCESS_TOKEN"] not in result.stdout + result.stderr
