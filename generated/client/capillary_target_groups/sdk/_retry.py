# Copied from generator/sdk/runtime/_retry.py by `make generate`. Edit that file, not this copy.
"""When to retry a request, and how long to wait before the next attempt."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Statuses that mean "try again later" rather than "your request is wrong". 500 is left out:
# a server bug usually fails the same way again, and for a write it may have half-applied.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})

# Methods that HTTP defines as idempotent: repeating them cannot create a second resource.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Timing of retries. The number of retries is the client's ``max_retries``.

    Attributes:
        initial_delay: seconds before the first retry; doubles on every further retry.
        max_delay: ceiling of the computed backoff.
        jitter: fraction of the delay randomly taken off, so that many clients that failed
            together do not come back in lockstep.
        max_retry_after: the longest ``Retry-After`` honoured. Beyond it the error is raised at
            once, so a caller is never blocked for minutes without knowing why.
    """

    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25
    max_retry_after: float = 60.0

    def backoff(self, retries_taken: int, rand: Callable[[], float] = random.random) -> float:
        """Exponential backoff with jitter for the retry after ``retries_taken`` retries."""
        base = min(self.initial_delay * (2.0**retries_taken), self.max_delay)
        return base * (1.0 - self.jitter * rand())

    def delay(
        self,
        retries_taken: int,
        headers: Mapping[str, str] | None,
        rand: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when the server asked for too long.

        ``now`` is the wall clock that an HTTP-date ``Retry-After`` is measured against.
        """
        retry_after = parse_retry_after(headers, now) if headers is not None else None
        if retry_after is None:
            return self.backoff(retries_taken, rand)
        if retry_after > self.max_retry_after:
            return None
        return retry_after


DEFAULT_RETRY_POLICY = RetryPolicy()


def parse_retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """Seconds from ``Retry-After`` (delta-seconds or an HTTP date) or ``Retry-After-Ms``.

    Returns None when absent or unreadable; a date in the past gives 0.
    """
    retry_after_ms = headers.get("retry-after-ms")
    if retry_after_ms is not None:
        try:
            return max(0.0, float(retry_after_ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        # RFC 9110 allows only integers; a fractional value is accepted as the obvious intent.
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now())


def is_retryable_method(method: str, *, retry_post: bool) -> bool:
    """Whether a failed call with this method may be sent again."""
    return method in IDEMPOTENT_METHODS or (retry_post and method == "POST")
