"""Mutation testing: the fuzz run must flag every planted defect, and only because of the defect.

Each mutant (tests/conformance/mutants.py) wraps the real sandbox app; each run is the project's
fuzz run (same configuration, hooks and checks as `make fuzz`), in-process, restricted to the
mutant's operations and stopped at the first failure. A control run of the unmutated sandbox over
the same operations must pass, or a kill would prove nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.conformance_sandbox import fuzz, sandbox_app
from tests.conformance.mutants import MUTANTS, Mutant

# Enough for every mutant to be found in the coverage or first stateful steps; bounded in time.
MUTANT_MAX_EXAMPLES = 10
MUTANT_DEADLINE_SECONDS = 60.0


def test_mutants_cover_distinct_defect_classes() -> None:
    assert len(MUTANTS) >= 12
    assert len({mutant.name for mutant in MUTANTS}) == len(MUTANTS)
    assert len({mutant.defect for mutant in MUTANTS}) == len(MUTANTS)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", MUTANTS, ids=[mutant.name for mutant in MUTANTS])
def test_fuzz_run_flags_the_mutant(mutant: Mutant, tmp_path: Path) -> None:
    result = fuzz(
        sandbox_app(tmp_path, mutant),
        max_examples=MUTANT_MAX_EXAMPLES,
        deadline_seconds=MUTANT_DEADLINE_SECONDS,
        operation_ids=mutant.operation_ids,
        phases=mutant.phases,
        max_failures=1,
    )
    assert result.failures, f"{mutant.name} survived: {mutant.defect}"
    # The defect is caught by the check meant for it, not by an unrelated failure.
    assert result.failed_checks & set(mutant.expected_checks), result.messages


FOCUSED_RUNS = sorted({(mutant.operation_ids, mutant.phases) for mutant in MUTANTS})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("operation_ids", "phases"),
    FOCUSED_RUNS,
    ids=["+".join(ids) + ":" + "+".join(phases) for ids, phases in FOCUSED_RUNS],
)
def test_unmutated_sandbox_passes_the_same_focused_runs(
    operation_ids: tuple[str, ...], phases: tuple[str, ...], tmp_path: Path
) -> None:
    result = fuzz(
        sandbox_app(tmp_path),
        max_examples=MUTANT_MAX_EXAMPLES,
        deadline_seconds=MUTANT_DEADLINE_SECONDS,
        operation_ids=operation_ids,
        phases=phases,
    )
    assert not result.errors, result.errors
    assert not result.failures, "\n\n".join(result.messages)
