"""Checks on a bundled OpenAPI document, as plain functions returning a list of problems.

Each function takes the document (a dict, as loaded from the bundle's JSON) and returns
human-readable problems, empty when the document passes. Keeping them pure lets the tests run
them both on the real bundle and on tiny broken documents (proof that each check can fail).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
Json = Any


@dataclass(frozen=True)
class ExampleCase:
    """One example value and the schema it must satisfy, with where it was found."""

    where: str
    schema: Json
    value: Json


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve(document: Json, node: Json) -> Json:
    """Follow local ``$ref``s (``#/...``) until a node without one."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise KeyError(f"cannot resolve {ref!r}")
        seen.add(ref)
        node = document
        for token in ref[2:].split("/"):
            node = node[unescape(token)]
    return node


def operations(document: Json) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation."""
    for path, raw_item in document.get("paths", {}).items():
        item = resolve(document, raw_item)
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield method, path, item[method]


def operation_parameters(document: Json, path: str, method: str) -> dict[tuple[str, str], Json]:
    """The operation's effective parameters keyed by (in, name), path-level ones included."""
    item = resolve(document, document["paths"][path])
    result: dict[tuple[str, str], Json] = {}
    for raw in [*item.get("parameters", []), *item[method].get("parameters", [])]:
        parameter = resolve(document, raw)
        result[(parameter["in"], parameter["name"])] = parameter
    return result


# --- examples -------------------------------------------------------------------------------------


def _wrapped(document: Json, schema: Json) -> Json:
    """A standalone 2020-12 schema whose ``#/components/...`` references resolve in ``document``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document.get("components", {}),
        "allOf": [schema],
    }


def _named_examples(document: Json, holder: Json, where: str) -> Iterator[tuple[str, Json]]:
    """Values of an ``example`` / ``examples`` map on a media type, parameter or header."""
    if "example" in holder:
        yield f"{where}/example", holder["example"]
    for name, raw_example in (holder.get("examples") or {}).items():
        example = resolve(document, raw_example)
        if "value" in example:
            yield f"{where}/examples/{escape(name)}", example["value"]


def _schema_examples(node: Json, where: str) -> Iterator[ExampleCase]:
    """``examples`` (and legacy ``example``) of a schema and of every schema nested in it."""
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list):
            for index, value in enumerate(node["examples"]):
                yield ExampleCase(f"{where}/examples/{index}", node, value)
        if "example" in node:
            yield ExampleCase(f"{where}/example", node, node["example"])
        for key, child in node.items():
            if key not in {"examples", "example", "enum", "const", "default"}:
                yield from _schema_examples(child, f"{where}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _schema_examples(child, f"{where}/{index}")


def _holders(node: Json, where: str) -> Iterator[tuple[str, Json]]:
    """Media type, parameter and header objects: anything with a ``schema`` next to examples."""
    if isinstance(node, dict):
        if isinstance(node.get("schema"), dict):
            yield where, node
        for key, child in node.items():
            if key in {"schema", "schemas", "examples", "example"}:
                continue
            yield from _holders(child, f"{where}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _holders(child, f"{where}/{index}")


def example_cases(document: Json) -> list[ExampleCase]:
    """Every example in the document with the schema it illustrates."""
    cases: list[ExampleCase] = []
    for where, holder in _holders(document, "#"):
        for example_where, value in _named_examples(document, holder, where):
            cases.append(ExampleCase(example_where, holder["schema"], value))
        cases.extend(_schema_examples(holder["schema"], f"{where}/schema"))
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        cases.extend(_schema_examples(schema, f"#/components/schemas/{escape(name)}"))
    return cases


def invalid_examples(document: Json) -> list[str]:
    """Examples that do not validate against their schema (formats checked)."""
    problems: list[str] = []
    for case in example_cases(document):
        validator = jsonschema_rs.Draft202012Validator(
            _wrapped(document, case.schema), validate_formats=True
        )
        for error in validator.iter_errors(case.value):
            location = "/".join(str(part) for part in error.instance_path)
            problems.append(f"{case.where}: /{location}: {error.message}")
    return problems


# --- links ----------------------------------------------------------------------------------------


def _schema_at(document: Json, schema: Json, pointer: list[str]) -> bool:
    """Whether a JSON pointer into an instance of ``schema`` can exist."""
    schema = resolve(document, schema)
    if not pointer:
        return True
    if not isinstance(schema, dict):
        return False
    for combinator in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(combinator, []):
            if _schema_at(document, branch, pointer):
                return True
    head, rest = pointer[0], pointer[1:]
    if head in schema.get("properties", {}):
        return _schema_at(document, schema["properties"][head], rest)
    if head.isdigit() and isinstance(schema.get("items"), dict):
        return _schema_at(document, schema["items"], rest)
    return False


def broken_links(document: Json) -> list[str]:
    """Links naming a missing operation or parameter, or reading a value that cannot exist."""
    by_id = {op.get("operationId"): (method, path) for method, path, op in operations(document)}
    problems: list[str] = []
    for method, path, operation in operations(document):
        source = f"{method.upper()} {path}"
        source_parameters = operation_parameters(document, path, method)
        for status, raw_response in operation.get("responses", {}).items():
            response = resolve(document, raw_response)
            for link_name, raw_link in (response.get("links") or {}).items():
                link = resolve(document, raw_link)
                where = f"{source} {status} link {link_name!r}"
                target = by_id.get(link.get("operationId"))
                if target is None:
                    problems.append(f"{where}: no operation {link.get('operationId')!r}")
                    continue
                target_parameters = operation_parameters(document, target[1], target[0])
                target_names = {name for _, name in target_parameters}
                for name, expression in (link.get("parameters") or {}).items():
                    bare = name.split(".", 1)[-1]
                    if bare not in target_names:
                        problems.append(f"{where}: {link['operationId']} has no parameter {name!r}")
                    problems.extend(
                        f"{where}: {message}"
                        for message in _expression_problems(
                            document, response, source_parameters, str(expression)
                        )
                    )
    return problems


def _expression_problems(
    document: Json, response: Json, source_parameters: dict[tuple[str, str], Json], expression: str
) -> list[str]:
    if expression.startswith("$response.body#"):
        pointer = [unescape(t) for t in expression.split("#", 1)[1].split("/") if t]
        schemas = [m.get("schema") for m in (response.get("content") or {}).values()]
        if not any(s is not None and _schema_at(document, s, pointer) for s in schemas):
            return [f"{expression} does not exist in the response body"]
        return []
    if expression.startswith("$request.path."):
        name = expression.removeprefix("$request.path.")
        if ("path", name) not in source_parameters:
            return [f"{expression}: the source operation has no path parameter {name!r}"]
        return []
    return [f"unsupported runtime expression {expression!r}"]


# --- conventions ----------------------------------------------------------------------------------


def _walk_schemas(node: Json, where: str) -> Iterator[tuple[str, Json]]:
    """Every schema object nested in ``node`` (itself included), skipping example values."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key in ("items", "not", "if", "then", "else", "additionalProperties", "propertyNames"):
        if isinstance(node.get(key), dict):
            yield from _walk_schemas(node[key], f"{where}/{key}")
    for key in ("allOf", "anyOf", "oneOf", "prefixItems"):
        for index, child in enumerate(node.get(key, [])):
            yield from _walk_schemas(child, f"{where}/{key}/{index}")
    for key in ("properties", "patternProperties", "dependentSchemas", "$defs"):
        for name, child in (node.get(key) or {}).items():
            yield from _walk_schemas(child, f"{where}/{key}/{escape(name)}")


def all_schemas(document: Json) -> Iterator[tuple[str, Json]]:
    """Every schema in the document: components and inline ones under media types and parameters."""
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        yield from _walk_schemas(schema, f"#/components/schemas/{escape(name)}")
    for where, holder in _holders(document, "#"):
        yield from _walk_schemas(holder["schema"], f"{where}/schema")


def properties_without_description(document: Json) -> list[str]:
    problems = []
    for where, schema in all_schemas(document):
        for name, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict) or not str(prop.get("description", "")).strip():
                problems.append(f"{where}/properties/{escape(name)}")
    return problems


