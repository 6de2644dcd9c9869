"""Mutation testing: the default fuzz run flags every planted defect, with the check meant for it.

Each mutant (tests/conformance/mutants.py) wraps the real sandbox app; each run is the project's
default fuzz run (same configuration, hooks, checks and example budget as `make fuzz`: every
operation, every phase), in-process, stopped at the first failure. The unmutated sandbox passes the
same run in tests/conformance/test_lane.py, so a kill is the defect's doing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import runner
from conformance.hooks import USER_IDS_ENV
from tests.conformance.conformance_sandbox import fuzz, sandbox_app, seed_progress
from tests.conformance.mutants import MUTANTS, Mutant


def test_mutants_cover_distinct_defect_classes() -> None:
    assert len(MUTANTS) >= 12
    assert len({mutant.name for mutant in MUTANTS}) == len(MUTANTS)
    assert len({mutant.defect for mutant in MUTANTS}) == len(MUTANTS)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", MUTANTS, ids=[mutant.name for mutant in MUTANTS])
def test_default_fuzz_run_flags_the_mutant(
    mutant: Mutant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sandbox_app(tmp_path, mutant)
    monkeypatch.setenv(USER_IDS_ENV, str(seed_progress(app)))
    result = fuzz(app, max_examples=runner.DEFAULT_MAX_EXAMPLES, max_failures=1)
    assert not result.errors, result.errors
    assert result.failures, f"{mutant.name} survived the default run: {mutant.defect}"
    # The defect is caught by the check meant for it, not by an unrelated failure.
    assert result.failed_checks & set(mutant.expected_checks), result.messages
