"""Credentials for the fuzzer, read from the environment (never from the command line).

Capillary's Basic scheme sends md5hex(password) in place of the password, so a user gives the plain
password and the fuzzer applies the rule. OAuth key + secret are exchanged for a token at
`POST /v3/oauth/token/generate`; the hook module refreshes it before `ttlSeconds` run out and
on a 401.

A second, optional identity from another org (the "peer") lets schemathesis's
`object_level_authorization` check replay one org's reads as the other org.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

Scheme = Literal["basic", "oauth"]
SchemeChoice = Literal["auto", "basic", "oauth"]

# Environment variable names, per identity role. The peer's names carry a PEER_ infix.
ENV_NAMES: dict[str, dict[str, str]] = {
    "primary": {
        "username": "CAP_USERNAME",
        "password": "CAP_PASSWORD",
        "key": "CAP_OAUTH_KEY",
        "secret": "CAP_OAUTH_SECRET",
    },
    "peer": {
        "username": "CAP_PEER_USERNAME",
        "password": "CAP_PEER_PASSWORD",
        "key": "CAP_PEER_OAUTH_KEY",
        "secret": "CAP_PEER_OAUTH_SECRET",
    },
}
# Set by the runner for the schemathesis subprocess: which scheme to use when both are configured.
SCHEME_ENV = "CAP_AUTH_SCHEME"
BASIC_HEADER = "Authorization"
TOKEN_HEADER = "X-CAP-API-OAUTH-TOKEN"


class CredentialsError(ValueError):
    """The environment does not hold a usable set of credentials."""


def md5_hex(password: str) -> str:
    # md5 is Capillary's wire format for Basic passwords, not a security choice of ours.
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def basic_header(username: str, password: str) -> str:
    """The Authorization value for Capillary Basic: base64(username:md5hex(password))."""
    raw = f"{username}:{md5_hex(password)}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True, slots=True)
class Identity:
    """One set of credentials; `name` labels it in schemathesis's reports."""

    name: str
    scheme: Scheme
    username: str = ""
    password: str = ""
    key: str = ""
    secret: str = ""

    def describe(self) -> str:
        if self.scheme == "basic":
            return f"Basic auth as {self.username!r} (md5 password rule applied)"
        return f"OAuth token for key {self.key!r} (from POST /v3/oauth/token/generate)"


def _identity(
    role: str, env: Mapping[str, str], choice: SchemeChoice, required: bool
) -> Identity | None:
    names = ENV_NAMES[role]
    values = {field: env.get(var, "") for field, var in names.items()}
    has_basic = bool(values["username"] and values["password"])
    has_oauth = bool(values["key"] and values["secret"])
    half_basic = bool(values["username"]) != bool(values["password"])
    half_oauth = bool(values["key"]) != bool(values["secret"])
    if half_basic and choice != "oauth":
        raise CredentialsError(f"set both {names['username']} and {names['password']}")
    if half_oauth and choice != "basic":
        raise CredentialsError(f"set both {names['key']} and {names['secret']}")
    scheme: Scheme | None
    if choice == "basic":
        scheme = "basic" if has_basic else None
    elif choice == "oauth":
        scheme = "oauth" if has_oauth else None
    else:
        scheme = "basic" if has_basic else ("oauth" if has_oauth else None)
    if scheme is None:
        if not required:
            return None
        wanted = {
            "basic": f"{names['username']} + {names['password']}",
            "oauth": f"{names['key']} + {names['secret']}",
            "auto": (
                f"{names['username']} + {names['password']} (Basic) or "
                f"{names['key']} + {names['secret']} (OAuth)"
            ),
        }[choice]
        raise CredentialsError(f"no credentials in the environment: set {wanted}")
    return Identity(name=role, scheme=scheme, **values)


def from_env(
    env: Mapping[str, str] | None = None, choice: SchemeChoice | None = None
) -> tuple[Identity, Identity | None]:
    """The primary identity (required) and the optional peer from another org."""
    env = os.environ if env is None else env
    if choice is None:
        raw = env.get(SCHEME_ENV, "auto") or "auto"
        if raw not in ("auto", "basic", "oauth"):
            raise CredentialsError(f"{SCHEME_ENV} must be auto, basic or oauth, not {raw!r}")
        choice = cast(SchemeChoice, raw)
    primary = _identity("primary", env, choice, required=True)
    assert primary is not None
    peer = _identity("peer", env, "auto", required=False)
    return primary, peer
