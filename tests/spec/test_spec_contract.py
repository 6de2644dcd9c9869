"""The operations of the team brief's contract table, and the project's spec conventions."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from tests.spec import spec_checks

# The contract table of the team brief: operationId, method, path, tag.
CONTRACT = [
    ("createTargetGroup", "post", "/v3/targetGroups", "Target groups"),
    ("listTargetGroups", "get", "/v3/targetGroups", "Target groups"),
    ("getTargetGroup", "get", "/v3/targetGroups/{targetGroupId}", "Target groups"),
    ("deleteTargetGroup", "delete", "/v3/targetGroups/{targetGroupId}", "Target groups"),
    (
        "updateTargetGroup",
        "put",
        "/v3/targetGroups/editTargetGroup/{targetGroupId}",
        "Target groups",
    ),
    ("checkNameValidity", "post", "/v3/targetGroups/isValidName", "Target groups"),
    (
        "listTargetPeriods",
        "get",
        "/v3/targetGroups/{targetGroupId}/targetPeriods",
        "Target periods",
    ),
    (
        "createTargetPeriods",
        "post",
        "/v3/targetGroups/{targetGroupId}/targetPeriods",
        "Target periods",
    ),
    (
        "updateTargetPeriods",
        "put",
        "/v3/targetGroups/{targetGroupId}/targetPeriods",
        "Target periods",
    ),
    ("listTargets", "get", "/v3/targetGroups/{targetGroupId}/targets", "Targets"),
    ("createTargets", "post", "/v3/targetGroups/{targetGroupId}/targets", "Targets"),
    ("updateTarget", "put", "/v3/targetGroups/{targetGroupId}/targets/{targetId}", "Targets"),
    (
        "deactivateTarget",
        "delete",
        "/v3/targetGroups/{targetGroupId}/targets/{targetId}",
        "Targets",
    ),
    (
        "updateUnifiedTargets",
        "put",
        "/v3/targetGroups/{targetGroupId}/unifiedTargets",
        "Unified targets",
    ),
    (
        "listTargetCommunications",
        "get",
        "/v3/targetGroups/{targetGroupId}/targets/{targetId}/communications",
        "Communications",
    ),
    (
        "upsertTargetCommunications",
        "post",
        "/v3/targetGroups/{targetGroupId}/targets/{targetId}/communications/upsert",
        "Communications (deprecated)",
    ),
    ("listTargetChannels", "get", "/v3/targetGroups/channels", "Communications"),
    ("listMilestones", "get", "/v3/milestones", "Milestones"),
    ("listUserTargetGroups", "get", "/v3/users/{userId}/targetGroups", "Users"),
    ("generateOauthToken", "post", "/v3/oauth/token/generate", "Authentication"),
]


def test_exactly_the_contract_operations(document: dict[str, Any]) -> None:
    found = {
        (op["operationId"], method, path, tuple(op["tags"]))
        for method, path, op in spec_checks.operations(document)
    }
    assert found == {(op_id, m, p, (tag,)) for op_id, m, p, tag in CONTRACT}


def test_security_everywhere_but_the_token_operation(document: dict[str, Any]) -> None:
    assert document["security"] == [{"basicAuth": []}, {"oauthToken": []}]
    for _, _, operation in spec_checks.operations(document):
        if operation["operationId"] == "generateOauthToken":
            assert operation["security"] == []
        else:
            assert "security" not in operation


def test_every_operation_has_its_documented_error_codes(document: dict[str, Any]) -> None:
    described = spec_checks.resolve(document, {"$ref": "#/components/schemas/ApiError"})
    for _, _, operation in spec_checks.operations(document):
        codes = operation["x-capillary-error-codes"]
        assert codes == sorted(codes)
        for code in codes:
            assert f"| {code} |" in described["description"], code


@pytest.mark.parametrize(
    "check",
    [
        spec_checks.properties_without_description,
        spec_checks.unbounded_integer_query_parameters,
        spec_checks.null_in_inline_enums,
        spec_checks.operations_missing_status,
        spec_checks.unsafe_integers,
    ],
)
def test_conventions_hold(document: dict[str, Any], check: Any) -> None:
    assert check(document) == []


GOOD: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/things/{id}": {
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 10},
                }
            ],
            "get": {
                "operationId": "getThing",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    }
                ],
                "responses": {
                    code: {
                        "description": "r",
                        "headers": {"X-Cap-Requestid": {"schema": {"type": "string"}}},
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "data": {"type": ["string", "null"], "description": "d"}
                                    },
                                }
                            }
                        },
                    }
                    for code in ("200", "400", "401", "403", "404", "500")
                },
            },
        }
    },
}


def _get(document: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"]["/things/{id}"]["get"]
    return operation


def test_convention_checks_can_fail() -> None:
    for check in (
        spec_checks.properties_without_description,
        spec_checks.unbounded_integer_query_parameters,
        spec_checks.null_in_inline_enums,
        spec_checks.operations_missing_status,
        spec_checks.unsafe_integers,
    ):
        assert check(GOOD) == [], check.__name__

    undocumented = copy.deepcopy(GOOD)
    schema = _get(undocumented)["responses"]["200"]["content"]["application/json"]["schema"]
    del schema["properties"]["data"]["description"]
    assert spec_checks.properties_without_description(undocumented) == [
        "#/paths/~1things~1{id}/get/responses/200/content/application~1json/schema/properties/data"
    ]

    unbounded = copy.deepcopy(GOOD)
    del _get(unbounded)["parameters"][0]["schema"]["maximum"]
    assert spec_checks.unbounded_integer_query_parameters(unbounded) == [
        "GET /things/{id}: query parameter 'limit'"
    ]

    too_big = copy.deepcopy(GOOD)
    _get(too_big)["parameters"][0]["schema"]["maximum"] = 2**63 - 1
    assert spec_checks.unsafe_integers(too_big) == [
        "#/paths/~1things~1{id}/get/parameters/0/schema/maximum: 9223372036854775807"
    ]

    null_enum = copy.deepcopy(GOOD)
    schema = _get(null_enum)["responses"]["200"]["content"]["application/json"]["schema"]
    schema["properties"]["data"]["enum"] = ["a", None]
    assert len(spec_checks.null_in_inline_enums(null_enum)) == 1

    missing = copy.deepcopy(GOOD)
    del _get(missing)["responses"]["404"]
    del _get(missing)["responses"]["500"]["headers"]
    assert spec_checks.operations_missing_status(missing) == [
        "GET /things/{id}: no 404 response",
        "GET /things/{id} 500: no X-Cap-Requestid header",
    ]


def _extension_keys(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.startswith("x-"):
                found.add(key)
            found |= _extension_keys(value)
    elif isinstance(node, list):
        for value in node:
            found |= _extension_keys(value)
    return found


def test_every_extension_is_documented(document: dict[str, Any], repo_root: Path) -> None:
    text = (repo_root / "spec" / "extensions.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## (x-[\w-]+)$", text, flags=re.MULTILINE))
    used = _extension_keys({k: v for k, v in document.items() if k != "components"})
    components = document.get("components", {})
    used |= _extension_keys({k: v for k, v in components.items() if k != "examples"})
    assert used, "the spec records its decisions in x- extensions"
    assert used <= documented, f"undocumented: {sorted(used - documented)}"


def test_phased_out_operations_are_deprecated_and_say_so(document: dict[str, Any]) -> None:
    phased_out = set()
    for _, _, operation in spec_checks.operations(document):
        note = operation.get("x-capillary-phase-out")
        if note is not None:
            phased_out.add(operation["operationId"])
            assert operation.get("deprecated") is True
            # Compare with whitespace collapsed: descriptions are wrapped block scalars.
            assert note["replacement"] in " ".join(operation["description"].split())
        elif operation.get("deprecated"):
            raise AssertionError(
                f"{operation['operationId']} deprecated without x-capillary-phase-out"
            )
    assert {
        "getTargetGroup",
        "updateTargetGroup",
        "upsertTargetCommunications",
        "listUserTargetGroups",
    } <= phased_out
    assert "createTargetGroup" not in phased_out
