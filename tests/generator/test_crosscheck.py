"""Every example in the bundled spec goes through both model families and comes back unchanged.

Client models (attrs): ``from_dict`` then ``to_dict``. Pydantic models: ``TypeAdapter(...)``
``validate_python`` then ``dump_python(mode="json", by_alias=True, exclude_unset=True)`` (a
``TypeAdapter`` also covers the union aliases and inline arrays, which are not ``BaseModel``s).

Documented omissions, where "the same JSON" is compared modulo a normalisation:
- numbers compare by value (``2000 == 2000.0``): pydantic turns an integer into a float where the
  schema says ``number``;
- date-time strings compare as instants: the client writes ``+00:00`` where the example says ``Z``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import capillary_target_groups.models as client_models
import capillary_target_groups_models as pydantic_models
import pytest
from pydantic import TypeAdapter

from tests.generator.gen_helpers import ROOT

SPEC: dict[str, Any] = json.loads((ROOT / "generated" / "openapi.json").read_text("utf-8"))
METHODS = {"get", "put", "post", "delete", "patch"}
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for token in node["$ref"].removeprefix("#/").split("/"):
            target = target[token]
        node = target
    return node


def _examples(where: str, media: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    schema = media.get("schema")
    if schema is None:
        return
    if "example" in media:
        yield where, schema, media["example"]
    for name, example in media.get("examples", {}).items():
        label = example.get("$ref", name)
        yield f"{where} {label}", schema, _deref(example)["value"]


COVERED_OPERATIONS: set[str] = set()


def all_examples() -> list[tuple[str, dict[str, Any], Any]]:
    found: dict[str, tuple[str, dict[str, Any], Any]] = {}
    for item in SPEC["paths"].values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            body = operation.get("requestBody")
            media_types = [] if body is None else _deref(body).get("content", {}).values()
            for media in media_types:
                for ex in _examples(f"{operation['operationId']} request", media):
                    found[ex[0]] = ex
                    COVERED_OPERATIONS.add(operation["operationId"])
            for code, response in operation["responses"].items():
                for media in _deref(response).get("content", {}).values():
                    for ex in _examples(f"{operation['operationId']} {code}", media):
                        # A shared example under a shared schema is one case, not one per use.
                        key = f"{json.dumps(ex[1], sort_keys=True)} {ex[0].rsplit(' ', 1)[-1]}"
                        found.setdefault(key, ex)
                        COVERED_OPERATIONS.add(operation["operationId"])
    for name, schema in SPEC["components"]["schemas"].items():
        for index, value in enumerate(schema.get("examples", [])):
            label = f"schema {name}[{index}]"
            found[label] = (label, {"$ref": f"#/components/schemas/{name}"}, value)
    return sorted(found.values(), key=lambda ex: ex[0])


EXAMPLES = all_examples()


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and _DATE_TIME.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


CLIENT_CLASSES = {_key(name): getattr(client_models, name) for name in client_models.__all__}


def through_client(schema: dict[str, Any], value: Any) -> Any:
    """What the client does with ``value``: its class's from_dict/to_dict, unions tried in order."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        cls = CLIENT_CLASSES.get(_key(name))
        if cls is not None and hasattr(cls, "from_dict"):
            if not isinstance(value, dict):
                raise TypeError(f"{name} expects an object")
            return cls.from_dict(value).to_dict()
        if cls is not None:  # an enum
            return cls(value).value
        return through_client(_deref(schema), value)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            errors: list[str] = []
            for branch in schema[key]:
                if branch.get("type") == "null":
                    if value is None:
                        return None
                    continue
                try:
                    return through_client(branch, value)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
            raise ValueError(f"no {key} branch accepts the value: {errors}")
    if schema.get("type") == "array" or (
        isinstance(schema.get("type"), list) and "array" in schema["type"] and value is not None
    ):
        return [through_client(schema["items"], item) for item in value]
    return value


def pydantic_type(schema: dict[str, Any]) -> Any:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return getattr(pydantic_models, name)
    if schema.get("type") == "array":
        return list[pydantic_type(schema["items"])]  # type: ignore[misc]
    raise AssertionError(f"an inline request/response schema the test does not cover: {schema}")


def through_pydantic(schema: dict[str, Any], value: Any) -> Any:
    adapter: TypeAdapter[Any] = TypeAdapter(pydantic_type(schema))
    parsed = adapter.validate_python(value)
    return adapter.dump_python(parsed, mode="json", by_alias=True, exclude_unset=True)


def test_the_spec_has_examples_for_every_operation() -> None:
    operations = {
        op["operationId"]
        for item in SPEC["paths"].values()
        for method, op in item.items()
        if method in METHODS
    }
    missing = operations - COVERED_OPERATIONS
    assert not missing, f"operations without any example: {missing}"


@pytest.mark.parametrize(("label", "schema", "value"), EXAMPLES, ids=[ex[0] for ex in EXAMPLES])
def test_example_round_trips_through_both_model_families(
    label: str, schema: dict[str, Any], value: Any
) -> None:
    via_client = through_client(schema, value)
    via_pydantic = through_pydantic(schema, value)
    assert _normalise(via_client) == _normalise(value), "client models changed the example"
    assert _normalise(via_pydantic) == _normalise(value), "pydantic models changed the example"
