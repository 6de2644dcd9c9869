"""Retries, Retry-After, timeouts, token refresh and logging, on real sockets (fault server).

HTTP goes over real sockets; time does not. Every client gets a fake clock and a fake sleep
(``fake_time.FakeTime``), so a test asserts the exact waits the client chose and moves a token
past its refresh point without waiting. Only the timeout tests use real time, and only as a
server that answers late or never; no assertion reads a clock.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import socket
from collections.abc import Iterator
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

from .fake_time import START_WALL, FakeTime
from .fault_server import TOKEN_PATH, FaultServer, Reply, envelope

# No jitter: the waits are exactly 0.5 s, 1 s, 2 s, ... and a test can name them.
EXACT = RetryPolicy(jitter=0.0)
GROUP_PATH = "/v3/targetGroups/1"
NAME_PATH = "/v3/targetGroups/isValidName"
# The fault server issues tokens for 300 s; the client replaces one 30 s early (refresh_margin).
TOKEN_TTL = 300.0
REFRESH_AFTER = 270.0


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def group(group_id: int = 1, **extra: Any) -> dict[str, Any]:
    return envelope({"id": group_id, "name": f"group {group_id}", "active": True, **extra})


def basic(fault: FaultServer, fake: FakeTime, **kwargs: Any) -> CapillaryTargetGroups:
    kwargs.setdefault("retry_policy", EXACT)
    return CapillaryTargetGroups(
        base_url=fault.base_url,
        username="till",
        password="secret",
        sleep=fake.sleep,
        clock=fake,
        **kwargs,
    )


def oauth(fault: FaultServer, fake: FakeTime, **kwargs: Any) -> CapillaryTargetGroups:
    kwargs.setdefault("retry_policy", EXACT)
    return CapillaryTargetGroups(
        base_url=fault.base_url,
        oauth_key="the-key",
        oauth_secret="the-secret",
        sleep=fake.sleep,
        clock=fake,
        **kwargs,
    )


def async_oauth(fault: FaultServer, fake: FakeTime, **kwargs: Any) -> AsyncCapillaryTargetGroups:
    kwargs.setdefault("retry_policy", EXACT)
    return AsyncCapillaryTargetGroups(
        base_url=fault.base_url,
        oauth_key="the-key",
        oauth_secret="the-secret",
        sleep=fake.async_sleep,
        clock=fake,
        **kwargs,
    )


def name_check() -> NameValidityCheck:
    return NameValidityCheck(type_=NameValidityType.TARGETGROUPNAME, value="x")


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


# --- retries ------------------------------------------------------------------------------------


def test_idempotent_call_is_retried_on_503_then_succeeds(
    fault: FaultServer, fake: FakeTime
) -> None:
    fault.script("GET", GROUP_PATH, Reply(503), Reply(502), Reply(body=group(1, name="ok")))
    with basic(fault, fake) as client:
        result = client.target_groups.get(1)
    assert (result.id, result.name) == (1, "ok")
    assert len(fault.seen("GET", GROUP_PATH)) == 3
    assert fake.slept == [0.5, 1.0]


def test_backoff_doubles_up_to_max_delay(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(503))
    policy = RetryPolicy(initial_delay=1.0, max_delay=3.0, jitter=0.0)
    client = basic(fault, fake, retry_policy=policy, max_retries=4)
    with client, pytest.raises(ServerError) as caught:
        client.target_groups.get(1)
    assert caught.value.status_code == 503
    assert len(fault.seen("GET", GROUP_PATH)) == 5
    assert fake.slept == [1.0, 2.0, 3.0, 3.0]


def test_retries_stop_at_max_retries(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(504))
    with basic(fault, fake, max_retries=2) as client, pytest.raises(ServerError) as caught:
        client.target_groups.get(1)
    assert caught.value.status_code == 504
    assert len(fault.seen("GET", GROUP_PATH)) == 3
    assert fake.slept == [0.5, 1.0]


def test_per_call_max_retries_overrides_the_client(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(503))
    with basic(fault, fake, max_retries=2) as client, pytest.raises(ServerError) as caught:
        client.target_groups.get(1, max_retries=0)
    assert caught.value.status_code == 503
    assert len(fault.seen("GET", GROUP_PATH)) == 1
    assert fake.slept == []


def test_500_is_not_retried(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(500), Reply(body=group()))
    with basic(fault, fake) as client, pytest.raises(ServerError) as caught:
        client.target_groups.get(1)
    assert caught.value.status_code == 500
    assert len(fault.seen("GET", GROUP_PATH)) == 1
    assert fake.slept == []


def test_post_is_not_retried_unless_asked(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("POST", NAME_PATH, Reply(503), Reply(body=envelope(True)))
    with basic(fault, fake) as client:
        with pytest.raises(ServerError) as caught:
            client.target_groups.check_name(body=name_check())
        assert caught.value.status_code == 503
        assert len(fault.seen("POST", NAME_PATH)) == 1
        assert fake.slept == []
        fault.script("POST", NAME_PATH, Reply(503), Reply(body=envelope(True)))
        assert client.target_groups.check_name(body=name_check(), retry_post=True) is True
    bodies = [json.loads(s.body) for s in fault.seen("POST", NAME_PATH)]
    assert bodies == [{"type": "targetGroupName", "value": "x"}] * 3
    assert fake.slept == [0.5]


def test_retry_post_can_be_a_client_default(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("POST", NAME_PATH, Reply(429), Reply(body=envelope(True)))
    with basic(fault, fake, retry_post=True) as client:
        assert client.target_groups.check_name(body=name_check()) is True
    assert len(fault.seen("POST", NAME_PATH)) == 2
    assert fake.slept == [0.5]


def test_retry_after_is_honoured(fault: FaultServer, fake: FakeTime) -> None:
    fault.script(
        "GET",
        GROUP_PATH,
        Reply(429, headers={"Retry-After": "1"}),
        Reply(body=group(1, name="after the wait")),
    )
    # A huge backoff proves that the wait came from the header, not from the policy.
    with basic(fault, fake, retry_policy=RetryPolicy(initial_delay=30.0)) as client:
        result = client.target_groups.get(1)
    assert result.name == "after the wait"
    assert fake.slept == [1.0]
    first, second = fault.seen("GET", GROUP_PATH)
    assert second.headers["authorization"] == first.headers["authorization"]


def test_retry_after_as_an_http_date_is_measured_with_the_clients_clock(
    fault: FaultServer, fake: FakeTime
) -> None:
    fault.script(
        "GET",
        GROUP_PATH,
        Reply(429, headers={"Retry-After": http_date(START_WALL + 7)}),
        Reply(body=group()),
    )
    with basic(fault, fake, retry_policy=RetryPolicy(initial_delay=30.0)) as client:
        assert client.target_groups.get(1).id == 1
    assert fake.slept == [7.0]
    assert len(fault.seen("GET", GROUP_PATH)) == 2


@pytest.mark.parametrize("retry_after", ["120", http_date(START_WALL + 120)], ids=["delta", "date"])
def test_retry_after_longer_than_the_cap_raises_at_once(
    fault: FaultServer, fake: FakeTime, retry_after: str
) -> None:
    fault.script(
        "GET",
        GROUP_PATH,
        Reply(
            429,
            headers={"Retry-After": retry_after},
            body=envelope(None, errors=[{"code": 429, "message": "slow down"}]),
        ),
    )
    with basic(fault, fake) as client, pytest.raises(RateLimitedError) as caught:
        client.target_groups.get(1)
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 120.0
    assert caught.value.errors[0].message == "slow down"
    assert fake.slept == []
    assert len(fault.seen("GET", GROUP_PATH)) == 1


def test_rate_limited_after_the_retries(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(429, headers={"Retry-After": "0"}))
    with basic(fault, fake, max_retries=1) as client, pytest.raises(RateLimitedError) as caught:
        client.target_groups.get(1)
    assert caught.value.retry_after == 0.0
    assert len(fault.seen("GET", GROUP_PATH)) == 2
    assert fake.slept == [0.0]


def test_dropped_connection_is_retried(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(drop=True), Reply(body=group()))
    with basic(fault, fake) as client:
        assert client.target_groups.get(1).id == 1
    assert len(fault.seen("GET", GROUP_PATH)) == 2
    assert fake.slept == [0.5]


def test_dropped_connection_on_post_raises_connection_error(
    fault: FaultServer, fake: FakeTime
) -> None:
    fault.script("POST", NAME_PATH, Reply(drop=True))
    with basic(fault, fake) as client, pytest.raises(APIConnectionError) as caught:
        client.target_groups.check_name(body=name_check())
    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.request.url.path == NAME_PATH
    assert len(fault.seen("POST", NAME_PATH)) == 1
    assert fake.slept == []


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nothing else takes it), not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_refused_connection_is_retried_then_raises(refusing_port: int, fake: FakeTime) -> None:
    client = CapillaryTargetGroups(
        base_url=f"http://127.0.0.1:{refusing_port}",
        username="u",
        password="p",
        retry_policy=EXACT,
        sleep=fake.sleep,
        clock=fake,
    )
    with client, pytest.raises(APIConnectionError) as caught:
        client.communications.channels()
    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.request.url.path == "/v3/targetGroups/channels"
    assert fake.slept == [0.5, 1.0]


# --- timeouts -----------------------------------------------------------------------------------


def _counting_http_client(sent: list[str]) -> httpx.Client:
    """An httpx client that records each request the SDK sends, on the client's side.

    A request that times out may never be read by the server, so for timeouts the attempts are
    counted where they are made, not where they arrive.
    """

    def record(request: httpx.Request) -> None:
        sent.append(request.url.path)

    return httpx.Client(event_hooks={"request": [record]})


def test_timeout_raises_api_timeout_error_after_retries(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(hold=True))
    sent: list[str] = []
    http = _counting_http_client(sent)
    client = basic(fault, fake, timeout=0.1, max_retries=1, http_client=http)
    with http, client, pytest.raises(APITimeoutError) as caught:
        client.target_groups.get(1)
    assert caught.value.request.url.path == GROUP_PATH
    assert sent == [GROUP_PATH, GROUP_PATH]
    assert fake.slept == [0.5]


def test_per_call_timeout_overrides_the_client(fault: FaultServer, fake: FakeTime) -> None:
    # Slower than the client's timeout, far quicker than the call's.
    fault.script("GET", GROUP_PATH, Reply(body=group(), delay=0.3))
    with basic(fault, fake, timeout=0.05, max_retries=0) as client:
        assert client.target_groups.get(1, timeout=10.0).id == 1
    fault.script("GET", GROUP_PATH, Reply(hold=True))
    sent: list[str] = []
    http = _counting_http_client(sent)
    client = basic(fault, fake, timeout=10.0, max_retries=0, http_client=http)
    with http, client, pytest.raises(APITimeoutError):
        client.target_groups.get(1, timeout=0.05)
    assert sent == [GROUP_PATH]


# --- authentication -----------------------------------------------------------------------------


def test_basic_auth_header_is_sent(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with basic(fault, fake) as client:
        client.target_groups.get(1)
    (seen,) = fault.seen("GET", GROUP_PATH)
    # base64("till:" + md5("secret"))
    assert (
        seen.headers["authorization"]
        == "Basic dGlsbDo1ZWJlMjI5NGVjZDBlMGYwOGVhYjc2OTBkMmE2ZWU2OQ=="
    )
    assert seen.headers["accept"] == "application/json"
    assert seen.headers["user-agent"].startswith("capillary-target-groups-python/")


def test_oauth_token_is_fetched_once_and_cached(fault: FaultServer, fake: FakeTime) -> None:
    fault.check_tokens = True
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with oauth(fault, fake) as client:
        for _ in range(3):
            client.target_groups.get(1)
    (token_request,) = fault.seen("POST", TOKEN_PATH)
    assert b'"key":"the-key"' in token_request.body
    assert "authorization" not in token_request.headers
    assert {s.headers["x-cap-api-oauth-token"] for s in fault.seen("GET")} == {"tok-1"}


def test_oauth_token_is_refreshed_once_on_401(fault: FaultServer, fake: FakeTime) -> None:
    fault.check_tokens = True
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with oauth(fault, fake) as client:
        client.target_groups.get(1)
        fault.revoke_tokens()  # e.g. the server restarted and forgot its tokens
        assert client.target_groups.get(1).id == 1
    assert len(fault.seen("POST", TOKEN_PATH)) == 2
    assert [s.headers["x-cap-api-oauth-token"] for s in fault.seen("GET")] == [
        "tok-1",
        "tok-1",
        "tok-2",
    ]


def test_second_401_after_a_refresh_raises(fault: FaultServer, fake: FakeTime) -> None:
    fault.script(
        "GET", GROUP_PATH, Reply(401, body=envelope(None, errors=[{"code": 1, "message": "no"}]))
    )
    with oauth(fault, fake) as client, pytest.raises(UnauthorizedError) as caught:
        client.target_groups.get(1)
    assert caught.value.errors[0].message == "no"
    assert len(fault.seen("POST", TOKEN_PATH)) == 2
    assert len(fault.seen("GET", GROUP_PATH)) == 2


def test_basic_auth_401_is_not_retried(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(401, body=envelope(None)))
    with basic(fault, fake) as client, pytest.raises(UnauthorizedError) as caught:
        client.target_groups.get(1)
    assert caught.value.status_code == 401
    assert len(fault.seen("GET", GROUP_PATH)) == 1
    assert fake.slept == []


def sent_tokens(fault: FaultServer) -> list[str]:
    return [s.headers["x-cap-api-oauth-token"] for s in fault.seen("GET", GROUP_PATH)]


def test_token_is_replaced_at_its_refresh_point_not_before(
    fault: FaultServer, fake: FakeTime
) -> None:
    # The server would still accept tok-1: a new token proves the client refreshed on its own.
    fault.token_ttl = int(TOKEN_TTL)
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with oauth(fault, fake) as client:
        client.target_groups.get(1)
        fake.advance(REFRESH_AFTER - 1.0)
        client.target_groups.get(1)
        assert len(fault.seen("POST", TOKEN_PATH)) == 1
        fake.advance(1.0)
        client.target_groups.get(1)
    assert len(fault.seen("POST", TOKEN_PATH)) == 2
    assert sent_tokens(fault) == ["tok-1", "tok-1", "tok-2"]
    assert fake.slept == []


def test_token_lifetime_follows_the_monotonic_clock_not_the_wall_clock(
    fault: FaultServer, fake: FakeTime
) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with oauth(fault, fake) as client:
        client.target_groups.get(1)
        fake.wall += 10 * TOKEN_TTL  # the system time was corrected: no reason for a new token
        client.target_groups.get(1)
        fake.mono += REFRESH_AFTER
        client.target_groups.get(1)
    assert sent_tokens(fault) == ["tok-1", "tok-1", "tok-2"]


def test_bad_oauth_key_raises_unauthorized_from_the_token_endpoint(
    fault: FaultServer, fake: FakeTime
) -> None:
    fault.script(
        "POST",
        TOKEN_PATH,
        Reply(401, body=envelope(None, errors=[{"code": 2, "message": "bad key"}])),
    )
    with oauth(fault, fake) as client, pytest.raises(UnauthorizedError) as caught:
        client.target_groups.get(1)
    assert [(e.code, e.message) for e in caught.value.errors] == [(2, "bad key")]
    assert caught.value.request.url.path == TOKEN_PATH
    assert fault.seen("GET") == []


# --- logging ------------------------------------------------------------------------------------


def test_debug_logs_never_show_credentials_or_tokens(
    fault: FaultServer, fake: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    fault.script("GET", GROUP_PATH, Reply(503), Reply(body=group()))
    with caplog.at_level(logging.DEBUG):  # every logger, httpx and httpcore included
        with basic(fault, fake) as client:
            client.target_groups.get(1)
        fault.check_tokens = True
        with oauth(fault, fake) as client:
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


def test_raw_response_and_forward_compatible_parsing(fault: FaultServer, fake: FakeTime) -> None:
    body = group(trackingType="SOMETHING_NEW", brandNewField={"x": 1})
    body["warnings"] = [{"message": "deprecated soon"}]
    fault.script("GET", GROUP_PATH, Reply(body=body, headers={"X-Cap-Requestid": "rid-42"}))
    with basic(fault, fake) as client:
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


def test_a_callers_httpx_client_is_used_not_changed(fault: FaultServer, fake: FakeTime) -> None:
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


def test_a_misspelt_keyword_is_an_error(fault: FaultServer, fake: FakeTime) -> None:
    with basic(fault, fake) as client, pytest.raises(TypeError, match="include_period"):
        client.target_groups.get(1, include_period=True)  # type: ignore[call-arg]
    assert fault.seen() == []


def test_extra_headers_per_call(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group()))
    with basic(fault, fake, default_headers={"X-Team": "a"}) as client:
        client.target_groups.get(1, extra_headers={"X-Trace": "b"})
    (seen,) = fault.seen("GET", GROUP_PATH)
    assert (seen.headers["x-team"], seen.headers["x-trace"]) == ("a", "b")


def test_paginator_walks_limit_offset_lazily(fault: FaultServer, fake: FakeTime) -> None:
    def page(ids: list[int], offset: int) -> Reply:
        items = [{"id": i, "name": f"g{i}", "active": True} for i in ids]
        body = envelope(items)
        body["pagination"] = {"limit": 2, "offset": offset, "total": 5}
        return Reply(body=body)

    fault.script("GET", "/v3/milestones", page([1, 2], 0), page([3, 4], 2), page([5], 4))
    with basic(fault, fake) as client:
        walk = client.milestones.iter(page_size=2)
        assert fault.seen("GET") == []  # nothing fetched until iterated
        assert [g.id for g in walk] == [1, 2, 3, 4, 5]
    queries = [dict(p.split("=") for p in s.query.split("&")) for s in fault.seen("GET")]
    # offset=0 is the spec's default, so the first page leaves it out of the URL.
    assert [(q["limit"], q.get("offset")) for q in queries] == [("2", None), ("2", "2"), ("2", "4")]


def test_query_parameters_equal_to_their_spec_default_are_left_out(
    fault: FaultServer, fake: FakeTime
) -> None:
    fault.script("GET", "/v3/targetGroups/7", Reply(body=group(7)), Reply(body=group(7)))
    with basic(fault, fake) as client:
        client.target_groups.get(7)  # includeUserCreatedTargetGroups defaults to false
        client.target_groups.get(7, include_user_created_target_groups=True, include_periods=False)
    first, second = (s.query for s in fault.seen("GET"))
    assert first == ""
    assert sorted(second.split("&")) == [
        "includePeriods=false",
        "includeUserCreatedTargetGroups=true",
    ]


def test_paginator_max_items_stops_early(fault: FaultServer, fake: FakeTime) -> None:
    items = [{"id": i, "name": f"g{i}", "active": True} for i in (1, 2)]
    body = envelope(items)
    body["pagination"] = {"limit": 2, "offset": 0, "total": 100}
    fault.script("GET", "/v3/milestones", Reply(body=body))
    with basic(fault, fake) as client:
        assert len(list(client.milestones.iter(page_size=2, max_items=3))) == 3
    assert len(fault.seen("GET")) == 2


def test_create_helpers_build_the_tagged_bodies(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("POST", "/v3/targetGroups", Reply(body=group()))
    with basic(fault, fake) as client:
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


def test_async_client_retries_with_its_sleep_and_shares_one_token(
    fault: FaultServer, fake: FakeTime
) -> None:
    fault.check_tokens = True
    fault.script("GET", GROUP_PATH, Reply(503), Reply(body=group()))

    async def scenario() -> None:
        async with async_oauth(fault, fake) as client:
            # Concurrent first calls share one token request.
            groups = await asyncio.gather(*(client.target_groups.get(1) for _ in range(5)))
            assert [g.id for g in groups] == [1] * 5
            assert len(fault.seen("POST", TOKEN_PATH)) == 1
            fault.revoke_tokens()
            assert (await client.target_groups.get(1)).id == 1
            assert len(fault.seen("POST", TOKEN_PATH)) == 2

    asyncio.run(scenario())
    # One call met the 503 and waited through the fake sleep; the other four got the 200.
    assert fake.slept == [0.5]
    assert len(fault.seen("GET", GROUP_PATH)) == 5 + 1 + 2  # five, a retry, a 401 and its retry


def test_async_client_honours_retry_after_and_the_cap(fault: FaultServer, fake: FakeTime) -> None:
    fault.script(
        "GET",
        GROUP_PATH,
        Reply(429, headers={"Retry-After": "2"}),
        Reply(body=group()),
        Reply(429, headers={"Retry-After": "120"}),
    )

    async def scenario() -> None:
        async with async_oauth(fault, fake, retry_policy=RetryPolicy(initial_delay=30.0)) as c:
            assert (await c.target_groups.get(1)).id == 1
            assert fake.slept == [2.0]
            with pytest.raises(RateLimitedError) as caught:
                await c.target_groups.get(1)
            assert caught.value.retry_after == 120.0

    asyncio.run(scenario())
    assert fake.slept == [2.0]
    assert len(fault.seen("GET", GROUP_PATH)) == 3


def test_async_token_is_replaced_at_its_refresh_point(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(body=group()))

    async def scenario() -> None:
        async with async_oauth(fault, fake) as client:
            await client.target_groups.get(1)
            fake.advance(REFRESH_AFTER - 1.0)
            await client.target_groups.get(1)
            fake.advance(1.0)
            await client.target_groups.get(1)

    asyncio.run(scenario())
    assert sent_tokens(fault) == ["tok-1", "tok-1", "tok-2"]


def test_async_timeouts(fault: FaultServer, fake: FakeTime) -> None:
    fault.script("GET", GROUP_PATH, Reply(hold=True))
    sent: list[str] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request.url.path)

    async def scenario() -> None:
        http = httpx.AsyncClient(event_hooks={"request": [record]})
        client = async_oauth(fault, fake, timeout=0.1, max_retries=1, http_client=http)
        async with http, client:
            with pytest.raises(APITimeoutError) as caught:
                await client.target_groups.get(1)
            assert caught.value.request.url.path == GROUP_PATH
            fault.script("GET", GROUP_PATH, Reply(body=group(), delay=0.3))
            raw = await client.target_groups.with_raw_response.get(1, timeout=10.0)
            assert (raw.status_code, raw.data.id) == (200, 1)

    asyncio.run(scenario())
    assert fake.slept == [0.5]
    # Two attempts that timed out (counted where they were sent), then the one that succeeded.
    assert [path for path in sent if path == GROUP_PATH] == [GROUP_PATH] * 3


def test_async_paginator(fault: FaultServer, fake: FakeTime) -> None:
    def page(ids: list[int], offset: int) -> Reply:
        body = envelope([{"id": i, "name": f"g{i}", "active": True} for i in ids])
        body["pagination"] = {"limit": 2, "offset": offset, "total": 3}
        return Reply(body=body)

    fault.script("GET", "/v3/milestones", page([1, 2], 0), page([3], 2))

    async def scenario() -> list[int]:
        async with AsyncCapillaryTargetGroups(
            base_url=fault.base_url,
            username="u",
            password="p",
            sleep=fake.async_sleep,
            clock=fake,
        ) as client:
            return [g.id async for g in client.milestones.iter(page_size=2)]

    assert asyncio.run(scenario()) == [1, 2, 3]
