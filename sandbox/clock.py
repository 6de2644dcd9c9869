"""The sandbox's clock: the one place it learns what time it is.

Period status, milestone status, stored-document validity, attribution times, seeded demo dates
and token expiry all follow a `Clock` (epoch milliseconds) given to the app in `Settings`, never
the machine's clock directly. So a sandbox can run at any date (`--now`), and tests can move
time forward instead of waiting for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sandbox.timefmt import EPOCH

Clock = Callable[[], int]


def system_clock() -> int:
    """The machine's clock."""
    return time.time_ns() // 1_000_000


def starting_at(start_ms: int, ticks: Callable[[], int] = time.monotonic_ns) -> Clock:
    """A clock that reads `start_ms` now and then advances in real time (`ticks`, in ns)."""
    origin = ticks()

    def clock() -> int:
        return start_ms + (ticks() - origin) // 1_000_000

    return clock


def parse_start(text: str) -> int:
    """Epoch ms of an ISO date (midnight UTC) or date-time (UTC unless it names an offset).

    Strict, unlike request dates: a mistyped start date should be refused, not rolled over.
    """
    value = text.strip()
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        else:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(
            f"not an ISO date or date-time: {text!r} (say 2031-06-01 or 2031-06-01T09:30:00Z)"
        ) from None
    return (moment - EPOCH) // timedelta(milliseconds=1)
