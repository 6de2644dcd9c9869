"""Per-operation summary of a schemathesis run, from its VCR cassette and JSON report.

The cassette records every request (generated cases, stateful steps and check probes) with the
checks that ran on it; the JSON report lists the distinct failures per operation. The cassette of a
full run is several megabytes, and a YAML parser takes seconds on it, so it is scanned line by line:
the few fields needed sit at fixed indentation in schemathesis's cassette writer.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.generation import resolve
from conformance.hooks import LINK_HEADER

_ID = re.compile(r"^- id: '(?P<value>.*)'$")
_STATUS = re.compile(r"^  status: '(?P<value>\w+)'$")
_CHECK_NAME = re.compile(r"^    - name: '(?P<value>.*)'$")
_CHECK_STATUS = re.compile(r"^      status: '(?P<value>\w+)'$")
_URI = re.compile(r"^    uri: '(?P<value>.*)'$")
_METHOD = re.compile(r"^    method: '(?P<value>\w+)'$")
_PHASE = re.compile(r"^    name: '(?P<value>\w+)'$")
_RECORDED_AT = re.compile(r"^  recorded_at: '(?P<value>[^']*)'$")
_CODE = re.compile(r"^      code: '(?P<value>\d+)'$")
_HEADER_VALUE = re.compile(r'^      - "(?P<value>.*)"$')
_LINK_HEADER_LINE = f'      "{LINK_HEADER}":'


@dataclass(slots=True)
class Interaction:
    id: str
    status: str = ""
    method: str = ""
    uri: str = ""
    phase: str = ""
    recorded_at: str = ""
    failed_checks: list[str] = field(default_factory=list)
    # The response's status code; 0 when no response was recorded (a network error).
    status_code: int = 0
    # The operation whose response a spec link took this request's ids from ("" if none).
    linked_from: str = ""


def _unquote_yaml(value: str) -> str:
    # Single-quoted YAML scalars escape a quote by doubling it.
    return value.replace("''", "'")


def scan_cassette(lines: Iterable[str]) -> Iterator[Interaction]:
    """Yield each interaction's id, status, phase, request line and failed checks."""
    current: Interaction | None = None
    section = ""
    check_name = ""
    in_link_header = False
    for raw in lines:
        line = raw.rstrip("\n")
        if match := _ID.match(line):
            if current is not None:
                yield current
            current = Interaction(id=_unquote_yaml(match["value"]))
            section = ""
            continue
        if current is None:
            continue
        if line.startswith("  ") and not line.startswith("   ") and line.endswith(":"):
            section = line.strip()[:-1]
            continue
        if match := _STATUS.match(line):
            current.status = match["value"]
        elif match := _RECORDED_AT.match(line):
            current.recorded_at = match["value"]
        elif section == "phase" and (match := _PHASE.match(line)):
            current.phase = match["value"]
        elif section == "checks" and (match := _CHECK_NAME.match(line)):
            check_name = _unquote_yaml(match["value"])
        elif section == "checks" and (match := _CHECK_STATUS.match(line)):
            if match["value"] == "FAILURE":
                current.failed_checks.append(check_name)
        elif section == "request" and (match := _URI.match(line)):
            current.uri = _unquote_yaml(match["value"])
        elif section == "request" and (match := _METHOD.match(line)):
            current.method = match["value"].upper()
        elif section == "request" and line == _LINK_HEADER_LINE:
            in_link_header = True
            continue
        elif in_link_header and (match := _HEADER_VALUE.match(line)):
            current.linked_from = match["value"]
        elif section == "response" and (match := _CODE.match(line)):
            current.status_code = int(match["value"])
        in_link_header = False
    if current is not None:
        yield current


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    operation_id: str
    # Response statuses the spec documents ("200", "4XX", "default", ...).
    documented: tuple[str, ...] = ()
    path_parameters: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def load_operations(spec: dict[str, Any]) -> list[Operation]:
    methods = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
    operations = []
    for path, item in (spec.get("paths") or {}).items():
        for method in methods:
            definition = item.get(method) if isinstance(item, dict) else None
            if isinstance(definition, dict):
                operation_id = str(definition.get("operationId", ""))
                documented = tuple(str(code) for code in definition.get("responses") or {})
                parameters = [
                    *(item.get("parameters") or []),
                    *(definition.get("parameters") or []),
                ]
                in_path = tuple(
                    str(resolved["name"])
                    for resolved in (resolve(spec, raw) for raw in parameters)
                    if isinstance(resolved, dict) and resolved.get("in") == "path"
                )
                operations.append(
                    Operation(method.upper(), path, operation_id, documented, in_path)
                )
    return operations


