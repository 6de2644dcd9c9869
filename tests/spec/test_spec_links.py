"""OpenAPI links name operations and parameters that exist, and read values that can exist."""

from __future__ import annotations

import copy
from typing import Any

from tests.spec import spec_checks


def test_links_are_sound(document: dict[str, Any]) -> None:
    assert spec_checks.broken_links(document) == []


def test_create_target_group_links_to_the_group_operations(document: dict[str, Any]) -> None:
    response = spec_checks.resolve(
        document, document["paths"]["/v3/targetGroups"]["post"]["responses"]["200"]
    )
    targets = {
        spec_checks.resolve(document, link)["operationId"] for link in response["links"].values()
    }
    assert {
        "getTargetGroup",
        "updateTargetGroup",
        "deleteTargetGroup",
        "listTargetPeriods",
        "createTargetPeriods",
        "listTargets",
        "createTargets",
    } <= targets


def test_target_lists_link_to_the_target_operations(document: dict[str, Any]) -> None:
    path = "/v3/targetGroups/{targetGroupId}/targets"
    for method in ("get", "post"):
        response = spec_checks.resolve(
            document, document["paths"][path][method]["responses"]["200"]
        )
        targets = {
            spec_checks.resolve(document, link)["operationId"]
            for link in response["links"].values()
        }
        assert {"updateTarget", "deactivateTarget"} <= targets


LINKED = {
    "openapi": "3.1.0",
    "paths": {
        "/groups": {
            "post": {
                "operationId": "createGroup",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "data": {
                                            "type": "object",
                                            "properties": {"id": {"type": "integer"}},
                                        }
                                    },
                                }
                            }
                        },
                        "links": {
                            "get": {
                                "operationId": "getGroup",
                                "parameters": {"groupId": "$response.body#/data/id"},
                            }
                        },
                    }
                },
            }
        },
        "/groups/{groupId}": {
            "parameters": [
                {"name": "groupId", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"operationId": "getGroup", "responses": {}},
        },
    },
}


def _link(document: dict[str, Any]) -> dict[str, Any]:
    link: dict[str, Any] = document["paths"]["/groups"]["post"]["responses"]["200"]["links"]["get"]
    return link


def test_link_checks_can_fail() -> None:
    assert spec_checks.broken_links(LINKED) == []
    missing_operation = copy.deepcopy(LINKED)
    _link(missing_operation)["operationId"] = "readGroup"
    assert "no operation 'readGroup'" in spec_checks.broken_links(missing_operation)[0]
    missing_parameter = copy.deepcopy(LINKED)
    _link(missing_parameter)["parameters"] = {"id": "$response.body#/data/id"}
    assert "has no parameter 'id'" in spec_checks.broken_links(missing_parameter)[0]
    missing_value = copy.deepcopy(LINKED)
    _link(missing_value)["parameters"] = {"groupId": "$response.body#/data/groupId"}
    assert "does not exist" in spec_checks.broken_links(missing_value)[0]
    wrong_request_value = copy.deepcopy(LINKED)
    _link(wrong_request_value)["parameters"] = {"groupId": "$request.path.groupId"}
    assert "no path parameter" in spec_checks.broken_links(wrong_request_value)[0]
