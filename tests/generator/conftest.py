"""Fixtures for the generator tests: ``python -m generator`` on tiny specs in temporary folders.

Nothing here touches the real generated/: every run gets ``--spec-file`` and ``--out``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.generator.gen_helpers import GOLDEN, run_generator


@pytest.fixture(scope="module")
def generated_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(spec, output) of one successful run on the oneof_tags case, shared by a test module.

    Tests that change the output copy it first.
    """
    base = tmp_path_factory.mktemp("generated-once")
    spec = base / "openapi.yaml"
    spec.write_bytes((GOLDEN / "oneof_tags" / "openapi.yaml").read_bytes())
    out = base / "generated"
    result = run_generator("generate", spec, out)
    assert result.returncode == 0, result.stdout + result.stderr
    return spec, out
