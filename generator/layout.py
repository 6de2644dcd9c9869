"""Where generation reads and writes. Standard library only (imported on the no-op path)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_DIR = ROOT / "generator"

CLIENT_PROJECT = "capillary-target-groups"
CLIENT_PACKAGE = "capillary_target_groups"
MODELS_PROJECT = "capillary-target-groups-models"
MODELS_PACKAGE = "capillary_target_groups_models"

# Names inside an output folder (generated/ or a temporary stand-in for it).
BUNDLE_YAML = "openapi.yaml"
BUNDLE_JSON = "openapi.json"
CLIENT_DIR = "client"
MODELS_DIR = "models"
MANIFEST = "MANIFEST.json"
OUTPUT_README = "README.md"

# The tools whose versions shape the output; recorded in MANIFEST.json and part of the no-op key.
TOOLS = ("openapi-python-client", "datamodel-code-generator", "ruff")


@dataclass(frozen=True)
class Layout:
    """Inputs and output of one generation run.

    ``spec_file`` set: that single-file OpenAPI document is the bundle (golden tests, benchmarks,
    experiments); unset: ``spec/`` is bundled by ``generator.bundle.bundle_spec``.
    ``with_sdk`` off: the bare client, without generator/sdk's layer (whose naming table is for
    this API's operations, so tiny test specs go without it).
    Tests point ``out_dir`` at a temporary folder so they never touch the real ``generated/``.
    """

    out_dir: Path = ROOT / "generated"
    spec_dir: Path = ROOT / "spec"
    spec_file: Path | None = None
    root: Path = ROOT
    with_sdk: bool = True

    @property
    def generator_dir(self) -> Path:
        return self.root / "generator"

    @property
    def templates_dir(self) -> Path:
        return self.generator_dir / "templates"

    @property
    def sdk_dir(self) -> Path:
        """The hand-written SDK layer (issue 7), put into the client package after generation."""
        return self.generator_dir / "sdk"

    @property
    def template_dirs(self) -> list[Path]:
        """openapi-python-client overrides, first match wins: ours, then the SDK's."""
        if not self.with_sdk:
            return [self.templates_dir]
        return [self.templates_dir, self.sdk_dir / "templates"]

    @property
    def client_config(self) -> Path:
        return self.generator_dir / "openapi-python-client.yaml"

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"

    @property
    def manifest(self) -> Path:
        return self.out_dir / MANIFEST

    def shown(self, path: Path) -> str:
        """A path for messages: repo-relative inside the repo, as given outside it."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def rel(self, path: Path) -> str:
        """A repo-relative POSIX path when possible (never an absolute path in output)."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.name