def unbounded_integer_query_parameters(document: Json) -> list[str]:
    """Integer query (and path) parameters without both a minimum and a maximum."""
    problems = []
    for method, path, _ in operations(document):
        for (location, name), parameter in operation_parameters(document, path, method).items():
            if location not in {"query", "path"}:
                continue
            schema = resolve(document, parameter.get("schema", {}))
            types = schema.get("type")
            is_integer = types == "integer" or (isinstance(types, list) and "integer" in types)
            if is_integer and ("minimum" not in schema or "maximum" not in schema):
                problems.append(f"{method.upper()} {path}: {location} parameter {name!r}")
    return problems


# JavaScript tools in the chain (Redocly's bundler, Redoc) parse numbers as doubles: an integer
# beyond 2^53-1 is silently rounded in the bundle (9223372036854775807 became 9223372036854776000).
JS_SAFE_INTEGER = 2**53 - 1


def unsafe_integers(node: Json, where: str = "#") -> list[str]:
    """Numbers anywhere in the document beyond the range a JavaScript tool represents exactly."""
    problems: list[str] = []
    if isinstance(node, bool):
        return problems
    if isinstance(node, int | float) and abs(node) > JS_SAFE_INTEGER:
        problems.append(f"{where}: {node}")
    elif isinstance(node, dict):
        for key, value in node.items():
            problems += unsafe_integers(value, f"{where}/{escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            problems += unsafe_integers(value, f"{where}/{index}")
    return problems


def null_in_inline_enums(document: Json) -> list[str]:
    """Inline enums listing ``null`` (generators mishandle them; use anyOf with type null)."""
    return [
        where
        for where, schema in all_schemas(document)
        if isinstance(schema.get("enum"), list) and None in schema["enum"]
    ]


def operations_missing_status(document: Json) -> list[str]:
    """Operations without the responses the project promises (see spec/README.md)."""
    problems = []
    for method, path, operation in operations(document):
        codes = set(operation.get("responses", {}))
        wanted = {"400", "401", "403", "500"}
        if "{" in path:
            wanted.add("404")
        if "requestBody" in operation:
            wanted |= {"413", "415"}
        if not codes & {"200", "201"}:
            problems.append(f"{method.upper()} {path}: no success response")
        for code in sorted(wanted - codes):
            problems.append(f"{method.upper()} {path}: no {code} response")
        for code, raw in operation.get("responses", {}).items():
            response = resolve(document, raw)
            if "X-Cap-Requestid" not in (response.get("headers") or {}):
                problems.append(f"{method.upper()} {path} {code}: no X-Cap-Requestid header")
            if not response.get("content"):
                problems.append(f"{method.upper()} {path} {code}: no body (the envelope)")
    return problems
