"""The README quickstart, run as written against a sandbox process (only the port differs)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import capillary_target_groups
import pytest
from capillary_target_groups import CapillaryTargetGroups
from capillary_target_groups.sdk import RetryPolicy

from sandbox.process import Sandbox

from .conftest import REPO_ROOT
from .fault_server import FaultServer, Reply, envelope

README = REPO_ROOT / "generator" / "sdk" / "README.md"
MAKE_SERVE_URL = "http://127.0.0.1:8080"


def runnable_blocks() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return [block for block in blocks if MAKE_SERVE_URL in block]


def test_readme_has_the_quickstart_blocks() -> None:
    assert len(runnable_blocks()) == 2


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1], ids=["quickstart", "async-oauth"])
def test_readme_block_runs_against_the_sandbox(
    index: int, sandbox: Sandbox, tmp_path: Path
) -> None:
    code = runnable_blocks()[index].replace(MAKE_SERVE_URL, sandbox.base_url)
    script = tmp_path / "quickstart.py"
    script.write_text(code, encoding="utf-8")
    package_root = Path(capillary_target_groups.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(package_root), str(REPO_ROOT)])}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    if index == 0:
        assert re.search(r"^created \d+ Spend 3000 a month \w+ DEFAULT$", result.stdout, re.M)
        assert re.search(r"^milestone \d+ ", result.stdout, re.M)
        assert re.search(r"^conflict 409 \[310069\] \w+$", result.stdout, re.M)
        assert re.search(r"^raw 200 \w+ \[\] Spend 3000 a month", result.stdout, re.M)
    else:
        assert "SMS" in result.stdout


def fake_time_block() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    (block,) = [block for block in blocks if "class FakeTime" in block]
    return textwrap.dedent(block)


def test_readme_fake_time_controls_the_clients_waits(fault: FaultServer) -> None:
    namespace: dict[str, Any] = {}
    exec(fake_time_block(), namespace)  # builds an unused client for cluster eu: no request
    namespace["client"].close()
    fake = namespace["FakeTime"]()
    start = fake.now
    fault.script(
        "GET",
        "/v3/targetGroups/1",
        Reply(503),
        Reply(body=envelope({"id": 1, "name": "g", "active": True})),
    )
    with CapillaryTargetGroups(
        base_url=fault.base_url,
        username="till",
        password="secret",
        retry_policy=RetryPolicy(jitter=0.0),
        sleep=fake.sleep,
        clock=fake,
    ) as client:
        assert client.target_groups.get(1).id == 1
    assert fake.slept == [0.5]
    assert fake.now == start + 0.5
    assert len(fault.seen("GET", "/v3/targetGroups/1")) == 2
