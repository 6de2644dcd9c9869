"""The SDK layer's generation: naming rules, drift checks against the spec, determinism."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import capillary_target_groups
import pytest
from capillary_target_groups import AsyncCapillaryTargetGroups, CapillaryTargetGroups, ErrorCode
from capillary_target_groups.sdk._base_client import CLUSTERS

from generator.sdk import IntrospectionError, install_sdk, naming
from generator.sdk.facade import _model_unions, build_facade

from .conftest import REPO_ROOT

BUNDLE = REPO_ROOT / "generated" / "openapi.json"
PACKAGE = Path(capillary_target_groups.__file__).resolve().parent

# The method names the team agreed on for the 20 operations of the contract.
EXPECTED = {
    "createTargetGroup": "target_groups.create",
    "listTargetGroups": "target_groups.list",
    "getTargetGroup": "target_groups.get",
    "deleteTargetGroup": "target_groups.delete",
    "updateTargetGroup": "target_groups.update",
    "checkNameValidity": "target_groups.check_name",
    "listTargetPeriods": "target_periods.list",
    "createTargetPeriods": "target_periods.create",
    "updateTargetPeriods": "target_periods.update",
    "listTargets": "targets.list",
    "createTargets": "targets.create",
    "updateTarget": "targets.update",
    "deactivateTarget": "targets.deactivate",
    "updateUnifiedTargets": "unified_targets.update",
    "listTargetCommunications": "communications.list",
    "upsertTargetCommunications": "communications.upsert",
    "listTargetChannels": "communications.channels",
    "listMilestones": "milestones.list",
    "listUserTargetGroups": "users.target_groups",
    "generateOauthToken": "oauth.generate_token",
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(BUNDLE.read_text(encoding="utf-8"))
    return document


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in {"get", "put", "post", "delete"}
    }


def test_every_operation_maps_to_the_agreed_method(spec: dict[str, Any]) -> None:
    found = {
        op_id: ".".join(naming.resource_method(op_id, op["tags"][0]))
        for op_id, op in operations(spec).items()
    }
    assert found == EXPECTED


def test_default_rule() -> None:
    assert naming.resource_method("getTargetGroup", "Target groups") == ("target_groups", "get")
    assert naming.resource_method("createTargetPeriods", "Target periods") == (
        "target_periods",
        "create",
    )
    assert naming.resource_method("archiveTargetGroup", "Target groups") == (
        "target_groups",
        "archive_target_group",
    )
    assert naming.snake("Communications (deprecated)") == "communications"


@pytest.mark.parametrize("cls", [CapillaryTargetGroups, AsyncCapillaryTargetGroups])
def test_every_operation_is_a_method_of_both_clients(cls: type[Any]) -> None:
    client = cls(base_url="http://127.0.0.1:9", username="u", password="p")
    for dotted in EXPECTED.values():
        resource_name, method = dotted.split(".")
        resource = getattr(client, resource_name)
        assert callable(getattr(resource, method))
        assert callable(getattr(resource.with_raw_response, method))
    assert callable(client.milestones.iter)
    for helper in ("default", "unified", "streak", "behavioural_event", "emf_event"):
        assert callable(getattr(client.target_groups, f"create_{helper}"))


def test_cluster_hosts_are_the_spec_servers(spec: dict[str, Any]) -> None:
    hosts = {
        value
        for server in spec["servers"]
        for variable in server.get("variables", {}).values()
        for value in variable.get("enum", [])
    }
    assert {urlsplit(url).hostname for url in CLUSTERS.values()} <= hosts
    assert sorted(CLUSTERS) == ["apac", "apac2", "cn", "eu", "us"]


def test_error_codes_are_the_documented_ones(spec: dict[str, Any]) -> None:
    table = spec["components"]["schemas"]["ApiError"]["description"]
    documented = {int(code) for code in re.findall(r"^\| (\d{6}) \|", table, re.M)}
    assert documented == {code.value for code in ErrorCode}
    used = {
        code for op in operations(spec).values() for code in op.get("x-capillary-error-codes", [])
    }
    assert used <= documented


def test_install_sdk_reproduces_the_generated_sdk(spec: dict[str, Any], tmp_path: Path) -> None:
    package = tmp_path / "capillary_target_groups"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("sdk", "__pycache__"))
    written = install_sdk(package, spec)
    assert {p.name for p in written} == {p.name for p in (PACKAGE / "sdk").glob("*.py")}
    for path in written:
        assert path.read_bytes() == (PACKAGE / "sdk" / path.name).read_bytes(), path.name
        assert "make generate" in path.read_text(encoding="utf-8").partition("\n")[0]


def test_a_stale_override_fails_generation(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    del changed["paths"]["/v3/oauth/token/generate"]
    with pytest.raises(IntrospectionError, match="OVERRIDES names operations not in the spec"):
        build_facade(PACKAGE, changed)


def test_a_name_clash_fails_generation(spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(spec)
    changed["paths"]["/v3/targetGroups/channels"]["get"]["operationId"] = "listTargetGroups"
    changed["paths"]["/v3/targetGroups/channels"]["get"]["tags"] = ["Target groups"]
    with pytest.raises(IntrospectionError, match=r"both map to target_groups\.list"):
        build_facade(PACKAGE, changed)


def test_unions_of_models_are_detected() -> None:
    classes = {"A", "B"}
    assert _model_unions("list[A | B] | Unset", classes) == ["A | B"]
    assert _model_unions("A | None | Unset", classes) == []
    assert _model_unions("list[A] | B", classes) == ["list[A] | B"]
