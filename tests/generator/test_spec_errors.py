"""A broken multi-file spec: `make generate` names the spec file and line, and changes nothing.

Runs the real bundler (Redocly) and both generators on a copy of spec/ with one planted fault.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.manifest import tree_hashes
from tests.generator.gen_helpers import ROOT


def _generate(spec_dir: Path, out: Path) -> subprocess.CompletedProcess[str]:
    command = ["generate", "--spec-dir", str(spec_dir), "--out", str(out)]
    return subprocess.run(
        [sys.executable, "-m", "generator", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _plant(tmp_path: Path, rel: str, pattern: str, replacement: str) -> tuple[Path, int]:
    """Copy spec/ and plant ``replacement`` in ``rel``; return the copy and the fault's line."""
    spec = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", spec)
    target = spec / rel
    lines = target.read_text("utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if re.search(pattern, line))
    lines[index] = re.sub(pattern, replacement, lines[index], count=1)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return spec, index + 1


def _existing_output(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    out = tmp_path / "generated"
    shutil.copytree(ROOT / "generated", out, ignore=shutil.ignore_patterns(".mypy_cache"))
    return out, tree_hashes(out)


@pytest.mark.slow
def test_invalid_type_in_a_component_points_at_its_file(tmp_path: Path) -> None:
    rel = "components/schemas/TargetCreateBase.yaml"
    spec, line = _plant(tmp_path, rel, r"type: integer\b", "type: integr")
    out, before = _existing_output(tmp_path)
    result = _generate(spec, out)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "openapi-python-client" in result.stderr
    assert f"{rel}:{line}" in result.stderr
    assert tree_hashes(out) == before


@pytest.mark.slow
def test_yaml_syntax_error_in_a_path_file_points_at_it(tmp_path: Path) -> None:
    rel = "paths/v3_milestones.yaml"
    spec, line = _plant(tmp_path, rel, r"^(\s*summary: .*)$", r"\1: [unclosed")
    out, before = _existing_output(tmp_path)
    result = _generate(spec, out)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{rel}:{line}" in result.stderr
    assert tree_hashes(out) == before
