"""Start a sandbox in its own process, wait until it serves, and always stop it.

One launcher for everything that needs a real sandbox on loopback: `make conformance`, the
client tests and the benchmarks. The sandbox binds port 0 itself and prints its URL, so there is
no race for a free port between picking one and binding it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
POLL_SECONDS = 0.05
_BASE_URL_LINE = re.compile(r"base URL\s+(?P<url>http://\S+)")


class SandboxError(RuntimeError):
    """The sandbox did not come up."""


@dataclass(frozen=True, slots=True)
class Sandbox:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path


def default_environment() -> dict[str, str]:
    """This environment, with the repository and the generated packages importable."""
    env = dict(os.environ)
    paths = [str(ROOT), str(ROOT / "generated" / "client"), str(ROOT / "generated" / "models")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _wait_for_base_url(process: subprocess.Popen[bytes], log: Path, deadline: float) -> str:
    while time.monotonic() < deadline:
        match = _BASE_URL_LINE.search(log.read_text(encoding="utf-8", errors="replace"))
        if match:
            return match["url"]
        if process.poll() is not None:
            break
        time.sleep(POLL_SECONDS)
    output = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise SandboxError(f"the sandbox did not start (exit {process.poll()}):\n{output}")


def _wait_until_serving(base_url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/openapi.json", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(POLL_SECONDS)
    raise SandboxError(f"the sandbox at {base_url} did not answer within the start-up timeout")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate, then kill if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


@contextlib.contextmanager
def running_sandbox(
    command: list[str] | None = None,
    workdir: Path | None = None,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> Iterator[Sandbox]:
    """Start a sandbox (or ``command``, which must print the same banner and take the same
    ``--host/--port/--db`` flags) and yield it once it serves.

    ``workdir`` holds the database and the log: a new temporary folder (so a fresh database),
    removed afterwards, when not given. ``env`` defaults to :func:`default_environment`.
    ``args`` are more flags for the sandbox, e.g. ``["--now", "2031-06-01"]``.
    """
    owned = workdir is None
    folder = Path(tempfile.mkdtemp(prefix="sandbox-")) if workdir is None else workdir
    db = folder / "sandbox.db"
    log = folder / "sandbox.log"
    base = command or [sys.executable, "-m", "sandbox"]
    argv = [*base, "--host", "127.0.0.1", "--port", "0", "--db", str(db), *args]
    try:
        with log.open("wb") as sink:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=dict(env) if env is not None else default_environment(),
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            base_url = _wait_for_base_url(process, log, deadline)
            _wait_until_serving(base_url, deadline)
            yield Sandbox(base_url, process, log)
        finally:
            stop(process)
    finally:
        if owned:
            shutil.rmtree(folder, ignore_errors=True)
