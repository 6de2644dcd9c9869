"""Stored group documents always equal a live render (in-process app, no server needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.app import Settings, create_app
from sandbox.resources import target_groups
from sandbox.resources.materialized import WITH_DOCS, group_json
from sandbox.seed import DEMO
from sandbox.store import Store
from sandbox.timefmt import now_ms
from tests.sandbox.sandbox_samples import group, target


@pytest.fixture
def app_and_store(tmp_path: Path) -> Iterator[tuple[_Sync, Store]]:
    store = Store(tmp_path / "m.db")
    app = create_app(Settings(db=str(tmp_path / "m.db")), store)
    transport = httpx.ASGITransport(app=app)
    client = httpx.AsyncClient(transport=transport, base_url="http://sandbox")
    yield _Sync(client), store
    store.close()


class _Sync:
    """A synchronous face over the ASGI client, enough for these tests."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.headers = {"Authorization": DEMO.basic_header}

    def request(self, method: str, url: str, body: object = None) -> httpx.Response:
        import asyncio  # noqa: PLC0415

        return asyncio.run(self.client.request(method, url, json=body, headers=self.headers))


def _assert_fresh(store: Store) -> None:
    now = now_ms()
    for row in store.db.execute(WITH_DOCS):
        for with_periods in (True, False):
            live = target_groups.render(store.db, row, with_periods=with_periods, now=now)
            stored = json.loads(group_json(store.db, row, with_periods=with_periods, now=now))
            assert row["valid_until"] is not None
            assert stored == live, row["id"]


def test_every_write_keeps_the_stored_document_current(
    app_and_store: tuple[_Sync, Store],
) -> None:
    client, store = app_and_store
    _assert_fresh(store)
    created = client.request("POST", "/v3/targetGroups", group("UNIFIED")).json()["data"]
    gid, first = created["id"], created["targets"][0]["id"]
    period = created["periods"][0]["id"]
    writes = [
        (
            "PUT",
            f"/v3/targetGroups/editTargetGroup/{gid}",
            {"name": "renamed x", "description": "d"},
        ),
        (
            "POST",
            f"/v3/targetGroups/{gid}/targetPeriods",
            [{"startDate": "2031-01-01", "endDate": "2031-01-02"}],
        ),
        (
            "PUT",
            f"/v3/targetGroups/{gid}/targetPeriods",
            [
                {
                    "id": period,
                    "description": "p",
                    "startDate": "2030-01-02",
                    "endDate": "2030-01-20",
                }
            ],
        ),
        ("POST", f"/v3/targetGroups/{gid}/targets", [target("new")]),
        (
            "PUT",
            f"/v3/targetGroups/{gid}/targets/{first}",
            {"name": "edited", "targetType": "COUNT"},
        ),
        (
            "PUT",
            f"/v3/targetGroups/{gid}/unifiedTargets",
            {"unifiedTargetExpression": {"thresholdValue": 3}},
        ),
        ("DELETE", f"/v3/targetGroups/{gid}/targets/{first}", None),
    ]
    for method, url, body in writes:
        response = client.request(method, url, body)
        assert response.status_code == 200, response.text
        _assert_fresh(store)
        fetched = client.request("GET", f"/v3/targetGroups/{gid}").json()["data"]
        row = store.db.execute(f"{WITH_DOCS} WHERE g.id = ?", (gid,)).fetchone()
        assert fetched == json.loads(group_json(store.db, row, with_periods=True, now=now_ms()))


def test_a_document_past_a_period_boundary_is_not_used(app_and_store: tuple[_Sync, Store]) -> None:
    client, store = app_and_store
    gid = client.request("POST", "/v3/targetGroups", group()).json()["data"]["id"]
    store.db.execute("UPDATE group_docs SET full_json = '{}' WHERE group_id = ?", (gid,))
    assert client.request("GET", f"/v3/targetGroups/{gid}").json()["data"] == {}
    # Once the clock passes valid_until, the read renders live instead.
    store.db.execute(
        "UPDATE group_docs SET valid_until = ? WHERE group_id = ?", (now_ms() - 1, gid)
    )
    assert client.request("GET", f"/v3/targetGroups/{gid}").json()["data"]["id"] == gid
