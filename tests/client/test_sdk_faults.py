"""Retries, Retry-After, timeouts, token refresh and logging, on real sockets (fault server)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx
import pytest
from capillary_target_groups import (
    APIConnectionError,
    APITimeoutError,
    AsyncCapillaryTargetGroups,
    CapillaryTargetGroups,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
)
from capillary_target_groups.models import (
    BehaviouralEventTargetType,
    CombinationType,
    EmfEventName,
    EmfEventTargetType,
    NameValidityCheck,
    NameValidityType,
    StreakCreate,
    TrackingType,
)
from capillary_target_groups.sdk import RetryPolicy

from .fault_server import TOKEN_PATH, FaultServer, Reply, envelope

FAST = RetryPolicy(initial_delay=0.01, max_delay=0.05)
GROUP_PATH = "/v3/targetGroups/1"
NAME_PATH = "/v3/targetGroups/isValidName"


def group(group_id: int = 1, **extra: Any) -> dict[str, Any]:
    return envelope({"id": group_id, "name": f"group {group_id}", "active": True, **extra})


def basic(fault: FaultServer, **kwargs: Any) -> CapillaryTargetGroups:
    kwargs.setdefault("retry_policy", FAST)
    return CapillaryTargetGroups(
        base_url=fault.base_url, username="till", password="secret", **kwargs
    )


def oauth(fault: FaultServer, **kwargs: Any) -> CapillaryTargetGroups:
    kwargs.setdefault("retry_policy", FAST)
    return CapillaryTargetGroups(
        base_url=fault.base_url, oauth_key="the-key", oauth_secret="the-secret", **kwargs
    )


def name_check() -> NameValidityCheck:
    return NameValidityCheck(type_=NameValidityType.TARGETGROUPNAME, value="x")


# --- retries ------------------------------------------------------------------------------------


def test_idempotent_call_is_retried_on_503_then_succeeds(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(503), Reply(502), Reply(body=group()))
    with basic(fault) as client:
        assert client.target_groups.get(1).id == 1
    assert len(fault.seen("GET", GROUP_PATH)) == 3


def test_retries_stop_at_max_retries(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(504))
    with basic(fault, max_retries=2) as client, pytest.raises(ServerError) as caught:
        client.target_groups.get(1)
    assert caught.value.status_code == 504
    assert len(fault.seen("GET", GROUP_PATH)) == 3


def test_per_call_max_retries_overrides_the_client(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(503))
    with basic(fault, max_retries=2) as client, pytest.raises(ServerError):
        client.target_groups.get(1, max_retries=0)
    assert len(fault.seen("GET", GROUP_PATH)) == 1


def test_500_is_not_retried(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(500), Reply(body=group()))
    with basic(fault) as client, pytest.raises(ServerError):
        client.target_groups.get(1)
    assert len(fault.seen("GET", GROUP_PATH)) == 1


def test_post_is_not_retried_unless_asked(fault: FaultServer) -> None:
    fault.script("POST", NAME_PATH, Reply(503), Reply(body=envelope(True)))
    with basic(fault) as client:
        with pytest.raises(ServerError):
            client.target_groups.check_name(body=name_check())
        assert len(fault.seen("POST", NAME_PATH)) == 1
        fault.script("POST", NAME_PATH, Reply(503), Reply(body=envelope(True)))
        assert client.target_groups.check_name(body=name_check(), retry_post=True) is True
    assert len(fault.seen("POST", NAME_PATH)) == 3


def test_retry_post_can_be_a_client_default(fault: FaultServer) -> None:
    fault.script("POST", NAME_PATH, Reply(429), Reply(body=envelope(True)))
    with basic(fault, retry_post=True) as client:
        assert client.target_groups.check_name(body=name_check()) is True


def test_retry_after_is_honoured(fault: FaultServer) -> None:
    fault.script(
        "GET",
        GROUP_PATH,
        Reply(429, headers={"Retry-After": "1"}),
        Reply(body=group()),
    )
    # A huge backoff proves that the wait came from the header, not from the policy.
    with basic(fault, retry_policy=RetryPolicy(initial_delay=30.0)) as client:
        assert client.target_groups.get(1).id == 1
    first, second = fault.seen("GET", GROUP_PATH)
    assert 0.95 <= second.at - first.at < 5.0


def test_retry_after_longer_than_the_cap_raises_at_once(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(429, headers={"Retry-After": "120"}))
    started = time.monotonic()
    with basic(fault) as client, pytest.raises(RateLimitedError) as caught:
        client.target_groups.get(1)
    assert time.monotonic() - started < 2.0
    assert caught.value.retry_after == 120.0
    assert len(fault.seen("GET", GROUP_PATH)) == 1


def test_rate_limited_after_the_retries(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(429, headers={"Retry-After": "0"}))
    with basic(fault, max_retries=1) as client, pytest.raises(RateLimitedError):
        client.target_groups.get(1)
    assert len(fault.seen("GET", GROUP_PATH)) == 2


def test_dropped_connection_is_retried(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(drop=True), Reply(body=group()))
    with basic(fault) as client:
        assert client.target_groups.get(1).id == 1
    assert len(fault.seen("GET", GROUP_PATH)) == 2


def test_dropped_connection_on_post_raises_connection_error(fault: FaultServer) -> None:
    fault.script("POST", NAME_PATH, Reply(drop=True))
    with basic(fault) as client, pytest.raises(APIConnectionError) as caught:
        client.target_groups.check_name(body=name_check())
    assert not isinstance(caught.value, APITimeoutError)
    assert len(fault.seen("POST", NAME_PATH)) == 1


def test_refused_connection_raises_connection_error() -> None:
    # Port 9 (discard) is closed on loopback: the connection is refused at once.
    client = CapillaryTargetGroups(
        base_url="http://127.0.0.1:9", username="u", password="p", retry_policy=FAST
    )
    with client, pytest.raises(APIConnectionError):
        client.communications.channels()


# --- timeouts -----------------------------------------------------------------------------------


def test_timeout_raises_api_timeout_error_after_retries(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group(), delay=0.5))
    with basic(fault, timeout=0.1, max_retries=1) as client, pytest.raises(APITimeoutError):
        client.target_groups.get(1)
    assert len(fault.seen("GET", GROUP_PATH)) == 2


def test_per_call_timeout_overrides_the_client(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group(), delay=0.3))
    with basic(fault, timeout=0.05, max_retries=0) as client:
        assert client.target_groups.get(1, timeout=3.0).id == 1
    with basic(fault, timeout=3.0, max_retries=0) as client, pytest.raises(APITimeoutError):
        client.target_groups.get(1, timeout=0.05)


# --- authentication -----------------------------------------------------------------------------


def test_basic_auth_header_is_sent(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with basic(fault) as client:
        client.target_groups.get(1)
    (seen,) = fault.seen("GET", GROUP_PATH)
    # base64("till:" + md5("secret"))
    assert (
        seen.headers["authorization"]
        == "Basic dGlsbDo1ZWJlMjI5NGVjZDBlMGYwOGVhYjc2OTBkMmE2ZWU2OQ=="
    )
    assert seen.headers["accept"] == "application/json"
    assert seen.headers["user-agent"].startswith("capillary-target-groups-python/")


def test_oauth_token_is_fetched_once_and_cached(fault: FaultServer) -> None:
    fault.check_tokens = True
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with oauth(fault) as client:
        for _ in range(3):
            client.target_groups.get(1)
    (token_request,) = fault.seen("POST", TOKEN_PATH)
    assert b'"key":"the-key"' in token_request.body
    assert "authorization" not in token_request.headers
    assert {s.headers["x-cap-api-oauth-token"] for s in fault.seen("GET")} == {"tok-1"}


def test_oauth_token_is_refreshed_once_on_401(fault: FaultServer) -> None:
    fault.check_tokens = True
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with oauth(fault) as client:
        client.target_groups.get(1)
        fault.revoke_tokens()  # e.g. the server restarted and forgot its tokens
        assert client.target_groups.get(1).id == 1
    assert len(fault.seen("POST", TOKEN_PATH)) == 2
    assert [s.headers["x-cap-api-oauth-token"] for s in fault.seen("GET")] == [
        "tok-1",
        "tok-1",
        "tok-2",
    ]


def test_second_401_after_a_refresh_raises(fault: FaultServer) -> None:
    fault.script(
        "GET", GROUP_PATH, Reply(401, body=envelope(None, errors=[{"code": 1, "message": "no"}]))
    )
    with oauth(fault) as client, pytest.raises(UnauthorizedError) as caught:
        client.target_groups.get(1)
    assert caught.value.errors[0].message == "no"
    assert len(fault.seen("POST", TOKEN_PATH)) == 2
    assert len(fault.seen("GET", GROUP_PATH)) == 2


def test_basic_auth_401_is_not_retried(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(401, body=envelope(None)))
    with basic(fault) as client, pytest.raises(UnauthorizedError):
        client.target_groups.get(1)
    assert len(fault.seen("GET", GROUP_PATH)) == 1


def test_expired_token_is_replaced_before_use(fault: FaultServer) -> None:
    fault.token_ttl = 0  # expired as soon as issued
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with oauth(fault) as client:
        client.target_groups.get(1)
        client.target_groups.get(1)
    assert len(fault.seen("POST", TOKEN_PATH)) == 2


def test_bad_oauth_key_raises_unauthorized_from_the_token_endpoint(fault: FaultServer) -> None:
    fault.script(
        "POST",
        TOKEN_PATH,
        Reply(401, body=envelope(None, errors=[{"code": 2, "message": "bad key"}])),
    )
    with oauth(fault) as client, pytest.raises(UnauthorizedError) as caught:
        client.target_groups.get(1)
    assert "bad key" in str(caught.value)
    assert fault.seen("GET") == []


# --- logging ------------------------------------------------------------------------------------


def test_debug_logs_never_show_credentials_or_tokens(
    fault: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    fault.script("GET", GROUP_PATH, Reply(503), Reply(body=group()))
    with caplog.at_level(logging.DEBUG):  # every logger, httpx and httpcore included
        with basic(fault) as client:
            client.target_groups.get(1)
        fault.check_tokens = True
        with oauth(fault) as client:
            client.target_groups.get(1)
            fault.revoke_tokens()
            client.target_groups.get(1)
            assert repr(client).count("redacted") == 1
    text = "\n".join(r.getMessage() for r in caplog.records) + repr(caplog.records)
    ours = [r.getMessage() for r in caplog.records if r.name == "capillary_target_groups"]
    assert any(m.startswith("request GET") for m in ours)
    assert any("retrying in" in m for m in ours)
    assert any("fetching an OAuth token" in m for m in ours)
    secrets = [
        "secret",  # the Basic password
        "5ebe2294ecd0e0f08eab7690d2a6ee69",  # its md5
        "dGlsbDo1ZWJl",  # the start of the Basic header
        "the-key",
        "the-secret",
        "tok-1",
        "tok-2",
    ]
    for secret in secrets:
        assert secret not in text


# --- responses ----------------------------------------------------------------------------------


def test_raw_response_and_forward_compatible_parsing(fault: FaultServer) -> None:
    body = group(trackingType="SOMETHING_NEW", brandNewField={"x": 1})
    body["warnings"] = [{"message": "deprecated soon"}]
    fault.script("GET", GROUP_PATH, Reply(body=body, headers={"X-Cap-Requestid": "rid-42"}))
    with basic(fault) as client:
        raw = client.target_groups.with_raw_response.get(1)
        typed = client.target_groups.get(1)
    assert raw.status_code == 200
    assert raw.request_id == "rid-42"
    assert raw.warnings == ["deprecated soon"]
    assert raw.json()["data"]["brandNewField"] == {"x": 1}
    # The unknown enum value neither raises nor is lost; known values stay real members.
    assert raw.data.tracking_type == "SOMETHING_NEW"
    assert isinstance(typed.tracking_type, TrackingType)
    assert typed.to_dict()["trackingType"] == "SOMETHING_NEW"
    # The unknown field is kept on the typed model too and written back by to_dict.
    assert typed.additional_properties == {"brandNewField": {"x": 1}}
    assert typed.to_dict() == body["data"]


def test_a_callers_httpx_client_is_used_not_changed(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with httpx.Client(headers={"X-Proxy-Auth": "p"}) as http:
        client = CapillaryTargetGroups(
            base_url=fault.base_url, username="till", password="secret", http_client=http
        )
        assert client.target_groups.get(1).id == 1
        client.close()  # not ours to close
        assert not http.is_closed
        assert str(http.base_url) == ""
    (seen,) = fault.seen("GET", GROUP_PATH)
    assert seen.headers["x-proxy-auth"] == "p"
    assert seen.headers["user-agent"].startswith("capillary-target-groups-python/")
    assert seen.headers["authorization"].startswith("Basic ")


def test_a_misspelt_keyword_is_an_error(fault: FaultServer) -> None:
    with basic(fault) as client, pytest.raises(TypeError, match="include_period"):
        client.target_groups.get(1, include_period=True)  # type: ignore[call-arg]
    assert fault.seen() == []


def test_extra_headers_per_call(fault: FaultServer) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with basic(fault, default_headers={"X-Team": "a"}) as client:
        client.target_groups.get(1, extra_headers={"X-Trace": "b"})
    (seen,) = fault.seen("GET", GROUP_PATH)
    assert (seen.headers["x-team"], seen.headers["x-trace"]) == ("a", "b")


def test_paginator_walks_limit_offset_lazily(fault: FaultServer) -> None:
    def page(ids: list[int], offset: int) -> Reply:
        items = [{"id": i, "name": f"g{i}", "active": True} for i in ids]
        body = envelope(items)
        body["pagination"] = {"limit": 2, "offset": offset, "total": 5}
        return Reply(body=body)

    fault.script("GET", "/v3/milestones", page([1, 2], 0), page([3, 4], 2), page([5], 4))
    with basic(fault) as client:
        walk = client.milestones.iter(page_size=2)
        assert fault.seen("GET") == []  # nothing fetched until iterated
        assert [g.id for g in walk] == [1, 2, 3, 4, 5]
    queries = [dict(p.split("=") for p in s.query.split("&")) for s in fault.seen("GET")]
    # offset=0 is the spec's default, so the first page leaves it out of the URL.
    assert [(q["limit"], q.get("offset")) for q in queries] == [("2", None), ("2", "2"), ("2", "4")]


def test_query_parameters_equal_to_their_spec_default_are_left_out(fault: FaultServer) -> None:
    fault.script("GET", "/v3/targetGroups/7", Reply(body=group(7)), Reply(body=group(7)))
    with basic(fault) as client:
        client.target_groups.get(7)  # includeUserCreatedTargetGroups defaults to false
        client.target_groups.get(7, include_user_created_target_groups=True, include_periods=False)
    first, second = (s.query for s in fault.seen("GET"))
    assert first == ""
    assert sorted(second.split("&")) == [
        "includePeriods=false",
        "includeUserCreatedTargetGroups=true",
    ]


def test_paginator_max_items_stops_early(fault: FaultServer) -> None:
    items = [{"id": i, "name": f"g{i}", "active": True} for i in (1, 2)]
    body = envelope(items)
    body["pagination"] = {"limit": 2, "offset": 0, "total": 100}
    fault.script("GET", "/v3/milestones", Reply(body=body))
    with basic(fault) as client:
        assert len(list(client.milestones.iter(page_size=2, max_items=3))) == 3
    assert len(fault.seen("GET")) == 2


def test_create_helpers_build_the_tagged_bodies(fault: FaultServer) -> None:
    fault.script("POST", "/v3/targetGroups", Reply(body=group()))
    with basic(fault) as client:
        client.target_groups.create_default(name="d", total_periods=1)
        client.target_groups.create_unified(
            name="u", total_periods=1, combination_type=CombinationType.ANY
        )
        client.target_groups.create_streak(
            name="s",
            total_periods=1,
            streaks=[StreakCreate(name="two", target_count_of_sequence=2)],
        )
        client.target_groups.create_behavioural_event(
            name="b",
            total_periods=1,
            event_name="spinTheWheel",
            target_type=BehaviouralEventTargetType.COUNT,
        )
        client.target_groups.create_emf_event(
            name="e",
            total_periods=1,
            event_name=EmfEventName.RETURNBILL,
            target_type=EmfEventTargetType.VISIT,
            target_name="returns",
        )
    bodies = [json.loads(s.body) for s in fault.seen("POST", "/v3/targetGroups")]
    assert [b["trackingType"] for b in bodies] == [
        "DEFAULT",
        "UNIFIED",
        "STREAKS",
        "DEFAULT",
        "DEFAULT",
    ]
    assert bodies[0] == {
        "name": "d",
        "totalPeriods": 1,
        "trackingType": "DEFAULT",
        "active": True,
        "userCreated": False,
        "leaderboardEnabled": False,
    }
    assert bodies[1]["combinationType"] == "ANY"
    assert bodies[2]["streaks"] == [{"name": "two", "targetCountOfSequence": 2}]
    assert bodies[3]["targets"] == [
        {"name": "b", "eventName": "spinTheWheel", "targetType": "COUNT", "targetEntity": "EVENT"}
    ]
    assert bodies[4]["targets"] == [
        {
            "name": "returns",
            "eventName": "ReturnBill",
            "targetType": "VISIT",
            "targetEntity": "EVENT",
        }
    ]


# --- async --------------------------------------------------------------------------------------


def test_async_client_retries_refreshes_and_times_out(fault: FaultServer) -> None:
    fault.check_tokens = True

    async def scenario() -> None:
        fault.script("GET", GROUP_PATH, Reply(503), Reply(body=group()))
        async with AsyncCapillaryTargetGroups(
            base_url=fault.base_url,
            oauth_key="k",
            oauth_secret="s",
            retry_policy=FAST,
            timeout=0.2,
        ) as client:
            # Concurrent first calls share one token request.
            groups = await asyncio.gather(*(client.target_groups.get(1) for _ in range(5)))
            assert {g.id for g in groups} == {1}
            assert len(fault.seen("POST", TOKEN_PATH)) == 1
            fault.revoke_tokens()
            assert (await client.target_groups.get(1)).id == 1
            assert len(fault.seen("POST", TOKEN_PATH)) == 2
            fault.script("GET", GROUP_PATH, Reply(body=group(), delay=0.6))
            with pytest.raises(APITimeoutError):
                await client.target_groups.get(1, max_retries=0)
            raw = await client.target_groups.with_raw_response.get(1, timeout=2.0)
            assert raw.status_code == 200

    asyncio.run(scenario())


def test_async_paginator(fault: FaultServer) -> None:
    def page(ids: list[int], offset: int) -> Reply:
        body = envelope([{"id": i, "name": f"g{i}", "active": True} for i in ids])
        body["pagination"] = {"limit": 2, "offset": offset, "total": 3}
        return Reply(body=body)

    fault.script("GET", "/v3/milestones", page([1, 2], 0), page([3], 2))

    async def scenario() -> list[int]:
        async with AsyncCapillaryTargetGroups(
            base_url=fault.base_url, username="u", password="p"
        ) as client:
            return [g.id async for g in client.milestones.iter(page_size=2)]

    assert asyncio.run(scenario()) == [1, 2, 3]
