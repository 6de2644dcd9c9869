"""Typed request bodies: the generated pydantic models, one adapter per operation with a body.

Bodies are validated against the spec's JSON Schema first (the strict, spec-exact check); the
model then gives handlers typed access. A body the schema accepts but the model rejects would
mean the generated models drifted from the spec, and is reported as such.
"""

from __future__ import annotations

from typing import Any

import capillary_target_groups_models as generated
from pydantic import TypeAdapter

from sandbox.openapi import Operation, resolve


def model_name(operation: Operation) -> str | None:
    """The generated model of the operation's JSON body: its schema's name, or `<Op>Request`."""
    if "requestBody" not in operation.raw:
        return None
    body = resolve(operation.document, operation.raw["requestBody"])
    schema = body.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return ref.rsplit("/", 1)[1]
    op_id = operation.operation_id
    return op_id[0].upper() + op_id[1:] + "Request"


def adapter_for(operation: Operation) -> TypeAdapter[Any] | None:
    """None for operations without a body and for the sandbox-only ones (no generated models)."""
    name = model_name(operation)
    if name is None or operation.path.startswith("/sandbox/"):
        return None
    target = getattr(generated, name, None)
    if target is None:
        raise LookupError(f"generated models have no {name} for {operation.operation_id}")
    return TypeAdapter(target)
