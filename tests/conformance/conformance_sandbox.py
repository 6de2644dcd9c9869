"""Helpers shared by the conformance tests that run against the sandbox app in-process."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from conformance import inprocess, runner, sandbox_run
from conformance.credentials import Identity
from sandbox import seed
from sandbox.app import Settings, create_app
from tests.clock import FakeClock, at
from tests.conformance.mutants import Mutant, Request, call

BUNDLE = runner.DEFAULT_SPEC
# The demo till with its OAuth key too, as `make conformance` sets the environment: the key lets
# valid token requests get a token.
DEMO = Identity(
    "primary",
    "basic",
    username=seed.DEMO.username,
    password=seed.DEMO.password,
    key=seed.DEMO.oauth_key or "",
    secret=seed.DEMO.oauth_secret or "",
)
DEMO_OAUTH = Identity(
    "primary", "oauth", key=seed.DEMO.oauth_key or "", secret=seed.DEMO.oauth_secret or ""
)
OTHER = Identity("peer", "basic", username=seed.OTHER.username, password=seed.OTHER.password)


def sandbox_app(folder: Path, mutant: Mutant | None = None) -> Any:
    """A sandbox app on a fresh database file in `folder` (seeded), with `mutant`'s defect."""

    def build() -> Any:
        # A clock that stands at the tests' now: period states cannot change under a run.
        return create_app(Settings(db=str(folder / "sandbox.db"), clock=FakeClock()))

    return build() if mutant is None else mutant.build(build)


def _post(app: Any, path: str, body: Any) -> Any:
    headers = [
        (b"authorization", seed.DEMO.basic_header.encode()),
        (b"content-type", b"application/json"),
    ]
    method = "GET" if body is None else "POST"
    request = Request(method, path, "", headers, b"" if body is None else json.dumps(body).encode())
    reply = asyncio.run(call(app, request))
    assert reply.status == 200, reply.body
    return reply.json()


def seed_progress(app: Any) -> int:
    """Enrol the spec's example customer with some activity (the sandbox-only routes)."""
    user_id = sandbox_run.example_user_id()
    for group in _post(app, "/v3/targetGroups", None)["data"][:3]:
        enrolment = {"targetGroupId": int(group["id"])}
        _post(app, f"/sandbox/users/{user_id}/enrolments", enrolment)
    activity = {"occurredOn": at(0, hour=0), "amount": 250, "quantity": 2}
    _post(app, f"/sandbox/users/{user_id}/transactions", activity)
    return user_id


def fuzz(
    app: Any,
    *,
    primary: Identity = DEMO,
    max_examples: int,
    **options: Any,
) -> inprocess.InProcessResult:
    """The project's fuzz run (same config, hooks and checks as `make fuzz`), in-process.

    Bounded by `max_examples` only: every phase runs to its end whatever the machine's speed.
    """
    schema = inprocess.load_schema(
        BUNDLE,
        app,
        primary,
        OTHER,
        seed=runner.DEFAULT_SEED,
        max_examples=max_examples,
        **options,
    )
    return inprocess.run(schema)


def spec() -> dict[str, Any]:
    return runner.load_spec(BUNDLE)


def not_exercised(result: inprocess.InProcessResult) -> dict[str, str]:
    """operationId -> why it never got a 2xx, for every operation the run left unexercised."""
    return {
        row.operation_id: f"{row.reason}; fix: {row.fix}"
        for row in result.coverage(spec())
        if not row.exercised
    }
