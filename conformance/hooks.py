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
from schemathesis.generation.meta import TestPhase
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
from conformance.links import operation_id
from conformance.pool import IdPool

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

# Linked-id cases a DELETE operation gets per phase (see conformance/pool.py).
DELETES_PER_PHASE = 3

# Marks a request whose path parameters a spec link took from an earlier response; the value names
# the operation that gave them. The coverage report counts these as links followed.
LINK_HEADER = "X-Cap-Fuzz-Link"


@dataclass(slots=True)
class _Run:
    """What one handled schema's run keeps: its document, its ids, its credentials."""

    # Keeps the document alive, so the id() it is registered under stays unique.
    document: Any
    pool: IdPool
    primary: Identity
    # The other org's credentials, when the run has them (see `peer_headers`).
    peer: Credentials | None = None


# Schemas this module handles, keyed by the id() of their raw document: filtered clones of a schema
# (`schema.include(...)`) share it. Each run has its own pool: ids from one server mean nothing to
# the next, and runs in one process must not depend on their order.
_ACTIVE: dict[int, _Run] = {}
_ACTIVE_LOCK = threading.Lock()


def is_active(schema: BaseSchema) -> bool:
    return id(schema.raw_schema) in _ACTIVE


def _run(schema: BaseSchema) -> _Run | None:
    return _ACTIVE.get(id(schema.raw_schema))


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

    def new_token(self, operation: AnyOperation) -> _Token:
        value, ttl = self._fetch(operation, self.identity.key, self.identity.secret)
        return _Token(value, self._clock() + max(ttl, 1) * TOKEN_REFRESH_FRACTION)

    def get(self, case: AnyCase, context: AuthContext) -> str | _Token:
        return self.first(context.operation)

    def first(self, operation: AnyOperation) -> str | _Token:
        """The Basic header, or a freshly fetched token."""
        if self.identity.scheme == "basic":
            return basic_header(self.identity.username, self.identity.password)
        return self.new_token(operation)

    def set(self, case: AnyCase, data: str | _Token, context: AuthContext) -> None:
        # The caching wrapper hands the same data to every operation; public ones get none of it.
        if not requires_auth(context.operation):
            return
        case.headers.update(self.header(data, context.operation))

    def header(self, data: str | _Token, operation: AnyOperation) -> dict[str, str]:
        if isinstance(data, str):
            return {BASIC_HEADER: data}
        with self._lock:
            if self._clock() >= data.refresh_at:
                fresh = self.new_token(operation)
                data.value, data.refresh_at = fresh.value, fresh.refresh_at
            return {TOKEN_HEADER: data.value}


class Credentials:
    """One identity's credential header for requests the project checks send themselves."""

    def __init__(self, identity: Identity) -> None:
        self._auth = CapillaryAuth(identity)
        self._data: str | _Token | None = None
        self._lock = threading.Lock()

    def headers(self, operation: AnyOperation) -> dict[str, str]:
        with self._lock:
            if self._data is None:
                self._data = self._auth.first(operation)
            data = self._data
        return self._auth.header(data, operation)


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
        peer_credentials = Credentials(peer) if peer is not None else None
        run = _Run(schema.raw_schema, IdPool(), primary, peer_credentials)
        _ACTIVE[id(schema.raw_schema)] = run


def peer_headers(operation: AnyOperation) -> dict[str, str] | None:
    """The other org's credential header for `operation`, or None without a peer identity."""
    run = _run(operation.schema)
    if run is None or run.peer is None:
        return None
    return run.peer.headers(operation)


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


def _is_positive_at(case: AnyCase, location: ParameterLocation) -> bool:
    meta = case.meta
    return meta is not None and not meta.is_negative_at(location)


def _known_user(case: AnyCase) -> None:
    """Point half of the cases with a valid generated `userId` at a known customer."""
    path = case.path_parameters
    if not path or "userId" not in path or not _is_positive_at(case, ParameterLocation.PATH):
        return
    value, ids = path["userId"], known_user_ids()
    # Deterministic under the seed: the generated value decides, not a random draw.
    if ids and isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
        path["userId"] = ids[(value // 2) % len(ids)]


def _linked_ids(case: AnyCase, run: _Run) -> None:
    """Give every other positive case ids that a spec link took from a real response."""
    path = case.path_parameters
    meta = case.meta
    if not path or meta is None or meta.phase.name == TestPhase.STATEFUL:
        return  # the stateful phase follows the links itself
    if not _is_positive_at(case, ParameterLocation.PATH):
        return  # the id may be the invalid part on purpose
    key = operation_id(case.operation)
    budget = (str(meta.phase.name), DELETES_PER_PHASE) if case.method.upper() == "DELETE" else None
    if not run.pool.takes_turn(key, budget):
        return
    if _is_batch_update(case):
        values = run.pool.draw_collection(key, case.operation.path)
        if values is not None:
            path.update(values)
            _resend_known_items(case, run)
            return
    values = run.pool.draw(key, oldest=budget is not None)
    if values is not None:
        path.update(values)


def _is_batch_update(case: AnyCase) -> bool:
    return case.method.upper() == "PUT" and isinstance(case.body, list)


def _resend_known_items(case: AnyCase, run: _Run) -> None:
    """A batch update of a collection resends an item the server listed, over a generated one.

    Its generated items carry random ids that name nothing; the server's own item (with the
    generated values for fields the listing does not return) is a change it can accept.
    """
    original = case.body
    if not _is_positive_at(case, ParameterLocation.BODY) or not isinstance(original, list):
        return
    known = run.pool.items(case.operation.path, dict(case.path_parameters or {}))
    generated = original[0] if original else None
    if not known or not isinstance(generated, dict):
        return
    item = known[run.pool.turn(operation_id(case.operation)) // 2 % len(known)]
    case.body = [{**generated, **{k: v for k, v in item.items() if k in generated}}]
    if not generation.conforms(case):
        case.body = original


def _real_token_request(case: AnyCase, run: _Run) -> None:
    """Every other valid token request sends the real key and secret, when the run has them."""
    identity = run.primary
    if operation_id(case.operation) != TOKEN_OPERATION_ID or not (identity.key and identity.secret):
        return
    if not _is_positive_at(case, ParameterLocation.BODY) or not isinstance(case.body, dict):
        return
    if run.pool.takes_turn(TOKEN_OPERATION_ID):
        case.body = {**case.body, "key": identity.key, "secret": identity.secret}


@schemathesis.hook
def map_case(context: Any, case: AnyCase) -> AnyCase:
    """Steer positive cases to resources that exist: known customers, linked ids, real keys."""
    run = _run(case.operation.schema)
    if run is None:
        return case
    _known_user(case)
    _linked_ids(case, run)
    _real_token_request(case, run)
    return case


@schemathesis.hook
def after_call(context: Any, case: AnyCase, response: Any) -> None:
    run = _run(case.operation.schema)
    if run is not None:
        run.pool.record(case, response)


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
    run = _run(case.operation.schema)
    if run is not None and case.path_parameters:
        source = run.pool.source_of(operation_id(case.operation), dict(case.path_parameters))
        if source is not None:
            case.headers[LINK_HEADER] = source


# Registers the project checks; kept in their own module because they are a separate concern.
from conformance import checks as _checks  # noqa: E402, F401
