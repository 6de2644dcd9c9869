"""Every operation through the SDK against a real sandbox process over HTTP.

The sandbox's clock starts at the tests' now (tests/clock.py) and every date here is relative
to it, so the suite passes at any date (CAP_TEST_NOW).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from capillary_target_groups import (
    AsyncCapillaryTargetGroups,
    BadRequestError,
    CapillaryTargetGroups,
    ConflictError,
    ErrorCode,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)
from capillary_target_groups.models import (
    BehaviouralEventTargetType,
    CombinationType,
    CommunicationType,
    EmfEventName,
    EmfEventTargetType,
    FrequencyType,
    NameValidityCheck,
    NameValidityType,
    OauthTokenCreate,
    StreakCreate,
    TargetCommunicationUpsert,
    TargetDefaultValueCreate,
    TargetEvaluationType,
    TargetGroup,
    TargetGroupUpdate,
    TargetPeriodCreate,
    TargetPeriodUpdate,
    TargetType,
    TargetUpdate,
    TrackingType,
    TransactionTargetCreate,
    TransactionTargetEntity,
    TransactionTargetType,
    UnifiedTargetExpression,
    UnifiedTargetExpressionInput,
    UnifiedTargetsUpdate,
)

from sandbox.process import Sandbox
from tests.clock import days_from_now

from .conftest import (
    DEMO_OAUTH_KEY,
    DEMO_OAUTH_SECRET,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    READ_ONLY_PASSWORD,
    READ_ONLY_USERNAME,
)

pytestmark = pytest.mark.slow


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def periods(count: int = 2) -> list[TargetPeriodCreate]:
    """`count` 28-day periods, 30 days apart, the first starting 30 days from now."""
    return [
        TargetPeriodCreate(
            start_date=days_from_now(30 * (i + 1)),
            end_date=days_from_now(30 * (i + 1) + 27),
            ref_code=f"Cycle_{i + 1}",
        )
        for i in range(count)
    ]


def sales_target(name: str = "Spend", value: float = 1000) -> TransactionTargetCreate:
    return TransactionTargetCreate(
        name=name,
        target_entity=TransactionTargetEntity.TRANSACTION,
        target_type=TransactionTargetType.SALES,
        default_values=[TargetDefaultValueCreate(default_value=value)] * 2,
    )


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[CapillaryTargetGroups]:
    with CapillaryTargetGroups(
        base_url=sandbox.base_url, username=DEMO_USERNAME, password=DEMO_PASSWORD
    ) as sdk:
        yield sdk


@dataclass
class Wire:
    """Every request and response a client exchanged, as they went over the wire."""

    sent: list[httpx.Request] = field(default_factory=list)
    received: list[httpx.Response] = field(default_factory=list)

    def keep(self, response: httpx.Response) -> None:
        response.read()
        self.received.append(response)


@contextlib.contextmanager
def recording(
    sandbox: Sandbox, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD
) -> Iterator[tuple[CapillaryTargetGroups, Wire]]:
    """A client of the sandbox, and the Wire its exchanges are kept in."""
    wire = Wire()
    hooks: dict[str, list[Any]] = {"request": [wire.sent.append], "response": [wire.keep]}
    with (
        httpx.Client(event_hooks=hooks) as http,
        CapillaryTargetGroups(
            base_url=sandbox.base_url, username=username, password=password, http_client=http
        ) as sdk,
    ):
        yield sdk, wire


def basic(username: str, password: str) -> str:
    """The Authorization header Capillary's Basic scheme expects (md5 of the password)."""
    return "Basic " + base64.b64encode(f"{username}:{_md5(password)}".encode()).decode()


def sent_json(request: httpx.Request) -> Any:
    assert request.headers["content-type"] == "application/json"
    return json.loads(request.content)


def create_group(client: CapillaryTargetGroups) -> TargetGroup:
    return client.target_groups.create_default(
        name=unique("Default"),
        total_periods=2,
        target_evaluation_type=TargetEvaluationType.FIXED_CALENDAR_WINDOW,
        frequency_type=FrequencyType.MONTHLY,
        periods=periods(),
        targets=[sales_target()],
    )


