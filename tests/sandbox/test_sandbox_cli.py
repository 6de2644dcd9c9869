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
    for word in (
        "--host",
        "--port",
        "--db",
        "--reset",
        "--now",
        "SANDBOX_PORT",
        "SANDBOX_NOW",
        "/sandbox/openapi.yaml",
    ):
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


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--now", "2031-02-30"], {}),
        (["--now", "next tuesday"], {}),
        ([], {"SANDBOX_NOW": "2031/06/01"}),
    ],
    ids=["impossible-day", "words", "env"],
)
def test_bad_now_is_one_line(tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
    result = run(*args, "--port", "0", "--db", str(tmp_path / "x.db"), env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sandbox: error: --now (or SANDBOX_NOW): not an ISO date")
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--now", "2031-06-01T09:30:00+02:00"], {}), ([], {"SANDBOX_NOW": "2031-06-01T07:30:00Z"})],
    ids=["flag", "env"],
)
def test_now_starts_the_clock(tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
    server = start_server(tmp_path / "now.db", env=env, clock_args=args)
    try:
        assert "clock           from 2031-06-01T07:30:00Z" in server.banner
        with server.client() as client:
            listed = client.get("/v3/targetGroups", params={"includePeriods": "true"})
            created = client.post(
                "/v3/targetGroups",
                json={"name": "on the clock", "trackingType": "DEFAULT", "totalPeriods": 1},
            )
    finally:
        stop_server(server)
    monthly = next(g for g in listed.json()["data"] if g["name"] == "Spend 5000 in 30 days")
    assert [(p["startDate"], p["periodStatus"]) for p in monthly["periods"]] == [
        ("2031-05-02", "ENDED"),
        ("2031-06-01", "RUNNING"),
        ("2031-07-01", "NOT_STARTED"),
    ]
    # The clock then runs on from its start (the test allows it ten minutes).
    stamp = created.json()["data"]["attribution"]["createdOnISO"]
    assert "2031-06-01T07:30:00Z" <= stamp < "2031-06-01T07:40:00Z"


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
            kept = client.get("/v3/milestones", params={"name": "persisted"}).json()["data"]
            assert [g["id"] for g in kept] == [created.json()["data"]["id"]]
    finally:
        stop_server(server)
    server = start_server(db, reset=True)
    try:
        with server.client() as client:
            page = client.get("/v3/milestones", params={"name": "persisted"}).json()
            assert page["data"] == [] and page["pagination"]["total"] == 0
            # A reset database is seeded again.
            assert len(client.get("/v3/targetGroups").json()["data"]) == 7
    finally:
        stop_server(server)
