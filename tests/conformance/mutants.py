"""Faulty variants of the sandbox, for mutation testing of the conformance fuzz run.

Each mutant plants one class of defect around the real sandbox: most wrap its ASGI app in a small
middleware; the persistence defects wrap one of its handlers so that its writes are rolled back.
Both are applied from the tests (or the test-only mutant_server.py launcher); the product code has
no fault switches. A mutant names the checks expected to catch it (any failure counts as a kill;
the expected check documents why it should be caught). Mutants are fuzzed with the default run,
all operations and all phases, as a user runs `make fuzz`: a defect that only a run focused on its
operations finds is a defect the default run misses.

Used in-process by test_mutants.py and over HTTP (through mutant_server.py) by
bench/bench_conformance.py.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sandbox import seed
from sandbox.handlers import HANDLERS

ASGIApp = Callable[..., Awaitable[None]]
BUNDLE = Path(__file__).resolve().parents[2] / "generated" / "openapi.json"


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: str
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str | None:
        key = name.lower().encode()
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == key), None)

    def with_header(self, name: str, value: str | None) -> Request:
        key = name.lower().encode()
        kept = [(k, v) for k, v in self.headers if k.lower() != key]
        if value is not None:
            kept.append((key, value.encode("latin-1")))
        return replace(self, headers=kept)


@dataclass(slots=True)
class Reply:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def with_json(self, document: Any) -> Reply:
        return replace(self, body=json.dumps(document).encode())

    def with_header(self, name: str, value: str | None) -> Reply:
        key = name.lower().encode()
        kept = [(k, v) for k, v in self.headers if k.lower() != key]
        if value is not None:
            kept.append((key, value.encode("latin-1")))
        return replace(self, headers=kept)


Forward = Callable[[Request], Awaitable[Reply]]
Handler = Callable[[Request, Forward], Awaitable[Reply]]


async def call(app: ASGIApp, request: Request) -> Reply:
    """Run one request through an ASGI app and collect the whole response."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.query.encode(),
        "root_path": "",
        "headers": request.headers,
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 80),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    reply = Reply(500, [], b"")
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            reply.status = message["status"]
            reply.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    reply.body = b"".join(chunks)
    return reply


def intercept(app: ASGIApp, method: str, path: str, handler: Handler) -> ASGIApp:
    """Route `method path` (a regex over the URL path) through `handler`; the rest is untouched."""
    pattern = re.compile(f"^{path}$")

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != method or not pattern.match(scope["path"]):
            await app(scope, receive, send)
            return
        chunks = []
        for _ in range(100_000):  # bounded: a body of at most 100k chunks
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        request = Request(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            list(scope.get("headers", [])),
            b"".join(chunks),
        )

        async def forward(inner: Request) -> Reply:
            return await call(app, inner)

        reply = await handler(request, forward)
        headers = [(k, v) for k, v in reply.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(reply.body)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})

    return wrapped


def _error(status: int, message: str) -> Reply:
    body = {"data": None, "errors": [{"code": status, "message": message}], "warnings": None}
    headers = [(b"content-type", b"application/json"), (b"x-cap-requestid", b"mutant")]
    return Reply(status, headers, json.dumps(body).encode())


# A target group by id; `channels` and `isValidName` are other operations on the same prefix.
GROUP = r"/v3/targetGroups/(?!channels$|isValidName$)[^/]+"


# --- the defects ---------------------------------------------------------------------------------


@functools.cache
def limit_maximum() -> int:
    """The documented maximum page size of listMilestones, read from the bundle."""
    spec = json.loads(BUNDLE.read_text(encoding="utf-8"))
    parameter = spec["components"]["parameters"]["Limit"]
    maximum = parameter["schema"]["maximum"]
    assert isinstance(maximum, int)
    return maximum


async def server_error_on_max_limit(request: Request, forward: Forward) -> Reply:
    # An edge input the spec allows: the largest page size.
    if dict(parse_qsl(request.query)).get("limit") == str(limit_maximum()):
        return _error(500, "Internal error")
    return await forward(request)


