"""Fast unit tests of the conformance tooling: credentials, auth provider, report parsing, CLI."""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from conformance import checks, cli, coverage, pool, redact, report, runner
from conformance.credentials import (
    BASIC_HEADER,
    TOKEN_HEADER,
    CredentialsError,
    Identity,
    basic_header,
    from_env,
)
from conformance.hooks import CapillaryAuth, build_provider

ROOT = Path(__file__).resolve().parents[2]


# --- credentials ---------------------------------------------------------------------------------


def test_basic_header_sends_md5_of_the_password() -> None:
    digest = hashlib.md5(b"s3cret").hexdigest()
    expected = base64.b64encode(f"till.one:{digest}".encode()).decode()
    assert basic_header("till.one", "s3cret") == f"Basic {expected}"


def test_basic_credentials_win_in_auto_mode() -> None:
    env = {"CAP_USERNAME": "u", "CAP_PASSWORD": "p", "CAP_OAUTH_KEY": "k", "CAP_OAUTH_SECRET": "s"}
    primary, peer = from_env(env)
    assert (primary.scheme, primary.username, peer) == ("basic", "u", None)
    oauth, _ = from_env(env, choice="oauth")
    assert (oauth.scheme, oauth.key, oauth.secret) == ("oauth", "k", "s")


def test_scheme_can_come_from_the_environment() -> None:
    env = {"CAP_OAUTH_KEY": "k", "CAP_OAUTH_SECRET": "s", "CAP_AUTH_SCHEME": "oauth"}
    assert from_env(env)[0].scheme == "oauth"
    with pytest.raises(CredentialsError, match="CAP_AUTH_SCHEME"):
        from_env({**env, "CAP_AUTH_SCHEME": "digest"})


def test_peer_identity_is_optional_and_separate() -> None:
    env = {
        "CAP_USERNAME": "u",
        "CAP_PASSWORD": "p",
        "CAP_PEER_OAUTH_KEY": "k2",
        "CAP_PEER_OAUTH_SECRET": "s2",
    }
    _, peer = from_env(env)
    assert peer is not None and (peer.name, peer.scheme, peer.key) == ("peer", "oauth", "k2")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "CAP_USERNAME \\+ CAP_PASSWORD \\(Basic\\) or CAP_OAUTH_KEY"),
        ({"CAP_USERNAME": "u"}, "set both CAP_USERNAME and CAP_PASSWORD"),
        ({"CAP_OAUTH_SECRET": "s"}, "set both CAP_OAUTH_KEY and CAP_OAUTH_SECRET"),
        (
            {"CAP_USERNAME": "u", "CAP_PASSWORD": "p", "CAP_PEER_USERNAME": "x"},
            "CAP_PEER_USERNAME and CAP_PEER_PASSWORD",
        ),
    ],
)
def test_incomplete_credentials_name_the_missing_variables(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(CredentialsError, match=message):
        from_env(env)


# --- auth provider -------------------------------------------------------------------------------


def _secured_context() -> Any:
    operation = SimpleNamespace(security=SimpleNamespace(iter_parameters=lambda: iter([object()])))
    return SimpleNamespace(operation=operation)


def _public_context() -> Any:
    operation = SimpleNamespace(security=SimpleNamespace(iter_parameters=lambda: iter([])))
    return SimpleNamespace(operation=operation)


def _case() -> Any:
    return SimpleNamespace(headers={})


def test_basic_provider_sets_the_md5_header_on_secured_operations_only() -> None:
    auth = CapillaryAuth(Identity("primary", "basic", username="u", password="p"))
    secured, public = _case(), _case()
    data = auth.get(secured, _secured_context())
    auth.set(secured, data, _secured_context())
    auth.set(public, data, _public_context())
    assert secured.headers == {BASIC_HEADER: basic_header("u", "p")}
    assert public.headers == {}


def test_oauth_provider_refreshes_the_token_before_it_expires() -> None:
    now = [0.0]
    issued: list[str] = []

    def fetch(operation: Any, key: str, secret: str) -> tuple[str, int]:
        issued.append(f"token-{len(issued)}")
        return issued[-1], 100

    auth = CapillaryAuth(
        Identity("primary", "oauth", key="k", secret="s"), fetch=fetch, clock=lambda: now[0]
    )
    context = _secured_context()
    data = auth.get(_case(), context)
    first = _case()
    auth.set(first, data, context)
    now[0] = 79.0  # still inside 80 % of the 100 s lifetime
    second = _case()
    auth.set(second, data, context)
    now[0] = 81.0
    third = _case()
    auth.set(third, data, context)
    assert [c.headers[TOKEN_HEADER] for c in (first, second, third)] == [
        "token-0",
        "token-0",
        "token-1",
    ]


def test_only_oauth_credentials_are_refetched_on_401() -> None:
    oauth = cast(Any, build_provider(Identity("p", "oauth", key="k", secret="s")))
    basic = cast(Any, build_provider(Identity("p", "basic", username="u", password="p")))
    assert oauth.retry_on == [401]
    assert basic.retry_on == []


# --- project checks (pure parts) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "offset", "total", "expected"),
    [(10, 0, 7, 7), (3, 1, 7, 3), (3, 6, 7, 1), (3, 7, 7, 0), (3, 50, 7, 0), (5, 0, 0, 0)],
)
def test_expected_page_length(limit: int, offset: int, total: int, expected: int) -> None:
    assert checks._expected_length(limit, offset, total) == expected


