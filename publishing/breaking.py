"""Breaking-change differ for two bundled OpenAPI 3.x documents.

Scope
-----
`compare(old, new)` takes two parsed documents (the bundle `generated/openapi.json` at a git ref
and in the working tree) and returns findings, each with a stable rule id, a severity (breaking or
info), the operation it concerns (`METHOD /path`) and a one-line detail. A change is *breaking*
when a client written against the old document can fail against a server that implements the new
one. Requests and responses are judged in opposite directions:

- request side (parameters, request bodies): the new document must accept everything the old one
  accepted. Removing an enum value, adding a required field, tightening a bound, narrowing a
  type, dropping null: breaking. Widening: info.
- response side (status codes, headers, bodies): the new document must only produce what the old
  one promised. Removing a field or making it optional, adding an enum value, widening a type,
  adding null, loosening a bound: breaking. Narrowing: info.
- operations are matched by method and path template with parameter names erased, so renaming a
  path parameter is reported as such instead of as a removal plus an addition.
- security: an operation breaks when some set of credentials the old document accepted is no
  longer enough (a scheme or scope added to a requirement, anonymous access removed), or when the
  definition of a scheme it uses changes (type, header name, HTTP scheme, token URL).

Schemas are compared after following local `$ref`s (recursive schemas are cut at the first
repeat), merging `allOf`, and treating nullability as one flag whatever its spelling
(`type: [X, "null"]`, an `anyOf`/`oneOf` branch `{type: "null"}`, 3.0's `nullable: true`, or
`null` inside an `enum`). `oneOf`/`anyOf` variants are paired by their tag value (the
discriminator's property, else a property that is a single-value enum or const in every variant),
else by component name or title; an unpaired variant is checked against every variant on the
other side and only reported when none of them is compatible. `readOnly` properties are ignored on
the request side and `writeOnly` ones on the response side.

Policies (the rule table is `RULES`; `python -m publishing rules` prints it):
- a new optional response field is info: clients must ignore fields they do not know. The response
  schemas' `additionalProperties: false` keeps the sandbox exact; it is not a promise that fields
  are never added.
- renaming an operationId or a path parameter is breaking: generated SDK method and argument names
  come from them, even though the wire format is unchanged.
- a success status (1XX-3XX) that disappears or appears is breaking: generated clients parse only
  documented statuses. Error statuses (4XX, 5XX, default) coming or going are info.
- a changed `pattern`, `format` or `multipleOf` is breaking in both directions: whether one
  regular expression or format contains another is not decided.

Known limits
------------
- Only local `$ref`s (`#/...`) are followed: the input must be a bundle. Anything else raises
  DiffError.
- Status ranges (`2XX`) and `default` are matched by their literal key only: `200` replaced by `2XX`
  reads as one status removed and one added.
- Media types are matched by type/subtype (parameters such as charset ignored); no wildcard
  matching.
- Not compared: `not`, `if/then/else`, `prefixItems`, `dependentRequired`, `patternProperties`,
  callbacks, webhooks, links, examples, servers, and descriptions other than operation
  summary/description (reported as info only, for the changelog).
- Keywords next to `oneOf`/`anyOf` are folded into each variant (as JSON Schema's "and" implies);
  two sibling `oneOf`s in one `allOf` keep only the first.
- A parameter described with `content` instead of `schema` is compared through its first media
  type's schema.
- The differ reasons about documents, not about a server: a server that already returned a value
  before it was documented is not known here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Direction = Literal["request", "response"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# rule id -> (breaking, what it means). Ids are part of the interface (people grep CI logs and
# paste them into the changelog): never rename one, add a new id instead.
RULES: dict[str, tuple[bool, str]] = {
    # operations
    "operation-removed": (True, "an operation (method + path) no longer exists"),
    "operation-added": (False, "a new operation"),
    "operation-id-changed": (True, "operationId renamed: generated SDK method names change"),
    "path-parameter-renamed": (True, "a path parameter has a new name: SDK argument names change"),
    "operation-deprecated": (False, "an operation is now marked deprecated"),
    "operation-documentation-changed": (False, "summary or description of an operation changed"),
    # security
    "security-requirement-added": (True, "credentials that used to be enough are not any more"),
    "security-requirement-removed": (False, "the operation accepts more kinds of credentials"),
    "security-scheme-changed": (True, "a security scheme the operation uses was redefined"),
    # request parameters
    "request-parameter-removed": (True, "a query, header or cookie parameter was removed"),
    "request-parameter-added-required": (True, "a new required parameter"),
    "request-parameter-added": (False, "a new optional parameter"),
    "request-parameter-became-required": (True, "an optional parameter is now required"),
    "request-parameter-no-longer-required": (False, "a required parameter is now optional"),
    "request-parameter-type-changed": (True, "a parameter no longer accepts a type it accepted"),
    "request-parameter-serialization-changed": (True, "a parameter's style or explode changed"),
    # request bodies
    "request-body-added-required": (True, "an operation without a body now requires one"),
    "request-body-added": (False, "an operation without a body now accepts an optional one"),
    "request-body-removed": (True, "an operation no longer takes a request body"),
    "request-body-became-required": (True, "an optional request body is now required"),
    "request-media-type-removed": (True, "a request content type is no longer accepted"),
    "request-media-type-added": (False, "a new request content type is accepted"),
    # request schemas (bodies and parameters)
    "request-field-removed": (True, "a request field is no longer read (SDK models lose it)"),
    "request-field-added-required": (True, "a new required request field"),
    "request-field-added": (False, "a new optional request field"),
    "request-field-became-required": (True, "an optional request field is now required"),
    "request-field-no-longer-required": (False, "a required request field is now optional"),
    "request-field-type-changed": (True, "a request field no longer accepts a type it accepted"),
    "request-field-type-widened": (False, "a request field accepts more types"),
    "request-field-no-longer-nullable": (True, "a request field no longer accepts null"),
    "request-field-became-nullable": (False, "a request field now accepts null"),
    "request-enum-value-removed": (True, "a request enum no longer accepts a value"),
    "request-enum-value-added": (False, "a request enum accepts a new value"),
    "request-constraint-tightened": (True, "a request bound/pattern/format/enum now rejects more"),
    "request-constraint-loosened": (False, "a request bound now accepts more"),
    "request-variant-removed": (True, "a oneOf/anyOf request variant is no longer accepted"),
    "request-variant-added": (False, "a new oneOf/anyOf request variant"),
    # responses
    "response-status-removed": (True, "a documented success status is gone"),
    "response-success-status-added": (True, "a new success status clients do not parse"),
    "response-error-status-removed": (False, "a documented error status is gone"),
    "response-error-status-added": (False, "a new error status"),
    "response-body-removed": (True, "a response that had a body no longer has one"),
    "response-body-added": (False, "a response that had no body now has one"),
    "response-media-type-removed": (True, "a response content type is no longer produced"),
    "response-media-type-added": (False, "a new response content type"),
    "response-header-removed": (True, "a required response header is gone"),
    "response-header-no-longer-required": (True, "a required response header may be absent"),
    "response-header-added": (False, "a new response header"),
    # response schemas
    "response-field-removed": (True, "a response field is gone"),
    "response-field-no-longer-required": (True, "a required response field may be absent"),
    "response-field-became-required": (False, "an optional response field is always present"),
    "response-field-added": (False, "a new response field"),
    "response-field-type-changed": (True, "a response field may have a type it did not have"),
    "response-field-type-narrowed": (False, "a response field has fewer possible types"),
    "response-field-became-nullable": (True, "a response field may now be null"),
    "response-field-no-longer-nullable": (False, "a response field is never null any more"),
    "response-enum-value-added": (True, "a response enum may have a value clients do not know"),
    "response-enum-value-removed": (False, "a response enum value is no longer produced"),
    "response-constraint-loosened": (True, "a response bound/pattern/format/enum allows more"),
    "response-constraint-tightened": (False, "a response bound allows less"),
    "response-variant-added": (True, "a new oneOf/anyOf response variant clients do not parse"),
    "response-variant-removed": (False, "a oneOf/anyOf response variant is no longer produced"),
}

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf")
_MAX_DEPTH = 64
_PATH_PARAM = re.compile(r"\{([^}]*)\}")
# Header parameters OpenAPI says to ignore: they are governed by content and security instead.
_IGNORED_HEADERS = {"accept", "content-type", "authorization"}


class DiffError(Exception):
    """The documents cannot be compared (for example a $ref that does not resolve)."""


@dataclass(frozen=True)
class Finding:
    rule: str
    method: str
    path: str
    detail: str

    @property
    def breaking(self) -> bool:
        return RULES[self.rule][0]

    def line(self) -> str:
        return f"[{self.rule}] {self.method} {self.path}: {self.detail}"


# --- documents and references ---------------------------------------------------------------


class _Doc:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise DiffError(f"only local $refs are supported (bundle the spec first): {ref}")
        node: Any = self.raw
        for token in ref[1:].split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            elif isinstance(node, dict) and key in node:
                node = node[key]
            else:
                raise DiffError(f"$ref does not resolve: {ref}")
        return node

    def deref(self, node: Any) -> tuple[Any, str | None]:
        """Follow a chain of $refs; return the target and the last ref followed."""
        last: str | None = None
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            if ref in seen:
                raise DiffError(f"$ref cycle without a schema in between: {ref}")
            seen.add(ref)
            last = ref
            node = self.pointer(ref)
        return node, last


def _ref_name(ref: str | None) -> str | None:
    return ref.rsplit("/", 1)[-1] if ref else None


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# --- schema normalisation -------------------------------------------------------------------


@dataclass
class _Schema:
    """What the comparison needs from a schema, with $ref, allOf and null spellings resolved."""

    types: frozenset[str] | None = None  # JSON types except "null"; None: no type constraint
    nullable: bool = False
    enum: dict[str, Any] | None = None  # canonical JSON -> value, without null
    properties: dict[str, Any] = field(default_factory=dict)  # raw property schemas
    required: set[str] = field(default_factory=set)
    additional: Any = None  # raw additionalProperties (None when absent)
    items: Any = None
    variants: list[Any] | None = None  # raw oneOf/anyOf branches other than {type: null}
    discriminator: str | None = None
    constraints: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False
    write_only: bool = False
    ref: str | None = None
    title: str | None = None


def _normalise(doc: _Doc, raw: Any, seen: frozenset[str] = frozenset()) -> _Schema:
    node, ref = doc.deref(raw)
    if ref is not None:
        if ref in seen:  # `A: allOf: [A, ...]`: nothing more to learn from the repeat
            return _Schema()
        seen = seen | {ref}
    if node is True or not isinstance(node, dict):
        return _Schema(ref=ref)
    out = _Schema(ref=ref, title=node.get("title"))

    declared = node.get("type")
    if isinstance(declared, str):
        declared = [declared]
    if isinstance(declared, list):
        out.types = frozenset(t for t in declared if t != "null")
        out.nullable = "null" in declared
    elif any(k in node for k in ("properties", "required", "additionalProperties")):
        out.types = frozenset({"object"})
    elif "items" in node:
        out.types = frozenset({"array"})
    if node.get("nullable") is True:  # OpenAPI 3.0
        out.nullable = True

    values: list[Any] | None = None
    if "const" in node:
        values = [node["const"]]
    elif isinstance(node.get("enum"), list):
        values = list(node["enum"])
    if values is not None:
        if any(v is None for v in values):
            out.nullable = True
        out.enum = {_canon(v): v for v in values if v is not None}

    out.properties = dict(node.get("properties") or {})
    out.required = set(node.get("required") or [])
    out.additional = node.get("additionalProperties")
    out.items = node.get("items")
    out.read_only = bool(node.get("readOnly"))
    out.write_only = bool(node.get("writeOnly"))
    out.constraints = {k: node[k] for k in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, *_EXACT) if k in node}
    if node.get("uniqueItems") is True:
        out.constraints["uniqueItems"] = True
    disc = node.get("discriminator")
    if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
        out.discriminator = disc["propertyName"]

    for sub in node.get("allOf") or []:
        _merge(out, _normalise(doc, sub, seen))

    for keyword in ("oneOf", "anyOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list) or out.variants is not None:
            continue
        kept = []
        null_branch = False
        for branch in branches:
            normalised = _normalise(doc, branch, seen)
            if normalised.types == frozenset() and normalised.nullable:
                null_branch = True
            else:
                kept.append(branch)
        if len(kept) == 1:
            single = _normalise(doc, kept[0], seen)
            if out.title is None and out.ref is None:
                out.ref = single.ref
            _merge(out, single)
        if null_branch:
            out.nullable = True  # `anyOf: [X, {type: null}]` is X or null
        if len(kept) > 1:
            # Keywords written next to oneOf apply to every branch (JSON Schema "and").
            base = {k: v for k, v in node.items() if k in ("properties", "required")}
            out.variants = [{"allOf": [base, b]} if base else b for b in kept]
            if out.discriminator is None:
                out.discriminator = _normalise(doc, kept[0], seen).discriminator
    return out


def _merge(into: _Schema, other: _Schema) -> None:
    """Fold `other` into `into` as `allOf` does: both must hold."""
    # A schema without a type constraint accepts null; allOf accepts null only if all parts do.
    into_null = into.nullable or into.types is None
    other_null = other.nullable or other.types is None
    if other.types is not None:
        into.types = other.types if into.types is None else into.types & other.types
    into.nullable = into_null and other_null
    if other.enum is not None:
        into.enum = (
            other.enum
            if into.enum is None
            else {k: v for k, v in into.enum.items() if k in other.enum}
        )
    for name, sub in other.properties.items():
        mine = into.properties.get(name)
        into.properties[name] = sub if mine is None else {"allOf": [mine, sub]}
    into.required |= other.required
    if other.additional is False or into.additional is None:
        into.additional = other.additional
    if into.items is None:
        into.items = other.items
    if into.variants is None:
        into.variants = other.variants
        into.discriminator = into.discriminator or other.discriminator
    for key, value in other.constraints.items():
        mine = into.constraints.get(key)
        if mine is None or key in _EXACT or key == "uniqueItems":
            into.constraints.setdefault(key, value)
        elif key in _LOWER_BOUNDS:
            into.constraints[key] = max(mine, value)
        else:
            into.constraints[key] = min(mine, value)
    into.read_only |= other.read_only
    into.write_only |= other.write_only
    into.title = into.title or other.title


# --- schema comparison ----------------------------------------------------------------------


@dataclass
class _Where:
    """Where a schema sits in an operation, and where its findings go."""

    method: str
    path: str
    direction: Direction
    label: str  # "request body", "response 200 body", "query parameter `limit`"
    out: list[Finding]
    root_type_rule: str | None = None
    # Field whose nullability the caller has already judged (the union around oneOf variants).
    nullability_judged: str | None = None

    def add(self, rule: str, fld: str, text: str) -> None:
        subject = f"{self.label} field `{fld}`" if fld else self.label
        self.out.append(Finding(rule, self.method, self.path, f"{subject} {text}"))


class _Comparer:
    def __init__(self, old: _Doc, new: _Doc) -> None:
        self.old = old
        self.new = new

    def schema(
        self,
        old_raw: Any,
        new_raw: Any,
        where: _Where,
        fld: str = "",
        stack: frozenset[tuple[str | None, str | None]] = frozenset(),
    ) -> None:
        _, old_ref = self.old.deref(old_raw)
        _, new_ref = self.new.deref(new_raw)
        if old_ref is not None or new_ref is not None:
            if (old_ref, new_ref) in stack or len(stack) > _MAX_DEPTH:
                return  # the same pair of recursive schemas is already being compared above
            stack = stack | {(old_ref, new_ref)}
        old = _normalise(self.old, old_raw)
        new = _normalise(self.new, new_raw)
        request = where.direction == "request"

        if old.variants is not None or new.variants is not None:
            self._nullability(old, new, where, fld, union=True)
            self._variants((old_raw, old), (new_raw, new), where, fld, stack)
            return

        if not self._types(old, new, where, fld):
            return  # unrelated types: field-by-field findings would only be noise
        self._nullability(old, new, where, fld)
        self._enum(old, new, where, fld)
        self._constraints(old, new, where, fld)

        skip = "read_only" if request else "write_only"
        for name in sorted(set(old.properties) | set(new.properties)):
            sub = f"{fld}.{name}" if fld else name
            in_old, in_new = name in old.properties, name in new.properties
            if in_old and getattr(_normalise(self.old, old.properties[name]), skip):
                continue
            if in_new and getattr(_normalise(self.new, new.properties[name]), skip):
                continue
            was_required, is_required = name in old.required, name in new.required
            if in_old and not in_new:
                where.add(f"{where.direction}-field-removed", sub, "removed")
            elif in_new and not in_old:
                if request and is_required:
                    where.add("request-field-added-required", sub, "added as required")
                else:
                    where.add(f"{where.direction}-field-added", sub, "added")
            else:
                if is_required and not was_required:
                    rule = f"{where.direction}-field-became-required"
                    where.add(rule, sub, "became required")
                elif was_required and not is_required:
                    rule = f"{where.direction}-field-no-longer-required"
                    where.add(rule, sub, "is no longer required")
                self.schema(old.properties[name], new.properties[name], where, sub, stack)

        if isinstance(old.additional, dict | bool) or isinstance(new.additional, dict | bool):
            self._additional(old, new, where, fld, stack)
        if old.items is not None and new.items is not None:
            self.schema(old.items, new.items, where, f"{fld}[]", stack)

    def _types(self, old: _Schema, new: _Schema, where: _Where, fld: str) -> bool:
        """Report type changes; False when the types have nothing in common."""
        if old.types == new.types:
            return True
        accepting, producing = (new, old) if where.direction == "request" else (old, new)
        shown = f"type {_types_text(old.types)} -> {_types_text(new.types)}"
        if _covers(accepting.types, producing.types):
            rule = f"{where.direction}-field-type-" + (
                "widened" if where.direction == "request" else "narrowed"
            )
            where.add(rule, fld, shown)
            return True
        rule = (
            where.root_type_rule
            if where.root_type_rule and not fld
            else f"{where.direction}-field-type-changed"
        )
        where.add(rule, fld, shown)
        if old.types is None or new.types is None:
            return True
        return bool(_expand(old.types) & _expand(new.types))

    def _nullability(
        self, old: _Schema, new: _Schema, where: _Where, fld: str, union: bool = False
    ) -> None:
        if old.nullable == new.nullable or where.nullability_judged == fld:
            return
        # An untyped schema accepts null anyway, unless it is a union of variants.
        if not union and (old.types is None or new.types is None):
            return
        change = "became-nullable" if new.nullable else "no-longer-nullable"
        rule = f"{where.direction}-field-{change}"
        if where.direction == "request":
            text = "now accepts null" if new.nullable else "no longer accepts null"
        else:
            text = "may now be null" if new.nullable else "is never null any more"
        where.add(rule, fld, text)

    def _enum(self, old: _Schema, new: _Schema, where: _Where, fld: str) -> None:
        d = where.direction
        if old.enum is not None and new.enum is not None:
            for key in old.enum.keys() - new.enum.keys():
                where.add(f"{d}-enum-value-removed", fld, f"enum value {key} removed")
            for key in new.enum.keys() - old.enum.keys():
                where.add(f"{d}-enum-value-added", fld, f"enum value {key} added")
        elif new.enum is not None:
            values = ", ".join(sorted(new.enum))
            where.add(f"{d}-constraint-tightened", fld, f"now restricted to the enum [{values}]")
        elif old.enum is not None:
            where.add(f"{d}-constraint-loosened", fld, "is no longer restricted to an enum")

    def _constraints(self, old: _Schema, new: _Schema, where: _Where, fld: str) -> None:
        for key in sorted(old.constraints.keys() | new.constraints.keys()):
            before, after = old.constraints.get(key), new.constraints.get(key)
            if before == after:
                continue
            if key in _LOWER_BOUNDS:
                tighter = after is not None and (before is None or after > before)
                looser = not tighter
            elif key in _UPPER_BOUNDS:
                tighter = after is not None and (before is None or after < before)
                looser = not tighter
            elif key == "uniqueItems":
                tighter, looser = bool(after), not after
            else:  # pattern, format, multipleOf: containment is not decided, so both
                tighter = after is not None
                looser = before is not None
            shown = f"{key} {_show(before)} -> {_show(after)}"
            if where.direction == "request":
                rule = "request-constraint-tightened" if tighter else "request-constraint-loosened"
            else:
                rule = "response-constraint-loosened" if looser else "response-constraint-tightened"
            where.add(rule, fld, shown)

    def _additional(
        self,
        old: _Schema,
        new: _Schema,
        where: _Where,
        fld: str,
        stack: frozenset[tuple[str | None, str | None]],
    ) -> None:
        sub = f"{fld}.*" if fld else "*"
        now_forbidden = new.additional is False and old.additional is not False
        if isinstance(old.additional, dict) and isinstance(new.additional, dict):
            self.schema(old.additional, new.additional, where, sub, stack)
        elif where.direction == "request" and now_forbidden:
            where.add("request-constraint-tightened", fld, "no longer accepts unknown properties")
        # On the response side, allowing extra properties is the "new fields" policy: info only,
        # and it has no finding of its own because every added field is already reported.

    def _variants(
        self,
        old_pair: tuple[Any, _Schema],
        new_pair: tuple[Any, _Schema],
        where: _Where,
        fld: str,
        stack: frozenset[tuple[str | None, str | None]],
    ) -> None:
        (old_raw, old), (new_raw, new) = old_pair, new_pair
        old_list = old.variants if old.variants is not None else [old_raw]
        new_list = new.variants if new.variants is not None else [new_raw]
        old_keys, new_keys, tagged = self._variant_keys(old, old_list, new, new_list)
        request = where.direction == "request"
        # The side whose every variant must still fit: what clients send (old requests) or
        # what the server may now return (new responses).
        must_fit, fits_into = ("old", "new") if request else ("new", "old")
        lists = {"old": (old_list, old_keys), "new": (new_list, new_keys)}
        sources, source_keys = lists[must_fit]
        targets, target_keys = lists[fits_into]
        matched_targets: set[int] = set()
        for index, variant in enumerate(sources):
            key = source_keys[index]
            label = f"{fld}({key})" if key else fld
            if key is not None and key in target_keys:
                candidates = [target_keys.index(key)]
            elif tagged:
                candidates = []  # a tag value that is gone is a variant that is gone
            else:
                # Names are weak evidence (components get renamed, unions collapse into one
                # schema): try every variant and keep the most compatible pairing.
                candidates = list(range(len(targets)))
            best: tuple[int, int, list[Finding]] | None = None
            for t in candidates:
                trial = replace(where, out=[], nullability_judged=label)
                pair = (variant, targets[t]) if request else (targets[t], variant)
                self.schema(pair[0], pair[1], trial, label, stack)
                breaks = sum(f.breaking for f in trial.out)
                if best is None or breaks < best[0]:
                    best = (breaks, t, trial.out)
            if best is None or (len(candidates) > 1 and best[0] > 0):
                shown = key or f"#{index + 1}"
                if request:
                    where.add("request-variant-removed", fld, f"variant {shown} removed")
                else:
                    where.add("response-variant-added", fld, f"variant {shown} added")
                continue
            matched_targets.add(best[1])
            where.out.extend(best[2])
        for index in range(len(targets)):
            if index not in matched_targets and len(targets) > 1:
                shown = target_keys[index] or f"#{index + 1}"
                if request:
                    where.add("request-variant-added", fld, f"variant {shown} added")
                else:
                    where.add("response-variant-removed", fld, f"variant {shown} removed")

    def _variant_keys(
        self, old: _Schema, old_list: list[Any], new: _Schema, new_list: list[Any]
    ) -> tuple[list[str | None], list[str | None], bool]:
        """Names for variants that stay the same across versions: tag value, else component name.

        The flag says whether the names are tag values (then a name that is gone is a variant
        that is gone).
        """
        old_tags = _tags(self.old, old_list)
        new_tags = _tags(self.new, new_list)
        common = set.intersection(*(set(t) for t in old_tags + new_tags)) if old_tags else set()
        tag: str | None = None
        if old.discriminator and old.discriminator in common:
            tag = old.discriminator
        elif common:
            tag = sorted(common)[0]

        def keys(doc: _Doc, variants: list[Any], tags: list[dict[str, str]]) -> list[str | None]:
            out: list[str | None] = []
            for variant, found in zip(variants, tags, strict=True):
                if tag is not None:
                    out.append(f"{tag}={found[tag]}")
                    continue
                normalised = _normalise(doc, variant)
                out.append(_ref_name(normalised.ref) or normalised.title)
            # A key two variants share identifies neither.
            return [k if k is not None and out.count(k) == 1 else None for k in out]

        old_keys, new_keys = keys(self.old, old_list, old_tags), keys(self.new, new_list, new_tags)
        return old_keys, new_keys, tag is not None


def _tags(doc: _Doc, variants: list[Any]) -> list[dict[str, str]]:
    """Per variant: properties whose schema allows exactly one value, with that value."""
    found: list[dict[str, str]] = []
    for variant in variants:
        schema = _normalise(doc, variant)
        tags = {}
        for name, sub in schema.properties.items():
            values = _normalise(doc, sub).enum
            if values is not None and len(values) == 1:
                (value,) = values.values()
                tags[name] = str(value)
        found.append(tags)
    return found


def _expand(types: frozenset[str]) -> frozenset[str]:
    return types | {"number"} if "integer" in types else types


def _covers(accepting: frozenset[str] | None, producing: frozenset[str] | None) -> bool:
    """Whether every value of a type in `producing` has a type in `accepting`."""
    if accepting is None:
        return True
    if producing is None:
        return False
    return all(t in accepting or (t == "integer" and "number" in accepting) for t in producing)


def _types_text(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types)) or "none"


def _show(value: Any) -> str:
    return "unset" if value is None else _canon(value)


# --- operations -----------------------------------------------------------------------------


@dataclass
class _Operation:
    method: str  # upper case
    path: str
    node: dict[str, Any]
    parameters: dict[tuple[str, str], dict[str, Any]]  # (in, name) -> resolved parameter
    path_names: list[str]


def _operations(doc: _Doc) -> dict[tuple[str, str], _Operation]:
    """Operations keyed by (METHOD, path template with parameter names erased)."""
    found: dict[tuple[str, str], _Operation] = {}
    for path, item_raw in (doc.raw.get("paths") or {}).items():
        item, _ = doc.deref(item_raw)
        if not isinstance(item, dict):
            continue
        shared = _parameters(doc, item.get("parameters"))
        for method in HTTP_METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            params = {**shared, **_parameters(doc, node.get("parameters"))}
            key = (method.upper(), _PATH_PARAM.sub("{}", path))
            found.setdefault(
                key, _Operation(method.upper(), path, node, params, _PATH_PARAM.findall(path))
            )
    return found


def _parameters(doc: _Doc, raw: Any) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for item in raw or []:
        param, _ = doc.deref(item)
        if not isinstance(param, dict) or "name" not in param or "in" not in param:
            continue
        location, name = str(param["in"]), str(param["name"])
        if location == "header":
            name = name.lower()  # HTTP header names are case-insensitive
            if name in _IGNORED_HEADERS:
                continue
        out[(location, name)] = param
    return out


def _param_schema(doc: _Doc, param: dict[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    for media in (param.get("content") or {}).values():
        resolved, _ = doc.deref(media)
        if isinstance(resolved, dict) and "schema" in resolved:
            return resolved["schema"]
    return {}


def _media_types(doc: _Doc, content: Any) -> dict[str, Any]:
    """Media type (lower case, parameters dropped) -> schema."""
    out: dict[str, Any] = {}
    for name, media_raw in (content or {}).items():
        media, _ = doc.deref(media_raw)
        key = name.split(";", 1)[0].strip().lower()
        out[key] = media.get("schema", {}) if isinstance(media, dict) else {}
    return out


def _is_success(status: str) -> bool:
    return status[:1] in ("1", "2", "3")


def _security(doc: _Doc, op: _Operation) -> list[dict[str, frozenset[str]]]:
    """Alternatives (OR) of requirements (AND of scheme -> scopes); [{}] is anonymous access."""
    raw = op.node["security"] if "security" in op.node else doc.raw.get("security")
    if not raw:
        return [{}]
    return [{name: frozenset(scopes or []) for name, scopes in alt.items()} for alt in raw]


def _satisfies(
    credentials: dict[str, frozenset[str]], requirement: dict[str, frozenset[str]]
) -> bool:
    """Whether a client that meets `credentials` also meets `requirement`."""
    return all(
        name in credentials and scopes <= credentials[name] for name, scopes in requirement.items()
    )


def _alt_text(alt: dict[str, frozenset[str]]) -> str:
    if not alt:
        return "anonymous"
    parts = [f"{n}[{','.join(sorted(s))}]" if s else n for n, s in sorted(alt.items())]
    return " + ".join(parts)


_SCHEME_KEYS = ("type", "scheme", "in", "name", "bearerFormat", "openIdConnectUrl")


def _scheme_identity(doc: _Doc, name: str) -> dict[str, str]:
    """What a client must know to present credentials for scheme `name` (empty: undefined)."""
    schemes = (doc.raw.get("components") or {}).get("securitySchemes") or {}
    if name not in schemes:
        return {}
    scheme, _ = doc.deref(schemes[name])
    ident: dict[str, Any] = {k: scheme.get(k) for k in _SCHEME_KEYS if k in scheme}
    if scheme.get("type") == "http" and isinstance(ident.get("scheme"), str):
        # RFC 7235: authentication scheme names are case-insensitive.
        ident["scheme"] = ident["scheme"].lower()
    if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
        ident["name"] = str(ident.get("name", "")).lower()
    for flow, spec in (scheme.get("flows") or {}).items():
        for key in ("tokenUrl", "authorizationUrl"):
            if key in spec:
                ident[f"flows.{flow}.{key}"] = spec[key]
    return {k: _canon(v) for k, v in ident.items()}


class _OperationDiff:
    def __init__(self, cmp: _Comparer, old: _Operation, new: _Operation) -> None:
        self.cmp = cmp
        self.old = old
        self.new = new
        self.out: list[Finding] = []

    def add(self, rule: str, detail: str) -> None:
        self.out.append(Finding(rule, self.new.method, self.new.path, detail))

    def where(self, direction: Direction, label: str, root_type_rule: str | None = None) -> _Where:
        return _Where(self.new.method, self.new.path, direction, label, self.out, root_type_rule)

    def run(self) -> list[Finding]:
        old, new = self.old.node, self.new.node
        if old.get("operationId") != new.get("operationId"):
            shown = f"operationId {old.get('operationId')} -> {new.get('operationId')}"
            self.add("operation-id-changed", shown)
        if new.get("deprecated") and not old.get("deprecated"):
            self.add("operation-deprecated", "marked deprecated")
        for key in ("summary", "description"):
            if old.get(key) != new.get(key):
                self.add("operation-documentation-changed", f"{key} changed")
        self._security()
        self._parameters()
        self._request_body()
        self._responses()
        return self.out

    def _security(self) -> None:
        old_doc, new_doc = self.cmp.old, self.cmp.new
        old_alts, new_alts = _security(old_doc, self.old), _security(new_doc, self.new)
        for alt in old_alts:
            if not any(_satisfies(alt, req) for req in new_alts):
                now = " or ".join(_alt_text(a) for a in new_alts)
                self.add(
                    "security-requirement-added",
                    f"credentials {_alt_text(alt)} are no longer enough; now requires {now}",
                )
        for alt in new_alts:
            if not any(_satisfies(alt, req) for req in old_alts):
                self.add("security-requirement-removed", f"now also accepts {_alt_text(alt)}")
        used = {name for alt in old_alts for name in alt} & {n for a in new_alts for n in a}
        for name in sorted(used):
            before, after = _scheme_identity(old_doc, name), _scheme_identity(new_doc, name)
            changed = [
                f"{k} {before.get(k, 'unset')} -> {after.get(k, 'unset')}"
                for k in sorted(before.keys() | after.keys())
                if before.get(k) != after.get(k)
            ]
            if changed:
                self.add(
                    "security-scheme-changed", f"security scheme `{name}`: {'; '.join(changed)}"
                )

    def _parameters(self) -> None:
        old_names, new_names = self.old.path_names, self.new.path_names
        for old_name, new_name in zip(old_names, new_names, strict=True):
            label = f"path parameter `{new_name}`"
            if old_name != new_name:
                self.add("path-parameter-renamed", f"path parameter `{old_name}` -> `{new_name}`")
            old_p = self.old.parameters.get(("path", old_name))
            new_p = self.new.parameters.get(("path", new_name))
            if old_p is not None and new_p is not None:
                self._parameter_schema(old_p, new_p, label)

        old_params = {k: v for k, v in self.old.parameters.items() if k[0] != "path"}
        new_params = {k: v for k, v in self.new.parameters.items() if k[0] != "path"}
        for key in sorted(old_params.keys() | new_params.keys()):
            before, after = old_params.get(key), new_params.get(key)
            shown = (after or before or {}).get("name")
            label = f"{key[0]} parameter `{shown}`"
            if after is None:
                self.add("request-parameter-removed", f"{label} removed")
            elif before is None:
                if after.get("required"):
                    self.add("request-parameter-added-required", f"{label} added as required")
                else:
                    self.add("request-parameter-added", f"{label} added")
            else:
                if after.get("required") and not before.get("required"):
                    self.add("request-parameter-became-required", f"{label} became required")
                elif before.get("required") and not after.get("required"):
                    rule = "request-parameter-no-longer-required"
                    self.add(rule, f"{label} is no longer required")
                self._parameter_schema(before, after, label)

    def _parameter_schema(self, before: dict[str, Any], after: dict[str, Any], label: str) -> None:
        for key in ("style", "explode"):
            if before.get(key) != after.get(key):
                self.add(
                    "request-parameter-serialization-changed",
                    f"{label} {key} {_show(before.get(key))} -> {_show(after.get(key))}",
                )
        where = self.where("request", label, root_type_rule="request-parameter-type-changed")
        self.cmp.schema(
            _param_schema(self.cmp.old, before), _param_schema(self.cmp.new, after), where
        )

    def _request_body(self) -> None:
        old_body = self.cmp.old.deref(self.old.node.get("requestBody"))[0]
        new_body = self.cmp.new.deref(self.new.node.get("requestBody"))[0]
        if not isinstance(old_body, dict) and not isinstance(new_body, dict):
            return
        if not isinstance(new_body, dict):
            self.add("request-body-removed", "request body removed")
            return
        if not isinstance(old_body, dict):
            if new_body.get("required"):
                self.add("request-body-added-required", "request body added as required")
            else:
                self.add("request-body-added", "optional request body added")
            return
        if new_body.get("required") and not old_body.get("required"):
            self.add("request-body-became-required", "request body became required")
        old_media = _media_types(self.cmp.old, old_body.get("content"))
        new_media = _media_types(self.cmp.new, new_body.get("content"))
        several = len(old_media) > 1 or len(new_media) > 1
        for media in sorted(old_media.keys() | new_media.keys()):
            if media not in new_media:
                self.add("request-media-type-removed", f"request body {media} no longer accepted")
            elif media not in old_media:
                self.add("request-media-type-added", f"request body {media} accepted")
            else:
                label = f"request body ({media})" if several else "request body"
                self.cmp.schema(old_media[media], new_media[media], self.where("request", label))

    def _responses(self) -> None:
        old_responses = self.old.node.get("responses") or {}
        new_responses = self.new.node.get("responses") or {}
        for status in sorted(set(old_responses) | set(new_responses)):
            key = str(status)
            if status not in new_responses:
                if _is_success(key):
                    self.add("response-status-removed", f"response {key} removed")
                else:
                    self.add("response-error-status-removed", f"response {key} removed")
                continue
            if status not in old_responses:
                if _is_success(key):
                    self.add("response-success-status-added", f"response {key} added")
                else:
                    self.add("response-error-status-added", f"response {key} added")
                continue
            before = self.cmp.old.deref(old_responses[status])[0]
            after = self.cmp.new.deref(new_responses[status])[0]
            self._response(key, before, after)

    def _response(self, status: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        old_media = _media_types(self.cmp.old, before.get("content"))
        new_media = _media_types(self.cmp.new, after.get("content"))
        if old_media and not new_media:
            self.add("response-body-removed", f"response {status} no longer has a body")
        elif new_media and not old_media:
            self.add("response-body-added", f"response {status} now has a body")
        else:
            several = len(old_media) > 1 or len(new_media) > 1
            for media in sorted(old_media.keys() | new_media.keys()):
                if media not in new_media:
                    self.add("response-media-type-removed", f"response {status} {media} removed")
                elif media not in old_media:
                    self.add("response-media-type-added", f"response {status} {media} added")
                else:
                    label = f"response {status} body" + (f" ({media})" if several else "")
                    where = self.where("response", label)
                    self.cmp.schema(old_media[media], new_media[media], where)

        # Header names are case-insensitive: match on lower case, show the new spelling.
        before_headers, after_headers = before.get("headers") or {}, after.get("headers") or {}
        old_headers = {k.lower(): v for k, v in before_headers.items()}
        new_headers = {k.lower(): v for k, v in after_headers.items()}
        shown = {k.lower(): k for k in [*before_headers, *after_headers]}
        for name in sorted(old_headers.keys() | new_headers.keys()):
            label = f"response {status} header `{shown[name]}`"
            old_h = self.cmp.old.deref(old_headers[name])[0] if name in old_headers else None
            new_h = self.cmp.new.deref(new_headers[name])[0] if name in new_headers else None
            if new_h is None:
                if old_h is not None and old_h.get("required"):
                    self.add("response-header-removed", f"{label} removed")
                continue
            if old_h is None:
                self.add("response-header-added", f"{label} added")
                continue
            if old_h.get("required") and not new_h.get("required"):
                self.add("response-header-no-longer-required", f"{label} is no longer required")
            self.cmp.schema(
                _param_schema(self.cmp.old, old_h),
                _param_schema(self.cmp.new, new_h),
                self.where("response", label),
            )


# --- entry points ---------------------------------------------------------------------------

_METHOD_ORDER = {m.upper(): i for i, m in enumerate(HTTP_METHODS)}


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    """All findings between two documents, in a stable order (path, method, rule, detail)."""
    old_doc, new_doc = _Doc(old), _Doc(new)
    cmp = _Comparer(old_doc, new_doc)
    old_ops, new_ops = _operations(old_doc), _operations(new_doc)
    findings: list[Finding] = []
    for key in old_ops.keys() - new_ops.keys():
        op = old_ops[key]
        findings.append(Finding("operation-removed", op.method, op.path, "operation removed"))
    for key in new_ops.keys() - old_ops.keys():
        op = new_ops[key]
        findings.append(Finding("operation-added", op.method, op.path, "operation added"))
    for key in old_ops.keys() & new_ops.keys():
        findings.extend(_OperationDiff(cmp, old_ops[key], new_ops[key]).run())
    return sorted(set(findings), key=_order)


def _order(f: Finding) -> tuple[str, int, str, str]:
    return (f.path, _METHOD_ORDER.get(f.method, 99), f.rule, f.detail)


def breaking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.breaking]


def major(version: Any) -> int | None:
    """Major number of a semver-like `info.version` ("2.1.0", "v2"), None when unreadable."""
    match = re.match(r"\s*v?(\d+)", str(version or ""))
    return int(match.group(1)) if match else None


def version(doc: dict[str, Any]) -> str:
    return str((doc.get("info") or {}).get("version", ""))


def iter_rules() -> Iterator[tuple[str, bool, str]]:
    for rule, (is_breaking, meaning) in RULES.items():
        yield rule, is_breaking, meaning
