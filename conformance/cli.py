"""`python -m conformance fuzz|sandbox|replay`: behind `make fuzz` and `make conformance`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance import replay, runner, sandbox_run
from conformance.credentials import ENV_NAMES, CredentialsError, from_env

DESCRIPTION = """\
Property-based conformance testing of a Target group controller API server against the spec
(generated/openapi.yaml), with schemathesis: all phases (examples, coverage, fuzzing, stateful
via the spec's links), all checks plus the project's own, a fixed seed and a bounded budget."""

_PRIMARY, _PEER = ENV_NAMES["primary"], ENV_NAMES["peer"]
CREDENTIALS_HELP = f"""\
credentials (environment variables, never flags: they stay out of shell history and reports):
  {_PRIMARY["username"]} + {_PRIMARY["password"]}
      Basic auth with the plain password; the md5 rule is applied for you
  {_PRIMARY["key"]} + {_PRIMARY["secret"]}
      OAuth; a token is fetched from POST /v3/oauth/token/generate and refreshed before it
      expires and on a 401
  {_PEER["username"]} + {_PEER["password"]} (or {_PEER["key"]} + {_PEER["secret"]})
      optional second identity from ANOTHER org: enables the object_level_authorization
      check (the other org must not read the first org's ids)
  CAP_FUZZ_USER_IDS
      optional comma-separated ids of real customers, so that GET /v3/users/{{userId}}/targetGroups
      answers 200 (generated ids almost never name a customer)"""

FUZZ_EPILOG = f"""\
{CREDENTIALS_HELP}

examples:
  CAP_USERNAME=till.name CAP_PASSWORD=secret make fuzz BASE_URL=https://eu.api.capillarytech.com
  make fuzz BASE_URL=https://staging.example.com ARGS="--read-only --rate-limit 60/m"
  make fuzz BASE_URL=http://127.0.0.1:8080 ARGS="--seed 7 --max-examples 100"
  python -m conformance fuzz --base-url http://127.0.0.1:8080 -- --exclude-checks ignored_auth

reports (under --reports, default reports/): <prefix>-junit.xml, <prefix>-cassette.yaml (every
request and response, credentials masked), <prefix>-run.json. Replay one recorded request with
`python -m conformance replay --id ID`. Exit status: 0 no failures, 1 failures, 2 usage error."""

SANDBOX_EPILOG = """\
Starts `python -m sandbox` on a free loopback port with a fresh database in a temporary folder,
fuzzes it with the seeded demo credentials (and the other org's as the peer), and always stops
it. Budget options are the same as for `fuzz`."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _workers(text: str) -> str:
    if text != "auto":
        _positive_int(text)
    return text


def _add_budget_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("budget and reproducibility")
    group.add_argument(
        "--seed",
        type=int,
        metavar="N",
        default=runner.DEFAULT_SEED,
        help=f"random seed; the same seed replays the same cases (default {runner.DEFAULT_SEED})",
    )
    group.add_argument(
        "--max-examples",
        type=_positive_int,
        metavar="N",
        default=runner.DEFAULT_MAX_EXAMPLES,
        help="generated cases per operation in the fuzzing and stateful phases "
        f"(default {runner.DEFAULT_MAX_EXAMPLES}); the coverage phase always runs in full",
    )
    group.add_argument(
        "--max-duration",
        type=_positive_float,
        metavar="SECONDS",
        help="hard cap on the run's wall-clock time; at the cap the run stops cleanly, writes "
        "its reports and is reported as partial; it passes if nothing failed in the part that "
        "ran (default: no cap)",
    )
    group.add_argument(
        "--workers",
        type=_workers,
        metavar="N",
        default=runner.DEFAULT_WORKERS,
        help=f"concurrent workers, a number or 'auto' (default {runner.DEFAULT_WORKERS})",
    )
    group.add_argument(
        "--max-failures",
        type=_positive_int,
        metavar="N",
        help="stop after N failures (default: run everything)",
    )
    scope = parser.add_argument_group("scope")
    scope.add_argument(
        "--phases",
        metavar="LIST",
        help="comma-separated subset of examples,coverage,fuzzing,stateful (default: all four)",
    )
    scope.add_argument(
        "--operation-id",
        dest="operation_ids",
        action="append",
        default=[],
        metavar="ID",
        help="test only this operationId (repeatable; default: every operation)",
    )
    scope.add_argument(
        "--require-coverage",
        action="store_true",
        help="fail the run when an operation never got a 2xx answer (it is then reported as "
        "'not exercised' with the likely reason and the fix either way)",
    )
    scope.add_argument(
        "--reports",
        type=Path,
        default=runner.DEFAULT_REPORTS,
        metavar="DIR",
        help="folder for the JUnit XML, the VCR cassette and the JSON report (default reports/)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    fuzz = commands.add_parser(
        "fuzz",
        help="fuzz any server: make fuzz BASE_URL=https://...",
        description=DESCRIPTION,
        epilog=FUZZ_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fuzz.add_argument(
        "--base-url",
        metavar="URL",
        help="the server to test, e.g. https://eu.api.capillarytech.com (required); operation "
        "paths such as /v3/targetGroups are appended to it",
    )
    fuzz.add_argument(
        "--spec",
        type=Path,
        default=runner.DEFAULT_SPEC,
        metavar="PATH",
        help="the OpenAPI document to test against (default generated/openapi.yaml)",
    )
    fuzz.add_argument(
        "--read-only",
        action="store_true",
        help="for production hosts: send only GET requests (no POST/PUT/DELETE, and only safe "
        "methods in the 405 probes)",
    )
    fuzz.add_argument(
        "--rate-limit",
        metavar="N/UNIT",
        help="at most N requests per unit: s, m, h or d, e.g. 100/m (default: unlimited)",
    )
    fuzz.add_argument(
        "--auth",
        dest="auth_scheme",
        choices=("auto", "basic", "oauth"),
        default="auto",
        help="which credentials to use when both are set (default auto: Basic, else OAuth)",
    )
    _add_budget_options(fuzz)
    fuzz.add_argument(
        "extra_args",
        nargs="*",
        metavar="-- ST_OPTION",
        help="anything after `--` is passed to `st run` unchanged",
    )

    sandbox = commands.add_parser(
        "sandbox",
        help="start a fresh sandbox, fuzz it fully, stop it (make conformance)",
        description="Fuzz a freshly started sandbox against the spec.",
        epilog=SANDBOX_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sandbox.add_argument(
        "--auth",
        dest="auth_scheme",
        choices=("basic", "oauth"),
        default="basic",
        help="fuzz with the demo till's Basic credentials or its OAuth key (default basic)",
    )
    _add_budget_options(sandbox)

    replay = commands.add_parser(
        "replay",
        help="resend one request recorded in a cassette and show the response",
        description="Resend one recorded request (credentials are re-applied from the "
        "environment, since the cassette masks them) and print the response.",
    )
    replay.add_argument("--id", required=True, help="the test case id printed with the failure")
    replay.add_argument(
        "--cassette",
        type=Path,
        default=runner.DEFAULT_REPORTS / "fuzz-cassette.yaml",
        metavar="PATH",
        help="the cassette to read (default reports/fuzz-cassette.yaml)",
    )
    replay.add_argument(
        "--base-url",
        metavar="URL",
        help="send to this server instead of the recorded one",
    )
    return parser


NO_BASE_URL = """\
conformance fuzz: no server to test.
Give the base URL of the server, and credentials in the environment:

  CAP_USERNAME=<till> CAP_PASSWORD=<password> make fuzz BASE_URL=https://<host>
  CAP_OAUTH_KEY=<key> CAP_OAUTH_SECRET=<secret> make fuzz BASE_URL=https://<host>

(or: python -m conformance fuzz --base-url https://<host>)
Add ARGS="--read-only" for a production host. To fuzz the local sandbox, run `make conformance`.
See `python -m conformance fuzz --help` for every option."""


def _options(args: argparse.Namespace, base_url: str) -> runner.FuzzOptions:
    return runner.FuzzOptions(
        base_url=base_url.rstrip("/"),
        seed=args.seed,
        max_examples=args.max_examples,
        max_duration=args.max_duration,
        workers=args.workers,
        max_failures=args.max_failures,
        phases=args.phases,
        operation_ids=list(args.operation_ids),
        reports=args.reports,
        auth_scheme=args.auth_scheme,
        require_coverage=args.require_coverage,
    )


def _fuzz(args: argparse.Namespace) -> int:
    if not args.base_url:
        print(NO_BASE_URL, file=sys.stderr)
        return 2
    if not args.base_url.startswith(("http://", "https://")):
        print(
            f"conformance fuzz: --base-url must be http(s)://..., not {args.base_url!r}",
            file=sys.stderr,
        )
        return 2
    try:
        primary, peer = from_env(choice=args.auth_scheme)
    except CredentialsError as exc:
        print(f"conformance fuzz: {exc}\n\n{CREDENTIALS_HELP}", file=sys.stderr)
        return 2
    if not args.spec.is_file():
        print(
            f"conformance fuzz: spec {args.spec} not found: run `make generate` first",
            file=sys.stderr,
        )
        return 2
    options = _options(args, args.base_url)
    options.spec = args.spec
    options.read_only = args.read_only
    options.rate_limit = args.rate_limit
    options.extra_args = list(args.extra_args)
    print(f"==> fuzzing {options.base_url} against {runner._relative(options.spec)}")
    print(f"    credentials: {primary.describe()}")
    if peer is not None:
        print(f"    peer (another org): {peer.describe()}")
    if options.read_only:
        print("    read-only: GET requests only")
    result = runner.run(options)
    runner.print_summary(result)
    return runner.exit_code(result)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "fuzz":
            return _fuzz(args)
        if args.command == "sandbox":
            return sandbox_run.main(_options(args, "http://127.0.0.1"))
        if args.command == "replay":
            return replay.main(args.cassette, args.id, args.base_url)
    except KeyboardInterrupt:
        print("conformance: interrupted", file=sys.stderr)
        return 130
    parser.print_help()
    return 2
