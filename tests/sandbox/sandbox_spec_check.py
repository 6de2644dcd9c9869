"""Validate a sandbox response against the response schema its spec documents."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from sandbox.openapi import (
    BUNDLE_JSON,
    SANDBOX_SPEC,
    Operation,
    build_operations,
    load_document,
    response_validator,
)


@cache
def operations(bundle: Path = BUNDLE_JSON) -> list[tuple[re.Pattern[str], Operation]]:
    ops = build_operations(load_document(bundle)) + build_operations(load_document(SANDBOX_SPEC))
    out = []
    for op in ops:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.path))
        out.append((re.compile(pattern + r"\Z"), op))
    # Literal paths first, so /v3/targetGroups/channels is not taken for /{targetGroupId}.
    out.sort(key=lambda item: item[1].path.count("{"))
    return out


def operation_for(method: str, path: str) -> Operation:
    path = path.split("?", 1)[0]
    for pattern, op in operations():
        if op.method == method.upper() and pattern.match(path):
            return op
    raise LookupError(f"no operation for {method} {path}")


@cache
def _validator(
    operation_id: str, method: str, path: str, status: int
) -> jsonschema_rs.Validator | None:
    return response_validator(operation_for(method, path), status)


def conformance_errors(method: str, path: str, status: int, body: Any) -> list[str]:
    """Messages for every way `body` breaks the documented response (empty when it conforms)."""
    op = operation_for(method, path)
    if str(status) not in op.raw.get("responses", {}):
        return [f"{method} {path}: status {status} is not documented"]
    validator = _validator(op.operation_id, op.method, op.path, status)
    if validator is None:
        return []
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(body)
    ]