def _iter_links(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(source operationId, resolved link) for every response link in the spec."""
    for item in (spec.get("paths") or {}).values():
        for definition in item.values() if isinstance(item, dict) else ():
            if not isinstance(definition, dict) or "operationId" not in definition:
                continue
            for raw in (definition.get("responses") or {}).values():
                response = resolve(spec, raw)
                for link in ((response or {}).get("links") or {}).values():
                    resolved = resolve(spec, link)
                    if isinstance(resolved, dict) and isinstance(resolved.get("operationId"), str):
                        yield str(definition["operationId"]), resolved


def load_links(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(source operationId, target operationId) for every response link in the spec."""
    return {(source, link["operationId"]) for source, link in _iter_links(spec)}


def link_parameters(spec: dict[str, Any]) -> dict[str, set[str]]:
    """operationId -> the parameters that some spec link supplies to it."""
    supplied: dict[str, set[str]] = {}
    for _, link in _iter_links(spec):
        names = supplied.setdefault(link["operationId"], set())
        names.update(str(name) for name in link.get("parameters") or {})
    return supplied


class PathMatcher:
    """Map a request URI to the spec's path template (literal segments win over parameters)."""

    def __init__(self, paths: Iterable[str], base_path: str = "") -> None:
        self.base_path = base_path.rstrip("/")
        compiled = []
        for path in set(paths):
            segments = path.strip("/").split("/")
            literal = sum(1 for segment in segments if not segment.startswith("{"))
            pattern = "/".join(
                "[^/]*" if segment.startswith("{") else re.escape(segment) for segment in segments
            )
            compiled.append((-literal, path, re.compile(f"^/{pattern}/?$")))
        self._patterns = sorted(compiled)

    def match(self, uri: str) -> str | None:
        path = urlsplit(uri).path
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path) :]
        for candidate in (path, unquote(path)):
            for _, template, pattern in self._patterns:
                if pattern.match(candidate):
                    return template
        return None


UNDOCUMENTED = "(undocumented methods)"


@dataclass(slots=True)
class OperationSummary:
    label: str
    operation_id: str
    cases: int = 0
    failed_cases: int = 0
    failures: list[str] = field(default_factory=list)
    # Response status codes seen, and requests whose ids a spec link supplied (by source).
    statuses: Counter[int] = field(default_factory=Counter)
    linked: Counter[str] = field(default_factory=Counter)


def summarize(
    operations: list[Operation],
    interactions: Iterable[Interaction],
    failures: list[dict[str, Any]],
    base_path: str = "",
) -> list[OperationSummary]:
    by_label = {op.label: OperationSummary(op.label, op.operation_id) for op in operations}
    matcher = PathMatcher({op.path for op in operations}, base_path)
    for interaction in interactions:
        template = matcher.match(interaction.uri)
        label = f"{interaction.method} {template}"
        if template is None or label not in by_label:
            # Undocumented methods (the coverage phase's 405 probes) and unknown paths: one row.
            label = UNDOCUMENTED
            by_label.setdefault(label, OperationSummary(label, ""))
        summary = by_label[label]
        summary.cases += 1
        if interaction.status_code:
            summary.statuses[interaction.status_code] += 1
        if interaction.linked_from:
            summary.linked[interaction.linked_from] += 1
        if interaction.failed_checks:
            summary.failed_cases += 1
    for failure in failures:
        title = f"{failure.get('code', '')} {failure.get('title', '')}".strip()
        for label in failure.get("operations") or ["(run)"]:
            if label not in by_label:
                by_label[label] = OperationSummary(label, "")
            by_label[label].failures.append(title)
    return list(by_label.values())


def format_table(rows: list[OperationSummary]) -> str:
    header = ("operation", "operationId", "cases", "failed", "failures")
    body = [
        (
            row.label,
            row.operation_id,
            str(row.cases),
            str(row.failed_cases),
            "; ".join(row.failures),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(4)]
    lines = []
    for line in [header, *body]:
        cells = [line[i].ljust(widths[i]) if i < 2 else line[i].rjust(widths[i]) for i in range(4)]
        lines.append("  ".join([*cells, line[4]]).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    total_cases = sum(row.cases for row in rows)
    total_failed = sum(row.failed_cases for row in rows)
    lines.append(f"total: {total_cases} cases, {total_failed} failed")
    return "\n".join(lines)


def read_json_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
