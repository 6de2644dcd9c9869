"""Concurrent writers and crash durability, against the real server process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.seed import DEMO
from tests.sandbox.sandbox_samples import group
from tests.sandbox.sandbox_server import Server, start_server, stop_server

pytestmark = pytest.mark.slow
WRITERS = 8
CREATES_EACH = 100
# Acknowledged creates to wait for before the kill: enough that losing some would show.
BEFORE_KILL = 50
# Only a bound on a broken server; a working one reaches BEFORE_KILL in well under a second.
ACK_TIMEOUT_SECONDS = 60


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path / "sandbox.db")
    try:
        yield running
    finally:
        stop_server(running)


def test_concurrent_writers(fresh: Server) -> None:
    results: list[list[tuple[int, int | None]]] = [[] for _ in range(WRITERS)]

    def writer(index: int) -> None:
        with fresh.client(DEMO) as client:
            for n in range(CREATES_EACH):
                response = client.post("/v3/targetGroups", json=group(name=f"zqw{index}-{n}"))
                data = response.json()["data"] if response.status_code == 200 else None
                results[index].append((response.status_code, data["id"] if data else None))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    statuses = [status for per in results for status, _ in per]
    assert len(statuses) == WRITERS * CREATES_EACH
    assert all(status < 500 for status in statuses)
    assert set(statuses) == {200}
    ids = [group_id for per in results for _, group_id in per]
    assert len(set(ids)) == len(ids)
    with fresh.client(DEMO) as client:
        listed = client.get("/v3/milestones", params={"limit": 1000, "name": "zqw"}).json()
        names = {g["name"] for g in listed["data"]}
        assert listed["pagination"]["total"] == WRITERS * CREATES_EACH
        assert names == {f"zqw{i}-{n}" for i in range(WRITERS) for n in range(CREATES_EACH)}
        for group_id in ids[::37]:
            assert client.get(f"/v3/targetGroups/{group_id}").status_code == 200


def test_kill_9_under_write_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    server = start_server(db)
    acknowledged: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()

    def writer(index: int) -> None:
        with server.client(DEMO, timeout=5.0) as client:
            n = 0
            while not stop.is_set() and n < 2000:
                n += 1
                try:
                    response = client.post("/v3/targetGroups", json=group(name=f"k{index}-{n}"))
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    with lock:
                        acknowledged.append(response.json()["data"]["id"])
                        if len(acknowledged) >= BEFORE_KILL:
                            enough.set()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    try:
        for thread in threads:
            thread.start()
        # Kill once enough creates were acknowledged, while the writers keep writing.
        assert enough.wait(ACK_TIMEOUT_SECONDS), f"only {len(acknowledged)} creates acknowledged"
        stop_server(server, kill=True)  # SIGKILL mid-load: no shutdown hook runs
    finally:
        stop.set()
        stop_server(server, kill=True)  # a no-op unless the wait above failed
        for thread in threads:
            thread.join(timeout=30)
    assert len(acknowledged) >= BEFORE_KILL
    restarted = start_server(db, reset=False)
    try:
        with restarted.client(DEMO) as client:
            missing = [
                i for i in acknowledged if client.get(f"/v3/targetGroups/{i}").status_code != 200
            ]
        assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged creates lost"
    finally:
        stop_server(restarted)
