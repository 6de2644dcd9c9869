"""Every operation through the SDK against a real sandbox process over HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterator

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
    UnifiedTargetExpressionInput,
    UnifiedTargetsUpdate,
)
from capillary_target_groups.types import UNSET

from sandbox.process import Sandbox

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
    return [
        TargetPeriodCreate(
            start_date=f"2030-0{i + 1}-01", end_date=f"2030-0{i + 1}-28", ref_code=f"Cycle_{i + 1}"
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
    assert len(listed) == 2
    created = client.target_periods.create(
        group.id,
        body=[TargetPeriodCreate(start_date="2030-03-01", end_date="2030-03-31", ref_code="C3")],
    )
    assert [p.ref_code for p in created] == ["C3"]
    first = listed[0]
    updated = client.target_periods.update(
        group.id,
        body=[
            TargetPeriodUpdate(
                id=first.id,
                description="renamed",
                start_date=str(first.start_date),
                end_date=str(first.end_date),
            )
        ],
    )
    assert any(p.description == "renamed" for p in updated)
    assert len(client.target_periods.list(group.id)) == 3


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
    assert upserted
    listed = client.communications.list(group.id, existing.id)
    assert any(c.message_template == "Almost there" for c in listed)


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
    assert result.unified_target_expression


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
    assert response.status_code in (200, 201), response.text
    view = client.users.target_groups(user_id, include_inactive=True)
    assert view.user_id == user_id
    assert group.id in {g.id for g in view.target_groups}
    with pytest.raises((BadRequestError, NotFoundError)) as caught:
        client.users.target_groups(987654321)
    assert ErrorCode.INVALID_USER_ID in caught.value.codes


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_oauth(sandbox: Sandbox) -> None:
    with CapillaryTargetGroups(
        base_url=sandbox.base_url, oauth_key=DEMO_OAUTH_KEY, oauth_secret=DEMO_OAUTH_SECRET
    ) as sdk:
        token = sdk.oauth.generate_token(
            body=OauthTokenCreate(key=DEMO_OAUTH_KEY, secret=DEMO_OAUTH_SECRET)
        )
        assert token.access_token and token.ttl_seconds > 0
        assert sdk.communications.channels()


def test_errors_are_typed(client: CapillaryTargetGroups, sandbox: Sandbox) -> None:
    group = create_group(client)
    with pytest.raises(ConflictError) as conflict:
        client.target_groups.create_default(name=group.name, total_periods=1)
    assert conflict.value.codes == [ErrorCode.NAME_ALREADY_EXISTS]
    assert conflict.value.request_id
    with pytest.raises(BadRequestError) as bad:
        client.target_groups.create_default(name="x" * 201, total_periods=1)
    assert bad.value.errors
    with (
        CapillaryTargetGroups(
            base_url=sandbox.base_url, username=DEMO_USERNAME, password="wrong"
        ) as wrong,
        pytest.raises(UnauthorizedError),
    ):
        wrong.target_groups.list()
    with CapillaryTargetGroups(
        base_url=sandbox.base_url, username=READ_ONLY_USERNAME, password=READ_ONLY_PASSWORD
    ) as read_only:
        assert read_only.target_groups.get(group.id).id == group.id
        with pytest.raises(ForbiddenError):
            read_only.target_groups.delete(group.id)


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


def test_unset_is_not_sent(client: CapillaryTargetGroups) -> None:
    # Optional arguments left out stay out of the request (UNSET), they are not sent as null.
    group = client.target_groups.create_default(name=unique("Minimal"), total_periods=1)
    assert group.description in (None, UNSET, "")
