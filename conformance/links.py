"""The spec's response `links`, evaluated against a real request and response.

A link says which operation can follow a response and where each of its parameters comes from
(`$response.body#/data/id`, `$request.path.targetGroupId`). The project checks use it to find where
a created resource can be read back, and the id pool (conformance/pool.py) uses it to hand ids that
the server really issued to the cases of every phase, not only to the stateful phase's chains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from conformance.generation import resolve

if TYPE_CHECKING:
    from conformance._typing import AnyCase, AnyOperation


@dataclass(frozen=True, slots=True)
class Link:
    """One link of a response: the operation it leads to and its parameter expressions."""

    name: str
    operation_id: str
    parameters: dict[str, Any]


def operation_id(operation: AnyOperation) -> str:
    """The operation's operationId, or its label (`GET /path`) where the spec gives none."""
    value = operation.definition.raw.get("operationId")
    return value if isinstance(value, str) else operation.label


def pointer(document: Any, path: str) -> Any:
    """The node at a JSON pointer (`/data/0/id`), or None when the document has no such node."""
    node = document
    for token in path.lstrip("/").split("/") if path.strip("/") else []:
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def evaluate(expression: Any, case: AnyCase, body: Any) -> Any:
    """Evaluate the runtime expressions the spec's links use; None when unresolvable."""
    if not isinstance(expression, str):
        return None
    if expression.startswith("$response.body#"):
        return pointer(body, expression[len("$response.body#") :])
    if expression.startswith("$request.path."):
        return (case.path_parameters or {}).get(expression[len("$request.path.") :])
    return None


def response_links(operation: AnyOperation, status_code: int) -> list[Link]:
    """The links of `operation`'s response for `status_code`, in the spec's order."""
    document = operation.schema.raw_schema
    responses = operation.definition.raw.get("responses") or {}
    response = resolve(document, responses.get(str(status_code)))
    links = response.get("links") if isinstance(response, dict) else None
    if not isinstance(links, dict):
        return []
    found = []
    for name, raw in links.items():
        link = resolve(document, raw)
        if isinstance(link, dict) and isinstance(link.get("operationId"), str):
            parameters = link.get("parameters")
            values = parameters if isinstance(parameters, dict) else {}
            found.append(Link(str(name), link["operationId"], values))
    return found


def path_values(
    link: Link, target: AnyOperation, case: AnyCase, body: Any
) -> dict[str, Any] | None:
    """The target's path parameters as the link fills them, or None if any is missing."""
    needed = [parameter.name for parameter in target.path_parameters]
    values = {name: evaluate(link.parameters.get(name), case, body) for name in needed}
    if not needed or any(value is None for value in values.values()):
        return None
    return values
