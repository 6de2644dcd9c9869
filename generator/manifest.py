"""Provenance (generated/MANIFEST.json) and the no-op key. Standard library only.

The no-op path of ``make generate`` runs this module alone: it hashes everything generation reads
(spec sources, generator/ code, templates and configuration, the datamodel-codegen options in
pyproject.toml, the generator tool versions) and compares with MANIFEST.json, then checks that the
files in generated/ are the ones MANIFEST.json lists. Only file contents are hashed, never
timestamps or absolute paths, so a fresh clone computes the same key.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from generator import banner
from generator.layout import MANIFEST, TOOLS, Layout

# Written by tools that read or test generated/, never by generation: not part of the output.
IGNORED_NAMES = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})
IGNORED_SUFFIXES = frozenset({".pyc"})

# generator/README.md is prose; everything else under generator/ is code, template or configuration.
_NOT_INPUTS = frozenset({"README.md"})


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


def walk(top: Path) -> Iterator[Path]:
    """Files under ``top`` in a stable order, skipping caches that other tools drop in."""
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_NAMES)
        for name in sorted(filenames):
            if Path(name).suffix not in IGNORED_SUFFIXES:
                yield Path(dirpath) / name


def tree_hashes(top: Path, *, exclude: Iterable[str] = ()) -> dict[str, str]:
    """``{relative POSIX path: sha256}`` of every file under ``top``."""
    skip = set(exclude)
    hashes: dict[str, str] = {}
    for path in walk(top):
        rel = path.relative_to(top).as_posix()
        if rel not in skip:
            hashes[rel] = sha256_file(path)
    return hashes


def combined(hashes: dict[str, str]) -> str:
    """One digest for a set of named hashes (names included, so renames count)."""
    return sha256_bytes("".join(f"{k}\0{v}\n" for k, v in sorted(hashes.items())).encode())


def spec_sources(layout: Layout) -> dict[str, str]:
    if layout.spec_file is not None:
        return {layout.rel(layout.spec_file): sha256_file(layout.spec_file)}
    return {
        layout.rel(path): sha256_file(path)
        for path in walk(layout.spec_dir)
        # Prose (README, CHANGELOG) is not bundled.
        if path.suffix != ".md" and not path.name.startswith(".")
    }


def generator_inputs(layout: Layout) -> dict[str, str]:
    return {
        layout.rel(path): sha256_file(path)
        for path in walk(layout.generator_dir)
        if path.relative_to(layout.generator_dir).as_posix() not in _NOT_INPUTS
    }


def datamodel_codegen_options(layout: Layout) -> dict[str, Any]:
    with layout.pyproject.open("rb") as handle:
        pyproject = tomllib.load(handle)
    options: dict[str, Any] = pyproject.get("tool", {}).get("datamodel-codegen", {})
    return options


def tool_versions() -> dict[str, str]:
    """Versions from the installed distributions' metadata folder names.

    Cheaper than importlib.metadata (which reads every distribution), and the no-op path is timed.
    """
    wanted = {name.replace("-", "_").lower(): name for name in TOOLS}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith(".dist-info"):
                continue
            dist, _, version = name.removesuffix(".dist-info").partition("-")
            key = dist.replace("-", "_").replace(".", "_").lower()
            if key in wanted and wanted[key] not in found:
                found[wanted[key]] = version
    if len(found) != len(wanted):
        from importlib.metadata import version as installed  # noqa: PLC0415 - fallback only

        found = {name: installed(name) for name in TOOLS}
    return {name: found[name] for name in TOOLS}


def fingerprint(layout: Layout) -> dict[str, Any]:
    """Everything that decides generation's output, and one key over all of it."""
    generator_files = generator_inputs(layout)
    templates_prefix = layout.rel(layout.templates_dir) + "/"
    templates = {k: v for k, v in generator_files.items() if k.startswith(templates_prefix)}
    options = datamodel_codegen_options(layout)
    config_rel = layout.rel(layout.client_config)
    sources = spec_sources(layout)
    versions = tool_versions()
    parts = {
        "spec": combined(sources),
        "generator": combined(generator_files),
        "datamodel-codegen": sha256_bytes(json.dumps(options, sort_keys=True).encode()),
        "tools": sha256_bytes(json.dumps(versions, sort_keys=True).encode()),
        "sdk": "with" if layout.with_sdk else "without",
    }
    return {
        "inputs_sha256": combined(parts),
        "spec_sources": sources,
        "generators": versions,
        "configuration": {
            "templates_sha256": combined(templates),
            "openapi_python_client_config_sha256": generator_files.get(config_rel, ""),
            "datamodel_codegen_options_sha256": parts["datamodel-codegen"],
            "generator_sha256": parts["generator"],
        },
    }


def build(fp: dict[str, Any], out_dir: Path, bundle: dict[str, str]) -> bytes:
    """The bytes of MANIFEST.json for the tree in ``out_dir`` (deterministic: sorted, no times)."""
    document = {
        "generated_by": banner.DRIVER,
        "inputs_sha256": fp["inputs_sha256"],
        "spec": {"sources": fp["spec_sources"], "bundle": bundle},
        "generators": fp["generators"],
        "configuration": fp["configuration"],
        "outputs": tree_hashes(out_dir, exclude=[MANIFEST]),
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def read(out_dir: Path) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document


def up_to_date(layout: Layout, fp: dict[str, Any]) -> tuple[bool, str]:
    """Whether generation can be skipped, and why not."""
    recorded = read(layout.out_dir)
    if recorded is None:
        return False, f"no readable {MANIFEST}"
    if recorded.get("inputs_sha256") != fp["inputs_sha256"]:
        return False, "inputs changed"
    if recorded.get("outputs") != tree_hashes(layout.out_dir, exclude=[MANIFEST]):
        return False, f"{layout.shown(layout.out_dir)}/ differs from {MANIFEST}"
    return True, ""
