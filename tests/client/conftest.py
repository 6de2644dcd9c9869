"""Fixtures of the SDK tests: a real sandbox process and the fault-injecting server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.process import Sandbox, running_sandbox
from tests import clock

from .fault_server import FaultServer, running_fault_server

REPO_ROOT = Path(__file__).resolve().parents[2]

# The seeded demo credentials the sandbox prints at start (sandbox/seed.py).
DEMO_USERNAME, DEMO_PASSWORD = "demo.till", "demo123"
DEMO_OAUTH_KEY, DEMO_OAUTH_SECRET = "demo-key", "demo-secret"
READ_ONLY_USERNAME, READ_ONLY_PASSWORD = "demo.readonly", "readonly123"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox process for the session, on a free port, with a fresh database file, its
    clock started at the tests' now (tests/clock.py)."""
    workdir = tmp_path_factory.mktemp("sdk-sandbox")
    with running_sandbox(workdir=workdir, args=clock.sandbox_args()) as box:
        yield box


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    with running_fault_server() as server:
        yield server
