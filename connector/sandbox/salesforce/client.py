"""A `requests.Session` that trusts the sandbox CA and reaches the sandbox's login endpoints.

simple-salesforce always logs in at `https://<domain>.salesforce.com` (login, test, or a My Domain
such as `connector-sandbox.my`) and afterwards talks to the `instance_url` the login answered -
which for the sandbox is its own `https://127.0.0.1:<port>`. The session therefore needs two
things, both ordinary `requests` configuration passed through simple-salesforce's documented
`session=` argument, with the SDK itself unmodified:

- `verify = <sandbox CA file>`, so TLS is verified against the sandbox's own CA (never turned
  off), with `trust_env = False` because requests otherwise lets REQUESTS_CA_BUNDLE from the
  environment override `session.verify`;
- a transport adapter mounted for the Salesforce login hosts that sends those requests to the
  sandbox instead - the programmatic equivalent of a hosts-file entry. Nothing else is routed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter


class LoginHostAdapter(HTTPAdapter):
    """Sends requests for the mounted login hosts to `target` (scheme://host:port)."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self._target = urlsplit(target)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        assert request.url is not None
        target = self._target
        parts = urlsplit(request.url)._replace(scheme=target.scheme, netloc=target.netloc)
        request.url = parts._replace(fragment="").geturl()
        return super().send(request, *args, **kwargs)


def login_hosts(my_domain: str) -> list[str]:
    """The hosts simple-salesforce logs in at: login, test and the org's My Domain."""
    return ["login.salesforce.com", "test.salesforce.com", f"{my_domain}.salesforce.com"]


def sandbox_session(base_url: str, ca_file: Path | str, hosts: Iterable[str]) -> requests.Session:
    session = requests.Session()
    session.verify = str(ca_file)
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment replace
    # `session.verify`; a loopback sandbox needs neither those nor proxy variables.
    session.trust_env = False
    adapter = LoginHostAdapter(base_url)
    for host in hosts:
        session.mount(f"https://{host}/", adapter)
    return session
