"""Schemathesis against a real sandbox process: all phases, all checks, fixed seed, bounded by
an example count (never by time, so the same cases run on a slow machine as on a fast one).

`make fuzz` / `make conformance` (conformance/) is the full tool; this test proves the sandbox
passes a bounded run of the same engine with zero failures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.auth import md5_hex
from sandbox.openapi import BUNDLE_JSON
from sandbox.seed import DEMO
from tests.sandbox.sandbox_server import ROOT, Server, start_server, stop_server

pytestmark = pytest.mark.slow
SEED = 20240601
MAX_EXAMPLES = 20
# Only a bound on a hung run.
TIMEOUT_SECONDS = 600


@pytest.fixture
def fuzz_server(tmp_path: Path) -> Iterator[Server]:
    # A fresh database per run: list responses grow as the fuzzer creates groups.
    running = start_server(tmp_path / "fuzz.db")
    try:
        yield running
    finally:
        stop_server(running)


def test_schemathesis_finds_nothing(fuzz_server: Server, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "\n".join(
            [
                "[generation]",
                'database = "none"',
                "[auth.openapi.basicAuth]",
                f'username = "{DEMO.username}"',
                f'password = "{md5_hex(DEMO.password)}"',
                "",
            ]
        )
    )
    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [
            str(st),
            "--config-file",
            str(config),
            "run",
            str(BUNDLE_JSON),
            "--url",
            fuzz_server.base_url,
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--checks",
            "all",
            "--seed",
            str(SEED),
            "--max-examples",
            str(MAX_EXAMPLES),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SCHEMATHESIS_HOOKS": "tests.sandbox.sandbox_st_hooks",
        },
        check=False,
    )
    tail = result.stdout[-6000:] + "\n--- server log ---\n" + fuzz_server.log[-4000:]
    assert result.returncode == 0, tail
    assert "Tested: 20" in result.stdout, tail
