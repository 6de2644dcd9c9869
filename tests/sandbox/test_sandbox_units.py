"""Fast unit tests: query coercion, date handling, business-code mapping, route shadowing."""

from __future__ import annotations

import pytest

from sandbox.app import _shadows
from sandbox.openapi import BUNDLE_JSON, build_operations, load_document
from sandbox.resources.demo_groups import demo_bodies, other_org_bodies
from sandbox.resources.targets import _extended
from sandbox.rules import business_error
from sandbox.timefmt import capillary_timestamp, date_str, iso_millis, parse_instant
from sandbox.validation import coerce
from tests.clock import now_ms


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        ("12", {"type": "integer"}, 12),
        ("-3", {"type": "integer"}, -3),
        ("1_0", {"type": "integer"}, "1_0"),
        ("1.5", {"type": "integer"}, "1.5"),
        ("3283.0", {"type": "integer"}, 3283),
        ("1e3", {"type": "integer"}, 1000),
        ("1e999999", {"type": "integer"}, "1e999999"),
        ("1.5", {"type": "number"}, 1.5),
        ("1e999", {"type": "number"}, "1e999"),
        ("true", {"type": "boolean"}, True),
        ("True", {"type": "boolean"}, "True"),
        ("LIVE", {"type": "string", "enum": ["LIVE"]}, "LIVE"),
        ("7", {"anyOf": [{"type": "integer"}, {"type": "null"}]}, 7),
    ],
)
def test_coerce_by_declared_type_only(
    value: str, schema: dict[str, object], expected: object
) -> None:
    assert coerce(value, schema) == expected


def test_dates() -> None:
    assert iso_millis(parse_instant("2024-10-08T00:45:12.063")) == "2024-10-08T00:45:12.063Z"
    assert iso_millis(parse_instant("2024-10-08", end_of_day=True)) == "2024-10-08T23:59:59.999Z"
    assert iso_millis(parse_instant("2024-10-08T10:00+05:30")) == "2024-10-08T04:30:00.000Z"
    assert (
        capillary_timestamp(parse_instant("2024-11-25T04:36:21Z")) == "2024-11-25T04:36:21.000+0000"
    )
    # Out-of-range fields roll over like Java's lenient calendar instead of failing.
    assert date_str(parse_instant("2024-13-01")) == "2025-01-01"
    assert date_str(parse_instant("0000-00-00")).startswith("0001-")


def test_business_codes() -> None:
    long = "x" * 201
    assert business_error("createTargetGroup", {"name": long}).code == 310008  # type: ignore[union-attr]
    bad_combo = {
        "name": "g",
        "targets": [{"name": "t", "targetEntity": "EVENT", "targetType": "SALES"}],
    }
    assert business_error("createTargetGroup", bad_combo).code == 310033  # type: ignore[union-attr]
    emf = [
        {
            "name": "t",
            "targetEntity": "EVENT",
            "eventName": "ReturnBill",
            "targetType": "EVENT_ATTRIBUTE",
        }
    ]
    assert business_error("createTargets", emf).code == 310033  # type: ignore[union-attr]
    ext = [{"name": "t", "targetEntity": "TRANSACTION", "targetType": "EXTENDED_FIELD"}]
    assert business_error("createTargets", ext).code == 310094  # type: ignore[union-attr]
    alt = [
        {
            "name": "t",
            "targetEntity": "ALTERNATE_CURRENCIES",
            "targetType": "ALL",
            "extendedFieldInfo": {"programId": 1},
        }
    ]
    assert business_error("createTargets", alt).code == 310147  # type: ignore[union-attr]
    alt[0]["extendedFieldInfo"] = {"alternateCurrencyIdentifier": "c", "programId": 0}
    assert business_error("createTargets", alt).code == 310146  # type: ignore[union-attr]
    assert business_error("checkNameValidity", {"type": "nope", "value": "x"}).code == 310145  # type: ignore[union-attr]
    assert business_error("createTargetGroup", {"name": "fine"}) is None


def test_extended_field_info_echoes_only_well_typed_members() -> None:
    info = _extended({"alternateCurrencyIdentifier": "c", "programId": 7, "name": [1.0], "x": 1})
    assert info == {"alternateCurrencyIdentifier": "c", "programId": 7}


def test_literal_routes_shadow_templated_ones() -> None:
    assert _shadows("/v3/targetGroups/channels", "/v3/targetGroups/{targetGroupId}")
    assert _shadows("/v3/targetGroups/channels/targets", "/v3/targetGroups/{targetGroupId}/targets")
    # Neither is more specific at every position: both stay candidates.
    assert not _shadows(
        "/v3/targetGroups/editTargetGroup/{targetGroupId}",
        "/v3/targetGroups/{targetGroupId}/targets",
    )
    assert not _shadows("/v3/targetGroups/{targetGroupId}", "/v3/targetGroups/channels")
    assert not _shadows(
        "/v3/targetGroups/{targetGroupId}/targets", "/v3/targetGroups/{targetGroupId}/targetPeriods"
    )


def test_seeded_demo_groups_are_valid_create_requests() -> None:
    create = next(
        op
        for op in build_operations(load_document(BUNDLE_JSON))
        if op.operation_id == "createTargetGroup"
    )
    assert create.body_validator is not None
    bodies = demo_bodies(now_ms()) + other_org_bodies(now_ms())
    assert len(bodies) == 8
    for body in bodies:
        errors = [e.message for e in create.body_validator.iter_errors(body)]
        assert not errors, (body["name"], errors)
