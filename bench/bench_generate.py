"""How long `make generate` takes, against its parts and against openapi-generator.

Printed, never asserted. In one run, round-robin so that machine load hits every measurement alike,
the median of ``--runs`` runs each of:

- full `make generate`, bundling included, forced past the no-op check;
- the two bare generator commands on the same bundle, run one after the other (their sum is what a
  sequential script would cost; targets: full <= 1.3x that sum);
- the no-op `make generate` (target <= 0.3 s, make included);
- openapi-generator's Python client generator on the same bundle (target: it is >= 2x slower).
  Its python generator (7.26) crashes on a schema that is only ``type: "null"`` (the error
  envelope's ``data``), so it gets the bundle with such schemas made untyped: the one change,
  counted by ``_for_openapi_generator``; were it still to crash, the time to the crash is shown.

Everything runs in a temporary copy of the repo (sharing .venv and node_modules), so the real
generated/ is never rewritten.

    python bench/bench_generate.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What `make generate` reads; the copy shares the (large, read-only here) environments by symlink.
COPIED = [
    "Makefile",
    "pyproject.toml",
    "uv.lock",
    "package.json",
    "package-lock.json",
    "redocly.yaml",
    ".redocly.lint-ignore.yaml",
    "spec",
    "generator",
    "generated",
]
LINKED = [".venv", "node_modules", ".uv"]


def _copy_repo(dest: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, dest / name)  # keeps mtimes: make's setup stamps stay fresh
    for name in LINKED:
        if (ROOT / name).exists():
            (dest / name).symlink_to(ROOT / name)


FAILURES: dict[str, str] = {}


def _timed(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, *, may_fail: str = ""
) -> float:
    """Seconds for ``command``. With ``may_fail`` (a label), a failure is recorded, not fatal."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        if not may_fail:
            raise SystemExit(f"failed: {' '.join(command)}\n{result.stdout}{result.stderr}")
        last = [
            line for line in (result.stdout + result.stderr).splitlines() if "Exception" in line
        ]
        FAILURES[may_fail] = (last or ["exit status " + str(result.returncode)])[0][:160]
    return elapsed


def _for_openapi_generator(bundle: Path, dest: Path) -> int:
    """Copy the bundle with each standalone ``type: "null"`` schema made untyped; count them."""
    document = json.loads(bundle.read_text("utf-8"))
    changed = 0

    def walk(node: object, in_union: bool = False) -> None:
        nonlocal changed
        if isinstance(node, list):
            for item in node:
                walk(item, in_union)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in {"anyOf", "oneOf"}:
                    walk(value, in_union=True)
                    continue
                if isinstance(value, dict) and value.get("type") == "null" and not in_union:
                    node[key] = {k: v for k, v in value.items() if k != "type"}
                    changed += 1
                walk(node[key])

    walk(document)
    dest.write_text(json.dumps(document), encoding="utf-8")
    return changed


