"""The date-sensitive sandbox, client and fuzzing tests pass whatever the date: run them at two
far dates.

Each run is a pytest subprocess with CAP_TEST_NOW set (tests/clock.py): its sandboxes start
their clocks there and its tests write their dates relative to it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.clock import ENV
from tests.sandbox.sandbox_server import ROOT

pytestmark = pytest.mark.slow
# Tests whose dates, period statuses or demo data depend on the day they run.
DATE_SENSITIVE = [
    "tests/sandbox/test_sandbox_operations.py::test_create_each_tracking_type",
    "tests/sandbox/test_sandbox_operations.py::test_periods_create_list_update",
    "tests/sandbox/test_sandbox_operations.py::test_running_and_ended_period_rules",
    "tests/sandbox/test_sandbox_operations.py::test_milestones_filters_and_pagination",
    "tests/sandbox/test_sandbox_materialized.py",
    "tests/sandbox/test_sandbox_user_progress.py",
    "tests/sandbox/test_sandbox_clock.py::test_seeded_demo_periods_surround_the_clocks_day",
    "tests/conformance/test_lane.py::test_sandbox_conforms_to_the_spec",
    "tests/client/test_sdk_sandbox.py::test_target_periods",
]
# Only a bound on a hung run.
TIMEOUT_SECONDS = 900


@pytest.mark.parametrize("when", ["2031-06-01", "2045-01-01"])
def test_date_sensitive_tests_pass_far_in_the_future(when: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *DATE_SENSITIVE],
        cwd=ROOT,
        env={**os.environ, ENV: when},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    report = result.stdout[-8000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    # Every selected test ran and passed: nothing skipped, deselected or expected to fail.
    summary = result.stdout.strip().splitlines()[-1]
    passed = re.fullmatch(r"(\d+) passed(, \d+ warnings?)? in .*", summary)
    assert passed is not None and int(passed[1]) >= len(DATE_SENSITIVE), report
