"""Schemathesis hooks for the Capillary spec: credentials as auth providers, plus project checks.

Loaded by `conformance/schemathesis.toml` (`hooks = "conformance.hooks"`) inside the `st run`
subprocess, and imported directly by the in-process lane. Importing it registers global hooks and
checks, so everything here stays inert for schemas it was not asked to handle: a schema is
"activated" only when the runner sets CAP_CONFORMANCE=1 or a caller runs `activate(schema, ...)`.
That keeps other schemathesis users in the same pytest process (the sandbox's own tests) unaffected.

Auth goes through schemathesis's auth-provider API rather than fixed headers, because
`ignored_auth` can only strip and replace credentials it knows were applied by a provider.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import schemathesis
from schemathesis.auths import CachingAuthProvider
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.wfc.escalation import EscalatingAuthProvider

from conformance import generation
from conformance.credentials import (
    BASIC_HEADER,
    TOKEN_HEADER,
    CredentialsError,
    Identity,
    basic_header,
    from_env,
)

if TYPE_CHECKING:
    from schemathesis.auths import AuthContext
    from schemathesis.schemas import BaseSchema

    from conformance._typing import AnyAuthProvider, AnyCase, AnyOperation

ACTIVATE_ENV = "CAP_CONFORMANCE"
# Optional: ids of real customers, comma-separated. Generated ids almost never name a customer, so
# without them the user-progress read only ever answers 404.
USER_IDS_ENV = "CAP_FUZZ_USER_IDS"
READ_ONLY_ENV = "CAP_READ_ONLY"
TOKEN_OPERATION_ID = "generateOauthToken"
# Refresh a token once this share of its lifetime has passed, so no request goes out with a token
# about to expire mid-flight; a 401 still triggers a refresh (schemathesis's `retry_on`).
TOKEN_REFRESH_FRACTION = 0.8
TOKEN_RESPONSE_CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
# Requests that cannot change server state: the only ones read-only mode may send.
SAFE_METHODS = frozenset({"get", "head", "options", "trace"})

# Schemas this module handles, keyed by the id() of their raw document: filtered clones of a schema
# (`schema.include(...)`) share it. The value keeps the document alive so the id stays unique.
_ACTIVE: dict[int, Any] = {}
_ACTIVE_LOCK = threading.Lock()


def is_active(schema: BaseSchema) -> bool:
    return id(schema.raw_schema) in _ACTIVE


def requires_auth(operation: AnyOperation) -> bool:
    """Whether the spec asks for credentials on this operation (`security: []` means no)."""
    return any(True for _ in operation.security.iter_parameters())


# --- auth ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    """A token that the provider refreshes in place, so the cached object stays valid."""

    value: str
    refresh_at: float


class TokenError(RuntimeError):
    """The token endpoint did not hand out a token."""


def fetch_token(operation: AnyOperation, key: str, secret: str) -> tuple[str, int]:
    """Call the spec's token operation through schemathesis's transport (HTTP or ASGI app)."""
    token_op: AnyOperation = operation.schema.find_operation_by_id(TOKEN_OPERATION_ID)
    case = token_op.Case(body={"key": key, "secret": secret}, media_type="application/json")
    config = operation.schema.config
    kwargs: dict[str, Any] = {"verify": config.tls_verify_for(operation=token_op)}
    timeout = config.request_timeout_for(operation=token_op)
    if timeout is not None:
        kwargs["timeout"] = timeout
    response = case.call(**kwargs)
    if response.status_code != 200:
        raise TokenError(
            f"POST {token_op.path} answered {response.status_code}: {response.text[:200]}"
        )
    # Fuzzed keys never get a token, so this is the only place the token endpoint's 200 is
    # checked against the spec. A non-conforming answer stops the run here, loudly.
    try:
        case.validate_response(response, checks=list(TOKEN_RESPONSE_CHECKS))
    except (AssertionError, FailureGroup) as exc:
        raise TokenError(f"POST {token_op.path} answered 200 against the spec: {exc}") from None
    data = response.json().get("data") or {}
    token, ttl = data.get("accessToken"), data.get("ttlSeconds")
    if not isinstance(token, str) or not token or not isinstance(ttl, int):
        raise TokenError(f"POST {token_op.path} returned no accessToken/ttlSeconds")
    return token, ttl


class CapillaryAuth:
    """Applies one identity's credentials: Capillary Basic (md5 rule) or an OAuth token header."""

    def __init__(
        self,
        identity: Identity,
        fetch: Callable[[AnyOperation, str, str], tuple[str, int]] = fetch_token,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.identity = identity
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()

    def _new_token(self, operation: AnyOperation) -> _Token:
        value, ttl = self._fetch(operation, self.identity.key, self.identity.secret)
        return _Token(value, self._clock() + max(ttl, 1) * TOKEN_REFRESH_FRACTION)

    def get(self, case: AnyCase, context: AuthContext) -> str | _Token:
        if self.identity.scheme == "basic":
            return basic_header(self.identity.username, self.identity.password)
        return self._new_token(context.operation)

    def set(self, case: AnyCase, data: str | _Token, context: AuthContext) -> None:
        # The caching wrapper hands the same data to every operation; public ones get none of it.
        if not requires_auth(context.operation):
            return
        if isinstance(data, str):
            case.headers[BASIC_HEADER] = data
            return
        with self._lock:
            if self._clock() >= data.refresh_at:
                fresh = self._new_token(context.operation)
                data.value, data.refresh_at = fresh.value, fresh.refresh_at
            case.headers[TOKEN_HEADER] = data.value


def build_provider(identity: Identity) -> AnyAuthProvider:
    provider = CapillaryAuth(identity)
    # Basic credentials never go stale, so a 401 is the server's verdict and must not be retried.
    retry_on = [401] if identity.scheme == "oauth" else []
    # Token lifetime is handled by CapillaryAuth itself; the cache only has to drop it on a 401.
    return CachingAuthProvider(provider, refresh_interval=10**9, retry_on=retry_on)


def activate(
    schema: BaseSchema, primary: Identity, peer: Identity | None = None, read_only: bool = False
) -> None:
    """Handle this schema: apply credentials, enable the project checks, guard read-only mode."""
    providers = [build_provider(primary)]
    if peer is None:
        schema.auth.providers.append(providers[0])
    else:
        # The escalating provider is schemathesis's multi-identity container (what `[auth.wfc]`
        # with `peers` builds). Pinned to the primary, the peer is only used by the
        # `object_level_authorization` probes that replay the primary's reads as another org.
        providers.append(build_provider(peer))
        schema.auth.providers.append(
            EscalatingAuthProvider(
                providers,
                [primary.name, peer.name],
                peers=(primary.name, peer.name),
                pinned=primary.name,
            )
        )
    if read_only:
        coverage = schema.config.phases.coverage
        # The coverage phase sends undocumented methods to test 405s; on a production host only
        # methods that cannot change state are acceptable.
        coverage.unexpected_methods = {m for m in coverage.unexpected_methods if m in SAFE_METHODS}
    with _ACTIVE_LOCK:
        _ACTIVE[id(schema.raw_schema)] = schema.raw_schema


@schemathesis.hook
def after_load_schema(context: Any, schema: BaseSchema) -> None:
    if os.environ.get(ACTIVATE_ENV) != "1":
        return
    try:
        primary, peer = from_env()
    except CredentialsError as exc:
        # The runner validates the environment first; this only fires when st is run by hand.
        raise SystemExit(f"conformance: {exc}") from None
    activate(schema, primary, peer, read_only=os.environ.get(READ_ONLY_ENV) == "1")


@schemathesis.hook
def filter_case(context: Any, case: AnyCase) -> bool:
    """Drop positive cases whose body the spec rejects (see conformance/generation.py)."""
    meta = case.meta
    if meta is None or meta.generation.mode.is_negative or not is_active(case.operation.schema):
        return True
    return generation.conforms(case)


def known_user_ids() -> list[int]:
    raw = os.environ.get(USER_IDS_ENV, "")
    return [int(part) for part in raw.split(",") if part.strip().isdigit()]


@schemathesis.hook
def map_case(context: Any, case: AnyCase) -> AnyCase:
    """Point half of the cases with a valid generated `userId` at a known customer."""
    path = case.path_parameters
    if not path or "userId" not in path or not is_active(case.operation.schema):
        return case
    meta = case.meta
    if meta is not None and meta.is_negative_at(ParameterLocation.PATH):
        return case  # the id may be the invalid part on purpose
    value, ids = path["userId"], known_user_ids()
    # Deterministic under the seed: the generated value decides, not a random draw.
    if ids and isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
        path["userId"] = ids[(value // 2) % len(ids)]
    return case


@schemathesis.hook
def before_call(context: Any, case: AnyCase, kwargs: dict[str, Any]) -> None:
    # Last line of defence for production hosts: read-only mode never sends a write, whatever
    # phase or check produced it. Fetching an OAuth token is the one POST it needs.
    if (
        is_active(case.operation.schema)
        and os.environ.get(READ_ONLY_ENV) == "1"
        and case.method.lower() not in SAFE_METHODS
        and case.operation.definition.raw.get("operationId") != TOKEN_OPERATION_ID
    ):
        raise RuntimeError(f"read-only mode refused to send {case.method} {case.path}")


# Registers the project checks; kept in their own module because they are a separate concern.
from conformance import checks as _checks  # noqa: E402, F401
