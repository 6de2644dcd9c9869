"""The generation run: bundle, both generators side by side, verify, then swap into place.

Every run builds a complete new tree in a staging folder beside the output folder and replaces the
output folder only when everything succeeded, so a failure leaves the committed generated/
untouched and a removed operation leaves no stale module behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from string import Template
from typing import IO, Any

from generator import banner, manifest
from generator.layout import (
    BUNDLE_JSON,
    BUNDLE_YAML,
    CLIENT_DIR,
    CLIENT_PACKAGE,
    CLIENT_PROJECT,
    MANIFEST,
    MODELS_DIR,
    MODELS_PACKAGE,
    MODELS_PROJECT,
    OUTPUT_README,
    Layout,
)


class GenerationFailed(Exception):
    """A run that must not touch the output folder; ``lines`` say why, with file:line."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


_STARTED = time.perf_counter()


def step(message: str) -> None:
    print(f"==> {message} (at {time.perf_counter() - _STARTED:.2f} s)", flush=True)


# --- bundle ---------------------------------------------------------------------------------------


def bundle(layout: Layout, dest: Path) -> dict[str, Any]:
    """Write dest/openapi.yaml and dest/openapi.json; return the document."""
    dest.mkdir(parents=True, exist_ok=True)
    yaml_path, json_path = dest / BUNDLE_YAML, dest / BUNDLE_JSON
    try:
        if layout.spec_file is not None:
            _bundle_single_file(layout.spec_file, yaml_path, json_path)
        else:
            from generator.bundle import bundle_spec  # noqa: PLC0415 - spec helper's, heavy

            written_yaml, written_json = bundle_spec(dest, layout.spec_dir / "openapi.yaml")
            for written, wanted in ((written_yaml, yaml_path), (written_json, json_path)):
                if written.resolve() != wanted.resolve():
                    shutil.move(written, wanted)
    except Exception as exc:  # any bundler failure is reported as file:line, no traceback
        from generator.diagnostics import format_exception  # noqa: PLC0415

        raise GenerationFailed([f"bundle failed: {format_exception(exc, layout)}"]) from exc
    _ensure_yaml_banner(yaml_path)
    document: dict[str, Any] = json.loads(json_path.read_text(encoding="utf-8"))
    return document


