"""Reads an OpenAPI 3.1 document into operations with compiled JSON Schema validators.

Validators are built against the whole document so every local `$ref` resolves as written; the
sandbox never rewrites or re-derives the hand-written schemas.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema_rs
import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
REPO_ROOT = Path(__file__).resolve().parent.parent
# SANDBOX_BUNDLE points the sandbox at another bundle (a .json with its .yaml twin beside it).
BUNDLE_JSON = Path(os.environ.get("SANDBOX_BUNDLE", REPO_ROOT / "generated" / "openapi.json"))
BUNDLE_YAML = BUNDLE_JSON.with_suffix(".yaml")
SANDBOX_SPEC = Path(__file__).resolve().parent / "openapi-sandbox.yaml"


@dataclass(slots=True)
class Param:
    name: str
    location: str  # path | query | header
    required: bool
    schema: dict[str, Any]
    validator: jsonschema_rs.Validator


@dataclass(slots=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str
    params: list[Param]
    body_validator: jsonschema_rs.Validator | None
    body_required: bool
    secured: bool
    document: dict[str, Any] = field(repr=False)
    raw: dict[str, Any] = field(repr=False)


def load_document(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        doc: dict[str, Any] = json.loads(text)
    else:
        doc = yaml.safe_load(text)
    return doc


def pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (parameters, request bodies, responses) to the object they name."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        target: Any = document
        for token in ref[2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        node = target
        seen += 1
    return node


def validator_at(document: dict[str, Any], pointer: str) -> jsonschema_rs.Validator:
    """A validator for the schema at `pointer`, with the document as the root so `$ref`s work."""
    root = dict(document)
    root.pop("$schema", None)
    root.pop("$id", None)
    # A `$ref` is a URI: characters such as the braces of `{targetGroupId}` must be %-encoded.
    root["$ref"] = "#" + quote(pointer[1:], safe="/~-._")
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def bound_integer_formats(node: Any) -> Any:
    """A copy where `format: int32/int64` also carries the range it names.

    JSON Schema treats `format` on numbers as an annotation, but OpenAPI's int32/int64 are value
    ranges (and fuzzers generate 2**63 as invalid data), so the range becomes an explicit bound.
    """
    if isinstance(node, list):
        return [bound_integer_formats(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: bound_integer_formats(value) for key, value in node.items()}
    declared = out.get("format")
    bounds = INTEGER_FORMATS.get(declared) if isinstance(declared, str) else None
    if bounds is not None:
        low, high = bounds
        out["minimum"] = max(out["minimum"], low) if isinstance(out.get("minimum"), int) else low
        out["maximum"] = min(out["maximum"], high) if isinstance(out.get("maximum"), int) else high
    return out


def build_operations(document: dict[str, Any]) -> list[Operation]:
    operations: list[Operation] = []
    document = bound_integer_formats(document)
    default_security = document.get("security", [])
    for path, raw_item in (document.get("paths") or {}).items():
        item = resolve(document, raw_item)
        path_ptr = "#/paths/" + pointer_escape(path)
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            op_ptr = f"{path_ptr}/{method}"
            params = _params(document, shared, f"{path_ptr}/parameters")
            own = _params(document, raw.get("parameters", []), f"{op_ptr}/parameters")
            merged = {(p.location, p.name.lower()): p for p in [*params, *own]}
            body_validator = None
            body_required = False
            if "requestBody" in raw:
                body = resolve(document, raw["requestBody"])
                content = body.get("content", {})
                if "application/json" in content:
                    body_ptr = _location_of(document, raw["requestBody"], f"{op_ptr}/requestBody")
                    schema_ptr = f"{body_ptr}/content/application~1json/schema"
                    body_validator = validator_at(document, schema_ptr)
                body_required = bool(body.get("required", False))
            security = raw.get("security", default_security)
            operations.append(
                Operation(
                    operation_id=raw.get("operationId", f"{method} {path}"),
                    method=method.upper(),
                    path=path,
                    params=list(merged.values()),
                    body_validator=body_validator,
                    body_required=body_required,
                    secured=_is_secured(security),
                    document=document,
                    raw=raw,
                )
            )
    return operations


def _is_secured(security: list[dict[str, Any]]) -> bool:
    # `security: []` or a requirement list containing `{}` means anonymous access is allowed.
    return bool(security) and all(requirement for requirement in security)


def _location_of(document: dict[str, Any], node: Any, fallback: str) -> str:
    """The JSON pointer of the object `node` ends at after following `$ref`s."""
    pointer = fallback
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"]
        node = resolve(document, {"$ref": pointer})
    return pointer


def _params(document: dict[str, Any], raw_params: list[Any], base_ptr: str) -> list[Param]:
    params: list[Param] = []
    for index, raw in enumerate(raw_params):
        ptr = _location_of(document, raw, f"{base_ptr}/{index}")
        param = resolve(document, raw)
        location = param["in"]
        if location == "cookie" or "schema" not in param:
            continue
        params.append(
            Param(
                name=param["name"],
                location=location,
                required=bool(param.get("required", location == "path")),
                schema=resolve(document, param["schema"]),
                validator=validator_at(document, f"{ptr}/schema"),
            )
        )
    return params


def response_validator(operation: Operation, status: int) -> jsonschema_rs.Validator | None:
    """Validator for the JSON body the spec documents for `status` (tests use it)."""
    responses = operation.raw.get("responses", {})
    key = str(status)
    if key not in responses:
        key = f"{str(status)[0]}XX"
    if key not in responses:
        key = "default"
    if key not in responses:
        return None
    base = "#/paths/" + pointer_escape(operation.path) + f"/{operation.method.lower()}"
    ptr = _location_of(operation.document, responses[key], f"{base}/responses/{key}")
    response = resolve(operation.document, responses[key])
    if "application/json" not in response.get("content", {}):
        return None
    return validator_at(operation.document, f"{ptr}/content/application~1json/schema")
