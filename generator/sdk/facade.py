"""The view model the facade templates render: resources, methods, create helpers, imports."""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.sdk import naming
from generator.sdk.introspect import (
    Endpoint,
    Field,
    IntrospectionError,
    Models,
    annotation_names,
    import_source,
    normalise_path,
    scan_endpoints,
)

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# Keyword names taken by the per-call options (``RequestOptions``) and by the paginator.
RESERVED = frozenset({"options", "timeout", "max_retries", "retry_post", "extra_headers", "self"})


class _QualifyBuiltins(ast.NodeTransformer):
    """``list[X]`` -> ``builtins.list[X]``: resource classes define a method named ``list``,
    which would shadow the builtin in annotations inside the class body."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in {"list", "dict"}:
            return ast.copy_location(
                ast.Attribute(value=ast.Name("builtins", ast.Load()), attr=node.id), node
            )
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval")
            except SyntaxError:
                return node
            # Forward references are unquoted: the rendered modules use postponed annotations.
            return self.visit(inner.body)  # type: ignore[no-any-return]
        return node


def qualify(annotation: str) -> str:
    tree = _QualifyBuiltins().visit(ast.parse(annotation, mode="eval"))
    return ast.unparse(tree)


def docstring_text(text: str) -> str:
    """Spec text made safe inside a triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()


@dataclass
class Arg:
    name: str
    annotation: str
    default: str | None
    keyword_only: bool = True

    @property
    def declaration(self) -> str:
        text = f"{self.name}: {qualify(self.annotation)}"
        return text if self.default is None else f"{text} = {self.default}"


@dataclass
class Operation:
    operation_id: str
    http_method: str
    path: str
    summary: str
    deprecated: bool
    authenticated: bool
    module: str
    alias: str
    resource: str
    method: str
    args: list[Arg]
    envelope: str
    data_type: str
    data_unset: bool
    paginated: bool = False
    page_item_type: str = ""
    page_size: int = 100
    filter_args: list[Arg] = field(default_factory=list)
    query_defaults: dict[str, Any] = field(default_factory=dict)
    """Wire name -> the spec's ``default`` of each query parameter that has one."""

    @property
    def doc(self) -> str:
        lines = [docstring_text(self.summary or self.operation_id) + "."]
        lines.append("")
        lines.append(f"``{self.http_method} {self.path}`` (operation ``{self.operation_id}``).")
        if self.deprecated:
            lines.append("")
            lines.append("Deprecated by Capillary; see the operation's description in the spec.")
        return "\n".join(lines)


@dataclass
class CreateHelper:
    name: str
    variant: str
    doc: str
    create_method: str
    returns: str
    args: list[Arg]
    body_kwargs: list[tuple[str, str]]
    """(constructor keyword, expression) pairs for the group variant."""
    target_variant: str | None = None
    target_kwargs: list[tuple[str, str]] = field(default_factory=list)
    target_defaults: list[tuple[str, str]] = field(default_factory=list)
    """(target keyword, group argument) used when the target argument is left as None."""
    tag_names: set[str] = field(default_factory=set)
    """Names the fixed tag values refer to (their enum classes), to import."""


@dataclass
class Resource:
    name: str
    class_name: str
    doc: str
    operations: list[Operation] = field(default_factory=list)
    create_helpers: list[CreateHelper] = field(default_factory=list)


