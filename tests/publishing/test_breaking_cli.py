"""`python -m publishing breaking|changelog` against throwaway git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from publishing.cli import main
from tests.publishing.publishing_tinydocs import base, schema

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def write_bundle(repo: Path, doc: dict[str, Any]) -> None:
    target = repo / "generated" / "openapi.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=2))


def commit(repo: Path, message: str, tag: str | None = None) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    if tag:
        git(repo, "tag", tag)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with release v1.0.0 of the tiny document, as the current directory."""
    git(tmp_path, "init", "-q", "-b", "main")
    write_bundle(tmp_path, base())
    commit(tmp_path, "release 1.0.0", tag="v1.0.0")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def breaking_change(version: str) -> dict[str, Any]:
    doc = base()
    doc["info"]["version"] = version
    schema(doc, "KindOut")["enum"].append("C")
    return doc


def test_breaking_change_without_major_bump_exits_1(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_bundle(repo, breaking_change("1.1.0"))
    assert main(["breaking", "--base", "v1.0.0"]) == 1
    out, err = capsys.readouterr()
    assert "Breaking changes (1):" in out
    assert (
        "[response-enum-value-added] PUT /things/{thingId}: response 200 body field `kind` "
        'enum value "C" added' in out
    )
    assert "major number was not raised (1.0.0 -> 1.1.0)" in err
    assert "asks for at least 2.0.0" in out


def test_breaking_change_with_major_bump_exits_0(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_bundle(repo, breaking_change("2.0.0"))
    assert main(["breaking", "--base", "v1.0.0"]) == 0
    out = capsys.readouterr().out
    assert "[response-enum-value-added]" in out
    assert "accepted: info.version's major number was raised (1.0.0 -> 2.0.0)" in out


def test_non_breaking_changes_exit_0_and_are_grouped(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = base()
    doc["info"]["version"] = "1.1.0"
    schema(doc, "KindIn")["enum"].append("C")
    write_bundle(repo, doc)
    assert main(["breaking", "--base", "v1.0.0"]) == 0
    out = capsys.readouterr().out
    assert "Breaking changes" not in out
    assert "Non-breaking changes (1):\n[request-enum-value-added] PUT /things/{thingId}" in out
    assert "note:" not in out  # 1.1.0 is what the policy asks for


def test_no_changes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breaking", "--base", "v1.0.0"]) == 0
    assert "no changes" in capsys.readouterr().out


def test_version_not_bumped_is_a_note_not_a_failure(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = base()
    doc["paths"]["/things"]["get"]["summary"] = "List all things"
    write_bundle(repo, doc)
    assert main(["breaking", "--base", "v1.0.0"]) == 0
    assert "asks for at least 1.0.1 (patch)" in capsys.readouterr().out


@pytest.mark.parametrize("ref", ["v9.9.9", "no-such-branch", "HEAD~5"])
def test_unknown_ref_is_a_usage_error(
    repo: Path, ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["breaking", "--base", ref]) == 2
    assert f"unknown git ref {ref!r}" in capsys.readouterr().err


def test_empty_base_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `make breaking` without BASE passes --base "".
    assert main(["breaking", "--base", ""]) == 2
    assert "make breaking BASE=" in capsys.readouterr().err


def test_missing_arguments_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["breaking"])
    assert exit_info.value.code == 2


def test_missing_working_bundle_says_how_to_make_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "generated" / "openapi.json").unlink()
    assert main(["breaking", "--base", "v1.0.0"]) == 2
    assert "make bundle" in capsys.readouterr().err


def test_ref_without_any_spec_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "README").write_text("nothing yet\n")
    commit(tmp_path, "empty", tag="v0.1.0")
    write_bundle(tmp_path, base())
    monkeypatch.chdir(tmp_path)
    assert main(["breaking", "--base", "v0.1.0"]) == 2
    assert "there is no spec at v0.1.0" in capsys.readouterr().err


def test_ref_with_only_spec_sources_is_bundled_with_that_refs_bundler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "openapi.yaml").write_text(json.dumps(base()))  # JSON is YAML
    (tmp_path / "generator").mkdir()
    (tmp_path / "generator" / "__main__.py").write_text(
        "import json, pathlib, sys, yaml\n"
        "assert sys.argv[1:] == ['bundle']\n"
        "doc = yaml.safe_load(pathlib.Path('spec/openapi.yaml').read_text())\n"
        "pathlib.Path('generated').mkdir()\n"
        "pathlib.Path('generated/openapi.json').write_text(json.dumps(doc))\n"
    )
    commit(tmp_path, "spec only", tag="v1.0.0")
    write_bundle(tmp_path, breaking_change("1.0.1"))
    monkeypatch.chdir(tmp_path)
    assert main(["breaking", "--base", "v1.0.0"]) == 1
    out = capsys.readouterr().out
    assert "spec/ at v1.0.0 (bundled)" in out
    assert "[response-enum-value-added]" in out


def test_against_latest_tag_without_tags_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    write_bundle(tmp_path, base())
    commit(tmp_path, "work in progress")
    monkeypatch.chdir(tmp_path)
    assert main(["breaking", "--against-latest-tag"]) == 0
    assert capsys.readouterr().out.strip() == "no release tag; skipped"


def test_against_latest_tag_uses_the_newest_v_tag(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_bundle(repo, breaking_change("2.0.0"))
    commit(repo, "release 2.0.0", tag="v2.0.0")
    git(repo, "tag", "not-a-release")  # ignored: not v*
    doc = breaking_change("2.0.1")
    schema(doc, "KindIn")["enum"] = ["A"]
    write_bundle(repo, doc)
    assert main(["breaking", "--against-latest-tag"]) == 1
    out = capsys.readouterr().out
    assert "at v2.0.0 (2.0.0)" in out
    assert "[request-enum-value-removed]" in out
    assert "[response-enum-value-added]" not in out  # it was released in v2.0.0


def test_base_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(base()))
    new.write_text(json.dumps(breaking_change("1.0.1")))
    assert main(["breaking", "--base-file", str(old), "--spec", str(new)]) == 1


def test_changelog_draft(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = breaking_change("2.0.0")
    doc["paths"]["/things"]["post"] = {"operationId": "createThing", "responses": {"200": {}}}
    write_bundle(repo, doc)
    assert main(["changelog", "--base", "v1.0.0"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## 2.0.0\n\n### Breaking changes\n\n- `PUT /things/{thingId}`: ")
    assert "### Added\n\n- `POST /things`: operation added (operation-added)" in out
    assert "policy asks for 2.0.0" in out


def test_rules_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "response-field-removed" in out
    assert "breaking" in out


def test_module_entry_point_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "publishing", "breaking", "--base", "x"],
        cwd=tmp_path,  # not a repository, and no bundle
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "make bundle" in result.stderr
