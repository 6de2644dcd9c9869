"""End-to-end tests of the conformance tooling against the toy API (no dependency on the sandbox).

In-process runs check the hooks (auth, token refresh, project checks); HTTP runs check the whole
`python -m conformance fuzz` path: subprocess, reports, per-operation summary, exit status.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conformance import inprocess, replay, report, runner, sandbox_run
from conformance.credentials import Identity
from tests.conformance import toy_server

HERE = Path(__file__).resolve().parent
SPEC = HERE / "toy_openapi.yaml"
PRIMARY = Identity("primary", "basic", username="till.one", password="one-secret")
PEER = Identity("peer", "basic", username="till.two", password="two-secret")
OAUTH = Identity("primary", "oauth", key="key-one", secret="key-one-secret")
SECURED = {
    "GET /v3/items",
    "POST /v3/items",
    "GET /v3/items/{itemId}",
    "PUT /v3/items/{itemId}",
    "DELETE /v3/items/{itemId}",
}


def _run(app: Any, primary: Identity = PRIMARY, **kwargs: Any) -> inprocess.InProcessResult:
    options: dict[str, Any] = {"seed": 1, "max_examples": 5, **kwargs}
    schema = inprocess.load_schema(SPEC, app, primary, PEER, **options)
    return inprocess.run(schema)


def _served(result: inprocess.InProcessResult) -> set[str]:
    return {label for label, codes in result.statuses.items() if any(200 <= c < 300 for c in codes)}


@pytest.mark.slow
@pytest.mark.parametrize("primary", [PRIMARY, OAUTH], ids=["basic", "oauth"])
def test_conforming_server_passes_and_every_secured_operation_is_reached(
    primary: Identity,
) -> None:
    result = _run(toy_server.create_app(), primary)
    assert not result.failures, result.messages
    assert not result.errors
    assert _served(result) >= SECURED, dict(result.statuses)


@pytest.mark.slow
def test_revoked_tokens_are_fetched_again_after_a_401() -> None:
    app = toy_server.create_app(token_uses=5)
    result = _run(app, OAUTH)
    assert not result.failures, result.messages
    assert _served(result) >= SECURED
    assert app.state.store.tokens_issued > 3


@pytest.mark.slow
def test_planted_defects_are_caught_by_the_project_checks() -> None:
    # Reads serve a different `kind` than the update stored, so update_persisted fires too.
    result = _run(
        toy_server.stale_reads(toy_server.create_app()),
        operation_ids=["createItem", "updateItem", "getItem"],
        phases=["stateful"],
    )
    assert "update_persisted" in result.failed_checks, result.messages


def _fuzz_toy(tmp_path: Path, defect: str) -> tuple[runner.RunResult, str]:
    command = [sys.executable, str(HERE / "toy_server.py"), "--defect", defect]
    options = runner.FuzzOptions(
        base_url="", spec=SPEC, max_examples=5, reports=tmp_path, max_duration=120
    )
    env = {**os.environ, "CAP_USERNAME": "till.one", "CAP_PASSWORD": "one-secret"}
    log = tmp_path / "run.log"
    with sandbox_run.running_sandbox(command, workdir=tmp_path) as server:
        result = runner.run(replace(options, base_url=server.base_url), log=log, env=env)
    return result, log.read_text(encoding="utf-8")


@pytest.mark.slow
def test_fuzz_command_passes_a_conforming_server_and_writes_reports(tmp_path: Path) -> None:
    result, output = _fuzz_toy(tmp_path, "none")
    assert result.passed, output[-3000:]
    assert runner.exit_code(result) == 0
    for path in (result.junit, result.cassette, result.json_report):
        assert path.is_file()
    assert "<testsuite" in result.junit.read_text(encoding="utf-8")
    rows = {row.label: row for row in result.summaries}
    assert all(rows[label].cases > 0 for label in SECURED)
    # Credentials are masked in the request log.
    assert "one-secret" not in result.cassette.read_text(encoding="utf-8")


@pytest.mark.slow
def test_fuzz_command_fails_on_a_defect_and_names_the_operation(tmp_path: Path) -> None:
    result, output = _fuzz_toy(tmp_path, "stale-reads")
    assert not result.passed and runner.exit_code(result) == 1
    rows = {row.label: row for row in result.summaries}
    assert any("Response violates schema" in f for f in rows["GET /v3/items/{itemId}"].failures)
    assert rows["GET /v3/items/{itemId}"].failed_cases >= 1
    data = json.loads(result.json_report.read_text(encoding="utf-8"))
    assert data["failures"], output[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize(
    "credentials",
    [
        {"CAP_USERNAME": "till.one", "CAP_PASSWORD": "one-secret"},
        {"CAP_OAUTH_KEY": "key-one", "CAP_OAUTH_SECRET": "key-one-secret"},
    ],
    ids=["basic", "oauth"],
)
def test_read_only_mode_sends_no_writes(tmp_path: Path, credentials: dict[str, str]) -> None:
    command = [sys.executable, str(HERE / "toy_server.py")]
    options = runner.FuzzOptions(
        base_url="", spec=SPEC, max_examples=5, reports=tmp_path, read_only=True
    )
    env = {**os.environ, **credentials}
    with sandbox_run.running_sandbox(command, workdir=tmp_path) as server:
        result = runner.run(
            replace(options, base_url=server.base_url), log=tmp_path / "run.log", env=env
        )
    with result.cassette.open(encoding="utf-8") as handle:
        methods = {interaction.method for interaction in report.scan_cassette(handle)}
    assert methods and methods <= {"GET", "HEAD", "OPTIONS", "TRACE"}, methods
    assert result.passed, (tmp_path / "run.log").read_text(encoding="utf-8")[-3000:]


@pytest.mark.slow
def test_max_duration_stops_the_run_cleanly_and_keeps_the_reports(tmp_path: Path) -> None:
    command = [sys.executable, str(HERE / "toy_server.py")]
    options = runner.FuzzOptions(
        base_url="", spec=SPEC, max_examples=5000, reports=tmp_path, max_duration=3
    )
    env = {**os.environ, "CAP_USERNAME": "till.one", "CAP_PASSWORD": "one-secret"}
    with sandbox_run.running_sandbox(command, workdir=tmp_path) as server:
        result = runner.run(
            replace(options, base_url=server.base_url), log=tmp_path / "run.log", env=env
        )
    # 5000 examples per operation cannot finish within the cap on any machine: the cap, not
    # the budget, ended the run, and the reports of the part that ran are kept.
    assert result.interrupted and result.passed
    assert result.junit.is_file() and result.cassette.is_file() and result.cases > 0


@pytest.mark.slow
def test_replay_resends_a_recorded_request_with_fresh_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAP_USERNAME", "till.one")
    monkeypatch.setenv("CAP_PASSWORD", "one-secret")
    command = [sys.executable, str(HERE / "toy_server.py"), "--defect", "stale-reads"]
    options = runner.FuzzOptions(
        base_url="", spec=SPEC, max_examples=5, reports=tmp_path, operation_ids=["listItems"]
    )
    with sandbox_run.running_sandbox(command, workdir=tmp_path) as server:
        result = runner.run(replace(options, base_url=server.base_url), log=tmp_path / "run.log")
        with result.cassette.open(encoding="utf-8") as handle:
            recorded = next(i for i in report.scan_cassette(handle) if i.method == "GET")
        capsys.readouterr()
        assert replay.main(result.cassette, recorded.id, server.base_url) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"GET {server.base_url}/v3/items")
    assert "now: " in out and '"data"' in out
    assert replay.main(result.cassette, "no-such-id", None) == 2
