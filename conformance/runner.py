"""Run `st run` with the project's configuration and summarise the result per operation.

The schemathesis CLI runs in a subprocess (its own process state, its own reports), with the hook
module switched on through the environment. A hard time cap is enforced here: `--max-time` in
schemathesis is a budget that fuzzing fills by repeating, not a ceiling, so the cap interrupts the
run with SIGINT, which makes schemathesis stop cleanly and still write its reports.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import yaml

from conformance import coverage as coverage_report
from conformance import redact, report
from conformance.credentials import SCHEME_ENV, SchemeChoice
from conformance.hooks import ACTIVATE_ENV, READ_ONLY_ENV

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "conformance" / "schemathesis.toml"
DEFAULT_SPEC = ROOT / "generated" / "openapi.yaml"
DEFAULT_REPORTS = ROOT / "reports"
DEFAULT_SEED = 20240601
# Sized so that a full default run against the sandbox stays within 90 s on 2 cores.
DEFAULT_MAX_EXAMPLES = 25
# One worker: a seeded run then sends its cases in the same order every time, and it avoids a
# thread-safety bug of CPython 3.11's ast.parse that schemathesis's workers hit (Runtime Errors
# seen with 4 workers). On 2 cores the sandbox and the fuzzer share the CPU anyway: 2 workers
# gained about 15 %.
DEFAULT_WORKERS = "1"
# After SIGINT, schemathesis finishes the request in flight and writes its reports.
INTERRUPT_GRACE_SECONDS = 30.0
INTERRUPTED_EXIT = 130


@dataclass(slots=True)
class FuzzOptions:
    base_url: str
    spec: Path = DEFAULT_SPEC
    seed: int = DEFAULT_SEED
    max_examples: int = DEFAULT_MAX_EXAMPLES
    max_duration: float | None = None
    workers: str = DEFAULT_WORKERS
    read_only: bool = False
    rate_limit: str | None = None
    auth_scheme: SchemeChoice = "auto"
    phases: str | None = None
    operation_ids: list[str] = field(default_factory=list)
    max_failures: int | None = None
    reports: Path = DEFAULT_REPORTS
    report_prefix: str = "fuzz"
    extra_args: list[str] = field(default_factory=list)
    # Fail the run when an operation never got a 2xx (see conformance/coverage.py).
    require_coverage: bool = False


@dataclass(slots=True)
class RunResult:
    exit_code: int
    elapsed: float
    interrupted: bool
    summaries: list[report.OperationSummary]
    failures: list[dict[str, object]]
    junit: Path
    cassette: Path
    json_report: Path
    # Errors schemathesis reported (e.g. an operation it could not test): never a pass.
    errors: int = 0
    coverage: list[coverage_report.OperationCoverage] = field(default_factory=list)
    require_coverage: bool = False

    @property
    def cases(self) -> int:
        return sum(row.cases for row in self.summaries)

    @property
    def not_exercised(self) -> list[coverage_report.OperationCoverage]:
        return [row for row in self.coverage if not row.exercised]

    @property
    def passed(self) -> bool:
        if self.failures or self.errors:
            return False
        if self.require_coverage and self.not_exercised:
            return False
        # A run stopped by --max-duration (SIGINT: exit 130) passes on what it tested.
        return self.exit_code == 0 or (self.interrupted and self.exit_code == INTERRUPTED_EXIT)


def report_paths(options: FuzzOptions) -> tuple[Path, Path, Path]:
    prefix = options.reports / options.report_prefix
    return (
        prefix.with_name(f"{prefix.name}-junit.xml"),
        prefix.with_name(f"{prefix.name}-cassette.yaml"),
        prefix.with_name(f"{prefix.name}-run.json"),
    )


def load_spec(path: Path) -> dict[str, Any]:
    spec = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return spec if isinstance(spec, dict) else {}


def selected_operations(options: FuzzOptions, spec: dict[str, Any]) -> list[report.Operation]:
    """The operations the run's filters keep (`--operation-id`, `--read-only`)."""
    operations = report.load_operations(spec)
    if options.operation_ids:
        operations = [op for op in operations if op.operation_id in options.operation_ids]
    if options.read_only:
        operations = [op for op in operations if op.method == "GET"]
    return operations


def plan(options: FuzzOptions, spec: dict[str, Any]) -> tuple[FuzzOptions, list[str]]:
    """Adjust the phases to the filters; return the options to run with and notes to print.

    Schemathesis reports an error when filters leave the stateful phase no link to follow, so a
    filtered run without links between its operations runs the other three phases.
    """
    if options.phases is not None or not (options.operation_ids or options.read_only):
        return options, []
    kept = {op.operation_id for op in selected_operations(options, spec)}
    if any(source in kept and target in kept for source, target in report.load_links(spec)):
        return options, []
    note = "no spec link between the selected operations: stateful phase skipped"
    return replace(options, phases="examples,coverage,fuzzing"), [note]


