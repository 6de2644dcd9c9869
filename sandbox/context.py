"""What a handler receives and may return."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from sandbox.auth import Authenticator, Principal
from sandbox.store import Store


@dataclass(slots=True)
class Reply:
    """A handler result that needs more than `{data, errors: null, warnings: null}` with 200."""

    body: dict[str, Any] | bytes
    status: int = 200


@dataclass(slots=True)
class Context:
    store: Store
    # The connection this request uses: the writer for writes, the reader for reads.
    db: sqlite3.Connection
    auth: Authenticator
    principal: Principal | None
    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any
    # The request's instant (epoch ms) on the sandbox's clock: every date decision and
    # attribution time of the request uses it, so one request never straddles two instants.
    now: int
    # The body as the generated pydantic model (None for operations without one).
    model: Any = None
    # Groups whose rendered document this request changed (re-rendered before commit).
    touched: set[int] = field(default_factory=set)

    def touch(self, group_id: int) -> None:
        self.touched.add(group_id)

    @property
    def org_id(self) -> int:
        assert self.principal is not None, "secured operations always carry a principal"
        return self.principal.org_id

    @property
    def till_id(self) -> int:
        assert self.principal is not None, "secured operations always carry a principal"
        return self.principal.till_id