async def drop_required_name(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    if reply.status == 200:
        document = reply.json()
        document["data"].pop("name", None)
        return reply.with_json(document)
    return reply


async def id_as_string(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    if reply.status == 200:
        document = reply.json()
        for group in document["data"]:
            group["id"] = str(group["id"])
        return reply.with_json(document)
    return reply


async def text_content_type(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    return reply.with_header("content-type", "text/plain; charset=utf-8")


async def undocumented_202(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    return replace(reply, status=202) if reply.status == 200 else reply


async def clamp_limit(request: Request, forward: Forward) -> Reply:
    # Accepts an out-of-range page size by silently clamping it, instead of a 400.
    query = parse_qsl(request.query, keep_blank_values=True)
    fixed = []
    for key, value in query:
        clamped = value
        if key == "limit" and value.lstrip("-").isdigit():
            clamped = str(min(max(int(value), 1), limit_maximum()))
        fixed.append((key, clamped))
    return await forward(replace(request, query=urlencode(fixed)))


async def ignore_auth(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    if reply.status == 401:
        # Serves the demo org's data to anyone whose credentials were missing or wrong.
        trusted = request.with_header("x-cap-api-oauth-token", None)
        return await forward(trusted.with_header("authorization", seed.DEMO.basic_header))
    return reply


async def read_any_org(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    if reply.status != 404:
        return reply
    # Broken org scoping: an id unknown in the caller's org is looked up in the other org too.
    for credential in (seed.DEMO, seed.OTHER):
        other = request.with_header("x-cap-api-oauth-token", None)
        other_reply = await forward(other.with_header("authorization", credential.basic_header))
        if other_reply.status == 200:
            return other_reply
    return reply


async def total_off_by_one(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    if reply.status == 200:
        document = reply.json()
        document["pagination"]["total"] += 1
        return reply.with_json(document)
    return reply


async def unknown_tracking_type(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    if reply.status == 200:
        document = reply.json()
        document["data"]["trackingType"] = "WEEKLY_STREAKS"
        return reply.with_json(document)
    return reply


async def drop_request_id(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    return reply.with_header("x-cap-requestid", None)


async def method_not_allowed_without_allow(request: Request, forward: Forward) -> Reply:
    reply = await forward(request)
    return reply.with_header("allow", None) if reply.status == 405 else reply


# --- handler-level defects: the sandbox's own handler runs, then its writes are undone ---------

SandboxHandler = Callable[[Any], Any]
HandlerPatch = Callable[[SandboxHandler], SandboxHandler]


def writes_rolled_back(original: SandboxHandler) -> SandboxHandler:
    """The handler validates, answers as usual, and nothing it wrote is kept.

    A savepoint inside the sandbox's per-request transaction is rolled back after the handler,
    so the answer is the real one (ids, attribution, 404 for unknown ids) but the write is gone.
    """

    def handler(ctx: Any) -> Any:
        db = ctx.store.db
        touched = set(ctx.touched)
        db.execute("SAVEPOINT mutant_undo")
        try:
            return original(ctx)
        finally:
            db.execute("ROLLBACK TO mutant_undo")
            db.execute("RELEASE mutant_undo")
            # Nothing changed, so nothing is re-rendered.
            ctx.touched.intersection_update(touched)

    return handler


@contextlib.contextmanager
def patched_handlers(patches: tuple[tuple[str, HandlerPatch], ...]) -> Iterator[None]:
    """Swap sandbox handlers while an app is built (routes bind handlers at creation)."""
    saved = {operation_id: HANDLERS[operation_id] for operation_id, _ in patches}
    try:
        for operation_id, patch in patches:
            HANDLERS[operation_id] = patch(saved[operation_id])
        yield
    finally:
        HANDLERS.update(saved)


@dataclass(frozen=True, slots=True)
class Mutant:
    name: str
    defect: str
    expected_checks: tuple[str, ...]
    # An HTTP-level defect: `handler` serves `method` + `path` (a regex) around the real app.
    method: str = ""
    path: str = ""
    handler: Handler | None = None
    # A handler-level defect: operationId -> wrapper around the sandbox's handler.
    patches: tuple[tuple[str, HandlerPatch], ...] = ()

    def build(self, create_app: Callable[[], ASGIApp]) -> ASGIApp:
        """The sandbox app from `create_app`, with this mutant's defect planted."""
        with patched_handlers(self.patches):
            app = create_app()
        if self.handler is not None:
            app = intercept(app, self.method, self.path, self.handler)
        return app


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "server-error-edge",
        "a 500 on an edge input (limit at its documented maximum)",
        ("not_a_server_error",),
        method="GET",
        path="/v3/milestones",
        handler=server_error_on_max_limit,
    ),
    Mutant(
        "missing-required-field",
        "a required response field missing (data.name of a target group)",
        ("response_schema_conformance",),
        method="GET",
        path=GROUP,
        handler=drop_required_name,
    ),
    Mutant(
        "wrong-field-type",
        "a field of the wrong type (target group id as a string)",
        ("response_schema_conformance",),
        method="GET",
        path="/v3/targetGroups",
        handler=id_as_string,
    ),
    Mutant(
        "wrong-content-type",
        "wrong Content-Type (text/plain for JSON)",
        ("content_type_conformance",),
        method="GET",
        path="/v3/targetGroups/channels",
        handler=text_content_type,
    ),
    Mutant(
        "undocumented-status",
        "an undocumented status code (202 for a name check)",
        ("status_code_conformance",),
        method="POST",
        path="/v3/targetGroups/isValidName",
        handler=undocumented_202,
    ),
    Mutant(
        "invalid-input-accepted",
        "invalid input accepted with 2xx (limit out of range clamped instead of 400)",
        ("negative_data_rejection",),
        method="GET",
        path="/v3/milestones",
        handler=clamp_limit,
    ),
    Mutant(
        "auth-ignored",
        "auth ignored (missing or wrong credentials still get the data)",
        ("ignored_auth",),
        method="GET",
        path="/v3/targetGroups",
        handler=ignore_auth,
    ),
    Mutant(
        "other-org-data",
        "another org's data returned (GET by id not scoped to the caller's org)",
        ("other_org_denied", "object_level_authorization"),
        method="GET",
        path=GROUP,
        handler=read_any_org,
    ),
    Mutant(
        "delete-not-deleting",
        "DELETE that does not delete (200 data:true, group still readable)",
        ("delete_persisted", "use_after_free"),
        patches=(("deleteTargetGroup", writes_rolled_back),),
    ),
    Mutant(
        "deactivate-not-deactivating",
        "a target deactivation that answers true but leaves the target active",
        ("delete_persisted",),
        patches=(("deactivateTarget", writes_rolled_back),),
    ),
    Mutant(
        "put-not-persisting",
        "PUT that does not persist (answers with the update, stores nothing)",
        ("update_persisted",),
        patches=(("updateTargetGroup", writes_rolled_back),),
    ),
    Mutant(
        "pagination-total-wrong",
        "pagination total wrong (off by one)",
        ("pagination_consistent",),
        method="GET",
        path="/v3/milestones",
        handler=total_off_by_one,
    ),
    Mutant(
        "unknown-enum-value",
        "an unknown enum value returned (trackingType WEEKLY_STREAKS)",
        # A read that reports another type than the update stored is also a persistence defect;
        # whichever check sees it first kills the mutant.
        ("response_schema_conformance", "update_persisted"),
        method="GET",
        path=GROUP,
        handler=unknown_tracking_type,
    ),
    Mutant(
        "request-id-missing",
        "a required response header missing (X-Cap-Requestid)",
        ("response_headers_conformance",),
        method="GET",
        path="/v3/targetGroups/channels",
        handler=drop_request_id,
    ),
    Mutant(
        "create-not-durable",
        "a create that is acknowledged but not stored",
        ("create_persisted", "ensure_resource_availability"),
        patches=(("createTargetGroup", writes_rolled_back),),
    ),
    Mutant(
        "405-without-allow",
        "a 405 without the Allow header",
        ("unsupported_method", "allow_header_conformance"),
        method="PATCH",
        path="/v3/targetGroups/channels",
        handler=method_not_allowed_without_allow,
    ),
)

BY_NAME = {mutant.name: mutant for mutant in MUTANTS}
