"""Auth matrix over every operation (Capillary's and the sandbox-only ones), over real HTTP.

Without credentials, with a wrong password, with an expired token: 401. With another org's
credentials on this org's ids: 404, never the data. The read-only credential: 403 on writes.
Token expiry runs in-process on a FakeClock: the test moves time instead of waiting for it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.auth import md5_hex
from sandbox.seed import DEMO, OTHER, READ_ONLY
from tests.clock import at
from tests.sandbox.inprocess import inprocess_sandbox
from tests.sandbox.sandbox_samples import bodies, create_group, fill_path
from tests.sandbox.sandbox_server import Server, start_server, stop_server
from tests.sandbox.sandbox_spec_check import operations

pytestmark = pytest.mark.slow
TOKEN_TTL = 600
USER = 501
DEMO_AMOUNT = 7.25
SECURED = sorted(
    {(op.method, op.path, op.operation_id) for _, op in operations() if op.secured},
    key=lambda item: item[2],
)
ID_PATHS = [op for op in SECURED if "{" in op[1]]


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("auth") / "sandbox.db")
    try:
        yield running
    finally:
        stop_server(running)


def make_ids(client: httpx.Client, other_client: httpx.Client) -> dict[str, int]:
    """A group of the demo org with customer USER enrolled and a bill of DEMO_AMOUNT; the other
    org has its own customer USER."""
    data = create_group(client)
    enrolled = client.post(f"/sandbox/users/{USER}/enrolments", json={"targetGroupId": data["id"]})
    assert enrolled.status_code == 200, enrolled.text
    for sender, amount in ((client, DEMO_AMOUNT), (other_client, 1)):
        activity = {"occurredOn": at(0), "amount": amount}
        recorded = sender.post(f"/sandbox/users/{USER}/transactions", json=activity)
        assert recorded.status_code == 200, recorded.text
    return {
        "group": data["id"],
        "target": data["targets"][0]["id"],
        "period": data["periods"][0]["id"],
    }


@pytest.fixture(scope="module")
def ids(auth_server: Server) -> dict[str, int]:
    with auth_server.client(DEMO) as client, auth_server.client(OTHER) as other_client:
        return make_ids(client, other_client)


def _send(
    client: httpx.Client, method: str, path: str, operation_id: str, ids: dict[str, int]
) -> httpx.Response:
    url = fill_path(path, ids["group"], ids["target"], USER)
    body = bodies(ids["group"], ids["target"], ids["period"]).get(operation_id)
    return (
        client.request(method, url, json=body) if body is not None else client.request(method, url)
    )


def test_every_secured_operation_is_covered() -> None:
    assert len(SECURED) == 19 + 4, SECURED  # 20 operations less the token endpoint, plus sandbox


@pytest.mark.parametrize(("method", "path", "operation_id"), SECURED, ids=[o[2] for o in SECURED])
def test_missing_and_wrong_credentials(
    auth_server: Server, ids: dict[str, int], method: str, path: str, operation_id: str
) -> None:
    with httpx.Client(base_url=auth_server.base_url) as anonymous:
        response = _send(anonymous, method, path, operation_id, ids)
        assert response.status_code == 401, response.text
        assert response.json()["errors"][0]["code"] == 401
        assert response.headers["x-cap-requestid"]
    wrong = base64.b64encode(f"{DEMO.username}:{md5_hex('nope')}".encode()).decode()
    plain = base64.b64encode(f"{DEMO.username}:{DEMO.password}".encode()).decode()
    for header in (f"Basic {wrong}", f"Basic {plain}", "Basic !!!", "Bearer x"):
        with httpx.Client(base_url=auth_server.base_url, headers={"Authorization": header}) as bad:
            assert _send(bad, method, path, operation_id, ids).status_code == 401


@pytest.mark.parametrize(("method", "path", "operation_id"), SECURED, ids=[o[2] for o in SECURED])
def test_read_only_credential(
    auth_server: Server, ids: dict[str, int], method: str, path: str, operation_id: str
) -> None:
    with auth_server.client(READ_ONLY) as client:
        response = _send(client, method, path, operation_id, ids)
    if method == "GET":
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["errors"][0]["code"] == 403


@pytest.mark.parametrize(("method", "path", "operation_id"), ID_PATHS, ids=[o[2] for o in ID_PATHS])
def test_other_orgs_ids_are_not_found(
    auth_server: Server, ids: dict[str, int], method: str, path: str, operation_id: str
) -> None:
    with auth_server.client(OTHER) as client:
        response = _send(client, method, path, operation_id, ids)
    if operation_id in ("createUserTransaction", "createUserEvent", "listUserActivities"):
        # Customers are per org: the other org records and reads its own customer USER.
        assert response.status_code == 200, response.text
        if operation_id == "listUserActivities":
            # Only the other org's own recorded activity (make_ids), none of this org's.
            amounts = [a["amount"] for a in response.json()["data"]]
            assert amounts and DEMO_AMOUNT not in amounts
        return
    if operation_id == "listUserTargetGroups":
        # The other org's customer USER exists (make_ids) and never shows this org's groups.
        assert response.status_code == 200, response.text
        assert ids["group"] not in [g["id"] for g in response.json()["data"]["targetGroups"]]
        return
    assert response.status_code == 404, response.text
    assert str(ids["group"]) not in response.text.replace(f"group {ids['group']}", "")


def test_cross_org_writes_change_nothing(auth_server: Server, ids: dict[str, int]) -> None:
    with auth_server.client(DEMO) as client:
        before = client.get(f"/v3/targetGroups/{ids['group']}").json()["data"]
    with auth_server.client(OTHER) as other:
        assert other.delete(f"/v3/targetGroups/{ids['group']}").status_code == 404
        listed = other.get("/v3/milestones", params={"limit": 1000}).json()["data"]
        assert ids["group"] not in [g["id"] for g in listed]
    with auth_server.client(DEMO) as client:
        assert client.get(f"/v3/targetGroups/{ids['group']}").json()["data"] == before


def test_expired_token_on_every_operation(tmp_path: Path) -> None:
    with inprocess_sandbox(tmp_path, token_ttl_seconds=TOKEN_TTL) as box:
        with box.client(DEMO) as client, box.client(OTHER) as other_client:
            ids = make_ids(client, other_client)
        with box.client(None) as anonymous:
            issued = anonymous.post(
                "/v3/oauth/token/generate", json={"key": "demo-key", "secret": "demo-secret"}
            )
        assert issued.status_code == 200, issued.text
        token = issued.json()["data"]["accessToken"]
        assert issued.json()["data"]["ttlSeconds"] == TOKEN_TTL
        with box.client(None, headers={"X-CAP-API-OAUTH-TOKEN": token}) as client:
            # Valid up to the last millisecond of its lifetime, expired from then on.
            box.clock.advance(seconds=TOKEN_TTL, ms=-1)
            assert client.get("/v3/targetGroups/channels").status_code == 200
            box.clock.advance(ms=1)
            for method, path, operation_id in SECURED:
                response = _send(client, method, path, operation_id, ids)
                assert response.status_code == 401, (operation_id, response.text)
                assert "expired" in response.json()["errors"][0]["message"]
