"""Fixtures for the HubSpot contract tests: an in-process `HubSpotSandbox` and the real SDK.

Every test talks to the emulator through the unmodified hubspot-api-client (or plain `requests`
where the SDK would hide the behaviour under test, e.g. dropped connections), pointed at the
sandbox by configuration only: `HubSpot(access_token=..., host=sandbox.url)`.

(No `__init__.py` here on purpose: a package named `hubspot` would shadow the SDK.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
from hubspot import HubSpot

from connector.sandbox.common.config import SandboxConfig
from connector.sandbox.hubspot import HubSpotSandbox

SMALL = 240  # contacts in the default sandbox: enough for several pages, fast to seed


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., HubSpotSandbox]]:
    """Start sandboxes with custom settings; all are stopped after the test."""
    started: list[HubSpotSandbox] = []

    def make(**settings: object) -> HubSpotSandbox:
        settings.setdefault("contacts", SMALL)
        sandbox = HubSpotSandbox(SandboxConfig(**settings)).start()  # type: ignore[arg-type]
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., HubSpotSandbox]) -> HubSpotSandbox:
    return make_sandbox()


@pytest.fixture
def client(sandbox: HubSpotSandbox) -> HubSpot:
    return HubSpot(access_token=sandbox.token, host=sandbox.url)


@pytest.fixture
def http(sandbox: HubSpotSandbox) -> Iterator[requests.Session]:
    """A keep-alive `requests` session with the sandbox's bearer token."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {sandbox.token}"
        yield session
