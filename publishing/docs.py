"""Build site/: an offline HTML reference plus the bundled description in YAML and JSON.

The page is Redocly's `build-docs` output with `--inlineBundle`, so Redoc's scripts are embedded
in the page instead of loaded from Redocly's CDN, and no web fonts are loaded. Our template
(template.hbs) is Redocly's default plus a Content-Security-Policy that forbids every remote
fetch: at run time Redoc still loads its footer logo from Redocly's CDN and posts click telemetry
to Redocly's collector. The build refuses a page that references a remote script, stylesheet or
font in its markup or lacks that policy, because the page is served by the sandbox at /docs and
opened from disk by integrators who may have no network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

BUNDLE_DIR = Path("generated")
SITE_DIR = Path("site")
REDOCLY = Path("node_modules/.bin/redocly")
TEMPLATE = Path(__file__).with_name("template.hbs")
CSP_MARKER = 'http-equiv="Content-Security-Policy"'
SITE_FILES = ("index.html", "openapi.yaml", "openapi.json")

# Tags that make a browser fetch something when the page loads. Links in <a href> are not
# fetched, and the inlined scripts contain many URLs in string literals, so only tag attributes
# are inspected.
_REMOTE_RESOURCE = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)
_REMOTE_CSS = re.compile(r"""@import\s+(?:url\()?["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""")


class PublishingError(Exception):
    """A failure the user can act on; the message says what to do."""


class MissingInputError(PublishingError):
    """An input is not there yet (bundle, Redocly): a set-up problem, not a failed build."""


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)


def redocly_env() -> dict[str, str]:
    """Environment for Redocly CLI: no telemetry, no update check (both would reach the network)."""
    env = dict(os.environ)
    env["REDOCLY_TELEMETRY"] = "off"
    env["REDOCLY_SUPPRESS_NOTIFICATIONS"] = "true"
    env["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true"
    return env


def remote_references(html: str) -> list[str]:
    """Snippets of `html` that would make a browser fetch a remote resource."""
    hits = [m.group(0) for m in _REMOTE_RESOURCE.finditer(html)]
    hits += [m.group(0) for m in _REMOTE_CSS.finditer(html)]
    return hits


def build_site(
    out_dir: Path = SITE_DIR,
    bundle_dir: Path = BUNDLE_DIR,
    redocly: Path = REDOCLY,
) -> Path:
    """Write index.html, openapi.yaml and openapi.json to `out_dir` from the bundle in `bundle_dir`.

    Returns the path of index.html. Relative paths are taken from the current directory (the
    repository root under make).
    Raises PublishingError with an actionable message when an input is missing or the build fails.
    """
    started = time.perf_counter()
    bundle_yaml = bundle_dir / "openapi.yaml"
    bundle_json = bundle_dir / "openapi.json"
    missing = [str(p) for p in (bundle_yaml, bundle_json) if not p.is_file()]
    if missing:
        raise MissingInputError(
            f"the bundled spec is missing ({', '.join(missing)}): run `make bundle` "
            "(or `make generate`) first"
        )
    if not redocly.exists():
        raise MissingInputError(f"{redocly} is missing: run `make setup` to install Redocly CLI")

    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    # Build next to the target and rename, so a failed build never leaves a half-written page
    # that the sandbox would serve.
    partial = out_dir / "index.html.partial"
    _step(f"redocly build-docs {bundle_yaml} --inlineBundle -> {index}")
    result = subprocess.run(
        [
            str(redocly),
            "build-docs",
            str(bundle_yaml),
            "--inlineBundle",
            f"--template={TEMPLATE}",
            f"--output={partial}",
        ],
        capture_output=True,
        text=True,
        env=redocly_env(),
        check=False,
    )
    if result.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise PublishingError(
            f"redocly build-docs failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        )
    html = partial.read_text(encoding="utf-8")
    remote = remote_references(html)
    if CSP_MARKER not in html:
        remote.append(f"no Content-Security-Policy (was {TEMPLATE.name} applied?)")
    if remote:
        partial.unlink()
        raise PublishingError(
            "the built page would load remote resources, so it would not render offline: "
            + "; ".join(remote[:5])
        )
    partial.replace(index)

    _step(f"copy {bundle_yaml} and {bundle_json} -> {out_dir}/")
    shutil.copyfile(bundle_yaml, out_dir / "openapi.yaml")
    shutil.copyfile(bundle_json, out_dir / "openapi.json")

    size_mb, seconds = index.stat().st_size / 1e6, time.perf_counter() - started
    _step(f"wrote {out_dir}/ (index.html {size_mb:.1f} MB) in {seconds:.1f} s")
    return index
