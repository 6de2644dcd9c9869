"""Golden records: tiny specs whose generated trees are committed, compared byte for byte.

When a template or option changes on purpose: ``python tests/generator/regen_golden.py`` and review
the diff of tests/generator/golden/*/expected/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator.check import compare
from generator.layout import CLIENT_PACKAGE, MODELS_PACKAGE
from tests.generator.gen_helpers import GOLDEN, ROOT
from tests.generator.regen_golden import CASES, UNCOMPARED, generate_case


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every golden case generated once into a temporary folder."""
    trees: dict[str, Path] = {}
    for case in CASES:
        out = tmp_path_factory.mktemp(case) / "generated"
        result = generate_case(case, out)
        assert result.returncode == 0, f"{case}:\n{result.stdout}{result.stderr}"
        for name in UNCOMPARED:
            (out / name).unlink()
        trees[case] = out
    return trees


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_golden_tree(case: str, fresh: dict[str, Path]) -> None:
    differences = compare(fresh[case], GOLDEN / case / "expected", f"golden/{case}/expected")
    assert not differences, (
        "generated tree differs from the golden record (if intended, run "
        "python tests/generator/regen_golden.py):\n" + "\n".join(differences)
    )


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize(
    ("folder", "package"), [("client", CLIENT_PACKAGE), ("models", MODELS_PACKAGE)]
)
def test_golden_output_passes_mypy_strict(
    case: str, folder: str, package: str, fresh: dict[str, Path], tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), package],
        cwd=fresh[case] / folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_case_has_a_regen_function() -> None:
    on_disk = {p.name for p in GOLDEN.iterdir() if p.is_dir()}
    assert on_disk == set(CASES)
    assert all((GOLDEN / case / "openapi.yaml").is_file() for case in CASES)
    assert ROOT in GOLDEN.parents
