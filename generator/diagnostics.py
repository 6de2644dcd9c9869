"""Turn a failed bundle or generator run into "file:line: message" lines, without tracebacks.

Generators report problems in terms of the bundled document (a pydantic location such as
``components.schemas.Dog.other.properties.barks.type``, a ``#/components/...`` reference, or the
offending object itself). We find that spot in the bundle, then follow the spec's ``$ref``s back to
the hand-written file under spec/ and its line, which is where the fix goes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from generator.layout import Layout

Pointer = list[str]

_LOC_LINE = re.compile(r"^(?:paths|components|info|servers|security|tags|webhooks)\.\S+$")
_REF = re.compile(r"#/((?:paths|components)/[^\s'\"`,)]+)")
_OPERATION = re.compile(r"\b(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE) (/\S*)")


def format_exception(exc: BaseException, layout: Layout) -> str:
    """A bundling error as "file:line:column: message" when the exception knows where."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        where = f"{_shown(mark.name, layout)}:{mark.line + 1}:{mark.column + 1}"
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        return f"{where}: {what}"
    filename = getattr(exc, "filename", None) or getattr(exc, "path", None)
    line = getattr(exc, "lineno", None) or getattr(exc, "line", None)
    if filename and isinstance(line, int):
        return f"{_shown(str(filename), layout)}:{line}: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _shown(name: str, layout: Layout) -> str:
    path = Path(name)
    if path.is_absolute():
        try:
            return path.relative_to(layout.root).as_posix()
        except ValueError:
            return name
    return name


def pointers(diagnostic: dict[str, Any], document: Any) -> list[Pointer]:
    """The places in the bundle that a generator's diagnostic is about."""
    found: list[Pointer] = []
    message = str(diagnostic.get("message", ""))
    for line in message.splitlines():
        if _LOC_LINE.match(line.strip()):
            found.append(_follow_loc(line.strip().split("."), document))
    found.extend(_follow_loc(m.group(1).split("/"), document) for m in _REF.finditer(message))
    for match in _OPERATION.finditer(message):
        # openapi-python-client names a skipped operation as "POST /v3/path".
        found.append(_follow_loc(["paths", match.group(2), match.group(1).lower()], document))
    data = diagnostic.get("data")
    if data is not None and not found:
        where = _find_object(document, data, [])
        if where is not None:
            found.append(where)
    unique: list[Pointer] = []
    for pointer in found:
        if pointer and pointer not in unique:
            unique.append(pointer)
    return unique


def _follow_loc(tokens: list[str], document: Any) -> Pointer:
    """Keep the tokens that name real keys; pydantic adds union tags ("other", "list[...]")."""
    pointer: Pointer = []
    node = document
    for raw in tokens:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
            pointer.append(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
            pointer.append(token)
    return pointer


def _find_object(node: Any, target: Any, at: Pointer) -> Pointer | None:
    if node == target:
        return at
    if isinstance(node, dict):
        children: list[tuple[str, Any]] = [(str(k), v) for k, v in node.items()]
    elif isinstance(node, list):
        children = [(str(i), v) for i, v in enumerate(node)]
    else:
        return None
    for key, child in children:
        hit = _find_object(child, target, [*at, key])
        if hit is not None:
            return hit
    return None


def _node_at(node: yaml.Node, pointer: Pointer) -> tuple[yaml.Node, Pointer]:
    """The deepest node along ``pointer`` and the part of the pointer still to walk."""
    for index, token in enumerate(pointer):
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == token:
                    child = value
                    break
        elif isinstance(node, yaml.SequenceNode) and token.isdigit():
            items = node.value
            child = items[int(token)] if int(token) < len(items) else None
        if child is None:
            return node, pointer[index:]
        node = child
    return node, []


def _line_at(node: yaml.Node, pointer: Pointer) -> tuple[int, Pointer]:
    """1-based line of the deepest key (or item) along ``pointer``, and the part left to walk."""
    line = node.start_mark.line + 1
    for index, token in enumerate(pointer):
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == token:
                    child, line = value, key.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value)
        ):
            child = node.value[int(token)]
            line = child.start_mark.line + 1
        if child is None:
            return line, pointer[index:]
        node = child
    return line, []


def _compose(path: Path) -> yaml.Node | None:
    try:
        with path.open(encoding="utf-8") as handle:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            node: yaml.Node | None = yaml.compose(handle, Loader=loader)
            return node
    except (OSError, yaml.YAMLError):
        return None


def _external_ref(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "$ref" and isinstance(value, yaml.ScalarNode):
                ref = str(value.value)
                return None if ref.startswith("#") else ref
    return None


def locate_in_sources(pointer: Pointer, layout: Layout) -> tuple[Path, int] | None:
    """The spec source file and 1-based line that ``pointer`` (into the bundle) comes from."""
    if layout.spec_file is not None:
        return _locate_in_file(layout.spec_file, pointer)
    hit = _walk_sources(layout.spec_dir / "openapi.yaml", pointer, depth=0)
    if (hit is None or hit[2]) and len(pointer) >= 3 and pointer[0] == "components":
        # Components the root file does not list are reached through $refs only; they live in
        # components/<kind>/<Name>.yaml (spec/README.md).
        candidate = layout.spec_dir / "components" / pointer[1] / f"{pointer[2]}.yaml"
        if candidate.is_file():
            hit = _walk_sources(candidate, pointer[3:], depth=0)
    return None if hit is None else (hit[0], hit[1])


def _walk_sources(path: Path, pointer: Pointer, depth: int) -> tuple[Path, int, bool] | None:
    """Follow ``pointer`` from ``path`` through external $refs: (file, line, stopped short)."""
    root = _compose(path)
    if root is None or depth > 20:
        return None
    node, rest = _node_at(root, pointer)
    ref = _external_ref(node)
    if rest and ref is not None:
        file_part, _, fragment = ref.partition("#")
        target = (path.parent / file_part).resolve()
        inner = [t for t in fragment.split("/") if t]
        deeper = _walk_sources(target, inner + rest, depth + 1)
        if deeper is not None:
            return deeper
    line, _ = _line_at(root, pointer)
    return path, line, bool(rest)


def _locate_in_file(path: Path, pointer: Pointer) -> tuple[Path, int] | None:
    if path.suffix == ".json":
        return None
    root = _compose(path)
    if root is None:
        return None
    line, _ = _line_at(root, pointer)
    return path, line


def explain(
    diagnostics: list[dict[str, Any]], bundle_json: Path, bundle_yaml: Path | None, layout: Layout
) -> list[str]:
    """Human-readable lines: the tool's message, then where in spec/ (and the bundle) it points."""
    try:
        document = json.loads(bundle_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        document = None
    lines: list[str] = []
    for diagnostic in diagnostics:
        lines.append(f"{diagnostic.get('tool', 'generator')}: {diagnostic.get('message', '')}")
        if document is None:
            continue
        for pointer in pointers(diagnostic, document):
            shown = "/".join(p.replace("~", "~0").replace("/", "~1") for p in pointer)
            source = locate_in_sources(pointer, layout)
            if source is not None:
                path, line = source
                lines.append(f"  at {_shown(str(path), layout)}:{line}  (#/{shown})")
            bundled = None if bundle_yaml is None else _locate_in_file(bundle_yaml, pointer)
            if bundled is not None:
                lines.append(f"  in the bundle: {bundled[0]}:{bundled[1]}")
    return lines
