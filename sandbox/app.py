"""The ASGI app: one Starlette Route per spec path, each dispatching to its operations' handlers.

Every request goes through the same steps, in this order: route (404/405), credentials (401/403),
parameters (400), body size and type (413/415), body schema (400), then the handler: reads on the
reader connection, writes in their own savepoint of a group commit (sandbox/commits.py).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, compile_path
from starlette.types import Scope

from sandbox.auth import TOKEN_HEADER, Authenticator
from sandbox.clock import Clock, system_clock
from sandbox.commits import GroupCommit
from sandbox.context import Context, Reply
from sandbox.errors import ApiError, bad_request, dumps, envelope, error_body
from sandbox.handlers import HANDLERS, Handler
from sandbox.models import adapter_for
from sandbox.openapi import (
    BUNDLE_JSON,
    BUNDLE_YAML,
    REPO_ROOT,
    SANDBOX_SPEC,
    Operation,
    build_operations,
    load_document,
)
from sandbox.resources.materialized import check_version, materialize
from sandbox.seed import ensure_seeded
from sandbox.store import Store
from sandbox.validation import validate_body, validate_params

log = logging.getLogger("sandbox")
JSON = "application/json"
REQUEST_ID = "X-Cap-Requestid"
DOCS_INDEX = REPO_ROOT / "site" / "index.html"


@dataclass(slots=True)
class Settings:
    db: str = "sandbox.db"
    token_ttl_seconds: int = 3600
    max_body_bytes: int = 1_048_576
    bundle_json: Path = BUNDLE_JSON
    bundle_yaml: Path = BUNDLE_YAML
    sandbox_spec: Path = SANDBOX_SPEC
    docs_index: Path = DOCS_INDEX
    # Epoch ms now: the machine's clock, or any other (`--now`, a test's controllable clock).
    clock: Clock = system_clock


def request_id() -> str:
    return uuid.uuid4().hex


def json_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    all_headers = {REQUEST_ID: request_id()}
    if headers:
        all_headers.update(headers)
    return Response(body, status_code=status, media_type=JSON, headers=all_headers)


def error_response(error: ApiError) -> Response:
    return json_response(error.status, error_body(error), error.headers)


class SpecRoute(Route):
    """A Route that steps aside when a route with a literal segment in its place matches.

    `/v3/targetGroups/channels` must win over `/v3/targetGroups/{targetGroupId}` for every method,
    so `DELETE /v3/targetGroups/channels` is a 405 (wrong method), not a 400 (bad id).
    """

    shadowed_by: list[re.Pattern[str]]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and any(p.match(scope["path"]) for p in self.shadowed_by):
            return Match.NONE, {}
        return match, child


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def _shadows(literal: str, templated: str) -> bool:
    a, b = _segments(literal), _segments(templated)
    if len(a) != len(b) or literal == templated:
        return False
    overrides = False
    for x, y in zip(a, b, strict=True):
        x_param, y_param = x.startswith("{"), y.startswith("{")
        if x_param and not y_param:
            return False
        if not x_param and not y_param and x != y:
            return False
        overrides = overrides or (not x_param and y_param)
    return overrides


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"Request body too large: the limit is {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"Request body too large: the limit is {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class Dispatcher:
    def __init__(
        self,
        store: Store,
        auth: Authenticator,
        settings: Settings,
        adapters: dict[str, TypeAdapter[Any]],
    ) -> None:
        self.store = store
        self.auth = auth
        self.settings = settings
        self.adapters = adapters
        self.commits = GroupCommit(store.db)

    def endpoint(self, table: dict[str, tuple[Operation, Handler | None]]) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            operation, handler = table[request.method]
            try:
                return await self._run(request, operation, handler)
            except ApiError as error:
                return error_response(error)
            except OverflowError:
                # A schema-valid integer beyond SQLite's 64-bit range (a body id such as
                # 2**63): it cannot name any stored resource.
                return error_response(ApiError(404, "No resource has that id"))
            except Exception:
                # The client gets the envelope and the request id; the traceback stays in the log.
                log.exception("unhandled error in %s", operation.operation_id)
                return error_response(ApiError(500, "Internal error"))

        return endpoint

    async def _run(
        self, request: Request, operation: Operation, handler: Handler | None
    ) -> Response:
        headers = request.headers
        principal = None
        if operation.secured:
            principal = self.auth.authenticate(
                headers.get("authorization"), headers.get(TOKEN_HEADER)
            )
            if principal.read_only and operation.method != "GET":
                raise ApiError(403, "This credential has read-only access")
        path, query, header_values = validate_params(
            operation, request.path_params, request.query_params.getlist, headers
        )
        raw = b""
        if operation.body_validator is not None:
            raw = await read_body(request, self.settings.max_body_bytes)
        body = validate_body(operation, headers.get("content-type"), raw)
        if handler is None:
            raise ApiError(501, f"{operation.operation_id} is not implemented by the sandbox")
        reading = operation.method == "GET"
        db = self.store.reader if reading else self.store.db
        ctx = Context(
            self.store,
            db,
            self.auth,
            principal,
            path,
            query,
            header_values,
            body,
            now=self.settings.clock(),
        )
        adapter = self.adapters.get(operation.operation_id)
        if adapter is not None and body is not None:
            try:
                # Wire names only: the models also accept their Python names, so an unknown
                # member spelt like one (`enrolment_method`) would be read as that field.
                ctx.model = adapter.validate_python(body, by_alias=True, by_name=False)
            except ValidationError as exc:
                log.error("generated model rejects a spec-valid body: %s", exc)
                raise bad_request(f"Invalid request body: {exc.errors()[0]['msg']}") from None
        if reading:
            result = handler(ctx)
        else:

            def write(writer: sqlite3.Connection) -> Any:
                outcome = handler(ctx)
                for group_id in ctx.touched:
                    materialize(writer, group_id, now=ctx.now)
                return outcome

            result = await self.commits.run(write)
        if isinstance(result, Reply):
            raw_body = result.body if isinstance(result.body, bytes) else dumps(result.body)
            return json_response(result.status, raw_body)
        return json_response(200, dumps(envelope(result)))


def _file_route(path: str, file: Path, media_type: str, missing: str) -> Route:
    async def serve(request: Request) -> Response:
        if not file.is_file():
            return error_response(ApiError(404, missing))
        return Response(
            file.read_bytes(), media_type=media_type, headers={REQUEST_ID: request_id()}
        )

    return Route(path, serve, methods=["GET"])


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = sorted(m.strip() for m in (exc.headers or {}).get("Allow", "").split(","))
        return error_response(
            ApiError(
                405, f"Method {request.method} not allowed", headers={"Allow": ", ".join(allowed)}
            )
        )
    if exc.status_code == 404:
        return error_response(ApiError(404, f"No operation at {request.url.path}"))
    return error_response(ApiError(exc.status_code, str(exc.detail)))


def build_routes(operations: Iterable[Operation], dispatcher: Dispatcher) -> list[BaseRoute]:
    by_path: dict[str, dict[str, tuple[Operation, Handler | None]]] = {}
    for operation in operations:
        handler = HANDLERS.get(operation.operation_id)
        by_path.setdefault(operation.path, {})[operation.method] = (operation, handler)
    routes: list[BaseRoute] = []
    for path, table in by_path.items():
        route = SpecRoute(path, dispatcher.endpoint(table), methods=list(table))
        # Exactly the spec's methods: Starlette would add HEAD to GET, which the spec does not list.
        route.methods = set(table)
        route.shadowed_by = [compile_path(other)[0] for other in by_path if _shadows(other, path)]
        routes.append(route)
    return routes


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    store = store or Store(settings.db)
    ensure_seeded(store, now=settings.clock())
    with store.transaction() as db:
        check_version(db)
    auth = Authenticator(store, settings.token_ttl_seconds, settings.clock)
    bundle = load_document(settings.bundle_json)
    sandbox_doc = load_document(settings.sandbox_spec)
    operations = build_operations(bundle) + build_operations(sandbox_doc)
    adapters = {op.operation_id: a for op in operations if (a := adapter_for(op)) is not None}
    dispatcher = Dispatcher(store, auth, settings, adapters)
    routes = build_routes(operations, dispatcher)
    routes += [
        _file_route(
            "/openapi.yaml",
            settings.bundle_yaml,
            "application/yaml",
            "Bundle not built: run make bundle",
        ),
        _file_route(
            "/openapi.json", settings.bundle_json, JSON, "Bundle not built: run make bundle"
        ),
        _file_route(
            "/sandbox/openapi.yaml",
            settings.sandbox_spec,
            "application/yaml",
            "Sandbox spec missing",
        ),
        _file_route(
            "/docs",
            settings.docs_index,
            "text/html; charset=utf-8",
            "Docs not built: run make docs",
        ),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_exception})
    # A trailing slash is a different (unknown) path, not a redirect: the spec lists exact paths.
    app.router.redirect_slashes = False
    app.state.store = store
    app.state.operations = operations
    return app
