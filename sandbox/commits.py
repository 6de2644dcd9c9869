"""Group commit: write requests share one fsync, and none is answered before it.

Each write request runs its handler inside a savepoint of the open batch transaction (a failed
request rolls back to its savepoint and leaves the others intact). The batch commits in a worker
thread, so the event loop keeps serving reads during the fsync; requests that arrive meanwhile
form the next batch. A request's 2xx is sent only after the COMMIT that contains it returned,
with `synchronous=FULL`, so every acknowledged write is on disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class GroupCommit:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._batch: asyncio.Future[None] | None = None
        self._committing: asyncio.Future[None] | None = None
        # One thread: commits are sequential by nature, and the writer is never shared.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-commit")

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in its own savepoint, then wait until its batch is durably committed."""
        while self._committing is not None:
            await asyncio.shield(self._committing)
        loop = asyncio.get_running_loop()
        if self._batch is None:
            self.db.execute("BEGIN IMMEDIATE")
            self._batch = loop.create_future()
            # Commit once every request already waiting to run has joined this batch.
            loop.call_soon(self._commit)
        batch = self._batch
        self.db.execute("SAVEPOINT request")
        try:
            result = work(self.db)
        except BaseException:
            self.db.execute("ROLLBACK TO request")
            self.db.execute("RELEASE request")
            raise
        self.db.execute("RELEASE request")
        await asyncio.shield(batch)
        return result

    def _commit(self) -> None:
        batch, self._batch = self._batch, None
        if batch is None:
            return
        loop = asyncio.get_running_loop()
        committing = self._committing = loop.create_future()
        done = loop.run_in_executor(self._executor, self._commit_now)

        def finished(result: asyncio.Future[None]) -> None:
            self._committing = None
            error = result.exception()
            if error is None:
                batch.set_result(None)
            else:
                batch.set_exception(error)
            committing.set_result(None)

        done.add_done_callback(finished)

    def _commit_now(self) -> None:
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error:
            # The batch is lost as a whole; its requests all get 500 and the writer starts clean.
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._executor.shutdown(wait=True)