def test_read_back_finds_the_same_object_by_id_and_shape() -> None:
    claimed = {"id": 3, "name": "new"}
    read = {"id": 1, "name": "group", "targets": [{"id": 3, "name": "old"}, {"id": 4}]}
    assert checks._find(read, claimed) == {"id": 3, "name": "old"}
    assert checks._find(read, {"id": 3, "other": 1}) is None
    assert "name: update returned" in checks._diff(claimed, {"id": 3, "name": "old"})


# --- report --------------------------------------------------------------------------------------

CASSETTE = """\
command: 'st run'
http_interactions:
- id: 'AAA'
  status: 'FAILURE'
  phase:
    name: 'coverage'
  checks:
    - name: 'not_a_server_error'
      status: 'SUCCESS'
      message: ~
    - name: 'update_persisted'
      status: 'FAILURE'
      message: 'Custom check failed: ''update_persisted'''
  request:
    uri: 'http://h/base/v3/items/7'
    method: 'PUT'
    body:
      string: "- id: 'fake'"
  response:
    status:
      code: '200'
- id: 'BBB'
  status: 'SUCCESS'
  checks:
    - name: 'not_a_server_error'
      status: 'SUCCESS'
  request:
    uri: 'http://h/base/v3/items/channels?x=1'
    method: 'GET'
    headers:
      "X-Cap-Fuzz-Link":
      - "createItem"
      "Accept":
      - "*/*"
  response:
    status:
      code: '404'
- id: 'CCC'
  status: 'SUCCESS'
  request:
    uri: 'http://h/base/v3/items'
    method: 'PATCH'
"""


def test_cassette_scan_reads_ids_requests_and_failed_checks() -> None:
    interactions = list(report.scan_cassette(CASSETTE.splitlines(keepends=True)))
    assert [(i.id, i.method, i.status, i.phase) for i in interactions] == [
        ("AAA", "PUT", "FAILURE", "coverage"),
        ("BBB", "GET", "SUCCESS", ""),
        ("CCC", "PATCH", "SUCCESS", ""),
    ]
    assert interactions[0].failed_checks == ["update_persisted"]
    assert interactions[1].uri == "http://h/base/v3/items/channels?x=1"
    assert [(i.status_code, i.linked_from) for i in interactions] == [
        (200, ""),
        (404, "createItem"),
        (0, ""),
    ]


