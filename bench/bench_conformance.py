"""Conformance fuzzing: mutation kill rate at the default budget, and a full run's speed.

1. Every mutant of tests/conformance/mutants.py is served over HTTP by the test-only launcher
   (tests/conformance/mutant_server.py: the sandbox CLI with one planted defect, fresh database)
   and fuzzed with the default command a user types (`make conformance`'s runner: every operation,
   every phase, the default seed and example budget, no early stop). Printed per mutant: killed
   or not, by which checks, the time from the run's first request to the first failing one, and
   the whole run's wall time (schemathesis start-up included). Goal: every mutant killed.
2. A full default run (`make conformance`: all operations, all phases, default budget,
   --require-coverage) against a fresh sandbox: cases, wall time, cases/s, operations exercised
   (target: within 90 s on 2 cores).

Printed, not asserted; tests/conformance/test_mutants.py asserts the kills.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance import report, runner, sandbox_run  # noqa: E402
from tests.conformance.mutants import MUTANTS, Mutant  # noqa: E402

LAUNCHER = ROOT / "tests" / "conformance" / "mutant_server.py"


@dataclass(slots=True)
class Kill:
    mutant: Mutant
    killed: bool
    checks: list[str]
    detected_after: float | None
    wall: float
    cases: int


def _seconds_between(first: str, last: str) -> float:
    return (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()


def run_mutant(mutant: Mutant, folder: Path) -> Kill:
    # The default options: what `make conformance` runs, with the reports kept apart.
    options = runner.FuzzOptions(base_url="", reports=folder, report_prefix=mutant.name)
    command = [sys.executable, str(LAUNCHER), mutant.name]
    started = time.monotonic()
    result = sandbox_run.fuzz_sandbox(options, log=folder / f"{mutant.name}.log", command=command)
    wall = time.monotonic() - started
    with result.cassette.open(encoding="utf-8") as handle:
        interactions = list(report.scan_cassette(handle))
    failing = [i for i in interactions if i.failed_checks]
    checks = sorted({name for i in failing for name in i.failed_checks})
    # The cassette is grouped by scenario, not sorted by time.
    started_at = min((i.recorded_at for i in interactions if i.recorded_at), default="")
    failed_at = min((i.recorded_at for i in failing if i.recorded_at), default="")
    detected = _seconds_between(started_at, failed_at) if started_at and failed_at else None
    return Kill(mutant, bool(result.failures), checks, detected, wall, len(interactions))


def mutation_table(kills: list[Kill]) -> str:
    header = ("mutant", "defect class", "killed", "by check", "detected after", "run (wall)")
    rows = [
        (
            kill.mutant.name,
            kill.mutant.defect,
            "yes" if kill.killed else "NO",
            ", ".join(kill.checks) or "-",
            f"{kill.detected_after:.2f} s" if kill.detected_after is not None else "-",
            f"{kill.wall:.1f} s",
        )
        for kill in kills
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in [header, *rows]
    ]
    lines.insert(1, "-" * len(lines[0]))
    killed = sum(kill.killed for kill in kills)
    lines.append(f"kill rate: {killed}/{len(kills)} ({100 * killed / max(len(kills), 1):.0f} %)")
    return "\n".join(line.rstrip() for line in lines)


def full_run(folder: Path, max_examples: int) -> str:
    options = runner.FuzzOptions(
        base_url="",
        max_examples=max_examples,
        reports=folder,
        report_prefix="full",
        require_coverage=True,
    )
    started = time.monotonic()
    result = sandbox_run.fuzz_sandbox(options, log=folder / "full.log")
    wall = time.monotonic() - started
    rate = result.cases / result.elapsed if result.elapsed else 0.0
    verdict = "passed" if result.passed else f"FAILED ({len(result.failures)} kind(s))"
    exercised = len(result.coverage) - len(result.not_exercised)
    lines = [
        "full default run against a fresh sandbox (all operations, all phases, all checks, "
        "--require-coverage)",
        f"  max-examples {max_examples}, seed {runner.DEFAULT_SEED}, workers "
        f"{runner.DEFAULT_WORKERS}",
        f"  cases {result.cases}, fuzz run {result.elapsed:.1f} s, with sandbox start/stop "
        f"{wall:.1f} s, {rate:.0f} cases/s, {verdict}",
        f"  operations exercised (a 2xx): {exercised}/{len(result.coverage)}",
        f"  target: within 90 s on 2 cores -> {'met' if result.elapsed <= 90 else 'NOT met'}",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutants", help="comma-separated mutant names (default: all)")
    parser.add_argument("--skip-full", action="store_true", help="skip the full default run")
    parser.add_argument(
        "--max-examples",
        type=int,
        default=runner.DEFAULT_MAX_EXAMPLES,
        help=f"budget of the full run (default {runner.DEFAULT_MAX_EXAMPLES}, as make conformance)",
    )
    args, _ = parser.parse_known_args()
    selected = [m for m in MUTANTS if not args.mutants or m.name in args.mutants.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-conformance-") as tmp:
        folder = Path(tmp)
        kills = []
        for mutant in selected:
            kills.append(run_mutant(mutant, folder / mutant.name))
            print(f"  {mutant.name}: {'killed' if kills[-1].killed else 'SURVIVED'}", flush=True)
        print()
        print(mutation_table(kills))
        if not args.skip_full:
            print()
            print(full_run(folder / "full", args.max_examples), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
