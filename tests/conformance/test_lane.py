"""The bounded in-process conformance lane of `make test`: the sandbox app against the spec.

Same schemathesis configuration, hooks and checks as `make fuzz` / `make conformance`, all phases,
a small fixed budget, no sockets. `make conformance` is the full run over HTTP.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.hooks import USER_IDS_ENV
from tests.conformance.conformance_sandbox import DEMO_OAUTH, fuzz, sandbox_app, seed_progress

# Cases per operation in the fuzzing and stateful phases; coverage and examples always run fully.
LANE_MAX_EXAMPLES = 3
LANE_DEADLINE_SECONDS = 50.0
NOT_ALWAYS_SERVED = {
    "POST /v3/oauth/token/generate",
    "PUT /v3/targetGroups/{targetGroupId}/targetPeriods",
}


@pytest.mark.slow
def test_sandbox_conforms_to_the_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = sandbox_app(tmp_path)
    monkeypatch.setenv(USER_IDS_ENV, str(seed_progress(app)))
    result = fuzz(
        app,
        max_examples=LANE_MAX_EXAMPLES,
        deadline_seconds=LANE_DEADLINE_SECONDS,
    )
    assert not result.errors, result.errors
    assert not result.failures, "\n\n".join(result.messages)
    served = {label for label, codes in result.statuses.items() if any(c < 300 for c in codes)}
    # Every operation is reached with a success at least once, except the token endpoint (the
    # fuzzer's keys are never valid) and period updates (a valid one needs the id of a period of
    # that group that has not ENDED: rare on this budget).
    assert set(result.statuses) - served <= NOT_ALWAYS_SERVED, sorted(set(result.statuses) - served)


@pytest.mark.slow
def test_sandbox_conforms_with_oauth_tokens(tmp_path: Path) -> None:
    result = fuzz(
        sandbox_app(tmp_path),
        primary=DEMO_OAUTH,
        max_examples=1,
        phases=("examples", "fuzzing"),
        deadline_seconds=LANE_DEADLINE_SECONDS,
    )
    assert not result.errors, result.errors
    assert not result.failures, "\n\n".join(result.messages)
