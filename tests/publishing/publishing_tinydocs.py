"""Tiny OpenAPI documents for the differ tests.

One operation, PUT /things/{thingId}, with a query parameter, a request body, a 200 response with
a body and a required header, and a 404. Request and response schemas are separate components
(ThingIn, ThingOut, KindIn, KindOut, ShapeIn, ShapeOut) so a test can change one direction
without touching the other.
"""

from __future__ import annotations

import copy
from typing import Any

REF = "#/components/schemas/"


def _shape(name: str) -> dict[str, Any]:
    return {
        "oneOf": [{"$ref": f"{REF}Circle{name}"}, {"$ref": f"{REF}Square{name}"}],
        "discriminator": {"propertyName": "kind"},
    }


def _variant(kind: str, measure: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["kind", measure],
        "properties": {"kind": {"const": kind}, measure: {"type": "number"}},
    }


def _thing(kind: str, shape: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": 200},
            "kind": {"$ref": f"{REF}{kind}"},
            "count": {"type": "integer", "minimum": 0},
            "score": {"type": "number"},
            "note": {"type": ["string", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "shape": {"$ref": f"{REF}{shape}"},
        },
    }


def base() -> dict[str, Any]:
    """A fresh copy of the base document (callers mutate it)."""
    return copy.deepcopy(_BASE)


_BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Tiny", "version": "1.0.0"},
    "security": [{"basicAuth": []}],
    "components": {
        "securitySchemes": {
            "basicAuth": {"type": "http", "scheme": "basic"},
            "token": {"type": "apiKey", "in": "header", "name": "X-Token"},
        },
        "schemas": {
            "KindIn": {"type": "string", "enum": ["A", "B"]},
            "KindOut": {"type": "string", "enum": ["A", "B"]},
            "ThingIn": _thing("KindIn", "ShapeIn"),
            "ThingOut": _thing("KindOut", "ShapeOut"),
            "ShapeIn": _shape("In"),
            "ShapeOut": _shape("Out"),
            "CircleIn": _variant("circle", "radius"),
            "SquareIn": _variant("square", "side"),
            "CircleOut": _variant("circle", "radius"),
            "SquareOut": _variant("square", "side"),
        },
    },
    "paths": {
        "/things/{thingId}": {
            "parameters": [
                {"name": "thingId", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "put": {
                "operationId": "updateThing",
                "summary": "Update a thing",
                "parameters": [
                    {"name": "dryRun", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "X-Tenant",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"{REF}ThingIn"}}},
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "headers": {
                            "X-Request-Id": {"required": True, "schema": {"type": "string"}},
                            "X-Trace": {"schema": {"type": "string"}},
                        },
                        "content": {"application/json": {"schema": {"$ref": f"{REF}ThingOut"}}},
                    },
                    "404": {"description": "not found"},
                },
            },
        },
        "/things": {
            "get": {
                "operationId": "listThings",
                "summary": "List things",
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}


def op(doc: dict[str, Any]) -> dict[str, Any]:
    """The PUT operation of `doc`."""
    result: dict[str, Any] = doc["paths"]["/things/{thingId}"]["put"]
    return result


def schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    result: dict[str, Any] = doc["components"]["schemas"][name]
    return result


def prop(doc: dict[str, Any], component: str, name: str) -> dict[str, Any]:
    result: dict[str, Any] = schema(doc, component)["properties"][name]
    return result


def param(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in op(doc)["parameters"] if p["name"] == name)


def ok(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = op(doc)["responses"]["200"]
    return result
