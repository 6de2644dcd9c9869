"""Project checks that schemathesis's built-ins cannot express: state that a response claims.

- `update_persisted`: after a 2xx update, reading the resource back gives what the update returned.
  (A PUT that answers 200 without writing passes every schema check; only a read-back shows it.)
- `pagination_consistent`: a page's length agrees with `limit`, `offset` and `total`, and the items
  `total` promises exist (probed at offset total-1 and total).
- `create_persisted`: after a 2xx POST, the first GET its response links to (spec `links`) finds the
  new resource. Schemathesis's own `ensure_resource_availability` never fires on this spec: it
  requires every parameter of the follow-up to come from the link, and it counts the two
  alternative credential headers (Basic and OAuth) as parameters a link cannot supply.
- `delete_persisted`: after a 2xx DELETE, the resource is gone (404 on its GET), or, where only a
  collection lists it, absent from the collection or listed as inactive.

- `other_org_denied`: a read by id that succeeds for this org fails for another org's identity.

All five run only on schemas `conformance.hooks.activate` handled, and send their follow-up
requests with the same credentials as the case they check. Those requests are recorded as children
of the case, so they appear in the cassette next to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeGuard

import schemathesis

from conformance import links
from conformance.credentials import BASIC_HEADER, TOKEN_HEADER

if TYPE_CHECKING:
    from schemathesis import CheckContext, Response

    from conformance._typing import AnyCase, AnyOperation

# Where an update's result can be read back, when it is not a GET on the same path.
READ_BACK: dict[str, str] = {
    "updateTargetGroup": "getTargetGroup",
    "updateTarget": "listTargets",
    "updateUnifiedTargets": "getTargetGroup",
}


def _is_active(case: AnyCase) -> bool:
    # Imported late: hooks imports this module to register the checks.
    from conformance import hooks  # noqa: PLC0415

    return hooks.is_active(case.operation.schema)


def _json(response: Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _is_negative(case: AnyCase) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_negative


def _send(
    ctx: CheckContext,
    parent: AnyCase,
    operation: AnyOperation,
    path_parameters: dict[str, Any],
    query: dict[str, Any] | None = None,
    *,
    credentials: dict[str, str] | None = None,
) -> Response:
    """Send a follow-up GET, recorded as the parent's child.

    It carries the parent's credentials, or `credentials` (another identity's header) instead.
    """
    names = (BASIC_HEADER, TOKEN_HEADER)
    headers = {name: parent.headers[name] for name in names if name in parent.headers}
    if credentials is not None:
        headers = dict(credentials)
    probe = operation.Case(path_parameters=path_parameters, query=query or {}, headers=headers)
    # The check API exposes no public way to send a request; these are the calls schemathesis's own
    # follow-up checks make, which keeps the run's transport (base URL, TLS, ASGI app) and recorder.
    kwargs = dict(ctx.internals.transport_kwargs or {})
    kwargs.pop("headers", None)
    if operation.app is not None:
        kwargs.setdefault("app", operation.app)
    ctx.internals.record_case(parent_id=parent.id, case=probe)
    response: Response = operation.schema.transport.send(probe, **kwargs)
    ctx.internals.record_response(case_id=probe.id, response=response)
    return response


# --- update_persisted ----------------------------------------------------------------------------


def _read_operation(operation: AnyOperation) -> AnyOperation | None:
    schema = operation.schema
    target = READ_BACK.get(links.operation_id(operation))
    try:
        if target is not None:
            found: AnyOperation = schema.find_operation_by_id(target)
            return found
        same_path: AnyOperation | None = schema.find_operation_by_label(f"GET {operation.path}")
        return same_path
    except LookupError:
        return None


def _objects_with_id(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and "id" in data:
        return [data]
    if isinstance(data, list):
        return [item for item in data if isinstance(item, dict) and "id" in item]
    return []


def _candidates(data: Any) -> Iterator[dict[str, Any]]:
    """Objects with an id in a read: the data itself, list items, and one level of nested lists."""
    for item in _objects_with_id(data):
        yield item
        for value in item.values():
            yield from _objects_with_id(value) if isinstance(value, list) else ()


def _find(read: Any, claimed: dict[str, Any]) -> dict[str, Any] | None:
    for candidate in _candidates(read):
        # Same id and same shape: ids of different resource kinds may coincide.
        if candidate.get("id") == claimed["id"] and candidate.keys() == claimed.keys():
            return candidate
    return None


def _diff(claimed: dict[str, Any], stored: dict[str, Any]) -> str:
    lines = []
    for key in sorted(claimed):
        if claimed[key] != stored.get(key):
            got, kept = json.dumps(claimed[key])[:80], json.dumps(stored.get(key))[:80]
            lines.append(f"  {key}: update returned {got}, read-back has {kept}")
    return "\n".join(lines[:10])


@schemathesis.check
def update_persisted(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """A successful PUT's result is what a later read of the same resource returns."""
    if case.method.upper() != "PUT" or not 200 <= response.status_code < 300:
        return None
    if not _is_active(case):
        return None
    body = _json(response)
    claimed = _objects_with_id(body.get("data") if isinstance(body, dict) else None)
    read_op = _read_operation(case.operation)
    if not claimed or read_op is None:
        return None
    names = {parameter.name for parameter in read_op.path_parameters}
    path_parameters = {k: v for k, v in (case.path_parameters or {}).items() if k in names}
    read = _send(ctx, case, read_op, path_parameters)
    if read.status_code != 200:
        # A concurrent delete from another worker would look the same: inconclusive, not a failure.
        return None
    read_body = _json(read)
    read_data = read_body.get("data") if isinstance(read_body, dict) else None
    for item in claimed:
        stored = _find(read_data, item)
        if stored is not None and stored != item:
            raise AssertionError(
                f"Update not persisted: {case.method} {case.formatted_path} answered "
                f"{response.status_code}, but {read_op.label} returns different values for "
                f"id {item['id']}:\n{_diff(item, stored)}"
            )
    return None


