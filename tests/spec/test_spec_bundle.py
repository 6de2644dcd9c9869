"""The bundler: the committed bundle is current, output is deterministic, errors point at source.

The bundler is pure Python; Redocly is its reference: the same document as `redocly bundle`
makes of spec/ (and of a small spec with the awkward cases), after the same normalisation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.bundle import (
    BundleError,
    bundle_document,
    bundle_spec,
    ordered,
    redocly_document,
    to_json,
)


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


def test_python_bundle_is_the_document_redocly_bundles() -> None:
    """The Python bundler and `redocly bundle` can never drift apart on spec/."""
    # Compared as written (to_json), so key order inside schemas cannot drift either.
    assert to_json(ordered(bundle_document())) == to_json(ordered(redocly_document()))


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "openapi.yaml"


_ROOT = """openapi: 3.1.0
info: {title: t, version: 1.0.0}
security:
  - basicAuth: []
paths:
  /nodes:
    $ref: paths/nodes.yaml
components:
  securitySchemes:
    basicAuth:
      $ref: components/securitySchemes/basicAuth.yaml
"""
_PATH = """get:
  operationId: listNodes
  parameters:
    - $ref: ../components/parameters/limit.yaml
  responses:
    '200':
      $ref: ../components/responses/Nodes.yaml
"""
_AWKWARD = {
    "openapi.yaml": _ROOT.replace(
        "  securitySchemes:",
        "  schemas:\n    Local:\n      oneOf: [{$ref: '#/components/schemas/Local'}]\n"
        "      discriminator:\n        propertyName: kind\n"
        "        mapping: {local: '#/components/schemas/Local'}\n"
        "  securitySchemes:",
    ),
    "paths/nodes.yaml": _PATH,
    "components/parameters/limit.yaml": (
        "name: limit\nin: query\nschema: {type: integer, maximum: 1e3, default: 1.0}\n"
    ),
    "components/responses/Nodes.yaml": (
        "description: ok\ncontent:\n  application/json:\n    schema:\n"
        "      type: array\n      items: {$ref: ../schemas/Node.yaml}\n"
        "    examples:\n      one: {$ref: ../examples/One.yaml}\n"
    ),
    "components/schemas/Node.yaml": (
        "type: object\nproperties:\n  when: {type: string, default: 2024-01-01}\n"
        "  flag: {type: string, enum: [yes, no, on]}\n"
        "  code: {type: string, default: 1736163452_}\n"
        "  children:\n    type: array\n    items: {$ref: ./Node.yaml}\n"
        "  kind: {$ref: ./Kind.yaml}\n"
        "oneOf:\n  - $ref: ./Leaf.yaml\n  - $ref: ./Branch.yaml\n"
        "discriminator:\n  propertyName: kind\n"
        "  mapping: {leaf: ./Leaf.yaml, branch: ./Branch.yaml}\n"
    ),
    "components/schemas/Kind.yaml": "type: string\nenum: [leaf, branch]\n",
    "components/schemas/Leaf.yaml": "type: object\nproperties: {kind: {const: leaf}}\n",
    "components/schemas/Branch.yaml": (
        "type: object\nproperties:\n  kind: {const: branch}\n"
        "  first:\n    $ref: ./Node.yaml\n    description: the first child\n"
        "  last:\n    description: the last child\n    $ref: ./Node.yaml\n"
    ),
    "components/examples/One.yaml": "summary: one\nvalue: {kind: leaf, code: 0x1F}\n",
    "components/securitySchemes/basicAuth.yaml": "type: http\nscheme: basic\n",
}


def test_awkward_cases_bundle_as_redocly_does(tmp_path: Path) -> None:
    """Recursion, discriminator mappings, root component refs, YAML 1.2 scalars, $ref siblings."""
    spec = _write(tmp_path, _AWKWARD)
    ours = ordered(bundle_document(spec))
    assert to_json(ours) == to_json(ordered(redocly_document(spec)))
    node = ours["components"]["schemas"]["Node"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node"}
    assert ours["components"]["securitySchemes"]["basicAuth"] == {"type": "http", "scheme": "basic"}


def test_a_recursive_schema_refers_to_its_own_component(tmp_path: Path) -> None:
    spec = _write(tmp_path, _AWKWARD)
    document = bundle_document(spec)
    branch = document["components"]["schemas"]["Branch"]
    assert branch["properties"]["first"] == {
        "$ref": "#/components/schemas/Node",
        "description": "the first child",
    }
    assert list(branch["properties"]["last"]) == ["description", "$ref"]


def test_a_missing_component_file_points_at_the_ref_in_the_referring_file(tmp_path: Path) -> None:
    broken = _AWKWARD["components/schemas/Branch.yaml"].replace("./Node.yaml", "./Gone.yaml")
    spec = _write(tmp_path, {**_AWKWARD, "components/schemas/Branch.yaml": broken})
    with pytest.raises(BundleError) as caught:
        bundle_spec(tmp_path / "out", spec)
    assert caught.value.filename is not None
    assert caught.value.filename.endswith("components/schemas/Branch.yaml")
    assert caught.value.lineno == 5, "the line of the $ref"
    assert "Gone.yaml" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_a_missing_mapping_target_points_at_the_mapping(tmp_path: Path) -> None:
    broken = _AWKWARD["components/schemas/Node.yaml"].replace("branch: ./Branch", "branch: ./No")
    spec = _write(tmp_path, {**_AWKWARD, "components/schemas/Node.yaml": broken})
    with pytest.raises(BundleError) as caught:
        bundle_document(spec)
    assert caught.value.filename is not None
    assert caught.value.filename.endswith("components/schemas/Node.yaml")
    assert caught.value.lineno == 15


def test_a_missing_fragment_fails_with_file_and_line(tmp_path: Path) -> None:
    broken = _PATH.replace("limit.yaml", "limit.yaml#/nowhere")
    spec = _write(tmp_path, {**_AWKWARD, "paths/nodes.yaml": broken})
    with pytest.raises(BundleError) as caught:
        bundle_document(spec)
    assert caught.value.filename is not None
    assert caught.value.filename.endswith("paths/nodes.yaml")
    assert caught.value.lineno == 4
    assert "nowhere" in str(caught.value)


def test_a_yaml_error_in_a_referenced_file_points_at_that_file(tmp_path: Path) -> None:
    spec = _write(
        tmp_path, {**_AWKWARD, "components/schemas/Kind.yaml": "type: string\nenum: [a\n"}
    )
    with pytest.raises(BundleError) as caught:
        bundle_document(spec)
    assert caught.value.filename is not None
    assert caught.value.filename.endswith("components/schemas/Kind.yaml")
    assert caught.value.lineno == 3
    assert "Kind.yaml (line 3" in str(caught.value)


def test_a_path_item_that_includes_itself_fails(tmp_path: Path) -> None:
    spec = _write(tmp_path, {**_AWKWARD, "paths/nodes.yaml": "$ref: ./nodes.yaml\n"})
    with pytest.raises(BundleError) as caught:
        bundle_document(spec)
    assert caught.value.filename is not None
    assert caught.value.filename.endswith("paths/nodes.yaml")
    assert caught.value.lineno == 1
