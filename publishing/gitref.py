"""Read the bundled spec as it was at a git ref."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import yaml

BUNDLE_JSON = "generated/openapi.json"
SPEC_ROOT = "spec/openapi.yaml"


class RefError(Exception):
    """The ref cannot be used (unknown, or no spec there): a usage error, exit code 2."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)


def ensure_repo(repo: Path) -> None:
    if _git(repo, "rev-parse", "--git-dir").returncode != 0:
        raise RefError(f"{repo.resolve()} is not inside a git repository")


def resolve_commit(repo: Path, ref: str) -> str:
    ensure_repo(repo)
    result = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if result.returncode != 0 or not result.stdout.strip():
        raise RefError(
            f"unknown git ref {ref!r}: give a tag, branch or commit "
            "(`git tag --list 'v*'` shows the releases)"
        )
    return result.stdout.decode().strip()


def latest_release_tag(repo: Path) -> str | None:
    """The newest `v*` tag reachable from HEAD, or None when there is none."""
    ensure_repo(repo)
    result = _git(repo, "describe", "--tags", "--abbrev=0", "--match", "v*")
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def bundle_at(repo: Path, ref: str) -> tuple[dict[str, Any], str]:
    """The bundled description at `ref`, and a phrase saying where it came from.

    The committed bundle is used when the ref has one. Otherwise the ref's own bundler runs on the
    ref's spec/ in a temporary copy of that tree, so the comparison uses the rules of that time.
    """
    commit = resolve_commit(repo, ref)
    shown = _git(repo, "show", f"{commit}:{BUNDLE_JSON}")
    if shown.returncode == 0:
        try:
            document = json.loads(shown.stdout)
        except json.JSONDecodeError as exc:
            raise RefError(f"{BUNDLE_JSON} at {ref} is not valid JSON: {exc}") from exc
        return _checked(document, f"{BUNDLE_JSON} at {ref}"), f"{BUNDLE_JSON} at {ref}"
    if _git(repo, "cat-file", "-e", f"{commit}:{SPEC_ROOT}").returncode != 0:
        raise RefError(
            f"there is no spec at {ref}: that commit has neither {BUNDLE_JSON} nor {SPEC_ROOT}"
        )
    return _checked(_bundle_tree(repo, commit, ref), f"spec/ at {ref}"), f"spec/ at {ref} (bundled)"


def _bundle_tree(repo: Path, commit: str, ref: str) -> Any:
    archive = _git(repo, "archive", "--format=tar", commit)
    if archive.returncode != 0:
        raise RefError(f"git archive {ref} failed: {archive.stderr.decode().strip()}")
    with tempfile.TemporaryDirectory(prefix="publishing-ref-") as tmp:
        tree = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tree, filter="data")
        env = {**os.environ, "PYTHONPATH": str(tree)}
        run = subprocess.run(
            [sys.executable, "-m", "generator", "bundle"],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        bundle = tree / BUNDLE_JSON
        if run.returncode != 0 or not bundle.is_file():
            raise RefError(
                f"{ref} has {SPEC_ROOT} but no committed {BUNDLE_JSON}, and bundling it with that "
                f"commit's `python -m generator bundle` failed (exit {run.returncode}):\n"
                f"{run.stdout}{run.stderr}"
            )
        return json.loads(bundle.read_text(encoding="utf-8"))


def load_file(path: Path) -> dict[str, Any]:
    """A bundle from disk (JSON, or YAML by extension)."""
    text = path.read_text(encoding="utf-8")
    document = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
    return _checked(document, str(path))


def _checked(document: Any, source: str) -> dict[str, Any]:
    if not isinstance(document, dict) or ("paths" not in document and "openapi" not in document):
        raise RefError(f"{source} is not an OpenAPI document")
    return document
