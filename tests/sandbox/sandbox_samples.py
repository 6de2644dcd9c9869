"""Valid request bodies per operation, and a way to fill path parameters with real ids.

Dates are relative to the tests' now (tests/clock.py): a group's default periods have not
started yet, whatever the date the suite runs at.
"""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.clock import at, days_from_now

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix} {next(_counter)}"


def target(name: str = "t", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "targetEntity": "TRANSACTION",
        "targetType": "SALES",
        "enrolmentMethod": "TRANSACTION",
        "defaultValues": [{"defaultValue": 100}, {"defaultValue": "250.50"}],
    }
    body.update(overrides)
    return body


def future_periods() -> list[dict[str, Any]]:
    """Two back-to-back 30-day periods starting 30 days from now: the second given as
    date-times, the first as dates (both forms are valid)."""
    return [
        {"startDate": days_from_now(30), "endDate": days_from_now(59), "refCode": "Cycle_1"},
        {
            "startDate": f"{days_from_now(60)}T00:00:00.000Z",
            "endDate": f"{days_from_now(89)}T23:59:59.999Z",
            "refCode": "Cycle_2",
        },
    ]


def group(tracking: str = "DEFAULT", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": unique(f"{tracking} group"),
        "trackingType": tracking,
        "targetEvaluationType": "FIXED_CALENDAR_WINDOW",
        "frequencyType": "MONTHLY",
        "frequency": 1,
        "totalPeriods": 2,
        "recurringCycles": 0,
        "preferredTillId": 75000001,
        "periods": future_periods(),
        "targets": [target()],
    }
    if tracking == "UNIFIED":
        body["combinationType"] = "ALL"
        body["unifiedTargetExpression"] = {"aggregation": "SUM", "thresholdValue": 500}
        body["targets"] = [target("a"), target("b", targetType="COUNT")]
    if tracking in ("STREAKS", "NON_CONTINUOUS_STREAKS"):
        body["streaks"] = [{"name": "two", "targetCountOfSequence": 2}]
    body.update(overrides)
    return body


def create_group(
    client: httpx.Client, tracking: str = "DEFAULT", **overrides: Any
) -> dict[str, Any]:
    response = client.post("/v3/targetGroups", json=group(tracking, **overrides))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def bodies(group_id: int, target_id: int, period_id: int) -> dict[str, Any]:
    """A valid body for every operation that takes one."""
    return {
        "createTargetGroup": group(),
        "updateTargetGroup": {"name": unique("renamed"), "description": "new"},
        "checkNameValidity": {"type": "targetGroupName", "value": "free name"},
        "createTargetPeriods": [{"startDate": days_from_now(90), "endDate": days_from_now(119)}],
        "updateTargetPeriods": [
            {
                "id": period_id,
                "description": "d",
                "startDate": days_from_now(30),
                "endDate": days_from_now(58),
            }
        ],
        "createTargets": [target("extra")],
        "updateTarget": {"name": "edited", "targetType": "SALES", "expression": "true"},
        "updateUnifiedTargets": {"unifiedTargetExpression": {"thresholdValue": 10}},
        "upsertTargetCommunications": [
            {"channelId": 1, "communicationType": "START", "messageTemplate": "Hi"}
        ],
        "generateOauthToken": {"key": "demo-key", "secret": "demo-secret"},
        "createUserEnrolment": {"targetGroupId": group_id},
        "createUserTransaction": {"occurredOn": at(34), "amount": 10},
        "createUserEvent": {"eventName": "walk", "occurredOn": at(34)},
    }


def fill_path(path: str, group_id: int, target_id: int, user_id: int = 501) -> str:
    return (
        path.replace("{targetGroupId}", str(group_id))
        .replace("{targetId}", str(target_id))
        .replace("{userId}", str(user_id))
    )
