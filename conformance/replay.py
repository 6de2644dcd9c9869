"""`python -m conformance replay --id ID`: resend one request from a run's VCR cassette.

Schemathesis masks credentials in its reports, so the request goes out with fresh credentials from
the same environment variables the fuzz run used. Everything else (method, URL, headers, body) is
sent exactly as recorded.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import yaml

from conformance.credentials import (
    BASIC_HEADER,
    TOKEN_HEADER,
    CredentialsError,
    Identity,
    basic_header,
    from_env,
)

MASK = "[Filtered]"
# Recomputed by the HTTP client for the body actually sent.
_DROPPED = {"content-length", "host", "connection", "accept-encoding"}


def find_interaction(cassette: Path, case_id: str) -> dict[str, Any] | None:
    """Parse only the one interaction's block: whole cassettes take seconds to parse."""
    marker = f"- id: '{case_id}'"
    block: list[str] = []
    with cassette.open(encoding="utf-8") as handle:
        for line in handle:
            if block and line.startswith("- id: "):
                break
            if block or line.rstrip("\n") == marker:
                block.append(line)
    if not block:
        return None
    parsed = yaml.load("".join(block), Loader=yaml.CSafeLoader)
    return parsed[0] if isinstance(parsed, list) and parsed else None


def _body(recorded: dict[str, Any]) -> bytes | None:
    body = recorded.get("body")
    if not isinstance(body, dict):
        return None
    if "base64_string" in body:
        return base64.b64decode(body["base64_string"])
    text = body.get("string")
    return text.encode(body.get("encoding") or "utf-8") if isinstance(text, str) else None


def _token(client: httpx.Client, base_url: str, identity: Identity) -> str:
    response = client.post(
        f"{base_url}/v3/oauth/token/generate",
        json={"key": identity.key, "secret": identity.secret},
    )
    response.raise_for_status()
    token = response.json()["data"]["accessToken"]
    assert isinstance(token, str)
    return token


def _with_base(uri: str, base_url: str | None) -> str:
    if base_url is None:
        return uri
    target, recorded = urlsplit(base_url), urlsplit(uri)
    return urlunsplit((target.scheme, target.netloc, recorded.path, recorded.query, ""))


def main(cassette: Path, case_id: str, base_url: str | None) -> int:
    if not cassette.is_file():
        print(f"conformance replay: {cassette} not found: run `make fuzz` first", file=sys.stderr)
        return 2
    interaction = find_interaction(cassette, case_id)
    if interaction is None:
        print(f"conformance replay: no request with id {case_id!r} in {cassette}", file=sys.stderr)
        return 2
    request = interaction["request"]
    uri = _with_base(str(request["uri"]), base_url)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(uri))
    headers: dict[str, str] = {}
    masked: set[str] = set()
    for name, values in (request.get("headers") or {}).items():
        if name.lower() in _DROPPED or not values:
            continue
        if values[0] == MASK:
            masked.add(name.lower())
            continue
        headers[name] = str(values[0])
    with httpx.Client(timeout=30.0) as client:
        if masked & {BASIC_HEADER.lower(), TOKEN_HEADER.lower()}:
            try:
                identity, _ = from_env()
            except CredentialsError as exc:
                print(f"conformance replay: the request was authenticated; {exc}", file=sys.stderr)
                return 2
            if identity.scheme == "basic":
                headers[BASIC_HEADER] = basic_header(identity.username, identity.password)
            else:
                headers[TOKEN_HEADER] = _token(client, origin, identity)
        response = client.request(
            str(request["method"]), uri, headers=headers, content=_body(request)
        )
    print(f"{request['method']} {uri}")
    print(f"recorded: {interaction['response']['status']['code']}   now: {response.status_code}")
    for name, value in response.headers.items():
        print(f"{name}: {value}")
    print()
    print(response.text)
    return 0
