"""How the differ reads schemas: $refs, allOf, nullability spellings, recursion, variants."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from publishing.breaking import DiffError, compare, major
from tests.publishing.publishing_tinydocs import REF, base, ok, op, prop, schema


def lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [f.line() for f in compare(old, new)]


def test_inlining_a_ref_changes_nothing() -> None:
    old, new = base(), base()
    op(new)["requestBody"]["content"]["application/json"]["schema"] = copy.deepcopy(
        schema(new, "ThingIn")
    )
    prop(new, "ThingOut", "kind").clear()
    prop(new, "ThingOut", "kind").update(schema(new, "KindOut"))
    assert lines(old, new) == []


def test_allof_split_changes_nothing_and_is_looked_into() -> None:
    old, new = base(), base()
    thing = schema(new, "ThingOut")
    names = {"name": thing["properties"].pop("name")}
    new["components"]["schemas"]["Named"] = {
        "type": "object",
        "required": ["name"],
        "properties": names,
    }
    thing["required"] = []
    new["components"]["schemas"]["ThingOut"] = {"allOf": [{"$ref": f"{REF}Named"}, thing]}
    assert lines(old, new) == []

    schema(new, "Named")["properties"]["name"]["type"] = "integer"
    assert lines(old, new) == [
        "[response-field-type-changed] PUT /things/{thingId}: "
        "response 200 body field `name` type string -> integer"
    ]


@pytest.mark.parametrize(
    ("left", "right"),
    list(
        itertools.combinations(
            [
                {"type": ["string", "null"]},
                {"anyOf": [{"type": "string"}, {"type": "null"}]},
                {"oneOf": [{"type": "null"}, {"type": "string"}]},
                {"type": "string", "nullable": True},
            ],
            2,
        )
    ),
)
def test_nullability_spellings_are_equivalent(left: dict[str, Any], right: dict[str, Any]) -> None:
    old, new = base(), base()
    for doc, spelling in ((old, left), (new, right)):
        for component in ("ThingIn", "ThingOut"):
            schema(doc, component)["properties"]["note"] = copy.deepcopy(spelling)
    assert lines(old, new) == []


def test_null_in_enum_is_nullability() -> None:
    old, new = base(), base()
    schema(new, "KindOut")["enum"].append(None)
    assert lines(old, new) == [
        "[response-field-became-nullable] PUT /things/{thingId}: "
        "response 200 body field `kind` may now be null"
    ]


def test_recursive_schemas_terminate_and_are_compared() -> None:
    old, new = base(), base()
    for doc in (old, new):
        doc["components"]["schemas"]["Node"] = {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": f"{REF}Node"}},
            },
        }
        schema(doc, "ThingOut")["properties"]["tree"] = {"$ref": f"{REF}Node"}
    assert lines(old, new) == []
    del schema(new, "Node")["properties"]["label"]
    assert (
        "[response-field-removed] PUT /things/{thingId}: "
        "response 200 body field `tree.label` removed" in lines(old, new)
    )


def test_variants_are_paired_by_tag_not_position() -> None:
    old, new = base(), base()
    schema(new, "ShapeOut")["oneOf"].reverse()
    prop(new, "SquareOut", "side")["type"] = "string"
    assert lines(old, new) == [
        "[response-field-type-changed] PUT /things/{thingId}: "
        "response 200 body field `shape(kind=square).side` type number -> string"
    ]


def test_variants_without_tags_are_paired_by_compatibility() -> None:
    old, new = base(), base()
    for doc in (old, new):
        doc["components"]["schemas"]["ThingIn"]["properties"]["id"] = {
            "oneOf": [
                {"type": "integer"},
                {"type": "string", "format": "uuid"},
                {"type": "boolean"},
            ]
        }
    schema(new, "ThingIn")["properties"]["id"]["oneOf"].reverse()
    assert lines(old, new) == []
    schema(new, "ThingIn")["properties"]["id"]["oneOf"].pop()  # no more integer ids
    assert lines(old, new) == [
        "[request-variant-removed] PUT /things/{thingId}: "
        "request body field `id` variant #1 removed"
    ]


def test_union_reduced_to_one_schema_reads_as_a_type_change() -> None:
    old, new = base(), base()
    old_id = {"oneOf": [{"type": "integer"}, {"type": "string"}]}
    schema(old, "ThingIn")["properties"]["id"] = old_id
    schema(new, "ThingIn")["properties"]["id"] = {"oneOf": [{"type": "string"}]}
    assert lines(old, new) == [
        "[request-field-type-changed] PUT /things/{thingId}: "
        "request body field `id` type integer -> string"
    ]


def test_oneof_collapsed_into_one_schema_that_accepts_both() -> None:
    old, new = base(), base()
    schema(new, "ShapeIn").clear()
    schema(new, "ShapeIn").update(
        {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": {"enum": ["circle", "square"]},
                "radius": {"type": "number"},
                "side": {"type": "number"},
            },
        }
    )
    request_side = [f for f in compare(old, new) if "request body" in f.detail]
    assert [f.line() for f in request_side if f.breaking] == []
    assert request_side, "the collapse is still reported, as info"


def test_read_only_is_ignored_in_requests_and_write_only_in_responses() -> None:
    old, new = base(), base()
    for doc in (old, new):
        prop(doc, "ThingIn", "count")["readOnly"] = True
        prop(doc, "ThingOut", "score")["writeOnly"] = True
    del schema(new, "ThingIn")["properties"]["count"]
    del schema(new, "ThingOut")["properties"]["score"]
    assert lines(old, new) == []


def test_response_status_ranges_are_matched_literally() -> None:
    old, new = base(), base()
    op(new)["responses"]["2XX"] = op(new)["responses"].pop("200")
    rules = {line.split("]")[0][1:] for line in lines(old, new)}
    assert rules == {"response-status-removed", "response-success-status-added"}


def test_unresolvable_and_external_refs_are_errors() -> None:
    old, new = base(), base()
    ok(new)["content"]["application/json"]["schema"] = {"$ref": f"{REF}Missing"}
    with pytest.raises(DiffError, match="does not resolve"):
        compare(old, new)
    ok(new)["content"]["application/json"]["schema"] = {"$ref": "other.yaml#/Thing"}
    with pytest.raises(DiffError, match="only local"):
        compare(old, new)


def test_findings_are_ordered_and_unique() -> None:
    old, new = base(), base()
    del new["paths"]["/things"]
    schema(new, "KindIn")["enum"] = ["A"]
    schema(new, "KindOut")["enum"].append("C")
    found = compare(old, new)
    assert len(found) == len(set(found))
    assert [f.path for f in found] == sorted(f.path for f in found)
    assert found == compare(old, new)


def test_global_security_counts_when_the_operation_has_none() -> None:
    old, new = base(), base()
    new["security"] = [{"token": []}]
    assert {f.rule for f in compare(old, new)} == {
        "security-requirement-added",
        "security-requirement-removed",
    }


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.0.0", 1), ("v2.3.4", 2), ("10", 10), ("", None), ("draft", None)],
)
def test_major(version: str, expected: int | None) -> None:
    assert major(version) == expected
