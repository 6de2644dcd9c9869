"""Auth matrix over every operation (Capillary's and the sandbox-only ones), over real HTTP.

Without credentials, with a wrong password, with an expired token: 401. With another org's
credentials on this org's ids: 404, never the data. The read-only credential: 403 on writes.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import httpx
import pytest

from sandbox.auth import md5_hex
from sandbox.seed import DEMO, OTHER, READ_ONLY
from tests.sandbox.sandbox_samples import bodies, create_group, fill_path
from tests.sandbox.sandbox_server import Server, start_server, stop_server
from tests.sandbox.sandbox_spec_check import operations

pytestmark = pytest.mark.slow
TOKEN_TTL = 2
SECURED = sorted(
    {(op.method, op.path, op.operation_id) for _, op in operations() if op.secured},
    key=lambda item: item[2],
)
ID_PATHS = [op for op in SECURED if "{" in op[1]]


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Short-lived tokens, so one module can show a token working and then expiring.
    running = start_server(
        tmp_path_factory.mktemp("auth") / "sandbox.db", env={"SANDBOX_TOKEN_TTL": str(TOKEN_TTL)}
    )
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def ids(auth_server: Server) -> dict[str, int]:
    with auth_server.client(DEMO) as client:
        data = create_group(client)
        client.post("/sandbox/users/501/enrolments", json={"targetGroupId": data["id"]})
        return {
            "group": data["id"],
            "target": data["targets"][0]["id"],
            "period": data["periods"][0]["id"],
        }


def _send(
    client: httpx.Client, method: str, path: str, operation_id: str, ids: dict[str, int]
) -> httpx.Response:
    url = fill_path(path, ids["group"], ids["target"])
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
        # Customers are per org: the other org records and reads its own customer 501.
        assert response.status_code == 200, response.text
        return
    if operation_id == "listUserTargetGroups" and response.status_code == 200:
        # The other org's customer 501 (if it exists) never shows this org's groups.
        groups = response.json()["data"]["targetGroups"]
        assert ids["group"] not in [g["id"] for g in groups]
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


def test_expired_token_on_every_operation(auth_server: Server, ids: dict[str, int]) -> None:
    with httpx.Client(base_url=auth_server.base_url) as anonymous:
        issued = anonymous.post(
            "/v3/oauth/token/generate", json={"key": "demo-key", "secret": "demo-secret"}
        )
        token = issued.json()["data"]["accessToken"]
        assert issued.json()["data"]["ttlSeconds"] == TOKEN_TTL
    with httpx.Client(
        base_url=auth_server.base_url, headers={"X-CAP-API-OAUTH-TOKEN": token}
    ) as client:
        assert client.get("/v3/targetGroups/channels").status_code == 200
        time.sleep(TOKEN_TTL + 0.2)
        for method, path, operation_id in SECURED:
            response = _send(client, method, path, operation_id, ids)
            assert response.status_code == 401, (operation_id, response.text)
            assert "expired" in response.json()["errors"][0]["message"]
