"""spec/CHANGELOG.md follows its documented format, and the changelog helper's policy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from publishing.breaking import HTTP_METHODS, RULES, Finding
from publishing.changelog import bump_is_enough, entry, next_version, required_bump
from publishing.cli import operation_summaries

ROOT = Path(__file__).resolve().parents[2]
CHANGELOG = ROOT / "spec" / "CHANGELOG.md"
BUNDLE = ROOT / "generated" / "openapi.json"
VERSION = re.compile(r"^## (\d+\.\d+\.\d+)$")
METHODS = "|".join(m.upper() for m in HTTP_METHODS)
OPERATION_LINE = re.compile(rf"^- `(?P<op>(?:{METHODS}) /\S*)`")


def sections() -> dict[str, dict[str, list[str]]]:
    """version -> sub-section title -> operation lines (`METHOD /path` ...)."""
    found: dict[str, dict[str, list[str]]] = {}
    version = sub = None
    for line in CHANGELOG.read_text().splitlines():
        if line.startswith("## "):
            match = VERSION.match(line)
            version = match.group(1) if match else None
            if version:
                assert version not in found, f"two sections for {version}"
                found[version] = {}
            sub = None
        elif line.startswith("### ") and version:
            sub = line[4:]
            found[version][sub] = []
        elif version and sub and line.startswith("- "):
            found[version][sub].append(line)
    return found


def operations(lines: list[str]) -> set[str]:
    ops = set()
    for line in lines:
        match = OPERATION_LINE.match(line)
        assert match, f"not a `METHOD /path` line: {line}"
        ops.add(match.group("op"))
    return ops


def bundle() -> dict[str, object]:
    if not BUNDLE.is_file():
        pytest.skip("generated/openapi.json is not there yet: run make bundle")
    loaded: dict[str, object] = json.loads(BUNDLE.read_text())
    return loaded


def test_versions_are_semver_and_newest_first() -> None:
    versions = list(sections())
    assert versions, "no version sections"
    keys = [tuple(int(n) for n in v.split(".")) for v in versions]
    assert keys == sorted(keys, reverse=True)


def test_breaking_lines_name_an_operation_and_a_rule() -> None:
    for version, subs in sections().items():
        for line in subs.get("Breaking changes", []):
            operations([line])
            rule = re.search(r"\(([a-z-]+)\)$", line)
            assert rule and rule.group(1) in RULES, f"{version}: no known rule id in {line}"
            assert RULES[rule.group(1)][0], f"{version}: {rule.group(1)} is not a breaking rule"


def test_the_bundled_version_has_a_section() -> None:
    info = bundle()["info"]
    assert isinstance(info, dict)
    assert info["version"] in sections(), f"spec/CHANGELOG.md has no section {info['version']}"


def test_first_release_lists_every_operation_of_the_bundle() -> None:
    doc = bundle()
    info = doc["info"]
    assert isinstance(info, dict)
    if info["version"] != "1.0.0":
        pytest.skip("the bundle is past 1.0.0; later sections say what changed")
    first = sections()["1.0.0"]
    assert operations(first["Added"]) == set(operation_summaries(doc))
    paths = doc["paths"]
    assert isinstance(paths, dict)
    deprecated = {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method, op in item.items()
        if method in HTTP_METHODS and op.get("deprecated")
    }
    assert operations(first.get("Deprecated", [])) == deprecated


def finding(rule: str) -> Finding:
    return Finding(rule, "GET", "/x", "detail")


@pytest.mark.parametrize(
    ("rules", "bump"),
    [
        ([], None),
        (["operation-documentation-changed"], "patch"),
        (["operation-documentation-changed", "operation-added"], "minor"),
        (["response-field-added", "response-field-removed"], "major"),
    ],
)
def test_required_bump(rules: list[str], bump: str | None) -> None:
    assert required_bump(finding(r) for r in rules) == bump


def test_versions_arithmetic() -> None:
    assert next_version("1.4.2", "major") == "2.0.0"
    assert next_version("1.4.2", "minor") == "1.5.0"
    assert next_version("v1.4.2", "patch") == "1.4.3"
    assert next_version("draft", "patch") is None
    assert bump_is_enough("1.4.2", "2.0.0", "major")
    assert not bump_is_enough("1.4.2", "1.5.0", "major")
    assert bump_is_enough("1.4.2", "1.4.2", None)
    assert bump_is_enough("1.4.2", "draft", "minor") is None


def test_entry_format() -> None:
    text = entry(
        "2.0.0",
        [finding("operation-removed"), finding("operation-added"), finding("request-field-added")],
    )
    assert text == (
        "## 2.0.0\n\n"
        "### Breaking changes\n\n- `GET /x`: detail (operation-removed)\n\n"
        "### Added\n\n- `GET /x`: detail (operation-added)\n\n"
        "### Changed\n\n- `GET /x`: detail (request-field-added)\n"
    )
