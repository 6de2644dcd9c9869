"""Run openapi-python-client (pinned) in-process, with our templates, banner and the SDK layer.

Why in-process rather than the CLI: openapi-python-client can only override a template by its exact
file name, so a banner on every file would mean copying every upstream template. Instead a Jinja
loader wrapper prepends the banner to each template that becomes a file, and the overrides in
generator/templates/ stay few. The same runner layers the SDK's own overrides
(generator/sdk/templates) and installs the hand-written SDK layer (generator/sdk, issue 7) into the
finished package.

Imported only by ``generator.worker`` (heavy imports).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PackageLoader,
)
from openapi_python_client import Project, __version__
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser import GeneratorData
from openapi_python_client.parser.errors import GeneratorError, ParseError

from generator import banner

# Upstream templates (0.29.1) that each become one output file; partials and macros are not listed.
FILE_TEMPLATES = frozenset(
    {
        ".gitignore.jinja",
        "README.md.jinja",
        "api_init.py.jinja",
        "client.py.jinja",
        "endpoint_init.py.jinja",
        "endpoint_module.py.jinja",
        "errors.py.jinja",
        "int_enum.py.jinja",
        "literal_enum.py.jinja",
        "model.py.jinja",
        "models_init.py.jinja",
        "package_init.py.jinja",
        "pyproject.toml.jinja",
        "setup.py.jinja",
        "str_enum.py.jinja",
        "types.py.jinja",
    }
)

BANNER = banner.text(f"openapi-python-client {__version__} with generator/templates/")


def _suffix(template: str) -> str:
    name = template.removesuffix(".jinja")
    return Path(name).suffix or name  # ".gitignore" has no suffix of its own


class BannerLoader(BaseLoader):
    """Prepends the banner comment to every template that is rendered as a whole output file."""

    def __init__(self, inner: BaseLoader) -> None:
        self.inner = inner

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        if template in FILE_TEMPLATES:
            line = banner.comment(BANNER, _suffix(template))
            # raw: the banner is data, never Jinja syntax; the newline sits inside the raw block
            # because trim_blocks would eat one after the closing tag.
            source = "{% raw %}" + line + "\n{% endraw %}" + source
        return source, filename, uptodate


def _jinja_cache_dir() -> Path:
    """Compiled templates, kept in the virtualenv (a cache, never in the repo)."""
    path = Path(sys.prefix) / ".cache" / "generator-jinja" / __version__
    path.mkdir(parents=True, exist_ok=True)
    return path


class _Project(Project):
    def __init__(self, *, template_dirs: list[Path], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Our override folders first (in order), then upstream's templates; every file-level
        # template gets the banner.
        self.env.loader = BannerLoader(
            ChoiceLoader(
                [
                    FileSystemLoader([str(d) for d in template_dirs]),
                    PackageLoader("openapi_python_client"),
                ]
            )
        )
        # Compiling the ~30 templates is a third of a run on the real spec. The cache is keyed by
        # each template's source (banner included), so it never changes the output.
        self.env.bytecode_cache = FileSystemBytecodeCache(str(_jinja_cache_dir()))

    def _run_post_hooks(self) -> None:
        # py.typed is written by Python code upstream, not from a template.
        (self.package_dir / "py.typed").write_text(
            banner.comment(BANNER, ".typed") + "\n", encoding="utf-8"
        )
        super()._run_post_hooks()


def _load_document(spec: Path) -> dict[str, Any]:
    # The bundle is ours (JSON, written by the bundler), so a plain json.load is enough.
    with spec.open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


def generate(
    *, spec: Path, out: Path, config_path: Path, template_dirs: list[Path], sdk: bool
) -> list[dict[str, Any]]:
    """Generate the client project into ``out`` (created). Returns diagnostics; empty on success.

    Every warning counts as a failure (the CLI's --fail-on-warning): no operation may be skipped.
    With ``sdk``, the hand-written SDK layer (generator/sdk, issue 7) is installed into the package
    once openapi-python-client is done.
    """
    # The pinned post-hooks call `ruff`; make it the one from this virtualenv.
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    if shutil.which("ruff") is None:
        return [{"tool": "openapi-python-client", "message": f"ruff not found in {bin_dir}"}]

    config = Config.from_sources(
        ConfigFile.load_from_path(config_path),
        MetaType.UV,
        spec,
        "utf-8",
        overwrite=True,
        output_path=out,
    )
    document = _load_document(spec)
    openapi = GeneratorData.from_dict(document, config=config)
    if isinstance(openapi, GeneratorError):
        return [_diagnostic(openapi)]
    project = _Project(openapi=openapi, config=config, template_dirs=template_dirs)
    errors = project.build()
    if errors:
        return [_diagnostic(error) for error in errors]
    if sdk:
        from generator.sdk import IntrospectionError, install_sdk  # noqa: PLC0415

        try:
            install_sdk(project.package_dir, document)
        except IntrospectionError as exc:
            return [{"tool": "generator/sdk (install_sdk)", "message": str(exc)}]
    return []


def _diagnostic(error: GeneratorError) -> dict[str, Any]:
    parts = [error.header.strip()]
    if error.detail:
        parts.append(error.detail.strip())
    diagnostic: dict[str, Any] = {
        "tool": f"openapi-python-client {__version__}",
        "level": error.level.value,
        "message": "\n".join(parts),
    }
    if isinstance(error, ParseError) and error.data is not None:
        # The offending part of the document; the driver finds where it is in the spec.
        diagnostic["data"] = error.data.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return diagnostic
