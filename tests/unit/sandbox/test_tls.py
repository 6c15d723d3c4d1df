"""TLS with a locally generated CA: trusted with the CA file, refused without it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from connector.sandbox.common.http import EmulatorServer
from connector.sandbox.common.tls import TlsMaterial, make_tls_material
from tests.unit.sandbox.conftest import EchoApp


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    return make_tls_material(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_server(tls: TlsMaterial) -> Iterator[EmulatorServer]:
    with EmulatorServer(EchoApp(), tls=tls) as server:
        yield server


def test_material_files_exist(tls: TlsMaterial) -> None:
    for path in (tls.ca_file, tls.cert_file, tls.key_file):
        assert Path(path).read_bytes().startswith(b"-----BEGIN")


def test_verifies_with_the_sandbox_ca(tls_server: EmulatorServer, tls: TlsMaterial) -> None:
    assert tls_server.url.startswith("https://127.0.0.1:")
    session = requests.Session()
    # requests lets REQUESTS_CA_BUNDLE (set in many environments) override `session.verify`;
    # trust_env=False makes the session's own setting count.
    session.trust_env = False
    session.verify = str(tls.ca_file)
    for _ in range(3):
        assert session.get(f"{tls_server.url}/health", timeout=5).text == "ok"
    localhost = tls_server.url.replace("127.0.0.1", "localhost")
    assert session.get(f"{localhost}/health", timeout=5).status_code == 200


def test_refused_without_the_ca_and_server_survives(
    tls_server: EmulatorServer, tls: TlsMaterial
) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{tls_server.url}/health", timeout=5)
    assert requests.get(f"{tls_server.url}/health", verify=str(tls.ca_file), timeout=5).ok
