"""The hand-written SDK layer of the generated client package.

``install_sdk`` runs after openapi-python-client and writes ``<package>/sdk/``:

- the runtime (``generator/sdk/runtime/*.py``: auth, retries, errors, pagination, raw responses),
  copied verbatim under a banner naming its source;
- the facade (``generator/sdk/facade/*.jinja``: resource classes, entry points, exports),
  rendered from the bundled spec and from the generated package itself, so that every method
  calls the generated ``_get_kwargs`` and models by their exact names.

Everything is formatted with the pinned ruff, so the output is byte-stable.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2

from generator import banner
from generator.sdk.facade import build_facade, qualify
from generator.sdk.introspect import IntrospectionError

__all__ = ["SDK_TEMPLATES_DIR", "IntrospectionError", "install_sdk"]

HERE = Path(__file__).parent
RUNTIME_DIR = HERE / "runtime"
FACADE_DIR = HERE / "facade"
# Overrides of openapi-python-client's own templates that the SDK depends on (see README.md).
SDK_TEMPLATES_DIR = HERE / "templates"


def _generated_banner(template: str) -> str:
    return banner.comment(banner.text(f"generator/sdk/facade/{template}"), ".py")


def _copied_banner(name: str) -> str:
    return banner.comment(banner.runtime_copy(f"generator/sdk/runtime/{name}"), ".py")


# Same settings as the generated package's own ruff post-hooks; --isolated so that the result
# does not depend on which pyproject.toml happens to sit above the output folder.
RUFF_SETTINGS = ["--isolated", "--no-cache", "--line-length=120", "--target-version=py311"]


def _ruff() -> str:
    candidate = Path(sys.executable).parent / "ruff"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("ruff")
    if found is None:
        raise RuntimeError("ruff not found next to the Python interpreter nor on PATH")
    return found


def _format(paths: list[Path]) -> None:
    ruff = _ruff()
    files = [str(p) for p in paths]
    for command in (
        [ruff, "check", *RUFF_SETTINGS, "--fix-only", "--select=F,I,UP", "--quiet", *files],
        [ruff, "format", *RUFF_SETTINGS, "--quiet", *files],
    ):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[:2])} failed on the SDK:\n{result.stdout}{result.stderr}"
            )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FACADE_DIR),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Python source, not HTML.
    )
    env.filters["qualify"] = qualify
    # Spec values (JSON: bool, number, string, null, lists, objects) as Python literals.
    env.filters["py_literal"] = repr
    return env


def install_sdk(package_dir: Path, spec: dict[str, Any]) -> list[Path]:
    """Write the SDK into ``package_dir/sdk`` (replacing it) and return the files written.

    ``package_dir`` is the generated import package (``.../capillary_target_groups``) and
    ``spec`` the bundled OpenAPI document as a dict. Raises ``IntrospectionError`` when the
    spec and the generated package disagree with the naming rules in ``naming.py``.
    """
    facade = build_facade(package_dir, spec)
    sdk_dir = package_dir / "sdk"
    if sdk_dir.exists():
        shutil.rmtree(sdk_dir)
    sdk_dir.mkdir()
    written: list[Path] = []
    for source in sorted(RUNTIME_DIR.glob("*.py")):
        target = sdk_dir / source.name
        text = _copied_banner(source.name) + "\n" + source.read_text(encoding="utf-8")
        target.write_text(text, encoding="utf-8")
        written.append(target)
    env = _environment()
    for template in sorted(FACADE_DIR.glob("*.py.jinja")):
        target = sdk_dir / template.name.removesuffix(".jinja")
        text = env.get_template(template.name).render(
            facade=facade, banner=_generated_banner(template.name)
        )
        target.write_text(text, encoding="utf-8")
        written.append(target)
    _format(written)
    return sorted(written)
