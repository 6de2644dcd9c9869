"""Run the same schemathesis engine, configuration, hooks and checks in-process against an ASGI app.

`make test` uses it for a bounded lane against the sandbox app (no sockets, no subprocess), and the
mutation tests use it to run each faulty variant quickly. It drives `schemathesis.engine` directly,
which is what `st run` does under its CLI, so phases and checks are the same as `make fuzz`.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events
from schemathesis.filters import FilterSet

from conformance.coverage import OperationCoverage, assess
from conformance.credentials import Identity
from conformance.hooks import LINK_HEADER, activate
from conformance.report import OperationSummary, link_parameters, load_operations
from conformance.runner import CONFIG


@dataclass(slots=True)
class InProcessResult:
    elapsed: float = 0.0
    cases: Counter[str] = field(default_factory=Counter)
    # Operation label -> names of the checks that failed on it.
    failures: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Failure messages, for assertion output.
    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Response status codes seen, per operation label: shows the credentials got through.
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    # Requests whose ids a spec link supplied, per operation label and source operation.
    linked: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # Seconds from the start of the run to the first failing scenario.
    first_failure_after: float | None = None
    # Whether the engine ran every phase to its end (False: stopped or crashed).
    finished: bool = False

    @property
    def total_cases(self) -> int:
        return sum(self.cases.values())

    @property
    def failed_checks(self) -> set[str]:
        return {name for names in self.failures.values() for name in names}

    def coverage(self, spec: dict[str, Any]) -> list[OperationCoverage]:
        """Per-operation coverage of this run, assessed as the CLI's report does."""
        summaries = []
        for label, statuses in self.statuses.items():
            summary = OperationSummary(label, "", cases=self.cases[label])
            summary.statuses.update(statuses)
            summary.linked.update(self.linked.get(label, Counter()))
            summaries.append(summary)
        return assess(load_operations(spec), summaries, link_parameters(spec))


def load_schema(
    spec: Path,
    app: Any,
    primary: Identity,
    peer: Identity | None = None,
    *,
    seed: int,
    max_examples: int,
    phases: Sequence[str] | None = None,
    operation_ids: Sequence[str] = (),
    max_failures: int | None = None,
    workers: int = 1,
) -> Any:
    config = SchemathesisConfig.from_path(CONFIG)
    config.update(seed=seed, max_failures=max_failures)
    schema: Any = schemathesis.openapi.from_path(spec, config=config)
    schema.app = app
    activate(schema, primary, peer)
    schema.config.update(workers=workers)
    schema.config.generation.update(max_examples=max_examples)
    if phases is not None:
        schema.config.phases.update(phases=list(phases))
    if operation_ids:
        # `schema.include()` would add a second, OR-ed include next to the one the loader builds
        # from `[[operations]]`, and select everything; combine them the way the CLI does.
        selected = FilterSet()
        selected.include(operation_id=list(operation_ids))
        schema = schema.clone(filter_set=schema.config.operations.filter_set_with(include=selected))
    return schema


def run(schema: Any) -> InProcessResult:
    """Execute every configured phase to its end; the budget is the schema's example counts.

    Nothing here stops on a clock, so the verdict does not depend on the machine's speed.
    """
    result = InProcessResult()
    started = time.monotonic()
    stream = schemathesis.engine.from_schema(schema).execute()
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            _record(result, event, time.monotonic() - started)
        elif isinstance(event, events.NonFatalError):
            result.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            result.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            result.finished = True
        if event.is_terminal:
            break
    result.elapsed = time.monotonic() - started
    return result


def _record(result: InProcessResult, event: events.ScenarioFinished, at: float) -> None:
    recorder = event.recorder
    for case_id, node in recorder.cases.items():
        label = node.value.operation.label
        result.cases[label] += 1
        interaction = recorder.interactions.get(case_id)
        if interaction is not None and interaction.response is not None:
            result.statuses[label][interaction.response.status_code] += 1
        headers = node.value.headers
        source = headers.get(LINK_HEADER) if headers is not None else None
        if isinstance(source, str) and source:
            result.linked[label][source] += 1
    for case_id, checks in recorder.checks.items():
        parent = recorder.cases.get(case_id)
        label = parent.value.operation.label if parent is not None else recorder.label
        for check in checks:
            if check.status == Status.FAILURE:
                result.failures[label].add(check.name)
                if len(result.messages) < 20 and check.failure_info is not None:
                    result.messages.append(f"{label}: {check.name}: {check.failure_info.failure}")
    if event.status == Status.FAILURE and result.first_failure_after is None:
        result.first_failure_after = at
