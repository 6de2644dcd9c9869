"""Every example (named components, media-type, parameter and schema examples) fits its schema."""

from __future__ import annotations

from typing import Any

from tests.spec import spec_checks


def test_there_are_examples_for_every_create_variant(document: dict[str, Any]) -> None:
    media = document["paths"]["/v3/targetGroups"]["post"]["requestBody"]["content"]
    names = set(media["application/json"]["examples"])
    wanted = {"default", "unified", "streak", "nonContinuousStreak", "behavioural", "emf"}
    wanted |= {"leaderboard", "userCreated", "alternateCurrency", "capping"}
    assert wanted <= names


def test_every_example_validates(document: dict[str, Any]) -> None:
    assert len(spec_checks.example_cases(document)) > 80
    assert spec_checks.invalid_examples(document) == []


def test_examples_carry_no_cookie_headers(document: dict[str, Any]) -> None:
    assert "_cfuvid" not in str(document)


def _tiny(schema: dict[str, Any], value: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "paths": {
            "/x": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": schema,
                                "examples": {"one": {"$ref": "#/components/examples/One"}},
                            }
                        }
                    },
                    "responses": {},
                }
            }
        },
        "components": {
            "schemas": {"Day": {"type": "string", "format": "date", "examples": ["2024-01-01"]}},
            "examples": {"One": {"value": value}},
        },
    }


def test_a_wrong_example_is_reported() -> None:
    schema = {"type": "object", "properties": {"day": {"$ref": "#/components/schemas/Day"}}}
    assert spec_checks.invalid_examples(_tiny(schema, {"day": "2024-01-01"})) == []
    problems = spec_checks.invalid_examples(_tiny(schema, {"day": "25/12/2024"}))
    assert len(problems) == 1 and "/examples/one" in problems[0], "formats are validated"


def test_a_wrong_schema_example_is_reported() -> None:
    document = _tiny({"type": "object"}, {})
    document["components"]["schemas"]["Day"]["examples"] = ["tomorrow"]
    problems = spec_checks.invalid_examples(document)
    assert problems and problems[0].startswith("#/components/schemas/Day/examples/0")
