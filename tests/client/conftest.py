"""Fixtures of the SDK tests: a real sandbox process and the fault-injecting server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .fault_server import FaultServer, running_fault_server

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0

# The seeded demo credentials the sandbox prints at start (sandbox/seed.py).
DEMO_USERNAME, DEMO_PASSWORD = "demo.till", "demo123"
DEMO_OAUTH_KEY, DEMO_OAUTH_SECRET = "demo-key", "demo-secret"
READ_ONLY_USERNAME, READ_ONLY_PASSWORD = "demo.readonly", "readonly123"


@dataclass(frozen=True)
class Sandbox:
    base_url: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(sandbox: Sandbox, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    auth = httpx.BasicAuth(DEMO_USERNAME, "unused")  # any answer means the server is up
    while time.monotonic() < deadline:
        if sandbox.process.poll() is not None:
            raise RuntimeError(f"sandbox exited early:\n{log.read_text(errors='replace')}")
        try:
            httpx.get(sandbox.base_url + "/v3/targetGroups/channels", auth=auth, timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        return
    raise RuntimeError(f"sandbox not ready after {START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox process for the session, on a free port, with a fresh database file."""
    tmp = tmp_path_factory.mktemp("sdk-sandbox")
    port = _free_port()
    log = tmp / "sandbox.log"
    with log.open("wb") as out:
        command = [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--db", str(tmp / "sandbox.db"), "--reset"],
            cwd=REPO_ROOT,
            env=dict(os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    box = Sandbox(f"http://127.0.0.1:{port}", process)
    try:
        _wait_ready(box, log)
        yield box
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    with running_fault_server() as server:
        yield server
