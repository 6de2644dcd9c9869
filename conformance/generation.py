"""Keep positive test cases positive.

Schemathesis's generators do not honour every JSON Schema 2020-12 keyword everywhere: the coverage
phase builds nested objects one property at a time and ignores `dependentRequired` there, so
`{"aggregation": "COUNT"}` is sent as a *valid* UnifiedTargetExpressionInput although the spec
requires `thresholdValue` with it. A server that rightly rejects it would then fail
`positive_data_acceptance`. The `filter_case` hook drops such cases: a positive case's JSON body is
validated against the spec with jsonschema-rs (full 2020-12, formats on, like the sandbox) and
skipped when it does not conform. Negative cases are left alone.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import jsonschema_rs
from schemathesis.core import NOT_SET

if TYPE_CHECKING:
    from conformance._typing import AnyCase, AnyOperation

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

_validators: dict[tuple[int, str], jsonschema_rs.Validator | None] = {}
_lock = threading.Lock()


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s until a concrete node (bounded: refs to refs are rare)."""
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        reference: str = node["$ref"]
        if not reference.startswith("#/"):
            return None
        node = document
        for token in reference[2:].split("/"):
            key = token.replace("~1", "/").replace("~0", "~")
            node = node.get(key) if isinstance(node, dict) else None
    return None


def _body_schema(operation: AnyOperation) -> Any:
    document = operation.schema.raw_schema
    request_body = resolve(document, operation.definition.raw.get("requestBody"))
    if not isinstance(request_body, dict):
        return None
    content = request_body.get("content") or {}
    media = content.get("application/json")
    return media.get("schema") if isinstance(media, dict) else None


def body_validator(operation: AnyOperation) -> jsonschema_rs.Validator | None:
    key = (id(operation.schema.raw_schema), operation.label)
    with _lock:
        if key in _validators:
            return _validators[key]
    schema = _body_schema(operation)
    validator = None
    if schema is not None:
        components = operation.schema.raw_schema.get("components", {})
        # Components sit at the root, so every `#/components/...` ref resolves as written.
        root = {"$schema": DRAFT_2020_12, "components": components, "allOf": [schema]}
        validator = jsonschema_rs.validator_for(root, validate_formats=True)
    with _lock:
        _validators[key] = validator
    return validator


def conforms(case: AnyCase) -> bool:
    """Whether a case's JSON body (if any) is valid against the spec."""
    if case.media_type is None or "json" not in case.media_type:
        return True
    body = case.body
    if body is NOT_SET:
        return True
    validator = body_validator(case.operation)
    return validator is None or validator.is_valid(body)
