"""What a run exercised, per operation, and why an operation that never got a 2xx did not.

A run with no failures proves little about an operation the server only ever refused: its checks
of a successful answer (schema, persistence, pagination) never ran. Each operation is therefore
reported with its cases, the cases that got a 2xx, the documented statuses seen and never seen, and
the requests whose ids a spec link supplied. One with no 2xx is "not exercised", with the most
likely reason read from what the server answered, and what to do about it. `--require-coverage`
turns "not exercised" into a failed run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from conformance.hooks import TOKEN_OPERATION_ID, USER_IDS_ENV
from conformance.report import Operation, OperationSummary

AUTH_STATUSES = frozenset({401, 403})
# Path parameters no spec link can supply, and the environment variable that supplies them.
PARAMETER_SOURCES = {"userId": USER_IDS_ENV}


@dataclass(frozen=True, slots=True)
class OperationCoverage:
    label: str
    operation_id: str
    cases: int
    ok: int
    seen: tuple[str, ...]
    never_seen: tuple[str, ...]
    links_followed: int
    # None when the operation got a 2xx; otherwise why it did not, and what to do.
    reason: str | None = None
    fix: str | None = None

    @property
    def exercised(self) -> bool:
        return self.reason is None


def _matches(documented: str, status: int) -> bool:
    if documented.upper().endswith("XX") and documented[:1].isdigit():
        return str(status)[:1] == documented[0]
    return documented == str(status)


def _diagnose(operation: Operation, statuses: Counter[int], supplied: set[str]) -> tuple[str, str]:
    if not statuses:
        return (
            "no request reached it",
            "run without --max-duration, or check the --operation-id and --read-only filters",
        )
    top = ", ".join(f"{code} x{count}" for code, count in statuses.most_common(3))
    if set(statuses) <= AUTH_STATUSES:
        return (
            f"every request was refused ({top})",
            "use credentials whose till has access to this operation",
        )
    if operation.operation_id == TOKEN_OPERATION_ID:
        return (
            f"generated keys are never valid ({top})",
            "set CAP_OAUTH_KEY and CAP_OAUTH_SECRET: every other valid token request then "
            "sends them",
        )
    # Negative cases rightly get 400s, so any 404 on an id path points at the ids.
    if 404 in statuses and operation.path_parameters:
        unlinked = [name for name in operation.path_parameters if name not in supplied]
        for name in unlinked:
            if name in PARAMETER_SOURCES:
                return (
                    f"no generated {name} named an existing one ({top})",
                    f"set {PARAMETER_SOURCES[name]} to ids that exist on the server",
                )
        if unlinked:
            return (
                f"no generated id named an existing resource ({top})",
                "add a spec link from the operation that creates it",
            )
        return (
            f"every id named a missing resource ({top})",
            "the operations whose links supply its ids never answered 2xx first: see their rows",
        )
    if any(code >= 500 for code in statuses):
        return (f"the server failed ({top})", "see the failures above")
    return (
        f"every request was rejected ({top})",
        "the server refuses what the spec allows: read its answers in the cassette, then fix "
        "the server or the spec",
    )


def assess(
    operations: list[Operation],
    summaries: list[OperationSummary],
    link_parameters: dict[str, set[str]],
) -> list[OperationCoverage]:
    """Coverage of each selected operation, from the run's per-operation summaries.

    `link_parameters` maps an operationId to the parameters some spec link supplies to it.
    """
    by_label = {summary.label: summary for summary in summaries}
    rows = []
    for operation in operations:
        summary = by_label.get(operation.label) or OperationSummary(
            operation.label, operation.operation_id
        )
        statuses = summary.statuses
        seen = tuple(d for d in operation.documented if any(_matches(d, s) for s in statuses))
        never = tuple(d for d in operation.documented if d not in seen and d != "default")
        ok = sum(count for code, count in statuses.items() if 200 <= code < 300)
        reason = fix = None
        if not ok:
            supplied = link_parameters.get(operation.operation_id, set())
            reason, fix = _diagnose(operation, statuses, supplied)
        rows.append(
            OperationCoverage(
                operation.label,
                operation.operation_id,
                summary.cases,
                ok,
                seen,
                never,
                sum(summary.linked.values()),
                reason,
                fix,
            )
        )
    return rows


def format_table(rows: list[OperationCoverage]) -> str:
    header = ("operationId", "cases", "2xx", "links", "documented, seen", "never seen")
    body = [
        (
            row.operation_id or row.label,
            str(row.cases),
            str(row.ok),
            str(row.links_followed),
            " ".join(row.seen) or "-",
            " ".join(row.never_seen) or "-",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = []
    for line in [header, *body]:
        cells = [
            cell.rjust(widths[i]) if 1 <= i <= 3 else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    missing = [row for row in rows if not row.exercised]
    for row in missing:
        lines.append(f"NOT EXERCISED {row.operation_id or row.label}: {row.reason}")
        lines.append(f"    fix: {row.fix}")
    exercised = len(rows) - len(missing)
    lines.append(f"exercised: {exercised}/{len(rows)} operations got a 2xx")
    return "\n".join(lines)