def test_literal_path_segments_win_over_parameters() -> None:
    matcher = report.PathMatcher(["/v3/items/{id}", "/v3/items/channels", "/v3/items"], "/base")
    assert matcher.match("http://h/base/v3/items/channels") == "/v3/items/channels"
    assert matcher.match("http://h/base/v3/items/12") == "/v3/items/{id}"
    assert matcher.match("http://h/base/v3/items/a%2Fb") == "/v3/items/{id}"
    assert matcher.match("http://h/base/v4/other") is None


def test_summary_counts_cases_and_failures_per_operation() -> None:
    operations = [
        report.Operation("PUT", "/v3/items/{id}", "updateItem"),
        report.Operation("GET", "/v3/items/channels", "listChannels"),
    ]
    interactions = report.scan_cassette(CASSETTE.splitlines(keepends=True))
    failures = [{"code": "ST901", "title": "Custom", "operations": ["PUT /v3/items/{id}"]}]
    rows = report.summarize(operations, interactions, failures, "/base")
    table = {row.label: (row.cases, row.failed_cases, row.failures) for row in rows}
    assert table == {
        "PUT /v3/items/{id}": (1, 1, ["ST901 Custom"]),
        "GET /v3/items/channels": (1, 0, []),
        report.UNDOCUMENTED: (1, 0, []),
    }
    text = report.format_table(rows)
    assert "updateItem" in text and "total: 3 cases, 1 failed" in text
    statuses = {row.label: (dict(row.statuses), dict(row.linked)) for row in rows}
    assert statuses["PUT /v3/items/{id}"] == ({200: 1}, {})
    assert statuses["GET /v3/items/channels"] == ({404: 1}, {"createItem": 1})


# --- coverage ------------------------------------------------------------------------------------


def _coverage(
    operation: report.Operation, statuses: dict[int, int], supplied: set[str] | None = None
) -> coverage.OperationCoverage:
    cases = sum(statuses.values())
    summary = report.OperationSummary(operation.label, operation.operation_id, cases)
    summary.statuses.update(statuses)
    links = {operation.operation_id: supplied} if supplied is not None else {}
    return coverage.assess([operation], [summary], links)[0]


ITEM = report.Operation("GET", "/v3/items/{itemId}", "getItem", ("200", "404", "4XX"), ("itemId",))
USERS = report.Operation("GET", "/v3/users/{userId}", "getUser", ("200", "404"), ("userId",))
LIST = report.Operation("GET", "/v3/items", "listItems", ("200", "400", "default"))


def test_coverage_counts_2xx_and_documented_statuses_seen_and_never_seen() -> None:
    row = _coverage(ITEM, {200: 2, 404: 3, 418: 1})
    assert (row.cases, row.ok, row.exercised) == (6, 2, True)
    assert row.seen == ("200", "404", "4XX")
    assert _coverage(LIST, {200: 1}).never_seen == ("400",)  # `default` is no status


@pytest.mark.parametrize(
    ("operation", "statuses", "supplied", "reason", "fix"),
    [
        (LIST, {}, None, "no request reached it", "--max-duration"),
        (LIST, {401: 3, 403: 1}, None, "every request was refused", "credentials"),
        (USERS, {400: 9, 404: 2}, None, "no generated userId", "set CAP_FUZZ_USER_IDS"),
        (ITEM, {404: 2}, None, "no generated id named", "add a spec link"),
        (ITEM, {404: 2}, {"itemId"}, "every id named a missing", "see their rows"),
        (LIST, {500: 1, 400: 2}, None, "the server failed", "failures"),
        (LIST, {400: 5, 409: 1}, None, "every request was rejected (400 x5, 409 x1)", "the spec"),
    ],
)
def test_an_operation_without_a_2xx_is_not_exercised_with_reason_and_fix(
    operation: report.Operation,
    statuses: dict[int, int],
    supplied: set[str] | None,
    reason: str,
    fix: str,
) -> None:
    row = _coverage(operation, statuses, supplied)
    assert not row.exercised
    assert row.reason is not None and reason in row.reason
    assert row.fix is not None and fix in row.fix
    table = coverage.format_table([row, _coverage(ITEM, {200: 1})])
    assert f"NOT EXERCISED {operation.operation_id}: {row.reason}" in table
    assert table.endswith("exercised: 1/2 operations got a 2xx")