def test_target_groups(client: CapillaryTargetGroups) -> None:
    name = unique("Group")
    check = NameValidityCheck(type_=NameValidityType.TARGETGROUPNAME, value=name)
    assert client.target_groups.check_name(body=check) is True
    group = client.target_groups.create_default(name=name, total_periods=2, periods=periods())
    assert group.tracking_type == TrackingType.DEFAULT
    assert client.target_groups.check_name(body=check) is False

    fetched = client.target_groups.get(group.id, include_periods=True)
    assert (fetched.id, fetched.name) == (group.id, name)
    assert group.id in {g.id for g in client.target_groups.list()}

    updated = client.target_groups.update(
        group.id, body=TargetGroupUpdate(name=name + " v2", description="edited")
    )
    assert (updated.name, updated.description) == (name + " v2", "edited")

    assert client.target_groups.delete(group.id) is True
    with pytest.raises(NotFoundError) as caught:
        client.target_groups.get(group.id)
    assert caught.value.status_code == 404
    assert caught.value.request_id


def test_target_periods(client: CapillaryTargetGroups) -> None:
    group = create_group(client)
    listed = client.target_periods.list(group.id)
    assert [(str(p.start_date), str(p.end_date)) for p in listed] == [
        (days_from_now(30), days_from_now(57)),
        (days_from_now(60), days_from_now(87)),
    ]
    assert {p.period_status.value for p in listed if p.period_status} == {"NOT_STARTED"}
    created = client.target_periods.create(
        group.id,
        body=[
            TargetPeriodCreate(
                start_date=days_from_now(90), end_date=days_from_now(119), ref_code="C3"
            )
        ],
    )
    assert [(p.ref_code, str(p.start_date)) for p in created] == [("C3", days_from_now(90))]
    first = listed[0]
    # A period that has not started may move both its dates.
    updated = client.target_periods.update(
        group.id,
        body=[
            TargetPeriodUpdate(
                id=first.id,
                description="renamed",
                start_date=days_from_now(31),
                end_date=days_from_now(56),
            )
        ],
    )
    assert [(p.id, p.description, str(p.start_date), str(p.end_date)) for p in updated] == [
        (first.id, "renamed", days_from_now(31), days_from_now(56))
    ]
    assert [p.ref_code for p in client.target_periods.list(group.id)] == [
        "Cycle_1",
        "Cycle_2",
        "C3",
    ]


def test_targets_and_communications(client: CapillaryTargetGroups) -> None:
    group = create_group(client)
    (existing,) = client.targets.list(group.id)
    (created,) = client.targets.create(group.id, body=[sales_target("Second", 50)])
    assert created.name == "Second"
    updated = client.targets.update(
        group.id,
        created.id,
        body=TargetUpdate(name="Second, renamed", target_type=TargetType.SALES),
    )
    assert updated.name == "Second, renamed"
    assert client.targets.deactivate(group.id, created.id) is True

    channels = client.communications.channels()
    assert {c.name for c in channels} >= {"SMS", "EMAIL"}
    upserted = client.communications.upsert(
        group.id,
        existing.id,
        body=[
            TargetCommunicationUpsert(
                channel_id=channels[0].id,
                communication_type=CommunicationType.REMINDER,
                message_template="Almost there",
            )
        ],
    )
    assert [(u.channel_id, u.message_template) for u in upserted] == [
        (channels[0].id, "Almost there")
    ]
    listed = client.communications.list(group.id, existing.id)
    assert [(c.id, c.message_template) for c in listed] == [(upserted[0].id, "Almost there")]


def test_unified_targets(client: CapillaryTargetGroups) -> None:
    group = client.target_groups.create_unified(
        name=unique("Unified"),
        total_periods=2,
        combination_type=CombinationType.ALL,
        periods=periods(),
        targets=[sales_target("A", 100), sales_target("B", 200)],
    )
    assert group.tracking_type == TrackingType.UNIFIED
    result = client.unified_targets.update(
        group.id,
        body=UnifiedTargetsUpdate(
            unified_target_expression=UnifiedTargetExpressionInput(threshold_value=300)
        ),
    )
    expression = result.unified_target_expression
    assert isinstance(expression, UnifiedTargetExpression)
    assert expression.threshold_value == 300
    ids = [t.id for t in group.targets or []]
    assert expression.rule_expression == f"({ids[0]} & {ids[1]})"


