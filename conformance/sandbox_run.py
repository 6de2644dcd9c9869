"""`python -m conformance sandbox`: fuzz a freshly started sandbox, then always stop it."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import runner
from conformance.hooks import USER_IDS_ENV
from sandbox import process as sandbox_process
from sandbox.process import Sandbox, SandboxError, stop

__all__ = ["Sandbox", "SandboxError", "fuzz_sandbox", "main", "running_sandbox", "stop"]


@contextlib.contextmanager
def running_sandbox(
    command: list[str] | None = None, workdir: Path | None = None
) -> Iterator[Sandbox]:
    """A sandbox (or `command`) with a fresh database, run with the fuzzer's environment."""
    env = runner.build_env(runner.FuzzOptions(base_url=""))
    with sandbox_process.running_sandbox(command, workdir, env) as sandbox:
        yield sandbox


def _call(base_url: str, method: str, path: str, header: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method)
    request.add_header("Authorization", header)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def example_user_id(spec: Path = runner.DEFAULT_SPEC) -> int:
    """The spec's example customer id: the examples phase sends it as is."""
    document = json.loads(spec.with_suffix(".json").read_text(encoding="utf-8"))
    return int(document["components"]["parameters"]["UserId"]["example"])


def seed_progress(base_url: str) -> int | None:
    """Enrol one customer of the demo org with some activity, so progress reads answer 200.

    Uses the sandbox-only routes (sandbox/openapi-sandbox.yaml) and returns the customer id, or
    None when the server does not cooperate: a broken server (a mutant, say) is the fuzz run's to
    judge, not the set-up's.
    """
    from sandbox import seed  # noqa: PLC0415

    header = seed.DEMO.basic_header
    user_id = example_user_id()
    try:
        groups = _call(base_url, "GET", "/v3/targetGroups", header)["data"]
        for group in groups[:3]:
            enrolment = {"targetGroupId": int(group["id"])}
            _call(base_url, "POST", f"/sandbox/users/{user_id}/enrolments", header, enrolment)
        activity = {"occurredOn": datetime.now(UTC).isoformat(), "amount": 250, "quantity": 2}
        _call(base_url, "POST", f"/sandbox/users/{user_id}/transactions", header, activity)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"    could not enrol customer {user_id}: {exc}", flush=True)
        return None
    return user_id


def demo_environment() -> dict[str, str]:
    """The seeded demo till as the primary identity and the other org's till as the peer."""
    # Imported late: only this command needs the sandbox package.
    from sandbox import seed  # noqa: PLC0415

    demo, other = seed.DEMO, seed.OTHER
    return {
        "CAP_USERNAME": demo.username,
        "CAP_PASSWORD": demo.password,
        "CAP_OAUTH_KEY": demo.oauth_key or "",
        "CAP_OAUTH_SECRET": demo.oauth_secret or "",
        "CAP_PEER_USERNAME": other.username,
        "CAP_PEER_PASSWORD": other.password,
    }


def fuzz_sandbox(
    options: runner.FuzzOptions,
    log: Path | None = None,
    command: list[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> runner.RunResult:
    """Start a sandbox (or a variant of it), fuzz it with the demo credentials, stop it."""
    environment = {**os.environ, **demo_environment(), **(env or {})}
    with running_sandbox(command) as sandbox:
        user_id = seed_progress(sandbox.base_url)
        if user_id is not None:
            environment[USER_IDS_ENV] = str(user_id)
        return runner.run(replace(options, base_url=sandbox.base_url), log=log, env=environment)


def main(options: runner.FuzzOptions) -> int:
    options = replace(options, report_prefix="conformance")
    print("==> starting the sandbox on a free loopback port with a fresh database")
    try:
        with running_sandbox() as sandbox:
            print(f"    {sandbox.base_url} (demo till; the other org's till as the peer)")
            environment = {**os.environ, **demo_environment()}
            user_id = seed_progress(sandbox.base_url)
            if user_id is not None:
                print(f"    customer {user_id} enrolled with activity (sandbox-only routes)")
                environment[USER_IDS_ENV] = str(user_id)
            result = runner.run(replace(options, base_url=sandbox.base_url), env=environment)
    except SandboxError as exc:
        print(f"conformance sandbox: {exc}", file=sys.stderr)
        return 2
    print("==> sandbox stopped")
    runner.print_summary(result)
    return runner.exit_code(result)
