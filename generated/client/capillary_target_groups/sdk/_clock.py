# Copied from generator/sdk/runtime/_clock.py by `make generate`. Edit that file, not this copy.
"""Where the SDK reads the time: one object a caller (or a test) can replace.

The client reads two clocks and nothing else: the wall clock, to turn an HTTP-date
``Retry-After`` into seconds, and a monotonic clock, for an OAuth token's lifetime (a monotonic
clock never jumps when the system time is corrected) and the durations in debug logs. Waiting
goes through the client's ``sleep=`` argument, so a fake clock together with a fake sleep puts a
test in full control of time.
"""

from __future__ import annotations

import time
from typing import Final, Protocol, final


class Clock(Protocol):
    """The two clocks the client reads; pass your own as ``clock=`` to control time."""

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch, like :func:`time.time`."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never go backwards, like :func:`time.monotonic`."""
        ...


@final
class SystemClock:
    """The real clocks: :func:`time.time` and :func:`time.monotonic`."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def __repr__(self) -> str:
        return "SYSTEM_CLOCK"


SYSTEM_CLOCK: Final = SystemClock()
