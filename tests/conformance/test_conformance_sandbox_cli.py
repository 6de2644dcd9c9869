"""`python -m conformance sandbox` (make conformance): starts, fuzzes and always stops a sandbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance import runner, sandbox_run

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sandbox_is_stopped_and_its_folder_removed_even_when_the_run_fails() -> None:
    seen: list[sandbox_run.Sandbox] = []
    with pytest.raises(RuntimeError, match="boom"), sandbox_run.running_sandbox() as sandbox:
        seen.append(sandbox)
        assert sandbox.base_url.startswith("http://127.0.0.1:")
        raise RuntimeError("boom")
    assert seen[0].process.poll() is not None
    assert not seen[0].log.parent.exists()


@pytest.mark.slow
def test_make_conformance_entry_point_passes_on_a_focused_run(tmp_path: Path) -> None:
    # The full run is `make conformance` itself; this checks the wiring on two operations.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "sandbox",
            "--operation-id",
            "listTargetChannels",
            "--operation-id",
            "listUserTargetGroups",
            "--reports",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=runner.build_env(runner.FuzzOptions(base_url="")),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PASSED: no failures" in done.stdout
    assert "==> sandbox stopped" in done.stdout
    assert (tmp_path / "conformance-junit.xml").is_file()
    # The enrolled customer makes the progress read answer 200 at least once.
    cassette = (tmp_path / "conformance-cassette.yaml").read_text(encoding="utf-8")
    assert f"/v3/users/{sandbox_run.example_user_id()}/targetGroups" in cassette
