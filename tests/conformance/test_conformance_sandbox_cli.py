"""`python -m conformance sandbox` (make conformance): starts, fuzzes and always stops a sandbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance import runner, sandbox_run
from conformance.hooks import USER_IDS_ENV

ROOT = Path(__file__).resolve().parents[2]
MUTANT_SERVER = ROOT / "tests" / "conformance" / "mutant_server.py"
SPEC = runner.load_spec(runner.DEFAULT_SPEC)


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
def test_make_conformance_passes_with_every_operation_exercised(tmp_path: Path) -> None:
    # What `make conformance` runs (the Makefile adds --require-coverage), over real HTTP to a
    # sandbox process: the default budget, every phase, every check.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "conformance",
            "sandbox",
            "--require-coverage",
            "--reports",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=runner.build_env(runner.FuzzOptions(base_url="")),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    operations = len(runner.selected_operations(runner.FuzzOptions(base_url=""), SPEC))
    assert f"exercised: {operations}/{operations} operations got a 2xx" in done.stdout
    assert done.stdout.splitlines()[-1] == "PASSED: no failures"
    assert "==> sandbox stopped" in done.stdout
    assert (tmp_path / "conformance-junit.xml").is_file()
    # The enrolled customer makes the progress read answer 200 at least once.
    cassette = (tmp_path / "conformance-cassette.yaml").read_text(encoding="utf-8")
    assert f"/v3/users/{sandbox_run.example_user_id()}/targetGroups" in cassette


def _fuzz_command(base_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m conformance fuzz` as a user types it, with the demo till's credentials."""
    env = {**runner.build_env(runner.FuzzOptions(base_url="")), **sandbox_run.demo_environment()}
    env.pop(USER_IDS_ENV, None)
    return subprocess.run(
        [sys.executable, "-m", "conformance", "fuzz", "--base-url", base_url, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_default_fuzz_command_fails_a_server_whose_delete_keeps_the_group(
    tmp_path: Path,
) -> None:
    # Every operation, every phase, the default budget; it stops at the first failure only so
    # that the test does not run the whole budget after the verdict is known.
    launcher = [sys.executable, str(MUTANT_SERVER), "delete-not-deleting"]
    with sandbox_run.running_sandbox(launcher, workdir=tmp_path) as server:
        done = _fuzz_command(server.base_url, "--max-failures", "1", "--reports", str(tmp_path))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    assert "delete_persisted" in output
    assert "Deleted resource still readable" in output
    assert "FAILED" in done.stdout.splitlines()[-1]


@pytest.mark.slow
def test_require_coverage_fails_a_run_that_never_got_a_2xx_and_says_why(tmp_path: Path) -> None:
    # Without CAP_FUZZ_USER_IDS no generated customer id exists, so the progress read is only
    # ever answered 404: the run finds no defect, yet it did not exercise the operation.
    only = ("--operation-id", "listUserTargetGroups", "--reports", str(tmp_path))
    with sandbox_run.running_sandbox(workdir=tmp_path) as server:
        lenient = _fuzz_command(server.base_url, *only)
        strict = _fuzz_command(server.base_url, *only, "--require-coverage")
    assert lenient.returncode == 0, lenient.stdout[-3000:]
    assert "NOT EXERCISED listUserTargetGroups" in lenient.stdout
    assert f"fix: set {USER_IDS_ENV}" in lenient.stdout
    assert strict.returncode == 1, strict.stdout[-3000:]
    assert strict.stdout.splitlines()[-1] == (
        "FAILED: --require-coverage: not exercised: listUserTargetGroups"
    )


@pytest.mark.slow
def test_token_requests_use_the_real_key_and_the_reports_keep_no_secret(tmp_path: Path) -> None:
    only = ("--operation-id", "generateOauthToken", "--reports", str(tmp_path))
    with sandbox_run.running_sandbox(workdir=tmp_path) as server:
        done = _fuzz_command(server.base_url, *only, "--require-coverage")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "exercised: 1/1 operations got a 2xx" in done.stdout
    secret = sandbox_run.demo_environment()["CAP_OAUTH_SECRET"]
    for report_file in tmp_path.glob("fuzz-*"):
        text = report_file.read_text(encoding="utf-8")
        assert secret not in text, report_file.name
    cassette = (tmp_path / "fuzz-cassette.yaml").read_text(encoding="utf-8")
    assert '\\"accessToken\\":\\"[Filtered]\\"' in cassette