def test_require_coverage_fails_an_otherwise_clean_run(tmp_path: Path) -> None:
    covered = [_coverage(LIST, {200: 1}), _coverage(ITEM, {404: 4})]
    paths = (tmp_path / "j", tmp_path / "c", tmp_path / "r")
    result = runner.RunResult(0, 1.0, False, [], [], *paths, coverage=covered)
    assert result.passed
    strict = dataclasses.replace(result, require_coverage=True)
    assert not strict.passed and runner.exit_code(strict) == 1
    assert [row.operation_id for row in strict.not_exercised] == ["getItem"]


# --- id pool -------------------------------------------------------------------------------------


def test_pool_takes_every_other_turn_and_rotates_through_live_sets() -> None:
    ids = pool.IdPool()
    assert ids.draw("getItem") is None
    ids._add("getItem", {"itemId": 1}, "createItem")
    ids._add("getItem", {"itemId": 2}, "createItem")
    turns = [ids.takes_turn("getItem") for _ in range(4)]
    assert turns == [True, False, True, False]
    assert ids.draw("getItem") in ({"itemId": 1}, {"itemId": 2})
    assert ids.source_of("getItem", {"itemId": "2"}) == "createItem"
    assert ids.source_of("getItem", {"itemId": 3}) is None


def test_pool_caps_the_turns_an_operation_gets_per_phase() -> None:
    ids = pool.IdPool()
    coverage = [ids.takes_turn("deleteItem", ("coverage", 2)) for _ in range(8)]
    fuzzing = [ids.takes_turn("deleteItem", ("fuzzing", 2)) for _ in range(8)]
    assert coverage.count(True) == 2 and coverage[:3] == [True, False, True]
    assert fuzzing.count(True) == 2


def test_pool_retires_sets_naming_a_deleted_resource_and_stays_bounded() -> None:
    ids = pool.IdPool()
    ids._add("getTarget", {"groupId": 1, "targetId": 5}, "createTargets")
    ids._add("getTarget", {"groupId": 2, "targetId": 6}, "createTargets")
    ids._retire({"groupId": 1})
    assert ids.draw("getTarget") == {"groupId": 2, "targetId": 6}
    for n in range(pool.KEEP_PER_OPERATION + 5):
        ids._add("getItem", {"itemId": n}, "createItem")
    assert len(ids._live["getItem"]) == pool.KEEP_PER_OPERATION
    # Where an id came from is remembered after it leaves the live sets: it is still linked.
    assert ids.source_of("getItem", {"itemId": 0}) == "createItem"


# --- runner and CLI ------------------------------------------------------------------------------


def test_command_carries_the_budget_the_scope_and_the_reports(tmp_path: Path) -> None:
    options = runner.FuzzOptions(
        base_url="https://api.example.com",
        seed=7,
        max_examples=3,
        read_only=True,
        rate_limit="100/m",
        operation_ids=["getTargetGroup"],
        reports=tmp_path,
        extra_args=["--exclude-checks", "ignored_auth"],
    )
    command = runner.build_command(options)
    joined = " ".join(command)
    assert f"--config-file {runner.CONFIG} run" in joined
    for expected in (
        "--url https://api.example.com",
        "--seed 7",
        "--max-examples 3",
        "--include-method GET",
        "--rate-limit 100/m",
        "--include-operation-id getTargetGroup",
        f"--report-junit-path {tmp_path / 'fuzz-junit.xml'}",
        f"--report-vcr-path {tmp_path / 'fuzz-cassette.yaml'}",
        "--exclude-checks ignored_auth",
    ):
        assert expected in joined
    # Credentials never go on the command line (ignored_auth and shell history).
    assert "-H" not in command and "--auth" not in command
    env = runner.build_env(options, {"PYTHONPATH": "x"})
    assert env["CAP_CONFORMANCE"] == "1" and env["CAP_READ_ONLY"] == "1"
    assert env["PYTHONPATH"].endswith("x")


