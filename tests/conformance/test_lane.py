"""The bounded in-process conformance lane of `make test`: the sandbox app against the spec.

Same schemathesis configuration, hooks, checks and example budget as `make fuzz` /
`make conformance`, all phases, no sockets. `make conformance` is the full run over HTTP. Each lane
runs to its end (no clock stops it) and must exercise every operation with a 2xx.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import runner
from conformance.hooks import USER_IDS_ENV
from tests.conformance.conformance_sandbox import (
    DEMO_OAUTH,
    fuzz,
    not_exercised,
    sandbox_app,
    seed_progress,
)


@pytest.mark.slow
def test_sandbox_conforms_to_the_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = sandbox_app(tmp_path)
    monkeypatch.setenv(USER_IDS_ENV, str(seed_progress(app)))
    result = fuzz(app, max_examples=runner.DEFAULT_MAX_EXAMPLES)
    assert result.finished, "the run stopped before its end"
    assert not result.errors, result.errors
    assert not result.failures, "\n\n".join(result.messages)
    assert not_exercised(result) == {}


OAUTH_LANE_UNEXERCISED = {"updateTargetPeriods"}


@pytest.mark.slow
def test_sandbox_conforms_with_oauth_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sandbox_app(tmp_path)
    monkeypatch.setenv(USER_IDS_ENV, str(seed_progress(app)))
    result = fuzz(app, primary=DEMO_OAUTH, max_examples=1, phases=("examples", "fuzzing"))
    assert result.finished, "the run stopped before its end"
    assert not result.errors, result.errors
    assert not result.failures, "\n\n".join(result.messages)
    # Every request of this lane carried a token: a 2xx on an operation shows it was accepted.
    # Without the coverage and stateful phases, nothing creates a period that has not ended, and
    # only such a period can be updated.
    assert set(not_exercised(result)) == OAUTH_LANE_UNEXERCISED