def _bundle_single_file(source: Path, yaml_path: Path, json_path: Path) -> None:
    import yaml  # noqa: PLC0415

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with source.open(encoding="utf-8") as handle:  # a file object: YAML errors name the file
        document = (
            json.load(handle) if source.suffix == ".json" else yaml.load(handle, Loader=loader)
        )
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    yaml_path.write_text(
        yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    json_text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    json_path.write_text(json_text, encoding="utf-8")


def _ensure_yaml_banner(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if "make generate" not in text.partition("\n")[0]:
        path.write_text(banner.comment(banner.DRIVER, ".yaml") + "\n" + text, encoding="utf-8")


# --- the generators, as two processes -------------------------------------------------------------


class Worker:
    """``python -m generator.worker KIND``: warms up at once, runs its job when given one."""

    def __init__(self, kind: str, layout: Layout, work: Path) -> None:
        self.kind = kind
        self.log_path = work / f"{kind}.log"
        self.result_path = work / f"{kind}.result.json"
        self._log: IO[str] = self.log_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(  # the same interpreter, the repo as import root
            [sys.executable, "-m", "generator.worker", kind],
            cwd=layout.root,
            stdin=subprocess.PIPE,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def submit(self, job: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({**job, "result": str(self.result_path)}) + "\n")
        self.process.stdin.close()

    def wait(self) -> tuple[int, list[dict[str, Any]], str]:
        code = self.process.wait()
        self._log.close()
        log = self.log_path.read_text(encoding="utf-8", errors="replace").strip()
        try:
            diagnostics: list[dict[str, Any]] = json.loads(self.result_path.read_text("utf-8"))
        except (OSError, ValueError):
            diagnostics = []
        return code, diagnostics, log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _timeline(kind: str, log: str) -> str:
    """With GENERATOR_TIMINGS=1 a worker logs wall-clock stamps; show them relative to the run."""
    lines = []
    for line in log.splitlines():
        if line.startswith('{"timings"'):
            stamps = json.loads(line)["timings"]
            base = time.time() - (time.perf_counter() - _STARTED)
            shown = ", ".join(f"{k} {v - base:.2f}" for k, v in stamps.items())
            lines.append(f"    {kind} worker: {shown} s")
        else:
            lines.append(line)
    return "\n".join(lines)


# --- files the driver writes itself ---------------------------------------------------------------


def _render(layout: Layout, name: str, suffix: str, **values: str) -> str:
    """A file from generator/files/ with its ``$placeholders`` filled, under the driver's banner."""
    template = (layout.generator_dir / "files" / name).read_text(encoding="utf-8")
    return banner.comment(banner.DRIVER, suffix) + "\n" + Template(template).substitute(values)


def _models_meta(layout: Layout, models_dir: Path, version: str) -> None:
    """pyproject.toml, README.md, py.typed of the models package (datamodel-codegen writes code)."""
    package = models_dir / MODELS_PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    names = {"project": MODELS_PROJECT, "package": MODELS_PACKAGE}
    (models_dir / "pyproject.toml").write_text(
        _render(layout, "models-pyproject.toml", ".toml", version=version, **names), "utf-8"
    )
    (models_dir / "README.md").write_text(
        _render(layout, "models-README.md", ".md", **names), "utf-8"
    )
    (package / "py.typed").write_text(banner.comment(banner.DRIVER, ".typed") + "\n", "utf-8")


def _output_readme(layout: Layout, out_dir: Path, versions: dict[str, str]) -> None:
    text = _render(
        layout,
        "generated-README.md",
        ".md",
        client_project=CLIENT_PROJECT,
        client_package=CLIENT_PACKAGE,
        models_project=MODELS_PROJECT,
        models_package=MODELS_PACKAGE,
        opc_version=versions["openapi-python-client"],
        dmcg_version=versions["datamodel-code-generator"],
    )
    (out_dir / OUTPUT_README).write_text(text, encoding="utf-8")


# --- verification ---------------------------------------------------------------------------------


def _operation_count(document: dict[str, Any]) -> int:
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return sum(
        1
        for item in document.get("paths", {}).values()
        if isinstance(item, dict)
        for method in item
        if method in methods
    )


def _verify(stage: Path, document: dict[str, Any]) -> None:
    problems: list[str] = []
    api = stage / CLIENT_DIR / CLIENT_PACKAGE / "api"
    modules = [p for p in api.glob("*/*.py") if p.name != "__init__.py"]
    expected = _operation_count(document)
    if len(modules) != expected:
        problems.append(f"{expected} operations in the spec but {len(modules)} client modules")
    for path in manifest.walk(stage):
        if path.suffix == ".json":
            continue
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        if "make generate" not in first:
            problems.append(f"no banner on {path.relative_to(stage).as_posix()}")
    ruff = str(Path(sys.executable).parent / "ruff")
    packages = [str(stage / CLIENT_DIR), str(stage / MODELS_DIR)]
    commands = [
        [ruff, "check", "--no-cache", "--quiet", *packages],
        [ruff, "format", "--no-cache", "--check", "--quiet", *packages],
    ]
    # Side by side: both only read.
    running = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for c in commands
    ]
    for command, process in zip(commands, running, strict=True):
        output, _ = process.communicate()
        if process.returncode != 0:
            shown = output.replace(str(stage) + "/", "")
            problems.append(f"`ruff {command[1]}` on the generated packages:\n{shown.strip()}")
    if problems:
        raise GenerationFailed(["verification failed:", *problems])


# --- the run --------------------------------------------------------------------------------------


def build(layout: Layout, fp: dict[str, Any], stage: Path) -> None:
    """Generate a complete output tree into the empty folder ``stage``; raise GenerationFailed."""
    work = Path(tempfile.mkdtemp(prefix="capillary-generate-"))
    workers = [Worker("client", layout, work), Worker("models", layout, work)]
    try:
        step("bundle")
        document = bundle(layout, stage)
        step("openapi-python-client and datamodel-code-generator, side by side")
        version = str(document.get("info", {}).get("version", "0"))
        _models_meta(layout, stage / MODELS_DIR, version)
        spec_json = str(stage / BUNDLE_JSON)
        workers[0].submit(
            {
                "spec": spec_json,
                "out": str(stage / CLIENT_DIR),
                "config": str(layout.client_config),
                "templates": [str(d) for d in layout.template_dirs],
                "sdk": layout.with_sdk,
            }
        )
        workers[1].submit(
            {
                "root": str(layout.root),
                "spec": spec_json,
                "out": str(stage / MODELS_DIR / MODELS_PACKAGE / "__init__.py"),
            }
        )
        failures: list[str] = []
        diagnostics: list[dict[str, Any]] = []
        for worker in workers:
            code, found, log = worker.wait()
            if code != 0:
                diagnostics.extend(found)
                failures.append(f"{worker.kind} generation failed (exit status {code})")
                if log:
                    failures.append(log.replace(str(stage) + "/", ""))
            elif log:
                # Warnings of a successful run still deserve a look, once.
                print(_timeline(worker.kind, log).replace(str(stage) + "/", ""), file=sys.stderr)
        if failures or diagnostics:
            from generator.diagnostics import explain  # noqa: PLC0415

            kept = _keep_failed_bundle(stage / BUNDLE_YAML) if layout.spec_file is None else None
            located = explain(diagnostics, stage / BUNDLE_JSON, kept, layout)
            raise GenerationFailed(located + failures)
        step("verify")
        verify_started = time.perf_counter()
        _verify(stage, document)
        _output_readme(layout, stage, fp["generators"])
        bundle_hashes = {
            name: manifest.sha256_file(stage / name) for name in (BUNDLE_YAML, BUNDLE_JSON)
        }
        (stage / MANIFEST).write_bytes(manifest.build(fp, stage, bundle_hashes))
        step(f"manifest written (verify took {time.perf_counter() - verify_started:.2f} s)")
    finally:
        for worker in workers:
            worker.stop()
        shutil.rmtree(work, ignore_errors=True)


def _keep_failed_bundle(bundle_yaml: Path) -> Path:
    """A copy of the failed bundle outside the staging folder, so its line numbers can be read."""
    keep = Path(tempfile.mkdtemp(prefix="capillary-failed-bundle-")) / BUNDLE_YAML
    shutil.copyfile(bundle_yaml, keep)
    return keep


def _new_stage(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{name}.staging-", dir=parent))
    stage.chmod(0o755)
    return stage


def _swap(stage: Path, out_dir: Path) -> None:
    """Replace out_dir by stage: two renames on one file system, after everything succeeded."""
    old: Path | None = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.rename(out_dir, old)
    os.rename(stage, out_dir)
    if old is not None:
        shutil.rmtree(old)


def generate(layout: Layout, *, force: bool = False) -> int:
    global _STARTED  # noqa: PLW0603 - step() reports times relative to the start of this run
    started = _STARTED = time.perf_counter()
    fp = manifest.fingerprint(layout)
    shown = layout.shown(layout.out_dir)
    if not force:
        fresh, why = manifest.up_to_date(layout, fp)
        if fresh:
            print(
                f"{shown}/ is up to date: nothing that generation reads has changed "
                f"(inputs {fp['inputs_sha256'][:12]}, see {shown}/{MANIFEST})."
            )
            return 0
        print(f"regenerating {shown}/: {why}")
    stage = _new_stage(layout.out_dir.parent, layout.out_dir.name)
    try:
        build(layout, fp, stage)
    except GenerationFailed as failure:
        shutil.rmtree(stage, ignore_errors=True)
        print("\n".join(failure.lines), file=sys.stderr)
        print(f"generation failed; {shown}/ was not changed.", file=sys.stderr)
        return 1
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _swap(stage, layout.out_dir)
    elapsed = time.perf_counter() - started
    print(f"{shown}/ regenerated in {elapsed:.2f} s")
    return 0


def bundle_only(layout: Layout) -> int:
    try:
        bundle(layout, layout.out_dir)
    except GenerationFailed as failure:
        print("\n".join(failure.lines), file=sys.stderr)
        return 1
    shown = layout.shown(layout.out_dir)
    print(f"wrote {shown}/{BUNDLE_YAML} and {shown}/{BUNDLE_JSON}")
    return 0


def regenerate_elsewhere(layout: Layout, parent: Path) -> tuple[Path | None, list[str]]:
    """A full run into a fresh folder under ``parent`` (for `check`); the output is not read."""
    fp = manifest.fingerprint(layout)
    target = parent / layout.out_dir.name
    stage = _new_stage(parent, layout.out_dir.name)
    try:
        build(replace(layout), fp, stage)
    except GenerationFailed as failure:
        return None, failure.lines
    os.rename(stage, target)
    return target, []