def test_the_five_kinds_of_create(client: CapillaryTargetGroups) -> None:
    streak = client.target_groups.create_streak(
        name=unique("Streak"),
        total_periods=2,
        periods=periods(),
        streaks=[StreakCreate(name="Two in a row", target_count_of_sequence=2)],
        targets=[sales_target()],
    )
    assert streak.tracking_type == TrackingType.STREAKS
    behavioural = client.target_groups.create_behavioural_event(
        name=unique("Spin"),
        total_periods=2,
        periods=periods(),
        event_name="spinTheWheel",
        target_type=BehaviouralEventTargetType.COUNT,
        default_values=[TargetDefaultValueCreate(default_value=3)] * 2,
    )
    emf = client.target_groups.create_emf_event(
        name=unique("Redeem"),
        total_periods=2,
        periods=periods(),
        event_name=EmfEventName.POINTSREDEMPTION,
        target_type=EmfEventTargetType.COUNT,
        target_name="Redeem twice",
        default_values=[TargetDefaultValueCreate(default_value=2)] * 2,
    )
    for group, event in ((behavioural, "spinTheWheel"), (emf, "PointsRedemption")):
        assert group.tracking_type == TrackingType.DEFAULT
        (target,) = client.targets.list(group.id)
        assert target.event_name == event
    assert client.targets.list(emf.id)[0].name == "Redeem twice"
    assert client.targets.list(behavioural.id)[0].name == behavioural.name


def test_milestones_paginate(client: CapillaryTargetGroups) -> None:
    for _ in range(3):
        create_group(client)
    raw = client.milestones.with_raw_response.list(limit=2, offset=0)
    total = raw.json()["pagination"]["total"]
    assert len(raw.data) == 2
    walked = list(client.milestones.iter(page_size=2))
    assert len(walked) == total
    assert len({g.id for g in walked}) == total
    assert len(list(client.milestones.iter(page_size=2, max_items=3))) == 3


def test_users_target_groups(client: CapillaryTargetGroups, sandbox: Sandbox) -> None:
    group = create_group(client)
    user_id = 4242
    # Enrolment is a sandbox-only route (sandbox/openapi-sandbox.yaml), outside the client.
    response = httpx.post(
        f"{sandbox.base_url}/sandbox/users/{user_id}/enrolments",
        json={"targetGroupId": group.id},
        auth=httpx.BasicAuth(DEMO_USERNAME, _md5(DEMO_PASSWORD)),
    )
    assert response.status_code == 200, response.text
    view = client.users.target_groups(user_id, include_inactive=True)
    assert view.user_id == user_id
    assert group.id in {g.id for g in view.target_groups}
    with pytest.raises(NotFoundError) as caught:
        client.users.target_groups(987654321)
    assert caught.value.status_code == 404
    assert caught.value.codes == [ErrorCode.INVALID_USER_ID]


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_oauth(sandbox: Sandbox) -> None:
    with CapillaryTargetGroups(
        base_url=sandbox.base_url, oauth_key=DEMO_OAUTH_KEY, oauth_secret=DEMO_OAUTH_SECRET
    ) as sdk:
        token = sdk.oauth.generate_token(
            body=OauthTokenCreate(key=DEMO_OAUTH_KEY, secret=DEMO_OAUTH_SECRET)
        )
        assert token.access_token and token.ttl_seconds == 3600
        assert [c.name for c in sdk.communications.channels()] == ["SMS", "EMAIL", "MOBILE PUSH"]


