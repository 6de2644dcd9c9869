"""The sandbox reads one injected clock: seeding, period and milestone status, stored documents,
attribution times. In-process with a FakeClock, so time moves when the test says so."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.clock import parse_start, starting_at
from sandbox.timefmt import DAY_MS, EPOCH, iso_seconds
from tests.clock import FakeClock, now_ms
from tests.sandbox.inprocess import inprocess_sandbox
from tests.sandbox.sandbox_samples import group

TWENTY_YEARS_MS = 20 * 365 * DAY_MS


def date_of(ms: int) -> str:
    return (EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%d")


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.mark.parametrize("start", [now_ms(), now_ms() + TWENTY_YEARS_MS], ids=["now", "later"])
def test_seeded_demo_periods_surround_the_clocks_day(tmp_path: Path, start: int) -> None:
    with inprocess_sandbox(tmp_path, FakeClock(start)) as box, box.client() as client:
        groups = data(client.get("/v3/targetGroups", params={"includePeriods": "true"}))
    monthly = next(g for g in groups if g["name"] == "Spend 5000 in 30 days")
    today = start // DAY_MS * DAY_MS
    assert [(p["startDate"], p["endDate"], p["periodStatus"]) for p in monthly["periods"]] == [
        (date_of(today - 30 * DAY_MS), date_of(today - DAY_MS), "ENDED"),
        (date_of(today), date_of(today + 29 * DAY_MS), "RUNNING"),
        (date_of(today + 30 * DAY_MS), date_of(today + 59 * DAY_MS), "NOT_STARTED"),
    ]
    assert monthly["attribution"]["createdOnISO"] == iso_seconds(start)


def test_status_and_stored_documents_follow_the_clock(tmp_path: Path) -> None:
    # The sample group's two periods start 30 and 60 days from now and end after 89 days.
    with inprocess_sandbox(tmp_path) as box, box.client() as client:
        created = data(client.post("/v3/targetGroups", json=group()))
        gid, first, second = created["id"], *(p["id"] for p in created["periods"])

        def seen() -> tuple[list[str], int | None, list[int]]:
            fetched = data(client.get(f"/v3/targetGroups/{gid}"))
            active = fetched["activePeriod"]
            live = data(client.get("/v3/milestones", params={"status": "LIVE", "limit": 100}))
            return (
                [p["periodStatus"] for p in fetched["periods"]],
                active["id"] if active else None,
                [g["id"] for g in live if g["id"] == gid],
            )

        assert seen() == (["NOT_STARTED", "NOT_STARTED"], None, [])
        box.clock.advance(ms=30 * DAY_MS)
        assert seen() == (["RUNNING", "NOT_STARTED"], first, [gid])
        box.clock.advance(ms=30 * DAY_MS)
        assert seen() == (["ENDED", "RUNNING"], second, [gid])
        box.clock.advance(ms=30 * DAY_MS)
        assert seen() == (["ENDED", "ENDED"], None, [])
        ended = data(client.get("/v3/milestones", params={"status": "ENDED", "limit": 100}))
        assert gid in [g["id"] for g in ended]


def test_attribution_and_period_rules_use_the_clock(tmp_path: Path) -> None:
    with inprocess_sandbox(tmp_path) as box, box.client() as client:
        created = data(client.post("/v3/targetGroups", json=group()))
        assert created["attribution"]["createdOnISO"] == iso_seconds(box.clock())
        box.clock.advance(ms=45 * DAY_MS)
        renamed = data(
            client.put(f"/v3/targetGroups/editTargetGroup/{created['id']}", json={"name": "moved"})
        )
        assert renamed["attribution"]["lastUpdatedOnISO"] == iso_seconds(box.clock())
        assert renamed["attribution"]["createdOnISO"] == created["attribution"]["createdOnISO"]
        # 45 days on, the first period runs: its start may no longer move.
        period = created["periods"][0]
        moved = client.put(
            f"/v3/targetGroups/{created['id']}/targetPeriods",
            json=[
                {
                    "id": period["id"],
                    "description": "d",
                    "startDate": date_of(box.clock() + DAY_MS),
                    "endDate": period["endDate"],
                }
            ],
        )
        assert moved.status_code == 400, moved.text
        assert "RUNNING" in moved.json()["errors"][0]["message"]


def test_docs_are_served_once_built(tmp_path: Path) -> None:
    index = tmp_path / "index.html"
    with inprocess_sandbox(tmp_path, docs_index=index) as box, box.client(None) as client:
        missing = client.get("/docs")
        assert missing.status_code == 404
        assert missing.json()["errors"][0]["code"] == 404
        assert "make docs" in missing.json()["errors"][0]["message"]
        index.write_bytes(b"<!doctype html><title>Target groups</title>")
        built = client.get("/docs")
        assert built.status_code == 200
        assert built.headers["content-type"] == "text/html; charset=utf-8"
        assert built.content == index.read_bytes()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2031-06-01", "2031-06-01T00:00:00Z"),
        ("2031-06-01T09:30:00Z", "2031-06-01T09:30:00Z"),
        ("2031-06-01T09:30", "2031-06-01T09:30:00Z"),
        ("2031-06-01T15:00:00+05:30", "2031-06-01T09:30:00Z"),
        (" 1999-12-31 ", "1999-12-31T00:00:00Z"),
    ],
)
def test_parse_start(text: str, expected: str) -> None:
    assert iso_seconds(parse_start(text)) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "2031-13-01", "2031-02-30", "31-06-01", "2031"])
def test_parse_start_refuses_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO date or date-time"):
        parse_start(text)


def test_starting_at_advances_with_real_time() -> None:
    ticks = iter([5_000_000_000, 5_000_000_000, 7_250_000_000])
    clock = starting_at(1_000, ticks=lambda: next(ticks))
    assert clock() == 1_000
    assert clock() == 1_000 + 2_250
