"""The bounded in-process conformance lane of `make test`: the sandbox app against the spec.

Same schemathesis configuration, hooks and checks as `make fuzz` / `make conformance`, all phases,
a small fixed budget, no sockets. `make conformance` is the full run over HTTP.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.conformance_sandbox import DEMO_OAUTH, fuzz, sandbox_app

# Cases per operation in the fuzzing and stateful phases; coverage and examples always run fully.
LANE_MAX_EXAMPLES = 3
LANE_DEADLINE_SECONDS = 50.0


@pytest.mark.slow
def test_sandbox_conforms_to_the_spec(tmp_path: Path) -> None:
    result = fuzz(
        sandbox_app(tmp_path),
        max_examples=LANE_MAX_EXAMPLES,
        deadline_seconds=LANE_DEADLINE_SECONDS,
    )
    assert not result.errors, result.errors
    assert not result.failures, "\n\n".join(result.messages)
    served = {label for label, codes in result.statuses.items() if any(c < 300 for c in codes)}
    # Everything but the user-progress read (no enrolled user to find) answers 2xx at least once.
    assert len(served) >= 19, sorted(set(result.statuses) - served)


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