def test_errors_are_typed(sandbox: Sandbox) -> None:
    with recording(sandbox) as (client, wire):
        group = create_group(client)
        wire.sent.clear()
        with pytest.raises(ConflictError) as conflict:
            client.target_groups.create_default(name=group.name, total_periods=1)
        with pytest.raises(BadRequestError) as bad:
            client.target_groups.create_default(name="x" * 201, total_periods=1)
    # One request each (writes are not retried), as built by the SDK.
    assert [(r.method, r.url.path) for r in wire.sent] == [("POST", "/v3/targetGroups")] * 2
    assert [sent_json(r)["name"] for r in wire.sent] == [group.name, "x" * 201]
    assert type(conflict.value) is ConflictError and conflict.value.status_code == 409
    assert conflict.value.codes == [ErrorCode.NAME_ALREADY_EXISTS]
    assert conflict.value.request_id == conflict.value.response.headers["X-Cap-Requestid"]
    assert conflict.value.body["data"] is None
    assert type(bad.value) is BadRequestError and bad.value.status_code == 400
    assert bad.value.codes == [ErrorCode.TARGET_RULE_NAME_TOO_LONG]

    with (
        recording(sandbox, password="wrong") as (wrong, wire),
        pytest.raises(UnauthorizedError) as denied,
    ):
        wrong.target_groups.list()
    (request,) = wire.sent
    assert (request.method, request.url.path) == ("GET", "/v3/targetGroups")
    assert request.headers["authorization"] == basic(DEMO_USERNAME, "wrong")
    assert type(denied.value) is UnauthorizedError
    assert (denied.value.status_code, denied.value.codes) == (401, [401])

    with recording(sandbox, READ_ONLY_USERNAME, READ_ONLY_PASSWORD) as (read_only, wire):
        assert read_only.target_groups.get(group.id).id == group.id
        with pytest.raises(ForbiddenError) as forbidden:
            read_only.target_groups.delete(group.id)
        # Refused, so nothing was deleted.
        assert read_only.target_groups.get(group.id).name == group.name
    assert [(r.method, r.url.path) for r in wire.sent] == [
        ("GET", f"/v3/targetGroups/{group.id}"),
        ("DELETE", f"/v3/targetGroups/{group.id}"),
        ("GET", f"/v3/targetGroups/{group.id}"),
    ]
    assert {r.headers["authorization"] for r in wire.sent} == {
        basic(READ_ONLY_USERNAME, READ_ONLY_PASSWORD)
    }
    assert type(forbidden.value) is ForbiddenError
    assert (forbidden.value.status_code, forbidden.value.codes) == (403, [403])


def test_async_client(sandbox: Sandbox) -> None:
    async def scenario() -> None:
        async with AsyncCapillaryTargetGroups(
            base_url=sandbox.base_url, oauth_key=DEMO_OAUTH_KEY, oauth_secret=DEMO_OAUTH_SECRET
        ) as sdk:
            group = await sdk.target_groups.create_default(
                name=unique("Async"), total_periods=2, periods=periods()
            )
            fetched, listed = await asyncio.gather(
                sdk.target_groups.get(group.id), sdk.target_periods.list(group.id)
            )
            assert fetched.name == group.name and len(listed) == 2
            ids = [g.id async for g in sdk.milestones.iter(page_size=3)]
            assert group.id in ids
            raw = await sdk.target_groups.with_raw_response.delete(group.id)
            assert (raw.status_code, raw.data) == (200, True)
            with pytest.raises(NotFoundError):
                await sdk.target_groups.get(group.id)

    asyncio.run(scenario())


def test_unset_is_not_sent(sandbox: Sandbox) -> None:
    # Optional arguments left out stay out of the request (UNSET), they are not sent as null.
    name = unique("Minimal")
    with recording(sandbox) as (client, wire):
        group = client.target_groups.create_default(name=name, total_periods=1)
    (request,) = wire.sent
    (response,) = wire.received
    assert (request.method, request.url.path) == ("POST", "/v3/targetGroups")
    # Only what was passed, the tag, and the arguments whose default is a value, not UNSET.
    assert sent_json(request) == {
        "name": name,
        "totalPeriods": 1,
        "trackingType": "DEFAULT",
        "active": True,
        "userCreated": False,
        "leaderboardEnabled": False,
    }
    assert response.status_code == 200
    page = response.json()["data"]
    assert (page["name"], page["totalPeriods"], page["description"]) == (name, 1, "")
    assert (page["periods"], page["targets"], page["fromDate"]) == ([], [], None)
    assert (group.id, group.description) == (page["id"], "")
