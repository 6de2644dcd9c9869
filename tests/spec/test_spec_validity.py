"""The bundle is valid OpenAPI 3.1, and the source lints with zero problems."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from generator.bundle import REDOCLY


def test_openapi_spec_validator_accepts_the_bundle(document: dict[str, Any]) -> None:
    validate(document)


def test_openapi_spec_validator_can_fail() -> None:
    broken = {"openapi": "3.1.0", "info": {"title": "t"}, "paths": {}}  # no info.version
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def _lint(target: Path, cwd: Path, config: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [str(REDOCLY), "lint", str(target), "--format=json", "--config", str(config)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    report: dict[str, Any] = json.loads(completed.stdout[completed.stdout.index("{") :])
    report["returncode"] = completed.returncode
    return report


def test_redocly_lint_has_zero_problems(repo_root: Path) -> None:
    report = _lint(Path("spec/openapi.yaml"), repo_root, repo_root / "redocly.yaml")
    problems = [
        f"{p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}"
        for p in report["problems"]
        if not p.get("ignored")
    ]
    assert problems == []
    assert report["totals"]["errors"] == 0
    assert report["totals"]["warnings"] == 0
    assert report["returncode"] == 0


# One tiny document, one operation per case: the first is clean, each other breaks one rule.
TINY = """\
openapi: 3.1.0
info: {title: t, version: 1.0.0, description: d, license: {name: MIT, identifier: MIT}}
servers: [{url: 'https://api.example.org'}]
security: []
tags: [{name: A, description: d}]
paths:
  /clean:
    get:
      operationId: listClean
      summary: s
      description: d
      tags: [A]
      responses: {'200': {$ref: '#/components/responses/Described'}, '400': {description: bad}}
  /badName:
    get:
      operationId: fetchBadName
      summary: s
      description: d
      tags: [A]
      responses: {'200': {$ref: '#/components/responses/Described'}, '400': {description: bad}}
  /noDescription:
    get:
      operationId: listNoDescription
      summary: s
      tags: [A]
      responses: {'200': {$ref: '#/components/responses/Described'}, '400': {description: bad}}
  /undescribedProperty:
    get:
      operationId: listUndescribedProperty
      summary: s
      description: d
      tags: [A]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {a: {type: string}}}
        '400': {description: bad}
components:
  responses:
    Described:
      description: ok
      content:
        application/json:
          schema: {type: object, properties: {a: {type: string, description: d}}}
"""


def test_our_redocly_rules_can_fail(repo_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "tiny.yaml"
    target.write_text(TINY, encoding="utf-8")
    report = _lint(target, tmp_path, repo_root / "redocly.yaml")
    found = {(p["ruleId"], p["location"][0]["pointer"].split("/")[2]) for p in report["problems"]}
    assert found == {
        ("rule/operation-id-verb-resource", "~1badName"),
        ("rule/operation-documented", "~1noDescription"),
        ("rule/schema-property-description", "~1undescribedProperty"),
    }
