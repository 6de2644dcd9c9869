"""Fixtures for the spec tests: one fresh bundle per session, and the committed one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.bundle import ROOT, bundle_spec


@pytest.fixture(scope="session")
def fresh_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """spec/ bundled now, into a temporary folder: (openapi.yaml, openapi.json)."""
    return bundle_spec(tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="session")
def document(fresh_bundle: tuple[Path, Path]) -> dict[str, Any]:
    """The freshly bundled document (so the checks see spec/, not a stale committed bundle)."""
    loaded: dict[str, Any] = json.loads(fresh_bundle[1].read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
