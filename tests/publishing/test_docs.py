"""site/: the offline HTML reference, checked in headless Chromium with the network off."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from publishing import docs
from publishing.cli import main, operation_summaries, page_problems
from publishing.render_check import find_chromium, render
from tests.publishing.publishing_tinydocs import base

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
ENSURE_CHROMIUM = ROOT / "publishing" / "ensure_chromium.sh"


@pytest.fixture(scope="session")
def chromium() -> str:
    """Chromium's path; installs Debian's package first when missing and we are root."""
    found = find_chromium()
    if found is None and os.geteuid() == 0:
        subprocess.run(["bash", str(ENSURE_CHROMIUM)], check=False)
        found = find_chromium()
    if found is None:
        pytest.fail(f"chromium is not installed: run {ENSURE_CHROMIUM.relative_to(ROOT)}")
    return found


def write_bundle(directory: Path, doc: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "openapi.json").write_text(json.dumps(doc, indent=2))
    (directory / "openapi.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return directory


def check_rendered(page: Path, bundle: Path, name: str, chromium: str) -> None:
    """Assert every operation summary renders offline; on failure keep a screenshot in reports/."""
    summaries = operation_summaries(json.loads(bundle.read_text()))
    shot = page.with_suffix(".png")
    result = render(page, screenshot=shot, chromium=chromium)
    problems = page_problems(result, summaries)
    print(f"{name}: rendered {len(summaries)} operations offline in {result.seconds:.1f} s")
    if problems:
        REPORTS.mkdir(exist_ok=True)
        kept = REPORTS / f"docs-render-{name}.png"
        shutil.copyfile(shot, kept)
        listing = "\n".join(problems)
        pytest.fail(f"{page} did not render offline (screenshot: {kept}):\n{listing}")


def test_remote_references_in_markup_are_found() -> None:
    html = """
    <script src="https://cdn.redoc.ly/redoc.js"></script>
    <link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto">
    <style>@import url("https://fonts.example/x.css"); body {background: url(http://x/y.png)}</style>
    <a href="https://redocly.com">links are not fetched</a>
    <script>const s = "https://strings.in/scripts/are/not/fetched";</script>
    """
    found = docs.remote_references(html)
    assert len(found) == 4, found
    assert not any("redocly.com" in hit or "strings.in" in hit for hit in found)


def test_missing_bundle_says_how_to_make_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(docs.MissingInputError, match="make bundle"):
        docs.build_site(tmp_path / "site", bundle_dir=tmp_path / "nothing")
    assert main(["docs", "--out", str(tmp_path / "site"), "--bundle-dir", str(tmp_path)]) == 2
    assert "make bundle" in capsys.readouterr().err
    assert not (tmp_path / "site" / "index.html").exists()


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(index.html, bundle json) built from the differ's tiny document."""
    work = tmp_path_factory.mktemp("tiny-site")
    bundle = write_bundle(work / "generated", base())
    index = docs.build_site(work / "site", bundle_dir=bundle, redocly=ROOT / docs.REDOCLY)
    return index, bundle / "openapi.json"


@pytest.mark.slow
def test_build_writes_a_self_contained_page_and_both_bundles(tiny_site: tuple[Path, Path]) -> None:
    index, bundle = tiny_site
    site = index.parent
    assert sorted(p.name for p in site.iterdir() if p.suffix != ".png") == sorted(docs.SITE_FILES)
    html = index.read_text()
    assert docs.remote_references(html) == []
    assert docs.CSP_MARKER in html
    assert (site / "openapi.json").read_bytes() == bundle.read_bytes()
    assert (site / "openapi.yaml").read_bytes() == bundle.with_suffix(".yaml").read_bytes()


@pytest.mark.slow
def test_tiny_site_renders_offline(tiny_site: tuple[Path, Path], chromium: str) -> None:
    index, bundle = tiny_site
    check_rendered(index, bundle, "tiny", chromium)


@pytest.mark.slow
def test_render_check_catches_a_page_that_needs_the_network(tmp_path: Path, chromium: str) -> None:
    # .invalid never resolves, and the browser is offline and behind a dead proxy anyway.
    page = tmp_path / "needs-network.html"
    page.write_text(
        '<html><body><div id="redoc">List things</div>'
        '<img src="https://cdn.invalid/logo.svg"></body></html>'
    )
    result = render(page, timeout=3, settle=0.2, chromium=chromium)
    problems = page_problems(result, {"GET /things": "List things", "PUT /x": "Update x"})
    assert "remote request: https://cdn.invalid/logo.svg" in problems
    assert any("did not hydrate" in p for p in problems)
    assert any("'Update x'" in p for p in problems)
    assert not any("'List things'" in p for p in problems)


@pytest.mark.slow
def test_project_site_renders_every_operation_offline(tmp_path: Path, chromium: str) -> None:
    bundle_dir = ROOT / "generated"
    if not (bundle_dir / "openapi.yaml").is_file():
        pytest.skip("generated/openapi.yaml is not there yet: run make bundle")
    index = docs.build_site(tmp_path / "site", bundle_dir=bundle_dir, redocly=ROOT / docs.REDOCLY)
    check_rendered(index, bundle_dir / "openapi.json", "project", chromium)
