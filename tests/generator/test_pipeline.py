"""Properties of `make generate` / `make check`, on tiny specs in temporary folders.

Determinism, banners, the no-op path, stale-module removal, failures that leave the output alone,
and the drift check.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.layout import CLIENT_PACKAGE, MANIFEST
from generator.manifest import tree_hashes, walk
from tests.generator.gen_helpers import ROOT, load_golden_spec, run_generator, write_spec


def _copy(out: Path, dest: Path) -> Path:
    shutil.copytree(out, dest)
    return dest


def test_two_runs_give_identical_bytes(generated_once: tuple[Path, Path], tmp_path: Path) -> None:
    spec, first = generated_once
    second = tmp_path / "generated"
    result = run_generator("generate", spec, second)
    assert result.returncode == 0, result.stderr
    assert tree_hashes(first) == tree_hashes(second)


def test_every_file_has_a_banner_and_no_machine_details(generated_once: tuple[Path, Path]) -> None:
    spec, out = generated_once
    for path in walk(out):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(out).as_posix()
        if path.suffix != ".json":
            assert "make generate" in text.partition("\n")[0], f"no banner on {rel}"
        for leak in (str(ROOT), str(out.parent), str(Path.home()) + "/"):
            assert leak not in text, f"{rel} contains {leak}"
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    assert "make generate" in manifest["generated_by"]
    assert set(manifest["generators"]) == {
        "openapi-python-client",
        "datamodel-code-generator",
        "ruff",
    }
    assert manifest["spec"]["sources"] == {spec.name: manifest["spec"]["sources"][spec.name]}
    assert set(manifest["spec"]["bundle"]) == {"openapi.yaml", "openapi.json"}
    assert manifest["outputs"] == tree_hashes(out, exclude=[MANIFEST])


# Runs ``python -m generator`` in-process under an audit hook that records every process started
# and every file or folder created, written, renamed or removed under the watched folder.
NO_OP_PROBE = """
import json, os, sys
watched = os.path.realpath(sys.argv[1])
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
SPAWN = {"subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.system"}
CHANGE = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "shutil.rmtree", "shutil.copytree"}
events = []

def inside(path):
    if not isinstance(path, (str, bytes, os.PathLike)):
        return False
    real = os.path.realpath(os.fsdecode(path))
    return real == watched or real.startswith(watched + os.sep)

def hook(event, args):
    if event in SPAWN:
        events.append(event)
    elif event == "open" and isinstance(args[2], int) and args[2] & WRITE and inside(args[0]):
        events.append("write " + os.fsdecode(args[0]))
    elif event in CHANGE and inside(args[0]):
        events.append(event + " " + os.fsdecode(args[0]))

