"""Stored group documents always equal a live render (in-process app, no server needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.resources import target_groups
from sandbox.resources.materialized import WITH_DOCS, group_json
from sandbox.store import Store
from tests.clock import days_from_now
from tests.sandbox.inprocess import InProcess, inprocess_sandbox
from tests.sandbox.sandbox_samples import group, target


@pytest.fixture
def box(tmp_path: Path) -> Iterator[InProcess]:
    with inprocess_sandbox(tmp_path) as running:
        yield running


@pytest.fixture
def client(box: InProcess) -> Iterator[httpx.Client]:
    with box.client() as c:
        yield c


def _data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _assert_fresh(store: Store, now: int) -> None:
    rows = store.db.execute(WITH_DOCS).fetchall()
    assert rows
    for row in rows:
        for with_periods in (True, False):
            live = target_groups.render(store.db, row, with_periods=with_periods, now=now)
            stored = json.loads(group_json(store.db, row, with_periods=with_periods, now=now))
            assert row["valid_until"] is not None and now < row["valid_until"], row["id"]
            assert stored == live, row["id"]


def test_every_write_keeps_the_stored_document_current(
    box: InProcess, client: httpx.Client
) -> None:
    store = box.store
    _assert_fresh(store, box.clock())
    created = _data(client.post("/v3/targetGroups", json=group("UNIFIED")))
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
            [{"startDate": days_from_now(120), "endDate": days_from_now(121)}],
        ),
        (
            "PUT",
            f"/v3/targetGroups/{gid}/targetPeriods",
            [
                {
                    "id": period,
                    "description": "p",
                    "startDate": days_from_now(31),
                    "endDate": days_from_now(49),
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
        before = store.db.execute(
            "SELECT full_json FROM group_docs WHERE group_id = ?", (gid,)
        ).fetchone()[0]
        _data(client.request(method, url, json=body))
        _assert_fresh(store, box.clock())
        row = store.db.execute(f"{WITH_DOCS} WHERE g.id = ?", (gid,)).fetchone()
        # Every write changes what the group renders, so its stored document was replaced.
        assert row["full_json"] != before, (method, url)
        fetched = _data(client.get(f"/v3/targetGroups/{gid}"))
        assert fetched == json.loads(row["full_json"])


def test_a_document_past_a_period_boundary_is_not_used(
    box: InProcess, client: httpx.Client
) -> None:
    store = box.store
    gid = _data(client.post("/v3/targetGroups", json=group()))["id"]
    # A marker document shows whether reads use the stored copy or render live.
    store.db.execute("UPDATE group_docs SET full_json = '{}' WHERE group_id = ?", (gid,))
    until = store.db.execute(
        "SELECT valid_until FROM group_docs WHERE group_id = ?", (gid,)
    ).fetchone()[0]
    box.clock.advance(ms=until - 1 - box.clock())
    assert _data(client.get(f"/v3/targetGroups/{gid}")) == {}
    # At the first period's start its status changes, so the read renders live instead.
    box.clock.advance(ms=1)
    fetched = _data(client.get(f"/v3/targetGroups/{gid}"))
    assert fetched["id"] == gid
    assert [p["periodStatus"] for p in fetched["periods"]] == ["RUNNING", "NOT_STARTED"]
