"""`python -m sandbox`: help, banner, and start-up errors reported in one line (no traceback)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sandbox.sandbox_server import ROOT, start_server, stop_server

pytestmark = pytest.mark.slow


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os  # noqa: PLC0415

    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_help() -> None:
    result = run("--help")
    assert result.returncode == 0
    for word in ("--host", "--port", "--db", "--reset", "SANDBOX_PORT", "/sandbox/openapi.yaml"):
        assert word in result.stdout


def test_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("--port", str(port), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert "already in use" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("db", "message"),
    # As root, permission bits do not stop writes; /proc refuses files whoever asks.
    [("/nonexistent-dir/x.db", "does not exist"), ("/proc/x.db", "cannot")],
)
def test_unusable_db_path(db: str, message: str) -> None:
    result = run("--port", "0", "--db", db)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_bad_arguments() -> None:
    result = run("--port", "99999")
    assert result.returncode == 2 and "--port" in result.stderr
    result = run(env={"SANDBOX_PORT": "eighty"})
    assert (
        result.returncode == 2
        and "SANDBOX_PORT" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_banner_reset_and_persistence(tmp_path: Path) -> None:
    db = tmp_path / "keep.db"
    server = start_server(db)
    try:
        with server.client() as client:
            created = client.post(
                "/v3/targetGroups",
                json={"name": "persisted", "trackingType": "DEFAULT", "totalPeriods": 1},
            )
            assert created.status_code == 200
    finally:
        stop_server(server)
    server = start_server(db, reset=False)
    try:
        with server.client() as client:
            assert client.get("/v3/milestones", params={"name": "persisted"}).json()["data"]
    finally:
        stop_server(server)
    server = start_server(db, reset=True)
    try:
        with server.client() as client:
            assert not client.get("/v3/milestones", params={"name": "persisted"}).json()["data"]
    finally:
        stop_server(server)
