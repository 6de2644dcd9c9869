"""Bundle the multi-file spec (spec/openapi.yaml) into one document, YAML and JSON.

``bundle_spec(out_dir)`` runs ``redocly bundle`` (components stay ``$ref``s: bundled, not
dereferenced), then re-serialises the result in a fixed key order so that the output is
byte-identical for identical input, whatever order Redocly happened to emit:

- top level, path items, operations: the order of the fields in the OpenAPI 3.1 specification,
  ``x-`` extensions last (sorted);
- ``paths``: the order of the root file (it groups related paths on purpose);
- each ``components`` section: sorted by component name;
- everything inside a schema, example, parameter, response...: the order written in ``spec/``
  (property order is meaningful: it becomes the field order of the generated classes).

The official entry point is ``python -m generator bundle`` (generator/__main__.py);
``python -m generator.bundle [OUT_DIR]`` is a direct shortcut for spec work.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from generator import banner

ROOT = Path(__file__).resolve().parent.parent
SPEC_ROOT = ROOT / "spec" / "openapi.yaml"
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"

TOP_LEVEL_ORDER = (
    "openapi",
    "info",
    "jsonSchemaDialect",
    "servers",
    "security",
    "tags",
    "externalDocs",
    "paths",
    "webhooks",
    "components",
)
PATH_ITEM_ORDER = (
    "$ref",
    "summary",
    "description",
    "servers",
    "parameters",
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
)
OPERATION_ORDER = (
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "deprecated",
    "security",
    "servers",
)
COMPONENTS_ORDER = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
)
HTTP_METHODS = frozenset(PATH_ITEM_ORDER[5:])

# Redocly prints a framed Node.js deprecation notice on stderr; it is noise in an error message.
_BOX_LINE = re.compile(r"^\s*[╔║╚].*$", re.MULTILINE)
# "[1] spec/paths/x.yaml:5:5 at #/..." or "... in "/abs/spec/x.yaml" (6:1)": where Redocly points.
_LOCATION = re.compile(r"(?P<file>[\w./{}-]+\.ya?ml):(?P<line>\d+)(?::\d+)?")
_PARSE_LOCATION = re.compile(r'in "(?P<file>[^"]+)" \((?P<line>\d+):\d+\)')


class BundleError(RuntimeError):
    """``redocly bundle`` failed. ``filename``/``lineno`` point at the first problem it reports."""

    def __init__(self, message: str, filename: str | None, lineno: int | None) -> None:
        super().__init__(message)
        self.filename = filename
        self.lineno = lineno


def bundle_spec(out_dir: Path, spec: Path = SPEC_ROOT) -> tuple[Path, Path]:
    """Bundle ``spec`` into ``out_dir/openapi.yaml`` and ``out_dir/openapi.json``; return both.

    Raises ``BundleError`` (with Redocly's message, file and line) if the spec cannot be bundled.
    """
    document = ordered(_run_redocly(spec))
    out_dir.mkdir(parents=True, exist_ok=True)
    yaml_path, json_path = out_dir / "openapi.yaml", out_dir / "openapi.json"
    yaml_path.write_text(to_yaml(document), encoding="utf-8")
    json_path.write_text(to_json(document), encoding="utf-8")
    return yaml_path, json_path


def _run_redocly(spec: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        target = Path(tmp) / "openapi.json"
        # cwd=ROOT and a repo-relative spec path keep absolute paths out of Redocly's messages.
        try:
            shown_spec = spec.resolve().relative_to(ROOT)
        except ValueError:
            shown_spec = spec.resolve()
        completed = subprocess.run(
            [str(REDOCLY), "bundle", str(shown_spec), "--output", str(target)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0 or not target.exists():
            raise _error(completed.stdout + completed.stderr)
        document: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return document


def _error(output: str) -> BundleError:
    text = _BOX_LINE.sub("", output)
    lines = [line.rstrip() for line in text.splitlines()]
    message = "\n".join(line for line in lines if line.strip()) or "redocly bundle failed"
    filename: str | None = None
    lineno: int | None = None
    for pattern in (_PARSE_LOCATION, _LOCATION):
        match = pattern.search(text)
        if match is not None:
            filename = _relative(match.group("file"))
            lineno = int(match.group("line"))
            break
    return BundleError(message, filename, lineno)


def _relative(name: str) -> str:
    path = Path(name)
    if path.is_absolute():
        try:
            return path.relative_to(ROOT).as_posix()
        except ValueError:
            return name
    return name


def _in_order(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """Known keys in ``order``, then other non-extension keys as found, then ``x-`` keys sorted."""
    known = [key for key in order if key in mapping]
    other = [key for key in mapping if key not in order and not key.startswith("x-")]
    extensions = sorted(key for key in mapping if key.startswith("x-"))
    return {key: mapping[key] for key in (*known, *other, *extensions)}


def ordered(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the stable key order described in the module docstring."""
    result = _in_order(document, TOP_LEVEL_ORDER)
    if isinstance(result.get("paths"), dict):
        result["paths"] = {
            path: _ordered_path_item(item) if isinstance(item, dict) else item
            for path, item in result["paths"].items()
        }
    components = result.get("components")
    if isinstance(components, dict):
        result["components"] = {
            section: dict(sorted(entries.items())) if isinstance(entries, dict) else entries
            for section, entries in _in_order(components, COMPONENTS_ORDER).items()
        }
    return result


def _ordered_path_item(item: dict[str, Any]) -> dict[str, Any]:
    result = _in_order(item, PATH_ITEM_ORDER)
    for method in HTTP_METHODS & result.keys():
        if isinstance(result[method], dict):
            result[method] = _in_order(result[method], OPERATION_ORDER)
    return result


# libyaml's dumper when available: the same bytes as the pure-Python one, about 5x faster, and
# make generate waits for the bundle.
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block style; multi-line strings as literal blocks, so descriptions stay readable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def to_yaml(document: dict[str, Any]) -> str:
    body = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return banner.comment(banner.DRIVER, ".yaml") + "\n" + body


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else ROOT / "generated"
    try:
        yaml_path, json_path = bundle_spec(out_dir)
    except BundleError as exc:
        where = f"{exc.filename}:{exc.lineno}: " if exc.filename else ""
        print(f"{where}bundle failed\n{exc}", file=sys.stderr)
        return 1
    print(f"wrote {yaml_path} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
