"""Read what openapi-python-client generated (by AST, without importing it).

The facade must call the generated functions and models by their exact names and types. Those
names depend on the generator's configuration and naming rules, so instead of re-deriving them
from the spec, they are read back from the generated package itself.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass
from pathlib import Path

# Names every generated module may use in annotations, and where the facade imports them from.
_TYPES_NAMES = frozenset({"Unset", "UNSET", "File", "FileTypes"})
_TYPING_NAMES = frozenset({"Any", "cast", "Literal"})
_MODULE_NAMES = frozenset({"datetime"})


class IntrospectionError(Exception):
    """The generated package does not look the way the facade templates expect."""


@dataclass(frozen=True)
class Param:
    """A parameter of a generated ``_get_kwargs``."""

    name: str
    annotation: str
    default: str | None
    """Source of the default value; None when required."""
    keyword_only: bool


@dataclass(frozen=True)
class Endpoint:
    """A generated endpoint module."""

    module: str
    """Dotted path inside the package, e.g. ``api.target_groups.get_target_group``."""
    method: str
    path_pattern: str
    """The URL template with every ``{name}`` replaced by ``{}``, for matching spec paths."""
    params: tuple[Param, ...]
    success_classes: dict[int, str]
    """Model class parsed for each 2xx status, e.g. ``{200: "TargetGroupEnvelope"}``."""


@dataclass(frozen=True)
class Field:
    name: str
    annotation: str
    default: str | None


@dataclass(frozen=True)
class Model:
    name: str
    fields: tuple[Field, ...]


def normalise_path(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def annotation_names(annotation: str) -> set[str]:
    """Top-level names an annotation refers to (inside string forward references too)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                names.add(child.id)
            elif isinstance(child, ast.Constant) and isinstance(child.value, str):
                visit(ast.parse(child.value, mode="eval"))

    visit(ast.parse(annotation, mode="eval"))
    return names


def import_source(name: str, model_names: set[str]) -> str | None:
    """Module to import ``name`` from, relative to the facade package; None for builtins."""
    if name in _TYPES_NAMES:
        return "..types"
    if name in _TYPING_NAMES:
        return "typing"
    if name in _MODULE_NAMES:
        return name
    if name in model_names:
        return "..models"
    if hasattr(builtins, name):
        return None
    raise IntrospectionError(f"annotation refers to unknown name {name!r}")


def _function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _kwargs_method_and_url(func: ast.FunctionDef) -> tuple[str, str]:
    for node in ast.walk(func):
        if isinstance(node, ast.Dict):
            entries = {
                k.value: v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant)
            }
            if "method" in entries and "url" in entries:
                method = entries["method"]
                url = entries["url"]
                if isinstance(url, ast.Call) and isinstance(url.func, ast.Attribute):
                    url = url.func.value  # "...{x}...".format(x=...)
                if isinstance(method, ast.Constant) and isinstance(url, ast.Constant):
                    return str(method.value).upper(), str(url.value)
    raise IntrospectionError(f"{func.name}: no literal method/url found")


def _params(func: ast.FunctionDef) -> tuple[Param, ...]:
    args = func.args
    positional = args.posonlyargs + args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    params = []
    for arg, default, keyword_only in [
        *((a, d, False) for a, d in zip(positional, defaults, strict=True)),
        *((a, d, True) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)),
    ]:
        if arg.annotation is None:
            raise IntrospectionError(f"{func.name}: parameter {arg.arg} has no annotation")
        params.append(
            Param(
                name=arg.arg,
                annotation=ast.unparse(arg.annotation),
                default=None if default is None else ast.unparse(default),
                keyword_only=keyword_only,
            )
        )
    return tuple(params)


def _success_classes(func: ast.FunctionDef) -> dict[int, str]:
    """``{status: class}`` from ``if response.status_code == N: x = Class.from_dict(...)``."""
    found: dict[int, str] = {}
    for node in ast.walk(func):
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)):
            continue
        comparators = node.test.comparators
        if len(comparators) != 1 or not isinstance(comparators[0], ast.Constant):
            continue
        status = comparators[0].value
        if not isinstance(status, int) or not 200 <= status < 300:
            continue
        for stmt in ast.walk(ast.Module(body=node.body, type_ignores=[])):
            if (
                isinstance(stmt, ast.Call)
                and isinstance(stmt.func, ast.Attribute)
                and stmt.func.attr == "from_dict"
                and isinstance(stmt.func.value, ast.Name)
            ):
                found[status] = stmt.func.value.id
                break
    return found


def scan_endpoints(package_dir: Path) -> dict[tuple[str, str], Endpoint]:
    """Every generated endpoint module, keyed by (METHOD, normalised path)."""
    endpoints: dict[tuple[str, str], Endpoint] = {}
    for file in sorted((package_dir / "api").rglob("*.py")):
        if file.name == "__init__.py":
            continue
        tree = ast.parse(file.read_text(encoding="utf-8"))
        get_kwargs = _function(tree, "_get_kwargs")
        parse_response = _function(tree, "_parse_response")
        if get_kwargs is None or parse_response is None:
            raise IntrospectionError(f"{file}: missing _get_kwargs or _parse_response")
        method, url = _kwargs_method_and_url(get_kwargs)
        module = ".".join(file.relative_to(package_dir).with_suffix("").parts)
        key = (method, normalise_path(url))
        if key in endpoints:
            raise IntrospectionError(f"two modules for {method} {url}")
        endpoints[key] = Endpoint(
            module=module,
            method=method,
            path_pattern=key[1],
            params=_params(get_kwargs),
            success_classes=_success_classes(parse_response),
        )
    return endpoints


class Models:
    """Lazy access to the generated models package (class name -> fields / enum values)."""

    def __init__(self, package_dir: Path) -> None:
        self._dir = package_dir / "models"
        self._modules: dict[str, str] = {}
        init = ast.parse((self._dir / "__init__.py").read_text(encoding="utf-8"))
        for node in init.body:
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                for alias in node.names:
                    self._modules[alias.asname or alias.name] = node.module
        self._classes: dict[str, ast.ClassDef] = {}

    @property
    def names(self) -> set[str]:
        return set(self._modules)

    def _class(self, name: str) -> ast.ClassDef:
        if name not in self._classes:
            try:
                module = self._modules[name]
            except KeyError:
                raise IntrospectionError(f"no generated model named {name}") from None
            tree = ast.parse((self._dir / f"{module}.py").read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    self._classes[node.name] = node
        return self._classes[name]

    def model(self, name: str) -> Model:
        """Fields of an attrs model, in constructor order."""
        fields = []
        for node in self._class(name).body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                # Not constructor arguments: upstream's extras dict, and the private `_extra` that
                # backs the `additional_properties` property of closed models (model.py.jinja).
                if node.target.id == "additional_properties" or node.target.id.startswith("_"):
                    continue
                fields.append(
                    Field(
                        name=node.target.id,
                        annotation=ast.unparse(node.annotation),
                        default=None if node.value is None else ast.unparse(node.value),
                    )
                )
        return Model(name, tuple(fields))

    def enum_values(self, name: str) -> dict[str, str]:
        """Member name -> value of a generated enum."""
        values = {}
        for node in self._class(name).body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant)
            ):
                values[node.targets[0].id] = str(node.value.value)
        return values

    def is_enum(self, name: str) -> bool:
        return any(
            isinstance(base, ast.Name) and base.id.endswith("Enum")
            for base in self._class(name).bases
        )