def test_fuzz_without_a_base_url_explains_what_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fuzz"]) == 2
    err = capsys.readouterr().err
    assert "make fuzz BASE_URL=https://<host>" in err and "CAP_USERNAME" in err


def test_fuzz_without_credentials_says_which_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CAP_USERNAME", "CAP_PASSWORD", "CAP_OAUTH_KEY", "CAP_OAUTH_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["fuzz", "--base-url", "http://127.0.0.1:9"]) == 2
    assert "no credentials in the environment" in capsys.readouterr().err


def test_every_option_has_help_text() -> None:
    parser = cli.build_parser()
    commands = next(action for action in parser._actions if action.dest == "command")
    subparsers = cast(dict[str, argparse.ArgumentParser], commands.choices)
    for name, sub in subparsers.items():
        for action in sub._actions:
            assert action.help, f"{name}: {action.dest} has no help text"


def test_make_fuzz_without_base_url_exits_2_without_traceback() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "fuzz"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "BASE_URL" in done.stderr


def test_filtered_runs_without_links_between_their_operations_skip_the_stateful_phase() -> None:
    toy = Path(__file__).with_name("toy_openapi.yaml")
    spec = runner.load_spec(toy)
    assert ("createItem", "getItem") in report.load_links(spec)

    def phases(**kwargs: Any) -> str | None:
        options = runner.FuzzOptions(base_url="http://x", spec=toy, **kwargs)
        return runner.plan(options, spec)[0].phases

    assert phases() is None
    assert phases(operation_ids=["createItem", "getItem"]) is None
    assert phases(operation_ids=["listItems"]) == "examples,coverage,fuzzing"
    assert phases(read_only=True) == "examples,coverage,fuzzing"
    assert phases(operation_ids=["listItems"], phases="stateful") == "stateful"
    kept = runner.selected_operations(runner.FuzzOptions(base_url="", read_only=True), spec)
    assert {op.operation_id for op in kept} == {"listItems", "getItem"}


# --- redaction -----------------------------------------------------------------------------------


def test_reports_lose_every_secret_and_issued_token(tmp_path: Path) -> None:
    env = {"CAP_PASSWORD": "pass-word", "CAP_OAUTH_SECRET": "s3cret-key", "CAP_USERNAME": "till"}
    body = 'string: "{\\"key\\": \\"k\\", \\"secret\\": \\"s3cret-key\\"}"'
    token = '"{\\"data\\":{\\"accessToken\\":\\"Ea-Ds_9\\",\\"ttlSeconds\\":3600}}"'
    report_file = tmp_path / "run.yaml"
    report_file.write_text(f"{body}\n{token}\npassword pass-word by till\n", encoding="utf-8")
    redact.redact_files([report_file, tmp_path / "missing.xml"], env)
    text = report_file.read_text(encoding="utf-8")
    assert "s3cret-key" not in text and "pass-word" not in text and "Ea-Ds_9" not in text
    assert '\\"accessToken\\":\\"[Filtered]\\"' in text
    assert "by till" in text  # user names are not secrets


def test_pool_stops_resending_items_the_server_refused_to_change() -> None:
    ids = pool.IdPool()
    path, group = "/v3/items/{groupId}/parts", {"groupId": 1}
    ids._items[(path, pool._key(group))] = [{"id": 7, "state": "ENDED"}, {"id": 8}]
    refused = SimpleNamespace(
        method="PUT",
        body=[{"id": 7, "state": "ENDED"}],
        operation=SimpleNamespace(path=path),
    )
    ids.record(cast(Any, refused), cast(Any, SimpleNamespace(status_code=400)))
    assert ids.items(path, group) == [{"id": 8}]
    # A missing resource or a credential problem says nothing about the item.
    other = SimpleNamespace(**{**vars(refused), "body": [{"id": 8}]})
    for status in (401, 404):
        ids.record(cast(Any, other), cast(Any, SimpleNamespace(status_code=status)))
    assert ids.items(path, group) == [{"id": 8}]
