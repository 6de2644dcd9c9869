"""Start and stop the real sandbox process (`python -m sandbox`) on a free port.

Its clock starts at the tests' now (tests/clock.py) unless a test passes other clock flags.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from sandbox.seed import DEMO, Credential
from tests import clock

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0


@dataclass
class Server:
    base_url: str
    db: Path
    process: subprocess.Popen[str]
    banner: str

    def client(self, credential: Credential | None = DEMO, timeout: float = 10.0) -> httpx.Client:
        headers = {"Authorization": credential.basic_header} if credential is not None else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    @property
    def log(self) -> str:
        path = self.db.parent / f"{self.db.stem}.log"
        return path.read_text() if path.exists() else ""


def start_server(
    db: Path,
    *,
    reset: bool = True,
    env: dict[str, str] | None = None,
    clock_args: list[str] | None = None,
) -> Server:
    """Start a sandbox on `db`; `clock_args` replace `--now <tests' now>` (pass [] for none)."""
    args = [sys.executable, "-m", "sandbox", "--host", "127.0.0.1", "--port", "0", "--db", str(db)]
    args += clock.sandbox_args() if clock_args is None else clock_args
    if reset:
        args.append("--reset")
    # The server's log (tracebacks of any 500) goes next to its database for post-mortems.
    log = open(db.parent / f"{db.stem}.log", "a")  # noqa: SIM115
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT}/generated/models", **(env or {})},
    )
    deadline = time.monotonic() + START_TIMEOUT
    assert process.stdout is not None
    base_url = None
    banner: list[str] = []
    # The banner is printed in one write, ending with how to stop the server.
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        banner.append(line)
        if "base URL" in line:
            base_url = line.split()[-1]
        if "stop with Ctrl+C" in line:
            break
    if base_url is None:
        process.kill()
        process.wait(timeout=5)
        log.close()
        raise RuntimeError(f"sandbox did not start: {(db.parent / f'{db.stem}.log').read_text()}")
    # The socket listens before the banner is printed; wait until requests are served.
    while time.monotonic() < deadline:
        try:
            httpx.get(base_url + "/openapi.json", timeout=1.0)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    log.close()
    return Server(base_url, db, process, "".join(banner))


def stop_server(server: Server, *, kill: bool = False) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)
    if server.process.stdout is not None:
        server.process.stdout.close()
