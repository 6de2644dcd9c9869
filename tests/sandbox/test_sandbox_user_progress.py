"""User progress end to end: sandbox-only routes record activity, the v3 user view reports it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.clock import at, days_from_now
from tests.sandbox.sandbox_samples import create_group, target, unique
from tests.sandbox.sandbox_spec_check import conformance_errors

pytestmark = pytest.mark.slow


def capillary(iso: str) -> str:
    """`2031-06-01T10:00:00Z` as Capillary's timestamps print it: `2031-06-01T10:00:00.000+0000`."""
    return iso.removesuffix("Z") + ".000+0000"


def checked(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    errors = conformance_errors(
        response.request.method, response.request.url.path, 200, response.json()
    )
    assert not errors, errors
    return response.json()["data"]


def view(client: httpx.Client, user: int, **query: str) -> dict[int, Any]:
    data = checked(client.get(f"/v3/users/{user}/targetGroups", params=query))
    return {g["id"]: g for g in data["targetGroups"]}


def weeks(count: int, first: int) -> list[dict[str, str]]:
    return [
        {
            "startDate": days_from_now(first + 7 * i),
            "endDate": days_from_now(first + 7 * i + 6),
            "refCode": f"W{i + 1}",
        }
        for i in range(count)
    ]


def test_kpis_from_transactions(client: httpx.Client) -> None:
    kpis = ["COUNT", "SALES", "GROSS_SALES", "QUANTITY", "VISIT"]
    data = create_group(
        client,
        "UNIFIED",
        periods=[{"startDate": days_from_now(-3), "endDate": days_from_now(3)}],
        targets=[target(k, targetType=k, defaultValues=[{"defaultValue": 2}]) for k in kpis],
    )
    user = 9001
    for offset, amount, gross, qty in [
        (-2, 10, 12, 1),
        (-2, 5, 6, 3),
        (-1, 7, 9, 2),
        (-20, 999, 999, 9),
    ]:
        checked(
            client.post(
                f"/sandbox/users/{user}/transactions",
                json={
                    "occurredOn": at(offset),
                    "amount": amount,
                    "grossAmount": gross,
                    "quantity": qty,
                },
            )
        )
    group = view(client, user)[data["id"]]
    achieved = {t["targetType"]: t["targetAchievedValue"] for t in group["targets"]}
    assert achieved == {"COUNT": 3, "SALES": 22, "GROSS_SALES": 27, "QUANTITY": 6, "VISIT": 2}
    by_type = {t["targetType"]: t for t in group["targets"]}
    assert by_type["VISIT"]["targetAchievedDateTimeISO"] == at(-1)
    assert by_type["COUNT"]["targetAchievedDateTimeISO"] == at(-2)
    assert all(t["currentPeriod"] for t in group["targets"])
    assert by_type["SALES"]["milestones"][0]["isAchieved"] is True
    assert by_type["SALES"]["enrolledOnISO"] == at(-2)


def test_events_and_explicit_enrolment(client: httpx.Client) -> None:
    steps = target(
        "steps",
        targetEntity="EVENT",
        eventName="walk",
        targetType="EVENT_ATTRIBUTE",
        enrolmentMethod="IMPORT",
        extendedFieldInfo={"name": "steps", "aggregateFunction": "SUM"},
        defaultValues=[{"defaultValue": 10000}],
    )
    emf = target(
        "redeem",
        targetEntity="EVENT",
        eventName="PointsRedemption",
        targetType="COUNT",
        enrolmentMethod="IMPORT",
        defaultValues=[{"defaultValue": 5}],
    )
    data = create_group(
        client,
        "UNIFIED",
        periods=[{"startDate": days_from_now(-3), "endDate": days_from_now(3)}],
        targets=[steps, emf],
    )
    user = 9002
    for steps_count in (4000, 7000):
        checked(
            client.post(
                f"/sandbox/users/{user}/events",
                json={
                    "eventName": "walk",
                    "occurredOn": at(-1),
                    "attributes": {"steps": steps_count},
                },
            )
        )
    checked(
        client.post(
            f"/sandbox/users/{user}/events",
            json={"eventName": "PointsRedemption", "occurredOn": at(0, 1)},
        )
    )
    # IMPORT targets do not enrol on activity: the group is absent until the customer is enrolled.
    assert data["id"] not in view(client, user)
    enrolment = checked(
        client.post(f"/sandbox/users/{user}/enrolments", json={"targetGroupId": data["id"]})
    )
    assert enrolment["targetGroupId"] == data["id"]
    group = view(client, user)[data["id"]]
    achieved = {
        t["targetName"]: (t["targetAchievedValue"], t["targetAchievedDateTime"])
        for t in group["targets"]
    }
    # 10000 steps were reached by the second walk; the redemption target (5) is not reached.
    assert achieved["steps"] == (11000, capillary(at(-1)))
    assert achieved["redeem"] == (1, None)
    activities = checked(client.get(f"/sandbox/users/{user}/activities"))
    assert [a["kind"] for a in activities] == ["EVENT", "EVENT", "EVENT"]


def test_streak_levels(client: httpx.Client) -> None:
    data = create_group(
        client,
        "STREAKS",
        name=unique("streak"),
        periods=weeks(4, -21),  # three ended weeks and the current one
        targets=[target("weekly", targetType="COUNT", defaultValues=[{"defaultValue": 1}] * 4)],
        streaks=[
            {"name": "two", "targetCountOfSequence": 2},
            {"name": "three", "targetCountOfSequence": 3},
        ],
    )
    user = 9003
    for offset in (-20, -13, 1):  # weeks 1 and 2 achieved, week 3 missed, week 4 (current) achieved
        if offset <= 0:
            checked(
                client.post(
                    f"/sandbox/users/{user}/transactions",
                    json={"occurredOn": at(offset), "amount": 1},
                )
            )
    group = view(client, user, includeInactive="true")[data["id"]]
    levels = {s["streakName"]: s for s in group["streaks"]}
    assert (levels["two"]["status"], levels["two"]["currentCount"]) == ("ACHIEVED", 2)
    assert levels["two"]["streakAchievedDateTime"] == capillary(at(-13))
    assert (levels["three"]["status"], levels["three"]["currentCount"]) == ("NOT_STARTED", 0)
    assert len(group["targets"]) == 4
    week2 = next(t for t in group["targets"] if t["periodRefCode"] == "W2")
    assert week2["streakAchievedDateTime"] == capillary(at(-13))
    checked(
        client.post(
            f"/sandbox/users/{user}/transactions", json={"occurredOn": at(-7, 23), "amount": 1}
        )
    )
    levels = {s["streakName"]: s for s in view(client, user)[data["id"]]["streaks"]}
    # Week 3 now achieved too: the run is 3 long.
    assert levels["three"]["status"] == "ACHIEVED"
    current_only = view(client, user)[data["id"]]["targets"]
    assert [t["periodRefCode"] for t in current_only] == ["W4"]


def test_filters_and_unknown_user(client: httpx.Client) -> None:
    data = create_group(
        client,
        periods=[{"startDate": days_from_now(-1), "endDate": days_from_now(1)}],
        targets=[target("a"), target("b", targetType="COUNT")],
    )
    user = 9004
    checked(
        client.post(
            f"/sandbox/users/{user}/transactions", json={"occurredOn": at(0, 0), "amount": 3}
        )
    )
    rule = data["targets"][1]["id"]
    only = view(client, user, targetRuleId=str(rule))[data["id"]]["targets"]
    assert [t["targetRuleId"] for t in only] == [rule]
    client.delete(f"/v3/targetGroups/{data['id']}/targets/{rule}")
    assert [t["targetName"] for t in view(client, user)[data["id"]]["targets"]] == ["a"]
    assert len(view(client, user, includeInactiveTargets="true")[data["id"]]["targets"]) == 2
    unknown = client.get("/v3/users/123456789/targetGroups")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["code"] == 310011
    assert (
        client.post("/sandbox/users/1/enrolments", json={"targetGroupId": 999999}).status_code
        == 404
    )
