"""Who is calling: Basic (till username + md5 of the password) or an OAuth token header."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from sandbox.clock import Clock, system_clock
from sandbox.errors import ApiError
from sandbox.store import Store

TOKEN_HEADER = "x-cap-api-oauth-token"


@dataclass(frozen=True, slots=True)
class Principal:
    org_id: int
    till_id: int
    till_name: str
    read_only: bool


def md5_hex(password: str) -> str:
    return hashlib.md5(password.encode()).hexdigest()


def unauthorized(message: str = "Invalid or missing credentials") -> ApiError:
    # The challenge names both schemes the spec declares, as RFC 9110 asks of a 401.
    return ApiError(401, message, headers={"WWW-Authenticate": 'Basic realm="sandbox"'})


class Authenticator:
    def __init__(self, store: Store, token_ttl_seconds: int, clock: Clock = system_clock) -> None:
        self.store = store
        self.token_ttl_seconds = token_ttl_seconds
        # Token expiry follows the sandbox's clock (sandbox/clock.py), like everything else.
        self.clock = clock
        # Tills never change while the server runs, so a verified Basic header can be remembered;
        # this keeps the md5 check and the lookup off the hot path of every request.
        self._basic_cache: dict[str, Principal] = {}

    def authenticate(self, authorization: str | None, token: str | None) -> Principal:
        if token:
            return self._from_token(token)
        if authorization:
            return self._from_basic(authorization)
        raise unauthorized("Missing credentials: send Basic auth or X-CAP-API-OAUTH-TOKEN")

    def _from_basic(self, header: str) -> Principal:
        cached = self._basic_cache.get(header)
        if cached is not None:
            return cached
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic" or not value:
            raise unauthorized("Unsupported Authorization scheme: use Basic")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise unauthorized("Malformed Basic credentials") from None
        username, sep, password_md5 = decoded.partition(":")
        if not sep:
            raise unauthorized("Malformed Basic credentials")
        row = self.store.reader.execute(
            "SELECT id, org_id, name, read_only, password_md5 FROM tills WHERE username = ?",
            (username,),
        ).fetchone()
        # Constant-time compare: the md5 is the secret here, as Capillary's Basic scheme sends it.
        if row is None or not secrets.compare_digest(
            row["password_md5"].lower(), password_md5.strip().lower()
        ):
            raise unauthorized("Invalid username or password")
        principal = Principal(row["org_id"], row["id"], row["name"], bool(row["read_only"]))
        if len(self._basic_cache) < 1024:
            self._basic_cache[header] = principal
        return principal

    def _from_token(self, token: str) -> Principal:
        row = self.store.reader.execute(
            "SELECT t.expires_ms, l.id, l.org_id, l.name, l.read_only "
            "FROM tokens t JOIN tills l ON l.id = t.till_id WHERE t.token = ?",
            (token,),
        ).fetchone()
        if row is None:
            raise unauthorized("Invalid OAuth token")
        if row["expires_ms"] <= self.clock():
            raise unauthorized("OAuth token expired: generate a new one")
        return Principal(row["org_id"], row["id"], row["name"], bool(row["read_only"]))

    def issue_token(self, db: sqlite3.Connection, key: str, secret: str) -> tuple[str, int]:
        """Return (token, ttl seconds) for a valid key/secret pair, or raise 401.

        Runs inside the calling request's write (`db` is the writer connection).
        """
        row = db.execute(
            "SELECT secret, till_id FROM oauth_clients WHERE client_key = ?", (key,)
        ).fetchone()
        if row is None or not secrets.compare_digest(row["secret"], secret):
            raise unauthorized("Invalid key or secret")
        token = secrets.token_urlsafe(32)
        now = self.clock()
        # Expired tokens are pruned as new ones are issued, so the table stays small.
        db.execute("DELETE FROM tokens WHERE expires_ms <= ?", (now,))
        db.execute(
            "INSERT INTO tokens (token, till_id, expires_ms) VALUES (?, ?, ?)",
            (token, row["till_id"], now + self.token_ttl_seconds * 1000),
        )
        return token, self.token_ttl_seconds
