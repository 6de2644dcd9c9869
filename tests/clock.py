"""The tests' "now": one instant per test run, and the dates tests write relative to it.

It is the real time when the run started, or `CAP_TEST_NOW` (an ISO date or date-time) to run
the sandbox and client suites at any other date. Every sandbox a test starts gets this instant
as the start of its clock (`--now` for a process, `Settings(clock=...)` in-process), and every
date a test sends or expects is computed from it, so the suites give the same answer whatever
the machine's date.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sandbox.clock import parse_start
from sandbox.timefmt import EPOCH

ENV = "CAP_TEST_NOW"


def _start() -> datetime:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return datetime.now(UTC)
    try:
        return EPOCH + timedelta(milliseconds=parse_start(value))
    except ValueError as exc:
        raise ValueError(f"{ENV}: {exc}") from None


NOW = _start()
TODAY = NOW.replace(hour=0, minute=0, second=0, microsecond=0)


def now_ms() -> int:
    return (NOW - EPOCH) // timedelta(milliseconds=1)


def sandbox_args() -> list[str]:
    """Flags that start a sandbox process's clock at the tests' now."""
    return ["--now", NOW.isoformat()]


def days_from_now(days: int) -> str:
    """The date `days` days after today, as `YYYY-MM-DD`."""
    return (TODAY + timedelta(days=days)).strftime("%Y-%m-%d")


def at(days: int, hour: int = 10, minute: int = 0) -> str:
    """`hour:minute` UTC on the day `days` days after today, as `YYYY-MM-DDTHH:MM:SSZ`."""
    moment = TODAY + timedelta(days=days, hours=hour, minutes=minute)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeClock:
    """A sandbox clock that stands still at the tests' now until a test moves it."""

    def __init__(self, start_ms: int | None = None) -> None:
        self.ms = now_ms() if start_ms is None else start_ms

    def __call__(self) -> int:
        return self.ms

    def advance(self, *, seconds: float = 0, ms: int = 0) -> None:
        self.ms += round(seconds * 1000) + ms
