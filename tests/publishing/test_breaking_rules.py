"""One case that triggers each differ rule, and one related change that must not trigger it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from publishing.breaking import RULES, compare
from tests.publishing.publishing_tinydocs import REF, base, ok, op, param, prop, schema

Doc = dict[str, Any]
Change = Callable[[Doc, Doc], None]


@dataclass(frozen=True)
class Case:
    rule: str
    triggers: bool
    name: str
    change: Change


CASES: list[Case] = []


def detects(rule: str, name: str) -> Callable[[Change], Change]:
    def register(change: Change) -> Change:
        CASES.append(Case(rule, True, name, change))
        return change

    return register


def ignores(rule: str, name: str) -> Callable[[Change], Change]:
    def register(change: Change) -> Change:
        CASES.append(Case(rule, False, name, change))
        return change

    return register


THINGS = "/things/{thingId}"

# --- operations ------------------------------------------------------------------------------


@detects("operation-removed", "delete PUT")
def _(old: Doc, new: Doc) -> None:
    del new["paths"][THINGS]["put"]


@ignores("operation-removed", "add DELETE")
@detects("operation-added", "add DELETE")
def _(old: Doc, new: Doc) -> None:
    new["paths"][THINGS]["delete"] = {"operationId": "deleteThing", "responses": {"200": {}}}


@ignores("operation-added", "edit a summary")
@detects("operation-documentation-changed", "edit a summary")
@ignores("operation-id-changed", "edit a summary")
def _(old: Doc, new: Doc) -> None:
    op(new)["summary"] = "Replace a thing"


@ignores("operation-documentation-changed", "add a tag")
def _(old: Doc, new: Doc) -> None:
    op(new)["tags"] = ["Things"]


@detects("operation-id-changed", "rename operationId")
def _(old: Doc, new: Doc) -> None:
    op(new)["operationId"] = "replaceThing"


@detects("path-parameter-renamed", "rename {thingId}")
@ignores("operation-removed", "rename {thingId}")
def _(old: Doc, new: Doc) -> None:
    item = new["paths"].pop(THINGS)
    item["parameters"][0]["name"] = "id"
    new["paths"]["/things/{id}"] = item


@ignores("path-parameter-renamed", "describe {thingId}")
def _(old: Doc, new: Doc) -> None:
    new["paths"][THINGS]["parameters"][0]["description"] = "The thing's id"


@detects("operation-deprecated", "deprecate")
def _(old: Doc, new: Doc) -> None:
    op(new)["deprecated"] = True


@ignores("operation-deprecated", "already deprecated")
def _(old: Doc, new: Doc) -> None:
    op(old)["deprecated"] = True
    op(new)["deprecated"] = True


# --- security --------------------------------------------------------------------------------


@detects("security-requirement-added", "basic AND token")
def _(old: Doc, new: Doc) -> None:
    op(new)["security"] = [{"basicAuth": [], "token": []}]


@detects("security-requirement-added", "anonymous no longer accepted")
def _(old: Doc, new: Doc) -> None:
    op(old)["security"] = []


@detects("security-requirement-added", "oauth scope added")
def _(old: Doc, new: Doc) -> None:
    for doc in (old, new):
        doc["components"]["securitySchemes"]["oauth"] = {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": {"r": "", "w": ""}}},
        }
    op(old)["security"] = [{"oauth": ["r"]}]
    op(new)["security"] = [{"oauth": ["r", "w"]}]


@ignores("security-requirement-added", "basic OR token")
@detects("security-requirement-removed", "basic OR token")
def _(old: Doc, new: Doc) -> None:
    op(new)["security"] = [{"basicAuth": []}, {"token": []}]


@ignores("security-requirement-removed", "same requirement spelled on the operation")
def _(old: Doc, new: Doc) -> None:
    op(new)["security"] = [{"basicAuth": []}]


@detects("security-scheme-changed", "header renamed")
def _(old: Doc, new: Doc) -> None:
    for doc in (old, new):
        op(doc)["security"] = [{"token": []}]
    new["components"]["securitySchemes"]["token"]["name"] = "X-Api-Key"


@ignores("security-scheme-changed", "header case and description")
def _(old: Doc, new: Doc) -> None:
    for doc in (old, new):
        op(doc)["security"] = [{"token": []}]
    token = new["components"]["securitySchemes"]["token"]
    token["name"] = "x-token"
    token["description"] = "Issued by POST /token"


# --- request parameters ----------------------------------------------------------------------


@detects("request-parameter-removed", "drop dryRun")
def _(old: Doc, new: Doc) -> None:
    op(new)["parameters"] = [p for p in op(new)["parameters"] if p["name"] != "dryRun"]


@ignores("request-parameter-removed", "add a parameter")
@detects("request-parameter-added", "add optional limit")
@ignores("request-parameter-added-required", "add optional limit")
def _(old: Doc, new: Doc) -> None:
    op(new)["parameters"].append({"name": "limit", "in": "query", "schema": {"type": "integer"}})


@detects("request-parameter-added-required", "add required limit")
@ignores("request-parameter-added", "add required limit")
def _(old: Doc, new: Doc) -> None:
    op(new)["parameters"].append(
        {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}}
    )


@detects("request-parameter-became-required", "dryRun required")
@ignores("request-parameter-no-longer-required", "dryRun required")
def _(old: Doc, new: Doc) -> None:
    param(new, "dryRun")["required"] = True


@ignores("request-parameter-became-required", "describe dryRun")
@ignores("request-parameter-serialization-changed", "describe dryRun")
def _(old: Doc, new: Doc) -> None:
    param(new, "dryRun")["description"] = "Validate only"


@detects("request-parameter-no-longer-required", "X-Tenant optional")
@ignores("request-parameter-became-required", "X-Tenant optional")
def _(old: Doc, new: Doc) -> None:
    param(new, "X-Tenant")["required"] = False


@ignores("request-parameter-no-longer-required", "header name case")
@ignores("request-parameter-removed", "header name case")
def _(old: Doc, new: Doc) -> None:
    param(new, "X-Tenant")["name"] = "x-tenant"


@detects("request-parameter-type-changed", "dryRun boolean -> integer")
def _(old: Doc, new: Doc) -> None:
    param(new, "dryRun")["schema"] = {"type": "integer"}


@ignores("request-parameter-type-changed", "thingId integer -> number")
@detects("request-field-type-widened", "thingId integer -> number")
def _(old: Doc, new: Doc) -> None:
    new["paths"][THINGS]["parameters"][0]["schema"] = {"type": "number"}


@detects("request-parameter-serialization-changed", "style")
def _(old: Doc, new: Doc) -> None:
    param(new, "dryRun")["style"] = "deepObject"


# --- request bodies --------------------------------------------------------------------------


def _json_body(required: bool) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": {"type": "object"}}}}


@detects("request-body-added-required", "required body on GET")
@ignores("request-body-added", "required body on GET")
def _(old: Doc, new: Doc) -> None:
    new["paths"]["/things"]["get"]["requestBody"] = _json_body(True)


@detects("request-body-added", "optional body on GET")
@ignores("request-body-added-required", "optional body on GET")
def _(old: Doc, new: Doc) -> None:
    new["paths"]["/things"]["get"]["requestBody"] = _json_body(False)


@detects("request-body-removed", "drop the body")
def _(old: Doc, new: Doc) -> None:
    del op(new)["requestBody"]


@ignores("request-body-removed", "body optional")
@ignores("request-body-became-required", "body optional")
def _(old: Doc, new: Doc) -> None:
    op(new)["requestBody"]["required"] = False


@detects("request-body-became-required", "body required")
def _(old: Doc, new: Doc) -> None:
    op(old)["requestBody"]["required"] = False


@detects("request-media-type-removed", "json -> xml")
@detects("request-media-type-added", "json -> xml")
def _(old: Doc, new: Doc) -> None:
    content = op(new)["requestBody"]["content"]
    content["application/xml"] = content.pop("application/json")


@ignores("request-media-type-removed", "add charset parameter")
@ignores("request-media-type-added", "add charset parameter")
def _(old: Doc, new: Doc) -> None:
    content = op(new)["requestBody"]["content"]
    content["application/json; charset=utf-8"] = content.pop("application/json")


# --- request schemas -------------------------------------------------------------------------


@detects("request-field-removed", "drop count")
@ignores("response-field-removed", "drop count from the request")
def _(old: Doc, new: Doc) -> None:
    del schema(new, "ThingIn")["properties"]["count"]


@ignores("request-field-removed", "add a field")
@detects("request-field-added", "add optional colour")
@ignores("request-field-added-required", "add optional colour")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingIn")["properties"]["colour"] = {"type": "string"}


@detects("request-field-added-required", "add required colour")
@ignores("request-field-added", "add required colour")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingIn")["properties"]["colour"] = {"type": "string"}
    schema(new, "ThingIn")["required"].append("colour")


@detects("request-field-became-required", "count required")
@ignores("request-field-no-longer-required", "count required")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingIn")["required"].append("count")


@detects("request-field-no-longer-required", "name optional")
@ignores("request-field-became-required", "name optional")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingIn")["required"] = []


@detects("request-field-type-changed", "count integer -> string")
@ignores("request-field-type-widened", "count integer -> string")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingIn", "count")["type"] = "string"


@detects("request-field-type-widened", "count integer -> number")
@ignores("request-field-type-changed", "count integer -> number")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingIn", "count")["type"] = "number"


@detects("request-field-type-changed", "array item type")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingIn", "tags")["items"] = {"type": "integer"}


@detects("request-field-no-longer-nullable", "note not null")
@ignores("request-field-became-nullable", "note not null")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingIn", "note")["type"] = "string"


@detects("request-field-became-nullable", "name nullable")
@ignores("request-field-no-longer-nullable", "name nullable")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingIn", "name")["type"] = ["string", "null"]


@ignores("request-field-no-longer-nullable", "note null spelled as anyOf")
@ignores("request-field-became-nullable", "note null spelled as anyOf")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingIn")["properties"]["note"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}


@detects("request-enum-value-removed", "drop B")
@ignores("request-enum-value-added", "drop B")
def _(old: Doc, new: Doc) -> None:
    schema(new, "KindIn")["enum"] = ["A"]


@detects("request-enum-value-added", "add C")
@ignores("request-enum-value-removed", "add C")
def _(old: Doc, new: Doc) -> None:
    schema(new, "KindIn")["enum"].append("C")


@detects("request-constraint-tightened", "maxLength 200 -> 100")
@ignores("request-constraint-loosened", "maxLength 200 -> 100")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingIn", "name")["maxLength"] = 100


@detects("request-constraint-tightened", "pattern added")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingIn", "name")["pattern"] = "^[a-z]+$"


@detects("request-constraint-tightened", "unknown properties forbidden")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingIn")["additionalProperties"] = False


@detects("request-constraint-loosened", "maxLength 200 -> 300")
@ignores("request-constraint-tightened", "maxLength 200 -> 300")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingIn", "name")["maxLength"] = 300


@detects("request-variant-removed", "no squares")
@ignores("request-variant-added", "no squares")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ShapeIn")["oneOf"].pop()


@detects("request-variant-added", "triangles too")
@ignores("request-variant-removed", "triangles too")
def _(old: Doc, new: Doc) -> None:
    new["components"]["schemas"]["TriangleIn"] = {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"const": "triangle"}, "base": {"type": "number"}},
    }
    schema(new, "ShapeIn")["oneOf"].append({"$ref": f"{REF}TriangleIn"})


@ignores("request-variant-removed", "variants reordered")
@ignores("request-variant-added", "variants reordered")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ShapeIn")["oneOf"].reverse()


# --- responses -------------------------------------------------------------------------------


@detects("response-status-removed", "200 -> 201")
@detects("response-success-status-added", "200 -> 201")
def _(old: Doc, new: Doc) -> None:
    responses = op(new)["responses"]
    responses["201"] = responses.pop("200")


@ignores("response-status-removed", "drop 404")
@ignores("response-success-status-added", "drop 404")
@detects("response-error-status-removed", "drop 404")
def _(old: Doc, new: Doc) -> None:
    del op(new)["responses"]["404"]


@detects("response-error-status-added", "add 409")
@ignores("response-error-status-removed", "add 409")
def _(old: Doc, new: Doc) -> None:
    op(new)["responses"]["409"] = {"description": "conflict"}


@ignores("response-error-status-added", "add 201")
def _(old: Doc, new: Doc) -> None:
    op(new)["responses"]["201"] = ok(new)


@detects("response-body-removed", "200 without content")
def _(old: Doc, new: Doc) -> None:
    del ok(new)["content"]


@ignores("response-body-removed", "404 gains content")
@detects("response-body-added", "404 gains content")
def _(old: Doc, new: Doc) -> None:
    op(new)["responses"]["404"]["content"] = {"application/json": {"schema": {"type": "object"}}}


@ignores("response-body-added", "200 content unchanged")
def _(old: Doc, new: Doc) -> None:
    ok(new)["description"] = "The updated thing"


@detects("response-media-type-removed", "json -> xml")
@detects("response-media-type-added", "json -> xml")
def _(old: Doc, new: Doc) -> None:
    content = ok(new)["content"]
    content["application/xml"] = content.pop("application/json")


@ignores("response-media-type-removed", "charset parameter")
@ignores("response-media-type-added", "charset parameter")
def _(old: Doc, new: Doc) -> None:
    content = ok(new)["content"]
    content["application/json;charset=UTF-8"] = content.pop("application/json")


@detects("response-header-removed", "drop X-Request-Id")
def _(old: Doc, new: Doc) -> None:
    del ok(new)["headers"]["X-Request-Id"]


@ignores("response-header-removed", "drop optional X-Trace")
def _(old: Doc, new: Doc) -> None:
    del ok(new)["headers"]["X-Trace"]


@detects("response-header-no-longer-required", "X-Request-Id optional")
def _(old: Doc, new: Doc) -> None:
    ok(new)["headers"]["X-Request-Id"]["required"] = False


@ignores("response-header-no-longer-required", "header name case")
@ignores("response-header-removed", "header name case")
def _(old: Doc, new: Doc) -> None:
    headers = ok(new)["headers"]
    headers["x-request-id"] = headers.pop("X-Request-Id")


@detects("response-header-added", "add X-Rate-Limit")
def _(old: Doc, new: Doc) -> None:
    ok(new)["headers"]["X-Rate-Limit"] = {"schema": {"type": "integer"}}


@ignores("response-header-added", "describe X-Trace")
def _(old: Doc, new: Doc) -> None:
    ok(new)["headers"]["X-Trace"]["description"] = "Trace id"


# --- response schemas ------------------------------------------------------------------------


@detects("response-field-removed", "drop count")
@ignores("request-field-removed", "drop count from the response")
def _(old: Doc, new: Doc) -> None:
    del schema(new, "ThingOut")["properties"]["count"]


@ignores("response-field-removed", "add colour")
@detects("response-field-added", "add colour")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingOut")["properties"]["colour"] = {"type": "string"}


@ignores("response-field-added", "drop count")
def _(old: Doc, new: Doc) -> None:
    del schema(new, "ThingOut")["properties"]["count"]


@detects("response-field-no-longer-required", "name optional")
@ignores("response-field-became-required", "name optional")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingOut")["required"] = []


@detects("response-field-became-required", "count required")
@ignores("response-field-no-longer-required", "count required")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingOut")["required"].append("count")


@detects("response-field-type-changed", "count integer -> number")
@ignores("response-field-type-narrowed", "count integer -> number")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingOut", "count")["type"] = "number"


@detects("response-field-type-narrowed", "score number -> integer")
@ignores("response-field-type-changed", "score number -> integer")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingOut", "score")["type"] = "integer"


@ignores("response-field-type-changed", "note loses null")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingOut", "note")["type"] = "string"


@detects("response-field-became-nullable", "name nullable")
@ignores("response-field-no-longer-nullable", "name nullable")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingOut", "name")["type"] = ["string", "null"]


@detects("response-field-became-nullable", "kind nullable through anyOf")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ThingOut")["properties"]["kind"] = {
        "anyOf": [{"$ref": f"{REF}KindOut"}, {"type": "null"}]
    }


@detects("response-field-no-longer-nullable", "note not null")
@ignores("response-field-became-nullable", "note not null")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingOut", "note")["type"] = "string"


@ignores("response-field-became-nullable", "3.0 nullable spelling")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingOut", "note").update(type="string", nullable=True)


@detects("response-enum-value-added", "add C")
@ignores("response-enum-value-removed", "add C")
def _(old: Doc, new: Doc) -> None:
    schema(new, "KindOut")["enum"].append("C")


@detects("response-enum-value-removed", "drop B")
@ignores("response-enum-value-added", "drop B")
def _(old: Doc, new: Doc) -> None:
    schema(new, "KindOut")["enum"] = ["A"]


@detects("response-constraint-loosened", "maxLength 200 -> 300")
@ignores("response-constraint-tightened", "maxLength 200 -> 300")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingOut", "name")["maxLength"] = 300


@detects("response-constraint-loosened", "enum dropped")
def _(old: Doc, new: Doc) -> None:
    del schema(new, "KindOut")["enum"]


@detects("response-constraint-tightened", "maxLength 200 -> 100")
@ignores("response-constraint-loosened", "maxLength 200 -> 100")
def _(old: Doc, new: Doc) -> None:
    prop(new, "ThingOut", "name")["maxLength"] = 100


@detects("response-variant-added", "triangles too")
@ignores("response-variant-removed", "triangles too")
def _(old: Doc, new: Doc) -> None:
    new["components"]["schemas"]["TriangleOut"] = {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"const": "triangle"}, "base": {"type": "number"}},
    }
    schema(new, "ShapeOut")["oneOf"].append({"$ref": f"{REF}TriangleOut"})


@detects("response-variant-removed", "no squares")
@ignores("response-variant-added", "no squares")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ShapeOut")["oneOf"].pop()


@ignores("response-variant-added", "variants reordered")
@ignores("response-variant-removed", "variants reordered")
def _(old: Doc, new: Doc) -> None:
    schema(new, "ShapeOut")["oneOf"].reverse()


def _findings(change: Change) -> list[str]:
    old, new = base(), base()
    change(old, new)
    return [f.line() for f in compare(old, new)]


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[f"{c.rule}-{'detects' if c.triggers else 'ignores'}-{c.name}" for c in CASES],
)
def test_rule(case: Case) -> None:
    lines = _findings(case.change)
    hits = [line for line in lines if line.startswith(f"[{case.rule}] ")]
    if case.triggers:
        assert hits, f"{case.rule} not reported for: {case.name}; got {lines}"
    else:
        assert not hits, f"{case.rule} wrongly reported for: {case.name}: {hits}"


def test_every_rule_has_a_detecting_and_an_ignoring_case() -> None:
    detected = {c.rule for c in CASES if c.triggers}
    ignored = {c.rule for c in CASES if not c.triggers}
    assert set(RULES) - detected == set(), "rules without a test that detects them"
    assert set(RULES) - ignored == set(), "rules without a test that a related change ignores"
    assert {c.rule for c in CASES} <= set(RULES), "cases naming an unknown rule"


def test_identical_documents_have_no_findings() -> None:
    assert compare(base(), base()) == []
