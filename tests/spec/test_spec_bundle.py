"""The bundler: the committed bundle is current, output is deterministic, errors point at source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.bundle import BundleError, bundle_spec, ordered


def test_committed_bundle_matches_a_fresh_bundle(
    fresh_bundle: tuple[Path, Path], repo_root: Path
) -> None:
    for fresh in fresh_bundle:
        committed = repo_root / "generated" / fresh.name
        assert committed.read_bytes() == fresh.read_bytes(), (
            f"generated/{fresh.name} is stale: run `make bundle` (or `make generate`) and commit"
        )


def test_bundle_is_byte_deterministic(fresh_bundle: tuple[Path, Path], tmp_path: Path) -> None:
    again = bundle_spec(tmp_path)
    for first, second in zip(fresh_bundle, again, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_yaml_and_json_hold_the_same_document(fresh_bundle: tuple[Path, Path]) -> None:
    yaml_path, json_path = fresh_bundle
    assert yaml.safe_load(yaml_path.read_text(encoding="utf-8")) == json.loads(
        json_path.read_text(encoding="utf-8")
    )
    text = json_path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and not text.endswith("\n\n")


def test_components_stay_references(fresh_bundle: tuple[Path, Path]) -> None:
    """Bundled, not dereferenced: generators name classes after components."""
    document = json.loads(fresh_bundle[1].read_text(encoding="utf-8"))
    operation = document["paths"]["/v3/targetGroups"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/TargetGroupCreate"}


def test_key_order_is_conventional_and_independent_of_input_order() -> None:
    scrambled = {
        "components": {"schemas": {"B": {}, "A": {}}, "examples": {"Z": {}, "Y": {}}},
        "paths": {
            "/b": {"x-note": 1, "post": {"responses": {}, "operationId": "createB", "tags": []}},
            "/a": {"get": {"summary": "s"}, "parameters": []},
        },
        "info": {},
        "openapi": "3.1.0",
        "x-top": True,
        "servers": [],
    }
    result = ordered(scrambled)
    assert list(result) == ["openapi", "info", "servers", "paths", "components", "x-top"]
    assert list(result["paths"]) == ["/b", "/a"], "paths keep the root file's order"
    assert list(result["paths"]["/b"]) == ["post", "x-note"]
    assert list(result["paths"]["/b"]["post"]) == ["tags", "operationId", "responses"]
    assert list(result["paths"]["/a"]) == ["parameters", "get"]
    assert list(result["components"]) == ["schemas", "examples"]
    assert list(result["components"]["schemas"]) == ["A", "B"]


def test_a_broken_reference_fails_with_file_and_line(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths:\n"
        "  /x:\n    $ref: ./paths/missing.yaml\n",
        encoding="utf-8",
    )
    with pytest.raises(BundleError) as caught:
        bundle_spec(tmp_path / "out", spec)
    assert caught.value.filename is not None and caught.value.filename.endswith("openapi.yaml")
    assert caught.value.lineno == 5
    assert "missing.yaml" in str(caught.value)
    assert not (tmp_path / "out" / "openapi.json").exists()


def test_a_yaml_syntax_error_fails_with_file_and_line(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths:\n  /x:\n    get: [\n")
    with pytest.raises(BundleError) as caught:
        bundle_spec(tmp_path / "out", spec)
    assert caught.value.lineno is not None
    assert "openapi.yaml" in str(caught.value)