sys.addaudithook(hook)
from generator.__main__ import main
code = main(sys.argv[2:])
print(json.dumps({"code": code, "events": events}))
"""


def test_no_op_when_nothing_changed(generated_once: tuple[Path, Path], tmp_path: Path) -> None:
    spec, once = generated_once
    out = _copy(once, tmp_path / "generated")
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in walk(out)}
    arguments = ["generate", "--spec-file", str(spec), "--out", str(out), "--without-sdk"]
    result = subprocess.run(
        [sys.executable, "-B", "-c", NO_OP_PROBE, str(tmp_path), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    *messages, report = result.stdout.splitlines()
    assert any("is up to date" in line for line in messages), result.stdout
    # The speed of this path is the benchmark's business; here: no generator process was
    # started and nothing beside or inside the output was created, written, moved or removed.
    assert json.loads(report) == {"code": 0, "events": []}
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in walk(out)} == before


def test_no_op_path_imports_no_generator_or_yaml() -> None:
    probe = (
        "import sys\n"
        "from generator.__main__ import _parser\n"
        "from generator import pipeline, manifest\n"
        "heavy = ('yaml', 'jinja2', 'pydantic', 'openapi_python_client',\n"
        "         'datamodel_code_generator')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_hand_edit_is_undone_by_generate(generated_once: tuple[Path, Path], tmp_path: Path) -> None:
    spec, once = generated_once
    out = _copy(once, tmp_path / "generated")
    edited = out / "client" / CLIENT_PACKAGE / "errors.py"
    edited.write_text(edited.read_text("utf-8") + "# hand edit\n", encoding="utf-8")
    result = run_generator("generate", spec, out)
    assert result.returncode == 0, result.stderr
    assert "regenerating" in result.stdout
    assert tree_hashes(out) == tree_hashes(once)


@pytest.mark.slow
def test_removed_operation_leaves_no_stale_module(tmp_path: Path) -> None:
    document = load_golden_spec("oneof_tags")
    paths = document["paths"]
    assert isinstance(paths, dict)
    paths["/v3/groups/{groupId}"] = {
        "delete": {
            "operationId": "deleteGroup",
            "tags": ["Groups"],
            "parameters": [
                {"name": "groupId", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {"200": {"description": "Deleted."}},
        }
    }
    spec = write_spec(tmp_path / "openapi.yaml", document)
    out = tmp_path / "generated"
    assert run_generator("generate", spec, out).returncode == 0
    module = out / "client" / CLIENT_PACKAGE / "api" / "groups" / "delete_group.py"
    assert module.is_file()
    assert "DeleteGroupParameters" in (out / "models").joinpath(
        "capillary_target_groups_models", "__init__.py"
    ).read_text("utf-8")

    del paths["/v3/groups/{groupId}"]
    write_spec(spec, document)
    result = run_generator("generate", spec, out)
    assert result.returncode == 0, result.stderr
    assert not module.exists()
    assert "DeleteGroupParameters" not in (out / "models").joinpath(
        "capillary_target_groups_models", "__init__.py"
    ).read_text("utf-8")
    assert run_generator("check", spec, out).returncode == 0


def _assert_untouched(out: Path, before: dict[str, str]) -> None:
    assert tree_hashes(out) == before
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    assert leftovers == []


def test_invalid_schema_fails_with_file_and_line_and_keeps_output(
    generated_once: tuple[Path, Path], tmp_path: Path
) -> None:
    spec, once = generated_once
    out = _copy(once, tmp_path / "generated")
    before = tree_hashes(out)
    text = spec.read_text("utf-8").replace(
        "streakLength: {type: integer", "streakLength: {type: integr"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "integr," in row)
    result = run_generator("generate", bad, out)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "openapi-python-client" in result.stderr  # the tool's own message
    assert f"bad.yaml:{line}" in result.stderr
    _assert_untouched(out, before)


def test_yaml_syntax_error_fails_with_file_line_column(
    generated_once: tuple[Path, Path], tmp_path: Path
) -> None:
    spec, once = generated_once
    out = _copy(once, tmp_path / "generated")
    before = tree_hashes(out)
    lines = spec.read_text("utf-8").splitlines()
    at = next(n for n, row in enumerate(lines) if "operationId" in row)
    lines[at] = lines[at] + ": [unclosed"
    bad = tmp_path / "broken.yaml"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_generator("generate", bad, out)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "broken.yaml:" in result.stderr
    _assert_untouched(out, before)


@pytest.mark.slow
def test_check_passes_on_fresh_output_and_reports_drift(
    generated_once: tuple[Path, Path], tmp_path: Path
) -> None:
    spec, once = generated_once
    out = _copy(once, tmp_path / "generated")
    clean = run_generator("check", spec, out)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    package = out / "client" / CLIENT_PACKAGE
    (package / "errors.py").write_text("# drifted\n", encoding="utf-8")
    (package / "api" / "groups" / "stale_module.py").write_text("# left over\n", encoding="utf-8")
    (out / "models" / "README.md").unlink()
    drift = run_generator("check", spec, out)
    assert drift.returncode == 1
    assert "-# drifted" in drift.stdout
    assert "+++ " in drift.stdout and "errors.py (regenerated)" in drift.stdout
    assert "extra in" in drift.stdout and "stale_module.py" in drift.stdout
    assert "missing from" in drift.stdout and "models/README.md" in drift.stdout
    assert "make generate" in drift.stderr


def test_skipped_operation_is_a_failure_that_names_its_line(tmp_path: Path) -> None:
    """openapi-python-client would skip the operation with a warning: we fail and point at it."""
    document = load_golden_spec("oneof_tags")
    paths = document["paths"]
    assert isinstance(paths, dict)
    paths["/v3/groups"]["post"]["requestBody"]["content"] = {
        "text/csv": {"schema": {"type": "string"}}
    }
    spec = write_spec(tmp_path / "openapi.yaml", document)
    line = next(
        n for n, row in enumerate(spec.read_text("utf-8").splitlines(), 1) if "post:" in row
    )
    result = run_generator("generate", spec, tmp_path / "generated")
    assert result.returncode == 1
    assert "Unsupported content type text/csv" in result.stderr
    assert f"openapi.yaml:{line}" in result.stderr
    assert not (tmp_path / "generated").exists()
