"""Helpers shared by the generator tests (a plain module: conftest files are not for importing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"


def run_generator(
    command: str, spec: Path, out: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``python -m generator COMMAND`` on a tiny single-file spec into ``out`` (never generated/).

    Without the SDK layer: its naming table is written for this API's twenty operations.
    """
    arguments = ["--spec-file", str(spec), "--out", str(out), "--without-sdk", *extra]
    return subprocess.run(
        [sys.executable, "-m", "generator", command, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def write_spec(path: Path, document: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def load_golden_spec(case: str) -> dict[str, object]:
    text = (GOLDEN / case / "openapi.yaml").read_text("utf-8")
    document: dict[str, object] = yaml.safe_load(text)
    return document