def _make_is_bare(repo: Path) -> bool:
    """Whether `make generate` would only run the generator (setup already done)."""
    dry = subprocess.run(
        ["make", "-n", "generate"], cwd=repo, capture_output=True, text=True, check=False
    )
    lines = [line for line in dry.stdout.splitlines() if line.strip()]
    return dry.returncode == 0 and len(lines) == 1 and "-m generator generate" in lines[0]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    # `python -m bench` hands every script the same options; the others' are not ours.
    args, _ = parser.parse_known_args(argv)

    python = str(ROOT / ".venv" / "bin" / "python")
    bin_dir = str(ROOT / ".venv" / "bin")
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp_name:
        tmp = Path(tmp_name)
        repo = tmp / "repo"
        repo.mkdir()
        _copy_repo(repo)
        pyenv = {**env, "PYTHONPATH": ".:generated/client:generated/models"}
        via_make = _make_is_bare(repo)
        generate = ["make", "generate"] if via_make else [python, "-m", "generator", "generate"]
        # A full, trusted run first: warms caches and gives the bundle the bare tools read.
        _timed(generate, repo, pyenv)
        bundle_json = tmp / "openapi.json"
        shutil.copy(repo / "generated" / "openapi.json", bundle_json)
        patched = _for_openapi_generator(bundle_json, tmp / "for-openapi-generator.json")

        def full() -> float:
            (repo / "generated" / "MANIFEST.json").unlink()  # defeats the no-op check
            return _timed(generate, repo, pyenv)

        def no_op() -> float:
            return _timed(generate, repo, pyenv)

        def bare_client() -> float:
            command = [
                f"{bin_dir}/openapi-python-client",
                "generate",
                "--path",
                str(bundle_json),
                "--meta",
                "uv",
                "--config",
                str(ROOT / "generator" / "openapi-python-client.yaml"),
                "--custom-template-path",
                str(ROOT / "generator" / "templates"),
                "--output-path",
                str(tmp / "bare-client"),
                "--overwrite",
                "--fail-on-warning",
            ]
            return _timed(command, tmp, env)

        def bare_models() -> float:
            out = tmp / "bare-models" / "models.py"
            command = [
                f"{bin_dir}/datamodel-codegen",
                "--input",
                str(bundle_json),
                "--output",
                str(out),
            ]
            return _timed(command, ROOT, env)  # ROOT: reads [tool.datamodel-codegen]

        def openapi_generator() -> float:
            command = [
                f"{bin_dir}/openapi-generator-cli",
                "generate",
                "-g",
                "python",
                "-i",
                str(tmp / "for-openapi-generator.json"),
                "-o",
                str(tmp / "openapi-generator"),
            ]
            # It may crash on 3.1 constructs; the time to the crash is then a lower bound.
            return _timed(command, tmp, env, may_fail="openapi-generator")

        measures: dict[str, Callable[[], float]] = {
            "full": full,
            "client": bare_client,
            "models": bare_models,
            "no-op": no_op,
            "openapi-generator": openapi_generator,
        }
        samples: dict[str, list[float]] = {name: [] for name in measures}
        for _ in range(args.runs):
            for name, measure in measures.items():
                samples[name].append(measure())
        median = {name: statistics.median(values) for name, values in samples.items()}

    bare_sum = median["client"] + median["models"]
    crashed = "openapi-generator" in FAILURES
    shown = "make generate" if via_make else "python -m generator generate (make setup pending)"
    ogen_ratio = median["openapi-generator"] / median["full"]
    rows = [
        (
            f"full {shown}, bundle included",
            median["full"],
            f"{median['full'] / bare_sum:.2f}x the bare sum",
            "<= 1.3x",
        ),
        ("bare openapi-python-client", median["client"], "", ""),
        ("bare datamodel-codegen", median["models"], "", ""),
        ("bare sum (one after the other)", bare_sum, "", ""),
        (f"no-op {shown}", median["no-op"], "", "<= 0.3 s"),
        (
            "openapi-generator -g python" + (" (crashed: time to crash)" if crashed else ""),
            median["openapi-generator"],
            f"{'>= ' if crashed else ''}{ogen_ratio:.2f}x slower than full",
            ">= 2x",
        ),
    ]
    load = os.getloadavg()[0]
    print(
        f"bench_generate: median of {args.runs} runs each, {os.cpu_count()} CPUs, load {load:.1f}"
    )
    width = max(len(row[0]) for row in rows)
    print(f"| {'measurement':<{width}} | median s | {'ratio':<30} | target   |")
    print(f"|{'-' * (width + 2)}|----------|{'-' * 32}|----------|")
    for label, seconds, ratio, target in rows:
        print(f"| {label:<{width}} | {seconds:8.2f} | {ratio:<30} | {target:<8} |")
    print(f"note: openapi-generator read the bundle with {patched} null-only schema(s) untyped")
    for label, message in FAILURES.items():
        print(f"note: {label} failed on this spec: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
