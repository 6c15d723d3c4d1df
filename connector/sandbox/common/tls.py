"""Locally generated TLS material, because simple-salesforce always builds https URLs.

A throw-away CA (trustme) signs a certificate for 127.0.0.1 and localhost; the client side trusts
the CA file (e.g. `session.verify = ca_file` or REQUESTS_CA_BUNDLE), never by turning verification
off, so the tests exercise the same TLS path as production.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsMaterial:
    ca_file: Path
    cert_file: Path  # server certificate followed by its chain
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(certfile=self.cert_file, keyfile=self.key_file)
        return context


def make_tls_material(directory: Path) -> TlsMaterial:
    """Create a CA and a server certificate for 127.0.0.1/localhost as PEM files in `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="CRM connector sandbox")
    server = ca.issue_cert("127.0.0.1", "localhost")
    material = TlsMaterial(
        ca_file=directory / "sandbox-ca.pem",
        cert_file=directory / "sandbox-server.pem",
        key_file=directory / "sandbox-server.key",
    )
    ca.cert_pem.write_to_path(str(material.ca_file))
    with material.cert_file.open("wb") as handle:
        for blob in server.cert_chain_pems:
            handle.write(blob.bytes())
    server.private_key_pem.write_to_path(str(material.key_file))
    material.key_file.chmod(0o600)
    return material