def build_command(options: FuzzOptions) -> list[str]:
    junit, cassette, json_report = report_paths(options)
    command = [
        sys.executable,
        "-m",
        "conformance.st",
        "--config-file",
        str(CONFIG),
        "run",
        str(options.spec),
        "--url",
        options.base_url,
        "--seed",
        str(options.seed),
        "--max-examples",
        str(options.max_examples),
        "--workers",
        options.workers,
        "--report",
        "junit,vcr,json",
        "--report-junit-path",
        str(junit),
        "--report-vcr-path",
        str(cassette),
        "--report-json-path",
        str(json_report),
    ]
    if options.read_only:
        command += ["--include-method", "GET"]
    if options.rate_limit:
        command += ["--rate-limit", options.rate_limit]
    if options.phases:
        command += ["--phases", options.phases]
    for operation_id in options.operation_ids:
        command += ["--include-operation-id", operation_id]
    if options.max_failures is not None:
        command += ["--max-failures", str(options.max_failures)]
    return command + list(options.extra_args)


def build_env(options: FuzzOptions, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env[ACTIVATE_ENV] = "1"
    env[SCHEME_ENV] = options.auth_scheme
    env[READ_ONLY_ENV] = "1" if options.read_only else "0"
    # The hook module and the generated packages are imported by the subprocess.
    paths = [str(ROOT), str(ROOT / "generated" / "client"), str(ROOT / "generated" / "models")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _wait(process: subprocess.Popen[bytes], max_duration: float | None) -> bool:
    """Wait for the run; past the cap interrupt it, then kill it. True if it was interrupted."""
    try:
        process.wait(timeout=max_duration)
        return False
    except subprocess.TimeoutExpired:
        pass
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=INTERRUPT_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=INTERRUPT_GRACE_SECONDS)
    return True


def run(
    options: FuzzOptions, log: Path | None = None, env: Mapping[str, str] | None = None
) -> RunResult:
    """Run schemathesis and return the parsed result.

    Output goes to our stdout, or to the file `log` (tests and benchmarks read it afterwards).
    """
    options, notes = plan(options, load_spec(options.spec))
    for note in notes:
        print(f"    {note}", flush=True)
    options.reports.mkdir(parents=True, exist_ok=True)
    junit, cassette, json_report = report_paths(options)
    for stale in (junit, cassette, json_report):
        stale.unlink(missing_ok=True)
    started = time.monotonic()
    sys.stdout.flush()
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(log.open("wb")) if log is not None else None
        process = stack.enter_context(
            subprocess.Popen(
                build_command(options),
                cwd=ROOT,
                env=build_env(options, env),
                stdout=sink,
                stderr=subprocess.STDOUT if sink is not None else None,
            )
        )
        interrupted = _wait(process, options.max_duration)
    elapsed = time.monotonic() - started
    redact.redact_files((junit, cassette, json_report), os.environ if env is None else env)
    return collect(options, process.returncode, elapsed, interrupted)


def collect(options: FuzzOptions, exit_code: int, elapsed: float, interrupted: bool) -> RunResult:
    junit, cassette, json_report = report_paths(options)
    spec = load_spec(options.spec)
    operations = selected_operations(options, spec)
    interactions: list[report.Interaction] = []
    if cassette.is_file():
        with cassette.open(encoding="utf-8") as handle:
            interactions = list(report.scan_cassette(handle))
    data = report.read_json_report(json_report)
    failures = [item for item in data.get("failures", []) if isinstance(item, dict)]
    errors = data.get("errors")
    summaries = report.summarize(operations, interactions, failures, base_path(options.base_url))
    covered = coverage_report.assess(operations, summaries, report.link_parameters(spec))
    return RunResult(
        exit_code=exit_code,
        elapsed=elapsed,
        interrupted=interrupted,
        summaries=summaries,
        failures=failures,
        junit=junit,
        cassette=cassette,
        json_report=json_report,
        errors=len(errors) if isinstance(errors, list) else 0,
        coverage=covered,
        require_coverage=options.require_coverage,
    )


def base_path(base_url: str) -> str:
    return urlsplit(base_url).path


def print_summary(result: RunResult, out: TextIO = sys.stdout) -> None:
    print("", file=out)
    print("==> per-operation summary", file=out)
    print(report.format_table(result.summaries), file=out)
    print("", file=out)
    print("==> coverage: what the run exercised", file=out)
    print(coverage_report.format_table(result.coverage), file=out)
    rate = result.cases / result.elapsed if result.elapsed > 0 else 0.0
    print(f"time: {result.elapsed:.1f} s, {rate:.0f} cases/s", file=out)
    for label, path in (
        ("JUnit XML", result.junit),
        ("request log (VCR cassette)", result.cassette),
        ("run report (JSON)", result.json_report),
    ):
        if path.is_file():
            print(f"{label}: {_relative(path)}", file=out)
    if result.interrupted:
        print("stopped by --max-duration: the run is partial", file=out)
    verdict = "PASSED: no failures" if result.passed else _failed_verdict(result)
    if result.passed and result.interrupted:
        verdict += " in the part that ran"
    print(verdict, file=out)


def _failed_verdict(result: RunResult) -> str:
    if result.failures:
        count = sum(int(str(item.get("count", 1))) for item in result.failures)
        return f"FAILED: {count} failure(s) of {len(result.failures)} kind(s); see above"
    if result.require_coverage and result.not_exercised and not result.errors:
        names = ", ".join(row.operation_id or row.label for row in result.not_exercised)
        return f"FAILED: --require-coverage: not exercised: {names}"
    return f"FAILED: schemathesis exited with {result.exit_code} (errors or warnings above)"


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def exit_code(result: RunResult) -> int:
    if result.passed:
        return 0
    return result.exit_code if result.exit_code not in (0, 2) else 1


def describe_command(command: Sequence[str]) -> str:
    return " ".join(command[1:])
