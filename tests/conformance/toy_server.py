"""A toy Starlette server for the toy spec (tests/conformance/toy_openapi.yaml).

It follows the same rules as the sandbox (envelope, md5 Basic auth, OAuth tokens, two orgs, a
read-only credential, request validation against the spec's JSON Schema) in a few hundred lines, so
the conformance tooling can be exercised end to end without the real spec or sandbox.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import secrets
import socket
import time
import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SPEC_PATH = Path(__file__).with_name("toy_openapi.yaml")
MAX_BODY = 64 * 1024

# (username, password, org, can_write). The md5 rule: clients send md5hex(password) as the password.
USERS = {
    "till.one": ("one-secret", 1, True),
    "till.two": ("two-secret", 2, True),
    "till.reader": ("reader-secret", 1, False),
}
OAUTH_CLIENTS = {"key-one": ("key-one-secret", 1)}
TOKEN_TTL_SECONDS = 3600


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Store:
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    owners: dict[int, int] = field(default_factory=dict)
    # token -> (org, expiry on the monotonic clock, requests it may still serve)
    tokens: dict[str, tuple[int, float, int]] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    tokens_issued: int = 0


def _envelope(data: Any, **extra: Any) -> dict[str, Any]:
    return {"data": data, "errors": None, "warnings": None, **extra}


def _response(status: int, body: dict[str, Any]) -> Response:
    return JSONResponse(body, status_code=status, headers={"X-Cap-Requestid": uuid.uuid4().hex})


def _error(exc: ApiError) -> Response:
    body = {"data": None, "errors": [{"code": exc.code, "message": exc.message}], "warnings": None}
    return _response(exc.status, body)


def _validator(spec: dict[str, Any], name: str) -> jsonschema_rs.Validator:
    root = {"components": spec["components"], "$ref": f"#/components/schemas/{name}"}
    return jsonschema_rs.validator_for(root, validate_formats=True)


def create_app(token_uses: int = 10**9) -> Starlette:
    """`token_uses` revokes a token after that many requests, to exercise refresh-on-401."""
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    item_input = _validator(spec, "ItemInput")
    token_input = jsonschema_rs.validator_for(
        spec["paths"]["/v3/oauth/token/generate"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"]
    )
    store = Store()

    def authenticate(request: Request, write: bool) -> int:
        token = request.headers.get("x-cap-api-oauth-token")
        if token is not None:
            entry = store.tokens.get(token)
            if entry is None or entry[1] < time.monotonic() or entry[2] <= 0:
                raise ApiError(401, 401, "invalid or expired token")
            store.tokens[token] = (entry[0], entry[1], entry[2] - 1)
            return entry[0]
        header = request.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            raise ApiError(401, 401, "missing credentials")
        try:
            username, _, digest = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(401, 401, "malformed credentials") from None
        user = USERS.get(username)
        if user is None or hashlib.md5(user[0].encode()).hexdigest() != digest:
            raise ApiError(401, 401, "invalid credentials")
        if write and not user[2]:
            raise ApiError(403, 403, "credential lacks write access")
        return user[1]

    async def json_body(request: Request, validator: jsonschema_rs.Validator) -> dict[str, Any]:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise ApiError(415, 300004, "Content-Type must be application/json")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise ApiError(413, 300004, "body too large")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, 300004, "malformed JSON") from None
        error = next(validator.iter_errors(body), None)
        if error is not None:
            raise ApiError(400, 300004, f"invalid body: {error.message}")
        assert isinstance(body, dict)
        return body

    def int_param(raw: str | None, name: str, low: int, high: int, default: int) -> int:
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, 300004, f"{name} must be an integer") from None
        if not low <= value <= high:
            raise ApiError(400, 300004, f"{name} out of range")
        return value

    def owned(org: int, raw_id: str) -> int:
        item_id = int_param(raw_id, "itemId", 1, 9007199254740991, 0)
        if store.owners.get(item_id) != org:
            raise ApiError(404, 404, "no such item")
        return item_id

    def unique(org: int, name: str, exclude: int | None = None) -> None:
        for item_id, item in store.items.items():
            same = item["name"].lower() == name.lower()
            if same and store.owners[item_id] == org and item_id != exclude:
                raise ApiError(409, 310069, "name already exists")

    def item_from(item_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": item_id, "name": body["name"], "kind": body["kind"], "note": body.get("note")}

    async def token(request: Request) -> Response:
        body = await json_body(request, token_input)
        client = OAUTH_CLIENTS.get(body["key"])
        if client is None or client[0] != body["secret"]:
            raise ApiError(401, 401, "invalid key or secret")
        value = secrets.token_urlsafe(24)
        store.tokens[value] = (client[1], time.monotonic() + TOKEN_TTL_SECONDS, token_uses)
        store.tokens_issued += 1
        return _response(200, _envelope({"accessToken": value, "ttlSeconds": TOKEN_TTL_SECONDS}))

    async def items(request: Request) -> Response:
        if request.method == "GET":
            org = authenticate(request, write=False)
            limit = int_param(request.query_params.get("limit"), "limit", 1, 50, 10)
            offset = int_param(request.query_params.get("offset"), "offset", 0, 100000, 0)
            mine = [item for i, item in sorted(store.items.items()) if store.owners[i] == org]
            page = mine[offset : offset + limit]
            pagination = {"limit": limit, "offset": offset, "total": len(mine)}
            return _response(200, _envelope(page, pagination=pagination))
        org = authenticate(request, write=True)
        body = await json_body(request, item_input)
        unique(org, body["name"])
        item_id = next(store.ids)
        store.items[item_id] = item_from(item_id, body)
        store.owners[item_id] = org
        return _response(200, _envelope(store.items[item_id]))

    async def item(request: Request) -> Response:
        org = authenticate(request, write=request.method != "GET")
        item_id = owned(org, request.path_params["itemId"])
        if request.method == "GET":
            return _response(200, _envelope(store.items[item_id]))
        if request.method == "PUT":
            body = await json_body(request, item_input)
            unique(org, body["name"], exclude=item_id)
            store.items[item_id] = item_from(item_id, body)
            return _response(200, _envelope(store.items[item_id]))
        del store.items[item_id], store.owners[item_id]
        return _response(200, _envelope(True))

    def guarded(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                response: Response = await handler(request)
            except ApiError as exc:
                return _error(exc)
            return response

        return endpoint

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(ApiError(404, 404, "unknown path"))

    async def not_allowed(request: Request, exc: Exception) -> Response:
        response = _error(ApiError(405, 405, "method not allowed"))
        allow = getattr(exc, "headers", None) or {}
        response.headers.update(allow)
        return response

    async def openapi(request: Request) -> Response:
        return JSONResponse(spec)

    routes = [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/v3/oauth/token/generate", guarded(token), methods=["POST"]),
        Route("/v3/items", guarded(items), methods=["GET", "POST"]),
        Route("/v3/items/{itemId}", guarded(item), methods=["GET", "PUT", "DELETE"]),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})
    app.state.store = store
    return app


def stale_reads(inner: Starlette) -> Any:
    """A planted defect for the CLI tests: GET of one item serves an out-of-enum `kind`."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        is_item_read = scope["type"] == "http" and scope["method"] == "GET"
        if not is_item_read or scope["path"].count("/") != 3:
            await inner(scope, receive, send)
            return

        async def rewrite(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.body":
                body = message.get("body", b"").replace(b'"SMALL"', b'"MEDIUM"')
                message = {**message, "body": body}
            elif message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k != b"content-length"]
                message = {**message, "headers": headers}
            await send(message)

        await inner(scope, receive, rewrite)

    return wrapped


def main(argv: list[str] | None = None) -> None:
    """Serve the toy like `python -m sandbox` does: port 0 allowed, base URL printed."""
    parser = argparse.ArgumentParser(description="toy API for the conformance tests")
    parser.add_argument("--host", default="127.0.0.1", help="interface (loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port, 0 for any free one")
    parser.add_argument("--db", help="ignored: the toy keeps its data in memory")
    parser.add_argument("--defect", choices=("none", "stale-reads"), default="none", help="plant")
    args = parser.parse_args(argv)
    app: Any = create_app()
    if args.defect == "stale-reads":
        app = stale_reads(app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)
    print(f"toy API\n  base URL        http://{args.host}:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


app = create_app()

if __name__ == "__main__":
    main()
