"""Regenerate the golden trees: ``python tests/generator/regen_golden.py [case ...]``.

One function per case. Each runs the real generator on ``golden/<case>/openapi.yaml`` and commits
the output as ``golden/<case>/expected/`` (without MANIFEST.json, which hashes generator/ code and
would change on every edit there). Review the diff before committing: it is what the templates and
options changed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
UNCOMPARED = ("MANIFEST.json",)


def generate_case(case: str, out: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m generator generate`` on the case's spec into ``out`` (created)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "generate",
            "--force",
            "--spec-file",
            str(GOLDEN / case / "openapi.yaml"),
            "--out",
            str(out),
            # The SDK layer's naming table is written for this API's operations, not tiny specs;
            # the golden records cover the generator, its templates and options.
            "--without-sdk",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _regen(case: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "generated"
        result = generate_case(case, out)
        if result.returncode != 0:
            raise SystemExit(f"{case}: generation failed\n{result.stdout}{result.stderr}")
        for name in UNCOMPARED:
            (out / name).unlink()
        expected = GOLDEN / case / "expected"
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(out, expected)
    print(f"regenerated {expected.relative_to(ROOT)}")


def enum_nullable() -> None:
    """Closed enum, nullable enum (anyOf + null), nullable scalars, required-but-nullable."""
    _regen("enum_nullable")


def oneof_tags() -> None:
    """A oneOf body whose variants carry single-value enum tags and a discriminator."""
    _regen("oneof_tags")


def params_body() -> None:
    """Path, query and header parameters, a JSON body, an error status, a response header."""
    _regen("params_body")


CASES: dict[str, Callable[[], None]] = {
    "enum_nullable": enum_nullable,
    "oneof_tags": oneof_tags,
    "params_body": params_body,
}


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in CASES]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}", file=sys.stderr)
        return 2
    for name in argv or list(CASES):
        CASES[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
