"""Every operation's happy path and business rules, over real HTTP to `python -m sandbox`.

Every response is checked against the response schema the spec documents for its status.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from sandbox.openapi import BUNDLE_JSON, BUNDLE_YAML, SANDBOX_SPEC
from tests.clock import days_from_now
from tests.sandbox.sandbox_samples import create_group, group, target, unique
from tests.sandbox.sandbox_server import Server
from tests.sandbox.sandbox_spec_check import conformance_errors

pytestmark = pytest.mark.slow
SERVED: dict[str, tuple[Path, str]] = {
    "/openapi.yaml": (BUNDLE_YAML, "application/yaml"),
    "/openapi.json": (BUNDLE_JSON, "application/json"),
    "/sandbox/openapi.yaml": (SANDBOX_SPEC, "application/yaml"),
}


def ok(response: httpx.Response, status: int = 200) -> Any:
    """Assert status, the request-id header and spec conformance; return `data`."""
    assert response.status_code == status, response.text
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-cap-requestid"])
    body = response.json()
    errors = conformance_errors(
        response.request.method, response.request.url.path, response.status_code, body
    )
    assert not errors, errors
    return body.get("data", body)


def error(response: httpx.Response, status: int, code: int | None = None) -> str:
    ok(response, status)
    errors = response.json()["errors"]
    if code is not None:
        assert errors[0]["code"] == code, errors
    message: str = errors[0]["message"]
    return message


# --- target groups -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tracking", ["DEFAULT", "UNIFIED", "STREAKS", "NON_CONTINUOUS_STREAKS", "CAPPING"]
)
def test_create_each_tracking_type(client: httpx.Client, tracking: str) -> None:
    data = ok(client.post("/v3/targetGroups", json=group(tracking)))
    assert data["id"] > 0 and data["trackingType"] == tracking
    assert data["attribution"]["createdBy"]["code"] == "demo.till"
    assert data["attribution"]["createdOnISO"].endswith("Z")
    assert [p["startDate"] for p in data["periods"]] == [days_from_now(30), days_from_now(60)]
    assert [p["endDate"] for p in data["periods"]] == [days_from_now(59), days_from_now(89)]
    assert data["targetCycleStartDate"] == f"{days_from_now(30)}T00:00:00.000Z"
    assert data["targetCycleEndDate"] == f"{days_from_now(89)}T23:59:59.999Z"
    assert all(p["periodStatus"] == "NOT_STARTED" for p in data["periods"])
    first = data["targets"][0]
    assert [v["defaultValue"] for v in first["defaultValues"]] == [100, 250.5]
    assert first["defaultValues"][0]["periodId"] == data["periods"][0]["id"]
    assert set(first["targetPeriodDefaultValuesMap"]) == {str(p["id"]) for p in data["periods"]}
    if tracking == "UNIFIED":
        ids = [t["id"] for t in data["targets"]]
        assert data["unifiedTargetExpression"]["ruleExpression"] == f"({ids[0]} & {ids[1]})"
    if tracking.endswith("STREAKS"):
        assert data["streaks"][0]["targetCountOfSequence"] == 2
    # The created group reads back the same.
    again = ok(client.get(f"/v3/targetGroups/{data['id']}"))
    assert again["name"] == data["name"] and again["targets"] == data["targets"]


def test_unified_any_uses_or(client: httpx.Client) -> None:
    data = create_group(client, "UNIFIED", combinationType="ANY")
    a, b = (t["id"] for t in data["targets"])
    assert data["unifiedTargetExpression"]["ruleExpression"] == f"({a} | {b})"


def test_behavioural_and_emf_event_targets(client: httpx.Client) -> None:
    steps = target(
        "steps",
        targetEntity="EVENT",
        eventName="walk",
        targetType="EVENT_ATTRIBUTE",
        extendedFieldInfo={"name": "steps", "aggregateFunction": "SUM"},
    )
    emf = target("redeem", targetEntity="EVENT", eventName="PointsRedemption", targetType="VISIT")
    data = create_group(client, targets=[steps, emf])
    assert data["targets"][0]["extendedFieldInfo"] == {"name": "steps", "aggregateFunction": "SUM"}
    assert data["targets"][1]["eventName"] == "PointsRedemption"


def test_unknown_request_members_are_ignored_not_echoed(client: httpx.Client) -> None:
    data = create_group(client, surprise={"x": 1}, targets=[target(extra=True)])
    assert "surprise" not in data and "extra" not in data["targets"][0]


def test_name_unique_per_org_case_insensitive(
    client: httpx.Client, other_client: httpx.Client
) -> None:
    name = unique("Summer Spend")
    create_group(client, name=name)
    error(client.post("/v3/targetGroups", json=group(name=name.upper())), 409, 310069)
    # Another org may use the same name.
    ok(other_client.post("/v3/targetGroups", json=group(name=name)))


def test_name_too_long_is_310008(client: httpx.Client) -> None:
    error(client.post("/v3/targetGroups", json=group(name="n" * 201)), 400, 310008)
    body = group(targets=[target("t" * 201)])
    error(client.post("/v3/targetGroups", json=body), 400, 310008)


def test_invalid_entity_type_combination_is_310033(client: httpx.Client) -> None:
    body = group(targets=[target(targetEntity="EVENT", eventName="walk", targetType="SALES")])
    message = error(client.post("/v3/targetGroups", json=body), 400, 310033)
    assert "EVENT" in message
    emf = group(
        targets=[
            target(
                targetEntity="EVENT",
                eventName="ReturnBill",
                targetType="EVENT_ATTRIBUTE",
                extendedFieldInfo={"name": "x", "aggregateFunction": "SUM"},
            )
        ]
    )
    error(client.post("/v3/targetGroups", json=emf), 400, 310033)


def test_rule_metadata_required_is_310094(client: httpx.Client) -> None:
    body = group(targets=[target(targetType="EXTENDED_FIELD")])
    error(client.post("/v3/targetGroups", json=body), 400, 310094)


def test_leaderboard_rules(client: httpx.Client, other_client: httpx.Client) -> None:
    cyclic = group(leaderboardEnabled=True, targetEvaluationType="CYCLIC_WINDOW")
    error(client.post("/v3/targetGroups", json=cyclic), 400, 310132)
    # The other org has no leaderboards.
    error(other_client.post("/v3/targetGroups", json=group(leaderboardEnabled=True)), 400, 310133)
    assert ok(client.post("/v3/targetGroups", json=group(leaderboardEnabled=True)))[
        "leaderboardEnabled"
    ]


def test_list_target_groups_filters(client: httpx.Client) -> None:
    mine = create_group(client, userCreated=True)
    stopped = create_group(client, active=False)
    listed = {g["id"]: g for g in ok(client.get("/v3/targetGroups"))}
    assert mine["id"] not in listed and stopped["id"] in listed
    assert "periods" not in listed[stopped["id"]]
    with_user = ok(
        client.get("/v3/targetGroups", params={"includeUserCreatedTargetGroups": "true"})
    )
    assert mine["id"] in {g["id"] for g in with_user}
    active = ok(
        client.get(
            "/v3/targetGroups", params={"includeOnlyActive": "true", "includePeriods": "true"}
        )
    )
    assert stopped["id"] not in {g["id"] for g in active}
    assert all("periods" in g for g in active)


def test_get_missing_and_malformed_ids(client: httpx.Client) -> None:
    error(client.get("/v3/targetGroups/999999"), 404, 404)
    assert "targetGroupId" in error(client.get("/v3/targetGroups/abc"), 400, 300004)
    error(client.get("/v3/targetGroups/0"), 400)


def test_update_target_group(client: httpx.Client) -> None:
    data = create_group(client)
    tid = data["targets"][0]["id"]
    body: dict[str, Any] = {
        "name": unique("Renamed"),
        "description": "changed",
        "preferredTillId": 7,
        "targets": [
            {
                "id": tid,
                "name": "new rule",
                "targetType": "SALES",
                "expression": "currentTxn.value>5",
            }
        ],
    }
    updated = ok(client.put(f"/v3/targetGroups/editTargetGroup/{data['id']}", json=body))
    assert (updated["name"], updated["description"], updated["preferredTillId"]) == (
        body["name"],
        "changed",
        7,
    )
    assert updated["targets"][0]["expression"] == "currentTxn.value>5"
    assert updated["attribution"]["lastUpdatedOn"] >= data["attribution"]["lastUpdatedOn"]
    taken = create_group(client)["name"]
    error(
        client.put(f"/v3/targetGroups/editTargetGroup/{data['id']}", json={"name": taken.lower()}),
        409,
        310069,
    )
    # Renaming to its own name in another case is fine.
    ok(
        client.put(
            f"/v3/targetGroups/editTargetGroup/{data['id']}", json={"name": body["name"].upper()}
        )
    )
    error(client.put("/v3/targetGroups/editTargetGroup/999999", json={"name": "x"}), 404)


def test_delete_target_group(client: httpx.Client) -> None:
    data = create_group(client)
    assert ok(client.delete(f"/v3/targetGroups/{data['id']}")) is True
    error(client.get(f"/v3/targetGroups/{data['id']}"), 404)
    error(client.get(f"/v3/targetGroups/{data['id']}/targets"), 404)
    error(client.delete(f"/v3/targetGroups/{data['id']}"), 404)
    # The name is free again.
    create_group(client, name=data["name"])


def test_check_name_validity(client: httpx.Client) -> None:
    data = create_group(client)

    def check(kind: str, value: str) -> Any:
        return ok(client.post("/v3/targetGroups/isValidName", json={"type": kind, "value": value}))

    assert check("targetGroupName", data["name"].swapcase()) is False
    assert check("targetGroupName", unique("free")) is True
    assert check("targetName", data["targets"][0]["name"]) is False
    assert check("periodName", "Cycle_1") is False
    error(
        client.post("/v3/targetGroups/isValidName", json={"type": "bogus", "value": "x"}),
        400,
        310145,
    )


# --- periods -----------------------------------------------------------------------------------


def test_periods_create_list_update(client: httpx.Client) -> None:
    data = create_group(client)
    gid = data["id"]
    created = ok(
        client.post(
            f"/v3/targetGroups/{gid}/targetPeriods",
            json=[
                {
                    "startDate": days_from_now(90),
                    "endDate": days_from_now(119),
                    "refCode": "Cycle_3",
                }
            ],
        )
    )
    assert created[0]["targetGroupId"] == gid and created[0]["periodStatus"] == "NOT_STARTED"
    listed = ok(client.get(f"/v3/targetGroups/{gid}/targetPeriods"))
    assert [p["refCode"] for p in listed] == ["Cycle_1", "Cycle_2", "Cycle_3"]
    # NOT_STARTED: both dates may move.
    moved = ok(
        client.put(
            f"/v3/targetGroups/{gid}/targetPeriods",
            json=[
                {
                    "id": created[0]["id"],
                    "description": "moved",
                    "startDate": days_from_now(120),
                    "endDate": days_from_now(149),
                }
            ],
        )
    )
    assert (moved[0]["startDate"], moved[0]["endDate"], moved[0]["description"]) == (
        days_from_now(120),
        days_from_now(149),
        "moved",
    )
    error(
        client.put(
            f"/v3/targetGroups/{gid}/targetPeriods",
            json=[
                {
                    "id": 999999,
                    "description": "x",
                    "startDate": days_from_now(120),
                    "endDate": days_from_now(149),
                }
            ],
        ),
        404,
    )


def test_running_and_ended_period_rules(client: httpx.Client) -> None:
    data = create_group(
        client,
        periods=[
            {"startDate": days_from_now(-60), "endDate": days_from_now(-31)},
            {"startDate": days_from_now(-30), "endDate": days_from_now(400)},
        ],
    )
    ended, running = data["periods"]
    assert (ended["periodStatus"], running["periodStatus"]) == ("ENDED", "RUNNING")
    url = f"/v3/targetGroups/{data['id']}/targetPeriods"
    msg = error(
        client.put(
            url,
            json=[
                {
                    "id": running["id"],
                    "description": "x",
                    "startDate": days_from_now(-29),
                    "endDate": days_from_now(400),
                }
            ],
        ),
        400,
        300004,
    )
    assert "only its endDate" in msg
    new_end = ok(
        client.put(
            url,
            json=[
                {
                    "id": running["id"],
                    "description": "x",
                    "startDate": days_from_now(-30),
                    "endDate": days_from_now(300),
                }
            ],
        )
    )
    assert new_end[0]["endDate"] == days_from_now(300)
    assert new_end[0]["periodStatus"] == "RUNNING"
    error(
        client.put(
            url,
            json=[
                {
                    "id": ended["id"],
                    "description": "x",
                    "startDate": days_from_now(-60),
                    "endDate": days_from_now(-32),
                }
            ],
        ),
        400,
        300004,
    )
    # The rejected update wrote nothing.
    assert ok(client.get(url))[0]["endDate"] == days_from_now(-31)


# --- targets -----------------------------------------------------------------------------------


def test_targets_create_list_update_deactivate(client: httpx.Client) -> None:
    data = create_group(client, "UNIFIED")
    gid = data["id"]
    added = ok(
        client.post(
            f"/v3/targetGroups/{gid}/targets", json=[target("third", targetType="QUANTITY")]
        )
    )
    tid = added[0]["id"]
    ids = [t["id"] for t in data["targets"]] + [tid]
    assert ok(client.get(f"/v3/targetGroups/{gid}"))["unifiedTargetExpression"][
        "ruleExpression"
    ] == "({} & {} & {})".format(*ids)
    listed = ok(client.get(f"/v3/targetGroups/{gid}/targets"))
    assert [t["id"] for t in listed] == ids
    values = listed[2]["defaultValues"]
    edited = ok(
        client.put(
            f"/v3/targetGroups/{gid}/targets/{tid}",
            json={
                "name": "third edited",
                "targetType": "QUANTITY",
                "filters": [{"entityType": "STORE", "entityIds": [7]}],
                "defaultValues": [{"id": values[0]["id"], "defaultValue": 42}],
            },
        )
    )
    assert edited["name"] == "third edited" and edited["filters"][0]["entityIds"] == [7]
    assert (
        edited["defaultValues"][0]["defaultValue"] == 42
        and edited["defaultValues"][1]["defaultValue"] == 250.5
    )
    assert ok(client.delete(f"/v3/targetGroups/{gid}/targets/{tid}")) is True
    after = ok(client.get(f"/v3/targetGroups/{gid}"))
    assert [t["active"] for t in after["targets"]] == [True, True, False]
    assert after["unifiedTargetExpression"]["ruleExpression"] == "({} & {})".format(*ids[:2])
    error(client.delete(f"/v3/targetGroups/{gid}/targets/999999"), 404)
    other = create_group(client)
    # A target id of another group is not found under this one.
    error(
        client.put(
            f"/v3/targetGroups/{other['id']}/targets/{tid}",
            json={"name": "x", "targetType": "SALES"},
        ),
        404,
    )


def test_create_targets_rules(client: httpx.Client) -> None:
    gid = create_group(client)["id"]
    error(
        client.post(f"/v3/targetGroups/{gid}/targets", json=[target(targetEntity="POINTS")]),
        400,
        310033,
    )
    error(client.post(f"/v3/targetGroups/{gid}/targets", json=[target("x" * 201)]), 400, 310008)
    assert len(ok(client.get(f"/v3/targetGroups/{gid}/targets"))) == 1


def test_update_unified_targets(client: httpx.Client) -> None:
    data = create_group(client, "UNIFIED")
    gid = data["id"]
    first, second = data["targets"]
    result = ok(
        client.put(
            f"/v3/targetGroups/{gid}/unifiedTargets",
            json={
                "unifiedTargetExpression": {"thresholdValue": 40000},
                "targets": [
                    {
                        "id": first["id"],
                        "name": "kept",
                        "targetType": "SALES",
                        "defaultValues": [{"defaultValue": 9}],
                    }
                ],
                "deactivateTargetIds": [second["id"]],
            },
        )
    )
    assert result["unifiedTargetExpression"] == {
        "aggregation": "SUM",
        "thresholdValue": 40000,
        "ruleExpression": f"({first['id']})",
    }
    assert result["targets"][0]["name"] == "kept" and result["deactivateTargetIds"] == [
        second["id"]
    ]
    assert [t["active"] for t in ok(client.get(f"/v3/targetGroups/{gid}/targets"))] == [True, False]
    error(
        client.put(
            f"/v3/targetGroups/{gid}/unifiedTargets", json={"deactivateTargetIds": [999999]}
        ),
        404,
    )


# --- communications, channels, milestones, oauth ------------------------------------------------


def test_channels(client: httpx.Client) -> None:
    assert [c["name"] for c in ok(client.get("/v3/targetGroups/channels"))] == [
        "SMS",
        "EMAIL",
        "MOBILE PUSH",
    ]


def test_communications_upsert_and_read(client: httpx.Client) -> None:
    data = create_group(client)
    base = f"/v3/targetGroups/{data['id']}/targets/{data['targets'][0]['id']}/communications"
    channel = ok(client.get("/v3/targetGroups/channels"))[1]["id"]
    first = ok(
        client.post(
            base + "/upsert",
            json=[
                {
                    "channelId": channel,
                    "communicationType": "START",
                    "messageTemplate": "Go!",
                    "offsetDays": 0,
                },
                {"channelId": channel, "communicationType": "FINISH", "messageTemplate": "Done"},
            ],
        )
    )
    again = ok(
        client.post(
            base + "/upsert",
            json=[
                {"channelId": channel, "communicationType": "START", "messageTemplate": "Go now!"}
            ],
        )
    )
    assert again[0]["id"] == first[0]["id"] and again[0]["messageTemplate"] == "Go now!"
    listed = ok(client.get(base))
    assert [(c["communicationType"], c["messageTemplate"]) for c in listed] == [
        ("START", "Go now!"),
        ("FINISH", "Done"),
    ]
    error(
        client.post(base + "/upsert", json=[{"channelId": 999999, "communicationType": "START"}]),
        404,
    )


def test_milestones_filters_and_pagination(client: httpx.Client) -> None:
    tag = unique("zzmilestone")
    live = create_group(
        client,
        "STREAKS",
        name=f"{tag} live",
        periods=[{"startDate": days_from_now(-60), "endDate": days_from_now(365)}],
    )
    create_group(client, name=f"{tag} upcoming")
    create_group(
        client,
        name=f"{tag} ended",
        periods=[{"startDate": days_from_now(-60), "endDate": days_from_now(-31)}],
        targets=[target(targetType="VISIT")],
    )
    create_group(client, name=f"{tag} stopped", active=False)
    page = ok(client.get("/v3/milestones", params={"name": tag, "limit": 2}))
    assert len(page) == 2
    second = client.get("/v3/milestones", params={"name": tag.upper(), "limit": 2, "offset": 2})
    assert len(ok(second)) == 2
    assert second.json()["pagination"] == {"limit": 2, "offset": 2, "total": 4}
    assert {g["id"] for g in page}.isdisjoint(g["id"] for g in second.json()["data"])

    def names(**query: str) -> list[str]:
        page = ok(client.get("/v3/milestones", params={"name": tag, **query}))
        return sorted(g["name"].removeprefix(tag + " ") for g in page)

    assert names(status="LIVE") == ["live"]
    assert names(status="UPCOMING") == ["upcoming"]
    assert names(status="ENDED") == ["ended"]
    assert names(status="STOPPED") == ["stopped"]
    assert names(type="STREAKS") == ["live"]
    assert names(**{"target-on": "VISIT"}) == ["ended"]
    # Groups that started by ten days ago; groups that have not ended ten days ago.
    assert names(**{"end-date": days_from_now(-10)}) == ["ended", "live"]
    assert names(**{"start-date": days_from_now(-10)}) == ["live", "stopped", "upcoming"]
    with_periods = ok(client.get("/v3/milestones", params={"name": tag, "require-periods": "true"}))
    assert len(with_periods) == 4 and all(len(g["periods"]) >= 1 for g in with_periods)
    by_id = {g["id"]: g for g in with_periods}
    assert [p["periodStatus"] for p in by_id[live["id"]]["periods"]] == ["RUNNING"]
    without = ok(client.get("/v3/milestones", params={"name": tag}))
    assert not any("periods" in g for g in without)
    everything = client.get("/v3/milestones").json()["pagination"]["total"]
    assert everything == len(ok(client.get("/v3/targetGroups")))
    error(client.get("/v3/milestones", params={"limit": 0}), 400)
    error(client.get("/v3/milestones", params={"status": "SOMETIMES"}), 400)


def test_oauth_token(server: Server) -> None:
    with httpx.Client(base_url=server.base_url) as anonymous:
        data = ok(
            anonymous.post(
                "/v3/oauth/token/generate", json={"key": "demo-key", "secret": "demo-secret"}
            )
        )
        assert data["ttlSeconds"] == 3600
        groups = anonymous.get(
            "/v3/targetGroups", headers={"X-CAP-API-OAUTH-TOKEN": data["accessToken"]}
        )
        ok(groups)
        error(
            anonymous.post("/v3/oauth/token/generate", json={"key": "demo-key", "secret": "wrong"}),
            401,
        )
        error(anonymous.get("/v3/targetGroups", headers={"X-CAP-API-OAUTH-TOKEN": "forged"}), 401)


# --- bad input, transport errors, served files ---------------------------------------------------


def test_bad_input(client: httpx.Client, server: Server) -> None:
    count = len(ok(client.get("/v3/targetGroups")))
    raw = {"Content-Type": "application/json"}
    assert "Malformed JSON" in error(
        client.post("/v3/targetGroups", content=b"{nope", headers=raw), 400, 300004
    )
    assert "totalPeriods" in error(
        client.post("/v3/targetGroups", json=group(totalPeriods="two")), 400, 300004
    )
    assert "trackingType" in error(
        client.post("/v3/targetGroups", json=group(trackingType="WEEKLY")), 400
    )
    error(
        client.post("/v3/targetGroups", content=b"{}", headers={"Content-Type": "text/plain"}),
        415,
        415,
    )
    error(client.post("/v3/targetGroups", content=b"x" * 2_000_000, headers=raw), 413, 413)
    error(client.post("/v3/targetGroups", content=b"NaN", headers=raw), 400)
    error(client.post("/v3/targetGroups", content=b"", headers=raw), 400)
    assert len(ok(client.get("/v3/targetGroups"))) == count
    unknown = client.get("/v3/nothing")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["code"] == 404
    assert unknown.headers["x-cap-requestid"]
    wrong = client.patch("/v3/targetGroups")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, POST"
    channels = client.delete("/v3/targetGroups/channels")
    assert channels.status_code == 405 and channels.headers["allow"] == "GET"
    assert client.get("/v3/targetGroups/").status_code == 404


def test_serves_the_hand_written_bundle(server: Server) -> None:
    """The committed bundle byte for byte, without credentials; YAML and JSON are one document."""
    with httpx.Client(base_url=server.base_url) as anonymous:
        served = {path: anonymous.get(path) for path in SERVED}
    for path, (file, media_type) in SERVED.items():
        response = served[path]
        assert response.status_code == 200, (path, response.text[:200])
        assert response.headers["content-type"].split(";")[0] == media_type, path
        assert response.headers["x-cap-requestid"]
        assert response.content == file.read_bytes(), path
    as_yaml = yaml.safe_load(served["/openapi.yaml"].content)
    assert as_yaml == json.loads(served["/openapi.json"].content)
    assert as_yaml["openapi"].startswith("3.1")


def test_request_ids_are_unique(client: httpx.Client) -> None:
    ids = {client.get("/v3/targetGroups/channels").headers["x-cap-requestid"] for _ in range(20)}
    assert len(ids) == 20