@dataclass
class Facade:
    title: str
    version: str
    resources: list[Resource]
    operations: list[Operation]
    model_imports: list[str]
    type_imports: list[str]
    needs_datetime: bool


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref``s (``#/components/...``) of the bundle."""
    seen = 0
    while "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise IntrospectionError(f"only local $refs are supported in the bundle: {ref}")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
        seen += 1
    return node


def _query_defaults(
    spec: dict[str, Any], path_item: dict[str, Any], raw: dict[str, Any]
) -> dict[str, Any]:
    """The ``default`` of every query parameter of an operation (path-level ones included).

    OpenAPI defines a default as what the server assumes when the parameter is absent, so the
    SDK leaves such a value out of the URL instead of sending what the generated functions fill
    in: the request is the same to the server, and cheaper to build (httpx re-parses the whole
    URL to merge any query parameter; measured at a third of the SDK's per-call overhead).
    """
    defaults: dict[str, Any] = {}
    for holder in (path_item, raw):
        for raw_parameter in holder.get("parameters", []):
            parameter = _resolve(spec, raw_parameter)
            schema = _resolve(spec, parameter.get("schema", {}))
            if parameter.get("in") == "query" and "default" in schema:
                defaults[parameter["name"]] = schema["default"]
    return defaults


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                found.append((path, method.upper(), item[method]))
    return found


def _strip_unset(annotation: str) -> tuple[str, bool]:
    """``X | Unset`` -> (``X | None``, True): the facade reports an absent ``data`` as None."""
    tree = ast.parse(annotation, mode="eval").body
    members: list[ast.expr] = []

    def split(node: ast.expr) -> None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            split(node.left)
            split(node.right)
        else:
            members.append(node)

    split(tree)
    kept = [m for m in members if not (isinstance(m, ast.Name) and m.id == "Unset")]
    if len(kept) == len(members):
        return annotation, False
    texts = [ast.unparse(m) for m in kept]
    if "None" not in texts:
        texts.append("None")
    return " | ".join(texts), True


def _single_value_tag(annotation: str, models: Models) -> str | None:
    """Expression for a field that can hold one value only (a oneOf tag), else None."""
    tree = ast.parse(annotation, mode="eval").body
    if isinstance(tree, ast.Name) and tree.id in models.names and models.is_enum(tree.id):
        values = models.enum_values(tree.id)
        if len(values) == 1:
            return f"{tree.id}.{next(iter(values))}"
    if (
        isinstance(tree, ast.Subscript)
        and isinstance(tree.value, ast.Name)
        and tree.value.id == "Literal"
        and isinstance(tree.slice, ast.Constant)
    ):
        return repr(tree.slice.value)
    return None


def _union_members(annotation: str) -> list[str]:
    tree = ast.parse(annotation, mode="eval").body
    members: list[str] = []

    def split(node: ast.expr) -> None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            split(node.left)
            split(node.right)
        else:
            members.append(ast.unparse(node))

    split(tree)
    return members


def _variant_fields(models: Models, variant: str) -> tuple[list[Field], list[tuple[str, str]]]:
    """(settable fields, fixed tag assignments) of a oneOf variant model."""
    settable, fixed = [], []
    for f in models.model(variant).fields:
        tag = _single_value_tag(f.annotation, models)
        if tag is not None:
            fixed.append((f.name, tag))
        else:
            settable.append(f)
    return settable, fixed


def _tag_names(*fixed: list[tuple[str, str]]) -> set[str]:
    names: set[str] = set()
    for pairs in fixed:
        for _, expr in pairs:
            names |= annotation_names(expr)
    return names


def _helper_name(variant: str, common_suffix: str) -> str:
    base = naming.snake(variant)
    if base.endswith("_" + common_suffix):
        base = base[: -len(common_suffix) - 1]
    return "create_" + base


def _create_helpers(op: Operation, models: Models) -> list[CreateHelper]:
    body = next((a for a in op.args if a.name == "body"), None)
    if body is None:
        return []
    variants = [m for m in _union_members(body.annotation) if m in models.names]
    helpers = []
    suffix = "target_group_create"
    for variant in variants:
        settable, fixed = _variant_fields(models, variant)
        if not fixed:
            raise IntrospectionError(f"{variant}: no single-value tag field to fill in")
        args = [Arg(f.name, f.annotation, f.default) for f in settable]
        helpers.append(
            CreateHelper(
                name=_helper_name(variant, suffix),
                variant=variant,
                doc=f"Create a target group of kind ``{variant}`` (its tag is filled in).",
                create_method=op.method,
                returns=op.data_type,
                args=args,
                body_kwargs=[(f.name, f.name) for f in settable] + fixed,
                tag_names=_tag_names(fixed),
            )
        )
    for name, (variant, target_variant) in naming.EVENT_CREATE_HELPERS.items():
        if variant not in variants:
            raise IntrospectionError(f"{name}: {variant} is not a variant of {op.operation_id}")
        group_fields, group_fixed = _variant_fields(models, variant)
        target_fields, target_fixed = _variant_fields(models, target_variant)
        target_fields = [f for f in target_fields if f.name not in naming.EVENT_TARGET_EXCLUDED]
        group_fields = [f for f in group_fields if f.name != "targets"]
        group_names = {f.name for f in group_fields}
        args = [Arg(f.name, f.annotation, f.default) for f in group_fields]
        target_kwargs: list[tuple[str, str]] = []
        target_defaults: list[tuple[str, str]] = []
        required_target_args: list[Arg] = []
        optional_target_args: list[Arg] = []
        for f in target_fields:
            if f.name in group_names:
                # Shared names (name, description, active) default to the group's value.
                arg_name = f"target_{f.name}"
                if f.default is None:
                    optional_target_args.append(Arg(arg_name, f"{f.annotation} | None", "None"))
                    target_defaults.append((f.name, f.name))
                else:
                    optional_target_args.append(Arg(arg_name, f.annotation, f.default))
            else:
                arg_name = f.name
                target = required_target_args if f.default is None else optional_target_args
                target.append(Arg(arg_name, f.annotation, f.default))
            target_kwargs.append((f.name, arg_name))
        target_kwargs += target_fixed
        required = [a for a in args if a.default is None] + required_target_args
        optional = [a for a in args if a.default is not None] + optional_target_args
        helpers.append(
            CreateHelper(
                name=name,
                variant=variant,
                doc=(
                    f"Create a ``{variant}`` group with one ``{target_variant}`` target "
                    "built from the ``target``-related arguments."
                ),
                create_method=op.method,
                returns=op.data_type,
                args=required + optional,
                body_kwargs=[(f.name, f.name) for f in group_fields] + group_fixed,
                target_variant=target_variant,
                target_kwargs=target_kwargs,
                target_defaults=target_defaults,
                tag_names=_tag_names(group_fixed, target_fixed),
            )
        )
    return helpers


def build_facade(package_dir: Path, spec: dict[str, Any]) -> Facade:
    endpoints = scan_endpoints(package_dir)
    models = Models(package_dir)
    tags = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    global_security = spec.get("security", [])
    operations: list[Operation] = []
    seen_methods: dict[tuple[str, str], str] = {}
    checked_models: set[str] = set()
    unused_overrides = set(naming.OVERRIDES)
    used_endpoints: set[str] = set()
    for path, method, raw in _operations(spec):
        operation_id = raw["operationId"]
        tag = (raw.get("tags") or ["default"])[0]
        unused_overrides.discard(operation_id)
        endpoint: Endpoint | None = endpoints.get((method, normalise_path(path)))
        if endpoint is None:
            raise IntrospectionError(f"{operation_id}: no generated module for {method} {path}")
        used_endpoints.add(endpoint.module)
        resource, method_name = naming.resource_method(operation_id, tag)
        if (resource, method_name) in seen_methods:
            raise IntrospectionError(
                f"{operation_id} and {seen_methods[resource, method_name]} both map to "
                f"{resource}.{method_name}: add an entry to generator/sdk/naming.py OVERRIDES"
            )
        seen_methods[resource, method_name] = operation_id
        args = [Arg(p.name, p.annotation, p.default, p.keyword_only) for p in endpoint.params]
        clash = RESERVED & {a.name for a in args}
        if clash:
            raise IntrospectionError(f"{operation_id}: parameter names {clash} are reserved")
        statuses = sorted(endpoint.success_classes)
        if not statuses:
            raise IntrospectionError(f"{operation_id}: no JSON 2xx response model")
        envelope = endpoint.success_classes[statuses[0]]
        if len(set(endpoint.success_classes.values())) != 1:
            raise IntrospectionError(f"{operation_id}: 2xx responses parse to different models")
        envelope_fields = {f.name: f for f in models.model(envelope).fields}
        if "data" not in envelope_fields:
            raise IntrospectionError(f"{operation_id}: {envelope} has no data field")
        data_type, data_unset = _strip_unset(envelope_fields["data"].annotation)
        _check_no_model_unions(models, envelope, checked_models)
        security = raw.get("security", global_security)
        op = Operation(
            operation_id=operation_id,
            http_method=method,
            path=path,
            summary=raw.get("summary", ""),
            deprecated=bool(raw.get("deprecated", False)),
            authenticated=bool(security),
            module=endpoint.module,
            alias="_" + endpoint.module.rsplit(".", 1)[-1],
            resource=resource,
            method=method_name,
            args=args,
            envelope=envelope,
            data_type=data_type,
            data_unset=data_unset,
            query_defaults=_query_defaults(spec, spec["paths"][path], raw),
        )
        arg_names = {a.name for a in args}
        if set(naming.PAGINATED_PARAMS) <= arg_names and "pagination" in envelope_fields:
            members = _union_members(data_type)
            lists = [m for m in members if m.startswith("list[")]
            if len(lists) != 1:
                raise IntrospectionError(f"{operation_id}: paginated data is not one list type")
            op.paginated = True
            op.page_item_type = lists[0][len("list[") : -1]
            parameters = [_resolve(spec, p) for p in raw.get("parameters", [])]
            limit = next((p for p in parameters if p.get("name") == "limit"), {})
            maximum = _resolve(spec, limit.get("schema", {})).get("maximum", 100)
            op.page_size = min(100, int(maximum))
            op.filter_args = [a for a in args if a.name not in naming.PAGINATED_PARAMS]
        operations.append(op)
    if unused_overrides:
        raise IntrospectionError(
            f"generator/sdk/naming.py OVERRIDES names operations not in the spec: "
            f"{sorted(unused_overrides)}"
        )
    stale = {e.module for e in endpoints.values()} - used_endpoints
    if stale:
        raise IntrospectionError(f"generated modules without a spec operation: {sorted(stale)}")

    by_resource: dict[str, list[Operation]] = defaultdict(list)
    for op in operations:
        by_resource[op.resource].append(op)
    resources: list[Resource] = []
    for name in sorted(by_resource):
        ops = sorted(by_resource[name], key=lambda o: o.method)
        op_tags = [_first_tag(spec, o) for o in ops]
        tag_name = next((t for t in op_tags if naming.snake(t) == name), op_tags[0])
        res = Resource(
            name=name,
            class_name=naming.pascal(name),
            doc=_first_sentence(tags.get(tag_name, "")) or f"Operations on {name}.",
            operations=ops,
        )
        for op in ops:
            if op.operation_id == naming.CREATE_OPERATION:
                res.create_helpers = _create_helpers(op, models)
        resources.append(res)

    # Imports: every name any rendered annotation refers to.
    referenced: set[str] = set()
    for op in operations:
        for a in op.args:
            referenced |= annotation_names(a.annotation)
            if a.default is not None:
                referenced |= annotation_names(a.default)
        referenced |= annotation_names(op.data_type)
        referenced.add(op.envelope)
    for res in resources:
        for helper in res.create_helpers:
            referenced.add(helper.variant)
            if helper.target_variant:
                referenced.add(helper.target_variant)
            for a in helper.args:
                referenced |= annotation_names(a.annotation)
                if a.default is not None:
                    referenced |= annotation_names(a.default)
            referenced |= helper.tag_names
    model_imports, type_imports, needs_datetime = [], [], False
    for name in sorted(referenced):
        source = import_source(name, models.names)
        if source == "..models":
            model_imports.append(name)
        elif source == "..types":
            type_imports.append(name)
        elif source == "datetime":
            needs_datetime = True
    info = spec.get("info", {})
    return Facade(
        title=info.get("title", ""),
        version=str(info.get("version", "0")),
        resources=resources,
        operations=operations,
        model_imports=model_imports,
        type_imports=type_imports,
        needs_datetime=needs_datetime,
    )


def _model_unions(annotation: str, classes: set[str]) -> list[str]:
    """Every union inside ``annotation`` with two or more members naming a model class."""
    found = []
    for node in ast.walk(ast.parse(annotation, mode="eval")):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            members = _union_members(ast.unparse(node))
            with_models = [m for m in members if annotation_names(m) & classes]
            if len(with_models) > 1:
                found.append(ast.unparse(node))
    return found


def _check_no_model_unions(models: Models, root: str, seen: set[str]) -> None:
    """Responses are parsed with open enums (``_leniently`` in the facade), which would let the
    wrong variant of a oneOf of models match; so generation fails if a response ever has one.

    ``seen`` is shared across the operations of one build: the envelopes reach the same few
    dozen models, and checking each once instead of once per operation saves ~0.3 s a run."""
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen or models.is_enum(name):
            continue
        seen.add(name)
        for f in models.model(name).fields:
            referenced = annotation_names(f.annotation) & models.names
            classes = {n for n in referenced if not models.is_enum(n)}
            unions = _model_unions(f.annotation, classes)
            if unions:
                raise IntrospectionError(
                    f"response model {name}.{f.name} is a union of models ({unions[0]}); "
                    "revisit _leniently in generator/sdk/facade/_resources.py.jinja"
                )
            todo.extend(sorted(referenced))


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    head, dot, _ = flat.partition(". ")
    return docstring_text(head + (dot.strip() or ""))


def _first_tag(spec: dict[str, Any], op: Operation) -> str:
    raw = spec["paths"][op.path][op.http_method.lower()]
    tags: list[str] = raw.get("tags") or [""]
    return tags[0]
