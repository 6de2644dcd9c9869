"""One generator in its own process: ``python -m generator.worker client|models``.

The driver starts both workers before it bundles the spec. The client worker first pays its
start-up cost (imports: half a second) while the bundler runs; then each worker reads its job as
one JSON line on stdin, runs, writes its diagnostics as JSON to the job's ``result`` path and exits
0 (success) or 1. EOF instead of a job means "bundling failed": exit 0.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def _models_command(spec: Path, out_file: Path) -> list[str]:
    # Every other option comes from [tool.datamodel-codegen] in the repo's pyproject.toml, which
    # datamodel-codegen finds from the working directory (the repo root, see run_models).
    return ["--input", str(spec), "--output", str(out_file)]


def _run_models_cli(args: list[str]) -> int:
    from datamodel_code_generator.__main__ import main  # noqa: PLC0415 - heavy, worker only

    # datamodel-codegen writes a .ruff_cache next to its output unless told not to.
    os.environ["RUFF_NO_CACHE"] = "true"
    return int(main(args))


def run_models(job: dict[str, Any]) -> list[dict[str, Any]]:
    os.chdir(job["root"])
    out_file = Path(job["out"])
    out_file.parent.mkdir(parents=True, exist_ok=True)
    rc = _run_models_cli(_models_command(Path(job["spec"]), out_file))
    if rc != 0:
        return [{"tool": "datamodel-code-generator", "message": f"exited with status {rc}"}]
    return []


def warm_client() -> None:
    # The imports are the warm-up.
    import generator.client  # noqa: PLC0415
    import generator.sdk  # noqa: F401, PLC0415


def run_client(job: dict[str, Any]) -> list[dict[str, Any]]:
    from generator import client  # noqa: PLC0415

    # openapi-python-client prints "Generating <folder>" on stdout: noise with a temporary path.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        return client.generate(
            spec=Path(job["spec"]),
            out=Path(job["out"]),
            config_path=Path(job["config"]),
            template_dirs=[Path(d) for d in job["templates"]],
            sdk=bool(job["sdk"]),
        )


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in {"client", "models"}:
        print("usage: python -m generator.worker client|models", file=sys.stderr)
        return 2
    kind = argv[0]
    started = time.time()
    if kind == "client":
        # Only the client warms up: it is the longer job. Warming the models worker too (a tiny
        # first run) made the bundle, which all three would share two cores with, finish later.
        warm_client()
    warm = time.time()
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    received = time.time()
    job: dict[str, Any] = json.loads(line)
    diagnostics: list[dict[str, Any]]
    try:
        diagnostics = run_client(job) if kind == "client" else run_models(job)
    except Exception as exc:  # reported to the driver as a diagnostic, no traceback
        diagnostics = [{"tool": kind, "message": f"{type(exc).__name__}: {exc}"}]
    if os.environ.get("GENERATOR_TIMINGS"):
        # Wall-clock stamps, so the driver can lay both workers on one timeline.
        stamps = {"started": started, "warm": warm, "job": received, "done": time.time()}
        print(json.dumps({"timings": stamps}), file=sys.stderr)
    Path(job["result"]).write_text(json.dumps(diagnostics), encoding="utf-8")
    return 1 if diagnostics else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
