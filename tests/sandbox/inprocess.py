"""The sandbox app in this process, on a fresh database, with a clock the test controls.

For tests about time (token expiry, period boundaries) and about settings: moving a FakeClock
replaces waiting, so they take no wall-clock time and cannot race.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from sandbox.app import Settings, create_app
from sandbox.seed import DEMO, Credential
from sandbox.store import Store
from tests.clock import FakeClock

BASE_URL = "http://sandbox"


class _BlockingASGITransport(httpx.BaseTransport):
    """httpx's ASGI transport behind a blocking client: each request runs to completion on one
    event loop owned by this transport."""

    def __init__(self, app: Starlette) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            body = await request.aread()
            streamed = await self._inner.handle_async_request(
                httpx.Request(request.method, request.url, headers=request.headers, content=body)
            )
            content = await streamed.aread()
            return httpx.Response(streamed.status_code, headers=streamed.headers, content=content)

        return self._loop.run_until_complete(send())

    def close(self) -> None:
        self._loop.close()


@dataclass
class InProcess:
    app: Starlette
    store: Store
    clock: FakeClock

    @contextlib.contextmanager
    def client(
        self, credential: Credential | None = DEMO, headers: dict[str, str] | None = None
    ) -> Iterator[httpx.Client]:
        """A blocking httpx client of the app; Basic auth of `credential` unless None."""
        sent = {"Authorization": credential.basic_header} if credential is not None else {}
        sent.update(headers or {})
        transport = _BlockingASGITransport(self.app)
        with httpx.Client(transport=transport, base_url=BASE_URL, headers=sent) as client:
            yield client


@contextlib.contextmanager
def inprocess_sandbox(
    folder: Path, clock: FakeClock | None = None, **settings: Any
) -> Iterator[InProcess]:
    """A seeded sandbox on `folder`/sandbox.db whose clock is `clock` (the tests' now if None)."""
    clock = clock or FakeClock()
    db = folder / "sandbox.db"
    store = Store(db)
    try:
        app = create_app(Settings(db=str(db), clock=clock, **settings), store)
        yield InProcess(app, store, clock)
    finally:
        store.close()