# --- create_persisted ----------------------------------------------------------------------------


@schemathesis.check
def create_persisted(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """A 2xx POST's new resource can be read through the first GET its response links to."""
    if case.method.upper() != "POST" or not 200 <= response.status_code < 300:
        return None
    if not _is_active(case):
        return None
    body = _json(response)
    schema = case.operation.schema
    for link in links.response_links(case.operation, response.status_code):
        try:
            target: AnyOperation = schema.find_operation_by_id(link.operation_id)
        except LookupError:
            continue
        if target.method.upper() != "GET":
            continue
        values = links.path_values(link, target, case, body)
        if values is None:
            continue
        read = _send(ctx, case, target, values)
        if read.status_code == 404:
            raise AssertionError(
                f"Created resource not found: {case.method} {case.formatted_path} answered "
                f"{response.status_code}, then {target.label} with "
                f"{dict(sorted(values.items()))} answered 404"
            )
        return None
    return None


# --- delete_persisted ----------------------------------------------------------------------------


def _collection_operation(operation: AnyOperation) -> AnyOperation | None:
    """The GET on the path one level up (`/items/{id}` -> `/items`), if the spec has one."""
    parent = operation.path.rsplit("/", 1)[0]
    if not parent or parent == operation.path:
        return None
    try:
        found: AnyOperation | None = operation.schema.find_operation_by_label(f"GET {parent}")
    except LookupError:
        return None
    return found


@schemathesis.check
def delete_persisted(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """After a 2xx DELETE the resource is gone: a read of it answers 404 (or 410).

    Where the spec has no GET on the same path, the collection one level up is read instead, and
    the resource must be absent from it or listed with `active: false` (a deactivation).
    """
    if case.method.upper() != "DELETE" or not 200 <= response.status_code < 300:
        return None
    if not _is_active(case) or not case.path_parameters:
        return None
    operation, schema = case.operation, case.operation.schema
    try:
        same_path: AnyOperation | None = schema.find_operation_by_label(f"GET {operation.path}")
    except LookupError:
        same_path = None
    if same_path is not None:
        read = _send(ctx, case, same_path, dict(case.path_parameters))
        # Only a success proves the resource is still there; a 401 (an expired token) or a 5xx
        # says nothing about the delete, and other checks judge those answers.
        if 200 <= read.status_code < 300:
            raise AssertionError(
                f"Deleted resource still readable: {case.method} {case.formatted_path} answered "
                f"{response.status_code}, then {same_path.label} answered {read.status_code} "
                "(expected 404 or 410)"
            )
        return None
    collection = _collection_operation(operation)
    if collection is None:
        return None
    names = {parameter.name for parameter in collection.path_parameters}
    own = [parameter.name for parameter in operation.path_parameters if parameter.name not in names]
    if len(own) != 1:
        return None
    deleted = case.path_parameters.get(own[0])
    parents = {k: v for k, v in case.path_parameters.items() if k in names}
    read = _send(ctx, case, collection, parents)
    if read.status_code != 200:
        return None  # the parent itself is gone or unreadable: nothing to compare
    listed = _json(read)
    data = listed.get("data") if isinstance(listed, dict) else None
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and str(item.get("id")) == str(deleted):
            if item.get("active") is False:
                return None
            raise AssertionError(
                f"Deleted resource still active: {case.method} {case.formatted_path} answered "
                f"{response.status_code}, then {collection.label} still lists id {deleted} "
                f"with active={json.dumps(item.get('active'))} (expected absent or false)"
            )
    return None


# --- other_org_denied -----------------------------------------------------------------------------


@schemathesis.check
def other_org_denied(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """What one org reads by id, another org cannot: the same GET as the peer must not be a 2xx.

    Schemathesis's `object_level_authorization` replays reads as the peer too, but only along the
    stateful phase's chains; this check replays every successful read by id, in every phase.
    """
    if case.method.upper() != "GET" or not 200 <= response.status_code < 300:
        return None
    if not _is_active(case) or not case.path_parameters or _is_negative(case):
        return None
    from conformance import hooks  # noqa: PLC0415

    credentials = hooks.peer_headers(case.operation)
    if credentials is None:
        return None
    read = _send(
        ctx,
        case,
        case.operation,
        dict(case.path_parameters),
        dict(case.query or {}),
        credentials=credentials,
    )
    if 200 <= read.status_code < 300:
        raise AssertionError(
            f"Another org read this org's resource: {case.method} {case.formatted_path} "
            f"answered {response.status_code} to this org, and {read.status_code} to the other "
            "org's credentials (expected 403 or 404)"
        )
    return None


# --- pagination_consistent -----------------------------------------------------------------------


def _page(body: Any) -> tuple[list[Any], int, int, int] | None:
    if not isinstance(body, dict):
        return None
    data, pagination = body.get("data"), body.get("pagination")
    if not isinstance(data, list) or not isinstance(pagination, dict):
        return None
    limit, offset, total = (pagination.get(name) for name in ("limit", "offset", "total"))
    if not (_is_int(limit) and _is_int(offset) and _is_int(total)):
        return None  # wrong types are response_schema_conformance's to report
    return data, limit, offset, total


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _maximum(operation: AnyOperation, name: str) -> int | None:
    for parameter in operation.query:
        if parameter.name == name:
            schema = parameter.definition.get("schema", {})
            maximum = schema.get("maximum")
            return maximum if _is_int(maximum) else None
    return None


def _expected_length(limit: int, offset: int, total: int) -> int:
    return max(0, min(limit, total - offset))


@schemathesis.check
def pagination_consistent(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    """`pagination.total` and the page agree, and the last item `total` promises exists."""
    if not 200 <= response.status_code < 300 or not _is_active(case):
        return None
    page = _page(_json(response))
    if page is None:
        return None
    data, limit, offset, total = page
    expected = _expected_length(limit, offset, total)
    if len(data) != expected:
        raise AssertionError(
            f"Page length disagrees with pagination: limit={limit}, offset={offset}, "
            f"total={total} means {expected} item(s), the page has {len(data)}"
        )
    if case.method.upper() != "GET" or _is_negative(case) or total == 0:
        return None
    declared = {parameter.name for parameter in case.operation.query}
    max_offset = _maximum(case.operation, "offset")
    if not {"limit", "offset"} <= declared or (max_offset is not None and total > max_offset):
        return None
    query = dict(case.query or {})
    probes = {}
    for probe_offset in (total - 1, total):
        probe = _send(
            ctx,
            case,
            case.operation,
            dict(case.path_parameters or {}),
            {**query, "limit": 1, "offset": probe_offset},
        )
        probes[probe_offset] = _page(_json(probe)) if probe.status_code == 200 else None
    last, beyond = probes[total - 1], probes[total]
    if last is None or beyond is None or last[3] != total or beyond[3] != total:
        # The data changed between requests (another worker wrote): inconclusive.
        return None
    if len(last[0]) != 1 or beyond[0]:
        raise AssertionError(
            f"pagination.total={total} is wrong: offset={total - 1}&limit=1 returned "
            f"{len(last[0])} item(s) (expected 1) and offset={total}&limit=1 returned "
            f"{len(beyond[0])} (expected 0)"
        )
    return None
