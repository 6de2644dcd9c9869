"""Fixtures: a sandbox process per test module, and clients for the seeded credentials."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.openapi import BUNDLE_JSON
from sandbox.seed import DEMO, OTHER, READ_ONLY
from tests.sandbox.sandbox_server import Server, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    assert BUNDLE_JSON.is_file(), f"{BUNDLE_JSON} missing: run `make generate` first"
    running = start_server(tmp_path_factory.mktemp("sandbox") / "sandbox.db")
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client(DEMO) as c:
        yield c


@pytest.fixture
def other_client(server: Server) -> Iterator[httpx.Client]:
    with server.client(OTHER) as c:
        yield c


@pytest.fixture
def readonly_client(server: Server) -> Iterator[httpx.Client]:
    with server.client(READ_ONLY) as c:
        yield c
