"""A fake clock and fake sleeps for the SDK's ``clock=`` and ``sleep=`` arguments.

Time moves only when the client sleeps or a test calls :meth:`FakeTime.advance`, so a test can
assert the exact delays the client chose and put a token on either side of its refresh point
without waiting for anything.
"""

from __future__ import annotations

# An arbitrary fixed instant (2023-11-14T22:13:20Z), so HTTP dates in tests are reproducible.
START_WALL = 1_700_000_000.0
# A monotonic clock has no meaningful origin; a value unlike START_WALL catches a mix-up of the two.
START_MONOTONIC = 5_000.0


class FakeTime:
    """A ``Clock`` plus the matching ``sleep`` and async sleep, recording every sleep."""

    def __init__(self) -> None:
        self.wall = START_WALL
        self.mono = START_MONOTONIC
        self.slept: list[float] = []

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
