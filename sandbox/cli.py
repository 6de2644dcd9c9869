"""`python -m sandbox`: open (or create) the database, seed the demo org, serve on host:port."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from sandbox import seed
from sandbox.clock import parse_start
from sandbox.store import StoreError
from sandbox.timefmt import iso_seconds

DESCRIPTION = """\
Stateful sandbox of Capillary's Target group controller API (Milestones & Streaks).
Serves every operation of generated/openapi.yaml on a SQLite file, validates each request
against the spec, and seeds a demo organisation on first start. Sandbox-only routes to enrol
users and record their activity are described at /sandbox/openapi.yaml.
"""

EPILOG = """\
environment variables (flags win):
  SANDBOX_HOST, SANDBOX_PORT, SANDBOX_DB, SANDBOX_TOKEN_TTL, SANDBOX_MAX_BODY
  SANDBOX_NOW      like --now
  SANDBOX_BUNDLE   another bundled spec to serve (default generated/openapi.json)

examples:
  python -m sandbox                         127.0.0.1:8080, ./sandbox.db
  python -m sandbox --port 9000 --reset     start again from the seeded demo data
  python -m sandbox --port 0                any free port (the base URL is printed)
  python -m sandbox --now 2031-06-01 --reset
                                            run as if today were 1 June 2031 (UTC)
"""


class CliError(Exception):
    """A start-up problem the user can fix; printed as one line, never a traceback."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise CliError(f"{name} must be an integer, got {value!r}") from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("SANDBOX_HOST", "127.0.0.1"),
        help="interface to listen on (default 127.0.0.1, env SANDBOX_HOST)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=_env_int("SANDBOX_PORT", 8080),
        help="TCP port, 0 for any free port (default 8080, env SANDBOX_PORT)",
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("SANDBOX_DB", "sandbox.db"),
        help="SQLite database file, created if missing (default sandbox.db, env SANDBOX_DB)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="delete the database file first and start from freshly seeded demo data",
    )
    parser.add_argument(
        "--token-ttl",
        type=int,
        default=_env_int("SANDBOX_TOKEN_TTL", 3600),
        help="lifetime of issued OAuth tokens in seconds (default 3600, env SANDBOX_TOKEN_TTL)",
    )
    parser.add_argument(
        "--max-body",
        type=int,
        default=_env_int("SANDBOX_MAX_BODY", 1_048_576),
        help="largest accepted request body in bytes; larger ones get 413 (default 1 MiB)",
    )
    parser.add_argument(
        "--now",
        default=os.environ.get("SANDBOX_NOW") or None,
        metavar="ISO_DATE",
        help="start the sandbox's clock at this ISO date (midnight UTC) or date-time, e.g. "
        "2031-06-01 or 2031-06-01T09:30:00Z; it then advances in real time. Period and "
        "milestone status, token expiry and the seeded demo dates follow it "
        "(default: the machine's clock, env SANDBOX_NOW)",
    )
    args = parser.parse_args(argv)
    args.start_ms = None
    if args.now is not None:
        try:
            args.start_ms = parse_start(args.now)
        except ValueError as exc:
            raise CliError(f"--now (or SANDBOX_NOW): {exc}") from None
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if args.token_ttl < 1:
        parser.error("--token-ttl must be at least 1 second")
    if args.max_body < 1:
        parser.error("--max-body must be at least 1 byte")
    return args


def _prepare_db(path: str, reset: bool) -> None:
    db = Path(path)
    parent = db.parent if str(db.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"cannot create database {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise CliError(f"cannot write database {path}: folder {parent} is not writable")
    if db.exists() and not os.access(db, os.W_OK):
        raise CliError(f"cannot write database {path}: the file is read-only")
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)


def _bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CliError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CliError(
                f"port {port} is already in use on {host}: stop the other server or pass --port"
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise CliError(
                f"not allowed to listen on {host}:{port}: pick a port above 1023"
            ) from None
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _banner(base_url: str, db: str, start_ms: int | None) -> str:
    lines = [
        "Capillary target-groups sandbox",
        f"  base URL        {base_url}",
        f"  spec            {base_url}/openapi.yaml",
        f"  sandbox routes  {base_url}/sandbox/openapi.yaml  (enrol users, record activity)",
        f"  docs            {base_url}/docs",
        f"  database        {db}",
    ]
    if start_ms is not None:
        lines.append(f"  clock           from {iso_seconds(start_ms)}, advancing in real time")
    lines.append("  demo credentials")
    for credential in seed.DEMO_CREDENTIALS:
        lines.append(f"    {credential.label:<14}{credential.describe()}")
    lines.append("  stop with Ctrl+C")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except CliError as exc:
        print(f"sandbox: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _main(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    # Imported late: `--help` and argument errors stay instant.
    import uvicorn  # noqa: PLC0415

    from sandbox.app import Settings, create_app  # noqa: PLC0415
    from sandbox.clock import starting_at, system_clock  # noqa: PLC0415
    from sandbox.openapi import BUNDLE_JSON  # noqa: PLC0415

    if not BUNDLE_JSON.is_file():
        raise CliError(f"{BUNDLE_JSON} not found: run `make bundle` (or `make generate`) first")
    _prepare_db(args.db, args.reset)
    settings = Settings(
        db=args.db,
        token_ttl_seconds=args.token_ttl,
        max_body_bytes=args.max_body,
        clock=system_clock if args.start_ms is None else starting_at(args.start_ms),
    )
    try:
        app = create_app(settings)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    sock = _bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    print(_banner(f"http://{shown_host}:{port}", args.db, args.start_ms), flush=True)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    config = uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0
